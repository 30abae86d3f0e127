"""Benchmark: `GET /export/chart/<id>.png` cold, warm (renderer started, not cached) and cached.

    .venv/bin/python benchmarks/bench_png.py                      # first chart, 20 warm + 200 cached runs
    .venv/bin/python benchmarks/bench_png.py --chart aid-funds --warm 30 --cached 500 --scale 3
    .venv/bin/python benchmarks/bench_png.py --cache-dir /tmp/uniondash-cache   # the cache-directory path

Requests go through Flask's test client (routing, parameter parsing, cache, headers), with the press
routes on a bare Flask app and an in-memory cache. "Cold" is the first request of a process (Chromium
starts); "warm" requests each ask for a new width, so each is rendered; "cached" repeats one URL.
Targets on the project's 2-core machine: cached median < 20 ms, warm median < 1.5 s.
Not a test: results go into benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from uniondash.charts import CHARTS
from uniondash.exports.images import ChartImages, ChartRenderer, DirectoryCache, MemoryCache
from uniondash.load import load_dataset
from uniondash.web import press_routes

DATA = Path(__file__).resolve().parents[1] / "data"
TARGETS_MS = {"cached": 20.0, "warm": 1500.0}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def timed(runs: int, request: Callable[[int], bytes]) -> tuple[list[float], int]:
    timings, size = [], 0
    for run in range(runs):
        start = time.perf_counter()
        size = len(request(run))
        timings.append((time.perf_counter() - start) * 1000)
    return timings, size


def report(name: str, timings: list[float], size: int) -> None:
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    target = TARGETS_MS.get(name)
    verdict = f" ({'within' if median < target else 'OVER'} the {target:.0f} ms target)" if target else ""
    print(
        f"{name:>6}: {len(timings)} runs, {size // 1024} KB: median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"min {min(timings):.1f} ms, max {max(timings):.1f} ms{verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chart", default=next(iter(CHARTS)), choices=list(CHARTS))
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--cached", type=int, default=200)
    parser.add_argument("--scale", default="2")
    parser.add_argument("--cache-dir", help="cache in this directory (as UNIONDASH_CACHE_DIR) instead of memory")
    args = parser.parse_args()

    dataset = load_dataset(DATA)
    renderer = ChartRenderer()
    app = Flask("bench")
    cache = DirectoryCache(args.cache_dir) if args.cache_dir else MemoryCache()
    press_routes.register(app, dataset, images=ChartImages(dataset, renderer, cache))
    client = app.test_client()

    def get(query: str) -> bytes:
        response = client.get(f"/export/chart/{args.chart}.png?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.data

    try:
        where = f"cache dir {args.cache_dir}" if args.cache_dir else "memory cache"
        print(f"chart {args.chart}, scale {args.scale}, default height (the chart's own), {where}")
        report("cold", *timed(1, lambda run: get(f"width=1199&scale={args.scale}")))
        # A new width each time: a new cache key, so every request renders.
        report("warm", *timed(args.warm, lambda run: get(f"width={1200 + run}&scale={args.scale}")))
        get(f"width=1200&scale={args.scale}")
        report("cached", *timed(args.cached, lambda run: get(f"width=1200&scale={args.scale}")))
    finally:
        renderer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
