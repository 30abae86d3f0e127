"""`/present` in headless Chromium at 1920×1080: keys move between slides, every slide draws large and
unclipped, nothing errs; and `/briefing`'s charts are legible at their printed size.

Fixtures live here (tests/browser/conftest.py belongs to the dashboard tests): the app is served by a
werkzeug thread on a free loopback port, and Debian's chromium is driven through chromedriver.
"""

from __future__ import annotations

import html
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

# Every text of the chart in `root` as drawn: box, effective size in px (font size times the scale it is
# drawn at: the slide's and any plotly shrinking of in-bar text) and the text.
CHART_TEXTS = """
return Array.from(arguments[0].querySelectorAll('.chart svg text')).filter(t => t.textContent.trim()).map(t => {
  const r = t.getBoundingClientRect(), local = t.getBBox();
  const px = parseFloat(getComputedStyle(t).fontSize) * r.height / (local.height || r.height);
  return [r.left, r.top, r.right, r.bottom, px, t.textContent];
});
"""
# Text of the visible slide cut off by the window or by a box that clips (overflow not visible).
CLIPPED_TEXT = """
const slide = document.querySelector('.slide:not([hidden])');
const cut = [];
const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (!node.textContent.trim() || node.parentElement.closest('svg, .sr-only')) continue;  // sr-only: for screen readers
  const boxes = [[0, 0, innerWidth, innerHeight]];
  for (let el = node.parentElement; el && el !== document.body; el = el.parentElement) {
    const style = getComputedStyle(el);
    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
      const b = el.getBoundingClientRect();
      boxes.push([b.left, b.top, b.right, b.bottom]);
    }
  }
  const range = document.createRange();
  range.selectNodeContents(node);
  for (const r of range.getClientRects()) {
    if (boxes.some(([l, t, rr, bb]) => r.left < l - 1 || r.top < t - 1 || r.right > rr + 1 || r.bottom > bb + 1))
      cut.push(node.textContent.trim());
  }
}
return cut;
"""
# The parts of the visible slide's source line (paper, date, page) as drawn: [text, lines it takes].
CITATION_PARTS = """
return Array.from(document.querySelectorAll('.slide:not([hidden]) footer .source .part')).map(part => {
  const range = document.createRange();
  range.selectNodeContents(part);
  const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
  return [part.textContent, new Set(rects.map(r => Math.round(r.top))).size];
});
"""


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


def overlaps(texts: list[list]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """Pairs of texts (as CHART_TEXTS gives them) whose boxes overlap by more than 2px both ways."""
    pairs = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if min(a[2], b[2]) - max(a[0], b[0]) > 2 and min(a[3], b[3]) - max(a[1], b[1]) > 2:
                pairs.append((a[5], b[5]))
    return pairs


def assert_citation_whole(driver: WebDriver, where: str) -> None:
    """The source line wraps between a citation's parts only: '第3版' or 'page 3' is never split."""
    parts = driver.execute_script(CITATION_PARTS)
    assert parts, f"{where}: no citation parts"
    assert [text for text, lines in parts if lines != 1] == [], where


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_slide_renders_large_and_every_chart_draws(browser, present_url, dataset, lang):
    slides = plan_slides(dataset, Filters(lang=lang))
    browser.get(f"{present_url}?lang={lang}")
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
            # Drawn at its own height and scaled, never squeezed: no two texts overlap, and every text (bar
            # labels, in-bar values, ticks, headings) reads from the back of the room.
            texts = browser.execute_script(CHART_TEXTS, active)
            drawn = {text[5] for text in texts}
            values = [html.unescape(value) for trace in slide.chart.figure["data"] for value in trace["text"]]  # type: ignore[union-attr]
            assert values and set(values) <= drawn, f"slide {number}: values not drawn"
            assert overlaps(texts) == [], f"slide {number}"
            smallest = min(texts, key=lambda text: text[4])
            assert smallest[4] >= 22, f"slide {number}: {smallest[5]!r} drawn at {smallest[4]:.1f}px"
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
        # Nothing cut off (big numbers' descenders, a wrapped heading), no citation part split over lines.
        assert browser.execute_script(CLIPPED_TEXT) == [], f"slide {number}"
        assert_citation_whole(browser, f"slide {number}")
    assert severe_errors(browser) == []


@pytest.mark.parametrize(("width", "height"), [(800, 600), (1280, 720)])
def test_smaller_windows_cut_nothing_and_keep_citations_whole(browser, present_url, dataset, width, height):
    try:
        set_viewport(browser, width, height)
        for lang in ("zh", "en"):
            n = len(plan_slides(dataset, Filters(lang=lang)))
            browser.get(f"{present_url}?lang={lang}")
            WebDriverWait(browser, WAIT).until(lambda d, first=f"1 / {n}": counter(d) == first)
            for number in range(1, n + 1):
                if number > 1:
                    press(browser, Keys.ARROW_RIGHT, f"{number} / {n}")
                assert browser.execute_script(CLIPPED_TEXT) == [], f"{lang} slide {number} at {width}×{height}"
                assert_citation_whole(browser, f"{lang} slide {number} at {width}×{height}")
    finally:
        set_viewport(browser, 1920, 1080)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_briefing_charts_are_legible_in_print(browser, present_url, lang):
    """The briefing's body is as wide as the A4 text block, so on screen its charts are drawn at their printed
    size: their smallest text must come out at 10px (7.5pt) or more, with no two texts overlapping."""
    browser.get(present_url.replace("/present", f"/briefing?lang={lang}"))
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.body.dataset.chartsDrawn"))
    charts = browser.find_elements(By.CSS_SELECTOR, ".chart-figure")
    assert charts
    for chart in charts:
        texts = browser.execute_script(CHART_TEXTS, chart)
        assert texts and overlaps(texts) == []
        smallest = min(texts, key=lambda text: text[4])
        assert smallest[4] >= 10, f"{smallest[5]!r} prints at {smallest[4]:.1f}px"
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


# The visible slide's counter and arrows as drawn: the distinct line tops they sit on, and the dashboard link.
NAV_LINES = """
const nav = document.querySelector('.slide:not([hidden]) footer .nav');
const tops = Array.from(nav.children, el => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2));
const link = document.querySelector('.slide:not([hidden]) footer a.dashboard');
return [new Set(tops).size, nav.textContent, link ? link.getAttribute('href') : null];
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_counter_stays_on_one_line_and_links_back_to_the_dashboard_view(browser, present_url, dataset, lang):
    try:
        set_viewport(browser, 800, 600)
        n = len(plan_slides(dataset, Filters(lang=lang, sections=("aid",))))
        browser.get(f"{present_url}?lang={lang}&section=aid")
        WebDriverWait(browser, WAIT).until(lambda d: counter(d) == f"1 / {n}")
        for number in range(1, n + 1):
            if number > 1:
                press(browser, Keys.ARROW_RIGHT, f"{number} / {n}")
            lines, text, href = browser.execute_script(NAV_LINES)
            assert lines == 1, f"slide {number}: {text!r} drawn over {lines} lines"
            expected = "/?section=aid" + ("&lang=en" if lang == "en" else "")
            assert href == expected
    finally:
        set_viewport(browser, 1920, 1080)
