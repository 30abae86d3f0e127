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
import re
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
from uniondash.columns import FORMULA_STARTS as FORMULA_STARTS
from uniondash.model import Dataset, Lang

DATA_SHEET = {"zh": "全部数据", "en": "All figures"}
SOURCES_SHEET = {"zh": "来源", "en": "Sources"}
# The column ids, in the files' order, from the loader's own schemas (one definition of the columns).
FACT_COLUMNS: tuple[str, ...] = tuple(
    schema.facts_schema(dict.fromkeys(("programmes", "metrics", "scopes", "levels", "kinds", "sources")), None).columns
)
# sources.csv's columns but `local_copy`: where the server keeps a source's text is never published, and a
# workbook never says where to read one (see uniondash.intake.sources).
SOURCE_COLUMNS: tuple[str, ...] = tuple(column for column in schema.sources_schema().columns if column != "local_copy")
NUMBER_COLUMNS = frozenset({"value", "period_start", "period_end", "page"})

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_LABEL_FILL = PatternFill("solid", fgColor="EDEDED")


@functools.lru_cache(maxsize=8192)
def display_width(text: str) -> int:
    """Columns a text takes on screen: CJK (wide) characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# Where Calc and Excel may break a line: after spaces and hyphens, and between CJK characters. A word
# (with what follows it on its line: spaces, or the hyphen it ends with) is one token.
_TOKENS = re.compile(r"[\u2e80-\uffff]\s*|[^\s\u2e80-\uffff-]*-\s*|[^\s\u2e80-\uffff-]+\s*|\s+")


@functools.lru_cache(maxsize=8192)
def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (CJK characters count two), wrapped
    as a spreadsheet wraps it: whole words to the next line, a word longer than a line cut within it.
    Counting characters alone would miss the room a line loses when its last word moves on."""
    usable = max(width - CELL_PADDING, 1)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for token in _TOKENS.findall(paragraph):
            word: float = display_width(token.rstrip())
            if used and used + word > usable:
                lines += 1
                used = 0.0
            if word > usable:  # a word longer than a line: cut, its end starts the line it ends
                more = math.ceil(word / usable) - 1
                lines += more
                word -= more * usable
            used += word + (display_width(token) - display_width(token.rstrip()))
    return lines


_TOP = Alignment(vertical="top")
ROW_LINE_PT = 14  # points a line of body text takes (wrapped text sets its row this tall a line)
_TOP_WRAPPED = Alignment(vertical="top", wrap_text=True)

# Every text cell wraps within its column (top-aligned with the rest of its row), so a printed page shows
# an id, label, quote or path whole instead of cut at the next cell. Long free texts of 全部数据 get these
# widths; every other column is as wide as its longest value up to a cap (`column_width`) and wraps beyond.
_WIDTHS = {
    "source_quote": 50,
    "note": 40,
    "note_zh": 40,
    "label_zh": 24,
    "label_en": 28,
    "value": 14,
}
FACTS_FIT_MAX = 24
# 来源 / Sources prints one landscape page wide at 80 % (its column ids alone take 140 units of 157):
# its texts wrap at this width.
SOURCES_FIT_MAX = 12
# Room a value needs beside its text (the cell's padding; `wrapped_lines` counts the same).
CELL_PADDING = 1.5
# A bold header is wider than its characters: 'page_name_zh' prints 12.9 units wide in Calc (DejaVu Sans
# Bold), so a header's width is its characters × 1.1, plus one unit of padding.
HEADER_BOLD = 1.1
HEADER_PADDING = 1

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


