"""The analysts' workbook (`exports.xlsx`), read back with openpyxl and pandas and compared with the CSVs."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart.bar_chart import BarChart
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from tests.unit.test_load import set_cell
from uniondash.chartspec import comparisons_and_cards
from uniondash.errors import UniondashError
from uniondash.exports.xlsx import (
    build_workbook,
    export_filename,
    honours_pivot,
    put,
    sheet_name,
    workbook_bytes,
    write_workbook,
)
from uniondash.exports.xlsx_cells import PAGE_WIDTH_UNITS, display_width, number_format, print_scale, wrapped_lines
from uniondash.format import display_value, period_label
from uniondash.load import load_dataset
from uniondash.model import Dataset, Filters, filter_facts
from uniondash.query import Notice

SOURCE_ZH = "株洲日报 2023年11月30日 第3版"
SOURCE_EN = "Zhuzhou Daily, 30 November 2023, page 3"
GENERATED = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
FORBIDDEN = set("[]:*?/\\")


def reopen(workbook: Workbook) -> tuple[Workbook, bytes]:
    """Save and load again: tests look at the file an analyst gets, not at the objects in memory."""
    data = workbook_bytes(workbook)
    return load_workbook(BytesIO(data)), data


def built(dataset: Dataset, filters: Filters, notices: tuple[Notice, ...] = ()) -> tuple[Workbook, bytes]:
    return reopen(build_workbook(dataset, filters, notices, generated_at=GENERATED))


@pytest.fixture(scope="module")
def full_zh(dataset: Dataset) -> tuple[Workbook, bytes]:
    return built(dataset, Filters())


@pytest.fixture(scope="module")
def full_en(dataset: Dataset) -> tuple[Workbook, bytes]:
    return built(dataset, Filters(lang="en"))


def frame(data: bytes, sheet: str) -> pd.DataFrame:
    return pd.read_excel(BytesIO(data), sheet_name=sheet, dtype=object, keep_default_na=False)


def notes_text(workbook: Workbook, sheet: str = "说明") -> str:
    ws = workbook[sheet]
    return "\n".join(" | ".join(str(cell.value) for cell in row if cell.value is not None) for row in ws.iter_rows())


def expected_section_order(facts: pd.DataFrame) -> list[str]:
    """City-wide totals first, then stories and events, each in the report's order."""
    return list(facts.loc[facts["kind"] == "aggregate", "id"]) + list(facts.loc[facts["kind"] != "aggregate", "id"])


