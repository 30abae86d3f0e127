"""Charts: values, labels as written (qualifiers kept), units, periods, titles, 万/亿 ticks, sources, and the
rules that hold by construction (one unit per axis, city totals only, computed figures marked)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from uniondash.charts import CHARTS
from uniondash.chartspec import chart_spec, describe
from uniondash.figures import (
    BAR_COLOUR,
    FONT_SIZE,
    LEVEL_COLOURS,
    LINE_HEIGHT,
    MUTED_COLOUR,
    OKABE_ITO,
    PANEL_GAP,
    PLOT_EMS,
    PLOTLY_CONFIG,
    SERIES_COLOURS,
    TEXT_COLOUR,
    bar_texts_of,
    chart_figure,
    chart_table,
    contrast_ratio,
    empty_reason,
    heading_lines,
    plan_panels,
    text_colour_on,
    text_ems,
    text_position,
    without_captions,
    wrap_label,
)
from uniondash.figures import TEXT as FIGURE_TEXT
from uniondash.figures import TOP as CHARTS_TOP
from uniondash.format import span_label
from uniondash.model import Dataset, Filters, citations, period_span

SOURCE_ZH = "来源：株洲日报 2023年11月30日 第3版"
SOURCE_EN = "Source: Zhuzhou Daily, 30 November 2023, page 3"
# Ids other parts of the project (press kit, slides) link to: they must not change.
STABLE_IDS = {
    "aid-funds",
    "people-helped",
    "people-helped-times",
    "honours-by-level",
    "craftsmen",
    "innovation-studios",
    "competitions",
    "education-activities",
    "labour-relations-rates",
    "labour-disputes",
    "organisations",
}


def build(chart_id: str, dataset: Dataset, **filters: Any) -> dict[str, Any]:
    figure: dict[str, Any] = chart_figure(CHARTS[chart_id], dataset, Filters(**filters)).to_plotly_json()
    return figure


def annotations(figure: dict[str, Any], name: str) -> list[str]:
    return [a["text"] for a in figure["layout"].get("annotations", []) if a.get("name") == name]


def bars(figure: dict[str, Any]) -> list[dict[str, Any]]:
    return [trace for trace in figure["data"] if trace["type"] == "bar"]


# ---------------------------------------------------------------------------------------------------
# The registry.


def test_registry_ids_are_stable_kebab_case_with_titles_in_both_languages(dataset):
    assert set(CHARTS) >= STABLE_IDS
    sections = set(dataset.sections["id"])
    for chart_id, chart in CHARTS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", chart_id)
        assert chart.id == chart_id and chart.section_id in sections
        assert chart.title("zh") and chart.title("en") and chart.description("zh") and chart.description("en")
        assert not chart.rows(dataset, Filters()).empty, f"{chart_id} has no data in the shipped report"


def test_charts_show_city_totals_only_never_stories(dataset):
    for chart in CHARTS.values():
        assert set(chart.rows(dataset, Filters())["kind"]) == {"aggregate"}, chart.id


def test_persons_and_person_times_never_share_a_figure(dataset, multi_year_dataset):
    for data in (dataset, multi_year_dataset):
        for chart in CHARTS.values():
            measures = set(chart.rows(data, Filters())["measure_id"])
            assert not {"persons", "person_times"} <= measures, chart.id


def test_every_panel_is_one_unit_and_a_sum_has_one_period_length(dataset, multi_year_dataset):
    for data in (dataset, multi_year_dataset):
        for chart in CHARTS.values():
            for panel in plan_panels(chart.rows(data, Filters()), data, "zh"):
                assert panel.facts["unit_zh"].nunique() == 1, chart.id
                spans = panel.facts["period_end"] - panel.facts["period_start"]
                summable = set(panel.facts["measure_id"]) & {"money", "persons", "person_times", "events"}
                if summable:
                    assert spans.nunique() == 1, chart.id


# ---------------------------------------------------------------------------------------------------
# One chart in detail: aid funds.


def test_aid_funds_bars_hold_the_figures_as_written(dataset):
    figure = build("aid-funds", dataset)
    (trace,) = bars(figure)
    assert trace["x"] == [26_000_000, 21_635_000, 2_585_000, 280_000_000, 44_944_900]
    assert trace["text"] == ["2600余万元", "2163.5万元", "258.5万元", "2.8亿元", "4494.49万元"]
    assert trace["orientation"] == "h"
    assert annotations(figure, "category") == [
        "筹集“夏送清凉”物资",
        "筹集“金秋助学”资金",
        "其中市总工会本级",
        "筹集“冬送温暖”资金",
        "发放住院补助",
    ]
    # The federation's share of 金秋助学 is a part of the bar above it: hatched, never a separate total.
    assert trace["marker"]["pattern"]["shape"] == ["", "", "/", "", ""]


def test_aid_funds_title_unit_period_source_and_ticks(dataset):
    figure = build("aid-funds", dataset)
    layout = figure["layout"]
    assert layout["title"]["text"] == "<b>职工帮扶资金和物资（按项目）</b> · 2019–2023年"
    assert annotations(figure, "heading") == ["单位：元 · 2019–2023年 · 五年合计"]
    assert annotations(figure, "source") == [SOURCE_ZH]
    assert layout["xaxis"]["ticktext"] == ["0", "1亿", "2亿", "3亿"]
    assert layout["font"]["family"].startswith('"Noto Sans CJK SC"')


def test_aid_funds_in_english_keeps_the_qualifiers_in_words(dataset):
    figure = build("aid-funds", dataset, lang="en")
    (trace,) = bars(figure)
    assert trace["text"][0] == "over 26 million yuan"
    assert trace["text"][3] == "280 million yuan"
    assert annotations(figure, "category")[0] == "“Summer Cool” goods raised (value)"
    assert annotations(figure, "heading") == ["Unit: yuan · 2019–2023 total"]
    assert annotations(figure, "source") == [SOURCE_EN]
    assert figure["layout"]["title"]["text"] == "<b>Aid funds and goods by programme</b> · 2019–2023"


def test_ticks_count_in_wan_and_yi_never_k_m_g(dataset):
    ticks = build("people-helped-times", dataset)["layout"]["xaxis"]["ticktext"]
    assert ticks == ["0", "20万", "40万", "60万"]
    for chart in CHARTS.values():
        layout = chart_figure(chart, dataset, Filters()).to_plotly_json()["layout"]
        for name, axis in layout.items():
            if name.startswith(("xaxis", "yaxis")) and "ticktext" in axis:
                assert not any(re.search(r"\d[kKMG]$", text) for text in axis["ticktext"]), chart.id


def test_hover_shows_the_value_as_written_not_plotly_numbers(dataset):
    (trace,) = bars(build("people-helped-times", dataset))
    assert trace["hovertemplate"] == "%{customdata[0]}<br>%{customdata[1]}<extra></extra>"
    assert trace["customdata"][0] == ["慰问高温作业职工", "52万余人次"]


# ---------------------------------------------------------------------------------------------------
# Rules shown on other charts.


def test_people_helped_shows_the_lone_twenty_year_total_as_a_number_not_a_bar(dataset):
    figure = build("people-helped", dataset)
    assert annotations(figure, "heading") == ["单位：人 · 2019–2023年 · 五年合计"]
    (five_years,) = bars(figure)
    assert five_years["text"] == ["5.1万余人", "4399人", "1.2万人"]
    # The 20-year total has nothing alike beside it: a number card, with its own period.
    assert annotations(figure, "card") == ["<b>3.4万余名</b>"]
    assert annotations(figure, "card-label") == ["金秋助学20年累计帮助学子<br>2003–2023年 · 累计"]
    # The chart's period covers exactly the bars it draws.
    assert figure["layout"]["title"]["text"].endswith("2019–2023年")


def test_person_times_are_a_chart_of_their_own(dataset):
    (trace,) = bars(build("people-helped-times", dataset))
    assert trace["text"] == ["52万余人次", "48.3万人次", "5.43万人次"]


def test_a_stated_rate_is_written_with_its_numerator(dataset):
    figure = build("labour-disputes", dataset)
    (trace,) = bars(figure)
    assert 71.6 not in trace["x"]  # the rate is not drawn as a bar on the cases axis
    # "335起 · 调解率 71.6%" fits neither in the 335 bar nor beside it on a phone: the rate joins the label line.
    assert trace["text"] == ["468起", "335起", "103起"]
    assert annotations(figure, "category")[1].replace("<br>", " ").endswith("调解率 71.6%")
    # On an axis where the bar is long enough, the rate rides on the bar.
    spec = chart_spec(CHARTS["labour-disputes"], dataset, Filters())
    (panel,) = [panel for panel in spec.panels if panel.kind == "bars" and len(panel.bars) == 3]
    names, values = bar_texts_of(panel, top=max(bar.value for bar in panel.bars) / 0.95)
    assert values[0] == "468起" and values[1] == "335起 · 调解率 71.6%"
    assert not any("调解率" in name for name in names)
    assert "relations-mediation-rate" in set(CHARTS["labour-disputes"].rows(dataset, Filters())["id"])


def test_rates_of_different_periods_name_their_periods(dataset):
    figure = build("labour-relations-rates", dataset)
    labels = annotations(figure, "category")
    assert labels[0].endswith("（2023年）") and labels[1].endswith("（2019–2023年）")
    (trace,) = bars(figure)
    assert trace["text"] == ["93%以上", "90%以上"]
    assert figure["layout"]["xaxis"]["ticktext"][-1] == "100%"


def test_levels_are_coloured_the_same_way_everywhere(dataset):
    colours = {chart: bars(build(chart, dataset))[0]["marker"]["color"] for chart in ("model-workers", "craftsmen")}
    assert colours["model-workers"] == ["#0072B2", "#D17A00", "#009E73"]
    assert colours["craftsmen"] == ["#0072B2", "#0072B2", "#D17A00", "#D17A00", "#009E73", "#009E73"]


def test_bars_and_their_labels_have_enough_contrast():
    """WCAG 1.4.11 and 1.4.3: every bar colour 3:1 against the white page, a value inside a bar 4.5:1."""
    bar_colours = {BAR_COLOUR, *LEVEL_COLOURS.values(), *(OKABE_ITO[name] for name in SERIES_COLOURS)}
    for colour in bar_colours:
        assert contrast_ratio(colour, "#ffffff") >= 3, colour
        assert contrast_ratio(text_colour_on(colour), colour) >= 4.5, colour
    assert contrast_ratio(TEXT_COLOUR, "#ffffff") >= 4.5 and contrast_ratio(MUTED_COLOUR, "#ffffff") >= 4.5
    # The ratio itself, on known pairs: black on white is 21:1, Okabe–Ito's own orange only 2.25:1.
    assert round(contrast_ratio("#000000", "#ffffff"), 2) == 21
    assert round(contrast_ratio("#E69F00", "#ffffff"), 2) == 2.25
    # Plotly's own pick put white on green (3.4:1): green bars now carry the ink, blue ones white.
    assert text_colour_on(LEVEL_COLOURS["municipal"]) == TEXT_COLOUR and text_colour_on(BAR_COLOUR) == "#ffffff"


def test_values_inside_bars_are_drawn_in_the_colour_chosen_for_their_bar(dataset):
    (trace,) = bars(build("model-workers", dataset))
    assert trace["insidetextfont"]["color"] == [text_colour_on(c) for c in trace["marker"]["color"]]
    assert trace["outsidetextfont"]["color"] == TEXT_COLOUR


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_chart_adds_up_lists_that_may_overlap(dataset, lang):
    """Honours at several levels may name one person twice: no computed total, in any chart or language."""
    for chart in CHARTS.values():
        figure = build(chart.id, dataset, lang=lang)
        assert annotations(figure, "computed") == [], chart.id
        texts = " ".join(str(a.get("text", "")) for a in figure["layout"].get("annotations", []))
        assert "计算值" not in texts and "computed" not in texts and "205" not in texts, chart.id


def test_panels_of_one_unit_share_a_scale(dataset):
    """Organisations: those created in five years and those standing built are both in 个, so one scale."""
    figure = build("organisations", dataset)
    panels = bars(figure)
    assert len(panels) == 2
    ranges = [figure["layout"][f"xaxis{'' if n == 1 else n}"]["range"] for n in (1, 2)]
    assert ranges[0] == ranges[1]
    assert ranges[0][1] >= max(max(panel["x"]) for panel in panels)
    # Different units keep their own scales (teams and people of the honours).
    honours = build("honours-by-level", dataset)
    assert honours["layout"]["xaxis"]["range"] != honours["layout"]["xaxis2"]["range"]


def test_honours_draw_people_and_teams_apart(dataset):
    figure = build("honours-by-level", dataset)
    # The second panel's unit differs: ruled off, and its heading says the scale is its own.
    assert annotations(figure, "heading") == [
        "单位：个 · 2019–2023年 · 五年合计",
        "单位：人 · 2019–2023年 · 五年合计<br>另一单位和刻度",
    ]
    assert [shape["name"] for shape in figure["layout"]["shapes"]] == ["scale-rule"]
    teams, people = bars(figure)
    assert teams["text"] == ["2个", "9个", "5个", "21个", "107个"]
    assert people["text"] == ["12人", "21人", "667人"]


# ---------------------------------------------------------------------------------------------------
# Filters: empty selections say why; several years show the change.


def test_a_year_the_report_never_breaks_out_leaves_a_message_not_a_blank(dataset):
    filters = Filters(years=frozenset({2021}))
    assert CHARTS["aid-funds"].rows(dataset, filters).empty
    figure = build("aid-funds", dataset, years=frozenset({2021}))
    assert bars(figure) == []
    (message,) = annotations(figure, "empty")
    text = message.replace("<br>", "")
    assert "2019–2023年" in text and "2021年" in text
    assert figure["layout"]["title"]["text"] == "<b>职工帮扶资金和物资（按项目）</b>"


def test_empty_reasons_name_the_cause_in_the_readers_language(dataset):
    chart = CHARTS["aid-funds"]
    years = empty_reason(chart, dataset, Filters(years=frozenset({2021, 2022}), lang="en"))
    assert "cover 2019–2023" in years and "(2021–2022)" in years
    programmes = empty_reason(chart, dataset, Filters(programmes=("model-workers",)))
    assert programmes.startswith("所选项目或板块不包含本图的数字")


def test_the_2023_view_keeps_only_figures_of_2023(dataset):
    figure = build("labour-relations-rates", dataset, years=frozenset({2023}))
    assert bars(figure) == []  # one figure left: a number, not a one-bar chart
    assert annotations(figure, "card") == ["<b>93%以上</b>"]
    assert figure["layout"]["title"]["text"].endswith("· 2023年")


def test_a_programme_filter_keeps_its_bars(dataset):
    figure = build("aid-funds", dataset, programmes=("winter-warmth",))
    assert bars(figure) == [] and annotations(figure, "card") == ["<b>2.8亿元</b>"]
    assert build("aid-funds", dataset, programmes=("winter-warmth", "summer-cool"))["data"][0]["text"] == [
        "2600余万元",
        "2.8亿元",
    ]


def test_several_years_of_one_metric_are_drawn_as_a_change(multi_year_dataset):
    figure = build("aid-funds", multi_year_dataset, years=frozenset({2024, 2025}))
    (trace,) = bars(figure)
    assert trace["x"] == ["2024年", "2025年"]
    assert trace["y"] == [61_000_000, 65_000_000]
    assert trace["text"] == ["0.61亿元", "0.65亿元"]
    # On two lines, to fit a phone.
    assert annotations(figure, "heading") == ["筹集“冬送温暖”资金·逐年变化 · 2024–2025年<br>单位：元"]
    assert annotations(figure, "source") == ["来源：合成测试数据"]


def test_a_five_year_total_is_never_set_beside_single_years(multi_year_dataset):
    # The default view is the five-year report alone: its box holds no figure of another period (issue 25).
    (only,) = bars(build("aid-funds", multi_year_dataset))
    assert 280_000_000 in only["x"] and 61_000_000 not in only["x"]
    # A view of every year shows both reports' figures: the totals and the yearly change on their own panels.
    figure = build("aid-funds", multi_year_dataset, years=frozenset(range(2019, 2026)))
    totals, change = bars(figure)
    assert 280_000_000 in totals["x"] and 61_000_000 not in totals["x"]
    assert change["x"] == ["2024年", "2025年"] and change["yaxis"] == "y2"
    assert annotations(figure, "heading")[0] == "单位：元 · 2019–2023年 · 五年合计"
    assert annotations(figure, "source") == ["来源：株洲日报 2023年11月30日 第3版；合成测试数据"]


def test_person_times_change_stays_apart_from_persons(multi_year_dataset):
    helped = build("people-helped", multi_year_dataset, years=frozenset({2024, 2025}))
    times = build("people-helped-times", multi_year_dataset, years=frozenset({2024, 2025}))
    assert bars(helped)[0]["text"] == ["930人", "987人"]
    assert bars(times)[0]["text"] == ["10.2万人次", "11.4万人次"]


# ---------------------------------------------------------------------------------------------------
# Text alternatives, tables, and the page variant of a figure.


def test_text_alternative_lists_every_value_and_the_source(dataset):
    text = describe(CHARTS["labour-disputes"], dataset, Filters())
    assert text == (
        "劳动争议调处与法律援助案件，2019–2023年。受理劳动争议案件：468起；其中调解撤诉结案：335起；"
        "调解率：71.6%；为职工提供法律援助：103起。来源：株洲日报 2023年11月30日 第3版。"
    )
    english = describe(CHARTS["aid-funds"], dataset, Filters(lang="en"))
    assert "“Summer Cool” goods raised (value): over 26 million yuan" in english
    empty = describe(CHARTS["aid-funds"], dataset, Filters(years=frozenset({2021})))
    assert empty.startswith("职工帮扶资金和物资（按项目）: 本图数字的统计时期为2019–2023年")


def test_data_table_has_label_value_period_and_quote(dataset):
    facts = CHARTS["aid-funds"].rows(dataset, Filters())
    table = chart_table(facts, dataset, "en")
    assert list(table.columns) == ["fact_id", "label", "value", "as_written", "period", "source_quote", "source"]
    first = table.iloc[0]
    assert first["value"] == "over 26 million yuan" and first["as_written"] == "2600余万元"
    assert first["period"] == "2019–2023" and "2600余万元" in first["source_quote"]
    assert first["source"] == "Zhuzhou Daily, 30 November 2023, page 3"


def test_the_page_variant_drops_captions_shown_as_html(dataset):
    built = chart_figure(CHARTS["model-workers"], dataset, Filters())
    spec, height = without_captions(built)
    names = {a.get("name") for a in spec["layout"]["annotations"]}
    assert names == {"heading", "category"}
    assert "title" not in spec["layout"] and "height" not in spec["layout"]
    assert height is not None and 0 < height < int(built.layout.height)
    assert spec["data"][0]["text"] == ["7名", "37名", "161名"]


# ---------------------------------------------------------------------------------------------------
# Helpers.


def test_wrap_label_cuts_chinese_by_characters_and_keeps_closing_punctuation():
    text = "百人以上已建工会企业工资集体协商建制率（2023年）"
    lines = wrap_label(text, "zh", width=18)
    assert "".join(lines) == text and len(lines) == 2
    assert max(map(len, lines)) - min(map(len, lines)) <= 1  # even lines, no lone "率（2023年）" tail
    assert wrap_label("筹集“冬送温暖”资金", "zh", width=5) == ["筹集“冬送", "温暖”资金"]  # not "”资金"
    assert wrap_label("一二三四”五六七", "zh", width=4) == ["一二三四”", "五六七"]  # punctuation stays behind
    assert wrap_label("Jobless workers and graduates helped into work", "en", width=20) == [
        "Jobless workers and",
        "graduates helped",
        "into work",
    ]


def test_value_labels_go_inside_long_bars_and_outside_short_ones():
    assert text_position(0.9, "2.8亿元") == "inside"
    assert text_position(0.1, "2600余万元") == "outside"
    assert text_position(0.55, "335起 · 调解率 71.6%") == "inside"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_panel_headings_fit_a_phone(dataset, multi_year_dataset, lang):
    """SVG text cannot wrap: every line of a heading fits the plot of a 390px phone. The shipped data's
    headings take one line; a change across years ('…·逐年变化 · 2024–2025年 · 单位：元') takes more."""
    for data in (dataset, multi_year_dataset):
        for chart in CHARTS.values():
            for heading in annotations(build(chart.id, data, lang=lang), "heading"):
                for line in html.unescape(heading).split("<br>"):
                    assert text_ems(line) * (FONT_SIZE - 1) <= PLOT_EMS * FONT_SIZE, (chart.id, line)
                if data is dataset:
                    # One line, and a line of its own for a scale note ('另一单位和刻度').
                    assert heading.count("<br>") <= ("<br>" + FIGURE_TEXT[lang]["own_scale"] in heading), heading


def test_a_long_heading_breaks_at_its_separators_and_gets_room_above(multi_year_dataset):
    heading = "筹集“冬送温暖”资金·逐年变化 · 2024–2025年 · 单位：元"
    lines = heading_lines(heading, "zh")
    assert len(lines) == 2 and " · ".join(lines) == heading
    assert heading_lines("单位：元 · 2019–2023年 · 五年合计", "zh") == ["单位：元 · 2019–2023年 · 五年合计"]
    # Only the change across 2024–2025: its long heading is the top one.
    filters = Filters(years=frozenset({2024, 2025}), lang="en")
    figure = chart_figure(CHARTS["people-helped-times"], multi_year_dataset, filters).to_plotly_json()
    (top_heading,) = annotations(figure, "heading")
    assert "<br>" in top_heading
    extra = LINE_HEIGHT * top_heading.count("<br>")
    assert figure["layout"]["margin"]["t"] == CHARTS_TOP + extra
    # The dashboard's copy (captions dropped) keeps the same room above the first panel.
    spec, _ = without_captions(chart_figure(CHARTS["people-helped-times"], multi_year_dataset, filters))
    assert spec["layout"]["margin"]["t"] == PANEL_GAP // 2 + 4 + extra


def test_span_label_names_five_year_totals(dataset):
    assert span_label(2019, 2023, True, "zh") == "2019–2023年 · 五年合计"
    assert span_label(2019, 2023, True, "en") == "2019–2023 total"
    assert span_label(2003, 2023, True, "zh") == "2003–2023年 · 累计"
    assert span_label(2019, 2023, False, "zh") == "2019–2023年"
    assert span_label(2023, 2023, True, "en") == "2023"


def test_citations_and_period_span(dataset, multi_year_dataset):
    assert citations(dataset, dataset.facts, "zh") == ["株洲日报 2023年11月30日 第3版"]
    assert citations(multi_year_dataset, multi_year_dataset.facts, "en") == [
        "Zhuzhou Daily, 30 November 2023, page 3",
        "Synthetic test data",
    ]
    assert period_span(dataset.facts) == (2003, 2023)
    with pytest.raises(Exception, match="no figures"):
        period_span(pd.DataFrame(columns=["period_start", "period_end"]))


def test_markup_in_the_data_is_drawn_as_text(dataset):
    """plotly reads <b>, <a href> and entities in strings: a label from the CSV is escaped."""
    facts = dataset.facts.copy()
    facts.loc[facts["id"] == "aid-winter-funds", "label_zh"] = '<a href="javascript:alert(1)">冬送</a>'
    figure = chart_figure(CHARTS["aid-funds"], replace(dataset, facts=facts), Filters()).to_plotly_json()
    labels = [label.replace("<br>", "") for label in annotations(figure, "category")]
    assert '&lt;a href="javascript:alert(1)"&gt;冬送&lt;/a&gt;' in labels
    assert not any("<a" in label for label in labels)


def test_every_chart_holds_still_no_drag_zoom_or_pan(dataset, multi_year_dataset):
    """A drag or a swipe over a chart must never zoom it: no drag mode, every axis fixed (empty charts too)."""
    for data in (dataset, multi_year_dataset):
        for chart in CHARTS.values():
            for filters in (Filters(), Filters(years=frozenset({2021}))):
                layout = chart_figure(chart, data, filters).to_plotly_json()["layout"]
                assert layout.get("dragmode") is False, chart.id
                axes = [key for key in layout if key.startswith(("xaxis", "yaxis"))]
                assert all(layout[key].get("fixedrange") is True for key in axes), (chart.id, axes)


def test_chart_config_has_no_modebar_and_no_zoom():
    assert PLOTLY_CONFIG["displayModeBar"] is False
    assert PLOTLY_CONFIG["scrollZoom"] is False
    assert PLOTLY_CONFIG["doubleClick"] is False
