"""Benchmark: `uniondash import-xlsx` on the hostile corpus (issue 24): peak memory and time per case.

    .venv/bin/python benchmarks/bench_hostile.py                  # every case of tests/hostile/make_corpus.py
    .venv/bin/python benchmarks/bench_hostile.py --compare 8c2f9b0 # and the importer of that revision beside it
    .venv/bin/python benchmarks/bench_hostile.py --case cell-10MB --case rows-1-million

Each case is imported by the real command in a child process of its own (tests/hostile/runner.py): its peak
resident memory is the child's `ru_maxrss`, its time the wall clock and the CPU seconds the child used (the
CPU time holds on a shared machine; the wall clock does not). The child runs under a 1 GiB address-space
limit, so an importer that would inflate a bomb fails with a MemoryError instead of swapping the machine.
Ratios are to the honest workbook every case is made from (the same command on 88 + 2 figures), measured
the same way in the same run. `--compare REV` runs REV's whole package (its src/, from git) on each case
right after today's, by turns. Not a test: results go into benchmarks/RESULTS.md ("Hostile workbooks").
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import machine, machine_table, record  # noqa: E402

from tests.hostile.make_corpus import BY_NAME, CASES, Package, build_case, honest_workbook  # noqa: E402
from tests.hostile.runner import MEMORY_BOUND_MB, Run, run_import  # noqa: E402
from tests.synthetic import copy_shipped  # noqa: E402


def checkout(revision: str, folder: Path) -> Path:
    """`revision`'s src/ in `folder`, to put first on PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def outcome(run: Run) -> str:
    """What the command said, in one cell: refused with which problem, imported, or how it failed."""
    if run.returncode is None:
        return f"killed after {run.seconds:.0f} s (timeout)"
    lines = [line.strip() for line in run.output.splitlines() if line.strip()]
    if "Traceback" in run.output:
        last = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "")
        return f"**traceback**: {last[:90]}"
    if run.returncode == 0:
        return "imported: " + (lines[0][:60] if lines else "")
    # The first problem: the first indented line after "Error: …" (warnings printed before it are skipped).
    raw = run.output.splitlines()
    start = next((n for n, line in enumerate(raw) if line.startswith("Error:")), 0)
    problem = next((line.strip() for line in raw[start + 1 :] if line.startswith("  ")), lines[-1] if lines else "")
    return "refused: " + problem[:100].replace("|", "\\|") + ("…" if len(problem) > 100 else "")


def largest_honest(work: Path) -> tuple[Path, Path]:
    """The largest honest workbook the importer takes: 19 976 SYNTHETIC figures (benchmarks/growth_data.py with
    23 districts × 10 years), just under the 20 000-row limit, exported by uniondash; and its data folder."""
    import growth_data

    from uniondash.exports.xlsx import write_workbook
    from uniondash.load import load_dataset
    from uniondash.model import Filters

    growth_data.DISTRICTS = 23
    data = growth_data.grown_data_dir(work / "largest-data", 227)
    workbook = work / "largest.xlsx"
    write_workbook(load_dataset(data), Filters(), workbook)
    return workbook, data


