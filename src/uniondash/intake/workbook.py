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
- a quote of a source with a local copy of its text (`local_copy`, a path relative to the folder above
  the data directory, or absolute) must stand in that text; other sources' quotes are listed as unchecked.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniondash.datastore import DataSetConflict, tables_version, write_data_set
from uniondash.errors import DataError, DataProblem, UniondashError
from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCE_COLUMNS, SOURCES_SHEET
from uniondash.load import FILES, load_dataset, load_files
from uniondash.model import Lang
from uniondash.schema import SCALES, squeeze

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
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
class ImportProblem:
    """One problem, where an analyst finds it: sheet (or data file), row as Excel shows it, column header."""

    sheet: str
    row: int | None
    column: str | None
    zh: str
    en: str

    def text(self, lang: Lang) -> str:
        if lang == "zh":
            where = f"工作表“{self.sheet}”" if not self.sheet.endswith(".csv") else f"数据文件 {self.sheet}"
            where += f" 第 {self.row} 行" if self.row else ""
            where += f"，列 {self.column}" if self.column else ""
            return f"{where}：{self.zh}"
        where = f"sheet '{self.sheet}'" if not self.sheet.endswith(".csv") else f"data file {self.sheet}"
        where += f", row {self.row}" if self.row else ""
        where += f", column '{self.column}'" if self.column else ""
        return f"{where}: {self.en}"


class ImportProblems(UniondashError):
    """The workbook cannot be imported; nothing was written. Holds every problem found."""

    def __init__(self, problems: list[ImportProblem], lang: Lang) -> None:
        self.problems = problems
        self.lang = lang
        super().__init__(self.message())

    def message(self) -> str:
        lines = [f"  {problem.text(self.lang)}" for problem in self.problems]
        if self.lang == "zh":
            head = f"工作簿有 {len(self.problems)} 处问题，未写入任何文件："
            tail = "请在工作簿中改正上述单元格后重新导入（说明见 data/README.md）。"
        else:
            head = f"{len(self.problems)} problem(s) in the workbook; nothing was written:"
            tail = "Correct the cells named above in the workbook and import it again (see data/README.md)."
        return "\n".join([head, *lines, tail])


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
    quotes_unchecked: list[str] = field(default_factory=list)  # source ids without a local copy

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


@dataclass
class SheetRows:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, column id → raw cell value)


def _problem(sheet: str, row: int | None, column: str | None, zh: str, en: str) -> ImportProblem:
    return ImportProblem(sheet, row, column, zh, en)


