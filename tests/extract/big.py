"""SYNTHETIC large reports for the memory bounds of `uniondash extract`: files at the 10 MB upload cap and a
300-page PDF, made from tests/extract/synthetic_report.txt, and the peak memory of one extract measured in
a subprocess of its own (ru_maxrss), as tests/test_extract_memory.py and benchmarks/bench_extract_speed.py do.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

SYNTHETIC = Path(__file__).parent / "synthetic_report.txt"
CAP = 10 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


def noise_png(path: Path, size: int) -> Path:
    """A PNG of random pixels about `size` bytes (incompressible, as a photograph nearly is)."""
    side = int((size / 3) ** 0.5)
    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")
    )
    return path


def docx_at_cap(path: Path, copies: int = 20) -> Path:
    """A Word report at the 10 MB cap: the synthetic report `copies` times over and a photograph filling the rest."""
    import docx

    document = docx.Document()
    text = SYNTHETIC.read_text(encoding="utf-8")
    for _ in range(copies):
        for line in text.split("\n"):
            document.add_paragraph(line)
    document.save(str(path))
    picture = noise_png(path.with_suffix(".png"), CAP - path.stat().st_size - 64 * 1024)
    document.add_picture(str(picture))
    document.save(str(path))
    picture.unlink()
    return path


def txt_at_cap(path: Path) -> Path:
    """10 MB of report text (the synthetic report over and over)."""
    text = SYNTHETIC.read_text(encoding="utf-8").encode("utf-8")
    path.write_bytes((text * (CAP // len(text) + 1))[:CAP].decode("utf-8", "ignore").encode("utf-8"))
    return path


def pdf_of_pages(path: Path, pages: int, workdir: Path) -> Path:
    """A PDF of about `pages` A4 pages printed by LibreOffice headless from a .docx of the synthetic report."""
    import docx

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: `make system` installs libreoffice-writer-nogui")
    text = SYNTHETIC.read_text(encoding="utf-8")
    document = docx.Document()
    for _ in range(max(1, (pages * 3 + 3) // 4)):  # LibreOffice prints the synthetic report on about 1.35 pages
        for line in text.split("\n"):
            document.add_paragraph(line)
    source = workdir / (path.stem + ".docx")
    document.save(str(source))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{workdir / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    printed = workdir / (path.stem + ".pdf")
    if printed != path:
        printed.replace(path)
    return path


_MEASURE = """
import json, resource, sys, time
from uniondash.errors import UniondashError
from uniondash.intake.extract import extract_file
import docx, pdfplumber, cn2an  # loaded before the baseline is taken: the peak beyond it is the work's own
imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
try:
    proposal = extract_file(sys.argv[1], report_date="2024-12-20")
    outcome = f"{len(proposal.rows)} rows" + ("".join(f" ({m})" for m in proposal.messages if m.startswith("Read ")))
except UniondashError as error:
    outcome = "refused: " + str(error)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mb": peak, "imported_mb": imported}))
"""


def peak_memory(path: Path) -> dict[str, object]:
    """Extract `path` in a fresh Python process: its outcome (rows or the refusal), seconds, peak RSS in MB, and
    the peak after the imports alone (`imported_mb`: pandas and pandera make most of it)."""
    # Started through tests/hostile/measure.py, a small fresh process that forks it: a process started from the
    # big test process itself inherits that process's high-water mark across exec (Linux), whatever it uses.
    from tests.hostile.runner import ADDRESS_SPACE_LIMIT, MEASURE

    with tempfile.TemporaryDirectory() as scratch:
        status = Path(scratch) / "status.json"
        command = [sys.executable, str(MEASURE), str(ADDRESS_SPACE_LIMIT), str(status), sys.executable, "-c", _MEASURE]
        result = subprocess.run([*command, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
        exit_code = json.loads(status.read_text(encoding="utf-8"))["exit"]
    if exit_code != 0:
        raise AssertionError(f"extract of {path.name} ended with {exit_code}: {result.stderr[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))