def cells_of(workbook: Workbook, reference: str) -> list[object]:
    """The values a chart reference such as "'图表数据'!$B$3:$B$6" points at."""
    sheet, _, cells = reference.rpartition("!")
    ws = workbook[sheet.strip("'").replace("''", "'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [ws.cell(row=r, column=c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def charts(workbook: Workbook) -> list[BarChart]:
    return [chart for ws in workbook.worksheets for chart in ws._charts]


def chart_title(chart: BarChart) -> str:
    """The chart's title paragraphs, one a line: the spec's title, then the panel's heading."""
    return "\n".join("".join(run.t for run in paragraph.r or []) for paragraph in chart.title.tx.rich.p)


def chart_id_of(workbook: Workbook, chart: BarChart) -> str:
    """The chart id written beside the chart's data (first column of its table on the data sheet)."""
    reference = chart.series[0].cat.strRef.f
    sheet, _, cells = reference.rpartition("!")
    _, min_row, _, _ = range_boundaries(cells.replace("$", ""))
    return str(workbook[sheet.strip("'")].cell(row=min_row, column=1).value)


# ---------------------------------------------------------------------------------------------------
# Sheets and their rows


def test_sheets_zh_in_order(full_zh, dataset):
    workbook, _ = full_zh
    sections = [s.label_zh for s in dataset.sections.itertuples() if (dataset.facts["section_id"] == s.id).any()]
    assert workbook.sheetnames == ["说明", "汇总", *sections, "荣誉", "图表", "图表数据", "全部数据", "来源"]


def test_every_section_sheet_holds_exactly_its_facts(full_zh, dataset):
    _, data = full_zh
    facts = filter_facts(dataset.facts, Filters())
    seen = 0
    for section in dataset.sections.itertuples():
        expected = facts[facts["section_id"] == section.id].set_index("id")
        sheet = frame(data, section.label_zh)
        assert list(sheet["ID"]) == expected_section_order(expected.reset_index())
        for row in sheet.to_dict("records"):
            fact = expected.loc[row["ID"]]
            assert row["数值"] == pytest.approx(float(fact["value"]))
            assert isinstance(row["数值"], int | float)
            assert row["单位"] == fact["unit_zh"]
            assert row["原文写法"] == display_value(fact, "zh")
            assert row["限定词"] == fact["qualifier"]
            assert (row["起始年"], row["截止年"]) == (fact["period_start"], fact["period_end"])
            assert row["指标"] == fact["label_zh"]
            assert row["项目"] == dataset.label("programmes", fact["programme_id"], "zh")
            assert row["指标类别"] == dataset.label("metrics", fact["metric_id"], "zh")
            assert row["范围"] == dataset.label("scopes", fact["scope_id"], "zh")
            assert row["级别"] == (dataset.label("levels", fact["level_id"], "zh") if fact["level_id"] else "")
            assert row["类型"] == dataset.label("kinds", fact["kind"], "zh")
            assert row["属于（其中项）"] == fact["part_of"]
            assert row["原文摘录"] == fact["source_quote"]
            assert row["来源"] == SOURCE_ZH
            seen += 1
    assert seen == len(facts) == 88


def test_summary_holds_the_headline_figures_by_section(full_zh, dataset):
    _, data = full_zh
    summary = frame(data, "汇总")
    headlines = dataset.headlines.merge(dataset.facts, left_on="fact_id", right_on="id")
    assert set(summary["ID"]) == set(headlines["id"]) and len(summary) == len(headlines) == 29
    order = list(dataset.sections["label_zh"])
    positions = [order.index(label) for label in summary["板块"]]
    assert positions == sorted(positions), "grouped by section, in the report's section order"
    by_id = headlines.set_index("id")
    for row in summary.to_dict("records"):
        fact = by_id.loc[row["ID"]]
        assert row["原文写法"] == display_value(fact, "zh")
        assert row["数值"] == pytest.approx(float(fact["value"]))
        assert row["单位"] == fact["unit_zh"] and row["限定词"] == fact["qualifier"]
        assert row["时期"] == period_label(int(fact["period_start"]), int(fact["period_end"]), "zh")
    winter = summary.set_index("ID").loc["aid-winter-funds"]
    assert (winter["原文写法"], winter["数值"], winter["单位"]) == ("2.8亿元", 280_000_000, "元")


def test_numbers_are_numbers_with_thousands_formats(full_zh):
    workbook, _ = full_zh
    ws = workbook["职工帮扶"]
    header = [cell.value for cell in ws[1]]
    value_col = header.index("数值") + 1
    ids = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=value_col) for r in range(2, ws.max_row + 1)}
    winter = ids["aid-winter-funds"]
    assert winter.data_type == "n" and winter.value == 280_000_000 and winter.number_format == "#,##0"
    rates = workbook["和谐劳动关系"]
    by_id = {
        rates.cell(row=r, column=1).value: rates.cell(row=r, column=value_col) for r in range(2, rates.max_row + 1)
    }
    assert by_id["relations-mediation-rate"].value == pytest.approx(71.6)
    assert by_id["relations-mediation-rate"].number_format == '0.0"%"'
    assert by_id["relations-bargaining-rate"].number_format == '0"%"'


def test_number_format_rules():
    assert number_format(280_000_000, "money") == "#,##0"
    assert number_format(12.5, "area") == "#,##0.00"
    assert number_format(93, "rate") == '0"%"'
    assert number_format(71.6, "rate") == '0.0"%"'


