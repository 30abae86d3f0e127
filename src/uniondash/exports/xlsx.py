"""The Excel workbook for analysts: notes, summary, one sheet per section, honours pivot, native charts.

`build_workbook(dataset, filters)` returns an openpyxl `Workbook`; `workbook_bytes` serialises it and
`write_workbook` saves it. Pure: no Flask, no Dash. Every number written is a `value` of one row of
facts, in base units (元, 人, 人次 …), beside the report's own text (`display_value`), so analysts can
compute with the numbers without losing the qualifiers (余, 多, 以上, 接近).

Text from the data is always stored as text: openpyxl would store a string starting with "=" as a
formula, and Excel re-parses text starting with = + - @ when a cell is edited, so such cells are forced
to the string type and get Excel's quotePrefix style.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from io import BytesIO
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from uniondash.chartspec import ChartSpec, chart_specs
from uniondash.errors import UniondashError
from uniondash.exports.xlsx_data import (
    DATA_SHEET,
    ROW_LINE_PT,
    add_data_sheets,
    display_width,
    fit_columns_to_headers,
    wrapped_lines,
)
from uniondash.format import QUALIFIERS_EN, display_value, join_labels, period_label, years_list
from uniondash.model import Dataset, Filters, Lang, filter_facts, headline_facts
from uniondash.query import Notice, format_years, to_query_string

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel runs (or, once the cell is edited, re-parses) text starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans({char: "_" for char in "[]:*?/\\"})
MAX_COLUMN_WIDTH = 30
QUOTE_COLUMN_WIDTH = 28
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# A face named on every cell (an unnamed one is Calibri, which LibreOffice replaces by a serif and a
# Japanese CJK face). Microsoft YaHei ships with Windows and Office for Mac, so Excel and WPS draw it as
# named; LibreOffice on Debian falls back to Noto Sans CJK SC (fonts-noto-cjk) for its Chinese. English:
# Arial (Liberation Sans or DejaVu Sans on Linux); its Chinese quotes fall through to the system's CJK face.
FONT_NAMES: dict[Lang, str] = {"zh": "Microsoft YaHei", "en": "Arial"}
# 10 pt text, never printed below 8 pt: a sheet too wide for the page at 80 % runs onto more pages.
FONT_SIZE_PT = 10
MIN_PRINT_SCALE = 80
# Printable width of A4 in column-width units (characters of the 10 pt default face) at 100 %:
# 297 mm (landscape) or 210 mm (portrait) less 2 × 12.7 mm margins, about 1.8 mm a unit (measured in Calc).
PAGE_WIDTH_UNITS = {"landscape": 150, "portrait": 100}
SHANGHAI_NAME = "Asia/Shanghai"
# The alignments `_style` gives cells (top-aligned, so wrapped rows read from their first line).
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
# A header stands over its column's values: right over numbers, centred over centred years.
HEADER_ALIGNMENTS = {
    "header": HEADER_ALIGNMENT,
    "header_right": Alignment(vertical="center", horizontal="right", wrap_text=True),
    "header_centred": Alignment(vertical="center", horizontal="center", wrap_text=True),
}
TOP = Alignment(vertical="top")
TOP_WRAPPED = Alignment(vertical="top", wrap_text=True)
TOP_CENTRED = Alignment(vertical="top", horizontal="center")
# Per workbook: (style kind, cell's style indices) -> the indices after styling. See `_style`.
_STYLE_CACHE: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], StyleArray]] = weakref.WeakKeyDictionary()
LINE_HEIGHT_PT = ROW_LINE_PT
NOTES_VALUE_WIDTH = 80
ROWS_PER_CM = 1 / 0.53  # a default Excel row (15 pt) is about 0.53 cm tall

TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "notes": "说明",
        "summary": "汇总",
        "honours": "荣誉",
        "charts": "图表",
        "chart_data": "图表数据",
        "title": "株洲市总工会五年工作成就（2019–2023）· 数据导出",
        "attention": "注意",
        "empty": "所选范围内没有数据：没有哪一项数字的统计时期完全落在所选年份之内，或所选板块、项目中没有数字。请放宽筛选条件。",
        "source_doc": "来源文件",
        "doc_title": "标题",
        "publication": "刊物",
        "published": "日期",
        "page": "版面",
        "page_value": "第{page}版",
        "authors": "作者",
        "citation": "引用",
        "filters": "筛选条件",
        "years": "年份",
        "sections": "板块",
        "programmes": "项目",
        "language": "语言",
        "language_value": "中文",
        "query": "网址参数",
        "query_none": "（无：全部数据）",
        "all_years": "全部年份",
        "all": "全部",
        "notices": "参数提示",
        "generated": "生成时间",
        "generated_value": "{time}（北京时间，UTC+8，{zone}）",
        "row_count": "数据行数",
        "row_count_value": "{rows} 条数字，来自 {sections} 个板块、{programmes} 个项目；其中主要数字 {headlines} 条。",
        "how_to_read": "如何阅读",
        "periods": "时期",
        "periods_text": "“五年来”指 2019–2023 年。每条数字都有起止年份（起始年、截止年）；不同时期的数字不能相加，也不宜并列比较。按年份筛选时，只保留统计时期完全落在所选年份内的数字。",
        "qualifiers": "限定词",
        "qualifiers_text": "余、多、以上、超、超过、逾、不少于：实际数字高于或等于所写数字；接近、近、约：实际数字约为所写数字。“数值”列是所写的数字本身（不含限定词），请勿当作精确值。",
        "units": "单位",
        "units_text": "“数值”列为基本单位（元、人、人次、个……），可直接计算，例如 2600余万元 记为 26,000,000（元）。比率按百分数存放：93 表示 93%。“原文写法”列保留报告原文。人与人次不同，不能相加；金额与人数不能相加。",
        "kinds": "类型",
        "kinds_text": "“全市汇总”与个人或单位的故事、单项活动分开列出（每个板块表中先列全市汇总），不能相加。",
        "computed": "计算值",
        "computed_text": "本工作簿中的每个数字都来自报告原文，没有计算任何合计或比率。荣誉表不设跨级别或跨类型的合计：同一人可能获得多个级别的荣誉，不同荣誉不能相加。",
        "sheets": "工作表",
        "sheet_notes": "本页：来源、筛选条件与阅读说明。",
        "sheet_summary": "主要数字（按板块）：原文写法、数值（基本单位）、单位、限定词、时期。",
        "sheet_section": "本板块的全部数字，每行一条（整洁数据）。",
        "sheet_honours": "各级荣誉：行为荣誉类型，列为全国、省级、市级（均为报告原数）。",
        "sheet_charts": "原生 Excel 图表，每张图的数据在“{data}”表。",
        "sheet_chart_data": "图表所用的数据表。",
        "no_headlines": "所选范围内没有主要数字。",
        "no_honours": "所选范围内没有分级别的荣誉数字。",
        "no_charts": "所选范围内没有可绘制的图表数据。",
        "charts_heading": "图表（数据见“{data}”表）",
        "source": "来源",
        "unit_label": "单位：{unit}",
        "mixed_units": "个数",
        # column headers
        "id": "ID",
        "section": "板块",
        "programme": "项目",
        "figure": "指标",
        "metric": "指标类别",
        "value": "数值",
        "unit": "单位",
        "shown": "原文写法",
        "as_written": "报告原文写法",
        "qualifier": "限定词",
        "period": "时期",
        "period_start": "起始年",
        "period_end": "截止年",
        "scope": "范围",
        "level": "级别",
        "kind": "类型",
        "part_of": "属于（其中项）",
        "source_quote": "原文摘录",
        "note": "备注",
        "honour": "荣誉类型",
        "chart_label": "图表标签",
        "fact_ids": "数字 ID",
        "sep": "；",
        "colon": "：",
        # charts
        "aid_funds": "职工帮扶资金（按项目）",
        "aid_people": "职工帮扶人数（按项目）",
        "aid_person_times": "职工帮扶人次（按项目）",
        "honours_by_level": "各级荣誉（按级别）",
        "title_sep": "｜",
    },
    "en": {
        "notes": "Notes",
        "summary": "Summary",
        "honours": "Honours",
        "charts": "Charts",
        "chart_data": "Chart data",
        "title": "Zhuzhou city trade union: five years of work (2019–2023) · data export",
        "attention": "Attention",
        "empty": "No figure fits the selection: no figure's reporting period lies wholly within the chosen years, or the chosen sections or programmes hold no figure. Widen the filters.",
        "source_doc": "Source document",
        "doc_title": "Title",
        "publication": "Publication",
        "published": "Date",
        "page": "Page",
        "page_value": "page {page}",
        "authors": "Authors",
        "citation": "Citation",
        "filters": "Filters",
        "years": "Years",
        "sections": "Sections",
        "programmes": "Programmes",
        "language": "Language",
        "language_value": "English",
        "query": "URL parameters",
        "query_none": "(none: all data)",
        "all_years": "all years",
        "all": "all",
        "notices": "Parameter notices",
        "generated": "Generated",
        "generated_value": "{time} (China Standard Time, UTC+8, {zone})",
        "row_count": "Rows of data",
        "row_count_value": "{rows} figures from {sections} sections and {programmes} programmes; {headlines} of them headline figures.",
        "how_to_read": "How to read",
        "periods": "Periods",
        "periods_text": "“In the past five years” (五年来) means 2019–2023. Every figure has its first and last year; figures of different periods must not be added and are best not compared side by side. A year filter keeps the figures whose whole period lies within the chosen years.",
        "qualifiers": "Qualifiers",
        "qualifiers_text": "余, 多, 以上, 超, 超过, 逾, 不少于 (over, or at least): the true figure is above the written one (or equal to it); 接近, 近, 约 (nearly, about): the true figure is about the written one. The Value column holds the written number itself (without the qualifier): do not treat it as exact.",
        "units": "Units",
        "units_text": "The Value column is in base units (yuan, people, person-times, …) so it can be computed with: 2600余万元 is stored as 26,000,000 (yuan). Rates are stored as percentages: 93 means 93%. “As written in the report” keeps the report's Chinese text. People (人) and person-times (人次) differ and must not be added; nor money and people.",
        "kinds": "Kinds",
        "kinds_text": "City-wide totals are kept apart from individual stories and single events (each section sheet lists the city-wide totals first); they must not be added.",
        "computed": "Computed figures",
        "computed_text": "Every number in this workbook comes from the report; no total or ratio was computed. The Honours sheet has no totals across levels or types: one person can hold honours at several levels, and different honours cannot be added.",
        "sheets": "Sheets",
        "sheet_notes": "This sheet: source, filters and how to read.",
        "sheet_summary": "Headline figures by section: as shown, value in base units, unit, qualifier, period.",
        "sheet_section": "Every figure of this section, one per row (tidy data).",
        "sheet_honours": "Honours by type (rows) and level (national, provincial, city), as the report states them.",
        "sheet_charts": "Native Excel charts; their data is on the “{data}” sheet.",
        "sheet_chart_data": "The tables the charts draw.",
        "no_headlines": "No headline figure fits the selection.",
        "no_honours": "No honours by level fit the selection.",
        "no_charts": "No chart data fits the selection.",
        "charts_heading": "Charts (data on the “{data}” sheet)",
        "source": "Source",
        "unit_label": "unit: {unit}",
        "mixed_units": "count",
        "id": "ID",
        "section": "Section",
        "programme": "Programme",
        "figure": "Figure",
        "metric": "Metric",
        "value": "Value",
        "unit": "Unit",
        "shown": "As shown",
        "as_written": "As written in the report",
        "qualifier": "Qualifier",
        "period": "Period",
        "period_start": "First year",
        "period_end": "Last year",
        "scope": "Scope",
        "level": "Level",
        "kind": "Kind",
        "part_of": "Part of (id)",
        "source_quote": "Source quote (Chinese)",
        "note": "Note",
        "honour": "Honour",
        "chart_label": "Chart label",
        "fact_ids": "Figure ids",
        "sep": "; ",
        "colon": ": ",
        "aid_funds": "Aid funds by programme",
        "aid_people": "People helped by programme",
        "aid_person_times": "People helped by programme",
        "honours_by_level": "Honours by level",
        "title_sep": " | ",
    },
}


class Number(NamedTuple):
    """A number cell: the value in base units and the Excel number format to show it with."""

    value: float
    number_format: str


CellValue = str | Number | None
# Facts as a frame, or as its records (`build_workbook` converts once and passes records on).
Facts = pd.DataFrame | Sequence[dict[str, Any]]


@dataclass
class Table:
    """Rows to write under one header row; `wrap` and `widths` name columns by header."""

    headers: list[str]
    rows: list[list[CellValue]]
    wrap: frozenset[str] = frozenset()
    widths: dict[str, int] = field(default_factory=dict)
    centred: frozenset[str] = frozenset()
    # Columns of numbers (right-aligned, header too), also when the selection leaves them empty.
    numbers: frozenset[str] = frozenset()


# ---------------------------------------------------------------------------------------------------
# Plain values: numbers, text, sheet names.


def number_format(value: float, measure_id: str) -> str:
    """'#,##0' for whole numbers, '#,##0.00' otherwise; rates (stored as 93 for 93%) with a literal %."""
    if measure_id == "rate":
        decimals = 0 if float(value).is_integer() else max(1, min(len(repr(float(value)).partition(".")[2]), 3))
        return ("0." + "0" * decimals if decimals else "0") + '"%"'
    return "#,##0" if float(value).is_integer() else "#,##0.00"


def number(value: Any, measure_id: str) -> Number:
    """A fact's value as a number cell, formatted for its measure."""
    return Number(float(value), number_format(float(value), measure_id))


