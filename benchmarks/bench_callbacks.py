"""Benchmark: the page update after a filter change, over HTTP against gunicorn (2 workers), beside a
trivial callback on the same server in the same run (the framework's floor).

    .venv/bin/python benchmarks/bench_callbacks.py                 # 10 warm rounds, records RESULTS.md
    .venv/bin/python benchmarks/bench_callbacks.py --rounds 3 --no-record

A page update is what the browser does when a reader changes a control: POST the control's callback
(years_changed / sections_changed / programmes_changed → the new URL search), then POST the page
callback (show_page → the whole page: controls and charts). The mix: on the overview and every section
page, in Chinese and English, choose the year 2023 and back to the report period, tick a programme and untick it
(and on the overview tick a section and untick it). Each step's requests go over one of 4 keep-alive
connections (4 readers' tabs), steps shuffled each round, a trivial callback after each update.

Round 1 is the first visit of each view since the server started (pages are drawn: the cache is
cold); rounds 2.. are what everyone after the first reader gets. Both are reported.
Targets: page update p95 ≤ 10 ms and within 10× the floor.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from typing import Any

from _common import (
    PAGE_OUTPUT,
    TRIVIAL_OUTPUT,
    Client,
    callback_body,
    dependencies,
    gunicorn,
    machine,
    machine_table,
    ms,
    post_callback,
    record,
    summary,
)

from uniondash.load import load_dataset
from uniondash.model import Dataset

CONNECTIONS = 4


@dataclass(frozen=True)
class Step:
    """One filter change: the control, its inputs, and the page the reader is on."""

    path: str
    search: str  # the URL's search before the change
    control: str  # "years" | "section" | "programme"
    value: Any
    options: tuple[str, ...] = ()


def scenario(dataset: Dataset) -> list[Step]:
    """Every page × language: the year 2023 and back, a programme on and off (a section on the overview)."""
    steps: list[Step] = []
    sections = [str(section) for section in dataset.sections["id"]]
    programmes = dataset.programmes
    for lang_search in ("", "?lang=en"):
        lang = lang_search.replace("?", "")
        joined = f"&{lang}" if lang else ""
        for path in ["/", *(f"/section/{section}" for section in sections)]:
            section_id = path.removeprefix("/section/") if path != "/" else None
            own = programmes if section_id is None else programmes[programmes["section_id"] == section_id]
            offered = tuple(str(p) for p in own["id"])
            programme = offered[0] if section_id is None or len(offered) < 2 else offered[1]
            steps += [
                Step(path, lang_search, "years", "2023"),
                Step(path, f"?years=2023{joined}", "years", "all"),
                Step(path, lang_search, "programme", [programme], offered),
                Step(path, f"?programme={programme}{joined}", "programme", [], offered),
            ]
            if section_id is None:
                steps += [
                    Step(path, lang_search, "section", ["aid"], tuple(sections)),
                    Step(path, f"?section=aid{joined}", "section", [], tuple(sections)),
                ]
    return steps


def control_body(deps: dict[str, dict[str, Any]], step: Step) -> bytes:
    """The control callback's request: its output is `url.search@<hash>` (allow_duplicate)."""
    wanted = {"years": "filter-years", "section": "filter-section", "programme": "filter-programme"}[step.control]
    dep = next(d for d in deps.values() if d["inputs"][0]["id"] == wanted)
    if step.control == "years":
        return callback_body(dep, [step.value], [step.search])
    options = [{"label": value, "value": value} for value in step.options]
    return callback_body(dep, [step.value], [options, step.search])


@dataclass
class Timings:
    control: list[float]
    page: list[float]
    update: list[float]
    floor: list[float]
    page_bytes: list[int]
    page_json: list[int]
    errors: int = 0


