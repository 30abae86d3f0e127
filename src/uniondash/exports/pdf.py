"""The printable briefing (`/briefing`) as a PDF, printed by headless Chromium.

The briefing is written to a self-contained HTML file (plotly.js inlined) and Chromium prints that file:
no server, no port, no network. Chromium runs the page's scripts under a virtual-time budget, so the
charts are drawn before it prints, and the page's own A4 print stylesheet lays it out.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from datetime import date
from importlib.resources import files
from pathlib import Path

from uniondash.errors import UniondashError
from uniondash.meeting import render_briefing
from uniondash.model import Dataset, Filters

ENV_CHROMIUM = "UNIONDASH_CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
# Flags headless Chromium needs as root in a container, and to stay off the network and the GPU.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DEFAULT_TIMEOUT = 120.0
# Virtual milliseconds Chromium lets the page run before printing: ample for plotly to draw every chart.
VIRTUAL_TIME_BUDGET_MS = 20_000


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium to use: `explicit`, else $UNIONDASH_CHROMIUM, else Debian's /usr/bin/chromium or one on PATH."""
    wanted = explicit or os.environ.get(ENV_CHROMIUM)
    for candidate in (wanted,) if wanted else CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    looked = wanted or ", ".join(CHROMIUM_CANDIDATES)
    raise UniondashError(
        f"Chromium not found (looked for {looked}). Install it (Debian: apt-get install chromium) "
        f"or set {ENV_CHROMIUM} to the browser's path."
    )


def briefing_html(dataset: Dataset, filters: Filters, generated: date | None = None) -> str:
    """The briefing page with plotly.js inlined: opens and prints correctly from a file:// URL."""
    plotly_js = files("plotly").joinpath("package_data", "plotly.min.js").read_text(encoding="utf-8")
    return render_briefing(dataset, filters, plotly_js=plotly_js, generated=generated)


def write_briefing_pdf(
    dataset: Dataset,
    filters: Filters,
    out: str | os.PathLike[str],
    *,
    chromium: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    generated: date | None = None,
) -> Path:
    """Print the briefing for `filters` to the PDF file `out`; returns its path."""
    target = Path(out).expanduser().resolve()
    if not target.parent.is_dir():
        raise UniondashError(f"cannot write {target}: folder {target.parent} does not exist")
    binary = find_chromium(chromium)
    with tempfile.TemporaryDirectory(prefix="uniondash-pdf-") as work:
        page = Path(work) / "briefing.html"
        page.write_text(briefing_html(dataset, filters, generated), encoding="utf-8")
        printed = Path(work) / "briefing.pdf"
        print_to_pdf(binary, page.as_uri(), printed, Path(work) / "profile", timeout)
        shutil.copyfile(printed, target)
    return target


def print_to_pdf(binary: str, url: str, pdf: Path, profile: Path, timeout: float) -> None:
    """Run headless Chromium once to print `url` to `pdf`; a UniondashError if it fails or takes too long."""
    command = [
        binary,
        *CHROMIUM_FLAGS,
        # A profile of its own, so a print never collides with another Chromium running on the machine.
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
        url,
    ]
    # A session of its own: on timeout the launcher script and every Chromium process it started go together.
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise UniondashError(
            f"Chromium did not finish printing the briefing within {timeout:g} s ({binary}). "
            "Try again, or close other Chromium windows if the machine is busy."
        ) from None
    if process.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise UniondashError(
            f"Chromium could not print the briefing (exit code {process.returncode}, {binary}): {_last_lines(errors)}"
        )


def _last_lines(errors: str, count: int = 5) -> str:
    # Chromium's stderr is mostly harmless D-Bus noise in containers; keep the last lines that are not.
    lines = [line for line in errors.splitlines() if line.strip() and "dbus" not in line.lower()]
    return " | ".join(lines[-count:]) or "no error output"