def sheet_name(label: str, taken: Iterable[str]) -> str:
    """A valid, unique Excel sheet name from a label: ≤31 characters, none of []:*?/\\, not quoted at the ends."""
    name = ILLEGAL_CHARACTERS_RE.sub("", label).translate(SHEET_NAME_FORBIDDEN).strip().strip("'").strip()
    name = name[:SHEET_NAME_MAX].strip() or "Sheet"
    used = {existing.casefold() for existing in taken}  # Excel compares sheet names without case
    candidate, counter = name, 2
    while candidate.casefold() in used:
        suffix = f" ({counter})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        counter += 1
    return candidate


def put(cell: Cell, value: CellValue) -> None:
    """Write a value: numbers with their format; text always as text, never as a formula."""
    if value is None:
        return
    if isinstance(value, Number):
        cell.value = int(value.value) if value.value.is_integer() else value.value
        cell.number_format = value.number_format
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text
    # openpyxl stores "=…" as a formula and "#N/A" as an error; data text is neither.
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


# ---------------------------------------------------------------------------------------------------
# Tables: plain functions from frames to rows.


def _qualifier(qualifier: str, lang: Lang) -> str:
    if not qualifier or lang == "zh":
        return qualifier
    meaning = QUALIFIERS_EN.get(qualifier, "{}").replace("{}", "").strip()
    return f"{qualifier} ({meaning})" if meaning else qualifier


