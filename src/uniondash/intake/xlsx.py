"""The sheets of an untrusted .xlsx, read the way the importer needs them: streamed, bounded, never built whole.

openpyxl builds every cell of every sheet before anyone can look at a row count, and holds all shared strings
at once; a 2 MB file could hold 22 million cells or 1.5 GB of text. Here the container is checked first
(`archive.open_archive`: sizes, ratios, member count), then only four parts are parsed, each streamed through
the hardened parser (`xmlstream.parse`: no DTD, bounded markup and depth): the package and workbook
relationships, `workbook.xml` (the sheets, their visibility), the shared strings, and the sheets asked for.
A sheet is read row by row and the reading stops at the first row past `max_rows`, past `max_cells`, or when
the text kept passes `max_text_chars`; a cell's text is kept up to `max_cell_chars` (Excel's own limit) and
beyond that only counted, so a 10 MB cell costs 32 K characters and is named with its length.

Only the columns asked for are kept (by the ids in the header row). What a cell holds becomes a Python value
as openpyxl would give it (int, float, str, bool, None) or a marker the importer turns into a message
(`Formula`, `CellError`, `TooLong`, `Unreadable`). Every problem is an `ImportProblems` naming the sheet and
row (or the part of the file), never a traceback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from uniondash.intake import xmlstream
from uniondash.intake.archive import (
    ArchiveError,
    ArchiveLimits,
    SafeArchive,
    iter_chunks,
    open_archive,
    part_name,
    printable,
)
from uniondash.intake.problems import ImportProblem, ImportProblems

EXCEL_CELL_CHARS = 32_767  # the most a cell of Excel can hold
EXCEL_COLUMNS = 16_384  # XFD
EXCEL_ROWS = 1_048_576


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (its value is not what was typed)."""


@dataclass(frozen=True)
class CellError:
    code: str  # #N/A, #REF!, …


@dataclass(frozen=True)
class TooLong:
    length: int  # characters in the cell, of which none were kept


@dataclass(frozen=True)
class Unreadable:
    stored: str  # what the file stores, cut short, for the message


CellValue = Union[None, bool, int, float, str, Formula, CellError, TooLong, Unreadable]  # noqa: UP007


@dataclass(frozen=True)
class SheetLimits:
    max_rows: int = 20_000  # rows below the header
    max_cells_per_row: int = 64  # on average: a sheet may hold (max_rows + 1) × this many cells
    max_cell_chars: int = EXCEL_CELL_CHARS
    max_text_chars: int = 8_000_000  # text kept from every sheet read (a facts.csv of 20 000 rows holds ~3 M)
    max_shared_strings: int = 500_000
    max_shared_chars: int = 16_000_000
    max_sheets: int = 1_000

    @property
    def max_cells(self) -> int:
        return (self.max_rows + 1) * self.max_cells_per_row


@dataclass(frozen=True)
class SheetEntry:
    name: str
    state: str  # visible, hidden or veryHidden
    part: str | None  # the part holding its cells; None if the workbook points outside the file


@dataclass
class SheetRows:
    """A sheet as read: its header row (the text of each column, "" where empty) and its non-empty rows."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, CellValue]]]  # (Excel row number, column id → value)
    date1904: bool = False  # dates are days since 1904 (old Mac workbooks), else since 1900


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """OOXML writes characters XML cannot hold as `_x000D_`; Excel shows them as the characters (so does this,
    and the importer then refuses a control character by name)."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text) if "_x" in text else text


_CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d{1,7})$")


def _column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Stop(Exception):
    """Raised by a handler when it has read what it needs."""


def _positive(text: str | None, limit: int) -> int | None:
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number if 1 <= number <= limit else None


# ---------------------------------------------------------------------------------------------------
# The small parts: relationships, workbook.xml


