"""An upload turned into a draft data set and what it changes: the intake's own importer, never a second one.

`plan_upload(name, data, base_files)` checks the upload (size, type, zip bombs, macros, external entities),
writes it under a name of our own in a private temporary folder (the sender's file name is shown, never
used as a path), and runs `intake.workbook.plan_import` against the published version materialised in a
scratch folder. The result is plain JSON-able data: the draft files and the diff, or every problem by
sheet, row and column. Nothing is written anywhere but the temporary folder, which is removed.

A report (.txt .docx .pdf .html) is read by `uniondash extract` into proposed rows (`plan_report`); the
editor accepts, corrects or drops each on the review page (`apply_review`), and the rows kept become a draft
exactly like a workbook upload (`plan_review`: the import template of the base set with the rows added, run
through the same importer).
"""

from __future__ import annotations

import importlib.util
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniondash.desk.datasets import rows_by_id, scratch_folder, shown, validate
from uniondash.errors import UniondashError
from uniondash.exports.xlsx_data import FACT_COLUMNS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
WORKBOOK_SUFFIXES = (".xlsx",)
REPORT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xlam", ".docm")
# Zip bombs: bounds on what a workbook may unpack to, checked from the zip directory before anything is read.
MAX_MEMBERS = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100  # per member above 1 MB: ordinary sheets compress 5–20 times
XML_HEAD = 4096
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069/\\:*?\"<>|]")


