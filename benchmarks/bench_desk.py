"""The data desk, measured: approval-to-visible time on one host (SQLite) and on two hosts sharing a
PostgreSQL (a throwaway server on 127.0.0.1:55432 or UNIONDASH_TEST_PG_PORT, tests/postgres.py). Each host is `uniondash serve` with
2 workers and its own data folder; "visible" is when 20 answers of the operator status (/-/status) in a row, from any worker,
report the new version and its 90 figures (the workers' data reloaded, not only the folder written).

Then the public pages' latency (the page callback of a few views, as a browser asks for them, one at a
time): p95 during a publish against quiet moments on the same host, interleaved (cycles of PUBLISH_CYCLE
seconds: a publish of the shipped set or a SYNTHETIC 2024 one in turn, then the first half of the cycle
counts as "during", the second as "quiet"), and a host with the desk against one without it, asked in turn.

    .venv/bin/python benchmarks/bench_desk.py [--rounds 3] [--seconds 40] [--only visible|latency|overhead] [--base-port 8182]

Results go into benchmarks/RESULTS.md by hand (section "Data desk").
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.dash_requests import page_callback
from tests.desk_support import synthetic_workbook
from tests.postgres import create_database, postgres_server
from tests.synthetic import copy_shipped
from tests.test_desk_postgres import health, start_host, submitted, wait_for
from tests.test_serving import get as get_url
from uniondash.desk.changes import plan_upload
from uniondash.desk.datasets import read_folder
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


VIEWS = [("/", ""), ("/", "?years=2023"), ("/section/workforce", ""), ("/section/workforce", "?lang=en")]
PUBLISH_CYCLE = 6.0


def public_request(port: int, number: int) -> float:
    """Seconds for one page callback (views in turn), as the browser sends it."""
    pathname, search = VIEWS[number % len(VIEWS)]
    body = json.dumps(page_callback(pathname, search)).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_dash-update-component", data=body, headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.perf_counter() - start


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def warm(port: int) -> None:
    for number in range(len(VIEWS)):  # every view drawn once: the runs measure the steady state
        public_request(port, number)


def desk_on_and_off(seconds: float, ports: tuple[int, int]) -> dict[str, list[float]]:
    """Page callbacks sent in turn to a host with the desk and one without, at the same time (the machine's
    other load falls on both alike)."""
    for port in ports:
        warm(port)
    out: dict[str, list[float]] = {"quiet, desk on": [], "quiet, desk off": []}
    end, number = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        out["quiet, desk on"].append(public_request(ports[0], number))
        out["quiet, desk off"].append(public_request(ports[1], number))
        number += 1
    return out


def during_publishes(seconds: float, port: int, database_url: str, sets: list[dict[str, bytes]]) -> dict[str, Any]:
    """Cycles of PUBLISH_CYCLE seconds: a publish at the start (the other of two sets, as an approving worker
    does it), the page callbacks of the cycle's first half counted "during a publish", of its second half
    "quiet" (the two alternate, so the machine's other load falls on both alike)."""
    store = DeskStore.open(database_url)
    warm(port)
    out: dict[str, Any] = {"during a publish": [], "quiet": [], "publishes": 0}
    end, number = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        started = time.monotonic()
        published = store.published()
        assert published is not None
        files = sets[0] if store.files(published.files) == sets[1] else sets[1]
        change_id = store.create_change(
            author="ann",
            base_version=published.number,
            source_kind="workbook",
            upload_name="bench.xlsx",
            upload=b"SYNTHETIC",
            files=files,
            plan={"ok": True},
        )
        store.submit(change_id, "ann", "bench")
        change = store.change(change_id)
        assert change is not None
        publisher = threading.Thread(target=publish_change, args=(store, change, "bench"))
        publisher.start()
        while (elapsed := time.monotonic() - started) < PUBLISH_CYCLE:
            kind = "during a publish" if elapsed < PUBLISH_CYCLE / 2 else "quiet"
            out[kind].append(public_request(port, number))
            number += 1
        publisher.join()
        out["publishes"] += 1
    store.close()
    return out


def latency_runs(seconds: float, ports: tuple[int, int]) -> dict[str, Any]:
    """Two hosts (the SQLite desk on the first, 2 workers each) on copies of the shipped data."""
    with tempfile.TemporaryDirectory(prefix="bench-desk-latency-") as scratch:
        root = Path(scratch)
        folders = [copy_shipped(root / f"host{n}" / "data") for n in (0, 1)]
        url = f"sqlite:///{root}/desk.sqlite3"
        logs = [(root / f"host{n}.log").open("wb") for n in (0, 1)]
        processes = [start_host(folders[n], ports[n], url, logs[n], desk=n == 0) for n in (0, 1)]
        try:
            for port in ports:
                wait_for(lambda port=port: get_url(port, "GET", "/healthz")[0] == 200, "host up")
            wait_for(lambda: health(ports[0])["desk"]["version"] == 1, "desk up")
            shipped = read_folder(folders[0])
            _, synthetic, plan = plan_upload("bench.xlsx", synthetic_workbook(folders[0]), shipped)
            assert synthetic is not None, plan
            out: dict[str, Any] = dict(desk_on_and_off(seconds, ports))
            out |= during_publishes(seconds, ports[0], url, [shipped, synthetic])
            return out
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)
            for log in logs:
                log.close()


