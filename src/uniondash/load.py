"""Read the data directory into a validated `Dataset`: all of it or nothing, with every problem named.

What is validated is exactly what is served: the loader checks the bytes of one data set, read once
(`datastore.read_data_set`), and builds the `Dataset` from those same bytes, never reading a file twice.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from uniondash import schema
from uniondash.datastore import FILES, DataSet, read_data_set, read_files
from uniondash.errors import DataError, DataProblem
from uniondash.model import Dataset

__all__ = ["FILES", "load_data_set", "load_dataset", "load_files", "load_tables"]


class _Table:
    """A CSV file read as text, with the editor line of each record for error messages."""

    def __init__(self, name: str, frame: pd.DataFrame, lines: list[int]) -> None:
        self.name = name
        self.file = f"{name}.csv"
        self.frame = frame
        self.lines = lines

    def line_of(self, index: object) -> int | None:
        if isinstance(index, int) and 0 <= index < len(self.lines):
            return self.lines[index]
        return None


def _read_csv(name: str, raw: bytes | None, problems: list[DataProblem]) -> _Table | None:
    path = Path(f"{name}.csv")
    if raw is None:
        problems.append(DataProblem(path.name, None, None, "file is missing"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(
            DataProblem(path.name, line, None, "not UTF-8 text (save the file as UTF-8, with or without BOM)")
        )
        return None
    # strict: a quote closed in the middle of a cell ('"a"b') is an error, not silently joined text.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(DataProblem(path.name, None, None, "file is empty; it needs a header row"))
        return None
    except csv.Error as error:
        problems.append(DataProblem(path.name, 1, None, f"not valid CSV: {error}; {_STRAY_QUOTE.format(1)}"))
        return None
    if reader.line_num > 1:
        problems.append(DataProblem(path.name, 1, None, _runs_on(1, reader.line_num)))
        return None
    header = [column.strip() for column in header]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    for column in duplicated:
        problems.append(DataProblem(path.name, 1, column, "column appears more than once in the header"))
    records: list[list[str]] = []
    lines: list[int] = []
    bad_rows = False
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(
                DataProblem(path.name, start, None, f"not valid CSV: {error}; {_STRAY_QUOTE.format(start)}")
            )
            return None
        if reader.line_num > start:
            # One record, one line: a cell never holds a line break, so a record that spans lines is a quote
            # left open (it would swallow the records after it). Refused here, at the line of the quote.
            problems.append(DataProblem(path.name, start, None, _runs_on(start, reader.line_num)))
            bad_rows = True
            continue
        if not any(cell.strip() for cell in record):
            continue  # blank lines are allowed, e.g. at the end of a file edited by hand
        if len(record) != len(header):
            problems.append(
                DataProblem(path.name, start, None, f"has {len(record)} fields, the header has {len(header)}")
            )
            bad_rows = True
            continue
        cells = [cell.strip() for cell in record]
        for column, cell in zip(header, cells, strict=True):
            control = control_character(cell)
            if control is not None:
                problems.append(DataProblem(path.name, start, column, control))
                bad_rows = True
        records.append(cells)
        lines.append(start)
    if duplicated or bad_rows:
        return None
    frame = pd.DataFrame(records, columns=header, dtype="str")
    return _Table(name, frame, lines)


_STRAY_QUOTE = 'a stray or unclosed " on line {}? Close the quote on that line or remove it'


def _runs_on(start: int, end: int) -> str:
    return (
        f"a quoted cell runs on from line {start} to line {end}: {_STRAY_QUOTE.format(start)} "
        "(a cell may not hold a line break)"
    )


# Line and paragraph separators break a line as a control character does.
_SEPARATORS = {"\u2028", "\u2029"}


def control_character(cell: str) -> str | None:
    """The problem if `cell` holds a control character (tab, NUL, bell…; they break images and lines), else None."""
    for position, char in enumerate(cell, start=1):
        if unicodedata.category(char) == "Cc" or char in _SEPARATORS:
            return (
                f"holds the control character U+{ord(char):04X} at character {position}: "
                "delete it (it is invisible in most editors; retype the cell)"
            )
    return None


_COERCE_PROBLEMS = {"float64": "not a number", "int64": "not a whole number"}


def _problems_from(error: pa.errors.SchemaErrors, table: _Table) -> list[DataProblem]:
    """Turn pandera's failure cases into one line per (row, column, problem)."""
    problems: dict[tuple[int | None, str | None, str], DataProblem] = {}
    cases = error.failure_cases
    coerced_columns = set(cases.loc[cases["check"].astype(str).str.startswith("coerce_dtype"), "column"])
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = None if pd.isna(case.column) else str(case.column)
        index = None if pd.isna(case.index) else int(case.index)
        value = case.failure_case
        if check == "column_in_dataframe":
            problem, column = "column is missing", str(value)
        elif check == "column_in_schema":
            problem, column = "unexpected column (see data/README.md for the columns of this file)", str(value)
        elif check.startswith("coerce_dtype"):
            kind = check.split("'")[1] if "'" in check else "type"
            problem = f"{_COERCE_PROBLEMS.get(kind, 'wrong type')}: {value!r}"
        elif check.startswith("dtype(") or (column in coerced_columns and index is None):
            continue  # the coercion failure above already names these rows
        elif check == "field_uniqueness":
            problem = f"duplicate {column} {value!r}"
        elif case.schema_context == "DataFrameSchema":
            # A row check; its message starts with the column it is about ("part_of: …").
            named, _, rest = check.partition(": ")
            column, problem = (named, rest) if named in table.frame.columns else (None, check)
        elif index is None:
            continue
        else:
            problem = f"{check}: {value!r}"
        row = table.line_of(index)
        problems.setdefault((row, column, problem), DataProblem(table.file, row, column, problem))
    return list(problems.values())


