"""The dashboard in headless Chromium: pages draw with no console errors, filters change the charts and
the URL (and back again), a URL reproduces its view, the language switches, and a phone never scrolls
sideways. Fixtures: tests/browser/conftest.py (one server and one browser for the session)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import WAIT, open_page, set_viewport, severe_errors, wait_ready
from uniondash.charts import CHARTS
from uniondash.chartspec import chart_spec
from uniondash.figures import FONT_SIZE
from uniondash.model import Dataset, Filters

pytestmark = pytest.mark.browser


def query(driver: WebDriver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def wait_for_query(driver: WebDriver, expected: dict[str, list[str]]) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: query(d) == expected, f"URL query is not {expected}")
    wait_ready(driver, f"after the URL became {expected}")


def count(driver: WebDriver, selector: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, selector))


def bar_keys(driver: WebDriver, chart_id: str) -> list[str]:
    """The fact ids the chart's first bar trace draws (its categories); none when it draws no plot."""
    keys: list[str] = driver.execute_script(
        f"const plot = document.querySelector('#graph-{chart_id} .js-plotly-plot');"
        "return plot ? ((plot.data[0] || {}).y || []) : []",
        [],
    )
    return keys


def card_values(driver: WebDriver, chart_id: str) -> list[str]:
    """The chart's lone figures (no comparison to draw), shown as HTML number cards, as the reader sees them."""
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, f"#chart-{chart_id} .ud-number-card .ud-value")]


def test_overview_loads_without_console_errors(driver, dashboard_url):
    open_page(driver, dashboard_url + "/")
    assert count(driver, ".ud-figure-card") == 13
    values = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#headline-winter-warmth .ud-value")]
    assert values == ["2.8亿元", "48.3万人次"]
    assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
    assert driver.title == "总览 · 株洲市总工会五年工作成就 · 2019–2023年五年报告"
    # The source quote opens in place.
    summary = driver.find_element(By.CSS_SELECTOR, "#headline-winter-warmth details summary")
    summary.click()
    quote = driver.find_element(By.CSS_SELECTOR, "#headline-winter-warmth details q")
    assert quote.is_displayed() and "2.8亿元" in quote.text
    assert severe_errors(driver) == []


def test_every_section_page_draws_every_chart(driver, dashboard_url, dataset: Dataset):
    for section_id in dataset.sections["id"]:
        open_page(driver, f"{dashboard_url}/section/{section_id}")
        expected = [chart.id for chart in CHARTS.values() if chart.section_id == section_id]
        blocks = driver.find_elements(By.CSS_SELECTOR, "#main [data-chart]")
        assert [block.get_attribute("data-chart") for block in blocks] == expected
        # A chart of lone figures (competitions: 10000余场, 110万人次) shows number cards, and no plot.
        drawn = [chart_id for chart_id in expected if chart_spec(CHARTS[chart_id], dataset, Filters()).has_comparison]
        assert count(driver, "[data-chart] .js-plotly-plot") == len(drawn)
        assert count(driver, ".ud-chart .js-plotly-plot .main-svg .barlayer .trace") >= len(drawn)
        for chart_id in drawn:
            # The first panel's bars are figures of the chart (keyed by fact id).
            assert set(bar_keys(driver, chart_id)) <= set(CHARTS[chart_id].rows(dataset, Filters())["id"])
    assert severe_errors(driver) == []


# Each bar value's drawn size in px: plotly shrinks a value that does not fit its bar with a transform.
BAR_VALUE_SIZES = """
return Array.from(document.querySelectorAll('.ud-chart text.bartext')).map(t => {
  const r = t.getBoundingClientRect(), local = t.getBBox();
  return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * r.height / (local.height || r.height)];
});
"""


