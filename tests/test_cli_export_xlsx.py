"""`uniondash export-xlsx` (click CliRunner): the file written, the filters, and clean errors."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner
from openpyxl import load_workbook

from uniondash.cli import cli
from uniondash.model import Filters, filter_facts


def test_writes_the_whole_workbook(tmp_path, dataset):
    out = tmp_path / "figures.xlsx"
    result = CliRunner().invoke(cli, ["export-xlsx", str(out)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert result.output.startswith(f"Wrote {out} (")
    assert f": {len(dataset.facts)} figures, {len(workbook.sheetnames)} sheets (说明, 汇总, 导语" in result.output
    assert result.output.rstrip().endswith("6 charts")
    assert workbook.sheetnames[-5:] == ["荣誉", "图表", "图表数据", "全部数据", "来源"]


def test_filters_and_language(tmp_path, dataset):
    out = tmp_path / "aid-en.xlsx"
    args = ["export-xlsx", str(out), "--years", "2019-2023", "--section", "aid", "--programme", "winter-warmth"]
    result = CliRunner().invoke(cli, [*args, "--programme", "golden-autumn", "--lang", "en"])
    assert result.exit_code == 0, result.output
    sheet = pd.read_excel(out, sheet_name="Help for workers", dtype=object)
    filters = Filters(
        years=frozenset(range(2019, 2024)), programmes=("winter-warmth", "golden-autumn"), sections=("aid",)
    )
    expected = filter_facts(dataset.facts, filters)
    assert sorted(sheet["ID"]) == sorted(expected["id"])
    assert (
        f": {len(expected)} figures, 8 sheets (Notes, Summary, Help for workers, Honours, Charts, Chart data, All figures, Sources)"
        in (result.output)
    )


def test_synthetic_year_from_another_data_dir(tmp_path, multi_year_dir):
    out = tmp_path / "2024.xlsx"
    result = CliRunner().invoke(cli, ["export-xlsx", str(out), "--years", "2024", "--data-dir", str(multi_year_dir)])
    assert result.exit_code == 0, result.output
    ids = [
        i
        for name, sheet in pd.read_excel(out, sheet_name=None, dtype=object).items()
        if name in ("职工帮扶", "树模铸匠")
        for i in sheet["ID"]
    ]
    assert sorted(ids) == sorted(
        [
            "aid-winter-funds-2024",
            "aid-winter-people-2024",
            "aid-autumn-students-2024",
            "models-model-workers-municipal-2024",
        ]
    )


def test_bad_years_exit_1_with_a_clear_message(tmp_path):
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(cli, ["export-xlsx", str(out), "--years", "20x9"])
    assert result.exit_code == 1
    assert "Error: Years '20x9' not understood (try 2019-2023 or 2021,2023)" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unknown_programme_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["export-xlsx", str(tmp_path / "x.xlsx"), "--programme", "nope"])
    assert result.exit_code == 1 and "Unknown programme 'nope'" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_folder_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["export-xlsx", str(tmp_path / "missing" / "x.xlsx")])
    assert result.exit_code == 1
    assert "cannot write" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_help_has_an_example():
    result = CliRunner().invoke(cli, ["export-xlsx", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "uniondash export-xlsx figures.xlsx" in result.output
