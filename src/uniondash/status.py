"""`uniondash status`: what the data directory holds and what a running server serves, for the operator.

These are the details the public /healthz never shows (paths, files, lines): the sealed data set, files
that do not belong to it, every validation problem, an interrupted write, and what each asked worker serves.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from uniondash.datastore import find_leftovers, set_status
from uniondash.errors import DataError, UniondashError
from uniondash.load import load_data_set

STATUS_PATH = "/-/status"
# Requests made to meet the workers of a server (a load balancer sends each to any of them).
ASKS = 12
TIMEOUT = 5.0


@dataclass(frozen=True)
class Report:
    lines: list[str]
    ok: bool
    version: str | None = None  # the sealed data set on disk

    def __add__(self, other: Report) -> Report:
        return Report([*self.lines, *other.lines], self.ok and other.ok, self.version or other.version)


def data_report(data_dir: Path) -> Report:
    """The data directory: its sealed set (validated), files outside it, an interrupted write."""
    from uniondash.datastore import read_data_set

    lines = [f"Data directory: {data_dir}"]
    state = set_status(data_dir)
    lines += leftover_lines(data_dir)
    if state.pending_version:
        lines.append(
            f"Interrupted write: data set {state.pending_version} is committed but not all moved into place; "
            "readers take it, and `uniondash validate --seal` finishes the move."
        )
    if state.sealed_version is None:
        lines.append("Sealed data set: none. A server keeps what it serves; a restart or a command is refused:")
        lines += [f"  {problem}" for problem in state.problems]
        lines.append("Check and seal the files with `uniondash validate --seal` (see data/README.md).")
        return Report(lines, False)
    lines.append(f"Sealed data set: {state.sealed_version}")
    try:
        dataset = load_data_set(read_data_set(data_dir), data_dir)
    except DataError as error:
        lines.append("It does not validate, so servers keep their last good data:")
        lines += [f"  {problem}" for problem in error.problems]
        return Report(lines, False, state.sealed_version)
    lines.append(f"Valid: {len(dataset.facts)} figures.")
    return Report(lines, True, state.sealed_version)


def leftover_lines(data_dir: Path) -> list[str]:
    """Temporary files in the data folder: a writer's at work (left alone), or a killed writer's."""
    try:
        found = find_leftovers(data_dir)
    except OSError:
        return []
    lines = []
    if found.live:
        lines.append(
            f"A write is under way: {', '.join(path.name for path in found.live)} (its writer is alive; left alone)."
        )
    if found.stale:
        lines.append(
            f"Left by a write that was killed: {', '.join(path.name for path in found.stale)}. They are not part "
            "of the data; the next `uniondash validate` or import removes them."
        )
    return lines


def fetch_status(url: str, token: str) -> dict[str, Any]:
    """One answer of a server's status endpoint (a worker's)."""
    request = urllib.request.Request(
        url.rstrip("/") + STATUS_PATH, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            body = json.loads(answer.read(1_000_000))
    except urllib.error.HTTPError as error:
        hint = " (is $UNIONDASH_STATUS_TOKEN the server's?)" if error.code == 404 else ""
        raise UniondashError(f"{url}{STATUS_PATH} answered {error.code}{hint}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise UniondashError(f"{url}{STATUS_PATH}: no answer ({getattr(error, 'reason', error)})") from None
    if not isinstance(body, dict):
        raise UniondashError(f"{url}{STATUS_PATH}: not a status answer")
    return body


def server_report(url: str, token: str | None, on_disk: str | None) -> Report:
    """What the workers of the server at `url` serve, compared with the sealed set on disk."""
    if not url.startswith(("http://", "https://")):
        raise UniondashError(f"--url {url[:80]!r}: give the server's address, e.g. http://127.0.0.1:8050")
    if token is None:
        raise UniondashError("set UNIONDASH_STATUS_TOKEN to the server's token to ask it (see docs/deploy.md)")
    workers: dict[Any, dict[str, Any]] = {}
    for _ in range(ASKS):
        body = fetch_status(url, token)
        workers[body.get("pid")] = body
    lines, ok = [f"Server {url}: {len(workers)} worker(s) answered"], True
    for pid, body in sorted(workers.items(), key=lambda item: str(item[0])):
        loaded = datetime.fromtimestamp(float(body.get("loaded_at") or 0), UTC).isoformat(timespec="seconds")
        lines.append(
            f"  worker {pid}: {body.get('status')}, data set {body.get('version')}, "
            f"{body.get('facts')} figures, loaded {loaded}"
        )
        if body.get("data_problem"):
            ok = False
            lines += [f"    {line}" for line in str(body["data_problem"]).splitlines()]
        elif on_disk is not None and body.get("version") != on_disk:
            ok = False
            lines.append(f"    not the sealed set on disk ({on_disk}): it is taken within seconds, or see the log")
    return Report(lines, ok)