def test_values_in_bars_are_as_large_as_the_values_beside_them(driver, dashboard_url):
    """Bars are thick enough for their value at full size: '2.8亿元' in its bar reads as large as
    '2600余万元' beside a short one (a thin bar made plotly shrink it to 12px)."""
    set_viewport(driver, 1920, 1080)
    open_page(driver, f"{dashboard_url}/section/aid")
    sizes = driver.execute_script(BAR_VALUE_SIZES)
    assert len(sizes) >= 10 and "2.8亿元" in {text for text, _ in sizes}
    assert [(text, round(px, 1)) for text, px in sizes if px < FONT_SIZE - 0.5] == []


def test_year_and_programme_filters_update_the_charts_and_the_url(driver, dashboard_url):
    open_page(driver, dashboard_url + "/section/aid")
    assert len(bar_keys(driver, "aid-funds")) == 5

    years = Select(driver.find_element(By.ID, "filter-years"))
    assert years.first_selected_option.text == "2019–2023年五年报告（17）"
    years.select_by_value("2023")
    wait_for_query(driver, {"years": ["2023"]})
    # No aid figure is broken out for 2023 alone: every chart says why instead of going blank.
    assert count(driver, ".ud-chart-empty") == 3
    assert "2019–2023年" in driver.find_element(By.CSS_SELECTOR, "#chart-aid-funds .ud-empty").text
    # 冬送温暖 has no figure of 2023 alone: its box says 0 and cannot be ticked into an empty page.
    winter = driver.find_element(By.CSS_SELECTOR, "#filter-programme input[value='winter-warmth']")
    assert not winter.is_enabled()

    Select(driver.find_element(By.ID, "filter-years")).select_by_value("all")
    wait_for_query(driver, {})
    assert count(driver, ".ud-chart-empty") == 0

    driver.find_element(By.CSS_SELECTOR, "#filter-programme input[value='winter-warmth']").click()
    wait_for_query(driver, {"programme": ["winter-warmth"]})
    # One figure left in each chart: a number, not a one-bar chart.
    assert bar_keys(driver, "aid-funds") == [] and card_values(driver, "aid-funds") == ["2.8亿元"]
    assert card_values(driver, "people-helped-times") == ["48.3万人次"]
    assert count(driver, "#chart-people-helped.ud-chart-empty") == 1  # 冬送温暖 counts person-times only

    # The back button walks the same way back.
    driver.back()
    wait_for_query(driver, {})
    assert len(bar_keys(driver, "aid-funds")) == 5
    assert not driver.find_element(By.CSS_SELECTOR, "#filter-programme input[value='winter-warmth']").is_selected()
    driver.back()
    wait_for_query(driver, {"years": ["2023"]})
    assert Select(driver.find_element(By.ID, "filter-years")).first_selected_option.text == "2023年（1）"
    assert severe_errors(driver) == []


def test_a_url_with_filters_sets_the_controls_and_survives_a_reload(driver, dashboard_url):
    url = f"{dashboard_url}/section/aid?years=2019-2023&programme=winter-warmth&lang=en"
    open_page(driver, url)
    for _ in range(2):
        assert Select(driver.find_element(By.ID, "filter-years")).first_selected_option.get_attribute("value") == (
            "2019-2023"
        )
        assert driver.find_element(By.CSS_SELECTOR, "#filter-programme input[value='winter-warmth']").is_selected()
        assert driver.find_element(By.CSS_SELECTOR, ".ud-nav .nav-link.active").text.startswith("Help for workers")
        assert card_values(driver, "aid-funds") == ["280 million yuan"]  # one figure: a number
        assert driver.current_url == url  # drawing the controls did not rewrite the URL
        driver.refresh()
        wait_ready(driver, "after reload")


def test_a_year_set_from_the_url_is_shown_and_kept_until_another_is_chosen(driver, dashboard_url):
    url = f"{dashboard_url}/section/relations?years=2021,2023"
    open_page(driver, url)
    assert Select(driver.find_element(By.ID, "filter-years")).first_selected_option.text == "2021、2023年（3）"
    assert driver.current_url == url
    assert card_values(driver, "labour-relations-rates") == ["93%以上"]  # only the 2023 rate: a number
    Select(driver.find_element(By.ID, "filter-years")).select_by_value("2022-2023")
    wait_for_query(driver, {"years": ["2022-2023"]})