def read_workbook(path: str | os.PathLike[str]) -> tuple[Lang, SheetRows, SheetRows | None]:
    """The language and the rows of the data and sources sheets; `ImportProblems` if unreadable."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportProblems(
            [_problem(path.name, None, None, f"无法打开：{error.strerror}", f"cannot open: {error.strerror}")], "zh"
        ) from error
    if size > MAX_WORKBOOK_BYTES:
        raise ImportProblems(
            [
                _problem(
                    path.name,
                    None,
                    None,
                    f"文件过大（{size // 1024 // 1024} MB，上限 20 MB）",
                    "file larger than 20 MB",
                )
            ],
            "zh",
        )
    try:
        workbook = load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise ImportProblems(
            [
                _problem(
                    path.name,
                    None,
                    None,
                    "不是可读的 Excel 工作簿（.xlsx），请在 Excel 或 WPS 中另存为 .xlsx",
                    f"not a readable Excel workbook (.xlsx): save it as .xlsx in Excel or WPS ({type(error).__name__})",
                )
            ],
            "zh",
        ) from error
    lang: Lang = (
        "en" if DATA_SHEET["en"] in workbook.sheetnames and DATA_SHEET["zh"] not in workbook.sheetnames else "zh"
    )
    if DATA_SHEET[lang] not in workbook.sheetnames:
        raise ImportProblems(
            [
                _problem(
                    path.name,
                    None,
                    None,
                    f"没有“{DATA_SHEET['zh']}”工作表：请用 uniondash export-xlsx 导出的工作簿或 --template 模板",
                    f"no '{DATA_SHEET['en']}' sheet: use a workbook written by uniondash export-xlsx (or its --template)",
                )
            ],
            "zh",
        )
    too_long = [
        name
        for name in (DATA_SHEET[lang], SOURCES_SHEET[lang])
        if name in workbook.sheetnames and workbook[name].max_row > MAX_ROWS + 1
    ]
    if too_long:  # refused, never cut short
        raise ImportProblems(
            [_problem(name, None, None, f"行数超过 {MAX_ROWS}", f"more than {MAX_ROWS} rows") for name in too_long],
            lang,
        )
    data = _sheet_rows(workbook[DATA_SHEET[lang]])
    sources = _sheet_rows(workbook[SOURCES_SHEET[lang]]) if SOURCES_SHEET[lang] in workbook.sheetnames else None
    return lang, data, sources


def _sheet_rows(ws: Any) -> SheetRows:
    header: list[str] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    # Bounded by the rows the sheet has: iter_rows(max_row=N) makes (and walks) every empty cell up to row N,
    # 20 001 rows × every column per sheet, which took nearly all of an import's time.
    for row_number, cells in enumerate(ws.iter_rows(max_row=min(ws.max_row, MAX_ROWS + 1)), start=1):
        if row_number == 1:
            header = ["" if cell.value is None else str(cell.value).strip() for cell in cells]
            continue
        values: dict[str, Any] = {}
        for column, cell in zip(header, cells, strict=False):
            if not column:
                continue
            value = cell.value
            if cell.data_type == "f":
                value = _Formula(str(value))
            values[column] = value
        if any(
            value not in (None, "") and not (isinstance(value, str) and not value.strip()) for value in values.values()
        ):
            rows.append((row_number, values))
    return SheetRows(ws.title, header, rows)


@dataclass(frozen=True)
class _Formula:
    text: str


# ---------------------------------------------------------------------------------------------------
# Normalising what people type


def _number_text(value: float) -> str:
    """A number as the CSV writes it: 500000, 2.8, 93.5 (no exponent, no trailing zeros)."""
    text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    return text or "0"


def normalise(column: str, value: Any, lang: Lang) -> tuple[str, tuple[str, str] | None]:
    """The CSV text for a cell, or a problem (zh, en). See the module docstring for what is accepted."""
    if isinstance(value, _Formula):
        return "", ("是公式，请填写数值或文字本身", "is a formula: type the value itself")
    if value is None:
        return "", None
    if isinstance(value, bool):
        return "", ("不是数字或文字", "is neither a number nor text")
    if column in ("value", "period_start", "period_end", "number_as_written", "page"):
        if isinstance(value, int | float):
            number = float(value)
        else:
            text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
            if not text:
                return "", None
            match = NUMBER_TEXT.match(text)
            scale = match.group(2) if match else None
            if match is None or (scale and column != "value"):
                return "", (f"不是数字：{value!r}", f"not a number: {value!r}")
            if column == "number_as_written":
                return match.group(1), None  # as written: 2.80 stays 2.80
            number = float(match.group(1)) * (SCALES[scale] if scale else 1)
        if column in ("period_start", "period_end", "page") and not number.is_integer():
            return "", (f"不是整数：{value!r}", f"not a whole number: {value!r}")
        return _number_text(number), None
    if isinstance(value, int | float):
        return _number_text(float(value)), None
    text = str(value).strip()
    if column in ID_COLUMNS:
        text = unicodedata.normalize("NFKC", text).strip()
    return text, None


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
) -> tuple[_Merged, list[str], dict[str, list[FieldChange]], list[str], list[str]]:
    """Merge a sheet into a file's records: (merged, added, changed, unchanged, missing)."""
    missing_columns = [column for column in columns if column not in sheet.header]
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
            text, problem = normalise(column, values.get(column), lang)
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
        old_row = dict(zip(file.header, (cell.strip() for cell in cells), strict=True))
        key = old_row[file.header[0]]
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


