"""Load test: gunicorn with 2 workers under a mix of filter changes, page loads and exports, driven by wrk
(Debian's `wrk`, C, so the load generator leaves the server most of the 2 cores). Loopback only, bounded:
a warm-up of a few seconds, then two phases of `--duration` seconds (≤ 60 s in all), each ended by wrk
itself: 8 filter-change connections (the target load), then 16 (saturation).

    .venv/bin/python benchmarks/bench_load.py                  # 2 × 20 s of load, records RESULTS.md
    .venv/bin/python benchmarks/bench_load.py --duration 10 --connections 8 --no-record

Three wrk processes run at the same time, each its own kind of traffic, so each gets its own latency
distribution:

- filter changes: `--connections` keep-alive connections (8, then 16), each POSTing back-to-back the
  requests of bench_callbacks.py's filter changes (control callback, then page callback), in Chinese and
  English, on every page;
- page loads: 2 connections, each request followed by a 20 ms pause: the HTML, /_dash-layout,
  /_dash-dependencies and the page callback of a page (scripts are cached by browsers: immutable, a year;
  bench_page_load.py measures a first visit);
- exports: 1 connection, a 250 ms pause after each: /export/summary.xlsx with filters and a cached
  chart PNG, alternately.

Before the load, every request of the mix is made once on new connections (both workers' page caches
and the shared image cache warm, as after the first readers). Target: ≥ 300 callback requests/s with
p99 < 200 ms and zero errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from _common import (
    PAGE_OUTPUT,
    Client,
    callback_body,
    dependencies,
    gunicorn,
    machine,
    machine_table,
    post_callback,
    record,
)
from bench_callbacks import control_body, scenario

from uniondash.load import load_dataset

HEADERS = {"Accept-Encoding": "gzip, deflate, br, zstd"}
JSON_HEADERS = {**HEADERS, "Content-Type": "application/json"}

LUA = """
local specs = {
%(specs)s
}
local requests = {}
local counter = 0
local pause = %(pause)d

function init(args)
  for i, spec in ipairs(specs) do
    requests[i] = wrk.format(spec[1], spec[2], spec[3], spec[4])
  end
  counter = math.random(#requests) - 1
end

function request()
  counter = counter %% #requests + 1
  return requests[counter]
end

if pause > 0 then
  function delay() return pause end
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def lua_string(text: str) -> str:
    level = "=" * 3
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def lua_script(requests: list[tuple[str, str, dict[str, str], str | None]], pause_ms: int) -> str:
    specs = []
    for method, path, headers, body in requests:
        header_table = "{" + ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items()) + "}"
        specs.append(f"  {{{lua_string(method)}, {lua_string(path)}, {header_table}, {lua_string(body or '')}}},")
    return LUA % {"specs": "\n".join(specs), "pause": pause_ms}