def test_header_frozen_filter_on_readable_widths_wrapped_quotes(full_zh, dataset):
    workbook, _ = full_zh
    ws: Worksheet = workbook["职工帮扶"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}{ws.max_row}"
    header = [cell.value for cell in ws[1]]
    programme_col = ws.cell(row=1, column=header.index("项目") + 1).column_letter
    longest = max(display_width(str(ws[f"{programme_col}{r}"].value)) for r in range(2, ws.max_row + 1))
    # Set widths that print on one A4 page: long text (CJK counting two) wraps instead of widening a column.
    assert ws.column_dimensions[programme_col].width < longest
    assert ws.cell(row=2, column=header.index("项目") + 1).alignment.wrap_text
    quote = ws.cell(row=2, column=header.index("原文摘录") + 1)
    assert quote.alignment.wrap_text
    assert 14 <= ws.column_dimensions[quote.column_letter].width <= 30
    for name in ("汇总", "荣誉"):
        assert workbook[name].freeze_panes == "A2" and workbook[name].auto_filter.ref


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("abcd efgh ijkl", 8.5, 3),  # whole words: 'efgh' does not fit after 'abcd ' (characters alone say 2)
        ("a" * 20, 8.5, 3),  # a word longer than a line is cut within it
        ("aid-wage-recovery", 10.5, 2),  # a line may end after a hyphen: 'aid-wage-' / 'recovery'
        ("株洲日报", 9.5, 1),  # CJK: two units a character, a break between any two
        ("株洲日报株洲", 9.5, 2),
        ("one\ntwo", 20, 2),
        ("", 10, 1),
    ],
)
def test_wrapped_lines_wraps_as_a_spreadsheet_does(text, width, lines):
    assert wrapped_lines(text, width) == lines


def test_print_scale_keeps_text_at_8pt_or_more():
    assert print_scale(50, 126) == 100  # never enlarged
    assert print_scale(157, 126) == 80  # one page wide at 80 %
    assert print_scale(158, 126) is None  # would be 79 %: print at 80 % over more pages instead


def test_section_sheets_print_one_page_wide_or_a_rows_pages_in_turn(full_zh, full_en):
    """The Chinese section sheets fit one landscape page at ≥ 80 %; the English ones (one more column,
    longer words) print each row over two pages, what the figure is, then where it comes from, in turn."""
    zh = full_zh[0]["职工帮扶"]
    assert zh.page_setup.scale >= 80 and not zh.col_breaks.brk and zh.page_setup.orientation == "landscape"
    en = full_en[0]["Help for workers"]
    header = [cell.value for cell in en[1]]
    assert en.page_setup.scale == 80 and en.page_setup.pageOrder == "overThenDown"
    assert [brk.id for brk in en.col_breaks.brk] == [header.index("Part of (id)")]  # after the column before it
    assert en.print_title_cols == "$A:$A"  # the figure's id on both pages
    for columns in (header[: header.index("Part of (id)")], ["ID", *header[header.index("Part of (id)") :]]):
        width = sum(
            en.column_dimensions[en.cell(row=1, column=header.index(c) + 1).column_letter].width for c in columns
        )
        assert width * 0.8 <= PAGE_WIDTH_UNITS["landscape"], columns


def test_display_width_counts_cjk_twice():
    assert display_width("株洲 ab") == 7
    assert display_width("“一户”") == 6  # curly quotes are ambiguous-width, counted one each


# ---------------------------------------------------------------------------------------------------
# Honours