def _records(facts: Facts) -> list[dict[str, Any]]:
    """Rows as plain dicts (much faster than `iterrows`); a list of records is passed through as it is."""
    if isinstance(facts, pd.DataFrame):
        # Column by column: `to_dict("records")` boxes each cell of pandas' string columns, several times slower.
        columns = [str(column) for column in facts.columns]
        values = [facts[column].tolist() for column in facts.columns]
        return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
    return [dict(fact) for fact in facts] if not isinstance(facts, list) else facts


def _unit(fact: Mapping[str, Any] | pd.Series, lang: Lang) -> str:
    return str(fact[f"unit_{lang}"])


@functools.lru_cache(maxsize=8)
def _labels(dataset: Dataset, lang: Lang) -> dict[str, dict[str, str]]:
    """id → label of every dimension table, looked up once per dataset (a workbook needs thousands)."""
    tables = ("sections", "programmes", "metrics", "measures", "levels", "kinds", "scopes")
    return {
        table: dict(zip(getattr(dataset, table)["id"], getattr(dataset, table)[f"label_{lang}"], strict=True))
        for table in tables
    }


def _label(dataset: Dataset, table: str, item_id: str, lang: Lang) -> str:
    return _labels(dataset, lang)[table].get(item_id, item_id)


@functools.lru_cache(maxsize=16)
def _citations(dataset: Dataset, lang: Lang) -> dict[str, str]:
    return {str(k): str(v) for k, v in dataset.sources.set_index("id")[f"citation_{lang}"].items()}


