"""The same report as .txt, as .docx (made here with python-docx), as a PDF printed by LibreOffice
headless, and as a saved web page gives the same proposed rows.

The text is tests/extract/synthetic_report.txt (SYNTHETIC); the Zhuzhou report is checked the same way
when its text is beside the clone.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPORT
from uniondash.intake.extract import extract_file
from uniondash.schema import squeeze

SYNTHETIC = Path(__file__).parent / "extract" / "synthetic_report.txt"
# SYNTHETIC too: an annual report with numbered headings that date its figures, and Chinese numerals.
ANNUAL = Path(__file__).parent / "extract" / "synthetic_annual.txt"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def write_docx(text: str, path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(str(path))
    return path


def print_pdf(docx_path: Path, out_dir: Path) -> Path:
    """The .docx printed to PDF by LibreOffice headless, with a profile of its own (never a shared one)."""
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing: `make system` installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: `make system` installs libreoffice-writer-nogui")
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out_dir / (docx_path.stem + ".pdf")
    assert pdf.is_file()
    return pdf


def write_html(text: str, path: Path) -> Path:
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n") if line.strip())
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>报告</title><style>p{color:red}</style>"
        "<script>var x = '99999人';</script></head><body><nav>首页 | 第3版 | 电话 12345678</nav>"
        f"<article>{body}</article></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path


def key(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            row["as_written"],
            row["value"],
            row["qualifier"],
            row["unit_as_written"],
            row["period_start"],
            row["period_end"],
            squeeze(row["source_quote"]),
            row["part_of"],
            row["level_id"],
            row["number_as_written"],
            row["period_basis"],  # the headings and paragraphs that date a figure survive every format
        )
        for row in rows
    ]


def all_formats(text: str, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    txt = tmp_path / "report.txt"
    txt.write_text(text, encoding="utf-8")
    docx_path = write_docx(text, tmp_path / "report.docx")
    pdf = print_pdf(docx_path, tmp_path)
    page = write_html(text, tmp_path / "report.html")
    gb = tmp_path / "report-gb.txt"
    gb.write_bytes(text.encode("gb18030"))
    return {path.suffix + path.stem[-3:]: key(extract_file(path).rows) for path in (txt, gb, docx_path, pdf, page)}


def test_synthetic_report_gives_the_same_rows_in_every_format(tmp_path: Path) -> None:
    text = SYNTHETIC.read_text(encoding="utf-8")
    results = all_formats(text, tmp_path)
    reference = results.pop(".txtort")
    assert len(reference) >= 40
    for name, rows in results.items():
        assert rows == reference, name


def test_headings_periods_and_chinese_numerals_survive_docx_and_pdf(tmp_path: Path) -> None:
    results = all_formats(ANNUAL.read_text(encoding="utf-8"), tmp_path)
    reference = results.pop(".txtort")
    by_written = {row[0]: row for row in reference}
    assert by_written["一千二百人"][1:2] + by_written["一千二百人"][4:6] == (1200, 2023, 2023)
    assert by_written["一千二百人"][-1] == "heading: 2023年"
    assert by_written["约3000人次"][-1] == "heading: 2024年"
    assert [row[1] for row in reference if row[0] == "三四百名"] == [300, 400]
    for name, rows in results.items():
        assert rows == reference, name


def test_the_pdf_wraps_lines_inside_sentences_and_they_are_joined(tmp_path: Path) -> None:
    text = SYNTHETIC.read_text(encoding="utf-8")
    pdf = print_pdf(write_docx(text, tmp_path / "report.docx"), tmp_path)
    raw = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    longest = max(len(line.strip()) for line in text.split("\n"))
    assert max(len(line.strip()) for line in raw.split("\n")) < longest  # the PDF did wrap the long paragraphs
    proposal = extract_file(pdf)
    contexts = [squeeze(row["context"]) for row in proposal.rows]
    assert any("劳模工匠进企业6200场" in context for context in contexts)


def test_zhuzhou_report_gives_the_same_rows_as_docx_and_pdf(tmp_path: Path) -> None:
    if not REPORT.is_file():
        pytest.skip(f"the report's full text is not beside this clone ({REPORT}); CI has it in ../shared/source/")
    results = all_formats(REPORT.read_text(encoding="utf-8"), tmp_path)
    reference = results.pop(".txtort")
    assert len(reference) == 88
    for name, rows in results.items():
        assert rows == reference, name