def test_honours_pivot_by_type_and_level(full_zh, dataset):
    _, data = full_zh
    honours = frame(data, "荣誉").set_index("荣誉类型")
    assert list(honours.columns[:5]) == ["单位", "时期", "全国", "省级", "市级"]
    assert [honours.loc["劳动模范", level] for level in ("全国", "省级", "市级")] == [7, 37, 161]
    assert [honours.loc["五一劳动奖章", level] for level in ("全国", "省级", "市级")] == [12, 21, 667]
    assert [honours.loc["五一劳动奖状", level] for level in ("全国", "省级", "市级")] == [2, 5, ""]
    assert [honours.loc["工作室", level] for level in ("全国", "省级", "市级")] == [2, 7, 30]
    assert honours.loc["劳动模范", "原文写法"] == "全国劳模：7名；省劳模：37名；市劳模：161名"
    for label in ("工人先锋号", "工匠", "工匠提名"):
        assert label in honours.index
    # Two provincial "bases" facts: a row each under the fact's label, never added together.
    assert honours.loc["湖南省劳模助力乡村振兴示范基地", "省级"] == 2
    assert honours.loc["“湖湘工匠”培育和竞赛基地", "省级"] == 4
    assert "基地" not in honours.index


def test_each_header_is_aligned_with_its_column(full_zh, full_en):
    """Numbers are right-aligned (Excel's and Calc's default): their header stands right over them, the
    years' header centred over the centred years, a text column's header left like its text."""
    for workbook, names in ((full_zh[0], ("荣誉", "职工帮扶")), (full_en[0], ("Honours", "Help for workers"))):
        for name in names:
            ws: Worksheet = workbook[name]
            aligned = {}
            for header in ws[1]:
                values = [ws.cell(row=r, column=header.column) for r in range(2, ws.max_row + 1)]
                numbers = [cell for cell in values if isinstance(cell.value, int | float)]
                if numbers and len(numbers) == len([cell for cell in values if cell.value is not None]):
                    centred = {cell.alignment.horizontal for cell in numbers} == {"center"}
                    aligned[header.value] = header.alignment.horizontal
                    assert header.alignment.horizontal == ("center" if centred else "right"), (name, header.value)
                else:
                    assert header.alignment.horizontal in (None, "general", "left"), (name, header.value)
            assert aligned, name
    # Every level column of the honours sheet holds numbers: each header is right-aligned over them.
    honours = full_zh[0]["荣誉"]
    assert [honours.cell(row=1, column=c).alignment.horizontal for c in (4, 5, 6)] == ["right"] * 3
    # The data sheet too: value and the years right over their numbers, the ids left.
    data = {cell.value: cell.alignment.horizontal for cell in full_zh[0]["全部数据"][1]}
    assert [data[column] for column in ("value", "period_start", "period_end")] == ["right"] * 3
    assert data["id"] is None and data["source_quote"] is None


def test_number_headers_stay_right_aligned_when_the_selection_leaves_them_empty(dataset):
    workbook, _ = built(dataset, Filters(years=frozenset({2021})))
    assert [workbook["荣誉"].cell(row=1, column=c).alignment.horizontal for c in (4, 5, 6)] == ["right"] * 3
    summary = {cell.value: cell.alignment.horizontal for cell in workbook["汇总"][1]}
    assert summary["数值"] == "right" and summary["指标"] is None


def test_every_honours_cell_is_one_facts_value(dataset):
    facts = dataset.facts.set_index("id")
    pivot = honours_pivot(dataset, dataset.facts, "zh")
    expected_ids = dataset.facts[(dataset.facts["kind"] == "aggregate") & (dataset.facts["level_id"] != "")]["id"]
    listed = [fact_id for ids in pivot["fact_ids"] for fact_id in ids.split(", ")]
    assert sorted(listed) == sorted(expected_ids)
    for row in pivot.itertuples():
        for fact_id in row.fact_ids.split(", "):
            fact = facts.loc[fact_id]
            assert getattr(row, fact["level_id"]) == fact["value"]
            assert fact["metric_id"] == row.metric_id
            assert (fact["period_start"], fact["period_end"]) == (row.period_start, row.period_end)