class _Relationships:
    def __init__(self, limit: int) -> None:
        self.targets: dict[str, tuple[str, str, bool]] = {}  # id → (type, target, external)
        self.limit = limit
        self.too_many = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "Relationship":
            if len(self.targets) >= self.limit:
                self.too_many = True
                raise _Stop
            external = attrs.get("TargetMode", "") == "External"
            self.targets[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""), external)

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _WorkbookPart:
    def __init__(self, limit: int) -> None:
        self.sheets: list[tuple[str, str, str]] = []  # (name, state, relationship id)
        self.date1904 = False
        self.limit = limit
        self.too_many = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "sheet":
            if len(self.sheets) >= self.limit:
                self.too_many = True
                raise _Stop
            self.sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), attrs.get("id", "")))
        elif name == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")

    def end(self, name: str) -> None:
        if name == "sheets":
            raise _Stop

    def text(self, data: str) -> None:
        pass


# ---------------------------------------------------------------------------------------------------
# Shared strings and sheets


class _SharedStrings:
    """Every `<si>` of the shared strings part, in order: its text (phonetic runs left out) or `TooLong`."""

    def __init__(self, limits: SheetLimits, file: str, member: str) -> None:
        self.items: list[str | TooLong] = []
        self.limits = limits
        self.file = file
        self.member = member
        self.chars = 0
        self._in_item = False
        self._collect = False
        self._phonetic = 0
        self._parts: list[str] = []
        self._length = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "si":
            self._in_item, self._parts, self._length, self._phonetic = True, [], 0, 0
        elif name == "t" and self._in_item and not self._phonetic:
            self._collect = True
        elif name == "rPh":
            self._phonetic += 1

    def text(self, data: str) -> None:
        if self._collect:
            self._length += len(data)
            if self._length <= self.limits.max_cell_chars:
                self._parts.append(data)
            elif self._parts:
                self._parts = []

    def end(self, name: str) -> None:
        if name == "t":
            self._collect = False
        elif name == "rPh":
            self._phonetic -= 1
        elif name == "si":
            self._in_item = False
            if self._length > self.limits.max_cell_chars:
                self.items.append(TooLong(self._length))
            else:
                text = unescape("".join(self._parts))
                self.chars += len(text)
                self.items.append(text)
            if len(self.items) > self.limits.max_shared_strings:
                raise ImportProblems(
                    [
                        part_problem(
                            self.file,
                            self.member,
                            f"more than {self.limits.max_shared_strings:,} shared strings",
                            f"共享字符串超过 {self.limits.max_shared_strings:,} 个",
                        )
                    ],
                    "zh",
                )
            if self.chars > self.limits.max_shared_chars:
                raise ImportProblems(
                    [
                        part_problem(
                            self.file,
                            self.member,
                            f"its shared strings hold more than {self.limits.max_shared_chars:,} characters",
                            f"共享字符串合计超过 {self.limits.max_shared_chars:,} 个字符",
                        )
                    ],
                    "zh",
                )


_NONE, _VALUE, _INLINE = 0, 1, 2