def in_process_overhead(requests: int = 2000) -> dict[str, float]:
    """The desk's cost to a public page callback inside one process (Flask's test client, no network): Python
    function calls per request (deterministic, cProfile) and seconds per request, desk on and off in turn."""
    import cProfile
    import pstats

    from tests.desk_support import make_desk
    from uniondash.config import Settings
    from uniondash.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="bench-desk-overhead-") as scratch:
        root = Path(scratch)
        desk = make_desk(root / "on")
        off_app = create_app(copy_shipped(root / "off" / "data"), Settings(page_cache_mb=4), desk=False)
        clients = {"on": desk.server.test_client(), "off": off_app.server.test_client()}
        bodies = [json.dumps(page_callback(pathname, search)) for pathname, search in VIEWS]

        def run(client: Any, count: int) -> None:
            for number in range(count):
                body = bodies[number % len(bodies)]
                response = client.post("/_dash-update-component", data=body, content_type="application/json")
                assert response.status_code == 200

        out: dict[str, float] = {}
        for side, client in clients.items():
            run(client, 50)  # warm: every view drawn once
            profile = cProfile.Profile()
            profile.enable()
            run(client, 200)
            profile.disable()
            out[f"calls, desk {side}"] = pstats.Stats(profile).total_calls / 200  # type: ignore[attr-defined]
        seconds: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(20):  # interleaved in short runs, so that the machine's load falls on both alike
            for side, client in clients.items():
                start = time.perf_counter()
                run(client, requests // 20)
                seconds[side].append((time.perf_counter() - start) / (requests // 20))
        out["seconds, desk on"] = statistics.median(seconds["on"])
        out["seconds, desk off"] = statistics.median(seconds["off"])
        desk.store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0, help="length of each latency run")
    parser.add_argument("--only", choices=("visible", "latency", "overhead"))
    parser.add_argument("--base-port", type=int, default=8182, help="the hosts listen on this port and the next 5")
    args = parser.parse_args()
    if args.only == "overhead":
        found = in_process_overhead()
        calls = found["calls, desk on"] / found["calls, desk off"]
        print(
            f"function calls per public callback: desk on {found['calls, desk on']:.0f}, off "
            f"{found['calls, desk off']:.0f}, ratio {calls:.2f}"
        )
        print(
            f"in-process time per public callback: desk on {found['seconds, desk on'] * 1e6:.0f} us, off "
            f"{found['seconds, desk off'] * 1e6:.0f} us, ratio {found['seconds, desk on'] / found['seconds, desk off']:.2f}"
        )
        return
    if args.only != "latency":
        one_host = []
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory(prefix="bench-desk-sqlite-") as scratch:
                one_host.append(one_round(f"sqlite:///{scratch}/desk.sqlite3", 1, args.base_port))
        two_hosts = []
        with postgres_server() as server:
            for n in range(args.rounds):
                two_hosts.append(one_round(create_database(server, f"bench_desk_{n}"), 2, args.base_port + 2))
        for name, times in (("one host, SQLite", one_host), ("two hosts, PostgreSQL", two_hosts)):
            print(
                f"{name}: approval to visible on every worker, median {statistics.median(times):.2f} s, "
                f"max {max(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})"
            )
    if args.only != "visible":
        runs = latency_runs(args.seconds, (args.base_port + 4, args.base_port + 5))
        print(f"publishes: {runs.pop('publishes')}")
        for name, times in runs.items():
            print(
                f"{name}: {len(times)} page callbacks, median {statistics.median(times) * 1000:.1f} ms, "
                f"p95 {p95(times) * 1000:.1f} ms"
            )
        print(f"p95 during a publish / quiet: {p95(runs['during a publish']) / p95(runs['quiet']):.2f}")
        print(f"p95 desk on / desk off: {p95(runs['quiet, desk on']) / p95(runs['quiet, desk off']):.2f}")


if __name__ == "__main__":
    main()
