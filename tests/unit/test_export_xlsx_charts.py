"""The workbook's charts (exports/xlsx_charts.py), print settings and fonts, read back from the saved file.

Charts are compared with the chart specifications the dashboard draws (`chartspec.comparisons_and_cards`)
for the same selection: the same chart ids in the same order, the same titles, one unit per chart, no
one-bar chart, the report's qualifiers on the labels, axes in 万/亿, cached values, and no chart across a
printed page break.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart.bar_chart import BarChart
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, range_boundaries

from uniondash.chartspec import ChartSpec, Panel, comparisons_and_cards
from uniondash.exports.xlsx import build_workbook, generated_label, name_every_font, new_workbook, workbook_bytes
from uniondash.exports.xlsx_cells import FONT_NAMES, MIN_PRINT_SCALE, PAGE_WIDTH_UNITS
from uniondash.exports.xlsx_charts import ROW_CM, ROWS_PER_PAGE, panel_heading, scale_for, split_line
from uniondash.format import display_value
from uniondash.model import Dataset, Filters

GENERATED = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
SELECTIONS = [
    Filters(),
    Filters(lang="en"),
    Filters(years=frozenset({2023})),
    Filters(sections=("aid",), lang="en"),
    Filters(programmes=("winter-warmth", "model-workers")),
]


def saved(dataset: Dataset, filters: Filters) -> Workbook:
    data = workbook_bytes(build_workbook(dataset, filters, generated_at=GENERATED))
    return load_workbook(BytesIO(data))


def charts(workbook: Workbook) -> list[BarChart]:
    return [chart for ws in workbook.worksheets for chart in ws._charts]


def cells(workbook: Workbook, reference: str) -> list[object]:
    sheet, _, where = reference.rpartition("!")
    ws = workbook[sheet.strip("'").replace("''", "'")]
    min_col, min_row, max_col, max_row = range_boundaries(where.replace("$", ""))
    return [ws.cell(row=r, column=c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def rows_of(workbook: Workbook, chart: BarChart) -> list[list[object]]:
    """The data-sheet rows a chart draws (its table: chart id, category, plotted value, …)."""
    sheet, _, where = chart.series[0].cat.strRef.f.rpartition("!")
    ws = workbook[sheet.strip("'")]
    _, min_row, _, max_row = range_boundaries(where.replace("$", ""))
    return [[cell.value for cell in ws[row]] for row in range(min_row, max_row + 1)]


def title_lines(chart: BarChart) -> list[str]:
    return ["".join(run.t for run in paragraph.r or []) for paragraph in chart.title.tx.rich.p]


def comparisons(dataset: Dataset, filters: Filters) -> list[ChartSpec]:
    return comparisons_and_cards(dataset, filters)[0]


@pytest.fixture(scope="module")
def full(dataset: Dataset) -> Workbook:
    return saved(dataset, Filters())


@pytest.mark.parametrize("filters", SELECTIONS, ids=lambda f: f"{sorted(f.years or [])}-{f.sections}-{f.lang}")
def test_charts_are_the_dashboards_for_the_same_selection(dataset, filters):
    workbook = saved(dataset, filters)
    specs = comparisons(dataset, filters)
    expected = [
        (spec.chart_id, spec.title, panel_heading(panel, scale_for(panel, spec.lang), spec.lang))
        for spec in specs
        for panel in spec.panels
    ]
    drawn = [(str(rows_of(workbook, chart)[0][0]), *title_lines(chart)) for chart in charts(workbook)]
    assert drawn == expected
    assert expected  # every selection here has something to compare


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_charts_unit_heading_names_its_axis_unit(dataset, lang):
    """单位：亿元 over an axis of 亿元, not 单位：元: the heading says the unit the axis is plotted in."""
    unit_text = {"zh": "单位：{}", "en": "Unit: {}"}[lang]
    scaled = 0
    for chart in charts(saved(dataset, Filters(lang=lang))):
        axis = "".join(run.t for paragraph in chart.y_axis.title.tx.rich.p for run in paragraph.r or [])
        heading = title_lines(chart)[1]
        assert unit_text.format(axis) in heading, (heading, axis)
        assert heading.count(unit_text.format("")) == 1, heading  # one unit, not the spec's and the axis's
        scaled += axis.startswith(("万", "亿", "thousand", "million"))
    assert scaled >= 3  # the case at issue: axes in 万/亿 (thousands/millions) are there to check


def test_a_heading_without_its_unit_gets_the_axis_unit_added():
    panel = Panel("bars", "2019–2023年", "元", "元", "money", "2019–2023年", scale_max=2.8e8)
    assert panel_heading(panel, scale_for(panel, "zh"), "zh") == "2019–2023年 · 单位：亿元"
    same = Panel("bars", "单位：人 · 2023年", "人", "人", "persons", "2023年", scale_max=500.0)
    assert panel_heading(same, scale_for(same, "zh"), "zh") == "单位：人 · 2023年"


def test_2023_alone_has_its_chart(dataset):
    """The issue's case: `--years 2023` drew no chart although the dashboard draws one."""
    workbook = saved(dataset, Filters(years=frozenset({2023})))
    assert [str(rows_of(workbook, chart)[0][0]) for chart in charts(workbook)] == [
        spec.chart_id for spec in comparisons(dataset, Filters(years=frozenset({2023})))
    ]
    assert charts(workbook)