# What the 说明 / Notes sheet says of the two sheets analysts edit, and of the round trip back to the data.
_IMPORT_NOTES: dict[Lang, dict[str, str]] = {
    "zh": {
        "data": "可编辑，供导入：每行一个数字，列同 facts.csv（第1行为列编号，请勿修改）。"
        "改数值或文字即修改该数字，新编号的行即新增。右侧灰色列仅供阅读，导入时忽略，也不打印。",
        "sources": "可编辑，供导入：出处，每行一个，列同 sources.csv。新数字引用的新出处先加在本表末尾。",
        "heading": "修改后导入（往返）",
        "edit": "1. 修改",
        "edit_text": "在“{data}”中改行、加行，新出处加在“{sources}”中，保存为 .xlsx。各列含义见下。",
        "check": "2. 检查",
        "check_text": "uniondash import-xlsx 本工作簿.xlsx --dry-run：列出新增、修改的数字和数据中有而本表没有的数字；"
        "有问题时逐条指出工作表、行和列。不写入任何文件。",
        "write": "3. 导入",
        "write_text": "uniondash import-xlsx 本工作簿.xlsx：检查无误后一次写入全部数据文件，有任何问题则什么也不写。"
        "筛选后导出的工作簿只含所选数字：其余数字保留，加 --remove-missing 才删除。",
        "columns": "“{data}”的列",
    },
    "en": {
        "data": "Edit for import: one figure a row, the columns of facts.csv (row 1 holds their ids: do not "
        "change them). A changed value or text changes that figure; a row with a new id adds one. The grey "
        "columns on the right are for reading: ignored on import, and not printed.",
        "sources": "Edit for import: the sources, one a row, the columns of sources.csv. Add a new figure's "
        "new source at the end first.",
        "heading": "Editing and importing (the round trip)",
        "edit": "1. Edit",
        "edit_text": "Change or add rows in “{data}”, add new sources in “{sources}”, and save as .xlsx. "
        "The columns are explained below.",
        "check": "2. Check",
        "check_text": "uniondash import-xlsx this-workbook.xlsx --dry-run: lists the figures added, changed, and in "
        "the data but not in the workbook; names each problem by sheet, row and column. Writes nothing.",
        "write": "3. Import",
        "write_text": "uniondash import-xlsx this-workbook.xlsx: writes all the data files at once when the check "
        "passes, nothing on any problem. A workbook of a selection holds only its figures: the others "
        "are kept unless --remove-missing is given.",
        "columns": "Columns of “{data}”",
    },
}


def import_sheets(lang: Lang) -> list[tuple[str, str]]:
    """(sheet, description) of 全部数据 / All figures and 来源 / Sources for the Notes sheet's list of sheets."""
    text = _IMPORT_NOTES[lang]
    return [(DATA_SHEET[lang], text["data"]), (SOURCES_SHEET[lang], text["sources"])]


def import_notes(lang: Lang) -> list[tuple[str, str, bool]]:
    """The Notes sheet's round trip (edit → `import-xlsx --dry-run` → `import-xlsx`), then what each column
    of 全部数据 holds: (key, text, is_heading) lines."""
    text = _IMPORT_NOTES[lang]
    names = {"data": DATA_SHEET[lang], "sources": SOURCES_SHEET[lang]}
    lines = [(text["heading"], "", True)]
    lines += [(text[step], text[f"{step}_text"].format(**names), False) for step in ("edit", "check", "write")]
    lines += [("", "", False), (text["columns"].format(**names), "", True)]
    lines += [(column, COLUMN_NOTES[lang][column], False) for column in FACT_COLUMNS]
    return lines


def data_sheet_notes(lang: Lang) -> list[tuple[str, str]]:
    """(heading, text) lines for the template's 说明 / Notes sheet: what the two data sheets are, the round
    trip, then each column."""
    lines = [(DATA_SHEET[lang], _SHEET_NOTES[lang].format(data=DATA_SHEET[lang], sources=SOURCES_SHEET[lang]))]
    lines += [(key, text) for key, text, _ in import_notes(lang)]
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


def header_lines(text: str) -> list[str]:
    """A header as printed: a label header wraps before its note ('单位' / '（仅供阅读）', 'Unit' /
    '(for reading)'); a column id ('publication_zh') stays whole on one line."""
    return text.replace(" (", "\n(").replace("（", "\n（").split("\n")


def header_width(header: str) -> float:
    """The width a header's widest line needs to print whole, in bold."""
    return math.ceil(max(display_width(line) for line in header_lines(header)) * HEADER_BOLD) + HEADER_PADDING


def column_width(header: str, values: Iterable[Any], fit_max: float) -> float:
    """The width of a data sheet's column: its set width (`_WIDTHS`), else its longest value up to
    `fit_max`; never narrower than its header's widest line, which is printed whole."""
    least = header_width(header)
    if header in _WIDTHS:
        return max(_WIDTHS[header], least)
    longest = max((display_width(str(value)) for value in values if value is not None and value != ""), default=0)
    return max(least, min(longest + CELL_PADDING, fit_max))


