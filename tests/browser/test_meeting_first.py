"""Issue 12 in the browser: the overview's first screen is numbers, a mouse drag never moves a chart's axes,
and the filters work by keyboard alone with focus kept on the control that changed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import WAIT, open_page, severe_errors, wait_ready

pytestmark = pytest.mark.browser

# The headline figures wholly inside the first screen, and the smallest type any of them is set in.
ABOVE_THE_FOLD = """
const cells = Array.from(document.querySelectorAll('.ud-headlines [data-fact]'));
const inside = cells.filter(cell => {
    const box = cell.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight && box.right <= window.innerWidth && box.width > 0;
});
const sizes = inside.map(cell => parseFloat(getComputedStyle(cell.querySelector('.ud-value')).fontSize));
return [cells.length, inside.length, sizes.length ? Math.min(...sizes) : 0];
"""


@pytest.mark.parametrize("search", ["", "?lang=en"])
def test_the_overview_shows_at_least_16_headline_figures_above_the_fold(driver, dashboard_url, search):
    open_page(driver, dashboard_url + "/" + search)
    driver.execute_script("window.scrollTo(0, 0)")
    total, visible, smallest = driver.execute_script(ABOVE_THE_FOLD)
    assert total >= 28
    # In both languages: the English tabs, the filters (sections are a compact select) and the lead each
    # take one line, so the English first screen holds as many numbers as the Chinese.
    assert visible >= 16, f"{visible} of {total} headline figures above the fold ({search or 'zh'})"
    # Readable from the back of a room: every one of them at least 32px (24pt) at 1920×1080.
    assert smallest >= 32


# The tabs, and the filter bar's controls (not the note under them): is each row on one line, i.e. do all its
# boxes cross one horizontal line (the lowest top above the highest bottom)?
ONE_LINE = """
const oneLine = sel => {
  const boxes = Array.from(document.querySelectorAll(sel)).map(e => e.getBoundingClientRect()).filter(b => b.width > 0);
  return boxes.length > 1 && Math.max(...boxes.map(b => b.top)) < Math.min(...boxes.map(b => b.bottom));
};
return [oneLine('.ud-nav-list > li'),
        oneLine('.ud-filters > .ud-filter:not([hidden]), .ud-filters > .ud-filter-actions')];
"""


@pytest.mark.parametrize("search", ["", "?lang=en"])
def test_on_a_projector_the_tabs_and_the_filters_each_take_one_line(driver, dashboard_url, search):
    open_page(driver, dashboard_url + "/" + search)
    tabs, filters = driver.execute_script(ONE_LINE)
    assert tabs and filters
    # Complete still: years, sections, programmes, and the reset and Excel links.
    for selector in ("#filter-years", "#filter-section", "#filter-programme", "#filter-reset", "#export-excel"):
        assert driver.find_element(By.CSS_SELECTOR, selector).is_displayed(), selector


# The axes' ranges as plotly holds them after drawing (what a drag-zoom would change).
RANGES = """
const plot = document.querySelector(arguments[0]);
const layout = plot._fullLayout;
return Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k)).sort().map(k => [k, layout[k].range.slice()]);
"""


def drag_across(driver: WebDriver, selector: str) -> None:
    """Press the mouse inside the plot area, move across most of it, release: what a zoom-drag is."""
    area = driver.find_element(By.CSS_SELECTOR, f"{selector} .nsewdrag")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", area)
    width, height = area.size["width"], area.size["height"]
    actions = ActionChains(driver)
    # From the centre (the same in every Selenium version) up and left, then down and right across the plot.
    actions.move_to_element(area).move_by_offset(-width // 3, -height // 4).click_and_hold()
    actions.move_by_offset(width // 2, height // 3).move_by_offset(width // 8, height // 8).release().perform()


@pytest.mark.parametrize(
    ("path", "selector"),
    [("/section/aid", "#graph-aid-funds .js-plotly-plot"), ("/embed/aid-funds", ".js-plotly-plot")],
)
def test_a_mouse_drag_across_a_chart_leaves_its_axes_as_they_were(driver, dashboard_url, path, selector):
    driver.get(dashboard_url + path)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{selector} .nsewdrag"))
    before = driver.execute_script(RANGES, selector)
    assert before, "no axes found"
    drag_across(driver, selector)
    # A zoom would redraw at once; give the browser its frames, then compare.
    driver.execute_script("return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert driver.execute_script(RANGES, selector) == before
    assert driver.find_elements(By.CSS_SELECTOR, f"{selector} .zoombox") == []  # no zoom box was drawn either
    assert [error for error in severe_errors(driver) if "favicon.ico" not in error] == []


def focused_id(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.activeElement && document.activeElement.id"))


def tab_to(driver: WebDriver, matches: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches the CSS selector `matches` (the reader's own way there)."""
    for _ in range(limit):
        if driver.execute_script("return document.activeElement.matches(arguments[0])", matches):
            return
        ActionChains(driver).send_keys(Keys.TAB).perform()
    raise AssertionError(f"Tab never reached {matches}")


