"""Benchmark: build the full analysts' workbook (all data, Chinese) N times; report median and p95 in ms.

    .venv/bin/python benchmarks/bench_xlsx.py            # 30 runs
    .venv/bin/python benchmarks/bench_xlsx.py --runs 100 --lang en

Times `build_workbook` + `workbook_bytes` (what `GET /export/summary.xlsx` does per request, without
Flask), after one warm-up run. The target on the project's 2-core machine is a median under 300 ms.
Not a test: results go into benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from uniondash.exports.xlsx import build_workbook, workbook_bytes
from uniondash.load import load_dataset
from uniondash.model import Filters

DATA = Path(__file__).resolve().parents[1] / "data"
TARGET_MS = 300.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 30 runs is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args()

    dataset = load_dataset(DATA)
    filters = Filters(lang=args.lang)
    size = len(workbook_bytes(build_workbook(dataset, filters)))  # warm-up: imports, caches
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        workbook_bytes(build_workbook(dataset, filters))
        timings.append((time.perf_counter() - start) * 1000)
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(
        f"build_workbook + workbook_bytes, all {len(dataset.facts)} figures, lang={args.lang}, "
        f"{args.runs} runs, {size // 1024} KB: median {median:.0f} ms, p95 {p95:.0f} ms, "
        f"min {min(timings):.0f} ms, max {max(timings):.0f} ms "
        f"({'within' if median < TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