class _Sheet:
    """One sheet's rows, row by row: the header row whole, then the cells of the wanted columns."""

    def __init__(
        self,
        name: str,
        columns: Collection[str],
        limits: SheetLimits,
        shared: list[str | TooLong],
        budget: list[int],
    ) -> None:
        self.name = name
        self.columns = columns
        self.limits = limits
        self.shared = shared
        self.budget = budget  # [characters of text kept so far, by every sheet read]
        self.header: dict[int, str] = {}
        self.wanted: dict[int, str] = {}
        self.rows: list[tuple[int, dict[str, CellValue]]] = []
        self.row = 0
        self.col = 0
        self.cells = 0
        self._values: dict[str, CellValue] = {}
        self._keep = False
        self._kind = "n"
        self._formula = False
        self._target = _NONE
        self._in_inline = False
        self._phonetic = 0
        self._parts: list[str] = []
        self._length = 0

    def _refuse(self, en: str, zh: str, row: int | None = None) -> ImportProblems:
        return ImportProblems([ImportProblem(self.name, row or self.row or None, None, zh, en)], "zh")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "c":
            self.cells += 1
            if self.cells > self.limits.max_cells:
                raise self._refuse(
                    f"more than {self.limits.max_cells:,} cells: refused, not cut short",
                    f"单元格超过 {self.limits.max_cells:,} 个：拒绝导入，不截断",
                )
            ref = attrs.get("r")
            if ref is None:
                col = self.col + 1
            else:
                match = _CELL_REF.match(ref)
                col = _column_index(match.group(1)) if match else 0
            if not 1 <= col <= EXCEL_COLUMNS or col <= self.col:
                raise self._refuse(
                    f"a cell reference out of place ({printable(ref or '', 20)!r} after column {column_letter(self.col) or '–'}): "
                    "the file is damaged; save it again from Excel, WPS or LibreOffice",
                    f"单元格位置错乱（{printable(ref or '', 20)}），文件已损坏：请用 Excel、WPS 或 LibreOffice 重新保存",
                )
            self.col = col
            self._keep = self.row == 1 or col in self.wanted
            self._kind = attrs.get("t", "n")
            self._formula = False
            self._target = _NONE
            self._parts, self._length = [], 0
        elif name == "v":
            self._target = _VALUE if self._keep else _NONE
        elif name == "t":
            if self._in_inline and not self._phonetic and self._keep:
                self._target = _INLINE
        elif name == "is":
            self._in_inline = True
        elif name == "f":
            self._formula = True
        elif name == "rPh":
            self._phonetic += 1
        elif name == "row":
            self._start_row(attrs.get("r"))

    def _start_row(self, ref: str | None) -> None:
        number = self.row + 1 if ref is None else _positive(ref, EXCEL_ROWS)
        if number is None or number <= self.row:
            raise self._refuse(
                f"a row number out of place ({printable(ref or '', 20)!r} after row {self.row}): the file is damaged; save it again "
                "from Excel, WPS or LibreOffice",
                f"行号错乱（{printable(ref or '', 20)}），文件已损坏：请用 Excel、WPS 或 LibreOffice 重新保存",
            )
        if self.row < 1 < number:
            self._end_header()  # no row 1 in the file: an empty header
        if number > self.limits.max_rows + 1:
            raise self._refuse(
                f"more than {self.limits.max_rows} rows (row {number} holds data or formatting): refused, not cut "
                "short; delete the rows below the data, or split the workbook",
                f"行数超过 {self.limits.max_rows}（第 {number} 行有内容或格式）：拒绝导入，不截断；请删除数据以下的行，或拆分工作簿",
                number,
            )
        self.row, self.col, self._values = number, 0, {}

    def text(self, data: str) -> None:
        if self._target:
            self._length += len(data)
            if self._length <= self.limits.max_cell_chars:
                self._parts.append(data)
            elif self._parts:
                self._parts = []

    def end(self, name: str) -> None:
        if name == "c":
            if self._keep:
                self._store(self._value())
            self._keep = False
        elif name in ("v", "t"):
            self._target = _NONE
        elif name == "is":
            self._in_inline = False
        elif name == "rPh":
            self._phonetic -= 1
        elif name == "row":
            if self.row == 1:
                self._end_header()
            elif any(
                value is not None and not (isinstance(value, str) and not value.strip())
                for value in self._values.values()
            ):
                self.rows.append((self.row, self._values))
        elif name == "sheetData":
            if self.row < 1:
                self._end_header()
            raise _Stop  # what follows (merged cells, print setup…) is not read

    def _end_header(self) -> None:
        for col, text in sorted(self.header.items()):
            if text in self.columns and text not in self.wanted.values():
                self.wanted[col] = text

    def _store(self, value: CellValue) -> None:
        if isinstance(value, str):
            self.budget[0] += len(value)
            if self.budget[0] > self.limits.max_text_chars:
                raise self._refuse(
                    f"the sheets hold more than {self.limits.max_text_chars:,} characters of text in the columns "
                    "read: refused, not cut short",
                    f"读取的各列文字合计超过 {self.limits.max_text_chars:,} 个字符：拒绝导入，不截断",
                )
        if self.row == 1:
            if value is not None and not isinstance(value, Formula | CellError | TooLong | Unreadable):
                self.header[self.col] = str(value).strip()
        else:
            self._values[self.wanted[self.col]] = value

    def _value(self) -> CellValue:
        if self._formula:
            return Formula()
        if self._length > self.limits.max_cell_chars:
            return TooLong(self._length)
        text = "".join(self._parts)
        kind = self._kind
        if kind == "s":
            index = text.strip()
            if index.isascii() and index.isdigit() and len(index) <= 9 and int(index) < len(self.shared):
                return self.shared[int(index)]
            return Unreadable(f"shared string {index[:20]!r}")
        if kind in ("inlineStr", "str"):
            return unescape(text)
        if kind == "b":
            return text.strip() == "1" if text.strip() in ("0", "1") else Unreadable(text[:20])
        if kind == "e":
            return CellError(text.strip()[:20])
        if kind == "d":
            return text.strip()
        if kind != "n":
            return Unreadable(f"type {kind[:20]!r}")
        number = text.strip()
        if not number:
            return None
        try:
            value = int(number) if number.lstrip("-").isdigit() and len(number) < 20 else float(number)
        except ValueError:
            return Unreadable(number[:20])
        if isinstance(value, float) and not math.isfinite(value):
            return Unreadable(number[:20])
        return value


