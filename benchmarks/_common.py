"""Shared by the benchmarks: the machine's description, percentiles, a gunicorn server on a free loopback
port (the production settings of `uniondash serve`), Dash callback requests over HTTP, and writing a
section of benchmarks/RESULTS.md.

Not a test module: benchmarks print and record numbers; nothing here asserts a time.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import importlib.metadata
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "RESULTS.md"
DATA = ROOT / "data"
PYTHON = sys.executable
# What a current browser accepts: the server picks zstd or br (flask-compress).
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
PAGE_OUTPUT = "..page.children...page-meta.data.."
TRIVIAL_OUTPUT = "bench-out.children"


# ---------------------------------------------------------------------------------------------------
# Numbers.


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else float("nan"),
    }


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


# ---------------------------------------------------------------------------------------------------
# The machine.


def machine() -> dict[str, str]:
    """Cores, CPU model, memory, OS, Python and library versions, date, load average now."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        total_kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f"{total_kb / 1024 / 1024:.1f} GiB"
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        pretty = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text())
        os_name = pretty.group(1) if pretty else os_name
    versions = []
    for package in ("dash", "plotly", "pandas", "flask", "flask-compress", "gunicorn"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package} {importlib.metadata.version(package)}")
    return {
        "cores": str(os.cpu_count()),
        "CPU": model,
        "memory": memory,
        "OS": os_name,
        "Python": platform.python_version(),
        "libraries": ", ".join(versions),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "load average (1/5/15 min) at start": " / ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def machine_table(info: dict[str, str]) -> str:
    rows = "\n".join(f"| {key} | {value} |" for key, value in info.items())
    return f"| machine | |\n|---|---|\n{rows}\n"


# ---------------------------------------------------------------------------------------------------
# RESULTS.md: each benchmark owns one section, between markers, replaced when it runs again.


def record(name: str, title: str, body: str) -> None:
    """Put `## title` + `body` between this benchmark's markers in RESULTS.md (appended the first time)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    found = pattern.search(text)
    text = pattern.sub(lambda _: section, text) if found else text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(f"\nrecorded in {RESULTS.relative_to(ROOT)} (section {name!r})")


# ---------------------------------------------------------------------------------------------------
# A gunicorn server of our own, on loopback.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    started: float  # time.monotonic() when the process was started
    ready_after: float  # seconds from start to the first 200 on /healthz

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: children of the master."""
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]


@contextlib.contextmanager
def gunicorn(
    *,
    workers: int = 2,
    data_dir: Path = DATA,
    trivial: bool = True,
    access_log: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
    cli: bool = False,
) -> Iterator[Server]:
    """Start benchmarks/serve.py (production gunicorn settings) on a free loopback port; stop it after.
    With `cli`, `uniondash serve` itself.

    The access log is off by default: writing a line per request to a pipe nobody reads is not what a
    deployment does, and it is not what is measured.
    """
    port = free_port()
    if cli:  # the real entry point, exactly as documented (its access log included)
        uniondash = str(Path(PYTHON).with_name("uniondash"))
        command = [uniondash, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        command += ["--data-dir", str(data_dir)]
    else:
        command = [PYTHON, str(BENCHMARKS / "serve.py"), "--port", str(port), "--workers", str(workers)]
        command += ["--data-dir", str(data_dir)]
        command += [] if trivial else ["--no-trivial"]
        command += ["--access-log"] if access_log else []
    environment = {**os.environ, **(env or {})}
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
        start_new_session=True,  # its own process group: stopped together, by our pid
    )
    try:
        ready = wait_ready(port, process, started + timeout)
        yield Server(process, port, started, ready - started)
    finally:
        stop(process)


def wait_ready(port: int, process: subprocess.Popen[bytes], deadline: float) -> float:
    """Poll /healthz until 200; the monotonic time it answered."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{errors[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"server on port {port} not ready in time")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------
# Requests as the browser makes them.


class Client:
    """One keep-alive HTTP/1.1 connection, as a browser tab has; reconnects if the server closed it."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes, float]:
        """Status, headers, body (as sent: compressed) and the milliseconds from send to last byte."""
        all_headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=all_headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: a browser reconnects too.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - start) * 1000
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def decoded(headers: dict[str, str], data: bytes) -> bytes:
    """The body without its Content-Encoding."""
    encoding = headers.get("content-encoding", "")
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(data))
    if encoding == "gzip":
        import gzip

        return gzip.decompress(data)
    if encoding == "deflate":
        import zlib

        return zlib.decompress(data)
    if encoding == "zstd":
        from backports import zstd  # what flask-compress itself uses on Python < 3.14

        return bytes(zstd.decompress(data))
    return data


def dependencies(client: Client) -> dict[str, dict[str, Any]]:
    """The app's callbacks by output key, as /_dash-dependencies lists them."""
    status, headers, data, _ = client.request("GET", "/_dash-dependencies")
    assert status == 200, status
    return {dep["output"]: dep for dep in json.loads(decoded(headers, data))}


def callback_body(dep: dict[str, Any], inputs: Sequence[Any], state: Sequence[Any] = (), changed: int = 0) -> bytes:
    """The JSON body dash-renderer POSTs to /_dash-update-component for `dep`."""
    output: str = dep["output"]

    def prop(spec: str) -> dict[str, str]:
        name = spec.split("@")[0]
        component, prop_name = name.rsplit(".", 1)
        return {"id": component, "property": prop_name}

    if output.startswith(".."):
        outputs: Any = [prop(part) for part in output.strip(".").split("...")]
    else:
        outputs = prop(output)
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": [{**spec, "value": value} for spec, value in zip(dep["inputs"], inputs, strict=True)],
        "changedPropIds": [f"{dep['inputs'][changed]['id']}.{dep['inputs'][changed]['property']}"],
        "state": [{**spec, "value": value} for spec, value in zip(dep["state"], state, strict=True)],
    }
    return json.dumps(body).encode()


def post_callback(client: Client, body: bytes) -> tuple[int, dict[str, Any] | None, int, float]:
    """Status, the decoded JSON answer (None for 204), bytes on the wire, milliseconds."""
    status, headers, data, elapsed = client.request(
        "POST", "/_dash-update-component", body, {"Content-Type": "application/json"}
    )
    answer = json.loads(decoded(headers, data)) if status == 200 and data else None
    return status, answer, len(data), elapsed