def _validate(
    table: _Table, make_schema: Callable[[], pa.DataFrameSchema], problems: list[DataProblem]
) -> pd.DataFrame | None:
    try:
        return make_schema().validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        problems.extend(_problems_from(error, table))
        return None


def _ids(table: _Table | None, column: str = "id") -> list[str] | None:
    if table is None or column not in table.frame.columns:
        return None
    return table.frame[column].tolist()


def _duplicate_figures(facts: pd.DataFrame, table: _Table) -> list[DataProblem]:
    """A figure entered twice under two ids would be counted twice in every total: name both rows."""
    problems = []
    for row, earlier, shared in schema.duplicate_figures(facts):
        problems.append(
            DataProblem(
                table.file,
                table.line_of(row),
                "id",
                f"{facts['id'].iloc[row]!r} repeats the figure of line {table.line_of(earlier)} "
                f"({facts['id'].iloc[earlier]!r}): the same metric, programme, scope, level and period, and the "
                f"same {shared}. Delete one of the two rows, or, if they are different figures, say how in their labels",
            )
        )
    return problems


def load_dataset(data_dir: str | Path) -> Dataset:
    """The sealed data set of `data_dir`, validated; `DataError` naming every problem found (a
    `datastore.DataSetError` if the files are not one sealed set)."""
    data_dir = Path(data_dir)
    return load_data_set(read_data_set(data_dir), data_dir)


def load_files(data_dir: str | Path) -> Dataset:
    """The files of `data_dir` as they are, sealed or not, validated: what `uniondash validate` checks
    before sealing them, and what a scratch folder holds. Never for serving or publishing."""
    data_dir = Path(data_dir)
    return load_data_set(read_files(data_dir), data_dir)


def load_data_set(data_set: DataSet, data_dir: str | Path = "") -> Dataset:
    """Validate the bytes of `data_set` (`data_dir` names where they came from, in messages)."""
    return load_tables(data_set.tables, data_dir, data_set.version)


def load_tables(files: Mapping[str, bytes], data_dir: str | Path = "", version: str = "") -> Dataset:
    """Validate the files `files` (stem → bytes; a missing stem is a missing file); `DataError` if any is wrong."""
    data_dir = Path(data_dir)
    problems: list[DataProblem] = []
    tables = {name: _read_csv(name, files.get(name), problems) for name in FILES}
    # Foreign keys are checked only against parents that passed: a broken parent reports itself once.
    ids: dict[str, list[str] | None] = dict.fromkeys(FILES)
    schemas: dict[str, Callable[[], pa.DataFrameSchema]] = {
        "sources": schema.sources_schema,
        "sections": schema.sections_schema,
        "programmes": lambda: schema.programmes_schema(ids["sections"]),
        "measures": schema.measures_schema,
        "metrics": lambda: schema.metrics_schema(ids["measures"]),
        "levels": schema.levels_schema,
        "kinds": schema.kinds_schema,
        "scopes": schema.scopes_schema,
        "facts": lambda: schema.facts_schema(ids, _ids(tables["facts"])),
        "headlines": lambda: schema.headlines_schema(ids["facts"]),
    }
    frames: dict[str, pd.DataFrame] = {}
    for name, table in tables.items():
        if table is not None:
            validated = _validate(table, schemas[name], problems)
            if validated is not None:
                frames[name] = validated
                ids[name] = validated["id"].tolist() if "id" in validated.columns else None
    facts_table = tables["facts"]
    if facts_table is not None and {"facts", "metrics", "measures"} <= frames.keys():
        stage_two = lambda: schema.facts_consistency_schema(frames["metrics"], frames["measures"])  # noqa: E731
        _validate(_Table("facts", frames["facts"], facts_table.lines), stage_two, problems)
        problems.extend(_duplicate_figures(frames["facts"], facts_table))
    if problems:
        raise DataError(problems, str(data_dir))
    return Dataset.from_frames(frames, data_dir, version)
