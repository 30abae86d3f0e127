"""The chart specification: what a chart says, as plain data every renderer (plotly, Excel) reads.

The chart rules hold in the spec, so they hold in every medium: a lone figure is a number card, one unit
per panel, no total of lists that may overlap, stocks headed as of their year, the period covers the bars.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from uniondash.charts import CHARTS
from uniondash.chartspec import (
    Bar,
    ChartSpec,
    NumberCard,
    Panel,
    chart_spec,
    comparisons_and_cards,
)
from uniondash.model import Dataset, Filters


def spec(chart_id: str, dataset: Dataset, **filters: object) -> ChartSpec:
    return chart_spec(CHARTS[chart_id], dataset, Filters(**filters))  # type: ignore[arg-type]


def test_field_names_are_the_stable_contract_of_the_renderers():
    """The Excel renderer (another module) reads these names: renaming one breaks it."""
    assert [f.name for f in dataclasses.fields(ChartSpec)] == [
        "chart_id",
        "section_id",
        "lang",
        "title",
        "period",
        "description",
        "panels",
        "cards",
        "computed",
        "notes",
        "source",
        "text_alternative",
        "empty_reason",
        "fact_ids",
    ]
    assert [f.name for f in dataclasses.fields(Panel)] == [
        "kind",
        "heading",
        "unit",
        "unit_zh",
        "value_kind",
        "period",
        "bars",
        "series",
        "scale_max",
    ]
    assert [f.name for f in dataclasses.fields(Bar)][:4] == ["fact_id", "label", "value", "value_text"]
    assert [f.name for f in dataclasses.fields(NumberCard)][:4] == ["fact_id", "label", "value", "value_text"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_spec_is_plain_frozen_data(dataset, lang):
    for chart in CHARTS.values():
        built = chart_spec(chart, dataset, Filters(lang=lang))
        json.dumps(dataclasses.asdict(built))  # nothing but str, float, int, tuples and dicts
        with pytest.raises(dataclasses.FrozenInstanceError):
            built.title = "x"  # type: ignore[misc]


def test_a_lone_figure_is_a_number_card_not_a_one_bar_panel(dataset):
    for chart in CHARTS.values():
        for panel in chart_spec(chart, dataset, Filters()).panels:
            assert panel.kind == "change" or len(panel.bars) >= 2, chart.id
    competitions = spec("competitions", dataset)
    assert not competitions.has_comparison and competitions.panels == ()
    assert [(card.value_text, card.period) for card in competitions.cards] == [
        ("10000余场", "2019–2023年 · 五年合计"),
        ("110万人次", "2019–2023年 · 五年合计"),
    ]
    colleges = spec("industry-education", dataset)
    assert [card.value_text for card in colleges.cards] == ["7所"]
    assert [bar.label for bar in colleges.panels[0].bars] == ["焊接等实训基地", "“双师”工作室"]


def test_the_period_heading_covers_exactly_the_bars(dataset):
    helped = spec("people-helped", dataset)
    # The 20-year 金秋助学 total is a card with its own period; the bars are the five years'.
    assert helped.period == "2019–2023年"
    assert [(card.value_text, card.period) for card in helped.cards] == [("3.4万余名", "2003–2023年 · 累计")]


def test_stocks_are_headed_as_of_their_year_never_as_five_year_totals(dataset):
    organisations = spec("organisations", dataset)
    flows, built = organisations.panels
    assert flows.period == "2019–2023年 · 五年合计" and built.period == "截至2023年"
    assert [bar.value_text for bar in built.bars] == ["10个", "84个", "586个"]
    # Both in 个: one scale, so 586 is drawn longer than 113.
    assert flows.scale_max == built.scale_max == 586
    assert spec("talent", dataset).panels[0].period == "截至2023年"
    assert spec("organisations", dataset, lang="en").panels[1].period == "as of 2023"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_computed_total_of_lists_that_may_overlap(dataset, lang):
    for chart in CHARTS.values():
        assert chart_spec(chart, dataset, Filters(lang=lang)).computed == (), chart.id


def test_panels_of_different_units_say_so(dataset):
    honours = spec("honours-by-level", dataset)
    assert [panel.unit for panel in honours.panels] == ["个", "人"]
    assert honours.notes == ("各部分单位不同，刻度各自独立，长短不可相互比较。",)
    assert spec("model-workers", dataset).notes == ()


def test_unlike_things_are_separate_metrics(dataset):
    """双师工作室 are not innovation studios, 实训基地 not honour bases, 新业态劳动者之家 not 模范职工之家."""
    metric = dataset.facts.set_index("id")["metric_id"]
    assert metric["workforce-dual-teacher-studios"] != metric["models-studios-national"]
    assert metric["workforce-training-bases"] != metric["models-craftsman-bases"]
    assert metric["new-forms-worker-homes"] != metric["new-forms-model-homes"]


def test_comparisons_and_cards_tell_a_page_what_to_draw(dataset):
    charts, cards = comparisons_and_cards(dataset, Filters())
    drawn = {chart.chart_id for chart in charts}
    assert "competitions" not in drawn and {"aid-funds", "honours-by-level"} <= drawn
    assert ("competitions", "workforce-competitions") in [(chart_id, card.fact_id) for chart_id, card in cards]
    # A programme filter that leaves one bar turns the chart into a card.
    charts, cards = comparisons_and_cards(dataset, Filters(programmes=("winter-warmth",)))
    assert "aid-funds" not in {chart.chart_id for chart in charts}
    assert ("aid-funds", "2.8亿元") in [(chart_id, card.value_text) for chart_id, card in cards]


def test_an_empty_spec_says_why(dataset):
    empty = spec("aid-funds", dataset, years=frozenset({2021}))
    assert empty.is_empty and "2019–2023年" in empty.empty_reason and empty.period == ""
    assert empty.text_alternative.startswith("职工帮扶资金和物资（按项目）: ")


def test_draws_comparison_says_what_the_spec_says_without_building_it(dataset, multi_year_dataset):
    """Pages count charts with `draws_comparison`; it must agree with `ChartSpec.has_comparison`."""
    from uniondash.chartspec import draws_comparison

    views = [
        (dataset, Filters()),
        (dataset, Filters(programmes=("winter-warmth",))),
        (dataset, Filters(years=frozenset({2023}))),
        (dataset, Filters(years=frozenset({2022, 2023}), lang="en")),
        (multi_year_dataset, Filters()),
        (multi_year_dataset, Filters(years=frozenset({2024, 2025}))),
    ]
    seen = set()
    for data, filters in views:
        for chart in CHARTS.values():
            rows = chart.rows(data, filters)
            if rows.empty:
                continue
            spec = chart_spec(chart, data, filters)
            assert draws_comparison(rows, data, filters.lang) == spec.has_comparison, (chart.id, filters)
            seen.add(spec.has_comparison)
    assert seen == {True, False}  # both answers were checked


def test_a_reloaded_dataset_is_never_drawn_from_the_old_ones_lookups(dataset, data_copy):
    """The specs keep look-ups per frame and per Dataset (records, rates, each chart's facts); a reload makes a
    new Dataset (`state.DataState`), so a changed figure shows at once, and the old data still draws as it was."""
    from tests.unit.test_load import set_cell
    from uniondash.load import load_files

    before = spec("aid-funds", dataset)  # the shipped data's look-ups are made and kept
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "label_zh", "冬送温暖资金（改过的标签）")
    reloaded = load_files(data_copy)
    labels = [bar.label for panel in spec("aid-funds", reloaded).panels for bar in panel.bars]
    assert "冬送温暖资金（改过的标签）" in labels
    assert spec("aid-funds", dataset) == before
    assert "冬送温暖资金（改过的标签）" not in json.dumps(dataclasses.asdict(before), ensure_ascii=False)
