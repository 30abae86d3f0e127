"""Benchmark: cold start (process start → first 200 on /healthz) of `uniondash serve --workers 2`, and the
memory of a worker after it has served every page once.

    .venv/bin/python benchmarks/bench_startup.py              # 5 cold starts, records RESULTS.md
    .venv/bin/python benchmarks/bench_startup.py --runs 3 --no-record

Cold start: the `uniondash` command is started and /healthz polled every 5 ms until it answers 200
(imports, loading and validating the data, building the app in the gunicorn master, forking the workers).
Memory: after the cold start, every page (overview and each section, Chinese and English: the HTML,
the layout, the page callback) and the Excel export are requested 3 times, each on a new connection so
that both workers serve them; then each worker's resident set (VmRSS) and proportional set (Pss: memory shared with
the master after the fork counted once, split between the processes) from /proc. Chart images are not
requested: they are drawn by a separate Chromium process per worker (see bench_png.py), not in the
worker's memory. Targets: cold start < 3 s; RSS of one worker < 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from _common import (
    DATA,
    PAGE_OUTPUT,
    Client,
    callback_body,
    decoded,
    dependencies,
    gunicorn,
    machine,
    machine_table,
    record,
)

from uniondash.load import load_dataset


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and Pss of a process, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(status.split("VmRSS:")[1].split()[0])
    pss = 0
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        pss = int(rollup.split("\nPss:")[1].split()[0])
    except (OSError, IndexError):
        pass
    return {"rss": rss, "pss": pss}


def serve_everything(port: int, paths: list[str]) -> tuple[int, set[int]]:
    """Every page in both languages and the Excel export, 3 times each, a new connection per request (so
    that both workers take some); (requests, worker pids seen)."""
    first = Client(port)
    deps = dependencies(first)
    first.close()
    count, pids = 0, set()
    for _ in range(3):
        for path in paths:
            for search in ("", "?lang=en"):
                for method, url, body in (
                    ("GET", path + search, None),
                    ("GET", "/_dash-layout", None),
                    ("POST", "/_dash-update-component", callback_body(deps[PAGE_OUTPUT], [path, search], changed=1)),
                    ("GET", "/export/summary.xlsx" + search, None),
                    ("GET", "/healthz", None),
                ):
                    client = Client(port)
                    headers = {"Content-Type": "application/json", "Connection": "close"} if body else {}
                    status, response_headers, data, _ = client.request(method, url, body, headers)
                    client.close()
                    if status != 200:
                        raise RuntimeError(f"{method} {url}: {status}")
                    if url == "/healthz":
                        pids.add(json.loads(decoded(response_headers, data))["pid"])
                    count += 1
    return count, pids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    info = machine()
    dataset = load_dataset(DATA)
    paths = ["/", *(f"/section/{section}" for section in dataset.sections["id"])]
    starts: list[float] = []
    memory_rows: list[str] = []
    for run in range(args.runs):
        with gunicorn(workers=2, cli=True) as server:
            starts.append(server.ready_after)
            print(f"cold start {run + 1}: {server.ready_after:.2f} s")
            if run == args.runs - 1:
                requests, pids = serve_everything(server.port, paths)
                master = memory_kb(server.process.pid)
                memory_rows.append(f"| master | {master['rss'] / 1024:.0f} MB | {master['pss'] / 1024:.0f} MB |")
                for pid in server.worker_pids():
                    used = memory_kb(pid)
                    served = "served pages" if pid in pids else "no requests seen"
                    memory_rows.append(
                        f"| worker ({served}) | {used['rss'] / 1024:.0f} MB | {used['pss'] / 1024:.0f} MB |"
                    )
                print(f"{requests} requests served by workers {sorted(pids)}")
    info["load average (1/5/15 min) at end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    worst = max(starts)
    workers_rss = [float(row.split("|")[2].split()[0]) for row in memory_rows if "worker" in row]
    verdict = [
        f"- Cold start: median {statistics.median(starts):.2f} s, worst {worst:.2f} s over {len(starts)} starts "
        f"(target < 3 s: {'met' if worst < 3 else 'MISSED'}).",
        f"- Worker RSS after serving every page and the Excel export: {max(workers_rss):.0f} MB at most "
        f"(target < 250 MB: {'met' if max(workers_rss) < 250 else 'MISSED'}). RSS counts the pages shared with "
        "the master after the fork in full for each process; Pss splits them.",
    ]
    table = "\n".join(["| process | RSS | Pss |", "|---|---|---|", *memory_rows])
    starts_text = ", ".join(f"{value:.2f} s" for value in starts)
    print(table)
    print("\n".join(verdict))
    if not args.no_record:
        body = (
            f"`.venv/bin/python benchmarks/bench_startup.py --runs {args.runs}`: `uniondash serve --workers 2` "
            "(gunicorn, preload) on the shipped data, loopback. Cold start = command started → first 200 on "
            f"/healthz: {starts_text}. Memory after every page (8 pages × zh/en: HTML, layout, page callback) "
            "and /export/summary.xlsx were served 3 times, a connection per request:\n\n"
            f"{machine_table(info)}\n{table}\n\n" + "\n".join(verdict)
        )
        record("bench_startup", "Cold start and memory (`benchmarks/bench_startup.py`)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