def test_language_switch(driver, dashboard_url):
    open_page(driver, dashboard_url + "/section/models?years=2019-2023")
    driver.find_element(By.ID, "lang-switch").click()
    wait_for_query(driver, {"years": ["2019-2023"], "lang": ["en"]})
    assert driver.find_element(By.TAG_NAME, "h1").text == "Model workers and craftsmen"
    assert driver.execute_script("return document.documentElement.lang") == "en"
    assert driver.title.startswith("Model workers and craftsmen · ")
    # Levels' lists may overlap: no computed total of them (it used to read "Total 205 people").
    assert count(driver, "#chart-model-workers .ud-computed") == 0
    assert len(bar_keys(driver, "model-workers")) == 3
    driver.find_element(By.ID, "lang-switch").click()
    wait_for_query(driver, {"years": ["2019-2023"]})
    assert driver.find_element(By.TAG_NAME, "h1").text == "树模铸匠"
    assert severe_errors(driver) == []


def test_sections_on_the_overview_and_bad_parameters(driver, dashboard_url):
    open_page(driver, dashboard_url + "/?years=abc&programme=nope")
    notices = driver.find_element(By.ID, "notices").text
    assert "年份参数“abc”无效" in notices and "未知项目“nope”" in notices
    assert count(driver, ".ud-figure-card") == 13
    # Sections are a compact multi-select: open it, tick one.
    driver.find_element(By.ID, "filter-section").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=listbox] input[value='aid']"))
    driver.find_element(By.CSS_SELECTOR, "[role=listbox] input[value='aid']").click()
    wait_for_query(driver, {"section": ["aid"]})  # the bad parameters are gone once the reader chooses
    assert count(driver, ".ud-figure-card") == 4
    assert count(driver, "#notices") == 0
    assert severe_errors(driver) == []


@pytest.mark.parametrize("path", ["/", "/section/aid", "/section/models?lang=en", "/section/relations"])
def test_a_phone_never_scrolls_sideways(driver, dashboard_url, path):
    set_viewport(driver, 390, 844, mobile=True)
    open_page(driver, dashboard_url + path)
    widths = driver.execute_script(
        "const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth, "
        "Math.max(...Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => p.getBoundingClientRect().right), 0)]"
    )
    scroll_width, client_width, right_most_chart = widths
    assert scroll_width <= client_width, f"{path}: page is {scroll_width}px wide in a {client_width}px viewport"
    assert right_most_chart <= client_width
    # The current section tab is scrolled into view in the sideways-scrolling tab list.
    tab = driver.find_element(By.CSS_SELECTOR, ".ud-nav .nav-link.active").rect
    assert tab["x"] >= 0 and tab["x"] + tab["width"] <= client_width


def test_on_a_phone_the_filters_fold_away_and_stay_open_while_used(driver, dashboard_url):
    set_viewport(driver, 390, 844, mobile=True)
    open_page(driver, dashboard_url + "/section/aid")
    toggle = driver.find_element(By.ID, "filters-toggle")
    assert "2019–2023年五年报告" in toggle.text
    assert not driver.find_element(By.ID, "filter-years").is_displayed()
    toggle.click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "filter-years").is_displayed())
    assert toggle.get_attribute("aria-expanded") == "true"
    Select(driver.find_element(By.ID, "filter-years")).select_by_value("2022-2023")
    wait_for_query(driver, {"years": ["2022-2023"]})
    # The page is redrawn for the new URL; the panel the reader is using stays open.
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "filter-years").is_displayed())
    assert "2022–2023年" in driver.find_element(By.ID, "filters-toggle").text
    assert severe_errors(driver) == []