def part_problem(file: str, member: str | None, en: str, zh: str) -> ImportProblem:
    """A problem of the file itself, in one of its parts."""
    if member:
        zh, en = f"（{member}）{zh}", f"(part {member}) {en}"
    return ImportProblem(file, None, None, zh, en, file=True)


# ---------------------------------------------------------------------------------------------------
# The workbook


@dataclass
class XlsxBook:
    """An opened workbook: its sheets (name, visibility, part) and a way to read one."""

    archive: SafeArchive
    limits: SheetLimits
    sheets: list[SheetEntry]
    date1904: bool
    shared_part: str | None
    _shared: list[str | TooLong] | None = None
    _budget: list[int] = field(default_factory=lambda: [0])

    @property
    def file(self) -> str:
        return self.archive.path.name

    def entry(self, name: str) -> SheetEntry | None:
        return next((sheet for sheet in self.sheets if sheet.name == name), None)

    def _parse(self, member: str, handler: xmlstream.Handler, sheet: str | None = None, row: int | None = None) -> None:
        try:
            with self.archive.open(member) as stream:
                xmlstream.parse(iter_chunks(stream), handler, member=member)
        except _Stop:
            return
        except xmlstream.XmlError as error:
            at = f"{error.member}, line {error.line}" if error.line else error.member
            if sheet is not None:
                problem = ImportProblem(
                    sheet, getattr(handler, "row", None) or None, None, f"{error.zh}（{at}）", f"{error.en} ({at})"
                )
            else:
                problem = part_problem(self.file, at, error.en, error.zh)
            raise ImportProblems([problem], "zh") from None
        except ArchiveError as error:
            raise ImportProblems([_archive_problem(error)], "zh") from None

    def read(self, entry: SheetEntry, columns: Collection[str]) -> SheetRows:
        """The header and the non-empty rows of a sheet, keeping the cells of `columns` (by header text)."""
        if entry.part is None or not self.archive.has(entry.part):
            raise ImportProblems(
                [
                    ImportProblem(
                        entry.name,
                        None,
                        None,
                        "工作表的内容不在文件中（指向外部或缺失）：请重新保存工作簿",
                        "the sheet's cells are not in the file (it points elsewhere, or is missing): save the workbook again",
                    )
                ],
                "zh",
            )
        if self._shared is None:
            strings = _SharedStrings(self.limits, self.file, self.shared_part or "")
            if self.shared_part is not None:
                self._parse(self.shared_part, strings)
            self._shared = strings.items
        sheet = _Sheet(entry.name, columns, self.limits, self._shared, self._budget)
        self._parse(entry.part, sheet, sheet=entry.name)
        width = max(sheet.header, default=0)
        header = [sheet.header.get(col, "") for col in range(1, width + 1)]
        return SheetRows(entry.name, header, sheet.rows, self.date1904)


