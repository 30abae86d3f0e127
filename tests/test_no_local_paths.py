"""No public download carries a local path (issue 24): sources.csv's `local_copy` (where the server keeps a
source's text) stays on the server. The Excel workbook's 来源/Sources sheet, the template, and the chart
downloads (CSV, metadata, the ZIP bundle) are searched for the column and for the path's text itself."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.fuzz.fakes import FakeRenderer
from tests.synthetic import copy_shipped, seal_as_is
from tests.unit.test_load import set_cell
from uniondash.cli import cli
from uniondash.exports import images
from uniondash.web.app import create_app

SECRET_PATH = "/srv/private/uniondash-sources/report.txt"  # SYNTHETIC: a path that must never be published
CHART = "aid-funds"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = copy_shipped(tmp_path_factory.mktemp("paths") / "data")
    set_cell(data / "sources.csv", "zzrb-2023-11-30-p03", "local_copy", SECRET_PATH)
    seal_as_is(data)  # served: a server takes sealed sets only
    return data


@pytest.fixture(scope="module")
def client(data: Path) -> Iterator[FlaskClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("UNIONDASH_CACHE_DIR", raising=False)
        patch.delenv("UNIONDASH_REDIS_URL", raising=False)
        patch.setattr(images, "default_renderer", FakeRenderer)  # the ZIP holds a PNG and an SVG
        yield create_app(data).server.test_client()


def assert_no_path(blob: bytes, where: str) -> None:
    for needle in (b"local_copy", SECRET_PATH.encode(), b"uniondash-sources"):
        assert needle not in blob, (where, needle)


def workbook_text(data: bytes) -> bytes:
    """Every cell of every sheet, and every part of the package as stored."""
    cells = [
        str(cell.value)
        for ws in load_workbook(io.BytesIO(data)).worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = b"".join(package.read(name) for name in package.namelist())
    return "\n".join(cells).encode() + parts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_excel_workbook_of_the_dashboard(client: FlaskClient, lang: str) -> None:
    response = client.get(f"/export/summary.xlsx?lang={lang}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sources = workbook["来源" if lang == "zh" else "Sources"]
    assert "local_copy" not in [cell.value for cell in sources[1]]
    assert_no_path(workbook_text(response.get_data()), f"summary.xlsx ({lang})")


@pytest.mark.parametrize("template", [False, True])
def test_the_workbooks_of_the_command(data: Path, tmp_path: Path, template: bool) -> None:
    out = tmp_path / "figures.xlsx"
    result = CliRunner().invoke(
        cli, ["export-xlsx", str(out), "--data-dir", str(data), *(["--template"] if template else [])]
    )
    assert result.exit_code == 0, result.output
    assert_no_path(workbook_text(out.read_bytes()), out.name)


@pytest.mark.parametrize("fmt", ["csv", "metadata.json", "html"])
def test_the_chart_downloads(client: FlaskClient, fmt: str) -> None:
    response = client.get(f"/export/chart/{CHART}.{fmt}")
    assert response.status_code == 200
    assert_no_path(response.get_data(), fmt)


def test_the_chart_bundle(client: FlaskClient) -> None:
    response = client.get(f"/export/chart/{CHART}.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as bundle:
        for name in bundle.namelist():
            assert_no_path(bundle.read(name), name)
