"""`uniondash export-xlsx` (click CliRunner): the file written, the filters, and clean errors."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from uniondash.chartspec import comparisons_and_cards
from uniondash.cli import cli
from uniondash.model import Filters, filter_facts


def test_writes_the_whole_workbook(tmp_path, dataset):
    out = tmp_path / "figures.xlsx"
    result = CliRunner().invoke(cli, ["export-xlsx", str(out)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert result.output.startswith(f"Wrote {out} (")
    assert f": {len(dataset.facts)} figures, {len(workbook.sheetnames)} sheets (说明, 汇总, 导语" in result.output
    panels = sum(len(spec.panels) for spec in comparisons_and_cards(dataset, Filters())[0])
    assert result.output.rstrip().endswith(f"{panels} charts") and panels > 6  # one Excel chart per panel
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--years", "abc"], "Error: Invalid value for '--years': 'abc' is not a year range or list: use 2019-2023"),
        (["--years", "20x9"], "Error: Invalid value for '--years': '20x9' is not a year range or list"),
        (["--years", "2030"], "Error: Invalid value for '--years': no figures for 2030 (the data has 2003–2023)."),
        (["--programme", "nope"], "Error: Invalid value for '--programme': unknown programme 'nope'"),
        (
            ["--section", "aid", "--section", "x"],
            "Error: Invalid value for '--section': unknown section 'x' (ids: intro",
        ),
        (["--lang", "fr"], "Error: Invalid value for '--lang'"),
    ],
)
def test_bad_parameter_exit_2_with_one_clear_message(tmp_path, args, message):
    """A usage error names its option once; nothing is written and no fallback is announced."""
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(cli, ["export-xlsx", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("Error:") == 1
    assert "showing all years" not in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_missing_folder_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["export-xlsx", str(tmp_path / "missing" / "x.xlsx")])
    assert result.exit_code == 1
    assert "cannot write" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_help_has_an_example():
    result = CliRunner().invoke(cli, ["export-xlsx", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "uniondash export-xlsx figures.xlsx" in result.output


def test_the_cycle_collector_is_off_while_the_command_runs_and_back_on_after(tmp_path, monkeypatch):
    """export-xlsx runs once and exits, so it skips cyclic garbage collection (`cli.one_shot`); a process that
    goes on (the tests', `serve`) finds the collector as it was."""
    import gc

    import uniondash.exports.xlsx as xlsx

    seen = []
    build = xlsx.build_workbook
    monkeypatch.setattr(
        xlsx, "build_workbook", lambda *args, **kwargs: seen.append(gc.isenabled()) or build(*args, **kwargs)
    )
    assert gc.isenabled()
    result = CliRunner().invoke(cli, ["export-xlsx", str(tmp_path / "figures.xlsx"), "--years", "2023"])
    assert result.exit_code == 0, result.output
    assert seen == [False] and gc.isenabled()
    failed = CliRunner().invoke(cli, ["export-xlsx", str(tmp_path / "nope" / "figures.xlsx")])
    assert failed.exit_code == 1 and gc.isenabled()
