"""The two machine-readable sheets of the analysts' workbook: 全部数据 / All figures and 来源 / Sources.

They are what `uniondash import-xlsx` reads back (see `uniondash.intake.workbook`), so they are plain tables:
row 1 holds the column ids of facts.csv / sources.csv exactly (stable, whatever the workbook's language),
one figure or source per row below, no merged cells, numbers (`value`, the periods, `page`) as numbers
and every other cell as text (text that looks like a formula stays text, as in `xlsx.put`). To the
right of the facts columns, after one empty column, stand the labels a reader wants beside the ids
(section, programme, measure, unit, level): their headers are not column ids, so the importer ignores them.

`data_sheet_notes(lang)` gives each column's meaning, for the 说明 / Notes sheet; `template_workbook`
is the empty workbook of `uniondash export-xlsx --template`.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from uniondash import schema
from uniondash.model import Dataset, Lang

DATA_SHEET = {"zh": "全部数据", "en": "All figures"}
SOURCES_SHEET = {"zh": "来源", "en": "Sources"}
# The column ids, in the files' order, from the loader's own schemas (one definition of the columns).
FACT_COLUMNS: tuple[str, ...] = tuple(
    schema.facts_schema(dict.fromkeys(("programmes", "metrics", "scopes", "levels", "kinds", "sources")), None).columns
)
SOURCE_COLUMNS: tuple[str, ...] = tuple(schema.sources_schema().columns)
NUMBER_COLUMNS = frozenset({"value", "period_start", "period_end", "page"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_LABEL_FILL = PatternFill("solid", fgColor="EDEDED")


@functools.lru_cache(maxsize=8192)
def display_width(text: str) -> int:
    """Columns a text takes on screen: CJK (wide) characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (CJK characters count two)."""
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


# Long text wraps within its column (top-aligned with the rest of its row), so a printed page shows a label,
# quote or note whole instead of cut at the next cell.
_WRAPPED = frozenset(
    {
        "label_zh",
        "label_en",
        "source_quote",
        "note",
        "note_zh",
        "title_zh",
        "title_en",
        "citation_zh",
        "citation_en",
        "authors_zh",
        "authors_en",
    }
)
_TOP = Alignment(vertical="top")
ROW_LINE_PT = 14  # points a line of body text takes (wrapped text sets its row this tall a line)
_TOP_WRAPPED = Alignment(vertical="top", wrap_text=True)

_WIDTHS = {
    "source_quote": 50,
    "note": 40,
    "note_zh": 40,
    "as_written": 14,
    "label_zh": 24,
    "label_en": 28,
    "id": 30,
    "value": 14,
    "programme_id": 22,
    "metric_id": 22,
    "scope_id": 18,
}

LABEL_HEADERS = {
    "zh": ("板块（仅供阅读）", "项目（仅供阅读）", "计量（仅供阅读）", "单位（仅供阅读）", "级别（仅供阅读）"),
    "en": (
        "Section (for reading)",
        "Programme (for reading)",
        "Measure (for reading)",
        "Unit (for reading)",
        "Level (for reading)",
    ),
}

COLUMN_NOTES: dict[Lang, dict[str, str]] = {
    "zh": {
        "id": "数字的唯一编号（小写字母、数字和连字符），如 aid-winter-funds-2024；已有编号表示修改该数字，新编号表示新增",
        "programme_id": "所属项目编号（见 programmes.csv）；板块由项目决定",
        "metric_id": "统计指标编号（见 metrics.csv），决定基本单位和计量类型",
        "label_zh": "数字的中文简称",
        "label_en": "数字的英文简称",
        "value": "以基本单位计的数值（元、人、人次、场、个、%…）：2.8亿元 填 280000000；也可填 2.8亿 或 2600万，导入时换算",
        "as_written": "原文写法，含限定词：2600余万元、52万余人次；必须出现在 source_quote 中",
        "number_as_written": "原文中的数字：2600",
        "unit_as_written": "原文中的单位（含万/亿）：万元",
        "qualifier": "限定词：余、多、以上、接近、近、约、超、超过、逾、不少于，或留空",
        "period_start": "统计期起始年份（含）",
        "period_end": "统计期结束年份（含）",
        "scope_id": "数字所属对象编号（见 scopes.csv）：全市、市总工会本级或具名个人/单位",
        "level_id": "荣誉级别编号（national、provincial、municipal），不适用则留空",
        "kind": "aggregate（全市合计）、individual（个人或单位）或 event（单次活动）",
        "part_of": "本数字是哪一数字的一部分（其中…），填其编号，否则留空",
        "numerator_id": "比率的分子数字编号，否则留空",
        "denominator_id": "比率的分母数字编号，否则留空",
        "source_id": "出处编号（见“来源”工作表）；新的出处先加在“来源”工作表中",
        "source_quote": "出处原文中含该数字的原句，一字不差",
        "note": "说明（英文，取值的理解方式等），可留空",
        "note_zh": "说明的中文（中文工作簿的“备注”列），可留空",
    },
    "en": {
        "id": "the figure's unique id (lower-case letters, digits and '-'), e.g. aid-winter-funds-2024; an existing id changes that figure, a new id adds one",
        "programme_id": "the programme's id (see programmes.csv); the section follows from it",
        "metric_id": "what is counted (see metrics.csv): fixes the base unit and the measure",
        "label_zh": "the figure's short label in Chinese",
        "label_en": "the figure's short label in English",
        "value": "the number in base units (yuan, persons, person-times, events, %…): 2.8亿元 is 280000000; 2.8亿 or 2600万 is also accepted and converted on import",
        "as_written": "the figure exactly as written, qualifier included: 2600余万元; must stand in source_quote",
        "number_as_written": "the number as written: 2600",
        "unit_as_written": "the unit as written, with its 万/亿 scale: 万元",
        "qualifier": "the qualifier: 余, 多, 以上, 接近, 近, 约, 超, 超过, 逾, 不少于, or empty",
        "period_start": "first year of the period (inclusive)",
        "period_end": "last year of the period (inclusive)",
        "scope_id": "whose figure (see scopes.csv): the whole city, the federation itself, or a named person or body",
        "level_id": "honour level (national, provincial, municipal), or empty",
        "kind": "aggregate (city-wide total), individual (a person or body) or event (one event)",
        "part_of": "the id of the figure this one is a part of, or empty",
        "numerator_id": "for a stated rate: the id of its numerator figure, or empty",
        "denominator_id": "for a stated rate: the id of its denominator figure, or empty",
        "source_id": "the source's id (see the Sources sheet); add a new source there first",
        "source_quote": "the exact sentence of the source holding the figure",
        "note": "the reading taken, where one was needed; may be empty",
        "note_zh": "the same note in Chinese (the Chinese workbook's 备注 column); may be empty",
    },
}

_SHEET_NOTES = {
    "zh": (
        "“{data}”工作表：每行一个数字，第1行是 facts.csv 的列编号（请勿修改）。右侧灰色列仅供阅读，导入时忽略。"
        "用 uniondash import-xlsx 导入：先列出新增、修改和数据中有而本表没有的数字，任何问题都不会写入。"
        "“{sources}”工作表：出处（sources.csv），新出处加在末尾。"
    ),
    "en": (
        "The “{data}” sheet: one figure a row; row 1 holds the column ids of facts.csv (do not change them). "
        "The grey columns on the right are for reading and ignored on import. `uniondash import-xlsx` reads "
        "the workbook back: it lists what is added, changed and missing first and writes nothing on any problem. "
        "The “{sources}” sheet: the sources (sources.csv); add a new one at the end."
    ),
}


def data_sheet_notes(lang: Lang) -> list[tuple[str, str]]:
    """(heading, text) lines for the 说明 / Notes sheet: what the two data sheets are, then each column."""
    lines = [(DATA_SHEET[lang], _SHEET_NOTES[lang].format(data=DATA_SHEET[lang], sources=SOURCES_SHEET[lang]))]
    lines += [(column, COLUMN_NOTES[lang][column]) for column in FACT_COLUMNS]
    return lines


def put_plain(cell: Cell, value: Any) -> None:
    """A number as a number, anything else as text (never a formula); None and empty text leave it empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return
    if isinstance(value, bool):
        value = str(value).lower()
    if isinstance(value, int | float):
        number = float(value)
        cell.value = int(number) if number.is_integer() else number
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text:
        return
    cell.value = text
    cell.data_type = "s"  # openpyxl would store "=…" as a formula and "#N/A" as an error
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _header(ws: Worksheet, columns: Iterable[str], start: int = 1, fill: PatternFill = _HEADER_FILL) -> None:
    for index, column in enumerate(columns, start=start):
        cell = ws.cell(row=1, column=index)
        put_plain(cell, column)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", horizontal="right" if column in NUMBER_COLUMNS else None)
        # Label headers are CJK (two columns a character) in the Chinese workbook.
        wide = sum(2 if ord(char) > 0x2E80 else 1 for char in column)
        ws.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, max(12, wide + 2))


