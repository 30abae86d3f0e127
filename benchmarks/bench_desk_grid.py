"""The desk's review grid (dash-ag-grid, every row in the page) against the table form, in headless Chromium:
the time from opening the page until every row of a SYNTHETIC proposal is in it (the grid: its last row
drawn; the table form: its table parsed), and the bytes a save sends. Runs alternate between the two pages.

    .venv/bin/python benchmarks/bench_desk_grid.py [--rows 50 180] [--runs 5] [--port 8612]

Results go into benchmarks/RESULTS.md by hand (section "Data desk", "Review grid"). Not a test: nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM
from tests.browser.test_desk_browser import sign_in, synthetic_long_report
from tests.desk_support import make_desk, upload
from uniondash.exports.pdf import CHROMIUM_FLAGS


def opened(page: Any, url: str, ready: str) -> float:
    """Seconds from navigation until `ready` is in the page."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, state="attached", timeout=120_000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 180])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8612)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-grid-") as scratch:
        desk = make_desk(Path(scratch), annual_source=True)
        editor = desk.client("ann")
        changes = {rows: upload(editor, synthetic_long_report(rows), f"report-{rows}.txt") for rows in args.rows}
        server = make_server("127.0.0.1", args.port, desk.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{args.port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                sign_in(page, base, "ann")
                page.wait_for_selector("#file")
                for rows, change_id in changes.items():
                    grid_url = f"{base}/desk/changes/{change_id}/grid/"
                    form_url = f"{base}/desk/changes/{change_id}/review"
                    last = f".ag-row[row-index='{rows - 1}']"
                    opened(page, grid_url, last)  # warm: the scripts cached, the app made
                    grid, form = [], []
                    for _ in range(args.runs):
                        grid.append(opened(page, grid_url, last))
                        form.append(opened(page, form_url, f"#row-{rows - 1}"))
                    sent: list[int] = []

                    def record(request: Any, sent: list[int] = sent) -> None:
                        if request.method == "POST" and "grid-save.n_clicks" in (request.post_data or ""):
                            sent.append(len(request.post_data_buffer or b""))

                    page.on("request", record)
                    page.goto(grid_url)
                    page.wait_for_selector(last, state="attached")
                    page.click("#grid-save")  # no source chosen: refused in the page, nothing saved
                    page.wait_for_selector("#grid-status:not(:empty)")
                    page.remove_listener("request", record)
                    g, f = statistics.median(grid), statistics.median(form)
                    print(
                        f"{rows} rows: grid median {g * 1000:.0f} ms (min {min(grid) * 1000:.0f}), "
                        f"table form median {f * 1000:.0f} ms (min {min(form) * 1000:.0f}), "
                        f"ratio {g / f:.2f}; a save sends {max(sent or [0]) / 1024:.0f} KB"
                    )
                browser.close()
        finally:
            server.shutdown()
            desk.store.close()


if __name__ == "__main__":
    main()