def section_table(dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> Table:
    """One section's tidy rows, city-wide totals first (the report's order within each kind)."""
    return _section_table(dataset, _records(facts), lang)


def _section_table(dataset: Dataset, records: Sequence[Mapping[str, Any]], lang: Lang) -> Table:
    text = TEXT[lang]
    ordered = [r for r in records if r["kind"] == "aggregate"] + [r for r in records if r["kind"] != "aggregate"]
    citations = _citations(dataset, lang)
    headers = [
        text["id"],
        text["programme"],
        text["figure"],
        text["metric"],
        text["value"],
        text["unit"],
        text["shown"],
        *([text["as_written"]] if lang == "en" else []),
        text["qualifier"],
        text["period_start"],
        text["period_end"],
        text["scope"],
        text["level"],
        text["kind"],
        text["part_of"],
        text["source"],
        text["source_quote"],
        text["note"],
    ]
    rows: list[list[CellValue]] = []
    for fact in ordered:
        level = str(fact["level_id"])
        rows.append(
            [
                str(fact["id"]),
                _label(dataset, "programmes", str(fact["programme_id"]), lang),
                str(fact[f"label_{lang}"]),
                _label(dataset, "metrics", str(fact["metric_id"]), lang),
                number(fact["value"], str(fact["measure_id"])),
                _unit(fact, lang),
                display_value(fact, lang),
                *([str(fact["as_written"])] if lang == "en" else []),
                _qualifier(str(fact["qualifier"]), lang),
                Number(float(fact["period_start"]), "0"),
                Number(float(fact["period_end"]), "0"),
                _label(dataset, "scopes", str(fact["scope_id"]), lang),
                _label(dataset, "levels", level, lang) if level else "",
                _label(dataset, "kinds", str(fact["kind"]), lang),
                str(fact["part_of"]),
                citations.get(str(fact["source_id"]), str(fact["source_id"])),
                str(fact["source_quote"]),
                _note(fact, lang),
            ]
        )
    # Set widths, so the sheet prints the same whatever the selection: text wraps inside them.
    zh = lang == "zh"
    widths = {
        text["id"]: 16 if zh else 14,
        text["programme"]: 10 if zh else 11,
        text["figure"]: 16,
        text["metric"]: 10,
        text["value"]: 12,
        text["unit"]: 5 if zh else 8,
        text["shown"]: 10 if zh else 11,
        text["as_written"]: 9,
        text["qualifier"]: 5 if zh else 8,
        text["period_start"]: 5,
        text["period_end"]: 5,
        text["scope"]: 6 if zh else 8,
        text["level"]: 5 if zh else 7,
        text["kind"]: 6 if zh else 8,
        text["part_of"]: 10 if zh else 9,
        text["source"]: 10 if zh else 9,
        text["source_quote"]: 18 if zh else 12,
        text["note"]: 14 if zh else 15,
    }
    wrap = frozenset(set(widths) - {text["value"], text["period_start"], text["period_end"]})
    return Table(
        headers, rows, wrap, widths, frozenset({text["period_start"], text["period_end"]}), frozenset({text["value"]})
    )


def _note(fact: Mapping[str, Any], lang: Lang) -> str:
    """The note in the workbook's language (facts.csv: `note` in English, `note_zh` in Chinese)."""
    if lang == "zh":
        return str(fact.get("note_zh") or "")
    return str(fact.get("note") or "")


def summary_table(dataset: Dataset, filters: Filters) -> Table:
    """The headline figures the filters keep, grouped by section (sections.csv order), headline order within."""
    lang = filters.lang
    text = TEXT[lang]
    headlines = headline_facts(dataset, filters)
    order = {section: position for position, section in enumerate(dataset.sections["id"])}
    headlines = headlines.assign(_section_order=headlines["section_id"].map(order)).sort_values(
        "_section_order", kind="stable"
    )
    citations = _citations(dataset, lang)
    headers = [
        text["section"],
        text["figure"],
        text["shown"],
        *([text["as_written"]] if lang == "en" else []),
        text["value"],
        text["unit"],
        text["qualifier"],
        text["period"],
        text["source"],
        text["id"],
    ]
    rows: list[list[CellValue]] = [
        [
            _label(dataset, "sections", str(fact["section_id"]), lang),
            str(fact[f"label_{lang}"]),
            display_value(fact, lang),
            *([str(fact["as_written"])] if lang == "en" else []),
            number(fact["value"], str(fact["measure_id"])),
            _unit(fact, lang),
            _qualifier(str(fact["qualifier"]), lang),
            period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
            citations.get(str(fact["source_id"]), str(fact["source_id"])),
            str(fact["id"]),
        ]
        for fact in _records(headlines)
    ]
    widths = {
        text["section"]: 10 if lang == "zh" else 14,
        text["figure"]: 22,
        text["shown"]: 12 if lang == "zh" else 16,
        text["as_written"]: 12,
        text["value"]: 14,
        text["unit"]: 6 if lang == "zh" else 10,
        text["qualifier"]: 6 if lang == "zh" else 12,
        text["period"]: 16,
        text["source"]: 16,
        text["id"]: 22,
    }
    wrap = frozenset(set(widths) - {text["value"]})
    return Table(headers, rows, wrap, widths, numbers=frozenset({text["value"]}))


def honours_pivot(dataset: Dataset, facts: Facts, lang: Lang) -> pd.DataFrame:
    """Honours by type (rows) and level (one column per level id), from city-wide facts with a level.

    One row per metric and period. Where one metric has several facts at the same level and period
    (e.g. three kinds of provincial union honours), each fact gets a row of its own, labelled with the
    fact's label: cells are never summed, so every number is one fact's value.
    Columns: label, metric_id, measure_id, unit, period_start, period_end, <level ids…>, as_written, fact_ids.
    """
    levels = list(dataset.levels["id"])
    columns = ["label", "metric_id", "measure_id", "unit", "period_start", "period_end", *levels]
    honours = [fact for fact in _records(facts) if fact["kind"] == "aggregate" and fact["level_id"]]
    if not honours:
        return pd.DataFrame(columns=[*columns, "as_written", "fact_ids"])
    sizes = Counter((f["metric_id"], f["period_start"], f["period_end"], f["level_id"]) for f in honours)
    crowded = {key[:3] for key, size in sizes.items() if size > 1}
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    text = TEXT[lang]
    for fact in honours:
        key3 = (fact["metric_id"], fact["period_start"], fact["period_end"])
        split = key3 in crowded
        row = rows.setdefault(
            (*key3, fact["id"] if split else ""),
            {
                "label": str(fact[f"label_{lang}"])
                if split
                else _label(dataset, "metrics", str(fact["metric_id"]), lang),
                "metric_id": fact["metric_id"],
                "measure_id": fact["measure_id"],
                "unit": _unit(fact, lang),
                "period_start": int(fact["period_start"]),
                "period_end": int(fact["period_end"]),
                **dict.fromkeys(levels),
                "as_written": "",
                "fact_ids": "",
            },
        )
        row[str(fact["level_id"])] = float(fact["value"])
        written = f"{fact[f'label_{lang}']}{text['colon']}{display_value(fact, lang)}"
        row["as_written"] = f"{row['as_written']}{text['sep']}{written}" if row["as_written"] else written
        row["fact_ids"] = f"{row['fact_ids']}, {fact['id']}" if row["fact_ids"] else str(fact["id"])
    # Periods oldest first; within a period the report's order (sorted is stable).
    ordered = sorted(rows.values(), key=lambda row: (row["period_start"], row["period_end"]))
    return pd.DataFrame(ordered, columns=[*columns, "as_written", "fact_ids"])


def honours_table(dataset: Dataset, pivot: pd.DataFrame, lang: Lang) -> Table:
    text = TEXT[lang]
    levels = list(dataset.levels["id"])
    headers = [
        text["honour"],
        text["unit"],
        text["period"],
        *(_label(dataset, "levels", level, lang) for level in levels),
        text["shown"],
        text["fact_ids"],
    ]
    rows: list[list[CellValue]] = []
    for row in _records(pivot):
        cells: list[CellValue] = [
            str(row["label"]),
            str(row["unit"]),
            period_label(int(row["period_start"]), int(row["period_end"]), lang),
        ]
        cells += [None if pd.isna(row[level]) else number(row[level], str(row["measure_id"])) for level in levels]
        cells += [str(row["as_written"]), str(row["fact_ids"])]
        rows.append(cells)
    wrap = frozenset({text["honour"], text["shown"], text["fact_ids"]})
    widths = {text["honour"]: 24, text["unit"]: 8, text["period"]: 16, text["shown"]: QUOTE_COLUMN_WIDTH}
    widths |= {_label(dataset, "levels", level, lang): 10 for level in levels}
    numbers = frozenset(_label(dataset, "levels", level, lang) for level in levels)
    return Table(headers, rows, wrap | {text["period"]}, widths | {text["fact_ids"]: 24}, numbers=numbers)


def _source_of(dataset: Dataset, source_ids: Iterable[str], lang: Lang) -> str:
    """The citations of the sources named, in order of first use."""
    citations = _citations(dataset, lang)
    ids = dict.fromkeys(str(source_id) for source_id in source_ids)
    return TEXT[lang]["sep"].join(citations.get(source_id, source_id) for source_id in ids)


# ---------------------------------------------------------------------------------------------------
# Writing sheets.


def body_font(workbook: Workbook | None = None, lang: Lang | None = None, **style: Any) -> Font:
    """The workbook's named face at 10 pt (or `size=`), with `bold=` etc.; the language is the workbook's own."""
    lang = lang or (workbook_lang(workbook) if workbook is not None else "zh")
    size = style.pop("size", FONT_SIZE_PT)
    return Font(name=FONT_NAMES[lang], size=size, family=2, **style)


_WORKBOOK_LANG: weakref.WeakKeyDictionary[Workbook, Lang] = weakref.WeakKeyDictionary()


def workbook_lang(workbook: Workbook) -> Lang:
    return _WORKBOOK_LANG.get(workbook, "zh")


def new_workbook(lang: Lang) -> Workbook:
    """An empty workbook whose default face (every cell without a style of its own) is the language's."""
    workbook = Workbook()
    _WORKBOOK_LANG[workbook] = lang
    font = body_font(lang=lang)
    workbook._fonts = IndexedList([font])  # font 0: the default of every cell and of the Normal style
    workbook._named_styles["Normal"].font = font
    return workbook


def name_every_font(workbook: Workbook) -> None:
    """Give every font of the workbook a face and a size: a sheet styled with a bare `Font(bold=True)`
    (no name: Calibri, which Calc replaces by a serif and a Japanese CJK face) gets the workbook's own.

    Cells refer to fonts by their index in the workbook's font table, so each unnamed entry is replaced
    in place by a named copy; nothing else moves.
    """
    face = FONT_NAMES[workbook_lang(workbook)]
    fonts = workbook._fonts
    for index, font in enumerate(list(fonts)):
        if not font.name or font.sz is None:
            named = copy(font)
            named.name = font.name or face
            named.sz = font.sz or FONT_SIZE_PT
            list.__setitem__(fonts, index, named)
            fonts.clean = False  # its look-up dict is rebuilt on the next use


def print_setup(
    ws: Worksheet,
    landscape: bool | None = None,
    title_rows: str | None = None,
    title_columns: str | None = None,
) -> None:
    """A4, never below 8 pt: one page wide when the columns fit at ≥ 80 %, else 80 % over more pages.

    `landscape=None` chooses: landscape when the columns are wider than a portrait page. `title_rows`
    ("1:1") repeat on every printed page, `title_columns` ("A:A") on pages that continue to the right.
    The print area is the used range, so an empty selection prints its headers and message, not a blank.
    """
    widths = [(ws.column_dimensions[get_column_letter(column)].width or 8.43) for column in range(1, ws.max_column + 1)]
    total = sum(widths)
    if landscape is None:
        landscape = total > PAGE_WIDTH_UNITS["portrait"]
    page = PAGE_WIDTH_UNITS["landscape" if landscape else "portrait"]
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if total * MIN_PRINT_SCALE / 100 <= page:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
        ws.page_setup.scale = MIN_PRINT_SCALE
        if title_columns:
            ws.print_title_cols = title_columns
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = f"A1:{get_column_letter(max(ws.max_column, 1))}{max(ws.max_row, 1)}"


def fit_to_page_width(ws: Worksheet, landscape: bool = True, title_row: int | None = None) -> None:
    """Kept for callers of the old name: `print_setup` with a repeated header row."""
    print_setup(ws, landscape, f"{title_row}:{title_row}" if title_row is not None else None)


def write_table(ws: Worksheet, table: Table, top: int = 1, freeze: bool = True, autofilter: bool = True) -> int:
    """Header row at `top`, rows below; returns the last row written. Sets widths, wrapping, freeze, filter."""
    widths: dict[int, float] = {}
    for index, header in enumerate(table.headers):
        letter = get_column_letter(index + 1)
        if header in table.widths:
            # A set width holds whatever the rows: the printed layout (and an empty selection's) stays put.
            wanted = table.widths[header]
        else:
            shown = [_shown_width(row[index]) for row in table.rows if index < len(row)]
            wanted = min(max([*shown, min(display_width(header), 12)]) + 2, MAX_COLUMN_WIDTH)
        # Several tables may share a sheet (chart data): a column is as wide as its widest table wants.
        existing = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 0
        widths[index] = max(existing or 0, wanted, 5)
        ws.column_dimensions[letter].width = widths[index]
    for column, header in enumerate(table.headers, start=1):
        cell = ws.cell(row=top, column=column)
        put(cell, header)
        _style(cell, _header_kind(table, column - 1))
    header_lines = max((wrapped_lines(header, widths[index]) for index, header in enumerate(table.headers)), default=1)
    if header_lines > 1:
        ws.row_dimensions[top].height = LINE_HEIGHT_PT * header_lines
    wrapped = {index for index, header in enumerate(table.headers) if header in table.wrap}
    centred = {index for index, header in enumerate(table.headers) if header in table.centred}
    for offset, values in enumerate(table.rows, start=1):
        lines = 1
        for index, value in enumerate(values):
            cell = ws.cell(row=top + offset, column=index + 1)
            put(cell, value)
            _style(cell, "wrapped" if index in wrapped else "centred" if index in centred else "top")
            if index in wrapped and value is not None:
                lines = max(lines, wrapped_lines(str(value), widths[index]))
        if lines > 1:
            # Neither LibreOffice nor Excel grows a row for wrapped text written by a program.
            ws.row_dimensions[top + offset].height = LINE_HEIGHT_PT * lines
    last = top + len(table.rows)
    if freeze:
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
        ws.print_title_rows = f"{top}:{top}"
    if autofilter and table.rows:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(table.headers))}{last}"
    return last