def test_on_a_phone_a_data_table_shows_each_row_as_a_readable_card(driver, dashboard_url):
    """The label column used to shrink to one character a line; now each row is a card the phone's width."""
    set_viewport(driver, 390, 844, mobile=True)
    open_page(driver, dashboard_url + "/section/relations")
    details = driver.find_element(By.CSS_SELECTOR, "#chart-labour-disputes .ud-chart-tools details")
    details.find_element(By.TAG_NAME, "summary").click()
    WebDriverWait(driver, WAIT).until(lambda d: details.find_element(By.CSS_SELECTOR, "tbody th").is_displayed())
    layout = driver.execute_script(
        """
        const table = arguments[0].querySelector('table');
        const width = table.getBoundingClientRect().width;
        const rows = Array.from(table.querySelectorAll('tbody tr')).map(tr => {
            const th = tr.querySelector('th');
            const style = getComputedStyle(th);
            return {
                share: th.getBoundingClientRect().width / width,
                lines: th.getBoundingClientRect().height / parseFloat(style.lineHeight || 20),
                names: Array.from(tr.querySelectorAll('td')).map(td =>
                    [getComputedStyle(td, '::before').content, td.dataset.label]),
            };
        });
        const e = document.scrollingElement;
        return {rows, scroll: [e.scrollWidth, e.clientWidth]};
        """,
        details,
    )
    assert layout["rows"]
    for row in layout["rows"]:
        assert row["share"] > 0.8, "the label spans the card"
        assert row["lines"] < 2.5, "a label reads on a line or two, not a character a line"
        # Every value is named by its column (the headings are out of sight on a phone).
        assert all(content == f'"{label}"' for content, label in row["names"])
    scroll_width, client_width = layout["scroll"]
    assert scroll_width <= client_width
    # A wide screen keeps the ordinary table with its column headings.
    set_viewport(driver, 1920, 1080)
    assert details.find_element(By.CSS_SELECTOR, "thead th").is_displayed()
    assert driver.execute_script("return getComputedStyle(arguments[0].querySelector('tr')).display", details) == (
        "table-row"
    )


def used_fonts(driver: WebDriver, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew the element's text with (family: glyph count), through DevTools."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def test_english_is_set_in_a_latin_face_and_chinese_in_a_cjk_face(driver, dashboard_url):
    """A CJK face sets English “quotes” full-width, with odd gaps; English pages put a Latin face first."""
    open_page(driver, dashboard_url + "/?lang=en")
    assert "“Source quote”" in driver.find_element(By.CSS_SELECTOR, ".ud-lead").text
    english = used_fonts(driver, ".ud-lead")
    assert english and not [family for family in english if "CJK" in family], english
    # The report's Chinese inside an English page keeps its CJK face.
    driver.find_element(By.CSS_SELECTOR, "#headline-winter-warmth details summary").click()
    assert [family for family in used_fonts(driver, "#headline-winter-warmth q") if "CJK" in family]
    open_page(driver, dashboard_url + "/")
    chinese = used_fonts(driver, ".ud-lead")
    assert [family for family in chinese if "CJK" in family], chinese


def test_the_overview_says_what_the_chosen_years_hide_and_leads_back(driver, dashboard_url):
    open_page(driver, dashboard_url + "/?years=2023&lang=en")
    notice = driver.find_element(By.ID, "hidden-headlines")
    assert notice.is_displayed() and "headline figures are hidden" in notice.text and "(2019–2023)" in notice.text
    shown = count(driver, ".ud-figure-card")
    driver.find_element(By.ID, "show-all-years").click()
    wait_for_query(driver, {"lang": ["en"]})
    assert count(driver, "#hidden-headlines") == 0
    assert count(driver, ".ud-figure-card") > shown
    assert severe_errors(driver) == []


def test_an_unknown_page_answered_404_still_draws_its_friendly_page(driver, dashboard_url):
    open_page(driver, dashboard_url + "/section/nope?lang=en")
    assert "There is no section nope" in driver.find_element(By.ID, "not-found").text
    assert driver.find_element(By.TAG_NAME, "h1").text == "Page not found"  # the drawn page's; no <noscript> shown
    assert count(driver, "#main a[href='/section/aid?lang=en']") == 1
    # The console names the document's own 404, and nothing else goes wrong.
    errors = severe_errors(driver)
    assert len(errors) == 1 and "/section/nope" in errors[0] and "status of 404" in errors[0], errors
