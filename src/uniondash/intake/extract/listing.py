"""A proposal as text: the CSV of its rows and the lines the terminal shows, and a whole-or-nothing write.

No workbook library here: `uniondash extract` without `--out` loads none (`output.py` writes the workbook).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from uniondash.columns import FORMULA_STARTS
from uniondash.errors import UniondashError
from uniondash.intake.extract.proposal import PROPOSAL_COLUMNS, Proposal


def _inert(text: str) -> str:
    """A CSV cell made inert in a spreadsheet: a leading = + - @ tab or CR gets a quote (OWASP's advice)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def proposal_csv(proposal: Proposal) -> bytes:
    """The proposed rows as CSV (UTF-8 with BOM, so Excel shows the Chinese), facts.csv's columns first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PROPOSAL_COLUMNS)
    for row in proposal.rows:
        writer.writerow([_inert(str(row.get(column, ""))) for column in PROPOSAL_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_atomically(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `target` whole or not at all: a temporary file beside it, then a rename."""
    path = Path(target).expanduser().resolve()
    if not path.parent.is_dir():
        raise UniondashError(f"cannot write {path}: folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise UniondashError(f"cannot write {path}: {error.strerror or error}") from error
    return path


def describe_rows(proposal: Proposal, limit: int | None = None) -> list[str]:
    """One line a proposed row, for the terminal: as written, value, period (a guessed one with "?"), label,
    quote."""
    lines = []
    for row in proposal.rows[:limit]:
        period = (
            f"{row['period_start']}–{row['period_end']}"
            if row["period_start"] != row["period_end"]
            else str(row["period_start"] or "?")
        )
        if "(a guess: confirm)" in row.get("period_basis", ""):
            period += "?"
        lines.append(
            f"  {row['id']}  {row['as_written']}  = {row['value']}  {period}  {row['label_zh']}  「{row['source_quote']}」"
        )
    if limit is not None and len(proposal.rows) > limit:
        lines.append(f"  … and {len(proposal.rows) - limit} more (write them with --csv or --out)")
    return lines