def _header_kind(table: Table, index: int) -> str:
    """'header_centred' over a centred column, 'header_right' over a column of numbers (Excel and Calc
    right-align numbers), else 'header' (left, as text is)."""
    if table.headers[index] in table.centred:
        return "header_centred"
    if table.headers[index] in table.numbers:
        return "header_right"
    values = [row[index] for row in table.rows if index < len(row) and row[index] is not None]
    return "header_right" if values and all(isinstance(value, Number) for value in values) else "header"


def _style(cell: Cell, kind: str) -> None:
    """Give `cell` the alignment (and, for headers, font and fill) of `kind`, keeping its number format.

    Assigning style objects makes openpyxl hash them against the workbook's style lists for every cell,
    most of a workbook's build time; a cell's `_style` (a small array of indices into those lists) is
    copied instead from the first cell styled the same way.
    """
    workbook = cell.parent.parent
    cache: dict[tuple[Any, ...], StyleArray] = _STYLE_CACHE.setdefault(workbook, {})
    key = (kind, *(cell._style or ()))
    styled = cache.get(key)
    if styled is not None:
        cell._style = copy(styled)
        return
    if kind in HEADER_ALIGNMENTS:
        cell.font, cell.fill, cell.alignment = body_font(workbook, bold=True), HEADER_FILL, HEADER_ALIGNMENTS[kind]
    else:
        cell.font = body_font(workbook)
        cell.alignment = {"wrapped": TOP_WRAPPED, "centred": TOP_CENTRED}.get(kind, TOP)
    cache[key] = copy(cell._style)


