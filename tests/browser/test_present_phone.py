"""`/present` on a phone held upright (390×844, touch): every chart slide is drawn in the phone's own layout
(labels above the bars) with chart text of 12px or more, never the projector's layout shrunk to 7px; the
page scrolls down, never sideways; a sideways swipe changes the slide, a vertical one does not."""

from __future__ import annotations

import html
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import launched_chromium, served, set_viewport
from tests.browser.test_present import CHART_TEXTS, counter, overlaps
from tests.synthetic import SHIPPED
from uniondash.meeting import phone_drawings, plan_slides
from uniondash.model import Dataset, Filters
from uniondash.web.app import create_app

pytestmark = pytest.mark.browser

WAIT = 20  # seconds a condition may take to come true (a ceiling, not a measurement)
PHONE = (390, 844)
MIN_TEXT = 12
# Text of the visible slide that runs past the window's right edge (the page scrolls down: below is fine).
CUT_AT_THE_SIDE = """
const cut = [];
const walker = document.createTreeWalker(document.querySelector('.slide:not([hidden])'), NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (!node.textContent.trim() || node.parentElement.closest('.sr-only')) continue;
  const range = document.createRange();
  range.selectNodeContents(node);
  if (Array.from(range.getClientRects()).some(r => r.left < -1 || r.right > innerWidth + 1)) cut.push(node.textContent);
}
return cut;
"""


@pytest.fixture(scope="module")
def slides_url() -> Iterator[str]:
    with served(create_app(SHIPPED).server) as url:
        yield f"{url}/present"


@pytest.fixture(scope="module")
def phone() -> Iterator[WebDriver]:
    with launched_chromium() as driver:
        set_viewport(driver, *PHONE, mobile=True)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
        yield driver


def open_slide(driver: WebDriver, url: str, number: int, total: int) -> None:
    driver.get(f"{url}&slide={number}")
    WebDriverWait(driver, WAIT).until(lambda d: counter(d) == f"{number} / {total}", f"slide {number} not shown")


def chart_drawn(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return !!document.querySelector('.slide:not([hidden]) .chart svg.main-svg')"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_slide_reads_on_a_phone_in_its_upright_layout(
    phone: WebDriver, slides_url: str, dataset: Dataset, lang: str
) -> None:
    slides = plan_slides(dataset, Filters(lang=lang))
    drawings = phone_drawings(slides)
    charts = [number for number, slide in enumerate(slides, start=1) if slide.kind == "chart"]
    assert len(charts) >= 10
    for number in charts:
        slide = slides[number - 1]
        assert slide.chart is not None
        open_slide(phone, f"{slides_url}?lang={lang}", number, len(slides))
        WebDriverWait(phone, WAIT).until(chart_drawn, f"chart on slide {number} not drawn")
        active = phone.find_element("css selector", ".slide:not([hidden])")
        layout = phone.execute_script("return arguments[0].querySelector('.chart').dataset.layout", active)
        assert layout == "phone", f"slide {number}: drawn in the {layout} layout"
        texts = phone.execute_script(CHART_TEXTS, active)
        smallest = min(texts, key=lambda text: text[4])
        assert smallest[4] >= MIN_TEXT, f"slide {number}: {smallest[5]!r} drawn at {smallest[4]:.1f}px"
        assert overlaps(texts) == [], f"slide {number}"
        # Every value of the chart is on the phone's drawing, as the report writes it.
        drawn = {text[5] for text in texts}
        figure = drawings[slide.chart.chart_id].figure
        values = [html.unescape(value) for trace in figure["data"] for value in trace.get("text") or []]
        assert values and set(values) <= drawn, f"slide {number}: values not drawn"
        # The page grows downwards, never sideways: no text, in the chart or around it, runs off the side.
        assert phone.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        assert phone.execute_script(CUT_AT_THE_SIDE) == [], f"slide {number}"


def swipe(driver: WebDriver, dx: int, dy: int) -> None:
    """One finger across the middle of the screen by (dx, dy), as a phone's touch screen reports it."""
    x, y = PHONE[0] // 2 - dx // 2, PHONE[1] // 2 - dy // 2
    for kind, points in (
        ("touchStart", [{"x": x, "y": y}]),
        ("touchMove", [{"x": x + dx // 2, "y": y + dy // 2}]),
        ("touchMove", [{"x": x + dx, "y": y + dy}]),
        ("touchEnd", []),
    ):
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_a_sideways_swipe_changes_the_slide(phone: WebDriver, slides_url: str, dataset: Dataset) -> None:
    total = len(plan_slides(dataset, Filters(lang="en")))
    open_slide(phone, f"{slides_url}?lang=en", 2, total)
    swipe(phone, -200, 10)  # leftwards: the next slide
    WebDriverWait(phone, WAIT).until(lambda d: counter(d) == f"3 / {total}", "a left swipe did not move on")
    assert parse_qs(urlparse(phone.current_url).query)["slide"] == ["3"]
    swipe(phone, 200, -10)  # rightwards: back
    WebDriverWait(phone, WAIT).until(lambda d: counter(d) == f"2 / {total}", "a right swipe did not move back")
    # Scrolling down the slide is not a swipe, nor is a short nudge.
    swipe(phone, -60, 300)
    swipe(phone, -30, 0)
    phone.execute_script("return new Promise(done => setTimeout(done, 300))")
    assert counter(phone) == f"2 / {total}"