def _cell_value(column: str, value: Any) -> Any:
    if column in NUMBER_COLUMNS:
        if isinstance(value, str):
            return float(value) if value.strip() else None
        return value
    return "" if value is None else str(value)


def _labels(table: pd.DataFrame, lang: Lang) -> dict[str, str]:
    """id -> label of one dimension table (the first row of an id, as `Dataset.label` finds it)."""
    labels: dict[str, str] = {}
    for item_id, label in zip(table["id"].tolist(), table[f"label_{lang}"].tolist(), strict=True):
        labels.setdefault(str(item_id), str(label))
    return labels


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """`frame.to_dict("records")`, column by column (pandas boxes each cell of a string column slowly)."""
    columns = [str(column) for column in frame.columns]
    values = [frame[column].tolist() for column in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def add_data_sheets(workbook: Workbook, dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> None:
    """Append 全部数据 / All figures (every row of `facts`) and 来源 / Sources (sources.csv) to `workbook`."""
    data = workbook.create_sheet(DATA_SHEET[lang])
    _header(data, FACT_COLUMNS)
    labels_start = len(FACT_COLUMNS) + 2  # one empty column between the data and the labels
    _header(data, LABEL_HEADERS[lang], start=labels_start, fill=_LABEL_FILL)
    # Labels looked up in dicts made once (`Dataset.label` filters a frame per call: per cell, most of the sheet's time).
    sections, programmes, measures, levels = (
        _labels(getattr(dataset, table), lang) for table in ("sections", "programmes", "measures", "levels")
    )
    for row_number, fact in enumerate(_records(facts), start=2):
        _write_row(data, row_number, FACT_COLUMNS, [_cell_value(column, fact[column]) for column in FACT_COLUMNS])
        level = str(fact["level_id"])
        beside = (
            sections.get(str(fact["section_id"]), str(fact["section_id"])),
            programmes.get(str(fact["programme_id"]), str(fact["programme_id"])),
            str(measures.get(fact["measure_id"], fact["measure_id"])),
            str(fact[f"unit_{lang}"]),
            levels.get(level, level) if level else "",
        )
        for offset, label in enumerate(beside):
            cell = data.cell(row=row_number, column=labels_start + offset)
            put_plain(cell, label)
            cell.alignment = _TOP
    data.freeze_panes = "B2"
    data.print_title_rows = "1:1"  # the column ids head every printed page
    data.auto_filter.ref = f"A1:{get_column_letter(len(FACT_COLUMNS))}{max(1, len(facts) + 1)}"
    _write_sources(workbook.create_sheet(SOURCES_SHEET[lang]), dataset.sources)


def _write_row(ws: Worksheet, row_number: int, columns: Sequence[str], values: Sequence[Any]) -> None:
    """One row of a data sheet, top-aligned, its long texts wrapped and the row as tall as the longest."""
    lines = 1
    for column_number, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        cell = ws.cell(row=row_number, column=column_number)
        put_plain(cell, value)
        if column in _WRAPPED:
            cell.alignment = _TOP_WRAPPED
            if cell.value is not None:
                width = ws.column_dimensions[get_column_letter(column_number)].width or 12
                lines = max(lines, wrapped_lines(str(cell.value), width))
        else:
            cell.alignment = _TOP
    if lines > 1:
        # Neither LibreOffice nor Excel grows a row for wrapped text written by a program.
        ws.row_dimensions[row_number].height = ROW_LINE_PT * lines


def _write_sources(ws: Worksheet, sources: pd.DataFrame) -> None:
    _header(ws, SOURCE_COLUMNS)
    for row_number, source in enumerate(_records(sources), start=2):
        _write_row(ws, row_number, SOURCE_COLUMNS, [_cell_value(column, source[column]) for column in SOURCE_COLUMNS])
    ws.freeze_panes = "B2"
    ws.print_title_rows = "1:1"


def fit_columns_to_headers(ws: Worksheet) -> None:
    """Columns as wide as their header texts: for a sheet of headers only (an empty selection's 全部数据),
    whose set widths (made for quotes and notes) would spread one header row over five printed pages.

    A label header wraps before its note ('单位' / '（仅供阅读）', 'Unit' / '(for reading)'); the column ids stay whole.
    """
    lines = 1
    for cell in ws[1]:
        letter = get_column_letter(cell.column)
        text = "" if cell.value is None else str(cell.value)
        parts = text.replace(" (", "\n(").replace("（", "\n（").split("\n")
        if len(parts) > 1:
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            lines = max(lines, len(parts))
        wide = max(sum(2 if ord(char) > 0x2E80 else 1 for char in part) for part in parts)
        ws.column_dimensions[letter].width = wide + 1 if text else 2
    if lines > 1:
        ws.row_dimensions[1].height = (
            ROW_LINE_PT * lines
        )  # Calc and Excel do not grow a row for wrapped text written here


def template_workbook(dataset: Dataset, lang: Lang) -> Workbook:
    """The empty workbook for next year's figures: notes, an empty 全部数据 / All figures sheet (header only)
    and 来源 / Sources holding the known sources (a new figure cites one of them or a source added there)."""
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "说明" if lang == "zh" else "Notes"
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 100
    for row, (key, text) in enumerate(data_sheet_notes(lang), start=1):
        put_plain(notes.cell(row=row, column=1), key)
        notes.cell(row=row, column=1).font = Font(bold=True)
        put_plain(notes.cell(row=row, column=2), text)
        notes.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    add_data_sheets(workbook, dataset, dataset.facts.iloc[0:0], lang)
    workbook.properties.creator = "uniondash"
    return workbook
