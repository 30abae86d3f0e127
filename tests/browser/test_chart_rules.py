"""Chart rules as a reader sees them on every section page: a number where there is one number (no panel
of a single bar; a lone figure is an HTML number card, not drawn in a chart), and no total of lists that may
overlap (honours at several levels)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import open_page, severe_errors
from uniondash.charts import CHARTS
from uniondash.chartspec import TEXT as SPEC_TEXT
from uniondash.chartspec import chart_spec
from uniondash.model import Dataset, Filters

pytestmark = pytest.mark.browser

# Every horizontal bar trace drawn on the page (one per panel): its chart's id and its bars' fact ids.
PANELS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(plot => (plot.data || [])
  .filter(trace => trace.type === 'bar' && trace.orientation === 'h')
  .map(trace => [plot.closest('[data-chart]') ? plot.closest('[data-chart]').dataset.chart : '', trace.y]));
"""
# Figures drawn inside a plotly figure as a big number ('card' annotations), and the HTML number cards: their
# chart's id, fact id and value as the reader sees it.
PLOTLY_CARDS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(plot =>
  ((plot.layout || {}).annotations || []).filter(a => a.name === 'card').map(a => a.text));
"""
NUMBER_CARDS = """
return Array.from(document.querySelectorAll('[data-chart] .ud-number-card [data-fact]')).map(cell =>
  [cell.closest('[data-chart]').dataset.chart, cell.dataset.fact, cell.querySelector('.ud-value').textContent]);
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_single_bar_panel_and_no_total_of_overlapping_lists_on_any_section_page(
    driver, dashboard_url, dataset: Dataset, lang
):
    panels_seen = cards_seen = 0
    for section_id in dataset.sections["id"]:
        open_page(driver, f"{dashboard_url}/section/{section_id}?lang={lang}")
        panels = driver.execute_script(PANELS)
        for chart_id, bars in panels:
            assert len(bars) >= 2, f"{section_id}: {chart_id} draws a panel of one bar ({bars})"
        panels_seen += len(panels)
        # Every lone figure of the section's charts is an HTML number card, as written, and none is drawn.
        assert driver.execute_script(PLOTLY_CARDS) == [], section_id
        charts = [chart for chart in CHARTS.values() if chart.section_id == section_id]
        lone = [
            [chart.id, card.fact_id, card.value_text]
            for chart in charts
            for card in chart_spec(chart, dataset, Filters(lang=lang)).cards
        ]
        assert driver.execute_script(NUMBER_CARDS) == lone, section_id
        cards_seen += len(lone)
        page = driver.find_element(By.TAG_NAME, "body").text
        svg = " ".join(t.text for t in driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot svg text"))
        for text in (page, svg):
            # 7 + 37 + 161 model workers, 2 + 7 + 30 studios: never summed, nor the caveat such a sum needs.
            assert SPEC_TEXT[lang]["levels_overlap"] not in text and "205" not in text, section_id
            assert "（计算值：" not in text and "(computed:" not in text, section_id
    assert panels_seen >= 10  # the rule was checked on the charts, not on empty pages
    assert cards_seen >= 4  # and on lone figures: 3.4万余名, 10000余场, 110万人次, 7所
    assert severe_errors(driver) == []
