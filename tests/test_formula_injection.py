"""Data text that looks like a spreadsheet formula never runs when an analyst opens a download.

The unit tests (tests/unit/test_chart_files.py, test_export_xlsx.py) check the writers on one label. Here the
whole app serves a copy of the data whose labels, notes, quotes, sources, scopes, programmes and sections
start with each character Excel treats as a formula (= + - @ tab CR), and every spreadsheet download is read
back: the chart CSV, the CSV inside the chart's ZIP, and the Excel workbook (zh and en). Finally LibreOffice
opens them with formula evaluation on, the way a spreadsheet program would, and no cell becomes a formula
(a raw "=1+1" control shows that it would).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook

from tests.synthetic import copy_shipped, seal_as_is
from tests.unit.test_load import set_cell
from uniondash.exports.chart_files import CSV_COLUMNS
from uniondash.web.app import create_app

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://evil.example","点我")'
DDE = "+cmd|' /C calc'!A0"
# (file, row id, column, text): one of each formula start, in every kind of text a download carries.
TAMPERED = (
    ("facts.csv", "aid-winter-funds", "label_zh", HYPERLINK),
    ("facts.csv", "aid-winter-funds", "label_en", DDE),
    ("facts.csv", "aid-winter-funds", "note", "-2+3"),
    ("facts.csv", "aid-winter-funds", "note_zh", "-2+3"),  # the Chinese workbook's 备注
    # The quote must still contain the figure as written (a schema check), so the formula goes in front.
    ("facts.csv", "aid-winter-funds", "source_quote", "@SUM(1+1) 筹集“冬送温暖”资金2.8亿元"),
    # A tab or carriage return before a formula never reaches an export: validation refuses control characters.
    ("programmes.csv", "winter-warmth", "label_zh", "-1+1 冬送温暖"),
    ("programmes.csv", "winter-warmth", "label_en", "+1+1 Winter warmth"),
    ("sections.csv", "aid", "label_zh", "=cmd|'/C calc'!A0"),
    ("sections.csv", "aid", "label_en", "-Help for workers"),
    ("scopes.csv", "city", "label_zh", "@全市"),
    ("sources.csv", "zzrb-2023-11-30-p03", "citation_zh", "=株洲日报 2023年11月30日 第3版"),
)
NUMERIC = ("value", "period_start", "period_end")
CHART = "aid-funds"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    data = copy_shipped(tmp_path_factory.mktemp("formulas") / "data")
    for file, row_id, column, text in TAMPERED:
        set_cell(data / file, row_id, column, text)
    seal_as_is(data)  # served: a server takes sealed sets only
    yield create_app(data).server.test_client()


def download(client: FlaskClient, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response.get_data()


def csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows and list(rows[0]) == list(CSV_COLUMNS)
    return rows


def assert_csv_is_inert(rows: list[dict[str, str]], lang: str) -> None:
    for row in rows:
        for column, cell in row.items():
            if column not in NUMERIC:
                assert not cell.startswith(DANGEROUS), (column, cell)
            else:
                float(cell)  # numbers stay numbers
    winter = next(row for row in rows if row["id"] == "aid-winter-funds")
    assert winter["label"] == "'" + (HYPERLINK if lang == "zh" else DDE)
    assert winter["source_quote"] == "'@SUM(1+1) 筹集“冬送温暖”资金2.8亿元"
    if lang == "zh":
        assert winter["scope"] == "'@全市"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_csv(client: FlaskClient, lang: str) -> None:
    assert_csv_is_inert(csv_rows(download(client, f"/export/chart/{CHART}.csv?lang={lang}")), lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_in_the_chart_zip(client: FlaskClient, lang: str) -> None:
    data = download(client, f"/export/chart/{CHART}.zip?lang={lang}")
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        (name,) = [name for name in bundle.namelist() if name.endswith(".csv")]
        assert_csv_is_inert(csv_rows(bundle.read(name)), lang)


def dangerous_cells(workbook: Workbook) -> dict[str, list[tuple[str, str, bool]]]:
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS):
                    found.setdefault(cell.value, []).append((ws.title, cell.data_type, bool(cell.quotePrefix)))
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_excel_workbook(client: FlaskClient, lang: str) -> None:
    data = download(client, f"/export/summary.xlsx?lang={lang}")
    found = dangerous_cells(load_workbook(io.BytesIO(data)))
    expected = (
        (
            HYPERLINK,
            "=cmd|'/C calc'!A0",
            "@SUM(1+1) 筹集“冬送温暖”资金2.8亿元",
            "=株洲日报 2023年11月30日 第3版",
            "-2+3",
        )
        if lang == "zh"
        else (DDE, "-Help for workers", "@SUM(1+1) 筹集“冬送温暖”资金2.8亿元", "-2+3")
    )
    for text in expected:
        assert text in found, text
    for text, places in found.items():
        for sheet, data_type, quote_prefix in places:
            assert data_type == "s" and quote_prefix, (text, sheet)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in package.read(name) or b"<f " in package.read(name) for name in sheets)


# ---------------------------------------------------------------------------------------------------
# What a spreadsheet program does with them: LibreOffice, CSV import with "evaluate formulas" on.

SOFFICE = shutil.which("soffice")
# CSV import: comma, double quote, UTF-8, from line 1, ..., token 13 = evaluate formulas.
CSV_IMPORT = "CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"


def libreoffice(files: list[Path], outdir: Path, profile: Path, infilter: str | None = None) -> None:
    command = [str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless"]
    command += [f"--infilter={infilter}"] if infilter else []
    command += ["--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)


def test_libreoffice_runs_none_of_them(client: FlaskClient, tmp_path: Path) -> None:
    if SOFFICE is None:
        message = "LibreOffice (soffice) not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    inputs, outputs, profile = tmp_path / "in", tmp_path / "out", tmp_path / "profile"
    inputs.mkdir()
    csvs = {
        "chart-zh.csv": download(client, f"/export/chart/{CHART}.csv"),
        "chart-en.csv": download(client, f"/export/chart/{CHART}.csv?lang=en"),
        # The control: unneutralised text that LibreOffice does evaluate.
        "control.csv": "\ufeffa,b\r\n=1+1,=2*3\r\n".encode(),
    }
    for name, data in csvs.items():
        (inputs / name).write_bytes(data)
    (inputs / "summary.xlsx").write_bytes(download(client, "/export/summary.xlsx"))
    libreoffice([inputs / name for name in csvs], outputs, profile, CSV_IMPORT)
    libreoffice([inputs / "summary.xlsx"], outputs / "xlsx", profile)

    control = load_workbook(outputs / "control.xlsx").active
    assert control is not None and control["A2"].data_type == "f", "the harness must detect a formula"
    for name in ("chart-zh.xlsx", "chart-en.xlsx", "xlsx/summary.xlsx"):
        workbook = load_workbook(outputs / name)
        formulas = [
            f"{ws.title}!{cell.coordinate}"
            for ws in workbook.worksheets
            for row in ws.iter_rows()
            for cell in row
            if cell.data_type == "f"
        ]
        assert formulas == [], name
    label = load_workbook(outputs / "chart-zh.xlsx").active
    assert label is not None
    labels = [str(cell.value) for cell in label["B"]]
    assert "'" + HYPERLINK in labels, "the label reads as written, with its quote"