def run_wrk(url: str, script: Path, connections: int, duration: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def result(process: subprocess.Popen[str]) -> dict[str, Any]:
    output, _ = process.communicate(timeout=120)
    for line in output.splitlines():
        if line.startswith("RESULT "):
            values: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            values["rps"] = values["requests"] / (values["duration_us"] / 1e6)
            values["errors"] = sum(values[k] for k in ("connect", "read", "write", "status", "timeout"))
            return values
    raise RuntimeError(f"wrk printed no result:\n{output}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of each phase (default 20; at most 25)")
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        default=[8, 16],
        help="filter-change connections of each phase (default: 8, then 16 to saturate)",
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not installed: apt-get install -y wrk")
    duration = max(1, min(args.duration, 25))
    phases = args.connections[:2]

    info = machine()
    dataset = load_dataset(Path(__file__).resolve().parents[1] / "data")
    steps = scenario(dataset)
    workdir = Path(tempfile.mkdtemp(prefix="uniondash-load-"))
    try:
        with gunicorn(workers=2, trivial=False) as server:
            client = Client(server.port)
            deps = dependencies(client)
            page_dep = deps[PAGE_OUTPUT]
            callbacks: list[tuple[str, str, dict[str, str], str | None]] = []
            for step in steps:
                body = control_body(deps, step)
                status, answer, _, _ = post_callback(client, body)
                assert status in (200, 204), status
                search = answer["response"]["url"]["search"] if answer else step.search
                callbacks.append(("POST", "/_dash-update-component", JSON_HEADERS, body.decode()))
                page = callback_body(page_dep, [step.path, search], changed=1).decode()
                callbacks.append(("POST", "/_dash-update-component", JSON_HEADERS, page))
            page_loads: list[tuple[str, str, dict[str, str], str | None]] = []
            for path in ["/", *(f"/section/{section}" for section in dataset.sections["id"])]:
                for search in ("", "?lang=en"):
                    page_loads += [
                        ("GET", path + search, HEADERS, None),
                        ("GET", "/_dash-layout", HEADERS, None),
                        ("GET", "/_dash-dependencies", HEADERS, None),
                        (
                            "POST",
                            "/_dash-update-component",
                            JSON_HEADERS,
                            callback_body(page_dep, [path, search], changed=1).decode(),
                        ),
                    ]
            exports: list[tuple[str, str, dict[str, str], str | None]] = [
                ("GET", "/export/summary.xlsx?years=2019-2023&section=aid", HEADERS, None),
                ("GET", "/export/chart/aid-funds.png", HEADERS, None),
                ("GET", "/export/summary.xlsx?lang=en", HEADERS, None),
                ("GET", "/export/chart/model-workers.png?lang=en", HEADERS, None),
            ]
            client.close()
            # Warm-up: everything once, each on a new connection, so both workers take some of it.
            for method, path, headers, body in callbacks + page_loads + exports * 2:
                fresh = Client(server.port, timeout=60)
                status, _, _, _ = fresh.request(method, path, body.encode() if body else None, headers)
                fresh.close()
                if status not in (200, 204):
                    raise RuntimeError(f"warm-up {method} {path}: {status}")
            scripts = {}
            for name, requests, pause in (
                ("callbacks", callbacks, 0),
                ("pages", page_loads, 20),
                ("exports", exports, 250),
            ):
                scripts[name] = workdir / f"{name}.lua"
                scripts[name].write_text(lua_script(requests, pause), encoding="utf-8")
            print(f"{len(callbacks)} callback requests, {len(page_loads)} page-load requests in the mix")
            results_by_phase = []
            for connections in phases:
                print(f"phase: {connections} filter-change connections, {duration} s")
                processes = {
                    "callbacks": run_wrk(server.url, scripts["callbacks"], connections, duration),
                    "pages": run_wrk(server.url, scripts["pages"], 2, duration),
                    "exports": run_wrk(server.url, scripts["exports"], 1, duration),
                }
                results_by_phase.append((connections, {name: result(p) for name, p in processes.items()}))
            health = Client(server.port)
            _, _, text, _ = health.request("GET", "/healthz")
            health.close()
            print("healthz after:", text.decode(errors="replace"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info["load average (1/5/15 min) at end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())

    rows, verdict = [], []
    labels = {
        "callbacks": "filter changes (control + page callbacks), back-to-back",
        "pages": "page loads (HTML, layout, dependencies, page callback), 2 connections, 20 ms pauses",
        "exports": "exports (xlsx with filters, cached PNG), 1 connection, 250 ms pauses",
    }
    for connections, results in results_by_phase:
        for name, values in results.items():
            label = labels[name] + (f", {connections} connections" if name == "callbacks" else "")
            rows.append(
                f"| {connections} | {label} | {values['requests']} | {values['rps']:.0f}/s | "
                f"{values['p50'] / 1000:.1f} ms | {values['p90'] / 1000:.1f} ms | {values['p99'] / 1000:.1f} ms | "
                f"{values['max'] / 1000:.0f} ms | {values['errors']} |"
            )
        callbacks_rps = results["callbacks"]["rps"] + results["pages"]["rps"] / 4
        errors = sum(values["errors"] for values in results.values())
        p99 = results["callbacks"]["p99"] / 1000
        met = callbacks_rps >= 300 and p99 < 200 and errors == 0
        verdict.append(
            f"- {connections} connections: **{callbacks_rps:.0f} callback requests/s** (filter changes "
            f"{results['callbacks']['rps']:.0f}/s + the page loads' page callbacks), filter-change p99 **{p99:.0f} ms**, "
            f"**{errors} errors**; all traffic {sum(v['rps'] for v in results.values()):.0f} requests/s — target "
            f"(≥ 300/s, p99 < 200 ms, no errors): {'met' if met else 'MISSED'}."
        )
    table = "\n".join(
        [
            "| phase | traffic | requests | rate | p50 | p90 | p99 | max | errors |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    print("\n".join(verdict))
    if not args.no_record:
        body = (
            f"`.venv/bin/python benchmarks/bench_load.py --duration {duration} --connections "
            f"{' '.join(map(str, phases))}`: wrk (Debian 4.1.0), three processes at once for {duration} s per phase "
            "against gunicorn with 2 workers (production settings) on loopback, after a warm-up that makes every "
            "request of the mix once. wrk is closed-loop: each connection sends its next request when the answer "
            "came, so more connections means more load and longer queues; the second phase saturates the "
            "server. Errors count connect/read/write errors, timeouts (10 s) and HTTP ≥ 400. Every "
            "request asks for compression (`Accept-Encoding: gzip, deflate, br, zstd`) as browsers do. wrk runs on "
            "the same 2 cores as the server.\n\n"
            f"{machine_table(info)}\n{table}\n\n" + "\n".join(verdict)
        )
        record("bench_load", "Load test (`benchmarks/bench_load.py`)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