def test_the_filters_work_by_keyboard_alone_and_focus_stays_on_the_control(driver, dashboard_url):
    open_page(driver, dashboard_url + "/section/aid")
    driver.find_element(By.TAG_NAME, "body").click()  # start from the page, not from the address bar
    tab_to(driver, "#filter-years")
    ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()  # the next choice: a narrower period
    WebDriverWait(driver, WAIT).until(lambda d: "years" in parse_qs(urlsplit(d.current_url).query))
    wait_ready(driver, "after the year changed by keyboard")
    WebDriverWait(driver, WAIT).until(lambda d: focused_id(d) == "filter-years", "focus left the year select")
    chosen = parse_qs(urlsplit(driver.current_url).query)["years"]
    # Back to the report's period by keyboard, still on the select.
    ActionChains(driver).send_keys(Keys.ARROW_UP).perform()
    WebDriverWait(driver, WAIT).until(lambda d: "years" not in parse_qs(urlsplit(d.current_url).query))
    wait_ready(driver, "after the year changed back")
    assert focused_id(driver) == "filter-years"
    assert chosen and chosen != ["all"]

    tab_to(driver, "#filter-programme input:not([disabled])")
    box = driver.execute_script("return document.activeElement.id")
    value = driver.execute_script("return document.activeElement.value")
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    WebDriverWait(driver, WAIT).until(lambda d: parse_qs(urlsplit(d.current_url).query).get("programme") == [value])
    wait_ready(driver, "after a programme was ticked by keyboard")
    WebDriverWait(driver, WAIT).until(lambda d: focused_id(d) == box, "focus left the programme box")
    assert driver.execute_script("return document.activeElement.checked") is True
    assert severe_errors(driver) == []


def focused_value(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.activeElement.value"))


def test_the_overviews_section_select_works_by_keyboard_alone_and_focus_comes_back_to_it(driver, dashboard_url):
    open_page(driver, dashboard_url + "/")
    driver.find_element(By.TAG_NAME, "body").click()
    tab_to(driver, "#filter-section")
    ActionChains(driver).send_keys(Keys.ENTER).perform()  # opens the list, focus on its first option
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.activeElement.matches('[role=listbox] input')"), "no list"
    )
    for _ in range(2):  # down to the third option, 职工帮扶, one key at a time as a reader would
        before = focused_value(driver)
        ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()
        WebDriverWait(driver, WAIT).until(lambda d, was=before: focused_value(d) != was, "the arrow key did not move")
    assert focused_value(driver) == "aid"
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    WebDriverWait(driver, WAIT).until(lambda d: parse_qs(urlsplit(d.current_url).query).get("section") == ["aid"])
    wait_ready(driver, "after a section was ticked by keyboard")
    # The page was redrawn and the list closed with it: the focus is back on the select, not on <body>.
    WebDriverWait(driver, WAIT).until(lambda d: focused_id(d) == "filter-section", "focus left the section select")
    assert [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, ".ud-headlines .card")] == [
        "headline-winter-warmth",
        "headline-summer-cool",
        "headline-golden-autumn",
        "headline-medical-mutual-aid",
    ]
    assert severe_errors(driver) == []