def run_round(clients: list[Client], deps: dict[str, dict[str, Any]], steps: list[Step], seed: int) -> Timings:
    import json

    from _common import decoded

    order = list(range(len(steps)))
    random.Random(seed).shuffle(order)
    page_dep, trivial_dep = deps[PAGE_OUTPUT], deps[TRIVIAL_OUTPUT]
    result = Timings([], [], [], [], [], [])
    for number, index in enumerate(order):
        step, client = steps[index], clients[number % len(clients)]
        status, answer, _, control_ms = post_callback(client, control_body(deps, step))
        if status not in (200, 204):
            result.errors += 1
            continue
        search = answer["response"]["url"]["search"] if answer else step.search
        status, headers, data, page_ms = client.request(
            "POST",
            "/_dash-update-component",
            callback_body(page_dep, [step.path, search], changed=1),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            result.errors += 1
            continue
        page = json.loads(decoded(headers, data))
        assert page["response"]["page-meta"]["data"]["lang"] == ("en" if "lang=en" in search else "zh-CN")
        status, _, _, floor_ms = post_callback(client, callback_body(trivial_dep, [f"v{number}"]))
        result.errors += status != 200
        result.control.append(control_ms)
        result.page.append(page_ms)
        result.update.append(control_ms + page_ms)
        result.floor.append(floor_ms)
        result.page_bytes.append(len(data))
        result.page_json.append(len(decoded(headers, data)))
    return result


def merge(rounds: list[Timings]) -> Timings:
    merged = Timings([], [], [], [], [], [])
    for timings in rounds:
        for name in ("control", "page", "update", "floor", "page_bytes", "page_json"):
            getattr(merged, name).extend(getattr(timings, name))
        merged.errors += timings.errors
    return merged


def table(rows: list[tuple[str, Timings]]) -> str:
    lines = [
        "| requests | what | n | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, timings in rows:
        for what, values in (
            ("control callback", timings.control),
            ("page callback (show_page)", timings.page),
            ("**page update** (control + page)", timings.update),
            ("trivial callback (floor)", timings.floor),
        ):
            s = summary(values)
            lines.append(
                f"| {label} | {what} | {s['n']} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['p99'])} | {ms(s['max'])} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="warm rounds after the first (default 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    info = machine()
    dataset = load_dataset(__import__("_common").DATA)
    steps = scenario(dataset)
    print(f"{len(steps)} filter changes per round, {CONNECTIONS} connections, {args.workers} workers")
    with gunicorn(workers=args.workers) as server:
        clients = [Client(server.port) for _ in range(CONNECTIONS)]
        deps = dependencies(clients[0])
        began = time.monotonic()
        cold = run_round(clients, deps, steps, seed=0)
        warm = merge([run_round(clients, deps, steps, seed=number) for number in range(1, args.rounds + 1)])
        elapsed = time.monotonic() - began
        for client in clients:
            client.close()
    info["load average (1/5/15 min) at end"] = " / ".join(f"{v:.2f}" for v in __import__("os").getloadavg())

    rows = [("round 1: first visit of each view (cold)", cold), (f"rounds 2–{args.rounds + 1}: warm", warm)]
    text = table(rows)
    print(text)
    update, floor, page = summary(warm.update), summary(warm.floor), summary(warm.page)
    ratio = update["p95"] / floor["p95"]
    page_ratio = page["p95"] / floor["p95"]
    sizes = sorted(warm.page_json)
    wire = sorted(warm.page_bytes)
    verdict = [
        f"- Page update p95 (warm): **{ms(update['p95'])}** — target ≤ 10 ms: "
        f"{'met' if update['p95'] <= 10 else 'MISSED'}.",
        f"- Ratio to the floor (update p95 / trivial callback p95): **{ratio:.1f}×** (page callback alone: "
        f"{page_ratio:.1f}×) — target ≤ 10×: {'met' if ratio <= 10 else 'MISSED'}.",
        f"- First visit of a view (cold, drawn): page callback p50 {ms(summary(cold.page)['p50'])}, "
        f"p95 {ms(summary(cold.page)['p95'])}.",
        f"- Page callback answer: JSON {sizes[len(sizes) // 2] / 1024:.0f} KB median, {sizes[-1] / 1024:.0f} KB max; "
        f"on the wire (compressed) {wire[len(wire) // 2] / 1024:.1f} KB median, {wire[-1] / 1024:.1f} KB max.",
        f"- Errors: {cold.errors + warm.errors}. Run took {elapsed:.0f} s.",
    ]
    print("\n".join(verdict))
    if not args.no_record:
        body = (
            f"`.venv/bin/python benchmarks/bench_callbacks.py --rounds {args.rounds}`: gunicorn with "
            f"{args.workers} workers (gthread, 4 threads, production settings of web/production.py) on the shipped "
            f"data, loopback, {CONNECTIONS} keep-alive connections, `Accept-Encoding: gzip, deflate, br, zstd`. "
            f"{len(steps)} filter changes per round (overview and 7 sections × zh/en: the year 2023 and back, a "
            "programme on and off, on the overview a section on and off); each is the control's callback then "
            "`show_page`, timed from send to last byte; a trivial callback (registered only in "
            "benchmarks/serve.py) follows each update on the same connection.\n\n"
            f"{machine_table(info)}\n{text}\n\n" + "\n".join(verdict)
        )
        record("bench_callbacks", "Filter change over HTTP (`benchmarks/bench_callbacks.py`)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