def _shown_width(value: CellValue) -> int:
    if value is None:
        return 0
    if isinstance(value, Number):
        return len(f"{value.value:,.2f}") if not value.value.is_integer() else len(f"{value.value:,.0f}") + 1
    return display_width(str(value))


def _write_lines(ws: Worksheet, lines: Sequence[tuple[str, str, bool]]) -> None:
    """Key/value lines for the notes sheet; a heading's text runs on over the empty value column."""
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = NOTES_VALUE_WIDTH
    for row, (key, value, heading) in enumerate(lines, start=1):
        key_cell = ws.cell(row=row, column=1)
        put(key_cell, key or None)
        key_cell.font = body_font(ws.parent, bold=True, size=13 if row == 1 else 12 if heading else FONT_SIZE_PT)
        key_cell.alignment = TOP if heading else TOP_WRAPPED
        value_cell = ws.cell(row=row, column=2)
        put(value_cell, value or None)
        value_cell.alignment = TOP_WRAPPED
        value_cell.font = body_font(ws.parent)
        if value and wrapped_lines(value, NOTES_VALUE_WIDTH) > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT_PT * wrapped_lines(value, NOTES_VALUE_WIDTH)


def shanghai() -> tzinfo:
    """Asia/Shanghai from the system's zone data; UTC+8 (China has no daylight saving) without it."""
    try:
        return ZoneInfo(SHANGHAI_NAME)
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=8), SHANGHAI_NAME)


