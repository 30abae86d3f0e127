"""`uniondash export-charts OUTDIR`: every chart as files, through click's CliRunner."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from tests.pngtools import ink, png_size
from tests.synthetic import SHIPPED
from tests.unit.test_images import CHROMIUM, require_chromium
from uniondash.charts import CHARTS
from uniondash.cli import cli
from uniondash.model import Dataset, Filters


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["export-charts", *args, "--data-dir", str(SHIPPED)], env=env)
    return result.exit_code, result.output


def test_csv_and_html_of_every_chart(tmp_path: Path, dataset: Dataset) -> None:
    code, output = run(str(tmp_path / "kit"), "--format", "csv", "--format", "html")
    assert code == 0, output
    charted = [chart_id for chart_id, chart in CHARTS.items() if not chart.rows(dataset, Filters()).empty]
    for chart_id in charted:
        csv = tmp_path / "kit" / f"{chart_id}.csv"
        assert f"Wrote {csv}" in output
        frame = pd.read_csv(io.BytesIO(csv.read_bytes()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert frame["id"].tolist() == CHARTS[chart_id].rows(dataset, Filters())["id"].tolist()
        page = (tmp_path / "kit" / f"{chart_id}.html").read_text(encoding="utf-8")
        assert "Plotly.newPlot" in page and "<script src=" not in page
    assert sorted(path.name for path in (tmp_path / "kit").iterdir()) == sorted(
        f"{chart_id}.{ext}" for chart_id in charted for ext in ("csv", "html")
    )
    assert f"{2 * len(charted)} file(s) in {tmp_path / 'kit'}" in output


def test_png_and_svg_with_size_language_and_filters(tmp_path: Path, dataset: Dataset) -> None:
    require_chromium()
    filters = Filters(sections=("aid",), lang="en")
    code, output = run(
        str(tmp_path),
        *("--format", "png", "--format", "svg", "--section", "aid", "--lang", "en"),
        *("--width", "500", "--height", "400", "--scale", "1"),
        env={"UNIONDASH_CHROMIUM": CHROMIUM},
    )
    assert code == 0, output
    aid = [chart_id for chart_id, chart in CHARTS.items() if not chart.rows(dataset, filters).empty]
    assert aid, "the aid section has charts"
    for chart_id in aid:
        png = (tmp_path / f"{chart_id}_en.png").read_bytes()
        assert png_size(png) == type(png_size(png))(500, 400)
        assert ink(png)[1] > 0.02
        assert CHARTS[chart_id].title("en") in (tmp_path / f"{chart_id}_en.svg").read_text(encoding="utf-8")
    skipped = [chart_id for chart_id in CHARTS if chart_id not in aid]
    if skipped:
        assert f"Skipped (no figures for these filters): {', '.join(skipped)}" in output


def test_bad_size_is_a_clean_error(tmp_path: Path) -> None:
    code, output = run(str(tmp_path), "--format", "png", "--width", "100")
    assert code == 1
    assert "Error: width 100 is out of range: use 300–4000px" in output
    assert "Traceback" not in output


def test_missing_chromium_is_a_clean_error_and_csv_needs_none(tmp_path: Path) -> None:
    env = {"UNIONDASH_CHROMIUM": str(tmp_path / "no-chromium")}
    code, output = run(str(tmp_path / "png"), "--format", "png", env=env)
    assert code == 1 and "Error: Chromium not found" in output and "UNIONDASH_CHROMIUM" in output
    code, output = run(str(tmp_path / "csv"), "--format", "csv", env=env)
    assert code == 0 and "file(s) in" in output


def test_bad_filter_is_a_clean_error(tmp_path: Path) -> None:
    code, output = run(str(tmp_path), "--format", "csv", "--years", "20x9")
    assert code == 2 and "Invalid value for '--years': '20x9' is not a year range or list" in output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["export-charts", "--help"])
    assert result.exit_code == 0
    assert "uniondash export-charts press-kit" in result.output
    assert "--format [png|svg|html|csv]" in result.output
