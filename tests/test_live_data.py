"""Live data: a running server takes new valid data without a restart, one whole data set at a time, and keeps
the last good data when the files on disk are not a valid sealed set (the public /healthz says only that; the
operator's status names the file and line). SYNTHETIC 2024 figures, imported from Excel, and SYNTHETIC
relabelled copies of the shipped data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from tests.dash_requests import page_callback
from tests.synthetic import SHIPPED, SYNTHETIC_2024_SOURCE, SYNTHETIC_2024_TEXT, seal_as_is, synthetic_2024_rows
from tests.test_serving import (  # noqa: F401 (serve: fixture)
    OPERATOR,
    STATUS_TOKEN,
    VENV_BIN,
    free_port,
    get,
    operator_status,
    serve,
    wait_healthy,
)
from tests.unit.test_intake_workbook import edit, export
from uniondash.cli import cli
from uniondash.config import Settings
from uniondash.datastore import MANIFEST, data_set_version
from uniondash.load import load_dataset
from uniondash.state import DataState
from uniondash.web.app import create_app
from uniondash.web.serving import STATUS_PATH

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


def break_facts(data_dir: Path, *, sealed: bool = True) -> None:
    """A value that is not a number; sealed as it is (a set that fails validation), or left as a hand edit."""
    facts = data_dir / "facts.csv"
    facts.write_bytes(facts.read_bytes().replace(b",500000,50\xe5\xa4\x9a", b",abc,50\xe5\xa4\x9a", 1))
    if sealed:
        seal_as_is(data_dir)


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
    assert state.current() is good and state.problem is not None and not state.healthy
    assert "facts.csv:2: column 'value': not a number: 'abc'" in state.details()["data_problem"]
    assert state.derived("n", lambda dataset: len(dataset.facts)) == 90


def test_pages_and_healthz_follow_the_data_in_one_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIONDASH_RELOAD_SECONDS", "0")  # check on every request
    for name in ("UNIONDASH_CACHE_DIR", "UNIONDASH_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    client: FlaskClient = create_app(data_dir, Settings(status_token=STATUS_TOKEN)).server.test_client()
    before = text(client.post("/_dash-update-component", json=WORKFORCE).get_data())
    assert "逐年变化" not in before and operator_status(client)["facts"] == 88
    import_2024(data_dir, tmp_path)
    after = text(client.post("/_dash-update-component", json=WORKFORCE).get_data())
    # The cached page is not served again: the talent chart now shows the change from 2023 to 2024.
    assert "逐年变化" in after and "72万人" in after
    assert client.get("/export/chart/talent.csv").get_data(as_text=True).count("2024") >= 2
    break_facts(data_dir)
    # Issue 24: the public health check showed the server's data path and the offending line to anyone.
    health = client.get("/healthz").get_data(as_text=True)
    assert health == "serving last good data\n"
    details = operator_status(client)
    assert details["status"] == "serving last good data" and details["facts"] == 90
    assert "not a number: 'abc'" in details["data_problem"] and str(data_dir) in details["data_problem"]
    assert "72万人" in text(client.post("/_dash-update-component", json=WORKFORCE).get_data())


def status_of_every_worker(port: int, workers: int = 2) -> dict[int, dict]:
    """The operator's status of each worker (a new connection per request lands on either)."""
    seen: dict[int, dict] = {}
    for _ in range(200):
        body = json.loads(get(port, "GET", STATUS_PATH, headers=OPERATOR)[1])
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
    port = start_server(data_dir, serve)
    status, page = get(port, "POST", "/_dash-update-component", json.dumps(WORKFORCE).encode())
    assert status == 200 and "逐年变化" not in text(page)  # drawn and cached before the import
    assert all(body["facts"] == 88 for body in status_of_every_worker(port).values())

    import_2024(data_dir, tmp_path)

    # Every worker takes the new data: each looks at the files every 2 s at most (the interval itself is
    # tested with a fake clock above); the generous wait is for a loaded test machine, not a speed claim.
    assert wait_until(lambda: all(b["facts"] == 90 for b in status_of_every_worker(port).values()), 60)
    for _ in range(6):  # whichever worker answers
        status, page = get(port, "POST", "/_dash-update-component", json.dumps(WORKFORCE).encode())
        assert status == 200 and "逐年变化" in text(page) and "72万人" in text(page)

    break_facts(data_dir)
    assert wait_until(lambda: all("data_problem" in body for body in status_of_every_worker(port).values()), 60), (
        "every worker reports the invalid files"
    )
    for body in status_of_every_worker(port).values():
        assert body["status"] == "serving last good data" and body["facts"] == 90
        assert "not a number: 'abc'" in body["data_problem"]
    assert get(port, "GET", "/healthz") == (200, b"serving last good data\n")
    status, page = get(port, "POST", "/_dash-update-component", json.dumps(WORKFORCE).encode())
    assert status == 200 and "72万人" in text(page)