def test_no_one_bar_chart_and_one_unit_per_chart(full, dataset):
    facts = dataset.facts.set_index("id")
    for chart in charts(full):
        values = [value for series in chart.series for value in cells(full, series.val.numRef.f) if value is not None]
        assert len(values) >= 2, title_lines(chart)
        if chart.type == "bar":
            ids = [row[5] for row in rows_of(full, chart)]
            assert facts.loc[ids, "unit_zh"].nunique() == 1, title_lines(chart)


def test_qualifiers_on_labels_and_money_in_yi(full, dataset):
    funds = next(chart for chart in charts(full) if rows_of(full, chart)[0][0] == "aid-funds")
    labels = cells(full, funds.series[0].cat.strRef.f)
    assert labels[0] == "筹集“夏送清凉”物资：2600余万元"  # the qualifier travels with the bar
    rows = rows_of(full, funds)
    facts = dataset.facts.set_index("id")
    for _, label, plotted, base, shown, fact_id in rows:
        fact = facts.loc[fact_id]
        assert base == pytest.approx(float(fact["value"]))  # the value in yuan, from the data
        assert plotted == pytest.approx(float(fact["value"]) / 100_000_000)  # plotted in 亿元
        assert shown == display_value(fact, "zh") and str(label).endswith(str(shown))
    header = full["图表数据"].cell(row=funds_header_row(full, funds), column=3).value
    assert header == "绘图数值（亿元）= 数值 ÷ 100,000,000（计算值）"
    axis_title = "".join(run.t for run in funds.y_axis.title.tx.rich.p[0].r)
    assert axis_title == "亿元"
    assert funds.y_axis.scaling.max == pytest.approx(3) and funds.y_axis.majorUnit == pytest.approx(1)


def funds_header_row(workbook: Workbook, chart: BarChart) -> int:
    _, _, where = chart.series[0].cat.strRef.f.rpartition("!")
    return range_boundaries(where.replace("$", ""))[1] - 1


def test_people_in_wan_and_persons_never_with_person_times(full):
    units = {}
    for chart in charts(full):
        chart_id = rows_of(full, chart)[0][0]
        units[chart_id] = "".join(run.t for run in chart.y_axis.title.tx.rich.p[0].r)
    assert units["people-helped"] == "万人"
    assert units["people-helped-times"] == "万人次"
    assert units["education-activities"] == "场"


def test_every_series_carries_cached_values(full):
    for chart in charts(full):
        for series in chart.series:
            cached = {point.idx: point.v for point in series.val.numRef.numCache.pt}
            values = cells(full, series.val.numRef.f)
            assert series.val.numRef.numCache.ptCount == len(values)
            assert {i: float(v) for i, v in enumerate(values) if v is not None} == pytest.approx(cached)
            labels = [point.v for point in series.cat.strRef.strCache.pt]
            assert labels == [str(v) for v in cells(full, series.cat.strRef.f)]
            assert series.tx.strRef.strCache.pt[0].v == cells(full, series.tx.strRef.f)[0]


def test_change_across_years_legend_in_reading_order(multi_year_dataset):
    filters = Filters(years=frozenset({2023, 2024, 2025}))
    workbook = saved(multi_year_dataset, filters)
    change = [
        (chart, panel)
        for chart, panel in zip(
            charts(workbook), [p for spec in comparisons(multi_year_dataset, filters) for p in spec.panels], strict=True
        )
        if panel.kind == "change"
    ]
    assert change
    for chart, panel in change:
        assert chart.type == "col" and chart.legend.position == "b"
        names = [series.tx.strRef.strCache.pt[0].v for series in chart.series]
        assert names == [series.label for series in panel.series]
        if len(panel.series) == 1:  # each period's label carries the figure as written
            labels = [point.v for point in chart.series[0].cat.strRef.strCache.pt]
            assert labels == [f"{point.period}：{point.value_text}" for point in panel.series[0].points]


def test_no_chart_straddles_a_printed_page(full):
    ws = full["图表"]
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    assert breaks  # the full workbook's charts take several pages
    starts = [0, *breaks]
    for chart in ws._charts:
        first = chart.anchor._from.row + 1  # 1-based row of the chart's top
        height_cm = chart.anchor.ext.height / 360_000  # EMU as saved (openpyxl does not read `height` back)
        last = first + int(height_cm / ROW_CM)
        page = max(start for start in starts if start < first)
        assert last - page <= ROWS_PER_PAGE, (title_lines(chart), first, last, page)
        assert not any(first <= b < last for b in breaks)
    assert all(ws.row_dimensions[row].height == 15 for row in range(1, ws.max_row + 1))


