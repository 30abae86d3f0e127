"""`uniondash export-pdf`: the briefing printed by headless Chromium, read back with pypdf and pdftotext.

Needs Debian's chromium and poppler-utils (`make system`); with CI=true a missing tool fails, never skips.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from uniondash import charts
from uniondash.charts import Chart
from uniondash.chartspec import chart_spec
from uniondash.cli import cli
from uniondash.errors import UniondashError
from uniondash.exports.pdf import write_briefing_pdf
from uniondash.model import Dataset, Filters

SOURCE_ZH = "株洲日报 2023年11月30日 第3版"


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    message = f"{tool} is not installed (Debian: `make system` installs chromium and poppler-utils)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def pdf_text(path: Path) -> str:
    result = subprocess.run(
        [require("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def pages(path: Path) -> int:
    return len(PdfReader(path).pages)


@pytest.fixture(scope="module")
def full_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("chromium")
    out = tmp_path_factory.mktemp("pdf") / "briefing.pdf"
    result = CliRunner().invoke(cli, ["export-pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {out}")
    return out


def test_full_briefing_fits_four_a4_pages(full_pdf):
    reader = PdfReader(full_pdf)
    assert 1 <= len(reader.pages) <= 4
    for page in reader.pages:
        # A4 in points (595 × 842), whatever the printer default would be.
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_full_briefing_text_holds_the_headline_figures_as_written(full_pdf, dataset):
    text = pdf_text(full_pdf)
    for figure in ("2.8亿元", "48.3万人次", "10000余场", "2600余万元", "52万余人次", "接近70万人", "4494.49万元"):
        assert figure in text
    assert "株洲市总工会五年工作成就 · 简报" in text and SOURCE_ZH in text
    assert "报告：2019–2023年五年报告；板块：全部；项目：全部" in text
    # Every key chart was drawn: its caption is there and the "could not be drawn" stand-in is not.
    assert "图表未能绘制" not in text
    key_charts: dict[str, Chart] = {}
    for chart in charts.CHARTS.values():
        # The first of each section with a comparison to draw, in registry order (lone figures are numbers).
        if chart_spec(chart, dataset, Filters()).has_comparison:
            key_charts.setdefault(chart.section_id, chart)
    assert key_charts
    for chart in key_charts.values():
        assert chart.title("zh") in text


def test_english_section_briefing(tmp_path):
    require("chromium")
    out = tmp_path / "aid-en.pdf"
    result = CliRunner().invoke(cli, ["export-pdf", str(out), "--section", "aid", "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert pages(out) == 1
    assert "Sections: Help for workers" in text and "Zhuzhou Daily, 30 November 2023, page 3" in text
    assert "280 million yuan" in text and "over 26 million yuan" in text
    assert "Labour and skills competitions" not in text  # another section


def one_chart_per_measure(dataset: Dataset) -> list[Chart]:
    """TEST-ONLY charts: for every section, a bar chart per measure (up to three), like a full registry."""

    def chart(section: str, measure: str) -> Chart:
        def select(facts: pd.DataFrame) -> pd.Series:
            return (facts["section_id"] == section) & (facts["measure_id"] == measure)

        return Chart(f"test-{section}-{measure}", section, f"测试图 {section} {measure}", f"Test {section}", select)

    measures = dataset.facts.groupby("section_id")["measure_id"].unique()
    return [chart(section, measure) for section in dataset.sections["id"] for measure in measures[section][:3]]


def test_briefing_stays_within_four_pages_when_every_section_has_charts(dataset, tmp_path, monkeypatch):
    require("chromium")
    for chart in one_chart_per_measure(dataset):
        monkeypatch.setitem(charts.CHARTS, chart.id, chart)
    out = write_briefing_pdf(dataset, Filters(), tmp_path / "many-charts.pdf")
    assert pages(out) <= 4
    text = pdf_text(out)
    assert "图表未能绘制" not in text and "10000余场" in text


def fake_chromium(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-chromium"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_missing_chromium_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["export-pdf", str(tmp_path / "x.pdf")], env={"UNIONDASH_CHROMIUM": str(tmp_path / "no-such-browser")}
    )
    assert result.exit_code == 1
    assert "Chromium not found" in result.output and "UNIONDASH_CHROMIUM" in result.output
    assert "Traceback" not in result.output


def test_chromium_that_hangs_is_stopped_with_a_clear_error(dataset, tmp_path):
    hanging = fake_chromium(tmp_path, "sleep 120")
    with pytest.raises(UniondashError, match=r"did not finish printing the briefing within 1 s"):
        write_briefing_pdf(dataset, Filters(), tmp_path / "x.pdf", chromium=hanging, timeout=1)
    assert not (tmp_path / "x.pdf").exists()


def test_chromium_that_fails_is_a_clear_error(dataset, tmp_path):
    failing = fake_chromium(tmp_path, "echo 'something broke' >&2; exit 3")
    with pytest.raises(UniondashError, match=r"could not print the briefing \(exit code 3.*something broke"):
        write_briefing_pdf(dataset, Filters(), tmp_path / "x.pdf", chromium=failing)


def test_output_folder_must_exist(dataset, tmp_path):
    with pytest.raises(UniondashError, match="does not exist"):
        write_briefing_pdf(dataset, Filters(), tmp_path / "missing" / "x.pdf")


def test_bad_filter_is_an_error_not_an_empty_pdf(tmp_path):
    result = CliRunner().invoke(cli, ["export-pdf", str(tmp_path / "x.pdf"), "--programme", "nope"])
    assert result.exit_code == 2 and "Invalid value for '--programme': unknown programme 'nope'" in result.output
    assert not (tmp_path / "x.pdf").exists()