def start_server(data_dir: Path, started: list[subprocess.Popen[bytes]], reload_seconds: str = "") -> int:
    """`uniondash serve` with 2 workers (gunicorn) on `data_dir`, on a free loopback port; the port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("UNIONDASH_CACHE_DIR", "UNIONDASH_REDIS_URL")}
    env["UNIONDASH_STATUS_TOKEN"] = STATUS_TOKEN
    if reload_seconds:
        env["UNIONDASH_RELOAD_SECONDS"] = reload_seconds
    command = [str(VENV_BIN / "uniondash"), "serve", "--port", str(port), "--workers", "2", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    started.append(process)
    wait_healthy(port, process)
    return port


# Version B of the shipped data (SYNTHETIC): a label in facts.csv and the citation in sources.csv changed, each
# by one character of the same length in UTF-8, so every file keeps its size (the manifest too).
LABEL = ("筹集“夏送清凉”物资", "筹集“夏送清凉”物品")
CITATION = ("株洲日报 2023年11月30日 第3版", "株洲日报 2023年11月30日 第4版")
METADATA = "/export/chart/aid-funds.metadata.json"


def version_b(folder: Path) -> Path:
    """A sealed copy of the shipped data with LABEL and CITATION changed, every file the size of the shipped."""
    shutil.copytree(SHIPPED, folder)
    for file, (old, new) in (("facts.csv", LABEL), ("sources.csv", CITATION)):
        path = folder / file
        path.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))
    seal_as_is(folder)
    for path in folder.iterdir():
        assert path.stat().st_size == (SHIPPED / path.name).stat().st_size, path.name
    return folder


def versions_shown(port: int) -> tuple[str, str]:
    """Which version's label and which version's citation one answer shows: ('A' or 'B', 'A' or 'B')."""
    status, body = get(port, "GET", METADATA)
    assert status == 200, body[:300]
    answer = body.decode("utf-8")
    label = "B" if LABEL[1] in answer else "A" if LABEL[0] in answer else "?"
    citation = "B" if CITATION[1] in answer else "A" if CITATION[0] in answer else "?"
    return label, citation


class Watcher:
    """Asks the server for METADATA over and over in a thread, counting what each answer shows."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.seen: Counter[tuple[str, str]] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen[versions_shown(self.port)] += 1

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def test_files_copied_one_by_one_seconds_apart_are_served_as_one_set(
    tmp_path: Path,
    serve: list[subprocess.Popen[bytes]],  # noqa: F811
):
    """Issue 24's probe: facts.csv replaced, then sources.csv a few seconds later, served 19 of 69 answers with
    new labels and old citations. Now the files are taken as one sealed set: until manifest.json arrives too,
    every worker keeps version A (and says so), then every answer is version B; never a label of one version
    with a citation of the other."""
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    new = version_b(tmp_path / "new")
    port = start_server(data_dir, serve, reload_seconds="0.2")
    with Watcher(port) as watcher:
        time.sleep(1)
        shutil.copy2(new / "facts.csv", data_dir / "facts.csv")
        time.sleep(2)
        assert get(port, "GET", "/healthz") == (200, b"serving last good data\n")
        assert watcher.seen[("B", "A")] == 0 and watcher.seen[("B", "B")] == 0
        shutil.copy2(new / "sources.csv", data_dir / "sources.csv")
        time.sleep(2)
        assert watcher.seen[("B", "B")] == 0, "both files copied, the manifest not yet: still version A"
        shutil.copy2(new / MANIFEST, data_dir / MANIFEST)
        wanted = data_set_version(new)
        assert wait_until(lambda: all(b["version"] == wanted for b in status_of_every_worker(port).values()), 60)
        time.sleep(1)
    mixed = {shown: count for shown, count in watcher.seen.items() if len(set(shown)) > 1 or "?" in shown}
    assert mixed == {}, f"answers mixing versions: {mixed} (all: {dict(watcher.seen)})"
    assert watcher.seen[("A", "A")] > 10 and watcher.seen[("B", "B")] > 10, dict(watcher.seen)
    assert get(port, "GET", "/healthz") == (200, b"ok\n")


def test_a_set_copied_with_the_same_sizes_and_mtimes_is_taken(
    tmp_path: Path,
    serve: list[subprocess.Popen[bytes]],  # noqa: F811
):
    """Issue 24: an edit that keeps each file's size and mtime (`cp -p`, `rsync -a`, `tar x`) was never picked
    up, and /healthz said "ok". Every file of version B has the size of version A's, and is given A's mtime
    before `cp -p` copies it over: the workers still take B (the ctime changed), whole."""
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    new = version_b(tmp_path / "new")
    for path in new.iterdir():
        old = (data_dir / path.name).stat()
        os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    port = start_server(data_dir, serve)
    assert versions_shown(port) == ("A", "A")
    before = {path.name: (path.stat().st_size, path.stat().st_mtime_ns) for path in data_dir.iterdir()}
    subprocess.run(["cp", "-p", *[str(path) for path in sorted(new.iterdir())], str(data_dir)], check=True)
    assert {path.name: (path.stat().st_size, path.stat().st_mtime_ns) for path in data_dir.iterdir()} == before
    wanted = data_set_version(new)
    assert wait_until(lambda: all(b["version"] == wanted for b in status_of_every_worker(port).values()), 60)
    assert all(versions_shown(port) == ("B", "B") for _ in range(6))
    assert get(port, "GET", "/healthz") == (200, b"ok\n")