def measure(name: str, workbook: Path, work: Path, pythonpath: Path | None) -> Run:
    data = copy_shipped(work / f"data-{name}-{'then' if pythonpath else 'now'}")
    try:
        return run_import(workbook, data, timeout=180, pythonpath=pythonpath)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", metavar="REV", help="also run REV's importer on each case")
    parser.add_argument("--case", action="append", default=[], help="only these cases (repeatable)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--no-largest", action="store_true", help="skip the 19 976-figure honest workbook")
    args = parser.parse_args()
    cases = [BY_NAME[name] for name in args.case] if args.case else list(CASES)
    info = machine()
    with tempfile.TemporaryDirectory(prefix="uniondash-bench-hostile-") as folder:
        work = Path(folder)
        then = None
        if args.compare:
            (work / "then").mkdir()
            then = checkout(args.compare, work / "then")
        honest = Package.of(honest_workbook(work / "honest-source.xlsx"))
        base_path = build_case(BY_NAME["honest"], honest, work)
        base = measure("honest", base_path, work, None)
        rows = []
        for case in cases:
            path = build_case(case, honest, work)
            now = measure(case.name, path, work, None)
            old = measure(case.name, path, work, then) if then is not None else None
            rows.append((case, path.stat().st_size, now, old))
            line = f"{case.name:36} {now.peak_mb or 0:6.0f} MB {now.cpu_seconds or 0:6.2f} s CPU  {outcome(now)[:70]}"
            if old is not None:
                line += (
                    f"\n{'':36} then: {old.peak_mb or 0:6.0f} MB {old.cpu_seconds or 0:6.2f} s CPU  {outcome(old)[:70]}"
                )
            print(line, flush=True)
            path.unlink()
        largest = None
        if not args.no_largest:
            workbook, data = largest_honest(work)
            largest = (workbook.stat().st_size, run_import(workbook, data, "--dry-run", timeout=900))
            print(f"largest honest workbook: {largest[1].peak_mb:.0f} MB, {largest[1].cpu_seconds:.1f} s CPU")
    peak = max(run.peak_mb or 0 for _, _, run, _ in rows)
    header = "| case | file | outcome | peak | × honest | CPU | × honest | wall |"
    rule = "|---|---:|---|---:|---:|---:|---:|---:|"
    if args.compare:
        header += f" {args.compare}: outcome | peak | CPU |"
        rule += "---|---:|---:|"
    table = [header, rule]
    for case, size, now, old in rows:
        cells = [
            f"`{case.name}`",
            f"{size / 1024 / 1024:.2f} MB" if size >= 100_000 else f"{size / 1024:.0f} KB",
            outcome(now),
            f"{now.peak_mb:.0f} MB" if now.peak_mb else "–",
            f"{(now.peak_mb or 0) / (base.peak_mb or 1):.2f}",
            f"{now.cpu_seconds:.2f} s" if now.cpu_seconds is not None else "–",
            f"{(now.cpu_seconds or 0) / (base.cpu_seconds or 1):.2f}",
            f"{now.seconds:.1f} s",
        ]
        if old is not None:
            cells += [
                outcome(old),
                f"{old.peak_mb:.0f} MB" if old.peak_mb else "–",
                f"{old.cpu_seconds:.2f} s" if old.cpu_seconds is not None else "–",
            ]
        table.append("| " + " | ".join(cells) + " |")
    body = f"""{machine_table(info)}
`benchmarks/bench_hostile.py{" --compare " + args.compare if args.compare else ""}`: each case of
`tests/hostile/make_corpus.py` (SYNTHETIC, generated) imported by `uniondash import-xlsx` in a child of its own
(`ru_maxrss`, CPU = user + system seconds of the child, under a 1 GiB address-space limit). The honest workbook
every case is made from: peak {base.peak_mb:.0f} MB, {base.cpu_seconds:.2f} s CPU ({base.seconds:.1f} s wall);
most of both is starting Python and importing pandas. **Largest peak of any case: {peak:.0f} MB** (bound:
{MEMORY_BOUND_MB} MB).

{chr(10).join(table)}
"""
    if args.compare:
        then_runs = [(case, now, old) for case, _, now, old in rows if old is not None]
        tracebacks = [case.name for case, _, old in then_runs if old.returncode is None or "Traceback" in old.output]
        taken = [
            case.name
            for case, now, old in then_runs
            if case.refused and old.returncode == 0 and "Traceback" not in old.output
        ]
        body += f"""
{args.compare}, the importer before issue 24, on the same cases: **{len(tracebacks)} ended in a traceback**
({", ".join(tracebacks)}; the bombs at the 1 GiB limit, where they would have grown on), **{len(taken)} hostile
workbooks were imported** ({", ".join(taken)}), and `local-copy-passwd` made it open /etc/passwd (its quotes
were then checked against that file). Today every hostile case is refused with its place named, and the
formula-like texts and the `local_copy` paths are imported harmlessly.
"""
    if largest is not None:
        size, run = largest
        body += f"""
The largest honest workbook the importer takes (`largest_honest`: 19 976 SYNTHETIC figures, just under the
20 000-row limit, {size / 1024 / 1024:.1f} MB, its data sheet 39 MB uncompressed), imported with `--dry-run` into
its own data: **peak {run.peak_mb:.0f} MB**, {run.cpu_seconds:.1f} s CPU ({run.seconds:.0f} s wall), {outcome(run)[:60]}.
Most of it is the loader validating 20 000 rows once (the data directory is checked on its own only when
the merged data fails, so an import loads the data once).
"""
    if not args.no_record:
        record("hostile", "Hostile workbooks (`benchmarks/bench_hostile.py`)", body)
    else:
        print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
