"""The errors uniondash raises on purpose: each says what went wrong and what to do next."""

from __future__ import annotations

from dataclasses import dataclass


class UniondashError(Exception):
    """Base class: an error with a message fit to show a user (no traceback needed)."""


@dataclass(frozen=True)
class DataProblem:
    """One problem in one place of the data: file, line (as an editor shows it; header = 1), column."""

    file: str
    row: int | None
    column: str | None
    problem: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = f" column '{self.column}':" if self.column else ""
        return f"{where}:{column} {self.problem}"


class DataError(UniondashError):
    """The data directory cannot be loaded; holds every problem found, not just the first."""

    def __init__(self, problems: list[DataProblem], data_dir: str = "") -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or ""))
        self.data_dir = data_dir
        super().__init__(self.message())

    def message(self, limit: int = 50) -> str:
        head = f"{len(self.problems)} problem(s) in the data"
        if self.data_dir:
            head += f" at {self.data_dir}"
        lines = [f"  {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  … and {len(self.problems) - limit} more")
        tail = "Nothing was loaded. Fix the rows named above (see data/README.md), then run `uniondash validate`."
        return "\n".join([head + ":", *lines, tail])


class QueryError(UniondashError):
    """A request asked for something that does not exist or is out of bounds (shown as a 4xx)."""