def _archive_problem(error: ArchiveError) -> ImportProblem:
    en, zh = error.en, error.zh
    if error.unreadable:
        en, zh = f"not a readable Excel workbook (.xlsx): {en}", f"不是可读的 Excel 工作簿（.xlsx）：{zh}"
    return part_problem(error.file, error.member, en, zh)


_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"


@contextmanager
def open_xlsx(path: str | Path, archive_limits: ArchiveLimits, limits: SheetLimits) -> Iterator[XlsxBook]:
    """The workbook at `path`, its container checked and its list of sheets read; `ImportProblems` if it cannot
    be read safely."""
    path = Path(path)
    try:
        archive = open_archive(path, archive_limits)
    except ArchiveError as error:
        raise ImportProblems([_archive_problem(error)], "zh") from None
    with archive:
        yield _book(archive, limits)


def _book(archive: SafeArchive, limits: SheetLimits) -> XlsxBook:
    name = archive.path.name

    def refuse(en: str, zh: str) -> ImportProblems:
        return ImportProblems([ImportProblem(name, None, None, zh, en, file=True)], "zh")

    probe = XlsxBook(archive, limits, [], False, None)
    package = _Relationships(limit=1_000)
    if not archive.has("_rels/.rels"):
        raise refuse(
            "not an Excel workbook (.xlsx): no package relationships; save it as .xlsx in Excel or WPS",
            "不是可读的 Excel 工作簿（.xlsx，缺少包关系），请在 Excel 或 WPS 中另存为 .xlsx",
        )
    probe._parse("_rels/.rels", package)
    if package.too_many:
        raise refuse("more than 1,000 package relationships", "包关系超过 1,000 个")
    workbook_part = next(
        (
            part_name("", target)
            for kind, target, external in package.targets.values()
            if kind.endswith(_OFFICE_DOCUMENT) and not external
        ),
        None,
    )
    if workbook_part is None or not archive.has(workbook_part):
        raise refuse(
            "not an Excel workbook (.xlsx): no workbook part; save it as .xlsx in Excel or WPS",
            "不是可读的 Excel 工作簿（.xlsx，缺少工作簿部分），请在 Excel 或 WPS 中另存为 .xlsx",
        )
    workbook = _WorkbookPart(limits.max_sheets)
    probe._parse(workbook_part, workbook)
    if workbook.too_many:
        raise refuse(
            f"more than {limits.max_sheets:,} sheets",
            f"工作表超过 {limits.max_sheets:,} 个",
        )
    relationships = _Relationships(limit=limits.max_sheets + 100)
    rels_part = part_name(workbook_part, "_rels/" + workbook_part.rpartition("/")[2] + ".rels")
    if rels_part is not None and archive.has(rels_part):
        probe._parse(rels_part, relationships)
        if relationships.too_many:
            raise refuse(
                f"more than {relationships.limit:,} workbook relationships",
                f"工作簿关系超过 {relationships.limit:,} 个",
            )
    sheets: list[SheetEntry] = []
    seen: set[str] = set()
    for sheet_name, state, relationship in workbook.sheets:
        kind, target, external = relationships.targets.get(relationship, ("", "", True))
        part = None if external or not kind.endswith(_WORKSHEET) else part_name(workbook_part, target)
        if sheet_name.lower() in seen:  # Excel compares sheet names without case
            raise refuse(
                f"two sheets are named {printable(sheet_name)!r}: the file is damaged; save it again from Excel or WPS",
                f"有两个工作表同名（{printable(sheet_name)}），文件已损坏：请用 Excel 或 WPS 重新保存",
            )
        seen.add(sheet_name.lower())
        sheets.append(SheetEntry(sheet_name, state, part))
    shared = next(
        (
            part_name(workbook_part, target)
            for kind, target, external in relationships.targets.values()
            if kind.endswith(_SHARED_STRINGS) and not external
        ),
        None,
    )
    if shared is not None and not archive.has(shared):
        shared = None
    return XlsxBook(archive, limits, sheets, workbook.date1904, shared)
