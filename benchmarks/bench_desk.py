"""The data desk, measured: approval-to-visible time on one host (SQLite) and on two hosts sharing a
PostgreSQL (a throwaway server on 127.0.0.1:55432 or UNIONDASH_TEST_PG_PORT, tests/postgres.py). Each host is `uniondash serve` with
2 workers and its own data folder; "visible" is when 20 answers of the operator status (/-/status) in a row, from any worker,
report the new version and its 90 figures (the workers' data reloaded, not only the folder written).

    .venv/bin/python benchmarks/bench_desk.py [--rounds 3]

Results go into benchmarks/RESULTS.md by hand (section "Data desk").
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.postgres import create_database, postgres_server
from tests.synthetic import copy_shipped
from tests.test_desk_postgres import health, start_host, submitted, wait_for
from uniondash.desk.store import DeskStore
from uniondash.desk.web import publish_change


def all_workers_at(port: int, version: int, facts: int) -> bool:
    return all((body := health(port))["desk"]["version"] == version and body["facts"] == facts for _ in range(20))


def one_round(database_url: str, hosts: int, base_port: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as scratch:
        root = Path(scratch)
        folders = [copy_shipped(root / f"host{n}" / "data") for n in range(hosts)]
        ports = [base_port + n for n in range(hosts)]
        logs = [(root / f"host{n}.log").open("wb") for n in range(hosts)]
        processes = [start_host(f, p, database_url, log) for f, p, log in zip(folders, ports, logs, strict=True)]
        try:
            for port in ports:
                wait_for(lambda port=port: health(port)["desk"]["version"] == 1, "host up")
            store = DeskStore.open(database_url)
            change = store.change(submitted(store, folders[0]))
            published = time.monotonic()
            publish_change(store, change, "bench")
            for port in ports:
                wait_for(lambda port=port: all_workers_at(port, 2, 90), "visible")
            seconds = time.monotonic() - published
            store.close()
            return seconds
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)
            for log in logs:
                log.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    one_host = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-desk-sqlite-") as scratch:
            one_host.append(one_round(f"sqlite:///{scratch}/desk.sqlite3", 1, 8182))
    two_hosts = []
    with postgres_server() as server:
        for n in range(args.rounds):
            two_hosts.append(one_round(create_database(server, f"bench_desk_{n}"), 2, 8184))
    for name, times in (("one host, SQLite", one_host), ("two hosts, PostgreSQL", two_hosts)):
        print(
            f"{name}: approval to visible on every worker, median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})"
        )


if __name__ == "__main__":
    main()
