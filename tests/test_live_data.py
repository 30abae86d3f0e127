"""Live data: a running server takes new valid data without a restart, and keeps the last good data when the
files on disk turn invalid (/healthz says what is wrong). SYNTHETIC 2024 figures, imported from Excel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from tests.dash_requests import page_callback
from tests.synthetic import SHIPPED, SYNTHETIC_2024_SOURCE, SYNTHETIC_2024_TEXT, synthetic_2024_rows
from tests.test_serving import VENV_BIN, free_port, get, serve, wait_healthy  # noqa: F401 (serve: fixture)
from tests.unit.test_intake_workbook import edit, export
from uniondash.cli import cli
from uniondash.load import load_dataset
from uniondash.state import DataState
from uniondash.web.app import create_app

WORKFORCE = page_callback("/section/workforce", "")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def import_2024(data_dir: Path, tmp_path: Path) -> None:
    """Export, add the SYNTHETIC 2024 figures and their new source in Excel, import."""
    text = tmp_path / "synthetic-2024.txt"
    text.write_text(SYNTHETIC_2024_TEXT, encoding="utf-8")
    path = export(data_dir, tmp_path / "2024.xlsx")
    edit(path, "全部数据", rows=synthetic_2024_rows())
    edit(path, "来源", rows=[{**SYNTHETIC_2024_SOURCE, "page": 1, "local_copy": str(text)}])
    result = CliRunner().invoke(cli, ["import-xlsx", str(path), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output


def text(body: bytes) -> str:
    """A callback answer as readable text (Dash escapes non-ASCII characters)."""
    return json.dumps(json.loads(body), ensure_ascii=False)


def break_facts(data_dir: Path) -> None:
    facts = data_dir / "facts.csv"
    facts.write_bytes(facts.read_bytes().replace(b",500000,50\xe5\xa4\x9a", b",abc,50\xe5\xa4\x9a", 1))


def test_data_state_reloads_changed_files_and_keeps_the_last_good_data(tmp_path: Path):
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    clock = Clock()
    state = DataState(load_dataset(data_dir), data_dir, interval=2.0, clock=clock)
    first = state.current()
    import_2024(data_dir, tmp_path)
    assert state.current() is first  # not checked before the interval has passed
    clock.now = 2.0
    assert len(state.current().facts) == 90 and state.problem is None and state.reloads == 1
    good = state.current()
    break_facts(data_dir)
    clock.now = 4.0
    assert state.current() is good and state.problem is not None
    assert "facts.csv:2: column 'value': not a number: 'abc'" in state.health()["data_problem"]
    assert state.derived("n", lambda dataset: len(dataset.facts)) == 90


def test_pages_and_healthz_follow_the_data_in_one_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIONDASH_RELOAD_SECONDS", "0")  # check on every request
    for name in ("UNIONDASH_CACHE_DIR", "UNIONDASH_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    client: FlaskClient = create_app(data_dir).server.test_client()
    before = text(client.post("/_dash-update-component", json=WORKFORCE).get_data())
    assert "逐年变化" not in before and client.get("/healthz").get_json()["facts"] == 88
    import_2024(data_dir, tmp_path)
    after = text(client.post("/_dash-update-component", json=WORKFORCE).get_data())
    # The cached page is not served again: the talent chart now shows the change from 2023 to 2024.
    assert "逐年变化" in after and "72万人" in after
    assert client.get("/export/chart/talent.csv").get_data(as_text=True).count("2024") >= 2
    break_facts(data_dir)
    health = client.get("/healthz").get_json()
    assert health["status"] == "serving-last-good-data" and health["facts"] == 90
    assert "not a number: 'abc'" in health["data_problem"]
    assert "72万人" in text(client.post("/_dash-update-component", json=WORKFORCE).get_data())


def healthz_of_every_worker(port: int, workers: int = 2) -> dict[int, dict]:
    seen: dict[int, dict] = {}
    for _ in range(200):
        body = json.loads(get(port, "GET", "/healthz")[1])
        seen[body["pid"]] = body
        if len(seen) == workers:
            break
    return seen


def wait_until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def test_a_running_server_shows_imported_figures_without_a_restart(
    tmp_path: Path,
    serve: list[subprocess.Popen[bytes]],  # noqa: F811
):
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("UNIONDASH_CACHE_DIR", "UNIONDASH_REDIS_URL")}
    command = [str(VENV_BIN / "uniondash"), "serve", "--port", str(port), "--workers", "2", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    serve.append(process)
    wait_healthy(port, process)
    status, page = get(port, "POST", "/_dash-update-component", json.dumps(WORKFORCE).encode())
    assert status == 200 and "逐年变化" not in text(page)  # drawn and cached before the import
    assert all(body["facts"] == 88 for body in healthz_of_every_worker(port).values())

    import_2024(data_dir, tmp_path)

    # Every worker takes the new data: each looks at the files every 2 s at most (the interval itself is
    # tested with a fake clock above); the generous wait is for a loaded test machine, not a speed claim.
    assert wait_until(lambda: all(b["facts"] == 90 for b in healthz_of_every_worker(port).values()), 60)
    for _ in range(6):  # whichever worker answers
        status, page = get(port, "POST", "/_dash-update-component", json.dumps(WORKFORCE).encode())
        assert status == 200 and "逐年变化" in text(page) and "72万人" in text(page)

    break_facts(data_dir)
    assert wait_until(lambda: all("data_problem" in body for body in healthz_of_every_worker(port).values()), 60), (
        "every worker reports the invalid files"
    )
    for body in healthz_of_every_worker(port).values():
        assert body["status"] == "serving-last-good-data" and body["facts"] == 90
        assert "not a number: 'abc'" in body["data_problem"]
    status, page = get(port, "POST", "/_dash-update-component", json.dumps(WORKFORCE).encode())
    assert status == 200 and "72万人" in text(page)
