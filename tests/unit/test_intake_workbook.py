"""Next year's figures from Excel (intake/workbook.py, import-xlsx, export-xlsx --template), with SYNTHETIC 2024 rows.

Each workbook here is one uniondash exported, edited with openpyxl the way an analyst edits it in Excel.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.synthetic import SYNTHETIC_2024_SOURCE, SYNTHETIC_2024_TEXT, seal_as_is, synthetic_2024_rows
from tests.unit.test_load import set_cell
from uniondash import datastore
from uniondash.cli import cli
from uniondash.exports.xlsx import write_workbook
from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCE_COLUMNS, SOURCES_SHEET, data_sheet_notes
from uniondash.intake import workbook as importer
from uniondash.intake.workbook import ImportProblems, plan_import, write_plan
from uniondash.load import load_dataset
from uniondash.model import Filters, series_with_several_periods


def snapshot(data_dir: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(data_dir.glob("*.csv"))}


def export(data_dir: Path, path: Path, filters: Filters | None = None) -> Path:
    write_workbook(load_dataset(data_dir), filters or Filters(), path)
    return path


def edit(path: Path, sheet: str, changes: dict[tuple[int, str], Any] = {}, rows: list[dict[str, Any]] = ()) -> None:  # noqa: B006
    """Set cells by (Excel row, column id) and append rows (column id → value), then save."""
    workbook = load_workbook(path)
    ws = workbook[sheet]
    header = [cell.value for cell in ws[1]]
    for (row, column), value in changes.items():
        ws.cell(row=row, column=header.index(column) + 1).value = value
    for values in rows:
        target = ws.max_row + 1
        for column, value in values.items():
            cell = ws.cell(row=target, column=header.index(column) + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    workbook.save(path)


def row_of(path: Path, sheet: str, fact_id: str) -> int:
    ws = load_workbook(path)[sheet]
    return next(row for row in range(2, ws.max_row + 1) if ws.cell(row=row, column=1).value == fact_id)


def import_cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["import-xlsx", *args])


# ---------------------------------------------------------------------------------------------------
# The sheets


def test_data_sheet_holds_every_figure_with_the_facts_columns_and_labels_beside(data_copy: Path, tmp_path: Path):
    path = export(data_copy, tmp_path / "all.xlsx")
    workbook = load_workbook(path)
    ws = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in ws[1]]
    assert tuple(header[: len(FACT_COLUMNS)]) == FACT_COLUMNS and header[len(FACT_COLUMNS)] is None
    assert header[len(FACT_COLUMNS) + 1 :] == [
        "板块（仅供阅读）",
        "项目（仅供阅读）",
        "计量（仅供阅读）",
        "单位（仅供阅读）",
        "级别（仅供阅读）",
    ]
    assert ws.max_row == 1 + len(load_dataset(data_copy).facts) and not ws.merged_cells.ranges
    first = {column: ws.cell(row=2, column=index + 1).value for index, column in enumerate(FACT_COLUMNS)}
    assert first["value"] == 500000 and first["period_end"] == 2023 and first["number_as_written"] == "50"
    assert [cell.value for cell in ws[2]][len(FACT_COLUMNS) + 1 :][:4] == ["导语", "产业工人队伍", "人数（规模）", "人"]
    sources = workbook[SOURCES_SHEET["zh"]]
    assert tuple(cell.value for cell in sources[1]) == SOURCE_COLUMNS and sources["G2"].value == 3
    notes = dict(data_sheet_notes("en"))
    assert set(FACT_COLUMNS) <= notes.keys() and "280000000" in notes["value"]


def test_formula_like_text_stays_text(data_copy: Path, tmp_path: Path):
    # A data file stores formula-like text with a leading apostrophe (schema.stored_text); the text is "=Held…".
    facts = data_copy / "facts.csv"
    facts.write_bytes(facts.read_bytes().replace(b"Held on 31 March 2023;", b"'=Held on 31 March 2023;", 1))
    seal_as_is(data_copy)
    path = export(data_copy, tmp_path / "all.xlsx")
    cell = load_workbook(path)[DATA_SHEET["zh"]].cell(row=row_of(path, "全部数据", "ideology-walk-2023"), column=21)
    assert cell.data_type == "s" and cell.value.startswith("=Held") and cell.quotePrefix
    assert plan_import(path, data_copy).files == {}  # and it reads back as the same text


# ---------------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_round_trip_changes_nothing(data_copy: Path, tmp_path: Path, lang: str):
    before = snapshot(data_copy)
    path = export(data_copy, tmp_path / "all.xlsx", Filters(lang=lang))  # type: ignore[arg-type]
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 0, result.output
    expected = "新增 0 个数字，修改 0 个，未变 88 个" if lang == "zh" else "0 added, 0 changed, 88 unchanged"
    assert expected in result.output and snapshot(data_copy) == before


def test_filtered_export_imported_back_removes_nothing(data_copy: Path, tmp_path: Path):
    before = snapshot(data_copy)
    path = export(data_copy, tmp_path / "2023.xlsx", Filters(years=frozenset({2023})))
    plan = plan_import(path, data_copy)
    assert len(plan.diff.unchanged) == 19 and len(plan.diff.missing) == 69 and plan.files == {}
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 0 and "69 个（保留；加 --remove-missing 才删除）" in result.output
    assert snapshot(data_copy) == before
    # Removal only when asked, listing what goes (and the headlines that named it).
    dry = import_cli(str(path), "--data-dir", str(data_copy), "--remove-missing", "--dry-run")
    assert dry.exit_code == 0 and "删除：" in dry.output and "  - aid-winter-funds" in dry.output
    assert "试运行" in dry.output and snapshot(data_copy) == before
    removed = import_cli(str(path), "--data-dir", str(data_copy), "--remove-missing")
    assert removed.exit_code == 0, removed.output
    assert len(load_dataset(data_copy).facts) == 19


def test_a_corrected_figure_shows_old_and_new_and_keeps_other_rows_byte_for_byte(data_copy: Path, tmp_path: Path):
    path = export(data_copy, tmp_path / "all.xlsx")
    row = row_of(path, "全部数据", "ideology-walk-2023")
    edit(path, "全部数据", {(row, "label_en"): "The 8th workers' walk, participants"})
    old_lines = (data_copy / "facts.csv").read_bytes().splitlines(keepends=True)
    plan = plan_import(path, data_copy)
    assert (
        list(plan.diff.changed) == ["ideology-walk-2023"]
        and plan.diff.changed["ideology-walk-2023"][0].column == "label_en"
    )
    write_plan(plan, data_copy)
    new_lines = (data_copy / "facts.csv").read_bytes().splitlines(keepends=True)
    assert len(new_lines) == len(old_lines)
    assert [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b] == [row - 1]


# ---------------------------------------------------------------------------------------------------
# Next year's figures, with a new source


def source_dir(tmp_path: Path, text: str = SYNTHETIC_2024_TEXT) -> Path:
    """The server's folder of source texts, holding the SYNTHETIC 2024 source's (a workbook never says where)."""
    folder = tmp_path / "sources"
    folder.mkdir(exist_ok=True)
    (folder / f"{SYNTHETIC_2024_SOURCE['id']}.txt").write_text(text, encoding="utf-8")
    return folder


def add_2024(path: Path) -> None:
    edit(path, "全部数据", rows=synthetic_2024_rows())
    source = {column: value for column, value in SYNTHETIC_2024_SOURCE.items() if column != "local_copy"}
    edit(path, "来源", rows=[{**source, "page": 1}])


def test_2024_figures_with_a_new_source_are_added_and_validated(data_copy: Path, tmp_path: Path):
    sources = source_dir(tmp_path)
    path = export(data_copy, tmp_path / "all.xlsx")
    add_2024(path)
    result = import_cli(str(path), "--data-dir", str(data_copy), "--source-dir", str(sources))
    assert result.exit_code == 0, result.output
    assert "引文未核对" not in result.output  # the quotes were checked against the source's text
    assert (
        "新增 2 个数字，修改 0 个，未变 88 个" in result.output and "新增出处：synthetic-report-2024" in result.output
    )
    assert "  + workforce-talent-total-2024  全市人才总量 · 72万人 · 2024" in result.output
    dataset = load_dataset(data_copy)
    facts = dataset.facts.set_index("id")
    # 72万 and full-width １４００００ in value cells: normalised to base units.
    assert facts.loc["workforce-talent-total-2024", "value"] == 720000
    assert facts.loc["workforce-high-skilled-2024", "value"] == 140000
    trend = series_with_several_periods(dataset.facts)
    assert set(trend["id"]) >= {"workforce-talent-total", "workforce-talent-total-2024"}
    # Imported again unchanged: nothing more to do.
    again = import_cli(str(path), "--data-dir", str(data_copy), "--source-dir", str(sources))
    assert "新增 0 个数字，修改 0 个，未变 90 个" in again.output and "没有需要写入的改动" in again.output


def test_a_quote_not_in_the_sources_local_copy_is_refused(data_copy: Path, tmp_path: Path):
    sources = source_dir(tmp_path, SYNTHETIC_2024_TEXT.replace("72万人", "71万人"))
    path = export(data_copy, tmp_path / "all.xlsx")
    add_2024(path)
    before = snapshot(data_copy)
    result = import_cli(str(path), "--data-dir", str(data_copy), "--source-dir", str(sources))
    assert result.exit_code == 1
    assert (
        f"工作表“全部数据” 第 {row_of(path, '全部数据', 'workforce-talent-total-2024')} 行，列 source_quote：引文不在出处"
        in result.output
    )
    assert snapshot(data_copy) == before


# ---------------------------------------------------------------------------------------------------
# What people type that cannot be taken: refused with sheet, row, column; the files byte-identical.

BAD_CELLS = [
    # (what, fact id, column, typed, Chinese message, English message)
    ("text in a value cell", "intro-industrial-workers", "value", "五十万", "不是数字", "not a number"),
    ("a formula", "intro-industrial-workers", "value", "=A1*2", "是公式", "is a formula"),
    (
        "as_written disagrees with value",
        "intro-industrial-workers",
        "value",
        600000,
        "数值与原文写法不符",
        "is not number_as_written times",
    ),
    ("a year in words", "ideology-walk-2023", "period_end", "二〇二三", "不是数字", "not a number"),
    (
        "an empty required cell",
        "ideology-walk-2023",
        "as_written",
        None,
        "为空；此项必填",
        "empty; a value is required",
    ),
    (
        "an existing id for another figure",
        "aid-winter-funds",
        "period_start",
        2024,
        "编号 aid-winter-funds 已属于另一个数字",
        "id aid-winter-funds already belongs to another figure",
    ),
    (
        "an unknown source",
        "ideology-walk-2023",
        "source_id",
        "zzrb-2024",
        "未知的出处编号",
        "unknown id, not in sources.csv",
    ),
    (
        "a qualifier the report never uses",
        "ideology-walk-2023",
        "qualifier",
        "大约",
        "未知的限定词",
        "unknown qualifier",
    ),
]


@pytest.mark.parametrize(
    ("what", "fact_id", "column", "typed", "zh", "en"), BAD_CELLS, ids=[case[0] for case in BAD_CELLS]
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_kind_of_bad_cell_is_refused_with_its_row(
    data_copy: Path, tmp_path: Path, lang: str, what: str, fact_id: str, column: str, typed: Any, zh: str, en: str
):
    path = export(data_copy, tmp_path / "bad.xlsx", Filters(lang=lang))  # type: ignore[arg-type]
    sheet = DATA_SHEET[lang]
    row = row_of(path, sheet, fact_id)
    edit(path, sheet, {(row, column): typed})
    before = snapshot(data_copy)
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 1
    named = "id" if what.startswith("an existing id") else column  # another figure's id: the id is named
    where = (
        f"工作表“{sheet}” 第 {row} 行，列 {named}：{zh}"
        if lang == "zh"
        else f"sheet '{sheet}', row {row}, column '{named}': {en}"
    )
    assert where in result.output, result.output
    assert ("未写入任何文件" if lang == "zh" else "nothing was written") in result.output
    assert "Traceback" not in result.output and snapshot(data_copy) == before


def test_an_id_used_twice_names_both_rows(data_copy: Path, tmp_path: Path):
    path = export(data_copy, tmp_path / "dup.xlsx")
    row = synthetic_2024_rows()[0] | {"id": "intro-industrial-workers", "source_id": "zzrb-2023-11-30-p03"}
    edit(path, "全部数据", rows=[row])
    with pytest.raises(ImportProblems) as raised:
        plan_import(path, data_copy)
    assert "工作表“全部数据” 第 90 行，列 id：编号 intro-industrial-workers 已在第 2 行使用" in str(raised.value)


def test_a_broken_or_foreign_workbook_is_refused_cleanly(data_copy: Path, tmp_path: Path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = import_cli(str(broken), "--data-dir", str(data_copy))
    assert result.exit_code == 1 and "不是可读的 Excel 工作簿" in result.output and "Traceback" not in result.output
    other = tmp_path / "other.xlsx"
    load_workbook(export(data_copy, tmp_path / "x.xlsx")).save(other)
    workbook = load_workbook(other)
    del workbook["全部数据"]
    workbook.save(other)
    result = import_cli(str(other), "--data-dir", str(data_copy))
    assert result.exit_code == 1 and "没有“全部数据”工作表" in result.output


def test_a_write_that_fails_half_way_leaves_the_old_files(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = export(data_copy, tmp_path / "all.xlsx")
    add_2024(path)
    plan = plan_import(path, data_copy, source_dir=source_dir(tmp_path))
    assert set(plan.files) == {"sources", "facts"}
    before = snapshot(data_copy)
    real_write = datastore._write_new

    # The files are written as one data set (datastore.write_data_set): the disk fills up while the new
    # facts.csv is written, after sources.csv, before the set is committed.
    def disk_full(path: Path, data: bytes, mode: int) -> None:
        if path.name.startswith(".facts.csv"):
            raise OSError(28, "No space left on device")
        real_write(path, data, mode)

    monkeypatch.setattr(datastore, "_write_new", disk_full)
    with pytest.raises(importer.UniondashError, match="the old files are kept"):
        write_plan(plan, data_copy)
    assert snapshot(data_copy) == before  # the new sources.csv, already written, never replaced the old
    assert not [path for path in data_copy.iterdir() if path.name.startswith(".")]


def test_template_is_an_empty_workbook_that_imports_to_nothing(data_copy: Path, tmp_path: Path):
    out = tmp_path / "template.xlsx"
    result = CliRunner().invoke(
        cli, ["export-xlsx", str(out), "--template", "--lang", "en", "--data-dir", str(data_copy)]
    )
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Notes", "All figures", "Sources"] and workbook["All figures"].max_row == 1
    assert "source_quote" in [cell.value for cell in workbook["Notes"]["A"]]
    plan = plan_import(out, data_copy)
    assert plan.files == {} and len(plan.diff.missing) == 88 and plan.lang == "en"


@pytest.mark.parametrize(
    ("column", "typed", "stored"),
    [
        ("value", "2.8亿", "280000000"),
        ("value", "2600万", "26000000"),
        ("value", "１，５００", "1500"),
        ("value", " 500000 ", "500000"),
        ("value", 4494.49, "4494.49"),
        ("period_end", 2024.0, "2024"),
        ("number_as_written", "2.80", "2.80"),
        ("number_as_written", 50, "50"),
        ("source_id", " ｚｚｒｂ-2024 ", "zzrb-2024"),
        ("source_quote", " 全市人才总量，达到72万人 ", "全市人才总量，达到72万人"),  # text kept as typed (，stays)
    ],
)
def test_what_people_type_is_normalised_as_documented(column: str, typed: Any, stored: str):
    assert importer.normalise(column, typed, "zh") == (stored, None)


@pytest.mark.parametrize(
    ("column", "typed"), [("value", "2600余万"), ("value", "abc"), ("period_end", "2024.5"), ("period_start", "2万")]
)
def test_what_cannot_be_read_is_refused(column: str, typed: Any):
    text, problem = importer.normalise(column, typed, "zh")
    assert text == "" and problem is not None and repr(typed) in problem[0]


def test_a_sheet_too_long_is_refused_not_cut(data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 50)
    path = export(data_copy, tmp_path / "all.xlsx")
    with pytest.raises(ImportProblems, match="行数超过 50"):
        plan_import(path, data_copy)


def test_a_broken_data_directory_is_named_as_such(data_copy: Path, tmp_path: Path):
    path = export(data_copy, tmp_path / "all.xlsx")
    facts = data_copy / "facts.csv"
    good = facts.read_bytes()
    # A broken figure the workbook corrects: what is validated is the merged data, so the correction is taken.
    facts.write_bytes(good.replace(b",500000,50", b",lots,50", 1))
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 0 and "value: 'lots' → '500000'" in result.output, result.output
    assert facts.read_bytes() == good
    # A problem the workbook does not touch (a file it does not carry) is the data directory's own.
    set_cell(data_copy / "programmes.csv", "winter-warmth", "label_en", "")
    seal_as_is(data_copy)  # the broken file sealed as it is: the set is whole, its content wrong
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 1 and "数据目录本身有问题" in result.output, result.output
    assert "column 'label_en': empty; a value is required" in result.output
    (data_copy / "levels.csv").unlink()
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 1 and "levels.csv: is missing" in result.output, result.output  # the sealed set names it
    facts.write_bytes(b"id\n" + "全".encode("gbk"))
    result = import_cli(str(path), "--data-dir", str(data_copy))
    assert result.exit_code == 1 and "数据目录本身有问题" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------------
# Workbooks exported before editions (issue 25): no report_kind, period_start, period_end in the Sources sheet


def without_edition_columns(path: Path, sheet: str) -> Path:
    """The workbook as exported before editions existed: its Sources sheet without the three columns."""
    workbook = load_workbook(path)
    ws = workbook[sheet]
    header = [cell.value for cell in ws[1]]
    for column in sorted((header.index(name) + 1 for name in importer.EDITION_COLUMNS), reverse=True):
        ws.delete_cols(column)
    workbook.save(path)
    assert not set(importer.EDITION_COLUMNS) & {cell.value for cell in load_workbook(path)[sheet][1]}
    return path


@pytest.mark.parametrize(("lang", "data", "sources"), [("zh", "全部数据", "来源"), ("en", "All figures", "Sources")])
def test_an_older_export_without_edition_columns_imports(
    data_copy: Path, tmp_path: Path, lang: str, data: str, sources: str
):
    path = export(data_copy, tmp_path / "old.xlsx", Filters(lang=lang))  # type: ignore[arg-type]
    without_edition_columns(path, sources)
    before = snapshot(data_copy)
    # Imported as is: nothing to do, no byte changed (the source keeps its kind and period from sources.csv).
    plan = plan_import(path, data_copy)
    assert plan.files == {} and not plan.diff.sources_changed
    # An analyst's correction in last month's workbook: taken, and sources.csv is left as it was.
    row = row_of(path, data, "ideology-walk-2023")
    edit(path, data, {(row, "label_en"): "The 8th workers' walk, participants"})
    plan = plan_import(path, data_copy)
    assert list(plan.diff.changed) == ["ideology-walk-2023"]
    write_plan(plan, data_copy)
    after = snapshot(data_copy)
    assert [name for name in before if before[name] != after[name]] == ["facts.csv"]
    edition = load_dataset(data_copy).first_edition
    assert (edition.kind, edition.period) == ("five-year", (2019, 2023))


def test_a_new_source_in_an_older_export_is_refused_naming_row_and_columns(data_copy: Path, tmp_path: Path):
    sources = source_dir(tmp_path)
    path = export(data_copy, tmp_path / "old.xlsx")
    edit(path, "全部数据", rows=synthetic_2024_rows())
    source = {column: value for column, value in SYNTHETIC_2024_SOURCE.items() if column != "local_copy"}
    edit(path, "来源", rows=[{**source, "page": 1}])
    without_edition_columns(path, "来源")
    before = snapshot(data_copy)
    result = import_cli(str(path), "--data-dir", str(data_copy), "--source-dir", str(sources))
    assert result.exit_code == 1 and "Traceback" not in result.output
    for column in importer.EDITION_COLUMNS:
        assert f"工作表“来源” 第 3 行，列 {column}：新来源 synthetic-report-2024 缺少这一列" in result.output
    assert snapshot(data_copy) == before  # nothing written
    # The same workbook with the columns given back and filled in, as the message says, imports.
    workbook = load_workbook(path)
    ws = workbook["来源"]
    for column, first in zip(importer.EDITION_COLUMNS, ("five-year", "2019", "2023"), strict=True):
        ws.cell(row=1, column=ws.max_column + 1, value=column)
        ws.cell(row=2, column=ws.max_column, value=first)
        ws.cell(row=3, column=ws.max_column, value=SYNTHETIC_2024_SOURCE[column])
    workbook.save(path)
    result = import_cli(str(path), "--data-dir", str(data_copy), "--source-dir", str(sources))
    assert result.exit_code == 0, result.output
    assert load_dataset(data_copy).edition((2024, 2024)) is not None
