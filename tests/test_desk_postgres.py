"""The desk on a REAL PostgreSQL server (tests/postgres.py starts one on 127.0.0.1:55432): the migrations
from an empty database, append-only history, two publishers racing, and two app hosts — two gunicorn
instances with their own data folders — serving the same published version after an approval."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.desk_support import synthetic_workbook
from tests.postgres import create_database, postgres_server
from tests.synthetic import copy_shipped
from tests.test_serving import OPERATOR, STATUS_TOKEN
from uniondash.desk.changes import plan_upload
from uniondash.desk.datasets import read_folder
from uniondash.desk.follower import materialised_version, sync_folder
from uniondash.desk.store import DeskConflict, DeskStore
from uniondash.desk.web import publish_change
from uniondash.web.serving import STATUS_PATH

WAIT = 60  # seconds a host may take to follow (a ceiling on a loaded machine, not a measurement)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(autouse=True)
def close_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every store a test opens is closed after it: a pooled connection left to the garbage collector warns
    (ResourceWarning) during whichever later test collects it."""
    opened: list[DeskStore] = []
    real_open = DeskStore.open.__func__  # type: ignore[attr-defined]

    def tracked(cls: type[DeskStore], url: str, **options: Any) -> DeskStore:
        store = real_open(cls, url, **options)
        opened.append(store)
        return store

    monkeypatch.setattr(DeskStore, "open", classmethod(tracked))
    yield
    for store in opened:
        store.close()


@pytest.fixture
def pg_url(pg_server: str, request: pytest.FixtureRequest) -> str:
    return create_database(pg_server, re.sub(r"\W", "_", request.node.name)[:50].lower())


def submitted(store: DeskStore, data_dir: Path, author: str = "ann") -> int:
    published = store.published()
    kind, files, plan = plan_upload("figures-2024.xlsx", synthetic_workbook(data_dir), store.files(published.files))
    assert files is not None, plan
    change_id = store.create_change(
        author=author,
        base_version=published.number,
        source_kind=kind,
        upload_name="figures-2024.xlsx",
        upload=b"x",
        files=files,
        plan=plan,
    )
    store.submit(change_id, author, "SYNTHETIC 2024")
    return change_id


def test_migrations_from_an_empty_database_and_append_only_history(pg_url: str, tmp_path: Path):
    data_dir = copy_shipped(tmp_path / "data")
    store = DeskStore.open(pg_url)
    DeskStore.open(pg_url).close()  # a second migration finds the schema current
    assert sync_folder(store, data_dir) == 1
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("select version_num from alembic_version").scalar() == "0001"
    for statement in ("update versions set note = 'x'", "delete from audit"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    store.close()


def test_two_publishers_approving_at_once_one_wins_the_other_is_told(pg_url: str, tmp_path: Path):
    data_dir = copy_shipped(tmp_path / "data")
    store = DeskStore.open(pg_url)
    sync_folder(store, data_dir)
    change = store.change(submitted(store, data_dir))
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def approve(name: str) -> None:
        barrier.wait()
        try:
            outcomes.append(publish_change(store, change, name))
        except DeskConflict as conflict:
            outcomes.append(conflict)

    threads = [threading.Thread(target=approve, args=(name,)) for name in ("bob", "cai")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["DeskConflict", "int"]
    assert [v.number for v in store.versions()] == [2, 1]
    # two different changes prepared on version 2: the first approved wins, the second is told it is stale
    first, second = store.change(submitted(store, data_dir, "ann")), store.change(submitted(store, data_dir, "dai"))
    assert publish_change(store, first, "bob") == 3
    with pytest.raises(DeskConflict, match="version 3"):
        publish_change(store, second, "bob")
    store.close()


def free_port(preferred: int) -> int:
    return preferred


def start_host(data_dir: Path, port: int, database_url: str, log: Any, desk: bool = True) -> subprocess.Popen:
    """`uniondash serve` with 2 workers on `data_dir`, following the desk at `database_url` (or no desk)."""
    env = {
        **os.environ,
        "UNIONDASH_DATABASE_URL": database_url if desk else "",
        "UNIONDASH_DESK": "1" if desk else "",
        "UNIONDASH_RELOAD_SECONDS": "1",
        "UNIONDASH_CACHE_DIR": "",
        "UNIONDASH_REDIS_URL": "",
        "UNIONDASH_STATUS_TOKEN": STATUS_TOKEN,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uniondash",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def health(port: int) -> dict:
    """The operator's status of whichever worker answers (the public /healthz says only ok or last good)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{STATUS_PATH}", headers=OPERATOR)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def wait_for(condition, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < WAIT:
        try:
            if condition():
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"never happened within {WAIT} s: {what}")


def test_two_hosts_sharing_one_postgresql_serve_the_same_version_after_an_approval(pg_url: str, tmp_path: Path):
    folders = [copy_shipped(tmp_path / f"host{n}" / "data") for n in (1, 2)]
    ports = [8180, 8181]
    logs = [(tmp_path / f"host{n}.log").open("wb") for n in (1, 2)]
    hosts = [start_host(folder, port, pg_url, log) for folder, port, log in zip(folders, ports, logs, strict=True)]
    try:
        for port in ports:
            wait_for(lambda port=port: health(port)["desk"]["version"] == 1, f"host on {port} up at version 1")
        store = DeskStore.open(pg_url)
        number = publish_change(store, store.change(submitted(store, folders[0])), "bob")
        assert number == 2
        # every worker of each host: the status is answered by any worker; ask until both hosts show 90 figures
        for port in ports:
            wait_for(
                lambda port=port: health(port)["desk"]["version"] == 2 and health(port)["facts"] == 90,
                f"host on {port} serving version 2",
            )
        assert read_folder(folders[0]) == read_folder(folders[1]) == store.files(store.version(2).files)
        assert materialised_version(folders[0]) == materialised_version(folders[1]) == 2
        # the database goes away: both hosts keep serving version 2 and say so
        with store.engine.connect() as connection:
            connection.execute(
                sa.text(
                    "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
                )
            )
            connection.commit()
        store.close()
    finally:
        for host in hosts:
            os.killpg(host.pid, signal.SIGTERM)
        for host in hosts:
            host.wait(timeout=30)
        for log in logs:
            log.close()