def _header(
    ws: Worksheet,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fit_max: float,
    start: int = 1,
    fill: PatternFill = _HEADER_FILL,
) -> None:
    """Row 1: the headers over `rows` (the values to come, one list a row), each column sized by `column_width`."""
    lines = 1
    for offset, column in enumerate(columns):
        cell = ws.cell(row=1, column=start + offset)
        put_plain(cell, column)
        cell.font = Font(bold=True)
        cell.fill = fill
        parts = len(header_lines(column))
        lines = max(lines, parts)
        horizontal = "right" if column in NUMBER_COLUMNS else None
        cell.alignment = Alignment(vertical="center", horizontal=horizontal, wrap_text=parts > 1 or None)
        width = column_width(column, (row[offset] for row in rows), fit_max)
        ws.column_dimensions[get_column_letter(start + offset)].width = width
    if lines > 1:
        ws.row_dimensions[1].height = ROW_LINE_PT * lines  # Calc and Excel do not grow a row for wrapped text


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
    # Labels looked up in dicts made once (`Dataset.label` filters a frame per call: per cell, most of the sheet's time).
    sections, programmes, measures, levels = (
        _labels(getattr(dataset, table), lang) for table in ("sections", "programmes", "measures", "levels")
    )
    rows, beside = [], []
    for fact in _records(facts):
        rows.append([_cell_value(column, fact[column]) for column in FACT_COLUMNS])
        level = str(fact["level_id"])
        beside.append(
            [
                sections.get(str(fact["section_id"]), str(fact["section_id"])),
                programmes.get(str(fact["programme_id"]), str(fact["programme_id"])),
                str(measures.get(fact["measure_id"], fact["measure_id"])),
                str(fact[f"unit_{lang}"]),
                levels.get(level, level) if level else "",
            ]
        )
    _header(data, FACT_COLUMNS, rows, FACTS_FIT_MAX)
    labels_start = len(FACT_COLUMNS) + 2  # one empty column between the data and the labels
    data.column_dimensions[get_column_letter(labels_start - 1)].width = 2
    _header(data, LABEL_HEADERS[lang], beside, FACTS_FIT_MAX, start=labels_start, fill=_LABEL_FILL)
    for row_number, (values, labels) in enumerate(zip(rows, beside, strict=True), start=2):
        _write_row(data, row_number, [*values, None, *labels])
    data.freeze_panes = "B2"
    data.print_title_rows = "1:1"  # the column ids head every printed page
    # Printed: the facts columns only. The labels beside them are for reading on screen; on paper the
    # section sheets say the same, and leaving them out saves a page in five.
    data.print_area = f"A1:{get_column_letter(len(FACT_COLUMNS))}{len(rows) + 1}"
    data.auto_filter.ref = f"A1:{get_column_letter(len(FACT_COLUMNS))}{max(1, len(facts) + 1)}"
    _write_sources(workbook.create_sheet(SOURCES_SHEET[lang]), dataset.sources)


def _write_row(ws: Worksheet, row_number: int, values: Sequence[Any]) -> None:
    """One row of a data sheet from column A, top-aligned, its texts wrapped and the row as tall as the longest."""
    lines = 1
    for column_number, value in enumerate(values, start=1):
        cell = ws.cell(row=row_number, column=column_number)
        put_plain(cell, value)
        if isinstance(cell.value, str):
            cell.alignment = _TOP_WRAPPED
            width = ws.column_dimensions[get_column_letter(column_number)].width or 12
            lines = max(lines, wrapped_lines(cell.value, width))
        elif cell.value is not None:
            cell.alignment = _TOP
    if lines > 1:
        # Neither LibreOffice nor Excel grows a row for wrapped text written by a program.
        ws.row_dimensions[row_number].height = ROW_LINE_PT * lines


def _write_sources(ws: Worksheet, sources: pd.DataFrame) -> None:
    rows = [[_cell_value(column, source[column]) for column in SOURCE_COLUMNS] for source in _records(sources)]
    _header(ws, SOURCE_COLUMNS, rows, SOURCES_FIT_MAX)
    for row_number, values in enumerate(rows, start=2):
        _write_row(ws, row_number, values)
    ws.freeze_panes = "B2"
    ws.print_title_rows = "1:1"


def fit_columns_to_headers(ws: Worksheet) -> None:
    """Columns as wide as their header texts: for a sheet of headers only (an empty selection's 全部数据),
    whose set widths (made for quotes and notes) would spread one header row over five printed pages."""
    for cell in ws[1]:
        text = "" if cell.value is None else str(cell.value)
        wide = header_width(text) if text else 2
        ws.column_dimensions[get_column_letter(cell.column)].width = wide


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
