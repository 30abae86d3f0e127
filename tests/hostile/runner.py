"""`uniondash import-xlsx` in a child process, measured: its exit, output, peak memory and time.

The peak is the child's own `ru_maxrss`, taken by `measure.py` (a small process that forks the import and
waits for it with `os.wait4`), so the test process's memory never counts; the child runs under an
address-space limit of 1 GiB (its normal peak is about 250 MB of address space), so a regression fails the
test instead of swapping the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ADDRESS_SPACE_LIMIT = 1024 * 1024 * 1024
MEMORY_BOUND_MB = 300  # issue 24: peak memory for any input at the upload cap
MEASURE = Path(__file__).with_name("measure.py")


@dataclass(frozen=True)
class Run:
    returncode: int | None  # None: killed before it ended (a timeout, or on purpose)
    output: str
    peak_mb: float | None
    seconds: float  # wall clock
    cpu_seconds: float | None = None


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    output: Path
    result: Path
    started: float

    def kill(self) -> None:
        """SIGKILL the import and its measurer (one process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def _environment(pythonpath: Path | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("UNIONDASH_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if pythonpath is not None:  # another revision's package (benchmarks/bench_hostile.py --compare)
        env["PYTHONPATH"] = str(pythonpath)
    return env


def start_import(workbook: Path, data_dir: Path, *options: str, pythonpath: Path | None = None) -> Started:
    folder = Path(tempfile.mkdtemp(prefix="uniondash-hostile-"))
    output, result = folder / "output.txt", folder / "result.json"
    command = [sys.executable, "-m", "uniondash", "import-xlsx", str(workbook), "--data-dir", str(data_dir), *options]
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(MEASURE), str(ADDRESS_SPACE_LIMIT), str(result), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_environment(pythonpath),
            start_new_session=True,
        )
    return Started(process, output, result, time.monotonic())


def wait_import(started: Started, timeout: float = 180.0) -> Run:
    """Wait for the import (killing it after `timeout` s) and measure it."""
    try:
        started.process.wait(timeout=max(0.0, timeout - (time.monotonic() - started.started)))
    except subprocess.TimeoutExpired:
        started.kill()
        started.process.wait()
    seconds = time.monotonic() - started.started
    text = started.output.read_text(encoding="utf-8", errors="replace")
    measured = json.loads(started.result.read_text()) if started.result.exists() else None
    for path in (started.output, started.result):
        path.unlink(missing_ok=True)
    started.output.parent.rmdir()
    if measured is None:
        return Run(None, text, None, seconds)
    return Run(measured["exit"], text, measured["maxrss_kb"] / 1024, seconds, measured["cpu_s"])


def run_import(
    workbook: Path, data_dir: Path, *options: str, timeout: float = 180.0, pythonpath: Path | None = None
) -> Run:
    return wait_import(start_import(workbook, data_dir, *options, pythonpath=pythonpath), timeout)
