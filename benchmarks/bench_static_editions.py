"""`build-static` with several editions: the build of the shipped data (one report) against the build of
the shipped data plus the SYNTHETIC 2024 annual and 2014–2018 five-year reports (tests/synthetic.py), which
bakes every report's embeds, files, slides and briefing and the `report=latest` embeds.

    .venv/bin/python benchmarks/bench_static_editions.py [--runs 1]

Each build runs in process with a fresh in-memory image cache; kaleido renders are counted (the cost of a
build) beside the figures `publish.site.OnceDrawn` found drawn already. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, ROOT, machine, machine_table, record

sys.path.insert(0, str(ROOT))

from tests.synthetic import second_edition_data_dir  # SYNTHETIC data, written in a temp folder
from uniondash.exports import images
from uniondash.publish import site


def build(data_dir: Path, out: Path) -> tuple[float, int, int, int]:
    """Seconds, files, kaleido renders, figures found drawn already."""
    counts = {"renders": 0, "reused": 0}
    render, once = images.ChartRenderer.render, site.OnceDrawn.render

    def counted(self: images.ChartRenderer, *args: object) -> bytes:
        counts["renders"] += 1
        return render(self, *args)

    def reused(self: site.OnceDrawn, *args: object) -> bytes:
        before = counts["renders"]
        data = once(self, *args)
        counts["reused"] += counts["renders"] == before
        return data

    images.ChartRenderer.render = counted
    site.OnceDrawn.render = reused
    try:
        started = time.perf_counter()
        report = site.build_site(out, data_dir)
        return time.perf_counter() - started, report.files, counts["renders"], counts["reused"]
    finally:
        images.ChartRenderer.render = render
        site.OnceDrawn.render = once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    os.environ.pop("UNIONDASH_CACHE_DIR", None)
    info = machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-editions-") as work:
        editions = second_edition_data_dir(Path(work) / "data")
        results: dict[str, list[tuple[float, int, int, int]]] = {"one": [], "three": []}
        for run in range(args.runs):
            for name, data_dir in (("one", DATA), ("three", editions)):
                result = build(data_dir, Path(work) / f"site-{name}-{run}")
                results[name].append(result)
                print(name, result, flush=True)
    one, three = (min(results[name]) for name in ("one", "three"))
    for label, (seconds, files, renders, reused) in (
        ("shipped data: 1 report (2019–2023)", one),
        ("+ SYNTHETIC 2024 annual and 2014–2018 five-year reports: 3 reports and `latest`", three),
    ):
        rows.append(f"| {label} | {seconds:.0f} s | {seconds / one[0]:.2f}× | {files} | {renders} | {reused} |")
    body = f"""
{machine_table(info)}

`benchmarks/bench_static_editions.py --runs {args.runs}` (fastest run of each), one after the other on the
same machine, each with a fresh in-memory image cache:

| data | build | vs one report | files | kaleido renders | figures drawn already (reused) |
|---|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

A build bakes, for every report, its embeds (`embed/<id>/<period>/`, the first report's also at
`embed/<id>/`), its files (`export/chart/<period>/`), slides and briefing, and the `report=latest` embeds.
Renders are the cost: only what differs between views is drawn (a chart's `latest` is one report's
figure, found by `OnceDrawn` and not drawn again), and a report draws only the charts it has figures for.
"""
    record(
        "static-editions", "Static site with several editions: build time (`benchmarks/bench_static_editions.py`)", body
    )


if __name__ == "__main__":
    main()
