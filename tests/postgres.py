"""A throwaway PostgreSQL server for the desk's tests: Debian's `postgresql` package, a cluster made with
initdb in a temporary folder, on 127.0.0.1:55432 (UNIONDASH_TEST_PG_PORT for another), run as the `postgres` user (runuser) when tests run as
root; stopped and removed at the end of the session. Without the package the tests skip, except under
CI=true, where they fail: CI must run them (`make system` installs it)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PORT = int(os.environ.get("UNIONDASH_TEST_PG_PORT", "55432"))


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start the cluster; yields the server's URL without a database name."""
    bin_dir = _binaries()
    if bin_dir is None:
        message = "PostgreSQL is not installed: run `make system` (Debian package postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="uniondash-pg-"))
    data = base / "cluster"
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    run = lambda *args: subprocess.run(_as_postgres([str(a) for a in args]), check=True, capture_output=True)  # noqa: E731
    try:
        run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = f"-p {PORT} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", base / "log", "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {error.stderr.decode(errors='replace')[-500:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{PORT}"
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return f"{server_url}/{name}"
