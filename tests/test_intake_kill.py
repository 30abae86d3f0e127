"""kill -9 of an import half-way through writing its files: the temporary files it leaves are named by
`uniondash status` and removed by the next `validate` (or import), never those of a writer still at work.

The writer is a real process: `write_data_set` (what `import-xlsx` and the desk call) with its first fsync
made to wait, so it is caught holding the folder's lock with a half-written `.facts.csv.next.*.tmp`, then
killed with SIGKILL. A second leftover is named by a process id (`.desk-version.<pid>.tmp`, the desk's
marker): removed only once that process is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from uniondash.cli import cli
from uniondash.datastore import find_leftovers, read_data_set, remove_leftovers

# The writer: a new facts.csv (a changed figure), written as `import-xlsx` writes it; it stops at its first
# fsync (the half-written file is on disk, the lock held) and says so.
WRITER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from uniondash import datastore

    data_dir = Path(sys.argv[1])
    facts = (data_dir / "facts.csv").read_bytes().replace(b"2.8", b"2.9", 1)

    def stall(fd):
        print("stalled", flush=True)
        time.sleep(120)

    os.fsync = stall
    datastore.write_data_set(data_dir, {"facts": facts})
    """
)


def start_writer(data_dir: Path) -> subprocess.Popen[bytes]:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir)], stdout=subprocess.PIPE)
    assert writer.stdout is not None and writer.stdout.readline() == b"stalled\n"
    return writer


def names(paths: tuple[Path, ...] | list[Path]) -> list[str]:
    return sorted(path.name for path in paths)


def dead_pid() -> int:
    """The id of a process that has ended (a child run and reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_imports_temporary_files_are_named_then_removed_never_a_live_writers(data_copy: Path) -> None:
    before = read_data_set(data_copy)
    writer = start_writer(data_copy)
    try:
        half_written = [path for path in data_copy.glob(".facts.csv.next.*.tmp")]
        assert len(half_written) == 1 and half_written[0].stat().st_size > 0
        # A writer at work: named as such, and nothing of it removed (by `validate` or anyone).
        found = find_leftovers(data_copy)
        assert names(found.live) == names(half_written) and found.stale == ()
        assert remove_leftovers(data_copy) == []
        status = CliRunner().invoke(cli, ["status", "--data-dir", str(data_copy)])
        assert "A write is under way: .facts.csv.next." in status.output
        assert half_written[0].exists()
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        assert writer.stdout is not None
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    # A desk marker written by a process that has ended, and one of a process alive (this one).
    gone = data_copy / f".desk-version.{dead_pid()}.tmp"
    alive = data_copy / f".desk-version.{os.getpid()}.tmp"
    for path in (gone, alive):
        path.write_text('{"version": 3}', encoding="utf-8")

    # The readers take the old set whole, and `status` names what the killed writer left.
    assert read_data_set(data_copy).tables == before.tables
    status = CliRunner().invoke(cli, ["status", "--data-dir", str(data_copy)])
    assert status.exit_code == 0, status.output
    assert f"Left by a write that was killed: {', '.join(names([*half_written, gone]))}" in status.output
    assert alive.name not in status.output.split("killed:")[1].splitlines()[0]

    # `validate` removes them (and says so), and leaves the live process's file and the data alone.
    result = CliRunner().invoke(cli, ["validate", "--data-dir", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert "Removed 2 temporary file(s) left by a write that was killed" in result.output
    assert not half_written[0].exists() and not gone.exists() and alive.exists()
    assert read_data_set(data_copy).tables == before.tables
    assert find_leftovers(data_copy).stale == ()
    status = CliRunner().invoke(cli, ["status", "--data-dir", str(data_copy)])
    assert "Left by a write that was killed" not in status.output


def test_the_next_import_removes_what_a_killed_import_left(data_copy: Path, tmp_path: Path) -> None:
    from uniondash.exports.xlsx import write_workbook
    from uniondash.load import load_dataset
    from uniondash.model import Filters

    workbook = tmp_path / "all.xlsx"
    write_workbook(load_dataset(data_copy), Filters(), workbook)
    writer = start_writer(data_copy)
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert writer.stdout is not None
    writer.stdout.close()
    left = names(find_leftovers(data_copy).stale)
    assert len(left) == 1 and left[0].startswith(".facts.csv.next.")
    result = CliRunner().invoke(cli, ["import-xlsx", str(workbook), "--data-dir", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert f"Removed 1 temporary file(s) left by a write that was killed: {left[0]}" in result.output
    assert [path.name for path in data_copy.iterdir() if path.name.endswith(".tmp")] == []
