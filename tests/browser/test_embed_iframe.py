"""`/embed/<id>` inside an iframe of another site, in headless Chromium: it draws, fits, and only embeds frame.

Two servers on loopback ports: the dashboard (press routes + security headers) and a "news site" serving a
page with an iframe. The news site is reached as http://localhost:<port>, the dashboard as
http://127.0.0.1:<port>, so the frame is cross-origin as it is in real life. Fixtures live here
(tests/browser/conftest.py belongs to the dashboard tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask, request
from markupsafe import escape
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import launched_chromium, served
from uniondash.charts import CHARTS
from uniondash.exports.images import ChartImages, ChartRenderer, MemoryCache
from uniondash.model import Dataset, Filters
from uniondash.web import press_routes, security_headers

pytestmark = pytest.mark.browser

WAIT = 20  # seconds a condition may take to come true (a ceiling, not a measurement)
DRAWN = "return document.querySelectorAll('#chart .main-svg g.trace').length > 0"
PWNED_LABEL = '<img src=x onerror="window.__pwned=1">'


@dataclass(frozen=True)
class Sites:
    dashboard: str  # http://127.0.0.1:<port>
    news: str  # http://localhost:<port>, the only origin allowed to frame embeds


@pytest.fixture(scope="module")
def sites(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    news = Flask("news-site")

    @news.get("/article")
    def article() -> str:
        src, width, height = request.args["src"], int(request.args["width"]), int(request.args["height"])
        return (
            "<!doctype html><html><body style='margin:20px;font-family:sans-serif'>"
            "<h2>Zhuzhou news</h2><p>Article text.</p>"
            f"<div style='width:{width}px'><iframe id='chart-frame' src='{escape(src)}' title='chart' "
            f"width='100%' height='{height}' style='border:0'></iframe></div></body></html>"
        )

    news_server = served(news)
    news_origin = news_server.__enter__().replace("127.0.0.1", "localhost")
    # One fact relabelled with markup, to see it drawn as text (in a copy of the data).
    chart_id = next(iter(CHARTS))
    fact_id = str(CHARTS[chart_id].rows(dataset, Filters())["id"].iloc[0])
    facts = dataset.facts.copy()
    facts.loc[facts["id"] == fact_id, "label_en"] = PWNED_LABEL
    dashboard = Flask("dashboard")
    renderer = ChartRenderer()
    press_routes.register(
        dashboard, replace(dataset, facts=facts), images=ChartImages(dataset, renderer, MemoryCache())
    )
    security_headers.register(dashboard, [news_origin])

    @dashboard.get("/")
    def home() -> str:
        return "<!doctype html><title>dashboard</title><p id='dashboard'>the dashboard</p>"

    try:
        with served(dashboard) as dashboard_url:
            yield Sites(dashboard_url, news_origin)
    finally:
        news_server.__exit__(None, None, None)
        renderer.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with launched_chromium() as driver:
        driver.set_window_size(1100, 1000)
        yield driver


def open_article(browser: WebDriver, sites: Sites, src: str, width: int, height: int, news: str | None = None) -> None:
    browser.switch_to.default_content()
    browser.get_log("browser")  # drop earlier messages
    query = urlencode({"src": src, "width": width, "height": height})
    browser.get(f"{news or sites.news}/article?{query}")
    frame = WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "chart-frame"))
    browser.switch_to.frame(frame)


def errors(browser: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]


@pytest.mark.parametrize(("width", "height"), [(800, 560), (360, 620)])
def test_every_chart_draws_inside_the_iframe_and_fits_its_width(
    browser: WebDriver, sites: Sites, width: int, height: int
) -> None:
    for chart_id, chart in CHARTS.items():
        open_article(browser, sites, f"{sites.dashboard}/embed/{chart_id}", width, height)
        WebDriverWait(browser, WAIT).until(
            # Bars, or for a chart of lone figures (competitions) its numbers.
            lambda d: d.execute_script(
                "return document.querySelectorAll('#chart .main-svg g.trace, #chart .main-svg g.annotation').length > 0"
            )
        )
        assert browser.execute_script("return window.innerWidth") == width
        # The page's width, less a vertical scrollbar if the chart is taller than the frame.
        page_width = browser.execute_script("return document.documentElement.clientWidth")
        svg_width = browser.execute_script(
            "return document.querySelector('#chart .main-svg').getBoundingClientRect().width"
        )
        assert page_width * 0.85 <= svg_width <= page_width, f"{chart_id}: chart {svg_width}px in {page_width}px"
        assert browser.execute_script("return document.documentElement.scrollWidth") <= page_width, "sideways scroll"
        assert browser.find_element(By.TAG_NAME, "h1").text == chart.title("zh")
        assert "株洲日报 2023年11月30日 第3版" in browser.find_element(By.CSS_SELECTOR, "footer .source").text
        link = browser.find_element(By.CSS_SELECTOR, "footer a.full-view")
        assert link.get_attribute("target") == "_blank"
        # The link back names the report the embed shows (pinned, issue 25).
        pinned = f"/section/{chart.section_id}?report=2019-2023#chart-{chart_id}"
        assert link.get_attribute("href") == f"{sites.dashboard}{pinned}"
        assert errors(browser) == [], chart_id


def test_chart_keeps_its_own_height_in_any_frame(browser: WebDriver, sites: Sites) -> None:
    """A short frame scrolls rather than squeeze the chart (its headings would run into tick labels);
    a tall one never swells it."""
    chart_id = "honours-by-level"  # two panels: a squeeze broke the second
    heights = []
    for frame_height in (360, 1400, 2000):
        open_article(browser, sites, f"{sites.dashboard}/embed/{chart_id}", 600, frame_height)
        WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(DRAWN))
        heights.append(
            browser.execute_script("return document.querySelector('#chart .main-svg').getBoundingClientRect().height")
        )
        least, most = browser.execute_script(
            "const s = getComputedStyle(document.getElementById('chart'));"
            "return [parseFloat(s.minHeight), parseFloat(s.maxHeight)];"
        )
        assert abs(heights[-1] - least) <= 1 and least == most, (frame_height, heights[-1], least, most)
        if frame_height < least:
            assert browser.execute_script("return document.documentElement.scrollHeight") > frame_height
    assert max(heights) - min(heights) <= 1


def test_markup_in_a_label_is_drawn_as_text(browser: WebDriver, sites: Sites) -> None:
    chart_id = next(iter(CHARTS))
    open_article(browser, sites, f"{sites.dashboard}/embed/{chart_id}?lang=en", 800, 600)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(DRAWN))
    assert browser.execute_script("return window.__pwned") is None
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    table = browser.execute_script("return document.querySelector('.sr-only table').textContent")
    assert PWNED_LABEL in table


def test_unknown_chart_in_a_frame_is_a_friendly_page(browser: WebDriver, sites: Sites) -> None:
    open_article(browser, sites, f"{sites.dashboard}/embed/no-such-chart", 600, 400)
    heading = WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "h1"))
    assert heading.text == "找不到该图表"


def test_other_pages_refuse_to_be_framed(browser: WebDriver, sites: Sites) -> None:
    open_article(browser, sites, f"{sites.dashboard}/", 600, 400)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.execute_script("return document.getElementById('dashboard')") is None
    assert "chrome-error://" in browser.execute_script("return location.href")


def test_embeds_refuse_origins_not_listed(browser: WebDriver, sites: Sites) -> None:
    chart_id = next(iter(CHARTS))
    other_site = sites.news.replace("localhost", "127.0.0.1")
    open_article(browser, sites, f"{sites.dashboard}/embed/{chart_id}", 600, 400, news=other_site)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.execute_script("return document.getElementById('chart')") is None


def test_screenshot_of_an_embed_for_review(browser: WebDriver, sites: Sites, tmp_path: Path) -> None:
    """Saved for a person to look at (path printed with -s); asserts only that it was taken."""
    chart_id = next(iter(CHARTS))
    open_article(browser, sites, f"{sites.dashboard}/embed/{chart_id}", 700, 560)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(DRAWN))
    browser.switch_to.default_content()
    path = tmp_path / f"embed-{chart_id}.png"
    assert browser.save_screenshot(str(path))
    print(f"embed screenshot: {path}")