@dataclass(frozen=True)
class Refused(UniondashError):
    """An upload refused before it is read; `zh`/`en` say why."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def display_name(filename: str | None) -> str:
    """The sender's file name, for showing only: its last part, without controls or path characters."""
    name = unicodedata.normalize("NFKC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 100:  # cut the stem, not the suffix: the kind of a file is read from the name shown
        suffix = Path(name).suffix[:12]
        name = name[: 100 - len(suffix)] + suffix
    return name or "upload"


def suffix_of(name: str) -> str:
    return Path(name).suffix.lower()


def kind_of(name: str, data: bytes) -> str:
    """'workbook' or 'report' from the name and the first bytes; `Refused` otherwise."""
    suffix = suffix_of(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refused("文件超过 10 MB 上限", "the file is over the 10 MB limit")
    if not data:
        raise Refused("文件是空的", "the file is empty")
    if suffix in MACRO_SUFFIXES:
        raise Refused(
            "不接受含宏的文件（.xlsm 等）：请在 Excel 或 WPS 中另存为 .xlsx",
            "files with macros (.xlsm and the like) are refused: save it as .xlsx in Excel or WPS",
        )
    if suffix in WORKBOOK_SUFFIXES:
        if not data.startswith(b"PK\x03\x04"):
            raise Refused("不是 Excel 工作簿（.xlsx）", "not an Excel workbook (.xlsx)")
        check_package(data)
        return "workbook"
    if suffix in REPORT_SUFFIXES:
        if suffix == ".docx":
            if not data.startswith(b"PK\x03\x04"):
                raise Refused("不是 Word 文档（.docx）", "not a Word document (.docx)")
            check_package(data)
        return "report"
    raise Refused(
        "只接受导入工作簿（.xlsx）或报告（.txt、.docx、.pdf、.html）",
        "only an import workbook (.xlsx) or a report (.txt, .docx, .pdf, .html) can be uploaded",
    )


def check_package(data: bytes) -> None:
    """Refuse zip bombs, macros and XML with a DOCTYPE (external entities, billion laughs) before parsing."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise Refused(
            "文件已损坏，无法读取", f"the file is damaged and cannot be read ({type(error).__name__})"
        ) from error
    if len(members) > MAX_MEMBERS:
        raise Refused("文件内部条目过多", f"the file holds more than {MAX_MEMBERS} parts")
    total = 0
    for member in members:
        total += member.file_size
        name = member.filename.lower()
        if name.endswith("vbaproject.bin") or "/vba" in name or (name.endswith(".bin") and "activex" in name):
            raise Refused("文件含有宏，已拒绝：请另存为不含宏的 .xlsx", "the file holds macros and is refused")
        big = member.file_size > 1024 * 1024
        if big and member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
            raise Refused(
                "文件解压后异常庞大（疑似压缩炸弹），已拒绝", "the file unpacks to far more than its size (a zip bomb)"
            )
    if total > MAX_UNPACKED_BYTES:
        raise Refused(
            "文件解压后超过 100 MB，已拒绝",
            f"the file unpacks to more than {MAX_UNPACKED_BYTES // 1024 // 1024} MB and is refused",
        )
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with archive.open(member) as handle:
                head = handle.read(XML_HEAD)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
            raise Refused("文件已损坏，无法读取", f"part {member.filename[:60]!r} cannot be read") from error
        if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise Refused(
                "文件含有 XML 实体声明（DOCTYPE），已拒绝",
                f"part {member.filename[:60]!r} declares XML entities (DOCTYPE)",
            )
        if member.filename == "[Content_Types].xml":
            with archive.open(member) as handle:
                if b"macroEnabled" in handle.read(MAX_UNPACKED_BYTES // 100):
                    raise Refused("文件含有宏，已拒绝", "the file is macro-enabled and is refused")


def extract_available() -> bool:
    """Report uploads go through `uniondash.intake.extract` (the extract issue) once it is installed."""
    return importlib.util.find_spec("uniondash.intake.extract") is not None


def plan_upload(
    name: str, data: bytes, base_files: Mapping[str, bytes]
) -> tuple[str, dict[str, bytes] | None, dict[str, Any]]:
    """(kind, draft files or None, plan): the plan is the diff, or the problems that stop the upload."""
    try:
        kind = kind_of(name, data)
    except Refused as refused:
        return "refused", None, {"ok": False, "problems": [problem(None, None, None, refused.zh, refused.en)]}
    if kind == "report":
        return kind, None, plan_report(name, data, base_files)
    return kind, *plan_workbook(data, base_files)


def problem(sheet: str | None, row: int | None, column: str | None, zh: str, en: str) -> dict[str, Any]:
    return {"sheet": sheet or "", "row": row, "column": column or "", "zh": zh, "en": en}


def plan_workbook(data: bytes, base_files: Mapping[str, bytes]) -> tuple[dict[str, bytes] | None, dict[str, Any]]:
    from uniondash.intake.workbook import ImportProblems, plan_import

    with tempfile.TemporaryDirectory(prefix="uniondash-upload-") as private:
        workbook = Path(private) / "upload.xlsx"  # our own name: the sender's never becomes a path
        workbook.write_bytes(data)
        with scratch_folder(base_files) as base:
            try:
                plan = plan_import(workbook, base)
            except ImportProblems as error:
                return None, {
                    "ok": False,
                    "lang": error.lang,
                    "problems": [problem(p.sheet, p.row, p.column, p.zh, p.en) for p in error.problems],
                }
            except UniondashError as error:
                return None, {"ok": False, "problems": [problem(None, None, None, str(error), str(error))]}
            except (MemoryError, RecursionError) as error:  # a workbook built to exhaust the parser
                return None, {"ok": False, "problems": [too_complex(error)]}
    files = {**base_files, **plan.files}
    return files, workbook_plan_json(plan.diff, plan.lang, base_files, files)


def workbook_plan_json(
    diff: Any, lang: str, base_files: Mapping[str, bytes], files: Mapping[str, bytes]
) -> dict[str, Any]:
    """The import's diff as JSON-able data, each figure with its label, figure as written, period and quote."""
    old, new = rows_by_id(base_files.get("facts")), rows_by_id(files.get("facts"))
    return {
        "ok": True,
        "lang": lang,
        "added": [{"id": key, **shown(new[key])} for key in diff.added],
        "changed": [
            {
                "id": key,
                **shown(new[key]),
                "fields": [{"column": c.column, "old": c.old, "new": c.new} for c in changes],
            }
            for key, changes in diff.changed.items()
        ],
        "unchanged": [{"id": key, **shown(new[key])} for key in diff.unchanged],
        "missing": [{"id": key, **shown(old[key])} for key in diff.missing],
        "sources_added": list(diff.sources_added),
        "sources_changed": {
            key: [{"column": c.column, "old": c.old, "new": c.new} for c in changes]
            for key, changes in diff.sources_changed.items()
        },
        "quotes_unchecked": list(diff.quotes_unchecked),
        "empty": bool(diff.empty),
    }


# What a reviewer may correct in a proposed row (the rest is the extractor's, checked by the loader).
REVIEW_FIELDS = (
    "label_zh",
    "label_en",
    "as_written",
    "value",
    "qualifier",
    "period_start",
    "period_end",
    "programme_id",
    "metric_id",
)
DECISIONS = ("accept", "correct", "drop")
# The proposal's columns kept for the review page (facts.csv's and what the reviewer reads beside them).
MAX_REVIEW_ROWS = 500


def plan_report(name: str, data: bytes, base_files: Mapping[str, bytes]) -> dict[str, Any]:
    """A report read by `uniondash extract` into proposed rows, for the review page (nothing written yet).

    The plan holds `review: True` and the rows (facts.csv's columns, `context`, `confidence`), or the
    problem that stops the upload."""
    from uniondash.intake.extract import ExtractError

    try:
        proposal = read_report(name, data, base_files)
    except (ExtractError, UniondashError) as error:
        return {"ok": False, "problems": [problem(None, None, None, str(error), str(error))]}
    except (MemoryError, RecursionError) as error:
        return {"ok": False, "problems": [too_complex(error)]}
    rows = [review_row(row) for row in proposal.rows[:MAX_REVIEW_ROWS]]
    if not rows:
        return {
            "ok": False,
            "problems": [problem(None, None, None, "报告中没有找到数字", "no figures found in the report")],
        }
    return {
        "ok": True,
        "review": True,
        "report_date": proposal.report_date or "",
        "messages": list(proposal.messages),
        "rows": rows,
        "decisions": ["accept"] * len(rows),
        "problems": [],
    }


def read_report(name: str, data: bytes, base_files: Mapping[str, bytes]) -> Any:
    """`uniondash extract` of an uploaded report against the base set (its `Proposal`)."""
    from uniondash.intake.extract import extract_file

    with tempfile.TemporaryDirectory(prefix="uniondash-report-") as private:
        report = Path(private) / f"report{suffix_of(name)}"  # our own name: the sender's never becomes a path
        report.write_bytes(data)
        return extract_file(report, dataset=validate(base_files))


def report_workbook(name: str, data: bytes, base_files: Mapping[str, bytes], lang: str) -> bytes:
    """The proposal of an uploaded report as the import workbook `uniondash extract --out` writes: to review in
    Excel or WPS and upload back as a workbook."""
    from uniondash.intake.extract.output import proposal_workbook, workbook_bytes

    proposal = read_report(name, data, base_files)
    return workbook_bytes(proposal_workbook(proposal, validate(base_files), "en" if lang == "en" else "zh"))


def review_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A proposed row as the review page keeps it: every value a string (the form's), plus its context."""
    out: dict[str, Any] = {column: "" if row.get(column) is None else str(row.get(column)) for column in FACT_COLUMNS}
    out["context"] = str(row.get("context") or "")
    out["confidence"] = float(row.get("confidence") or 0)
    return out


def too_complex(error: BaseException) -> dict[str, Any]:
    return problem(
        None, None, None, "文件过于复杂，无法读取", f"the file is too complex to read ({type(error).__name__})"
    )


def apply_review(
    rows: Sequence[Mapping[str, Any]], form: Mapping[str, str], source_id: str
) -> tuple[list[dict[str, Any]], list[str], list[tuple[int, dict[str, Any]]]]:
    """The reviewer's decisions read from the form: (rows as corrected, decisions, (row number, row) to import).

    Each row `i` has `decision-i` (accept | correct | drop) and, for a correction, `FIELD-i` for the
    `REVIEW_FIELDS`; accepted rows keep the proposal's values. Every kept row cites `source_id`."""
    corrected: list[dict[str, Any]] = []
    decisions: list[str] = []
    kept: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows):
        decision = form.get(f"decision-{number}", "")
        if decision not in DECISIONS:
            raise Refused(f"第 {number + 1} 行没有选择处理方式", f"row {number + 1}: choose accept, correct or drop")
        new = dict(row)
        if decision == "correct":
            for field in REVIEW_FIELDS:
                new[field] = form.get(f"{field}-{number}", str(row.get(field, ""))).strip()[:500]
        corrected.append(new)
        decisions.append(decision)
        if decision != "drop":
            kept.append(
                (number + 1, {column: new.get(column, "") for column in FACT_COLUMNS} | {"source_id": source_id})
            )
    return corrected, decisions, kept


def plan_review(
    kept: Sequence[tuple[int, Mapping[str, Any]]], base_files: Mapping[str, bytes]
) -> tuple[dict[str, bytes] | None, dict[str, Any]]:
    """The kept rows as a draft change, exactly like a workbook upload: they are written into the import
    template of the base set and go through the importer (validation, the diff). A problem of the
    template's data sheet is named by the review's own row number (sheet "")."""
    if not kept:
        return None, {"ok": False, "problems": [problem(None, None, None, "没有保留任何行", "every row was dropped")]}
    files, plan = plan_workbook(rows_workbook([row for _, row in kept], base_files), base_files)
    if files is not None:
        # The review's workbook holds only the report's rows; every published figure is kept as it is, so for
        # a reviewed report those are unchanged, not "in the data but not in the workbook".
        plan["unchanged"] = [*plan.get("unchanged", []), *plan.get("missing", [])]
        plan["missing"] = []
    if files is None:
        from uniondash.exports.xlsx_data import DATA_SHEET

        for found in plan["problems"]:
            index = (found["row"] or 0) - 2  # the template's data sheet: a header, then the kept rows
            if found["sheet"] in DATA_SHEET.values() and 0 <= index < len(kept):
                found["sheet"], found["row"] = "", kept[index][0]
    return files, plan


def rows_workbook(rows: Sequence[Mapping[str, Any]], base_files: Mapping[str, bytes]) -> bytes:
    """The import template of the base set (its sources and dimensions, no figures) with `rows` in its data
    sheet: the importer keeps every published figure the workbook does not hold."""
    from uniondash.exports.xlsx import workbook_bytes
    from uniondash.exports.xlsx_data import DATA_SHEET, template_workbook

    workbook = template_workbook(validate(base_files), "zh")
    sheet = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    for row in rows:
        target = sheet.max_row + 1
        for column, value in row.items():
            if column in header and value not in ("", None):
                cell = sheet.cell(row=target, column=header.index(column) + 1, value=str(value))
                cell.data_type = "s"  # as text: the importer reads numbers from text, never a formula
    return bytes(workbook_bytes(workbook))
