"""Benchmark: the analysts' workbook (all data, every chart); report median and p95 in ms.

    .venv/bin/python benchmarks/bench_xlsx.py                 # build + save, 30 runs, zh
    .venv/bin/python benchmarks/bench_xlsx.py --runs 100 --lang en
    .venv/bin/python benchmarks/bench_xlsx.py --route         # GET /export/summary.xlsx (Flask test client)
    .venv/bin/python benchmarks/bench_xlsx.py --cli --runs 10 # `uniondash export-xlsx` wall time, start-up included
    .venv/bin/python benchmarks/bench_xlsx.py --compare 9b42451 [--route | --cli]  # against that revision

Default: `build_workbook` + `workbook_bytes` (what `GET /export/summary.xlsx` does per request, without
Flask), after one warm-up run, twice: with the selection's chart specs already kept (a selection
downloaded again; `workbook_chart_specs`) and with them cleared before every run (a selection never seen).
`--cli` runs the installed console script in a fresh process each time and, as the floor on the same
machine at the same moment, `python -c "import pandas, openpyxl"`: the ratio to it says how much the
command adds to the bare imports, whatever the load. Targets on the project's 2-core machine: median
under 300 ms for the route, under 1.5 s for the command. `--compare REV` runs the whole package of that
revision (its src/, read from git into a temporary folder) beside today's, each in a process of its own,
by turns, so both see the same load and the ratio holds on a shared machine; with `--cli`, the command of
each revision. Not a test: results go into benchmarks/RESULTS.md.
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


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--route", action="store_true", help="time GET /export/summary.xlsx through Flask")
    parser.add_argument("--cli", action="store_true", help="time `uniondash export-xlsx` in fresh processes")
    parser.add_argument("--compare", metavar="REV", help="also time REV's whole package, by turns")
    parser.add_argument("--worker", choices=["build", "route"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.lang)
    print(f"load average (1/5/15 min) {load_average()} on {os.cpu_count()} cores")
    if args.compare:
        with tempfile.TemporaryDirectory() as folder:
            then = checkout(args.compare, Path(folder))
            if args.cli:
                cli(args.runs, args.lang, {"now": None, args.compare: then})
            else:
                compare(args.compare, then, "route" if args.route else "build", args.lang, args.runs)
        print(f"load average (1/5/15 min) at the end {load_average()}")
        return 0
    if args.cli:
        cli(args.runs, args.lang, {"now": None})
        return 0

    from uniondash.exports.xlsx import build_workbook, workbook_bytes, workbook_chart_specs
    from uniondash.load import load_dataset
    from uniondash.model import Filters

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


def checkout(revision: str, folder: Path) -> Path:
    """`revision`'s src/ (the whole package) in `folder`: put first on PYTHONPATH, it is what imports."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def environment(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def worker(mode: str, lang: str) -> int:
    """One side of `--compare`: warm up, say which package it runs, then time one build per line of input
    ('clear': the chart specs cleared first, a selection never seen; 'keep': kept)."""
    import uniondash
    from uniondash.exports import xlsx
    from uniondash.load import load_dataset
    from uniondash.model import Filters

    clear = getattr(getattr(xlsx, "workbook_chart_specs", None), "cache_clear", lambda: None)
    dataset = load_dataset(DATA)
    filters = Filters(lang="en" if lang == "en" else "zh")
    if mode == "route":
        from uniondash.web.app import create_app

        client = create_app(DATA).server.test_client()
        url = f"/export/summary.xlsx?lang={lang}"

        def work() -> object:
            response = client.get(url)
            assert response.status_code == 200
            return response.get_data()
    else:

        def work() -> object:
            return xlsx.workbook_bytes(xlsx.build_workbook(dataset, filters))

    work()
    print(f"ready {uniondash.__file__}", flush=True)
    for line in sys.stdin:
        if line.strip() == "clear":
            clear()
        cpu = time.process_time()
        wall = timed(1, work)[0]
        print(f"{wall:.3f} {(time.process_time() - cpu) * 1000:.3f}", flush=True)
    return 0


def compare(revision: str, then: Path, mode: str, lang: str, runs: int) -> None:
    """Today's build (specs cleared: the full cost, and kept) and `revision`'s (cleared), run by turns."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--lang", lang]
    workers = {
        "now": subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment(None)
        ),
        revision: subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment(then)
        ),
    }
    try:
        for name, process in workers.items():
            assert process.stdout is not None
            print(f"{name}: {process.stdout.readline().strip()}")
        cases = {"now, specs cleared": ("now", "clear"), "now, specs kept": ("now", "keep")}
        cases[f"{revision}, specs cleared"] = (revision, "clear")
        timings: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, (side, how) in cases.items():
                process = workers[side]
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(how + "\n")
                process.stdin.flush()
                wall, used = process.stdout.readline().split()
                timings[name].append(float(wall))
                cpu[name].append(float(used))
    finally:
        for process in workers.values():
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=60)
    what = f"GET /export/summary.xlsx?lang={lang}" if mode == "route" else "build_workbook + workbook_bytes"
    for name, values in timings.items():
        report(f"{name}: {what}", values, TARGET_MS)
    # CPU time of the process: what the run costs, less the waits for a core on a shared machine.
    for name, values in cpu.items():
        print(f"{name}: CPU time median {statistics.median(values):.0f} ms, min {min(values):.0f} ms")
    base = statistics.median(timings[f"{revision}, specs cleared"])
    for name in list(cases)[:2]:
        print(f"{name} / {revision}, specs cleared (medians): {statistics.median(timings[name]) / base:.2f}×")


def cli(runs: int, lang: str, packages: dict[str, Path | None]) -> None:
    """`uniondash export-xlsx` in a fresh process per run, of each package, and the import floor, by turns."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.xlsx"
        script = Path(sys.executable).with_name("uniondash")
        # The data named: a revision's package, unpacked elsewhere, would look for data/ beside itself.
        command = [str(script), "export-xlsx", str(out), "--lang", lang, "--data-dir", str(DATA)]
        floor = [sys.executable, "-c", "import pandas, openpyxl"]
        sides = {f"command ({name})": (command, environment(src)) for name, src in packages.items()}
        sides["floor"] = (floor, environment(None))
        timings: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(runs):  # interleaved, so all see the same load
            for name, (argv, env) in sides.items():
                start = time.perf_counter()
                subprocess.run(argv, check=True, capture_output=True, env=env)
                timings[name].append((time.perf_counter() - start) * 1000)
    for name, values in timings.items():
        label = f"`uniondash export-xlsx --lang {lang}` {name.removeprefix('command ')}" if name != "floor" else name
        report(f"{label} (wall, start-up included)", values, CLI_TARGET_MS)
    floor_median = statistics.median(timings["floor"])
    for name in list(sides)[:-1]:
        print(f"{name} / floor (medians): {statistics.median(timings[name]) / floor_median:.2f}×")
    if len(packages) == 2:
        now, then = list(sides)[:2]
        print(f"{now} / {then} (medians): {statistics.median(timings[now]) / statistics.median(timings[then]):.2f}×")


if __name__ == "__main__":
    raise SystemExit(main())
