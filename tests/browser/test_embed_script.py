"""`/embed.js` on an article of another site: it sizes each uniondash iframe to its chart, at any width.
Also the light static embed (no script, ≤ 120 KB, no requests) and oEmbed discovery, in headless Chromium.

Two servers on loopback ports: the dashboard (press routes + security headers) at http://127.0.0.1:<port>
and a "news site" at http://localhost:<port> whose article includes the script once and two iframes, so
the frames are cross-origin as in real life.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from flask import Flask, request
from markupsafe import escape
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import launched_chromium, served
from uniondash.exports.images import ChartImages, ChartRenderer, MemoryCache
from uniondash.model import Dataset
from uniondash.web import press_routes, security_headers

pytestmark = pytest.mark.browser

WAIT = 20  # seconds a condition may take to come true (a ceiling, not a measurement)
CHARTS_ON_ARTICLE = ("honours-by-level", "model-workers")  # the tallest chart and a short one
TOLERANCE = 3  # px
STATIC_LIMIT = 120 * 1024


@dataclass(frozen=True)
class Sites:
    dashboard: str  # http://127.0.0.1:<port>
    news: str  # http://localhost:<port>


@pytest.fixture(scope="module")
def sites(dataset: Dataset) -> Iterator[Sites]:
    news = Flask("news-site")

    @news.get("/article")
    def article() -> str:
        width = int(request.args["width"])
        script = request.args["script"]
        # Fallback heights deliberately wrong both ways: the script must grow one frame and shrink the other.
        frames = "".join(
            f"<p>Paragraph {number}.</p><iframe id='frame-{number}' src='{escape(src)}' title='chart {number}' "
            f"width='100%' height='{fallback}' style='border:0;display:block' data-uniondash></iframe>"
            for number, (src, fallback) in enumerate(zip(request.args.getlist("src"), (150, 2400), strict=False))
        )
        return (
            "<!doctype html><html><head><meta name='viewport' content='width=device-width'></head>"
            "<body style='margin:0;font-family:sans-serif'>"
            f"<article style='width:{width}px'><h2>Zhuzhou news</h2>{frames}</article>"
            f"<script src='{escape(script)}' async></script></body></html>"
        )

    news_server = served(news)
    news_origin = news_server.__enter__().replace("127.0.0.1", "localhost")
    dashboard = Flask("dashboard")
    renderer = ChartRenderer()
    press_routes.register(dashboard, dataset, images=ChartImages(dataset, renderer, MemoryCache()))
    security_headers.register(dashboard, [news_origin])
    try:
        with served(dashboard) as dashboard_url:
            yield Sites(dashboard_url, news_origin)
    finally:
        news_server.__exit__(None, None, None)
        renderer.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with launched_chromium() as driver:
        driver.set_window_size(1200, 900)
        yield driver


def open_article(browser: WebDriver, sites: Sites, width: int, query: str = "") -> None:
    browser.switch_to.default_content()
    srcs = [f"{sites.dashboard}/embed/{chart_id}{query}" for chart_id in CHARTS_ON_ARTICLE]
    params = urlencode({"width": width, "script": f"{sites.dashboard}/embed.js", "src": srcs}, doseq=True)
    browser.get(f"{sites.news}/article?{params}")


def content_height(browser: WebDriver, frame_id: str) -> dict[str, float]:
    """Inside the frame: its height, and where its chart and its last line end (not the script's sum)."""
    browser.switch_to.default_content()
    browser.switch_to.frame(browser.find_element(By.ID, frame_id))
    try:
        return browser.execute_script(
            "const svg = document.querySelector('#chart .main-svg');"
            "const foot = document.querySelector('footer').getBoundingClientRect();"
            "return {inner: innerHeight, scroll: document.documentElement.scrollHeight,"
            " chart: document.getElementById('chart').getBoundingClientRect().height,"
            " svg: svg ? svg.getBoundingClientRect().height : 0, footer: foot.bottom + scrollY};"
        )
    finally:
        browser.switch_to.default_content()


def frame_fits(browser: WebDriver, frame_id: str) -> bool:
    sizes = content_height(browser, frame_id)
    if not sizes["svg"]:
        return False
    return 0 <= sizes["inner"] - sizes["footer"] <= 6 + TOLERANCE and sizes["scroll"] <= sizes["inner"]


@pytest.mark.parametrize("width", [360, 600, 1000])
def test_embed_script_sizes_every_frame_to_its_chart(browser: WebDriver, sites: Sites, width: int) -> None:
    open_article(browser, sites, width)
    for number in range(len(CHARTS_ON_ARTICLE)):
        frame_id = f"frame-{number}"
        WebDriverWait(browser, WAIT).until(lambda d, f=frame_id: frame_fits(d, f), f"{frame_id} at {width}px")
        sizes = content_height(browser, frame_id)
        # The whole chart is shown (its own height, not squeezed) and the frame ends just below the source line.
        assert abs(sizes["svg"] - sizes["chart"]) <= TOLERANCE, sizes
        frame = browser.find_element(By.ID, frame_id)
        assert frame.size["width"] == width
        assert abs(frame.size["height"] - sizes["footer"]) <= 6 + TOLERANCE, (frame.size, sizes)
    heights = [browser.find_element(By.ID, f"frame-{n}").size["height"] for n in range(2)]
    assert heights[0] > heights[1] + 100, "each frame gets its own chart's height"


def test_frames_follow_a_width_change(browser: WebDriver, sites: Sites) -> None:
    open_article(browser, sites, 1000)
    WebDriverWait(browser, WAIT).until(lambda d: frame_fits(d, "frame-0"))
    wide = browser.find_element(By.ID, "frame-0").size["height"]
    browser.execute_script("document.querySelector('article').style.width = '360px'")
    WebDriverWait(browser, WAIT).until(
        lambda d: frame_fits(d, "frame-0") and d.find_element(By.ID, "frame-0").size["height"] != wide
    )
    assert browser.find_element(By.ID, "frame-0").size["width"] == 360


def test_english_embeds_are_sized_too(browser: WebDriver, sites: Sites) -> None:
    open_article(browser, sites, 600, "?lang=en")
    for frame_id in ("frame-0", "frame-1"):
        WebDriverWait(browser, WAIT).until(lambda d, f=frame_id: frame_fits(d, f), frame_id)


def test_a_message_from_another_window_is_ignored(browser: WebDriver, sites: Sites) -> None:
    """The article itself (not the frame) posts a height: the script checks the sender and changes nothing."""
    open_article(browser, sites, 600)
    WebDriverWait(browser, WAIT).until(lambda d: frame_fits(d, "frame-0"))
    before = browser.find_element(By.ID, "frame-0").size["height"]
    browser.execute_script("window.postMessage({type: 'uniondash:embed-height', height: 77}, '*')")
    browser.execute_script("return new Promise(r => setTimeout(r, 300))")
    assert browser.find_element(By.ID, "frame-0").size["height"] == before


def test_static_embed_draws_without_script_and_is_light(browser: WebDriver, sites: Sites) -> None:
    browser.switch_to.default_content()
    for chart_id in CHARTS_ON_ARTICLE:
        url = f"{sites.dashboard}/embed/{chart_id}?static=1"
        with urllib.request.urlopen(url) as response:
            page = response.read()
        assert len(page) <= STATIC_LIMIT, f"{chart_id}: {len(page)} bytes"
        assert b"plotly.min.js" not in page
        # With JavaScript off the chart is drawn: bars, and its text as text.
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        try:
            browser.get(url)
            svg = browser.find_element(By.CSS_SELECTOR, ".svg-wide svg")
            assert svg.size["width"] > 600 and svg.size["height"] > 150
            assert browser.find_element(By.CSS_SELECTOR, ".svg-narrow svg").size["width"] == 0, "one drawing shown"
            assert len(browser.find_elements(By.CSS_SELECTOR, ".svg-wide svg g.trace path")) > 0
            assert len(browser.find_elements(By.CSS_SELECTOR, ".svg-wide svg text")) > 3
            assert (
                browser.find_element(By.CSS_SELECTOR, "footer a.data")
                .get_attribute("href")
                .endswith(f"/export/chart/{chart_id}.csv?report=2019-2023")  # pinned, as the embed (issue 25)
            )
        finally:
            browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
        # Nothing else is fetched: the page is all there is (the icon is inline).
        browser.get(url)
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
        assert browser.execute_script("return typeof window.Plotly") == "undefined"


def test_oembed_is_discovered_and_answers(browser: WebDriver, sites: Sites) -> None:
    browser.switch_to.default_content()
    browser.get(f"{sites.dashboard}/embed/model-workers?lang=en")
    href = browser.find_element(By.CSS_SELECTOR, 'link[rel="alternate"][type="application/json+oembed"]')
    with urllib.request.urlopen(href.get_attribute("href")) as response:
        answer = json.load(response)
    assert answer["type"] == "rich" and answer["version"] == "1.0"
    assert answer["title"] == "Model workers by level"
    assert f'src="{sites.dashboard}/embed/model-workers?report=2019-2023&amp;lang=en"' in answer["html"]  # pinned
    assert f'<script src="{sites.dashboard}/embed.js" async></script>' in answer["html"]
    with urllib.request.urlopen(answer["thumbnail_url"]) as thumbnail:
        assert thumbnail.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize("width", [360, 1000])
def test_embed_script_sizes_static_embeds_too(browser: WebDriver, sites: Sites, width: int) -> None:
    """The light embed posts its height once, on load (nothing in it resizes): the script still gets it."""
    open_article(browser, sites, width, "?static=1")

    def fits(driver: WebDriver, frame_id: str) -> bool:
        frame = driver.find_element(By.ID, frame_id)
        outer = frame.size["height"]
        driver.switch_to.frame(frame)
        try:
            inner = driver.execute_script(
                "const svg = [...document.querySelectorAll('figure svg')].find(s => s.getBoundingClientRect().width);"
                "return svg ? document.querySelector('footer').getBoundingClientRect().bottom + scrollY : null"
            )
        finally:
            driver.switch_to.default_content()
        return inner is not None and 0 <= outer - inner <= 6 + TOLERANCE

    for frame_id in ("frame-0", "frame-1"):
        WebDriverWait(browser, WAIT).until(lambda d, f=frame_id: fits(d, f), f"{frame_id} at {width}px")
