"""`uniondash extract` through the CLI: files written, hostile documents refused in one line, and the
analyst's round trip extract → review in Excel → `import-xlsx --dry-run` → `import-xlsx` (CliRunner).

The report is tests/extract/synthetic_report.txt (SYNTHETIC: invented figures, never in data/).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.extract.hostile import CASES, make_corpus
from uniondash.cli import cli
from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCE_COLUMNS, SOURCES_SHEET
from uniondash.intake.extract import PROPOSAL_COLUMNS
from uniondash.load import load_dataset
from uniondash.schema import QUALIFIERS, squeeze

SYNTHETIC = Path(__file__).parent / "extract" / "synthetic_report.txt"


def digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.glob("*.csv"))}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_extract_writes_csv_and_workbook_and_never_the_data(tmp_path: Path, data_copy: Path) -> None:
    before = digest(data_copy)
    code, output = run(
        "extract",
        str(SYNTHETIC),
        "--csv",
        str(tmp_path / "p.csv"),
        "--out",
        str(tmp_path / "p.xlsx"),
        "--data-dir",
        str(data_copy),
    )
    assert code == 0, output
    assert "Report date 2024-12-20 as the text states it (line 5)." in output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "p.csv").read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0].keys()) == PROPOSAL_COLUMNS
    assert len(rows) == 43
    assert {row["as_written"] for row in rows} >= {
        "3.1亿元",
        "2450.5万元",
        "60万余人次",
        "一千二百个",
        "约2300万元",
        "不少于1.2万家",
    }
    workbook = load_workbook(tmp_path / "p.xlsx")
    sheet = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    assert header[: len(FACT_COLUMNS)] == list(FACT_COLUMNS)
    assert header[len(FACT_COLUMNS)] is None  # the empty column before the reading columns
    assert sheet.max_row == 44
    assert sheet.cell(row=2, column=1).fill.fgColor.rgb.endswith("FFF2CC")  # marked for review
    assert [cell.value for cell in workbook[SOURCES_SHEET["zh"]][1]] == list(SOURCE_COLUMNS)
    assert digest(data_copy) == before


def test_the_figure_is_shown_in_its_sentence(tmp_path: Path) -> None:
    code, _ = run("extract", str(SYNTHETIC), "--out", str(tmp_path / "p.xlsx"))
    assert code == 0
    workbook = load_workbook(tmp_path / "p.xlsx", rich_text=True)
    sheet = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    sentence = sheet.cell(row=2, column=header.index("原句：引文加粗，数字标红（仅供阅读）") + 1).value
    red = [str(block.text) for block in sentence if not isinstance(block, str) and block.font.color is not None]
    assert red == [sheet.cell(row=2, column=header.index("as_written") + 1).value]


def _review(path: Path, dataset_dir: Path) -> int:
    """What an analyst does in Excel: completes or deletes each proposed row, fills in the new source."""
    dataset = load_dataset(dataset_dir)
    scopes = set(dataset.scopes["id"])
    workbook = load_workbook(path)
    sheet = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) + 1 for name in FACT_COLUMNS}
    kept = 0
    for row in range(sheet.max_row, 1, -1):
        value = {name: sheet.cell(row=row, column=index).value for name, index in column.items()}
        importable = (
            value["programme_id"]
            and value["metric_id"]
            and value["scope_id"] in scopes
            and (value["qualifier"] or "") in QUALIFIERS
        )
        if not importable:
            sheet.delete_rows(row)
            continue
        sheet.cell(row=row, column=column["label_en"]).value = f"Reviewed figure {value['id']}"
        kept += 1
    sources = workbook[SOURCES_SHEET["zh"]]
    source_header = [cell.value for cell in sources[1]]
    for name, text in {
        "publication_zh": "测试日报",
        "publication_en": "Test Daily (SYNTHETIC)",
        "title_zh": "虚构报告",
        "title_en": "An invented report",
        "page": 1,
        "citation_zh": "测试日报 2024年12月20日",
        "citation_en": "Test Daily, 20 December 2024",
    }.items():
        sources.cell(row=sources.max_row, column=source_header.index(name) + 1).value = text
    workbook.save(path)
    return kept


def test_round_trip_extract_review_dry_run_import(tmp_path: Path, data_copy: Path) -> None:
    proposed = tmp_path / "proposed.xlsx"
    code, output = run(
        "extract",
        str(SYNTHETIC),
        "--out",
        str(proposed),
        "--source-id",
        "test-2024-12-20",
        "--data-dir",
        str(data_copy),
    )
    assert code == 0, output
    assert "import-xlsx" in output
    code, output = run("import-xlsx", str(proposed), "--dry-run", "--data-dir", str(data_copy))
    assert code == 1  # unreviewed: empty label_en and the new source's empty cells are named, nothing written
    assert "number_as_written" not in output  # 一千二百个 imports as written (tests/test_extract_numerals.py)
    kept = _review(proposed, data_copy)
    assert kept >= 30
    before = digest(data_copy)
    code, output = run("import-xlsx", str(proposed), "--dry-run", "--data-dir", str(data_copy))
    assert code == 0, output
    assert f"新增 {kept} 个数字" in output and "新增出处 1 个" in output
    assert digest(data_copy) == before
    code, output = run("import-xlsx", str(proposed), "--data-dir", str(data_copy))
    assert code == 0, output
    dataset = load_dataset(data_copy)
    imported = dataset.facts[dataset.facts["source_id"] == "test-2024-12-20"]
    assert len(imported) == kept
    text = squeeze(SYNTHETIC.read_text(encoding="utf-8"))
    assert all(squeeze(quote) in text for quote in imported["source_quote"])
    winter = imported[imported["as_written"] == "3.1亿元"].iloc[0]
    assert (winter["value"], winter["period_start"], winter["period_end"], winter["metric_id"]) == (
        310000000,
        2020,
        2024,
        "funds-raised",
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_documents_are_refused_in_one_line(name: str, tmp_path: Path, data_copy: Path) -> None:
    corpus = make_corpus(tmp_path / "hostile")
    path = tmp_path / "hostile" / name
    before = digest(data_copy)
    code, output = run("extract", str(path), "--out", str(tmp_path / "p.xlsx"), "--data-dir", str(data_copy))
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {name}: "), output
    assert corpus[path] in lines[0]
    assert not (tmp_path / "p.xlsx").exists()
    assert digest(data_copy) == before


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("", "the text is empty"),
        ("   \n\n", "the text is empty"),
        ("The union held 300 meetings in 2023.", "the text is not Chinese"),
    ],
)
def test_empty_or_non_chinese_text_gives_zero_rows_and_says_so(content: str, said: str, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(content, encoding="utf-8")
    code, output = run("extract", str(report), "--csv", str(tmp_path / "p.csv"))
    assert code == 0
    assert f"0 figures proposed: {said}" in output and "Nothing written." in output
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--report-date", "30/11/2023"], "--report-date '30/11/2023': not a date; use YYYY-MM-DD"),
        (["--source-id", "Bad Id"], "--source-id 'Bad Id': use lower-case letters"),
    ],
)
def test_bad_options_are_named(args: list[str], said: str) -> None:
    code, output = run("extract", str(SYNTHETIC), *args)
    assert code == 1 and said in output


def test_unknown_kinds_of_file_are_refused(tmp_path: Path) -> None:
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"PK")
    code, output = run("extract", str(report))
    assert code == 1 and "not a report uniondash reads (.txt, .docx, .pdf with a text layer, or .html)" in output


def test_report_date_option_wins_and_the_text_date_is_said(tmp_path: Path) -> None:
    code, output = run("extract", str(SYNTHETIC), "--report-date", "2025-01-15")
    assert code == 0
    assert "Report date 2025-01-15 from --report-date (the text states 2024-12-20, line 5)." in output


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        (
            [(2019, 2023), (2023, 2023), (2003, 2023)],
            {"report_kind": "five-year", "period_start": "2019", "period_end": "2023"},
        ),
        ([(2024, 2024), (2023, 2023)], {"report_kind": "annual", "period_start": "2024", "period_end": "2024"}),
        ([(2022, 2024), (2024, 2024)], {"report_kind": "mid-term", "period_start": "2022", "period_end": "2024"}),
        ([(2004, 2024)], {}),  # twenty years: no kind of report fits, the reviewer fills it in
        ([], {}),
    ],
)
def test_the_new_sources_kind_and_period_are_guessed_from_its_figures(periods, expected) -> None:
    from uniondash.intake.extract.output import report_guess
    from uniondash.intake.extract.proposal import Proposal

    rows = [{"period_start": start, "period_end": end} for start, end in periods]
    assert report_guess(Proposal(rows=rows, report_date="2024-12-20", report_date_from="--report-date")) == expected
