"""The hostile corpus (issue 24) against `uniondash import-xlsx`, as an attacker would send it.

Each workbook of tests/hostile/make_corpus.py (SYNTHETIC, generated here, never committed) is imported by the
real command in a child process: a hostile one is refused with a problem naming where (sheet, row, column, or
the part of the file), without a traceback, and leaves `data/` byte-identical; formula-like text and
`local_copy` tricks are imported harmlessly (text stored escaped; the path never read nor stored). Every child
stays under 300 MB of peak memory (`ru_maxrss` of the child). Then kill -9 at random moments of a real
import never leaves `data/` invalid or half-written.
"""

from __future__ import annotations

import csv
import io
import os
import random
import time
from pathlib import Path

import pytest

from tests.hostile.make_corpus import CASES, Case, Package, _local_copy, build_case, honest_workbook
from tests.hostile.runner import MEMORY_BOUND_MB, Run, run_import, start_import, wait_import
from tests.synthetic import SYNTHETIC_2024_SOURCE, copy_shipped
from uniondash.load import load_dataset
from uniondash.schema import FORMULA_STARTS


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(data_dir.iterdir())}


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return Package.of(honest_workbook(tmp_path_factory.mktemp("corpus") / "honest.xlsx"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_shipped(tmp_path / "data")


def check_run(run: Run) -> None:
    assert run.returncode is not None, f"the import did not end: {run.output[-500:]}"
    assert "Traceback" not in run.output and "Error: Traceback" not in run.output, run.output[-2000:]
    assert run.peak_mb is not None and run.peak_mb < MEMORY_BOUND_MB, f"peak {run.peak_mb:.0f} MB"


def no_cell_starts_a_formula(data_dir: Path) -> None:
    for path in data_dir.glob("*.csv"):
        for line, record in enumerate(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))), start=1):
            for cell in record:
                assert not cell.startswith(FORMULA_STARTS) or cell.lstrip("+-").replace(".", "").isdigit(), (
                    path.name,
                    line,
                    cell,
                )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_workbook(case: Case, honest: Package, data_dir: Path, tmp_path: Path) -> None:
    workbook = build_case(case, honest, tmp_path)
    before = snapshot(data_dir)
    run = run_import(workbook, data_dir)
    check_run(run)
    for text in case.expect:
        assert text in run.output, (text, run.output)
    if case.refused:
        assert run.returncode == 1, run.output
        assert "未写入任何文件" in run.output
        assert snapshot(data_dir) == before
        return
    assert run.returncode == 0, run.output
    load_dataset(data_dir)  # what was written is valid data
    no_cell_starts_a_formula(data_dir)
    sources = (data_dir / "sources.csv").read_text(encoding="utf-8-sig")
    assert "/etc/passwd" not in sources and "../../x" not in sources
    assert (data_dir / "sources.csv").read_bytes().startswith(before["sources.csv"])  # the shipped row unchanged


@pytest.mark.parametrize(
    ("case", "text"),
    [("formula-dde", "=cmd|' /C calc'!A0"), ("formula-plus", "+1+1"), ("formula-at", "@SUM(1+1)")],
)
def test_formula_like_text_is_stored_escaped_and_read_as_written(
    case: str, text: str, honest: Package, data_dir: Path, tmp_path: Path
) -> None:
    run = run_import(build_case(next(c for c in CASES if c.name == case), honest, tmp_path), data_dir)
    check_run(run)
    assert run.returncode == 0, run.output
    assert f"'{text}" in (data_dir / "facts.csv").read_text(encoding="utf-8")  # stored escaped
    facts = load_dataset(data_dir).facts.set_index("id")
    row = facts.loc["workforce-talent-total-2024"]
    assert text in (row["label_zh"], row["label_en"], row["note"])  # the dashboard shows the text as typed


# ---------------------------------------------------------------------------------------------------
# local_copy: a workbook can never make the server open a file


def test_a_fifo_or_a_2gb_file_as_local_copy_is_never_opened(honest: Package, data_dir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes: the import would hang
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as out:  # sparse: 2 GB that takes no disk
        out.truncate(2 * 1024**3)
    for target in (fifo, huge):
        workbook = _local_copy(str(target))(honest.copy(), tmp_path / f"{target.name}.xlsx")
        copy = copy_shipped(tmp_path / f"data-{target.name}")
        run = run_import(workbook, copy, "--dry-run", timeout=60)
        check_run(run)
        assert run.returncode == 0 and "local_copy 列未采用" in run.output, run.output
        assert run.seconds < 60 and run.peak_mb is not None and run.peak_mb < MEMORY_BOUND_MB


def test_local_copy_is_no_oracle(honest: Package, tmp_path: Path) -> None:
    """Whether the file a workbook names holds the quotes or not, the answer is the same."""
    holding = tmp_path / "holding.txt"
    holding.write_text("全市人才总量达到72万人，其中高技能人才14万人", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here", encoding="utf-8")
    outputs = []
    for target in (holding, empty):
        workbook = _local_copy(str(target))(honest.copy(), tmp_path / f"{target.stem}.xlsx")
        run = run_import(workbook, copy_shipped(tmp_path / f"data-{target.stem}"), "--dry-run")
        check_run(run)
        outputs.append((run.returncode, run.output))
    assert outputs[0] == outputs[1]
    assert "引文未核对：synthetic-report-2024" in outputs[0][1]


def test_quotes_are_checked_only_against_the_source_directory(honest: Package, data_dir: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    text = sources / f"{SYNTHETIC_2024_SOURCE['id']}.txt"
    text.write_text("SYNTHETIC: 全市人才总量达到72万人，其中高技能人才14万人。", encoding="utf-8")
    workbook = build_case(next(c for c in CASES if c.name == "honest"), honest, tmp_path)
    run = run_import(workbook, data_dir, "--dry-run", "--source-dir", str(sources))
    check_run(run)
    assert run.returncode == 0 and "引文未核对" not in run.output, run.output
    text.unlink()
    text.symlink_to("/etc/passwd")  # a link out of the directory is not followed: the quotes are unchecked
    run = run_import(workbook, data_dir, "--dry-run", "--source-dir", str(sources))
    assert run.returncode == 0 and "引文未核对：synthetic-report-2024" in run.output, run.output


# ---------------------------------------------------------------------------------------------------
# kill -9 at random moments


def test_kill_9_at_random_moments_never_leaves_the_data_invalid(honest: Package, tmp_path: Path) -> None:
    workbook = build_case(next(c for c in CASES if c.name == "honest"), honest, tmp_path)
    old = copy_shipped(tmp_path / "old")
    new = copy_shipped(tmp_path / "new")
    finished = run_import(workbook, new)
    check_run(finished)
    assert finished.returncode == 0
    states = {"old": snapshot(old), "new": snapshot(new)}
    assert states["old"] != states["new"]
    generator = random.Random(9)
    outcomes = []
    for attempt in range(8):
        data = copy_shipped(tmp_path / f"run-{attempt}")
        started = start_import(workbook, data)
        time.sleep(generator.uniform(0.0, finished.seconds * 1.1))
        started.kill()
        run = wait_import(started)
        load_dataset(data)  # valid, whatever moment the kill came
        files = {name: data for name, data in snapshot(data).items() if name.endswith(".csv")}
        for name, content in files.items():
            assert content in (states["old"][name], states["new"][name]), (attempt, name)
        outcomes.append("killed" if run.returncode is None else "finished")
    assert "killed" in outcomes, outcomes  # the moments fell inside imports, not only after them
