"""`/present` in headless Chromium at 1920×1080: keys move between slides, every slide draws, nothing errs.

Fixtures live here (tests/browser/conftest.py belongs to the dashboard tests): the app is served by a
werkzeug thread on a free loopback port, and Debian's chromium is driven through chromedriver.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import launched_chromium, served, set_viewport
from tests.synthetic import SHIPPED
from uniondash.meeting import plan_slides
from uniondash.model import Dataset, Filters
from uniondash.web.app import create_app

pytestmark = pytest.mark.browser

WAIT = 20  # seconds a condition may take to come true (a ceiling, not a measurement)


@pytest.fixture(scope="module")
def present_url() -> Iterator[str]:
    with served(create_app(SHIPPED).server) as url:
        yield f"{url}/present"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with launched_chromium() as driver:
        # The projector: a 1920×1080 viewport, whatever the headless window's frame takes.
        set_viewport(driver, 1920, 1080)
        yield driver


def slide_count(dataset: Dataset) -> int:
    return len(plan_slides(dataset, Filters()))


def counter(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.querySelector('.slide:not([hidden]) .counter').textContent"))


def press(driver: WebDriver, key: str, expected: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(key)
    WebDriverWait(driver, WAIT).until(lambda d: counter(d) == expected, f"after {key!r} expected {expected}")


def url_slide(driver: WebDriver) -> list[str]:
    return parse_qs(urlparse(driver.current_url).query).get("slide", [])


def severe_errors(driver: WebDriver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_keys_move_between_slides_and_the_url_follows(browser, present_url, dataset):
    n = slide_count(dataset)
    browser.get(present_url)
    WebDriverWait(browser, WAIT).until(lambda d: counter(d) == f"1 / {n}")
    press(browser, Keys.ARROW_RIGHT, f"2 / {n}")
    assert url_slide(browser) == ["2"]
    press(browser, Keys.ARROW_LEFT, f"1 / {n}")
    press(browser, Keys.ARROW_LEFT, f"1 / {n}")  # stays on the first slide
    press(browser, Keys.END, f"{n} / {n}")
    press(browser, Keys.ARROW_RIGHT, f"{n} / {n}")  # stays on the last slide
    assert url_slide(browser) == [str(n)]
    press(browser, Keys.HOME, f"1 / {n}")
    press(browser, Keys.SPACE, f"2 / {n}")
    press(browser, Keys.PAGE_DOWN, f"3 / {n}")
    press(browser, Keys.PAGE_UP, f"2 / {n}")
    # Reload keeps the slide (the URL carries it).
    browser.refresh()
    WebDriverWait(browser, WAIT).until(lambda d: counter(d) == f"2 / {n}")
    assert severe_errors(browser) == []


def test_deep_link_by_hash(browser, present_url, dataset):
    n = slide_count(dataset)
    browser.get(f"{present_url}?lang=en#5")
    WebDriverWait(browser, WAIT).until(lambda d: counter(d) == f"5 / {n}")
    assert url_slide(browser) == ["5"] and urlparse(browser.current_url).fragment == ""
    assert parse_qs(urlparse(browser.current_url).query)["lang"] == ["en"]


def test_every_slide_renders_large_and_every_chart_draws(browser, present_url, dataset):
    slides = plan_slides(dataset, Filters())
    browser.get(present_url)
    WebDriverWait(browser, WAIT).until(lambda d: counter(d) == f"1 / {len(slides)}")
    for number, slide in enumerate(slides, start=1):
        if number > 1:
            press(browser, Keys.ARROW_RIGHT, f"{number} / {len(slides)}")
        active = browser.find_element(By.CSS_SELECTOR, ".slide:not([hidden])")
        assert active.get_attribute("id") == f"slide-{number}"
        if slide.kind == "chart":
            WebDriverWait(browser, WAIT).until(
                lambda d: (
                    d.execute_script(
                        "return document.querySelectorAll('.slide:not([hidden]) .chart svg.main-svg').length"
                    )
                    > 0
                ),
                f"chart on slide {number} not drawn",
            )
            size = browser.execute_script(
                "const r = document.querySelector('.slide:not([hidden]) .chart').getBoundingClientRect();"
                "return [r.width, r.height];"
            )
            assert size[0] > 1500 and size[1] > 500  # the chart fills the slide
            # Drawn at its own height and scaled, never squeezed: no two texts overlap, labels are large.
            texts = browser.execute_script(
                "return Array.from(document.querySelectorAll('.slide:not([hidden]) .chart .annotation-text,"
                " .slide:not([hidden]) .chart .bartext')).map(t => { const r = t.getBoundingClientRect();"
                " return [r.left, r.top, r.right, r.bottom, t.textContent]; })"
            )
            assert texts, f"slide {number}: no labels"
            for i, a in enumerate(texts):
                for b in texts[i + 1 :]:
                    overlap_x = min(a[2], b[2]) - max(a[0], b[0])
                    overlap_y = min(a[3], b[3]) - max(a[1], b[1])
                    assert overlap_x <= 2 or overlap_y <= 2, f"slide {number}: {a[4]!r} overlaps {b[4]!r}"
            label_px = max(text[3] - text[1] for text in texts)
            assert label_px >= 22, f"slide {number}: labels {label_px}px tall"
        if slide.kind == "card":
            sizes = browser.execute_script(
                "return Array.from(document.querySelectorAll('.slide:not([hidden]) .value-cell')).map(c => {"
                "const v = c.querySelector('.value'), l = c.querySelector('.label');"
                "return [parseFloat(getComputedStyle(v).fontSize), parseFloat(getComputedStyle(l).fontSize),"
                "v.scrollWidth <= v.clientWidth + 1]; })"
            )
            assert len(sizes) == len(slide.card.values)  # type: ignore[union-attr]
            for value_px, label_px, fits in sizes:
                # Readable from the back of the room at 1920×1080: ~120px numbers, 40px+ labels, none cut off.
                assert value_px >= 110 and label_px >= 40 and fits
        heading_px = browser.execute_script(
            "return parseFloat(getComputedStyle(document.querySelector('.slide:not([hidden]) h1')).fontSize)"
        )
        footer_px = browser.execute_script(
            "return parseFloat(getComputedStyle(document.querySelector('.slide:not([hidden]) footer')).fontSize)"
        )
        assert heading_px >= 60 and footer_px >= 40
    assert severe_errors(browser) == []


def test_auto_advance_and_notices(browser, present_url, dataset):
    n = slide_count(dataset)
    browser.get(f"{present_url}?interval=5&slide={n}")
    assert counter(browser) == f"{n} / {n}"
    # After the last slide the deck starts again.
    WebDriverWait(browser, WAIT).until(lambda d: counter(d) == f"1 / {n}", "auto-advance did not move")
    browser.get(f"{present_url}?interval=2")
    notices = browser.find_element(By.ID, "notices")
    assert "自动翻页间隔“2”无效" in notices.text
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    WebDriverWait(browser, WAIT).until(lambda d: not notices.is_displayed())
    assert severe_errors(browser) == []


def test_f_toggles_full_screen(browser, present_url):
    browser.get(present_url)
    browser.find_element(By.TAG_NAME, "body").send_keys("f")
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.fullscreenElement !== null"))
    browser.find_element(By.TAG_NAME, "body").send_keys("f")
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.fullscreenElement === null"))