def _local_copy(data_dir: Path, local_copy: str) -> Path | None:
    if not local_copy:
        return None
    path = Path(local_copy).expanduser()
    candidates = [path] if path.is_absolute() else [data_dir.parent / path, data_dir / path]
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def plan_import(
    workbook: str | os.PathLike[str], data_dir: str | os.PathLike[str], remove_missing: bool = False
) -> ImportPlan:
    """Read, merge and validate; the plan to write, or `ImportProblems` naming every problem."""
    data_dir = Path(data_dir)
    lang, data_sheet, sources_sheet = read_workbook(workbook)
    originals = {name: (data_dir / f"{name}.csv").read_bytes() for name in FILES}
    try:
        load_dataset(data_dir)
    except DataError as error:
        raise UniondashError(
            "数据目录本身有问题，请先修复再导入 / the data directory itself has problems; fix them before importing:\n"
            + error.message()
        ) from error
    problems: list[ImportProblem] = []
    facts_file, sources_file = read_csv(originals["facts"]), read_csv(originals["sources"])
    facts, added, changed, unchanged, missing = _merge_sheet(
        data_sheet, FACT_COLUMNS, facts_file, lang, problems, identity=IDENTITY, remove_missing=remove_missing
    )
    diff = Diff(added=added, changed=changed, unchanged=unchanged, missing=missing)
    files: dict[str, bytes] = {}
    sources = _Merged([], _rows_by_id(sources_file), {})
    if sources_sheet is not None:
        sources, diff.sources_added, diff.sources_changed, _, _ = _merge_sheet(
            sources_sheet, SOURCE_COLUMNS, sources_file, lang, problems
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
    _validate(data_dir, originals, files, lang, data_sheet.name, facts.origin, sources_sheet, sources.origin)
    diff.quotes_unchecked = _check_quotes(
        data_dir, facts.rows, sources.rows, [*added, *changed], facts.origin, data_sheet.name, lang
    )
    labels = {
        key: f"{row['label_zh'] if lang == 'zh' else row['label_en']} · {row['as_written']} · "
        + (
            row["period_start"]
            if row["period_start"] == row["period_end"]
            else f"{row['period_start']}–{row['period_end']}"
        )
        for key, row in {**_rows_by_id(facts_file), **facts.rows}.items()
    }
    return ImportPlan(lang, diff, labels, files, originals)


def _validate(
    data_dir: Path,
    originals: Mapping[str, bytes],
    files: Mapping[str, bytes],
    lang: Lang,
    data_sheet: str,
    fact_rows: Mapping[str, int],
    sources_sheet: SheetRows | None,
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
    sources_sheet: SheetRows | None,
    source_rows: Mapping[str, int],
) -> ImportProblem:
    zh = translate(problem.problem)
    sheets = {
        "facts.csv": (data_sheet, fact_rows, "facts"),
        "sources.csv": (sources_sheet.name if sources_sheet else "", source_rows, "sources"),
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
    "not a number": "不是数字",
    "not a whole number": "不是整数",
    "duplicate": "编号重复",
    "negative": "为负数；数值应为数量或金额",
    "not a plain number": "不是纯数字（如 2600 或 2.8）",
    "unknown qualifier": "未知的限定词；请用 余/多/以上/接近/近/约/超过/逾 或留空",
    "out of range": "超出范围",
    "not a date": "不是日期（YYYY-MM-DD）",
    "is after period_end": "起始年份晚于结束年份",
    "does not appear in source_quote": "原文写法（as_written）不在引文（source_quote）中",
    "does not appear in as_written": "限定词不在原文写法（as_written）中",
    "without its qualifier": "原文写法去掉限定词后，不等于 number_as_written 加 unit_as_written",
    "is not number_as_written times": "数值与原文写法不符：value 应等于 number_as_written 乘以单位中的万（10000）或亿（100000000）",
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
    data_dir: Path,
    facts: Mapping[str, Mapping[str, str]],
    sources: Mapping[str, Mapping[str, str]],
    fact_ids: Iterable[str],
    origin: Mapping[str, int],
    sheet: str,
    lang: Lang,
) -> list[str]:
    """Quotes of new and changed figures, against their source's local copy; the sources without one."""
    texts: dict[str, str | None] = {}
    problems: list[ImportProblem] = []
    unchecked: list[str] = []
    for key in fact_ids:
        fact = facts[key]
        source_id = fact["source_id"]
        if source_id not in texts:
            path = _local_copy(data_dir, sources.get(source_id, {}).get("local_copy", ""))
            texts[source_id] = squeeze(path.read_text(encoding="utf-8")) if path else None
        text = texts[source_id]
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
    if diff.quotes_unchecked:
        lines.append(
            (
                "以下出处没有本地原文副本（local_copy），引文未核对："
                if zh
                else "No local copy of these sources' text (local_copy): quotes not checked: "
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