def test_honours_of_other_periods_get_rows_of_their_own(multi_year_dataset):
    pivot = honours_pivot(multi_year_dataset, multi_year_dataset.facts, "zh")
    model_workers = pivot[pivot["label"] == "劳动模范"].set_index("period_start")
    assert model_workers.loc[2019, "municipal"] == 161
    assert model_workers.loc[2024, "municipal"] == 35 and pd.isna(model_workers.loc[2024, "national"])


# ---------------------------------------------------------------------------------------------------
# Charts


def chart_facts(workbook: Workbook, chart: BarChart, dataset: Dataset) -> pd.DataFrame:
    """The facts behind a one-series chart, found through the ID column beside its values."""
    series = chart.series[0]
    sheet, _, cells = series.val.numRef.f.rpartition("!")
    _, min_row, _, max_row = range_boundaries(cells.replace("$", ""))
    ws = workbook[sheet.strip("'")]
    header = [ws.cell(row=min_row - 1, column=c).value for c in range(1, ws.max_column + 1)]
    id_col = header.index("ID") + 1
    ids = [ws.cell(row=r, column=id_col).value for r in range(min_row, max_row + 1)]
    return dataset.facts.set_index("id").loc[ids]


# ---------------------------------------------------------------------------------------------------
# Notes


def test_notes_name_source_filters_time_and_reading_guide(full_zh, dataset):
    workbook, _ = full_zh
    text = notes_text(workbook)
    source = dataset.sources.iloc[0]
    for expected in (
        source["title_zh"],
        "株洲日报",
        "2023-11-30",
        "第3版（专版）",
        source["authors_zh"],
        SOURCE_ZH,
        "年份 | 全部年份",
        "板块 | 全部",
        "生成时间 | 2024-03-01 09:30（北京时间，UTC+8，Asia/Shanghai）",
        "88 条数字，来自 7 个板块、34 个项目；其中主要数字 29 条。",
        "“五年来”指 2019–2023 年",
        "余、多、以上、超、超过、逾、不少于：实际数字高于或等于所写数字",
        "“数值”列为基本单位（元、人、人次",
        "没有计算任何合计或比率",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_notes_list_every_sheet_and_how_to_import_the_edited_ones(dataset, lang):
    """Every sheet is listed with what it holds; 全部数据 and 来源 are the ones to edit, and the notes say how:
    edit → `uniondash import-xlsx … --dry-run` → `uniondash import-xlsx …`, then what each column holds."""
    from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCES_SHEET

    workbook, _ = built(dataset, Filters(lang=lang))
    notes = workbook.worksheets[0]
    keys = [str(cell.value) for cell in notes["A"] if cell.value]
    heading = "工作表" if lang == "zh" else "Sheets"
    listed = keys[keys.index(heading) + 1 :]
    assert listed[: len(workbook.sheetnames)] == workbook.sheetnames
    rows = {str(row[0].value): str(row[1].value) for row in notes.iter_rows() if row[0].value and row[1].value}
    for sheet in (DATA_SHEET[lang], SOURCES_SHEET[lang]):
        assert rows[sheet].startswith("可编辑，供导入" if lang == "zh" else "Edit for import")
    text = notes_text(workbook, notes.title)
    check, write = text.index("import-xlsx"), text.rindex("import-xlsx")
    assert check < text.index("--dry-run") < write and "--remove-missing" in text[write:]
    assert set(FACT_COLUMNS) <= set(keys)


def test_notices_are_written_into_the_notes(dataset):
    notice = Notice("年份参数“abc”无效，已显示全部年份。", "Years 'abc' not understood: showing all years.")
    workbook, _ = built(dataset, Filters(), (notice,))
    assert "参数提示" in notes_text(workbook) and notice.zh in notes_text(workbook)
    workbook_en, _ = built(dataset, Filters(lang="en"), (notice,))
    assert notice.en in notes_text(workbook_en, "Notes")


# ---------------------------------------------------------------------------------------------------
# Filters


def test_programme_filter(dataset):
    workbook, data = built(dataset, Filters(programmes=("winter-warmth", "model-workers")))
    assert workbook.sheetnames == [
        "说明",
        "汇总",
        "职工帮扶",
        "树模铸匠",
        "荣誉",
        "图表",
        "图表数据",
        "全部数据",
        "来源",
    ]
    assert list(frame(data, "职工帮扶")["ID"]) == ["aid-winter-funds", "aid-winter-people"]
    assert set(frame(data, "汇总")["ID"]) == {
        "aid-winter-funds",
        "aid-winter-people",
        "models-model-workers-national",
        "models-model-workers-provincial",
        "models-model-workers-municipal",
    }
    assert list(frame(data, "荣誉")["荣誉类型"]) == ["劳动模范"]
    assert "项目 | 冬送温暖、劳动模范" in notes_text(workbook)


def test_section_filter_in_english(dataset):
    workbook, data = built(dataset, Filters(sections=("relations",), lang="en"))
    assert workbook.sheetnames == [
        "Notes",
        "Summary",
        "Harmonious labour relations",
        "Honours",
        "Charts",
        "Chart data",
        "All figures",
        "Sources",
    ]
    sheet = frame(data, "Harmonious labour relations")
    facts = filter_facts(dataset.facts, Filters(sections=("relations",)))
    assert list(sheet["ID"]) == expected_section_order(facts)
    row = sheet.set_index("ID").loc["relations-bargaining-rate"]
    assert (row["Value"], row["Unit"], row["As shown"]) == (93, "%", "93% or more")
    assert (row["As written in the report"], row["Qualifier"]) == ("93%以上", "以上 (or more)")
    assert row["Figure"] == "Collective wage bargaining coverage, unionised firms with 100+ staff"
    # The section's charts with a comparison: coverage rates and disputes.
    drawn = {chart_id_of(workbook, chart) for chart in charts(workbook)}
    assert drawn == {spec.chart_id for spec in comparisons_and_cards(dataset, Filters(sections=("relations",)))[0]}


def test_years_filter_keeps_figures_whose_whole_period_is_chosen(dataset):
    workbook, data = built(dataset, Filters(years=frozenset({2023})))
    facts = filter_facts(dataset.facts, Filters(years=frozenset({2023})))
    rows = pd.concat([frame(data, name) for name in workbook.sheetnames[2:-5]])
    assert sorted(rows["ID"]) == sorted(facts["id"])
    assert set(rows["起始年"]) == {2023} and set(rows["截止年"]) == {2023}


def test_synthetic_year_2024(multi_year_dataset):
    filters = Filters(years=frozenset({2024}))
    workbook, data = built(multi_year_dataset, filters)
    facts = filter_facts(multi_year_dataset.facts, filters)
    assert workbook.sheetnames == [
        "说明",
        "汇总",
        "职工帮扶",
        "树模铸匠",
        "荣誉",
        "图表",
        "图表数据",
        "全部数据",
        "来源",
    ]
    aid = frame(data, "职工帮扶")
    assert list(aid["ID"]) == list(facts.loc[facts["section_id"] == "aid", "id"])
    assert aid.set_index("ID").loc["aid-winter-funds-2024", "数值"] == 61_000_000
    assert aid.set_index("ID").loc["aid-winter-funds-2024", "来源"] == "合成测试数据"
    honours = frame(data, "荣誉")
    assert list(honours["荣誉类型"]) == ["劳动模范"] and list(honours["市级"]) == [35]
    drawn = [chart_id_of(workbook, chart) for chart in charts(workbook)]
    assert drawn == [spec.chart_id for spec in comparisons_and_cards(multi_year_dataset, filters)[0]]
    assert "合成测试数据" in notes_text(workbook) and SOURCE_ZH not in notes_text(workbook)


# ---------------------------------------------------------------------------------------------------
# English, sheet names, empty selection, filename


def test_english_sheet_names_and_labels(full_en, dataset):
    workbook, data = full_en
    assert workbook.sheetnames == [
        "Notes",
        "Summary",
        *dataset.sections["label_en"],
        "Honours",
        "Charts",
        "Chart data",
        "All figures",
        "Sources",
    ]
    for name in workbook.sheetnames:
        assert len(name) <= 31 and not FORBIDDEN & set(name)
    assert len({name.casefold() for name in workbook.sheetnames}) == len(workbook.sheetnames)
    summary = frame(data, "Summary").set_index("ID")
    assert summary.loc["aid-summer-goods", "As shown"] == "over 26 million yuan"
    assert summary.loc["aid-summer-goods", "As written in the report"] == "2600余万元"
    assert summary.loc["aid-summer-goods", "Source"] == SOURCE_EN
    honours = frame(data, "Honours").set_index("Honour")
    assert list(honours.loc["Model workers", ["National", "Provincial", "Municipal"]]) == [7, 37, 161]
    titles = {chart_title(chart) for chart in charts(workbook)}
    # The heading's unit is the axis's: the funds are plotted in millions of yuan.
    assert "Aid funds and goods by programme\nUnit: million yuan · 2019–2023 total" in titles
    assert "People helped by programme (person-times)\nUnit: thousand person-times · 2019–2023 total" in titles
    text = notes_text(workbook, "Notes")
    assert SOURCE_EN in text and "He Chunlin, Yin Zhiyi, He Xing" in text and "Years | all years" in text


@pytest.mark.parametrize(
    ("label", "taken", "expected"),
    [
        ("职工帮扶", [], "职工帮扶"),
        ("Costs [2023]: a/b\\c?*", [], "Costs _2023__ a_b_c__"),
        ("'quoted'", [], "quoted"),
        ("x" * 40, [], "x" * 31),
        ("Summary", ["summary"], "Summary (2)"),
        ("y" * 40, ["y" * 31], "y" * 27 + " (2)"),
        ("  ", [], "Sheet"),
    ],
)
def test_sheet_names_are_valid_and_unique(label, taken, expected):
    name = sheet_name(label, taken)
    assert name == expected
    assert len(name) <= 31 and not FORBIDDEN & set(name)


def test_empty_selection_is_a_valid_workbook_that_says_so(dataset, tmp_path):
    filters = Filters(years=frozenset({2021}))
    assert filter_facts(dataset.facts, filters).empty
    path, _ = write_workbook(dataset, filters, tmp_path / "empty.xlsx", generated_at=GENERATED)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["说明", "汇总", "荣誉", "图表", "图表数据", "全部数据", "来源"]
    text = notes_text(workbook)
    assert "注意 | 所选范围内没有数据" in text and "年份 | 2021" in text and "0 — 所选范围内没有数据" in text
    assert SOURCE_ZH in text  # the source is still named
    assert workbook["汇总"]["A2"].value.startswith("所选范围内没有数据")
    assert workbook["荣誉"]["A2"].value == "所选范围内没有分级别的荣誉数字。"
    assert charts(workbook) == []
    assert pd.read_excel(path, sheet_name=None).keys() == set(workbook.sheetnames)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_empty_selection_all_figures_sheet_is_as_wide_as_its_headers(dataset, lang):
    """No rows: the 全部数据 columns fit their headers (one header row prints on two landscape pages, not
    five), the header values stay the import's column ids, and the template keeps its set widths for typing."""
    from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, template_workbook

    workbook, _ = built(dataset, Filters(years=frozenset({2021}), lang=lang))
    ws = workbook[DATA_SHEET[lang]]
    headers = [cell.value for cell in ws[1]]
    assert headers[: len(FACT_COLUMNS)] == list(FACT_COLUMNS) and ws.max_row == 1
    widths = [ws.column_dimensions[cell.column_letter].width for cell in ws[1]]
    printed = widths[: len(FACT_COLUMNS)]  # the reading columns are left out of the print area
    assert sum(printed) <= 2 * PAGE_WIDTH_UNITS["landscape"] / 0.8  # two landscape pages at the 80 % floor
    for cell, width in zip(ws[1], widths, strict=True):
        if cell.value:
            longest = max(display_width(part) for part in re.split(r" (?=\()|(?=（)", cell.value))
            assert longest < width <= longest * 1.1 + 2, (cell.value, width)  # bold letters are wider
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    template, _ = reopen(template_workbook(dataset, lang))
    quote = template[DATA_SHEET[lang]].cell(row=1, column=FACT_COLUMNS.index("source_quote") + 1)
    assert template[DATA_SHEET[lang]].column_dimensions[quote.column_letter].width == 50


@pytest.mark.parametrize(
    ("filters", "name"),
    [
        (Filters(), "uniondash-summary-all-years-zh.xlsx"),
        (Filters(years=frozenset(range(2019, 2024)), lang="en"), "uniondash-summary-2019-2023-en.xlsx"),
        (
            Filters(years=frozenset({2019, 2020, 2023}), sections=("aid",)),
            "uniondash-summary-aid-2019-2020_2023-zh.xlsx",
        ),
        (
            Filters(programmes=("spring-jobs", "summer-cool", "golden-autumn")),
            "uniondash-summary-spring-jobs-summer-cool-and-1-more-all-years-zh.xlsx",
        ),
    ],
)
def test_export_filename(filters, name):
    assert export_filename(filters) == name
    assert re.fullmatch(r"[a-z0-9_.-]+", name)


# ---------------------------------------------------------------------------------------------------
# Formula injection


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://example.com","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "#N/A"],
)
def test_text_that_looks_like_a_formula_stays_text(text):
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    put(ws["A1"], text)
    assert ws["A1"].data_type == "s"
    reopened, _ = reopen(workbook)
    cell = reopened.active["A1"]  # type: ignore[index]
    assert cell.data_type == "s" and cell.value == text
    assert cell.quotePrefix == (text[0] in "=+-@\t\r")