def generated_label(generated_at: datetime, lang: Lang) -> str:
    """'2023-11-30 09:15（北京时间，UTC+8，Asia/Shanghai）': the time in Shanghai, zone stated, whatever the server's."""
    if generated_at.tzinfo is None:
        generated_at = generated_at.astimezone()  # a naive time is the machine's local time
    local = generated_at.astimezone(shanghai())
    return TEXT[lang]["generated_value"].format(time=local.strftime("%Y-%m-%d %H:%M"), zone=SHANGHAI_NAME)


def describe_filters(dataset: Dataset, filters: Filters) -> list[tuple[str, str]]:
    """The filters in words, one (name, value) pair each, in the reader's language."""
    lang = filters.lang
    text = TEXT[lang]
    years = years_list(filters.years, lang) or text["all_years"]
    sections = join_labels((_label(dataset, "sections", s, lang) for s in filters.sections), lang)
    programmes = join_labels((_label(dataset, "programmes", p, lang) for p in filters.programmes), lang)
    query = to_query_string(filters)
    return [
        (text["years"], years),
        (text["sections"], sections or text["all"]),
        (text["programmes"], programmes or text["all"]),
        (text["language"], text["language_value"]),
        (text["query"], f"?{query}" if query else text["query_none"]),
    ]


def noteswrapped_lines(
    dataset: Dataset,
    filters: Filters,
    facts: pd.DataFrame,
    notices: Sequence[Notice],
    generated_at: datetime,
    sheets: Sequence[tuple[str, str]],
) -> list[tuple[str, str, bool]]:
    """Every line of the notes sheet: (key, value, is_heading)."""
    lang = filters.lang
    text = TEXT[lang]
    lines: list[tuple[str, str, bool]] = [(text["title"], "", True)]
    if facts.empty:
        lines.append((text["attention"], text["empty"], False))
    lines.append(("", "", False))
    used = list(dict.fromkeys(facts["source_id"])) or [str(dataset.sources["id"].iloc[0])]
    for _, source in dataset.sources[dataset.sources["id"].isin(used)].iterrows():
        page = text["page_value"].format(page=source["page"])
        if lang == "zh" and source["page_name_zh"]:
            page += f"（{source['page_name_zh']}）"
        lines += [
            (text["source_doc"], "", True),
            (text["doc_title"], str(source[f"title_{lang}"]), False),
            (text["publication"], str(source[f"publication_{lang}"]), False),
            (text["published"], str(source["published"]), False),
            (text["page"], page, False),
            (text["authors"], str(source[f"authors_{lang}"]), False),
            (text["citation"], str(source[f"citation_{lang}"]), False),
        ]
    lines += [("", "", False), (text["filters"], "", True)]
    lines += [(key, value, False) for key, value in describe_filters(dataset, filters)]
    if notices:
        lines += [("", "", False), (text["notices"], "", True)]
        lines += [("", notice.text(lang), False) for notice in notices]
    headlines = headline_facts(dataset, filters)
    count = text["row_count_value"].format(
        rows=len(facts),
        sections=facts["section_id"].nunique(),
        programmes=facts["programme_id"].nunique(),
        headlines=len(headlines),
    )
    lines += [
        ("", "", False),
        (text["generated"], generated_label(generated_at, lang), False),
        (text["row_count"], count if not facts.empty else f"0 — {text['empty']}", False),
        ("", "", False),
        (text["how_to_read"], "", True),
    ]
    lines += [(text[key], text[f"{key}_text"], False) for key in ("periods", "qualifiers", "units", "kinds")]
    lines += [(text["computed"], text["computed_text"], False), ("", "", False), (text["sheets"], "", True)]
    lines += [(name, description, False) for name, description in sheets]
    return lines


@functools.lru_cache(maxsize=32)
def workbook_chart_specs(dataset: Dataset, filters: Filters) -> tuple[ChartSpec, ...]:
    """`chart_specs` kept per dataset and filters: specs are pure frozen data, and their planning (pandas)
    is most of a workbook's build, so a selection downloaded again is drawn from them at once."""
    return tuple(chart_specs(dataset, filters))


