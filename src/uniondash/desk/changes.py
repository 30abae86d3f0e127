"""An upload turned into a draft data set and what it changes: the intake's own importer, never a second one.

`plan_upload(name, data, base_files)` checks the upload (size, type, zip bombs, macros, external entities),
writes it under a name of our own in a private temporary folder (the sender's file name is shown, never
used as a path), and runs `intake.workbook.plan_import` against the published version materialised in a
scratch folder. The result is plain JSON-able data: the draft files and the diff, or every problem by
sheet, row and column. Nothing is written anywhere but the temporary folder, which is removed.
"""

from __future__ import annotations

import importlib.util
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uniondash.desk.datasets import rows_by_id, scratch_folder, shown
from uniondash.errors import UniondashError

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
    return name[:100] or "upload"


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
        return kind, None, plan_report(name, data)
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
                return None, {
                    "ok": False,
                    "problems": [
                        problem(
                            None,
                            None,
                            None,
                            "文件过于复杂，无法读取",
                            f"the file is too complex to read ({type(error).__name__})",
                        )
                    ],
                }
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


def plan_report(name: str, data: bytes) -> dict[str, Any]:
    """A report is extracted into proposed rows for review (the extract issue's `extract_file`).

    Until that module is installed on the server, the upload is refused with a message saying so.
    """
    return {
        "ok": False,
        "problems": [
            problem(
                None,
                None,
                None,
                "本服务器尚未安装报告提取（uniondash extract）：请上传导入工作簿（.xlsx）",
                "report extraction (uniondash extract) is not installed on this server: upload an import workbook (.xlsx)",
            )
        ],
    }
