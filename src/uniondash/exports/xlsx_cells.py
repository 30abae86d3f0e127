"""Cells and sheets of the Excel workbooks: values, fonts, styles, tables and print set-up.

The leaf the workbook builder (`xlsx`) and its native charts (`xlsx_charts`) both write with; it knows
nothing of charts or of which sheets a workbook has.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.pagebreak import Break, ColBreak
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# Excel runs (or, once the cell is edited, re-parses) text starting with these as a formula.
from uniondash.columns import FORMULA_STARTS as FORMULA_STARTS
from uniondash.exports.xlsx_data import (
    ROW_LINE_PT,
    display_width,
    wrapped_lines,
)
from uniondash.model import Lang

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
# Calc sizes a column-width unit by the default face's digit at 10 pt. Where the named faces are missing
# (Debian: "Microsoft YaHei" and "Arial" fall back to DejaVu Sans) a unit is 6.35 pt, measured by printing
# columns of 10, 20 and 40 units to PDF: the widest of the faces in play, so a page planned with it holds.
# Narrower digits (Liberation Sans, YaHei itself in Excel) only print a little larger.
COLUMN_UNIT_PT = 6.35
SIDE_MARGIN_IN = 0.25  # Excel's "Narrow" margins: the most columns a page holds at 80 %
A4_WIDTH_PT = {"landscape": 841.89, "portrait": 595.28}
# Printable width of A4 in column-width units at 100 %: 126 landscape, 88 portrait.
PAGE_WIDTH_UNITS = {
    orientation: int((width - 2 * 72 * SIDE_MARGIN_IN) / COLUMN_UNIT_PT) for orientation, width in A4_WIDTH_PT.items()
}
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
NOTES_VALUE_WIDTH = 66  # with the key column, the width of a portrait page
ROWS_PER_CM = 1 / 0.53  # a default Excel row (15 pt) is about 0.53 cm tall


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
    # The column that starts a second printed page when the table is too wide for one at 80 %
    # (`print_setup` keeps the break only then); None lets Calc break where the page is full.
    print_break: str | None = None


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

    The scale is set, not left to the application's "fit to width": Calc's own fitting shrank some sheets
    below what their widths need (78 % for 80 %). `landscape=None` chooses: landscape when the columns
    do not fit a portrait page at 80 %. `title_rows` ("1:1") repeat on every printed page, `title_columns`
    ("A:A") on pages that continue to the right. A sheet wider than a page prints a row's pages one after
    another (over, then down), at the column breaks its table asked for (`Table.print_break`) or where
    the page is full; a sheet that fits drops those breaks. The print area is the used range, so an
    empty selection prints its headers and message, not a blank, unless the sheet set a narrower one
    (全部数据 leaves out the columns it holds for reading on screen).
    """
    last_column = max(ws.max_column, 1)
    if ws.print_area:
        last_column = min(last_column, range_boundaries(ws.print_area.rpartition("!")[2].replace("$", ""))[2] or 1)
    widths = [(ws.column_dimensions[get_column_letter(column)].width or 8.43) for column in range(1, last_column + 1)]
    total = sum(widths)
    if landscape is None:
        landscape = print_scale(total, PAGE_WIDTH_UNITS["portrait"]) is None
    page = PAGE_WIDTH_UNITS["landscape" if landscape else "portrait"]
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    scale = print_scale(total, page)
    if scale is not None:
        ws.page_setup.scale = scale
        ws.col_breaks = ColBreak()  # one page wide: a break asked for in case it did not fit is not needed
    else:
        ws.page_setup.scale = MIN_PRINT_SCALE
        ws.page_setup.pageOrder = "overThenDown"
        if title_columns:
            ws.print_title_cols = title_columns
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = f"A1:{get_column_letter(last_column)}{max(ws.max_row, 1)}"


def print_scale(total_units: float, page_units: int) -> int | None:
    """The scale (%) at which columns `total_units` wide fill a page `page_units` wide, at most 100;
    None when that would be below 80 % (text under 8 pt)."""
    scale = min(100, math.floor(page_units * 100 / max(total_units, 1)))
    return scale if scale >= MIN_PRINT_SCALE else None


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
    if table.print_break in table.headers:
        ws.col_breaks.append(Break(id=table.headers.index(table.print_break)))  # after the column before it
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


NOTES_KEY_WIDTH = 34  # a sheet name (at most 31 characters, bold) on one line


def _write_lines(ws: Worksheet, lines: Sequence[tuple[str, str, bool]]) -> None:
    """Key/value lines for the notes sheet; a heading's text runs on over the empty value column."""
    ws.column_dimensions["A"].width = NOTES_KEY_WIDTH
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
        # A row as tall as its value's lines, or its key's (a long sheet name wraps in its column too).
        lines_needed = max(
            wrapped_lines(value, NOTES_VALUE_WIDTH) if value else 1,
            wrapped_lines(key, NOTES_KEY_WIDTH * 4 // 5) if key and not heading else 1,  # bold: wider letters
        )
        if row == 1 and not value:
            # The workbook's title spans both columns and wraps there: a long one (English, a report's name)
            # would run past the printed page.
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
            key_cell.alignment = TOP_WRAPPED
            title_width = (NOTES_KEY_WIDTH + NOTES_VALUE_WIDTH) * FONT_SIZE_PT // 13
            lines_needed = wrapped_lines(key, title_width) if key else 1
            ws.row_dimensions[row].height = LINE_HEIGHT_PT * 13 / FONT_SIZE_PT * lines_needed
        elif lines_needed > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT_PT * lines_needed