def build_workbook(
    dataset: Dataset,
    filters: Filters,
    notices: Sequence[Notice] = (),
    generated_at: datetime | None = None,
) -> Workbook:
    """The analysts' workbook for `filters`: 说明, 汇总, one sheet per section, 荣誉, 图表, 图表数据."""
    lang = filters.lang
    text = TEXT[lang]
    generated_at = generated_at or datetime.now(shanghai())
    facts = filter_facts(dataset.facts, filters)

    workbook = new_workbook(lang)
    notes = workbook.active
    assert notes is not None
    taken: list[str] = []

    def new_sheet(label: str) -> Worksheet:
        name = sheet_name(label, taken)
        taken.append(name)
        return workbook.create_sheet(name)

    notes.title = sheet_name(text["notes"], taken)
    taken.append(notes.title)
    sheets_described: list[tuple[str, str]] = [(notes.title, text["sheet_notes"])]

    summary = new_sheet(text["summary"])
    summary_rows = summary_table(dataset, filters)
    write_table(summary, summary_rows)
    if not summary_rows.rows:
        put(summary.cell(row=2, column=1), text["no_headlines"] if not facts.empty else text["empty"])
    sheets_described.append((summary.title, text["sheet_summary"]))

    records = _records(facts)
    by_section: dict[str, list[dict[str, Any]]] = {}
    for fact in records:
        by_section.setdefault(str(fact["section_id"]), []).append(fact)
    for section_id in dataset.sections["id"]:
        if section_id not in by_section:
            continue
        ws = new_sheet(_label(dataset, "sections", str(section_id), lang))
        write_table(ws, _section_table(dataset, by_section[str(section_id)], lang))
        sheets_described.append((ws.title, text["sheet_section"]))

    honours = new_sheet(text["honours"])
    pivot = honours_pivot(dataset, records, lang)
    write_table(honours, honours_table(dataset, pivot, lang))
    if pivot.empty:
        put(honours.cell(row=2, column=1), text["no_honours"])
    sheets_described.append((honours.title, text["sheet_honours"]))

    charts_sheet = new_sheet(text["charts"])
    data_sheet = new_sheet(text["chart_data"])
    heading = charts_sheet.cell(row=1, column=1)
    put(heading, text["charts_heading"].format(data=data_sheet.title))
    heading.font = body_font(workbook, bold=True, size=12)
    from uniondash.exports.xlsx_charts import add_charts  # it builds on this module's cell writers

    specs = workbook_chart_specs(dataset, filters)
    if not specs:
        put(charts_sheet.cell(row=3, column=1), text["no_charts"] if not facts.empty else text["empty"])
        put(data_sheet.cell(row=1, column=1), text["no_charts"] if not facts.empty else text["empty"])
        data_sheet.column_dimensions["A"].width = NOTES_VALUE_WIDTH
        charts_sheet.column_dimensions["A"].width = NOTES_VALUE_WIDTH
        for cell in (charts_sheet["A3"], data_sheet["A1"]):
            cell.font, cell.alignment = body_font(workbook), TOP_WRAPPED
    add_charts(charts_sheet, data_sheet, specs)
    sheets_described.append((charts_sheet.title, text["sheet_charts"].format(data=data_sheet.title)))
    sheets_described.append((data_sheet.title, text["sheet_chart_data"]))

    # Sheets added here by other modules (全部数据/All figures, 来源/Sources: `xlsx_data.add_data_sheets`)
    # get the print setup and named fonts below like every sheet.
    add_data_sheets(workbook, dataset, facts, lang)  # 全部数据 and 来源: what import-xlsx reads back
    headers_only = workbook[DATA_SHEET[lang]] if facts.empty else None
    if headers_only is not None:
        fit_columns_to_headers(headers_only)  # its header row prints on two pages, not five
    _write_lines(notes, noteswrapped_lines(dataset, filters, facts, notices, generated_at, sheets_described))
    workbook.properties.title = text["title"]
    workbook.properties.creator = "uniondash"
    workbook.properties.description = _source_of(dataset, facts["source_id"], lang)
    name_every_font(workbook)
    for ws in workbook.worksheets:
        # Wide sheets landscape, the charts sheet portrait (its charts are sized for it); the first
        # column (ID, label) repeats on pages that continue to the right.
        # A sheet of headers alone has no rows to tell apart by their id.
        print_setup(
            ws,
            landscape=False if ws is charts_sheet else None,
            title_columns=None if ws is headers_only else "A:A",
        )
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(filters: Filters) -> str:
    """An ASCII download name: uniondash-summary[-section…]-2019-2023-zh.xlsx (ids are slugs)."""
    parts = ["uniondash-summary"]
    for ids in (filters.sections, filters.programmes):
        parts += list(ids[:2]) + ([f"and-{len(ids) - 2}-more"] if len(ids) > 2 else [])
    parts.append(format_years(filters.years).replace(",", "_") or "all-years")
    parts.append(filters.lang)
    return "-".join(parts) + ".xlsx"


def write_workbook(
    dataset: Dataset,
    filters: Filters,
    out: str | os.PathLike[str],
    notices: Sequence[Notice] = (),
    generated_at: datetime | None = None,
) -> tuple[Path, Workbook]:
    """Save the workbook to `out` (whole or not at all); returns the path and the workbook written."""
    target = Path(out).expanduser().resolve()
    if not target.parent.is_dir():
        raise UniondashError(f"cannot write {target}: folder {target.parent} does not exist")
    workbook = build_workbook(dataset, filters, notices, generated_at)
    data = workbook_bytes(workbook)
    # Written beside the target, then renamed: a failed write never leaves half a workbook.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UniondashError(f"cannot write {target}: {error.strerror or error}") from error
    return target, workbook


def chart_count(workbook: Workbook) -> int:
    """Native charts in the workbook."""
    return sum(len(ws._charts) for ws in workbook.worksheets)
