"""Chinese numerals from `uniondash extract` import as they are (issue 26): extract → `import-xlsx --dry-run` →
`import-xlsx` with 一千二百人, 两个, 十余场, 二十万元 and the range 三四百名 left unedited, and a wrong value next
to a Chinese numeral refused by row and column.

The report is tests/extract/synthetic_numerals.txt (SYNTHETIC: invented figures, never in data/).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.test_cli_extract import digest, run
from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCES_SHEET
from uniondash.load import load_dataset

SYNTHETIC = Path(__file__).parent / "extract" / "synthetic_numerals.txt"
SOURCE = "test-numerals-2024"
# What the analyst decides where the extractor suggests nothing: the programme and metric of each figure.
REVIEWED = {
    "一千二百人": ("talent", "people-trained"),
    "三四百名": ("winter-warmth", "people-helped"),
}


def _extract(tmp_path: Path, data_dir: Path) -> Path:
    proposed = tmp_path / "proposed.xlsx"
    code, output = run(
        "extract", str(SYNTHETIC), "--out", str(proposed), "--source-id", SOURCE, "--data-dir", str(data_dir)
    )
    assert code == 0, output
    assert "十几种" in output  # the vague count is listed, not proposed
    return proposed


def _review(path: Path) -> dict[str, int]:
    """Fills in what the extractor leaves to the analyst (labels, the source's citation, a missing metric) and
    drops the figure no metric fits (两面 锦旗); the written numbers and values are left as proposed.
    Returns the sheet row of each kept figure by its as_written (the range's ends as 三四百名#1, #2)."""
    workbook = load_workbook(path)
    sheet = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) + 1 for name in FACT_COLUMNS}
    for row in range(sheet.max_row, 1, -1):
        written = sheet.cell(row=row, column=column["as_written"]).value
        if written in REVIEWED:
            for name, value in zip(("programme_id", "metric_id"), REVIEWED[written], strict=True):
                sheet.cell(row=row, column=column[name]).value = value
        if not sheet.cell(row=row, column=column["metric_id"]).value:
            sheet.delete_rows(row)
            continue
        sheet.cell(row=row, column=column["scope_id"]).value = "city"
        sheet.cell(row=row, column=column["label_en"]).value = f"Reviewed figure {row}"
    kept: dict[str, int] = {}
    for row in range(2, sheet.max_row + 1):
        written = str(sheet.cell(row=row, column=column["as_written"]).value)
        key = written if written not in kept else f"{written}#2"
        kept[key] = row
    sources = workbook[SOURCES_SHEET["zh"]]
    source_header = [cell.value for cell in sources[1]]
    for name, text in {
        "publication_zh": "测试日报",
        "publication_en": "Test Daily (SYNTHETIC)",
        "title_zh": "虚构简报",
        "title_en": "An invented brief",
        "page": 1,
        "citation_zh": "测试日报 2024年12月20日",
        "citation_en": "Test Daily, 20 December 2024",
    }.items():
        sources.cell(row=sources.max_row, column=source_header.index(name) + 1).value = text
    workbook.save(path)
    return kept


def test_chinese_numerals_import_unedited(tmp_path: Path, data_copy: Path) -> None:
    proposed = _extract(tmp_path, data_copy)
    kept = _review(proposed)
    assert {"一千二百人", "两个", "十余场", "二十万元", "三四百名", "三四百名#2"} <= set(kept)
    code, output = run("import-xlsx", str(proposed), "--dry-run", "--data-dir", str(data_copy))
    assert code == 0, output
    code, output = run("import-xlsx", str(proposed), "--data-dir", str(data_copy))
    assert code == 0, output
    imported = load_dataset(data_copy).facts
    imported = imported[imported["source_id"] == SOURCE]
    written = {
        (row.as_written, row.number_as_written, row.unit_as_written, row.qualifier, float(row.value))
        for row in imported.itertuples()
    }
    assert written >= {
        ("一千二百人", "一千二百", "人", "", 1200.0),
        ("两个", "两", "个", "", 2.0),
        ("十余场", "十", "场", "余", 10.0),  # 十余: the written 十, its qualifier kept
        ("二十万元", "二十万", "元", "", 200_000.0),
        ("三四百名", "三四百", "名", "", 300.0),  # a range: two rows, its two ends
        ("三四百名", "三四百", "名", "", 400.0),
    }
    assert not any("几" in row.as_written for row in imported.itertuples())  # 十几种 is no figure


def test_a_wrong_value_beside_a_chinese_numeral_is_refused_by_row_and_column(tmp_path: Path, data_copy: Path) -> None:
    proposed = _extract(tmp_path, data_copy)
    kept = _review(proposed)
    workbook = load_workbook(proposed)
    sheet = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    row = kept["一千二百人"]
    sheet.cell(row=row, column=header.index("value") + 1).value = 1000  # 一千二百 is 1200
    workbook.save(proposed)
    before = digest(data_copy)
    code, output = run("import-xlsx", str(proposed), "--dry-run", "--data-dir", str(data_copy))
    assert code == 1
    lines = [line for line in output.splitlines() if "number_as_written" in line and "value" in line]
    assert lines, output
    assert any(f"第 {row} 行，列 value" in line for line in lines), output
    code, output = run("import-xlsx", str(proposed), "--data-dir", str(data_copy))
    assert code == 1
    assert digest(data_copy) == before
