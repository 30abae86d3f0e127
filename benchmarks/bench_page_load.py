"""Benchmark: first page load in headless Chromium — navigation start to every chart drawn, and the bytes
transferred (compressed, as on the wire) — against gunicorn with 2 workers on loopback.

    .venv/bin/python benchmarks/bench_page_load.py               # / and /section/aid, 5 loads each
    .venv/bin/python benchmarks/bench_page_load.py --runs 3 --path /section/models --no-record

Each load starts with an empty browser cache (CDP Network.clearBrowserCache), as a reader's first visit.
"Drawn" is measured inside the page: a script added before the page's own (CDP
Page.addScriptToEvaluateOnNewDocument) notes `performance.now()` (milliseconds since navigation start)
when `<main>` shows the URL's view and `.ud-chart .js-plotly-plot .main-svg` counts every chart that has
data. Bytes are the sum of `encodedDataLength` of every response (CDP Network.loadingFinished: headers
plus compressed body). The first load of each page is also the server's first draw of it (its page cache
is cold); later ones are served from the cache. A last load with the browser cache kept shows a return
visit. The browser first opens /healthz once (its own start-up is not the page's cost).
Targets: drawn < 1.5 s, transferred < 1.5 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from typing import Any

from _common import DATA, gunicorn, machine, machine_table, record
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from uniondash.charts import CHARTS
from uniondash.exports.pdf import CHROMIUM_FLAGS
from uniondash.load import load_dataset
from uniondash.model import Filters

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (*CHROMIUM_FLAGS, "--window-size=1920,1080")
READY_SCRIPT = """
(() => {
  const expected = %d;
  const check = () => {
    if (window.__udReady) return true;
    const main = document.querySelector('#main');
    if (!main || main.dataset.view !== location.pathname + location.search) return false;
    const drawn = document.querySelectorAll('.ud-chart .js-plotly-plot .main-svg').length;
    if (drawn < expected) return false;
    window.__udReady = performance.now();
    return true;
  };
  const poll = () => { if (!check()) setTimeout(poll, 2); };
  poll();
})();
"""
TARGET_MS, TARGET_BYTES = 1500, 1.5 * 1024 * 1024


def browser() -> WebDriver:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not installed (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def expected_charts(path: str) -> int:
    """Charts with data on the page under the default filters (the overview has none)."""
    if not path.startswith("/section/"):
        return 0
    dataset = load_dataset(DATA)
    section = path.removeprefix("/section/")
    return sum(
        1 for chart in CHARTS.values() if chart.section_id == section and not chart.rows(dataset, Filters()).empty
    )


def load(driver: WebDriver, url: str, charts: int, clear_cache: bool) -> dict[str, Any]:
    """One navigation: milliseconds to drawn, bytes on the wire, and the largest responses."""
    if clear_cache:
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get_log("performance")  # drop earlier events
    script = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": READY_SCRIPT % charts})
    try:
        driver.get(url)
        deadline = time.monotonic() + 30
        ready = None
        while ready is None and time.monotonic() < deadline:
            ready = driver.execute_script("return window.__udReady || null")
            if ready is None:
                time.sleep(0.02)
        if ready is None:
            raise RuntimeError(f"{url}: not drawn within 30 s")
        time.sleep(0.3)  # let late responses (favicons, source maps) finish so their bytes count
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})
    responses: dict[str, dict[str, Any]] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        request_id = params.get("requestId")
        if message["method"] == "Network.responseReceived":
            response = params["response"]
            responses.setdefault(request_id, {})["url"] = response["url"]
            responses[request_id]["cached"] = response.get("fromDiskCache") or response.get("fromMemoryCache")
            responses[request_id]["encoding"] = {k.lower(): v for k, v in response["headers"].items()}.get(
                "content-encoding", ""
            )
        elif message["method"] == "Network.dataReceived":
            item = responses.setdefault(request_id, {})
            item["decoded"] = item.get("decoded", 0) + params["dataLength"]
        elif message["method"] == "Network.loadingFinished":
            responses.setdefault(request_id, {})["wire"] = params["encodedDataLength"]
    finished = [r for r in responses.values() if "wire" in r and "url" in r]
    timing = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};"
    )
    return {
        "ready_ms": float(ready),
        "dcl_ms": float(timing["dcl"]),
        "wire": sum(r["wire"] for r in finished),
        "decoded": sum(r.get("decoded", 0) for r in finished),
        "requests": len(finished),
        "largest": sorted(finished, key=lambda r: -r["wire"])[:5],
    }


def short(url: str) -> str:
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    return "/" + (path if len(path) < 70 else path[:40] + "…" + path[-25:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="first-visit loads per page (default 5)")
    parser.add_argument("--path", action="append", help="page(s) to load (default / and /section/aid)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    paths = args.path or ["/", "/section/aid"]

    info = machine()
    rows, details, verdicts = [], [], []
    with gunicorn(workers=2, trivial=False) as server:
        driver = browser()
        try:
            # The browser's own first navigation (profile, caches, network stack) is not the page's cost:
            # a reader's browser is already running. /healthz warms nothing the page needs.
            driver.get(server.url + "/healthz")
            for path in paths:
                charts = expected_charts(path)
                loads = [load(driver, server.url + path, charts, clear_cache=True) for _ in range(args.runs)]
                again = load(driver, server.url + path, charts, clear_cache=False)
                ready = [item["ready_ms"] for item in loads]
                wire = loads[-1]["wire"]
                rows.append(
                    f"| `{path}` | {charts} | {ready[0]:.0f} ms | {statistics.median(ready[1:] or ready):.0f} ms | "
                    f"{max(ready):.0f} ms | {statistics.median(item['dcl_ms'] for item in loads):.0f} ms | "
                    f"{loads[-1]['requests']} | {wire / 1024:.0f} KB | {loads[-1]['decoded'] / 1024:.0f} KB | "
                    f"{again['ready_ms']:.0f} ms, {again['wire'] / 1024:.0f} KB |"
                )
                details.append(
                    f"- `{path}`, largest responses: "
                    + "; ".join(
                        f"{short(r['url'])} {r['wire'] / 1024:.0f} KB ({r.get('encoding') or 'identity'})"
                        for r in loads[-1]["largest"]
                    )
                )
                verdicts.append(
                    f"- `{path}`: drawn in {max(ready):.0f} ms at worst (target < 1.5 s: "
                    f"{'met' if max(ready) < TARGET_MS else 'MISSED'}); {wire / 1024 / 1024:.2f} MB transferred "
                    f"(target < 1.5 MB: {'met' if wire < TARGET_BYTES else 'MISSED'})."
                )
        finally:
            driver.quit()
    info["load average (1/5/15 min) at end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    table = "\n".join(
        [
            "| page | charts | first load, server cold | first load, median of the rest | worst | "
            "DOMContentLoaded | requests | transferred | uncompressed | return visit (browser cache) |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    print("\n".join(details + verdicts))
    if not args.no_record:
        body = (
            f"`.venv/bin/python benchmarks/bench_page_load.py --runs {args.runs}`: Debian Chromium (headless, "
            "1920×1080, selenium + chromedriver), empty browser cache for each load, gunicorn with 2 workers "
            "(production settings) on loopback — so the times are the browser's work (parse, run, draw) and the "
            "server's, not a network's. Time: navigation start → `<main>` shows the URL's view and every chart "
            "with data has its plotly SVG, measured in the page. Transferred: CDP `encodedDataLength` of every "
            "response (headers + compressed body).\n\n"
            f"{machine_table(info)}\n{table}\n\n" + "\n".join(details + verdicts)
        )
        record("bench_page_load", "First page load in Chromium (`benchmarks/bench_page_load.py`)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