def test_lone_figures_are_numbers_not_charts(full, dataset):
    text = "\n".join(str(cell.value) for cell in full["图表"]["A"] if cell.value)
    cards = comparisons_and_cards(dataset, Filters())[1]
    assert cards
    for _, card in cards:
        assert f"{card.label}：{card.value_text}" in text


@pytest.mark.parametrize("filters", [Filters(), Filters(lang="en"), Filters(years=frozenset({2021}))])
def test_every_cell_names_the_languages_face(dataset, filters):
    workbook = saved(dataset, filters)
    face = FONT_NAMES[filters.lang]
    assert workbook._fonts[0].name == face  # the default of every unstyled cell
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == face, (ws.title, cell.coordinate)
                    assert cell.font.sz >= 10, (ws.title, cell.coordinate)


@pytest.mark.parametrize("filters", [Filters(), Filters(lang="en"), Filters(years=frozenset({2021}))])
def test_every_sheet_prints_on_a4_at_8pt_or_more(dataset, filters):
    workbook = saved(dataset, filters)
    for ws in workbook.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.print_area
        last = range_boundaries(ws.print_area.rpartition("!")[2].replace("$", ""))[2]
        widths = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last + 1))
        page = PAGE_WIDTH_UNITS[ws.page_setup.orientation]
        # A set scale (Calc's "fit to width" shrank sheets below 80 %), never below 8 pt for 10 pt text.
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert MIN_PRINT_SCALE <= ws.page_setup.scale <= 100, ws.title
        if widths * ws.page_setup.scale / 100 > page:
            # Wider than a page even at 80 %: a row's pages print one after another.
            assert ws.page_setup.scale == MIN_PRINT_SCALE and ws.page_setup.pageOrder == "overThenDown", ws.title
        else:
            assert not ws.col_breaks.brk, ws.title  # one page wide: no break left from a wider plan
        if ws.freeze_panes == "A2":
            assert ws.print_title_rows == "$1:$1", ws.title
    # Wide tables landscape, the charts portrait.
    sheets = workbook.sheetnames
    assert workbook[sheets[1]].page_setup.orientation == "landscape"
    charts = "图表" if filters.lang == "zh" else "Charts"
    assert workbook[charts].page_setup.orientation == "portrait"


def test_chinese_notes_in_the_chinese_workbook(dataset):
    zh = saved(dataset, Filters(sections=("ideology",)))
    en = saved(dataset, Filters(sections=("ideology",), lang="en"))
    for workbook, header, expected in (
        (zh, "备注", "2023年3月31日举办"),
        (en, "Note", "Held on 31 March 2023"),
    ):
        ws = workbook[workbook.sheetnames[2]]
        column = [cell.value for cell in ws[1]].index(header) + 1
        notes = [ws.cell(row=row, column=column).value for row in range(2, ws.max_row + 1)]
        notes = [note for note in notes if note]
        assert notes and str(notes[-1]).startswith(expected)
    zh_notes = dataset.facts.loc[dataset.facts["note"] != "", "note_zh"]
    assert (zh_notes != "").all()  # every note has its Chinese


def test_generation_time_in_shanghai_with_the_zone_stated():
    utc = datetime(2024, 3, 1, 1, 30, tzinfo=UTC)
    assert generated_label(utc, "zh") == "2024-03-01 09:30（北京时间，UTC+8，Asia/Shanghai）"
    assert generated_label(utc, "en") == "2024-03-01 09:30 (China Standard Time, UTC+8, Asia/Shanghai)"
    assert generated_label(GENERATED, "zh").startswith("2024-03-01 09:30")


def test_empty_selection_keeps_the_layout(dataset):
    empty = saved(dataset, Filters(years=frozenset({2021})))
    full_zh = saved(dataset, Filters())
    for name in ("汇总", "荣誉"):
        for column in "ABCDEF":
            assert empty[name].column_dimensions[column].width == full_zh[name].column_dimensions[column].width
    assert "所选范围内没有数据" in str(empty["图表"]["A3"].value)
    assert empty["图表"].column_dimensions["A"].width >= 60
    assert charts(empty) == []


def test_fonts_without_a_name_get_the_workbooks_face():
    """A sheet another module styles with a bare Font(bold=True) still names the face."""
    workbook = new_workbook("en")
    ws = workbook.active
    ws["A1"] = "bold"
    ws["A1"].font = Font(bold=True)
    ws["A2"] = "plain"
    name_every_font(workbook)
    saved_book = load_workbook(BytesIO(workbook_bytes(workbook)))
    first = saved_book.active
    assert (first["A1"].font.name, first["A1"].font.b, first["A1"].font.sz) == ("Arial", True, 10)
    assert first["A2"].font.name == "Arial"


def test_split_line_cuts_at_spaces_and_counts_cjk_twice():
    assert split_line("株洲" * 10, 10) == ["株洲株洲株", "洲株洲株洲", "株洲株洲株", "洲株洲株洲"]
    assert split_line("one two three four", 9) == ["one two", "three", "four"]
    assert split_line("", 5) == [""]
