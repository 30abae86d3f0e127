"""Benchmark: how the cost of a filter change grows with the data — 1×, 10× and 100× the shipped rows.

    .venv/bin/python benchmarks/bench_growth.py                  # 1×, 10×, 100×; records RESULTS.md
    .venv/bin/python benchmarks/bench_growth.py --sizes 1 10 --no-record

The data is SYNTHETIC (benchmarks/growth_data.py: copies of every fact for up to 10 districts × 10 years),
generated into a temporary directory and deleted afterwards; never under data/. At each size:

- load: `load_dataset` (read + validate), in-process;
- render: `pages.render` of the overview and two section pages, no cache (the cost of a view's first visit);
- in-process page update: the control callback's logic (`urls.changed_search`) + the page cache, over the
  filter changes of bench_callbacks.py on the overview, /section/aid and /section/models (Chinese): once
  cold (each view drawn) and 5 times warm;
- over HTTP: the same against gunicorn with 2 workers on that data (cold round, then 5 warm rounds).

Target: at 100×, the page update p95 (warm, over HTTP) < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import Client, dependencies, gunicorn, machine, machine_table, ms, record, summary
from bench_callbacks import CONNECTIONS, Step, merge, run_round, scenario
from growth_data import grown_data_dir

from uniondash.load import load_dataset
from uniondash.model import Dataset
from uniondash.web import pages, urls
from uniondash.web.page_cache import PageCache

PATHS = ("/", "/section/aid", "/section/models")
WARM_ROUNDS = 5


def steps_for(dataset: Dataset) -> list[Step]:
    return [step for step in scenario(dataset) if step.path in PATHS and "lang=en" not in step.search]


def control(dataset: Dataset, step: Step) -> str:
    """What the control's callback returns (the new search), as web/callbacks.py computes it."""
    if step.control == "years":
        changed = urls.changed_search(step.search, "years", list(step.value), dataset)
    elif step.control == "section":
        changed = urls.changed_search(step.search, "section", step.value, dataset, step.options)
    else:
        changed = urls.changed_search(step.search, "programme", step.value, dataset, step.options)
    return step.search if changed is None else changed


def in_process(dataset: Dataset, steps: list[Step]) -> tuple[list[float], list[float], int]:
    """Page-update milliseconds: the cold pass, the warm passes; and the largest page's JSON size."""
    cache = PageCache(dataset)
    cold, warm = [], []
    for number in range(1 + WARM_ROUNDS):
        order = list(range(len(steps)))
        random.Random(number).shuffle(order)
        for index in order:
            step = steps[index]
            start = time.perf_counter()
            cache.page(step.path, control(dataset, step), "http://127.0.0.1/")
            (cold if number == 0 else warm).append((time.perf_counter() - start) * 1000)
    largest = max(page.size for page in cache._items.values())
    return cold, warm, largest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    info = machine()
    rows = []
    verdict = []
    workdir = Path(tempfile.mkdtemp(prefix="uniondash-growth-"))
    try:
        for size in args.sizes:
            data_dir = grown_data_dir(workdir / f"data-{size}x", size)
            start = time.perf_counter()
            dataset = load_dataset(data_dir)
            load_s = time.perf_counter() - start
            renders = []
            for path in PATHS:
                start = time.perf_counter()
                pages.render(dataset, path, "", "http://127.0.0.1/")
                renders.append((time.perf_counter() - start) * 1000)
            steps = steps_for(dataset)
            cold, warm, largest = in_process(dataset, steps)
            with gunicorn(workers=2, data_dir=data_dir) as server:
                clients = [Client(server.port) for _ in range(CONNECTIONS)]
                deps = dependencies(clients[0])
                http_cold = run_round(clients, deps, steps, seed=0)
                http_warm = merge([run_round(clients, deps, steps, seed=n) for n in range(1, WARM_ROUNDS + 1)])
                for client in clients:
                    client.close()
                ready = server.ready_after
            warm_s, http_s, cold_s = summary(warm), summary(http_warm.update), summary(http_cold.update)
            wire = statistics.median(http_warm.page_bytes) / 1024
            rows.append(
                f"| {size}× | {len(dataset.facts)} | {load_s:.2f} s | {ready:.2f} s | "
                + " / ".join(f"{value:.0f}" for value in renders)
                + f" ms | {largest / 1024:.0f} KB ({wire:.0f} KB on the wire) | {ms(warm_s['p50'])} / {ms(warm_s['p95'])} | "
                f"{ms(summary(cold)['p95'])} | {ms(http_s['p50'])} / {ms(http_s['p95'])} / {ms(http_s['p99'])} | "
                f"{ms(cold_s['p50'])} / {ms(cold_s['p95'])} | {http_cold.errors + http_warm.errors} |"
            )
            print(rows[-1])
            if size == 100:
                verdict.append(
                    f"- 100×: page update p95 over HTTP (warm) **{ms(http_s['p95'])}** — target < 50 ms: "
                    f"{'met' if http_s['p95'] < 50 else 'MISSED'}."
                )
            shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info["load average (1/5/15 min) at end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    table = "\n".join(
        [
            "| size | facts | load + validate | cold start (2 workers) | render `/` / aid / models (uncached) | "
            "largest page JSON | in-process update p50 / p95 (warm) | in-process p95 (cold) | "
            "HTTP update p50 / p95 / p99 (warm) | HTTP update p50 / p95 (cold) | errors |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    print("\n".join(verdict))
    if not args.no_record:
        body = (
            f"`.venv/bin/python benchmarks/bench_growth.py --sizes {' '.join(map(str, args.sizes))}`: SYNTHETIC data "
            "(benchmarks/growth_data.py: the shipped facts plus copies for up to 10 districts × 10 years, in a "
            "temporary directory). Filter changes: those of bench_callbacks.py on `/`, `/section/aid` and "
            f"`/section/models` in Chinese ({len(steps)} per round); update = control callback + page callback; "
            f"cold = the first round (views drawn), warm = {WARM_ROUNDS} more rounds. HTTP: gunicorn, 2 workers, "
            f"{CONNECTIONS} keep-alive connections.\n\n"
            f"{machine_table(info)}\n{table}\n\n" + "\n".join(verdict)
        )
        record("bench_growth", "Growth with the data (`benchmarks/bench_growth.py`)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