def test_formula_like_data_is_neutralised_in_the_workbook(data_copy: Path):
    hyperlink = '=HYPERLINK("http://example.com/x","点我")'
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "label_zh", hyperlink)
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "note_zh", "+cmd|' /C calc'!A0")
    # The quote must still contain the figure as written (schema check), so the formula goes in front.
    set_cell(data_copy / "facts.csv", "aid-winter-people", "source_quote", "=1+2 帮扶救助困难职工（农民工）48.3万人次")
    set_cell(data_copy / "programmes.csv", "winter-warmth", "label_zh", "@SUM(1+1)")
    set_cell(data_copy / "sections.csv", "aid", "label_zh", "-职工帮扶")
    dataset = load_dataset(data_copy)
    workbook, data = built(dataset, Filters())
    formulas = [
        cell.coordinate for ws in workbook.worksheets for row in ws.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == []
    assert "-职工帮扶" in workbook.sheetnames
    texts = {
        str(cell.value): cell
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@"
    }
    for dangerous in (hyperlink, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-职工帮扶"):
        assert dangerous in texts, dangerous
        assert texts[dangerous].data_type == "s" and texts[dangerous].quotePrefix
    assert any(value.startswith("=1+2 帮扶救助") for value in texts)
    # pandas sees the text, not a computed value.
    aid = frame(data, "-职工帮扶").set_index("ID")
    assert aid.loc["aid-winter-funds", "指标"] == hyperlink
    assert aid.loc["aid-winter-funds", "项目"] == "@SUM(1+1)"
    with zipfile.ZipFile(BytesIO(data)) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in package.read(name) for name in sheets)  # no formula cell at all


def test_write_workbook_needs_an_existing_folder(dataset, tmp_path):
    with pytest.raises(UniondashError, match="does not exist"):
        write_workbook(dataset, Filters(), tmp_path / "missing" / "x.xlsx")
