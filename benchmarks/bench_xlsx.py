"""Benchmark: the analysts' workbook (all data, every chart); report median and p95 in ms.

    .venv/bin/python benchmarks/bench_xlsx.py                 # build + save, 30 runs, zh
    .venv/bin/python benchmarks/bench_xlsx.py --runs 100 --lang en
    .venv/bin/python benchmarks/bench_xlsx.py --route         # GET /export/summary.xlsx (Flask test client)
    .venv/bin/python benchmarks/bench_xlsx.py --cli --runs 10 # `uniondash export-xlsx` wall time, start-up included
    .venv/bin/python benchmarks/bench_xlsx.py --compare f4db2ec  # against that revision's exports/xlsx.py

Default: `build_workbook` + `workbook_bytes` (what `GET /export/summary.xlsx` does per request, without
Flask), after one warm-up run, twice: with the selection's chart specs already kept (a selection
downloaded again; `workbook_chart_specs`) and with them cleared before every run (a selection never seen).
`--cli` runs the installed console script in a fresh process each time and, as the floor on the same
machine at the same moment, `python -c "import pandas, openpyxl"`: the ratio to it says how much the
command adds to the bare imports, whatever the load. Targets on the project's 2-core machine: median
under 300 ms for the route, under 1.5 s for the command. `--compare REV` times that revision's
`exports/xlsx.py` (read from git) interleaved with today's, so the ratio holds on a loaded machine.
Not a test: results go into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from uniondash.exports.xlsx import build_workbook, workbook_bytes, workbook_chart_specs
from uniondash.load import load_dataset
from uniondash.model import Filters

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TARGET_MS = 300.0
CLI_TARGET_MS = 1500.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 30 runs is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def timed(runs: int, work: Callable[[], object], before: Callable[[], object] = lambda: None) -> list[float]:
    timings = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def report(what: str, timings: list[float], target: float) -> None:
    median = statistics.median(timings)
    print(
        f"{what}: {len(timings)} runs, median {median:.0f} ms, p95 {percentile(timings, 0.95):.0f} ms, "
        f"min {min(timings):.0f} ms, max {max(timings):.0f} ms "
        f"({'within' if median <= target else 'OVER'} the {target:.0f} ms target)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--route", action="store_true", help="time GET /export/summary.xlsx through Flask")
    parser.add_argument("--cli", action="store_true", help="time `uniondash export-xlsx` in fresh processes")
    parser.add_argument("--compare", metavar="REV", help="also time REV's exports/xlsx.py, interleaved")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    if args.cli:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "figures.xlsx"
            script = Path(sys.executable).with_name("uniondash")
            command = [str(script), "export-xlsx", str(out), "--lang", args.lang]
            floor = [sys.executable, "-c", "import pandas, openpyxl"]
            runs: dict[str, list[float]] = {"command": [], "floor": []}
            for _ in range(args.runs):  # interleaved, so both see the same load
                for name, argv in (("command", command), ("floor", floor)):
                    start = time.perf_counter()
                    subprocess.run(argv, check=True, capture_output=True)
                    runs[name].append((time.perf_counter() - start) * 1000)
        report(f"`uniondash export-xlsx --lang {args.lang}` (wall, start-up included)", runs["command"], CLI_TARGET_MS)
        report("floor: `python -c 'import pandas, openpyxl'`", runs["floor"], CLI_TARGET_MS)
        ratio = statistics.median(runs["command"]) / statistics.median(runs["floor"])
        print(f"command / floor (medians): {ratio:.2f}×")
        return 0

    dataset = load_dataset(DATA)
    filters = Filters(lang=args.lang)
    if args.route:
        from uniondash.web.app import create_app

        client = create_app(DATA).server.test_client()
        url = f"/export/summary.xlsx?lang={args.lang}"
        assert client.get(url).status_code == 200  # warm-up
        report(f"GET {url}, specs kept", timed(args.runs, lambda: client.get(url).get_data()), TARGET_MS)
        report(
            f"GET {url}, specs cleared each run",
            timed(args.runs, lambda: client.get(url).get_data(), workbook_chart_specs.cache_clear),
            TARGET_MS,
        )
        return 0

    if args.compare:
        return compare(args.compare, dataset, filters, args.runs)
    size = len(workbook_bytes(build_workbook(dataset, filters)))  # warm-up: imports, caches
    print(f"all {len(dataset.facts)} figures, lang={args.lang}, {size // 1024} KB")
    report(
        "build_workbook + workbook_bytes, specs kept",
        timed(args.runs, lambda: workbook_bytes(build_workbook(dataset, filters))),
        TARGET_MS,
    )
    report(
        "build_workbook + workbook_bytes, specs cleared each run",
        timed(args.runs, lambda: workbook_bytes(build_workbook(dataset, filters)), workbook_chart_specs.cache_clear),
        TARGET_MS,
    )
    return 0


def compare(revision: str, dataset: object, filters: Filters, runs: int) -> int:
    """Today's build (specs cleared: the full cost) and `revision`'s, run by turns under the same load."""
    import importlib.util

    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:src/uniondash/exports/xlsx.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "xlsx_then.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("xlsx_then", path)
        assert spec and spec.loader
        then = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = then  # dataclasses look their module up
        spec.loader.exec_module(then)
    now = lambda: workbook_bytes(build_workbook(dataset, filters))  # noqa: E731
    builds: dict[str, tuple[Callable[[], object], bool]] = {
        "now, specs cleared": (now, True),
        "now, specs kept": (now, False),
        revision: (lambda: then.workbook_bytes(then.build_workbook(dataset, filters)), False),
    }
    timings: dict[str, list[float]] = {name: [] for name in builds}
    for build, _ in builds.values():
        build()  # warm-up
    for _ in range(runs):
        for name, (build, clear) in builds.items():
            if clear:
                workbook_chart_specs.cache_clear()
            timings[name] += timed(1, build)
    for name, values in timings.items():
        report(f"{name}: build_workbook + workbook_bytes", values, TARGET_MS)
    base = statistics.median(timings[revision])
    for name in list(builds)[:2]:
        print(f"{name} / {revision} (medians): {statistics.median(timings[name]) / base:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
