"""`uniondash extract`: its speed against `uniondash validate`, and its peak memory on big and hostile files.

    .venv/bin/python benchmarks/bench_extract_speed.py            # print the tables
    .venv/bin/python benchmarks/bench_extract_speed.py --record   # and write them into RESULTS.md

1. The Zhuzhou report (../shared/source/, about 16 000 characters): `uniondash extract REPORT` against
   `uniondash validate`, each a fresh process, run by turns (ABAB…, so the machine's load falls on both),
   the median of each; the target is a ratio ≤ 1. Also in one process: `extract_text` against `load_dataset`
   (what validate does), medians.
2. Peak memory (ru_maxrss of a fresh process per file): a 300-page PDF printed by LibreOffice (read page by
   page), a Word report filled to the 10 MB upload cap, 10 MB of text, and every hostile document of
   tests/extract/hostile.py; the bound is 300 MB.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import record  # noqa: E402

from tests.extract.big import docx_at_cap, pdf_of_pages, peak_memory, txt_at_cap  # noqa: E402
from tests.extract.hostile import make_corpus  # noqa: E402

REPORT = ROOT.parent / "shared" / "source" / "zhuzhou-daily-2023-11-30-p03.txt"
UNIONDASH = str(Path(sys.executable).with_name("uniondash"))


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def speed(rounds: int) -> list[str]:
    extract = [UNIONDASH, "extract", str(REPORT)]
    validate = [UNIONDASH, "validate"]
    wall(extract), wall(validate)  # warm the file cache
    times: dict[str, list[float]] = {"extract": [], "validate": []}
    for _ in range(rounds):
        times["extract"].append(wall(extract))
        times["validate"].append(wall(validate))
    extract_s, validate_s = statistics.median(times["extract"]), statistics.median(times["validate"])
    from uniondash.intake.extract import extract_text
    from uniondash.load import load_dataset

    text = REPORT.read_text(encoding="utf-8")
    dataset = load_dataset(ROOT / "data")
    inside: dict[str, list[float]] = {"extract_text": [], "load_dataset": []}
    for _ in range(rounds):
        started = time.perf_counter()
        rows = len(extract_text(text, dataset=dataset).rows)
        inside["extract_text"].append(time.perf_counter() - started)
        started = time.perf_counter()
        load_dataset(ROOT / "data")
        inside["load_dataset"].append(time.perf_counter() - started)
    in_extract, in_load = statistics.median(inside["extract_text"]), statistics.median(inside["load_dataset"])
    return [
        f"The report: {len(text):,} characters, {rows} rows proposed; {rounds} runs of each, by turns, medians.",
        "",
        "| what | extract | validate | ratio (target ≤ 1) |",
        "|---|---|---|---|",
        f"| command (fresh process) | {extract_s:.2f} s | {validate_s:.2f} s | **{extract_s / validate_s:.2f}** |",
        f"| in one process: `extract_text` vs `load_dataset` | {in_extract * 1000:.0f} ms | {in_load * 1000:.0f} ms | {in_extract / in_load:.2f} |",
        "",
        "The command reads the published tables it needs for its suggestions from the sealed set "
        "(`intake/extract/reference.py`: SHA-checked, without the loader's checks, which `validate` runs and "
        "`import-xlsx` runs on every row it writes) and loads no workbook library unless `--out` asks for one; "
        "beyond that it spends the extractor's imports (cn2an only for numerals of two characters or more) and "
        "the extraction itself. Before that change (the same machine, 2026-12-07, quiet): 1.04 s against 0.85 s, "
        "a ratio of 1.22.",
    ]


def memory(folder: Path, pages: int) -> list[str]:
    files: list[tuple[str, Path]] = []
    pdf = pdf_of_pages(folder / "long.pdf", pages, folder)
    files.append((f"PDF printed by LibreOffice ({pdf.stat().st_size / 1024 / 1024:.1f} MB)", pdf))
    files.append(("Word report at the 10 MB cap", docx_at_cap(folder / "cap.docx")))
    files.append(("10 MB of text (.txt)", txt_at_cap(folder / "cap.txt")))
    files += [(f"hostile: {path.name}", path) for path in make_corpus(folder / "hostile")]
    lines = ["| file | outcome | seconds | peak memory | of which imports |", "|---|---|---|---|---|"]
    peaks = []
    for label, path in files:
        measured = peak_memory(path)
        peaks.append(float(measured["peak_mb"]))  # type: ignore[arg-type]
        outcome = str(measured["outcome"]).replace("|", "/")
        outcome = outcome if len(outcome) <= 90 else outcome[:87] + "…"
        seconds, peak, imported = (float(measured[key]) for key in ("seconds", "peak_mb", "imported_mb"))  # type: ignore[arg-type]
        lines.append(f"| {label} | {outcome} | {seconds:.1f} | {peak:.0f} MB | {imported:.0f} MB |")
    lines += [
        "",
        f"Highest peak: **{max(peaks):.0f} MB** (bound: 300 MB). The imports (pandas and pandera, which the data set's "
        "loader needs, python-docx, pdfplumber, cn2an) make the baseline; reading page by page, a PDF's pages are "
        "released as they are read, so the work stays within or just above it.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--record", action="store_true", help="write the tables into benchmarks/RESULTS.md")
    args = parser.parse_args()
    if not REPORT.is_file():
        sys.exit(f"the report's text is not beside the clone ({REPORT})")
    lines = ["### Speed: extract against validate", "", *speed(args.rounds), ""]
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as scratch:
        lines += [f"### Peak memory (a fresh process per file; {args.pages}-page PDF read page by page)", ""]
        lines += memory(Path(scratch), args.pages)
    body = "\n".join(lines)
    print(body)
    if args.record:
        record("bench_extract_speed", "Extract: speed and memory (`benchmarks/bench_extract_speed.py`)", body)


if __name__ == "__main__":
    main()
