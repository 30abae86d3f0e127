"""Next year's figures from Excel: read a workbook's 全部数据 / All figures and 来源 / Sources sheets, merge
them with the data directory, validate the result with the loader itself, and say what changes.

Pure planning, then one write: `plan_import` reads the workbook and the CSV files and returns an
`ImportPlan` (the diff and the new bytes of each file that changes) or raises `ImportProblems` naming
every problem by sheet, row as Excel shows it, and column header. `write_plan` then replaces the files
all or none. Nothing is ever removed unless asked (`remove_missing`), and a row that did not change
keeps its exact bytes, so a round trip (export, import unchanged) changes nothing.

What people type, and what happens to it (data/README.md says the same to analysts):
- a number stored as text, with thousands separators or full-width digits (１２３): read as the number;
- 万/亿 in a value cell (2.8亿, 2600万): converted to base units (280000000, 26000000);
- ids typed in full-width letters, cells with spaces around: normalised (NFKC, stripped);
- a formula, a value or year that is not a number, an id used twice in the sheet, an existing id given
  to a different figure (other programme, metric, scope, level, kind or period), a source that is in
  neither sources.csv nor the Sources sheet, an `as_written` that disagrees with its value (any check of
  the loader): refused, with the message in the workbook's language;
- text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first): stored with a leading apostrophe
  (`schema.stored_text`), which the loader takes off again, so no data file or download starts with one;
- a control or bidirectional control character, or a text longer than its column allows
  (`schema.TEXT_BOUNDS`): refused, naming the cell;
- a quote must stand in the text of its source where the server keeps one: `<source dir>/<source id>.txt`
  (or the file name of an existing source's `local_copy`) inside the directory `UNIONDASH_SOURCE_DIR` /
  `--source-dir`, nowhere else. A workbook's `local_copy` cells are never read and never stored: a workbook
  cannot make the server open a file. Quotes of sources without a text there are listed as unchecked.

What is validated is the merged data, once: a workbook that corrects a broken row of the data directory is
taken; when the merged data fails, the data directory is loaded on its own to say whether the problem is
its own ("the data directory itself has problems"). So an import loads the data once, not twice: at
20 000 figures that is the difference between about 260 MB and 300 MB at its peak.

The workbook itself is untrusted (an upload): it is read by `intake/xlsx.py`, which checks the zip
container before inflating anything and streams only the sheets it needs, within `ARCHIVE_LIMITS` and
`sheet_limits()` (see data/README.md and SECURITY.md).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from uniondash import numerals
from uniondash.datastore import DataSetConflict, tables_version, write_data_set
from uniondash.errors import DataError, DataProblem, UniondashError
from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCE_COLUMNS, SOURCES_SHEET
from uniondash.intake.archive import ArchiveLimits
from uniondash.intake.problems import ImportProblem, ImportProblems, shown
from uniondash.intake.sources import SourceTexts
from uniondash.intake.xlsx import (
    EXCEL_CELL_CHARS,
    CellError,
    Formula,
    SheetEntry,
    SheetLimits,
    SheetRows,
    TooLong,
    Unreadable,
    XlsxBook,
    open_xlsx,
)
from uniondash.load import FILES, load_dataset, load_files
from uniondash.model import Lang
from uniondash.schema import SCALES, control_character, squeeze, stored_text, text_bound

__all__ = ["ImportPlan", "ImportProblem", "ImportProblems", "describe", "plan_import", "read_workbook", "write_plan"]

MAX_WORKBOOK_BYTES = 10 * 1024 * 1024  # the upload cap: a workbook of 20 000 figures takes about 6 MB
MAX_ROWS = 20_000
# The container's bounds (sizes uncompressed): a 20 000-figure workbook's largest part is about 40 MB.
ARCHIVE_LIMITS = ArchiveLimits(max_file_bytes=MAX_WORKBOOK_BYTES)
# A Sources sheet is read with the `local_copy` column older exports carry, only to say it is not taken.
SOURCE_SHEET_COLUMNS = (*SOURCE_COLUMNS, "local_copy")
# Columns a Sources sheet exported before editions (issue 25) lacks: an existing source keeps what
# sources.csv says; only a new source must give them.
EDITION_COLUMNS = ("report_kind", "period_start", "period_end")
# A figure's identity: an existing id given with other values here is a different figure, not a correction.
IDENTITY = ("programme_id", "metric_id", "scope_id", "level_id", "kind", "period_start", "period_end")
ID_COLUMNS = frozenset(
    {"id", "programme_id", "metric_id", "scope_id", "level_id", "kind", "part_of", "numerator_id"}
    | {"denominator_id", "source_id"}
)
NUMBER_TEXT = re.compile(r"^(\d+(?:\.\d+)?)(万|亿)?$")
# The order the written files are listed in (they are written as one data set: datastore.write_data_set).
WRITE_ORDER = ("sources", "headlines", "facts")


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass
class Diff:
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    headlines_removed: list[str] = field(default_factory=list)
    sources_added: list[str] = field(default_factory=list)
    sources_changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    quotes_unchecked: list[str] = field(default_factory=list)  # source ids without a text in the source directory
    local_copy_ignored: list[str] = field(default_factory=list)  # source ids whose local_copy cell was not taken

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.sources_added or self.sources_changed)


@dataclass
class ImportPlan:
    lang: Lang
    diff: Diff
    labels: dict[str, str]  # fact id → "label · as written · period", for the report
    files: dict[str, bytes]  # file stem → new bytes, only files that change
    originals: dict[str, bytes]  # file stem → bytes read, to notice a change before writing


# ---------------------------------------------------------------------------------------------------
# Reading the workbook


def _problem(sheet: str, row: int | None, column: str | None, zh: str, en: str) -> ImportProblem:
    return ImportProblem(sheet, row, column, zh, en)


def sheet_limits() -> SheetLimits:
    """The bounds a sheet is read within (`MAX_ROWS` looked up now: tests lower it)."""
    return SheetLimits(max_rows=MAX_ROWS)


def read_workbook(path: str | os.PathLike[str]) -> tuple[Lang, SheetRows, SheetRows | None]:
    """The language and the rows of the data and sources sheets; `ImportProblems` if they cannot be taken.

    Refused: a file that is not a safe, readable .xlsx (see `intake/xlsx.py`), a data or sources sheet that is
    hidden, and a workbook holding both language versions of a sheet that do not say the same."""
    path = Path(path)
    try:
        with open_xlsx(path, ARCHIVE_LIMITS, sheet_limits()) as book:
            return _read_sheets(book, path.name)
    except MemoryError:  # the bounds keep far below this; say so rather than fall over if they ever do not
        raise ImportProblems(
            [
                ImportProblem(
                    path.name,
                    None,
                    None,
                    "读取所需内存超出限制：请拆分工作簿",
                    "reading it needs more memory than allowed: split the workbook",
                    file=True,
                )
            ],
            "zh",
        ) from None


def _read_sheets(book: XlsxBook, file: str) -> tuple[Lang, SheetRows, SheetRows | None]:
    data = {lang: book.entry(DATA_SHEET[lang]) for lang in ("zh", "en")}
    lang: Lang = "en" if data["en"] is not None and data["zh"] is None else "zh"
    if data[lang] is None:
        raise ImportProblems(
            [
                ImportProblem(
                    file,
                    None,
                    None,
                    f"没有“{DATA_SHEET['zh']}”工作表：请用 uniondash export-xlsx 导出的工作簿或 --template 模板",
                    f"no '{DATA_SHEET['en']}' sheet: use a workbook written by uniondash export-xlsx (or its --template)",
                    file=True,
                )
            ],
            "zh",
        )
    sources = {language: book.entry(SOURCES_SHEET[language]) for language in ("zh", "en")}
    hidden = [
        _hidden(entry)
        for entry in (*data.values(), *sources.values())
        if entry is not None and entry.state != "visible"
    ]
    if hidden:
        raise ImportProblems(hidden, lang)
    try:
        data_rows = _one_of(book, data, FACT_COLUMNS, lang)
        sources_rows = _one_of(book, sources, SOURCE_SHEET_COLUMNS, lang)
    except ImportProblems as problems:
        raise problems.in_language(lang) from None
    assert data_rows is not None
    return lang, data_rows, sources_rows


def _hidden(entry: SheetEntry) -> ImportProblem:
    if entry.state == "veryHidden":
        zh = "工作表被设为“深度隐藏”（veryHidden，在 Excel 中无法看到或取消隐藏）：隐藏的数据不导入，请删除该工作表或改为可见"
        en = (
            "the sheet is very hidden (veryHidden: Excel can neither show nor unhide it): hidden data is not "
            "imported; delete the sheet or make it visible"
        )
    else:
        zh = "工作表被隐藏：隐藏的数据不导入，请在 Excel 中取消隐藏（右键工作表标签 → 取消隐藏）并检查后重新导入"
        en = (
            "the sheet is hidden: hidden data is not imported; unhide it in Excel (right-click a sheet tab → "
            "Unhide), check its rows, and import again"
        )
    return ImportProblem(entry.name, None, None, zh, en)


def _one_of(
    book: XlsxBook, entries: Mapping[str, SheetEntry | None], columns: Sequence[str], lang: Lang
) -> SheetRows | None:
    """The rows of the sheet in the workbook's language; when both languages' sheets are there, they must agree."""
    present = {language: entry for language, entry in entries.items() if entry is not None}
    if not present:
        return None
    main = book.read(present.get(lang) or next(iter(present.values())), columns)
    other = next((entry for language, entry in present.items() if language != lang), None)
    if other is not None:
        difference = _difference(main, book.read(other, columns), columns, lang, book.date1904)
        if difference is not None:
            zh, en = difference
            raise ImportProblems(
                [
                    ImportProblem(
                        other.name,
                        None,
                        None,
                        f"工作簿同时有“{main.name}”和“{other.name}”两个工作表，内容不同（{zh}）：不知以哪个为准，"
                        "请删除其中一个再导入",
                        f"the workbook holds both '{main.name}' and '{other.name}' and they differ ({en}): it is not "
                        "clear which one holds the figures; delete one of them and import again",
                    )
                ],
                lang,
            )
    return main


def _difference(
    first: SheetRows, second: SheetRows, columns: Sequence[str], lang: Lang, date1904: bool
) -> tuple[str, str] | None:
    """Where two sheets of the same rows disagree (zh, en), or None if they hold the same rows."""

    def rows(sheet: SheetRows) -> dict[str, tuple[int, tuple[str, ...]]]:
        out: dict[str, tuple[int, tuple[str, ...]]] = {}
        for number, values in sheet.rows:
            row = tuple(normalise(column, values.get(column), lang, date1904)[0] for column in columns)
            out.setdefault(row[0], (number, row))
        return out

    a, b = rows(first), rows(second)
    for key in [*a, *(key for key in b if key not in a)]:
        if key not in b:
            number = a[key][0]
            return (
                f"编号 {shown(key)}（“{first.name}”第 {number} 行）不在“{second.name}”中",
                f"id {shown(key)!r}, row {number} of '{first.name}', is not in '{second.name}'",
            )
        if key not in a:
            number = b[key][0]
            return (
                f"编号 {shown(key)}（“{second.name}”第 {number} 行）不在“{first.name}”中",
                f"id {shown(key)!r}, row {number} of '{second.name}', is not in '{first.name}'",
            )
        if a[key][1] != b[key][1]:
            column = next(c for c, x, y in zip(columns, a[key][1], b[key][1], strict=True) if x != y)
            return (
                f"编号 {shown(key)} 的 {column} 不同：“{first.name}”第 {a[key][0]} 行，“{second.name}”第 {b[key][0]} 行",
                f"id {shown(key)!r} has another {column} in row {a[key][0]} of '{first.name}' than in row "
                f"{b[key][0]} of '{second.name}'",
            )
    return None


# ---------------------------------------------------------------------------------------------------
# Normalising what people type


def _number_text(value: float) -> str:
    """A number as the CSV writes it: 500000, 2.8, 93.5 (no exponent, no trailing zeros)."""
    text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    return text or "0"


NUMBER_COLUMNS = ("value", "period_start", "period_end", "number_as_written", "page")
MAX_NUMBER = 1e15  # 千万亿: no count or amount of a city's union comes near
_EXCEL_EPOCH = {False: date(1899, 12, 30), True: date(1904, 1, 1)}


def normalise(column: str, value: Any, lang: Lang, date1904: bool = False) -> tuple[str, tuple[str, str] | None]:
    """The CSV text for a cell, or a problem (zh, en). See the module docstring for what is accepted."""
    marker = _marker_problem(column, value)
    if marker is not None:
        return "", marker
    if value is None:
        return "", None
    if isinstance(value, bool):
        return "", ("不是数字或文字", "is neither a number nor text")
    if column in NUMBER_COLUMNS:
        return _number(column, value)
    if column == "published" and isinstance(value, int | float) and 1 <= value < 2_958_466:
        # A date typed into Excel is stored as the days since its epoch: 2025-01-15 is 45672.
        return (_EXCEL_EPOCH[date1904] + timedelta(days=int(value))).isoformat(), None
    text = _number_text(float(value)) if isinstance(value, int | float) else str(value).strip()
    if column in ID_COLUMNS:
        text = unicodedata.normalize("NFKC", text).strip()
    control = control_character(text)
    if control is not None:
        position = control.partition(" at character ")[2].partition(":")[0]
        code = control.partition(" character ")[2].partition(" ")[0]
        if "bidirectional" in control:
            return "", (
                f"第 {position} 个字符是双向文字控制符 {code}：它不可见，却会让周围的文字以另一种顺序显示，请删除（重新输入该单元格）",
                control,
            )
        return "", (
            f"第 {position} 个字符是控制字符 {code}：它在多数编辑器中不可见，请删除（重新输入该单元格）",
            control,
        )
    if len(text) > text_bound(column):
        return "", (
            f"文字过长：{len(text):,} 个字符，此列最多 {text_bound(column):,} 个（见 data/README.md）",
            f"too long: {len(text):,} characters, at most {text_bound(column):,} in this column (see data/README.md)",
        )
    return stored_text(text), None


def _marker_problem(column: str, value: Any) -> tuple[str, str] | None:
    """The problem of a cell the reader could not take as a value (a formula, an error, an overlong text)."""
    if isinstance(value, Formula):
        return "是公式，请填写数值或文字本身", "is a formula: type the value itself"
    if isinstance(value, CellError):
        return (
            f"显示错误值 {shown(value.code)}，请填写数值或文字本身",
            f"shows the error {shown(value.code)}: type the value itself",
        )
    if isinstance(value, TooLong):
        return (
            f"文字过长：{value.length:,} 个字符，超过一个单元格最多可容纳的 {EXCEL_CELL_CHARS:,} 个"
            f"（此列最多 {text_bound(column):,} 个）",
            f"text of {value.length:,} characters: longer than a cell can hold ({EXCEL_CELL_CHARS:,}; this column "
            f"allows {text_bound(column):,})",
        )
    if isinstance(value, Unreadable):
        return (
            f"单元格中存储的内容无法读取（{shown(value.stored)}）：请重新输入",
            f"the value stored in the cell cannot be read ({shown(value.stored)}): retype it",
        )
    return None


def _number(column: str, value: Any) -> tuple[str, tuple[str, str] | None]:
    if isinstance(value, int | float):
        number = float(value)
    else:
        typed = str(value)
        text = unicodedata.normalize("NFKC", typed).replace(",", "").replace(" ", "").strip()
        if not text:
            return "", None
        if column == "number_as_written" and numerals.is_number(text) and not text[0].isdigit():
            return text, None  # a Chinese numeral as the report writes it: 两, 一千二百, 三四百
        match = NUMBER_TEXT.match(text) if len(text) <= 40 else None
        scale = match.group(2) if match else None
        if match is None or (scale and column != "value"):
            return "", (f"不是数字：{shown(typed)!r}", f"not a number: {shown(typed)!r}")
        if column == "number_as_written":
            return match.group(1), None  # as written: 2.80 stays 2.80
        number = float(match.group(1)) * (SCALES[scale] if scale else 1)
    if not math.isfinite(number) or abs(number) >= MAX_NUMBER:
        return "", (f"数值超出范围：{shown(str(value))}", f"out of range: {shown(str(value))}")
    if column in ("period_start", "period_end", "page") and not number.is_integer():
        return "", (f"不是整数：{shown(str(value))!r}", f"not a whole number: {shown(str(value))!r}")
    return _number_text(number), None


def _same(column: str, old: str, new: str) -> bool:
    if column in ("value", "period_start", "period_end", "page") and old and new:
        try:
            return abs(float(old) - float(new)) < 1e-9
        except ValueError:
            return False
    return old == new


# ---------------------------------------------------------------------------------------------------
# The CSV files: records with their raw text, so rows that do not change keep every byte


@dataclass
class CsvFile:
    header: list[str]
    header_raw: str
    records: list[tuple[list[str], str]]  # (cells, raw text including its line end)
    bom: bool
    line_end: str


def read_csv(raw: bytes) -> CsvFile:
    text = raw.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    header_raw = "".join(lines[: reader.line_num])
    line_end = "\r\n" if header_raw.endswith("\r\n") else "\n"
    records: list[tuple[list[str], str]] = []
    start = reader.line_num
    for record in reader:
        records.append((record, "".join(lines[start : reader.line_num])))
        start = reader.line_num
    return CsvFile([cell.strip() for cell in header], header_raw, records, raw.startswith(b"\xef\xbb\xbf"), line_end)


def _serialise(cells: Iterable[str], line_end: str) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=line_end).writerow(list(cells))
    return buffer.getvalue()


def write_csv(file: CsvFile, records: Sequence[tuple[list[str], str | None]]) -> bytes:
    """The file with `records`: a record with raw text keeps it, one without is written anew."""
    parts = [file.header_raw]
    for cells, raw in records:
        if raw is None:
            if parts and not parts[-1].endswith(("\n", "\r")):
                parts.append(file.line_end)
            parts.append(_serialise(cells, file.line_end))
        else:
            parts.append(raw)
    return ("\ufeff" if file.bom else "").encode() + "".join(parts).encode()


def _rows_by_id(file: CsvFile) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for cells, _ in file.records:
        if any(cell.strip() for cell in cells) and len(cells) == len(file.header):
            row = dict(zip(file.header, (cell.strip() for cell in cells), strict=True))
            out[row[file.header[0]]] = row
    return out


# ---------------------------------------------------------------------------------------------------
# Planning


@dataclass
class _Merged:
    records: list[tuple[list[str], str | None]]
    rows: dict[str, dict[str, str]]
    origin: dict[str, int]  # id → Excel row it came from


def _merge_sheet(
    sheet: SheetRows,
    columns: tuple[str, ...],
    file: CsvFile,
    lang: Lang,
    problems: list[ImportProblem],
    *,
    identity: tuple[str, ...] = (),
    remove_missing: bool = False,
    optional: tuple[str, ...] = (),
) -> tuple[_Merged, list[str], dict[str, list[FieldChange]], list[str], list[str]]:
    """Merge a sheet into a file's records: (merged, added, changed, unchanged, missing). A column of
    `optional` the sheet lacks (an older export's) is taken from the file for a row it holds already, and
    is a problem only for a new row, named by its row and the missing column."""
    absent = [column for column in optional if column not in sheet.header]
    missing_columns = [column for column in columns if column not in sheet.header and column not in absent]
    for column in missing_columns:
        problems.append(
            _problem(
                sheet.name,
                1,
                column,
                "缺少这一列（第1行应为 facts.csv / sources.csv 的列编号，请勿修改）",
                "column missing (row 1 holds the data file's column ids: do not change them)",
            )
        )
    duplicates = sorted({column for column in sheet.header if column in columns and sheet.header.count(column) > 1})
    for column in duplicates:
        problems.append(_problem(sheet.name, 1, column, "这一列出现了两次", "column appears twice"))
    existing = _rows_by_id(file)
    merged = _Merged([], {}, {})
    if missing_columns or duplicates:
        return merged, [], {}, [], []
    incoming: dict[str, dict[str, str]] = {}
    for row_number, values in sheet.rows:
        row: dict[str, str] = {}
        unreadable: set[str] = set()
        for column in columns:
            text, problem = normalise(column, values.get(column), lang, sheet.date1904)
            if problem:
                problems.append(_problem(sheet.name, row_number, column, *problem))
                unreadable.add(column)
            row[column] = text
        key = row[columns[0]]
        if not key:
            problems.append(_problem(sheet.name, row_number, columns[0], "编号为空", "empty id"))
            continue
        if key in merged.origin:
            first = merged.origin[key]
            problems.append(
                _problem(
                    sheet.name,
                    row_number,
                    columns[0],
                    f"编号 {key} 已在第 {first} 行使用；每个数字需要自己的编号",
                    f"id {key} is already used in row {first}; each figure needs its own id",
                )
            )
            continue
        old = existing.get(key)
        if absent:
            if old is None:
                problems += [
                    _problem(
                        sheet.name,
                        row_number,
                        column,
                        f"新来源 {key} 缺少这一列：工作簿是旧版导出的（没有报告类型和报告期）；请用 uniondash "
                        "export-xlsx 重新导出，或在第1行加上这一列并填写",
                        f"new source {key} lacks this column: the workbook is an older export (no report kind or period); "
                        "export it again with uniondash export-xlsx, or add the column in row 1 and fill it in",
                    )
                    for column in absent
                ]
                continue
            row.update({column: old[column] for column in absent})
        if old is not None:
            differs = [
                column
                for column in identity
                if column not in unreadable and not _same(column, old[column], row[column])
            ]
            if differs:
                was = "、".join(f"{column}={old[column]}" for column in differs)
                problems.append(
                    _problem(
                        sheet.name,
                        row_number,
                        columns[0],
                        f"编号 {key} 已属于另一个数字（{was}）；新数字请用新编号，如 {key}-{row.get('period_end') or 'new'}",
                        f"id {key} already belongs to another figure ({was}); give the new figure its own id, "
                        f"e.g. {key}-{row.get('period_end') or 'new'}",
                    )
                )
        merged.origin[key] = row_number
        incoming[key] = row
    added: list[str] = []
    changed: dict[str, list[FieldChange]] = {}
    unchanged: list[str] = []
    missing: list[str] = []
    for cells, raw in file.records:
        if not any(cell.strip() for cell in cells) or len(cells) != len(file.header):
            merged.records.append((cells, raw))
            continue
        key = cells[0].strip()
        old_row = existing.get(key) or dict(zip(file.header, (cell.strip() for cell in cells), strict=True))
        new_row = incoming.get(key)
        if new_row is None:
            missing.append(key)
            if not remove_missing:
                merged.records.append((cells, raw))
                merged.rows[key] = old_row
            continue
        changes = [
            FieldChange(column, old_row[column], new_row[column])
            for column in file.header
            if column in new_row and not _same(column, old_row[column], new_row[column])
        ]
        if changes:
            changed[key] = changes
            row = {**old_row, **{change.column: change.new for change in changes}}
            merged.records.append(([row[column] for column in file.header], None))
            merged.rows[key] = row
        else:
            unchanged.append(key)
            merged.records.append((cells, raw))
            merged.rows[key] = old_row
    for key, row in incoming.items():
        if key not in existing:
            added.append(key)
            merged.records.append(([row.get(column, "") for column in file.header], None))
            merged.rows[key] = row
    return merged, added, changed, unchanged, missing


def plan_import(
    workbook: str | os.PathLike[str],
    data_dir: str | os.PathLike[str],
    remove_missing: bool = False,
    source_dir: str | os.PathLike[str] | None = None,
) -> ImportPlan:
    """Read, merge and validate; the plan to write, or `ImportProblems` naming every problem.

    Quotes are checked against the texts in `source_dir` (else `UNIONDASH_SOURCE_DIR`; see `intake/sources.py`)."""
    data_dir = Path(data_dir)
    texts = SourceTexts.configured(source_dir)
    lang, data_sheet, sources_sheet = read_workbook(workbook)
    # The data directory is checked by the loader run on the merged files below (and on its own only when that
    # fails, to say whose the problem is): one load of the data, not two, at the peak of an import's memory.
    try:
        originals = {name: (data_dir / f"{name}.csv").read_bytes() for name in FILES}
        facts_file, sources_file = read_csv(originals["facts"]), read_csv(originals["sources"])
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration) as error:
        raise _broken(data_dir) or UniondashError(f"cannot read the data in {data_dir}: {error}") from None
    problems: list[ImportProblem] = []
    facts, added, changed, unchanged, missing = _merge_sheet(
        data_sheet, FACT_COLUMNS, facts_file, lang, problems, identity=IDENTITY, remove_missing=remove_missing
    )
    diff = Diff(added=added, changed=changed, unchanged=unchanged, missing=missing)
    files: dict[str, bytes] = {}
    sources = _Merged([], _rows_by_id(sources_file), {})
    if sources_sheet is not None:
        diff.local_copy_ignored = _ignored_local_copies(sources_sheet, _rows_by_id(sources_file))
        sources, diff.sources_added, diff.sources_changed, _, _ = _merge_sheet(
            sources_sheet, SOURCE_COLUMNS, sources_file, lang, problems, optional=EDITION_COLUMNS
        )
        if diff.sources_added or diff.sources_changed:
            files["sources"] = write_csv(sources_file, sources.records)
    if problems:
        raise ImportProblems(problems, lang)
    if remove_missing:
        diff.removed = list(missing)
    if added or changed or diff.removed:
        files["facts"] = write_csv(facts_file, facts.records)
    if diff.removed:
        headlines = read_csv(originals["headlines"])
        kept = [(cells, raw) for cells, raw in headlines.records if not cells or cells[0].strip() not in diff.removed]
        diff.headlines_removed = [
            cells[0] for cells, _ in headlines.records if cells and cells[0].strip() in diff.removed
        ]
        if diff.headlines_removed:
            files["headlines"] = write_csv(headlines, kept)
    # What is still needed once the files are built: labels for the report, the rows whose quotes are
    # checked, where each id came from. The rest (the sheets' cells, every row of the CSV files: ~100 MB for
    # 20 000 figures) goes before the loader runs on the merged files, so its memory is there to reuse.
    removed_rows = _rows_by_id(facts_file) if diff.removed else {}
    labels = {
        key: _label(row, lang)
        for key in (*added, *changed, *missing)
        if (row := facts.rows.get(key) or removed_rows.get(key)) is not None
    }
    checked = {key: facts.rows[key] for key in (*added, *changed)}
    fact_origin, source_origin, source_rows = facts.origin, sources.origin, sources.rows
    data_name, sources_name = data_sheet.name, sources_sheet.name if sources_sheet else ""
    del data_sheet, sources_sheet, facts_file, sources_file, facts, sources, removed_rows
    try:
        _validate(data_dir, originals, files, lang, data_name, fact_origin, sources_name, source_origin)
    except ImportProblems:
        broken = _broken(data_dir)  # the data directory's own problems are the ones to fix first
        if broken is not None:
            raise broken from None
        raise
    diff.quotes_unchecked = _check_quotes(texts, checked, source_rows, checked, fact_origin, data_name, lang)
    return ImportPlan(lang, diff, labels, files, originals)


def _broken(data_dir: Path) -> UniondashError | None:
    """The data directory's own problems, if it has any (the import cannot be judged on broken data)."""
    try:
        load_dataset(data_dir)
    except DataError as error:
        return UniondashError(
            "数据目录本身有问题，请先修复再导入 / the data directory itself has problems; fix them before importing:\n"
            + error.message()
        )
    return None


def _label(row: Mapping[str, str], lang: Lang) -> str:
    """A figure as the report lists it: label · as written · period."""
    period = row["period_start"]
    if row["period_start"] != row["period_end"]:
        period = f"{row['period_start']}–{row['period_end']}"
    return f"{row['label_zh'] if lang == 'zh' else row['label_en']} · {row['as_written']} · {period}"


def _ignored_local_copies(sheet: SheetRows, stored: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Sources whose `local_copy` cell says something other than sources.csv: that cell is never taken."""
    ignored = []
    for _, values in sheet.rows:
        key, _ = normalise("id", values.get("id"), "en")
        cell = values.get("local_copy")
        if cell not in (None, "") and str(cell).strip() != stored.get(key, {}).get("local_copy", ""):
            ignored.append(key or "?")
    return ignored


def _validate(
    data_dir: Path,
    originals: Mapping[str, bytes],
    files: Mapping[str, bytes],
    lang: Lang,
    data_sheet: str,
    fact_rows: Mapping[str, int],
    sources_sheet: str,
    source_rows: Mapping[str, int],
) -> None:
    """Run the loader on the merged files in a scratch folder; map its problems back to the workbook."""
    with tempfile.TemporaryDirectory(prefix="uniondash-import-") as scratch:
        folder = Path(scratch) / data_dir.name
        folder.mkdir()
        for name, data in originals.items():
            (folder / f"{name}.csv").write_bytes(files.get(name, data))
        try:
            load_files(folder)  # a scratch folder: never sealed
        except DataError as error:
            ids = {name: _ids_by_line(files.get(name, originals[name])) for name in ("facts", "sources")}
            problems = []
            for problem in error.problems:
                problems.append(_from_data_problem(problem, ids, data_sheet, fact_rows, sources_sheet, source_rows))
            raise ImportProblems(problems, lang) from error


def _ids_by_line(raw: bytes) -> dict[int, str]:
    text = raw.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    out: dict[int, str] = {}
    while True:
        start = reader.line_num + 1
        record = next(reader, None)
        if record is None:
            return out
        if record:
            out[start] = record[0].strip()


def _from_data_problem(
    problem: DataProblem,
    ids: Mapping[str, Mapping[int, str]],
    data_sheet: str,
    fact_rows: Mapping[str, int],
    sources_sheet: str,
    source_rows: Mapping[str, int],
) -> ImportProblem:
    zh = translate(problem.problem)
    sheets = {
        "facts.csv": (data_sheet, fact_rows, "facts"),
        "sources.csv": (sources_sheet, source_rows, "sources"),
    }
    if problem.file in sheets and problem.row is not None:
        sheet, rows, stem = sheets[problem.file]
        key = ids[stem].get(problem.row)
        if sheet and key is not None and key in rows:
            return ImportProblem(sheet, rows[key], problem.column, zh, problem.problem)
        if key:
            return ImportProblem(
                problem.file, problem.row, problem.column, f"（编号 {key}）{zh}", f"(id {key}) {problem.problem}"
            )
    return ImportProblem(problem.file, problem.row, problem.column, zh, problem.problem)


# The loader's messages (schema.py, load.py) in Chinese, by their English beginning.
_ZH = {
    "unknown id, not in sources.csv": "未知的出处编号：既不在 sources.csv 中，也不在“来源”工作表中",
    "unknown id, not in": "未知编号，不在对应的数据文件中",
    "empty; a value is required": "为空；此项必填",
    "not an id": "不是有效编号：请用小写字母、数字和连字符",
    "not a number as written": "不是原文写法的数字（如 2600、2.8、两、一千二百；十几、数百之类的约数不是数字）",
    "not a number": "不是数字",
    "not a whole number": "不是整数",
    "duplicate": "编号重复",
    "negative": "为负数；数值应为数量或金额",
    "unknown qualifier": "未知的限定词；请用 余/多/以上/接近/近/约/超/超过/逾/不少于 或留空",
    "out of range": "超出范围",
    "not a date": "不是日期（YYYY-MM-DD）",
    "is after period_end": "起始年份晚于结束年份",
    "does not appear in source_quote": "原文写法（as_written）不在引文（source_quote）中",
    "does not appear in as_written": "限定词不在原文写法（as_written）中",
    "without its qualifier": "原文写法去掉限定词后，不等于 number_as_written 加 unit_as_written",
    "is not number_as_written times": "数值与原文写法不符：value 应等于 number_as_written（一千二百 即 1200，三四百 即 300 或 400）乘以单位中的万（10000）或亿（100000000）",
    "does not fit the metric's unit": "单位与指标的单位不符（人数、人次和金额不能混用）",
    "a rate must lie between": "比率应在 0 到 100 之间",
    "a part must share": "部分数字须与整体同一指标、同一统计期，且各部分之和不超过整体",
    "the stated rate does not equal": "比率不等于分子 ÷ 分母 × 100",
}


def translate(message: str) -> str:
    """The loader's English message in Chinese (the English itself when not known)."""
    for start, zh in _ZH.items():
        if message.startswith(start) or start in message:
            detail = (
                message.partition(": ")[2] if message.startswith(("not a number", "not a whole", "duplicate")) else ""
            )
            return f"{zh}{'：' + detail if detail else ''}"
    return message


def _check_quotes(
    texts: SourceTexts,
    facts: Mapping[str, Mapping[str, str]],
    sources: Mapping[str, Mapping[str, str]],
    fact_ids: Iterable[str],
    origin: Mapping[str, int],
    sheet: str,
    lang: Lang,
) -> list[str]:
    """Quotes of new and changed figures, against their source's text; the sources without one."""
    squeezed: dict[str, str | None] = {}
    problems: list[ImportProblem] = []
    unchecked: list[str] = []
    for key in fact_ids:
        fact = facts[key]
        source_id = fact["source_id"]
        if source_id not in squeezed:
            # local_copy as sources.csv holds it (a new source from the workbook has none): its file name only.
            found = texts.text(source_id, sources.get(source_id, {}).get("local_copy", ""))
            squeezed[source_id] = None if found is None else squeeze(found)
        text = squeezed[source_id]
        if text is None:
            if source_id not in unchecked:
                unchecked.append(source_id)
        elif squeeze(fact["source_quote"]) not in text:
            problems.append(
                ImportProblem(
                    sheet,
                    origin.get(key),
                    "source_quote",
                    f"引文不在出处 {source_id} 的原文中（须一字不差，空白不计）",
                    f"the quote does not stand in the text of source {source_id} (word for word; white space ignored)",
                )
            )
    if problems:
        raise ImportProblems(problems, lang)
    return unchecked


# ---------------------------------------------------------------------------------------------------
# Writing: all files or none


def write_plan(plan: ImportPlan, data_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the files that change as the data set's new version (datastore.write_data_set: a reader takes
    the whole new set or the old one); refuse if the data changed since the plan was made."""
    data_dir = Path(data_dir)
    try:
        write_data_set(data_dir, plan.files, base=tables_version(plan.originals))
    except DataSetConflict as error:
        raise UniondashError(
            "the data changed while the import was being checked; nothing was written: run the import again"
        ) from error
    return [data_dir / f"{name}.csv" for name in WRITE_ORDER if name in plan.files]


# ---------------------------------------------------------------------------------------------------
# The report


def describe(plan: ImportPlan, *, dry_run: bool = False, written: bool = False) -> str:
    """What the import changes, in the workbook's language."""
    diff, lang, labels = plan.diff, plan.lang, plan.labels
    zh = lang == "zh"
    lines = [
        (
            f"新增 {len(diff.added)} 个数字，修改 {len(diff.changed)} 个，未变 {len(diff.unchanged)} 个；"
            f"数据中有而工作簿中没有 {len(diff.missing)} 个"
            + ("（将删除）" if diff.removed else "（保留；加 --remove-missing 才删除）" if diff.missing else "")
            + f"；新增出处 {len(diff.sources_added)} 个，修改出处 {len(diff.sources_changed)} 个。"
        )
        if zh
        else (
            f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.unchanged)} unchanged; "
            f"{len(diff.missing)} in the data but not in the workbook"
            + (" (removed)" if diff.removed else " (kept; --remove-missing removes them)" if diff.missing else "")
            + f"; {len(diff.sources_added)} source(s) added, {len(diff.sources_changed)} changed."
        )
    ]
    if diff.added:
        lines.append("新增：" if zh else "Added:")
        lines += [f"  + {key}  {labels.get(key, '')}" for key in diff.added]
    if diff.changed:
        lines.append("修改：" if zh else "Changed:")
        for key, changes in diff.changed.items():
            lines.append(f"  ~ {key}  {labels.get(key, '')}")
            lines += [f"      {change.column}: {change.old!r} → {change.new!r}" for change in changes]
    if diff.removed:
        lines.append("删除：" if zh else "Removed:")
        lines += [f"  - {key}  {labels.get(key, '')}" for key in diff.removed]
        if diff.headlines_removed:
            lines.append(
                ("  同时从总览头条中去掉：" if zh else "  also dropped from the headlines: ")
                + ", ".join(diff.headlines_removed)
            )
    elif diff.missing and len(diff.missing) <= 20:
        lines.append(("工作簿中没有（保留）：" if zh else "Not in the workbook (kept): ") + ", ".join(diff.missing))
    if diff.sources_added:
        lines.append(("新增出处：" if zh else "Sources added: ") + ", ".join(diff.sources_added))
    for key, changes in diff.sources_changed.items():
        lines.append(("修改出处 " if zh else "Source changed: ") + key)
        lines += [f"      {change.column}: {change.old!r} → {change.new!r}" for change in changes]
    if diff.local_copy_ignored:
        lines.append(
            (
                "“来源”工作表的 local_copy 列未采用（出处原文只从服务器配置的目录读取）："
                if zh
                else "The Sources sheet's local_copy cells were not taken (source texts come from the server's "
                "source directory only): "
            )
            + ", ".join(shown(key) for key in diff.local_copy_ignored[:20])
        )
    if diff.quotes_unchecked:
        lines.append(
            (
                "以下出处在出处原文目录（--source-dir / UNIONDASH_SOURCE_DIR）中没有原文，引文未核对："
                if zh
                else "No text of these sources in the source directory (--source-dir / UNIONDASH_SOURCE_DIR): "
                "quotes not checked: "
            )
            + ", ".join(diff.quotes_unchecked)
        )
    if diff.empty:
        lines.append("没有需要写入的改动。" if zh else "Nothing to write.")
    elif dry_run:
        lines.append("试运行（--dry-run）：未写入任何文件。" if zh else "Dry run: nothing was written.")
    elif written:
        lines.append(
            ("已写入：" if zh else "Written: ") + ", ".join(f"{name}.csv" for name in WRITE_ORDER if name in plan.files)
        )
    return "\n".join(lines)
