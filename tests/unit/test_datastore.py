"""One data set at a time (datastore.py): a reader takes a whole sealed set or none, writers replace whole
sets, a writer killed at any moment leaves the old set or the new one, and a hand edit is not taken until
it is sealed. SYNTHETIC edits of a copy of the shipped data."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.synthetic import SHIPPED, seal_as_is
from uniondash.cli import cli
from uniondash.datastore import (
    FILES,
    MANIFEST,
    DataSetConflict,
    DataSetError,
    data_set_version,
    finish_interrupted_write,
    read_data_set,
    read_files,
    set_status,
    tables_version,
    write_data_set,
)
from uniondash.errors import UniondashError
from uniondash.load import load_dataset
from uniondash.state import DataState, files_fingerprint


def relabelled(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data
    return data.replace(old.encode(), new.encode(), 1)


def test_the_shipped_data_is_a_sealed_set_whose_version_is_its_content():
    shipped = read_data_set(SHIPPED)
    assert set(shipped.tables) == set(FILES) and shipped.sealed
    assert shipped.tables["facts"] == (SHIPPED / "facts.csv").read_bytes()
    assert shipped.version == tables_version(shipped.tables) == data_set_version(SHIPPED)
    assert load_dataset(SHIPPED).version == shipped.version


def test_a_written_set_is_read_back_whole_and_files_not_given_are_kept(data_copy: Path):
    old = read_data_set(data_copy)
    facts = relabelled(old.tables["facts"], "冬送温暖", "冬送温暖（新）")
    version = write_data_set(data_copy, {"facts": facts})
    new = read_data_set(data_copy)
    assert new.version == version != old.version
    assert new.tables == {**old.tables, "facts": facts}
    assert sorted(path.name for path in data_copy.iterdir() if path.name.startswith(".")) == []  # nothing left over
    assert write_data_set(data_copy, {"facts": facts}) == version  # the same set again: nothing written


def test_a_hand_edit_is_not_taken_until_it_is_sealed(data_copy: Path):
    facts = data_copy / "facts.csv"
    facts.write_bytes(relabelled(facts.read_bytes(), "冬送温暖", "冬送温暖（手改）"))
    with pytest.raises(DataSetError) as refused:
        read_data_set(data_copy)
    message = str(refused.value)
    assert "facts.csv: does not match manifest.json" in message and "uniondash validate --seal" in message
    assert "sources.csv" not in message  # only the file that changed is named
    # `validate` checks the files as they are and says they are not sealed (exit 1); --seal seals them.
    checked = CliRunner().invoke(cli, ["validate", "--data-dir", str(data_copy)])
    assert checked.exit_code == 1 and "OK: 88 figures" in checked.output and "not sealed" in checked.output
    sealed = CliRunner().invoke(cli, ["validate", "--seal", "--data-dir", str(data_copy)])
    assert sealed.exit_code == 0, sealed.output
    assert "冬送温暖（手改）" in load_dataset(data_copy).facts["label_zh"].str.cat()


def test_invalid_files_are_never_sealed(data_copy: Path):
    facts = data_copy / "facts.csv"
    facts.write_bytes(facts.read_bytes().replace(b",500000,50\xe5\xa4\x9a", b",abc,50\xe5\xa4\x9a", 1))
    result = CliRunner().invoke(cli, ["validate", "--seal", "--data-dir", str(data_copy)])
    assert result.exit_code == 1 and "not a number: 'abc'" in result.output
    assert json.loads((data_copy / MANIFEST).read_bytes())["version"] == read_data_set(SHIPPED).version


def test_a_folder_without_a_manifest_is_not_a_set(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in FILES:
        (folder / f"{name}.csv").write_bytes((SHIPPED / f"{name}.csv").read_bytes())
    with pytest.raises(DataSetError, match=r"manifest\.json: is missing.*validate --seal"):
        read_data_set(folder)
    assert not read_files(folder).sealed
    assert CliRunner().invoke(cli, ["validate", "--seal", "--data-dir", str(folder)]).exit_code == 0
    assert read_data_set(folder).version == read_data_set(SHIPPED).version  # same files, same version


@pytest.mark.parametrize("manifest", [b"{}", b"not json", b'{"files": [], "version": "x"}'])
def test_a_damaged_manifest_is_not_trusted(data_copy: Path, manifest: bytes):
    (data_copy / MANIFEST).write_bytes(manifest)
    with pytest.raises(DataSetError, match="is not a data set manifest"):
        read_data_set(data_copy)


def test_a_manifest_edited_to_name_other_files_does_not_agree_with_itself(data_copy: Path):
    body = json.loads((data_copy / MANIFEST).read_bytes())
    body["files"]["facts.csv"]["sha256"] = "0" * 64
    (data_copy / MANIFEST).write_text(json.dumps(body))
    with pytest.raises(DataSetError, match="does not agree with itself"):
        read_data_set(data_copy)


def test_a_write_based_on_an_old_version_is_refused(data_copy: Path):
    base = data_set_version(data_copy)
    facts = (data_copy / "facts.csv").read_bytes()
    write_data_set(data_copy, {"facts": relabelled(facts, "冬送温暖", "冬送温暖A")}, base=base)
    with pytest.raises(DataSetConflict, match="changed since it was read"):
        write_data_set(data_copy, {"facts": relabelled(facts, "冬送温暖", "冬送温暖B")}, base=base)
    assert "冬送温暖A".encode() in read_data_set(data_copy).tables["facts"]


def test_a_write_never_seals_a_hand_edit_of_another_file(data_copy: Path):
    sources = data_copy / "sources.csv"
    sources.write_bytes(sources.read_bytes() + b"\n")
    facts = (data_copy / "facts.csv").read_bytes()
    with pytest.raises(UniondashError, match=r"sources\.csv changed since the set was sealed"):
        write_data_set(data_copy, {"facts": relabelled(facts, "冬送温暖", "冬送温暖A")})
    assert (data_copy / "facts.csv").read_bytes() == facts


def test_unknown_files_are_refused(data_copy: Path):
    with pytest.raises(UniondashError, match="not data files: passwd"):
        write_data_set(data_copy, {"passwd": b"root"})


def test_a_committed_write_not_moved_into_place_is_taken_whole(data_copy: Path, monkeypatch: pytest.MonkeyPatch):
    """Killed between its commit and the renames: readers take the new set; the next writer finishes it."""
    from uniondash import datastore

    old = read_data_set(data_copy)
    new_facts = relabelled(old.tables["facts"], "冬送温暖", "冬送温暖（新）")
    new_sources = relabelled(old.tables["sources"], "株洲日报", "株洲晚报")
    real_finish = datastore._finish_pending
    calls = {"n": 0}

    def killed_after_commit(data_dir: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first call cleans up before writing; the second moves the files
            os.replace(data_dir / ".facts.csv.next", data_dir / "facts.csv")  # one file moved, then "killed"
            raise KeyboardInterrupt
        real_finish(data_dir)

    monkeypatch.setattr(datastore, "_finish_pending", killed_after_commit)
    with pytest.raises(KeyboardInterrupt):
        write_data_set(data_copy, {"facts": new_facts, "sources": new_sources})
    monkeypatch.setattr(datastore, "_finish_pending", real_finish)
    assert (data_copy / "facts.csv").read_bytes() == new_facts  # moved
    assert (data_copy / "sources.csv").read_bytes() == old.tables["sources"]  # still waiting
    taken = read_data_set(data_copy)
    assert taken.tables["facts"] == new_facts and taken.tables["sources"] == new_sources
    assert set_status(data_copy).pending_version == taken.version
    finish_interrupted_write(data_copy)
    assert read_files(data_copy).sealed and read_data_set(data_copy).version == taken.version
    assert set_status(data_copy).pending_version is None


def test_files_written_before_the_commit_are_ignored_then_removed(data_copy: Path):
    old = read_data_set(data_copy)
    (data_copy / ".facts.csv.next").write_bytes(b"id\nhalf a write\n")  # a writer killed before its commit
    assert read_data_set(data_copy).version == old.version
    write_data_set(data_copy, {"headlines": old.tables["headlines"] + b"\n"})
    assert not (data_copy / ".facts.csv.next").exists()


def test_readers_racing_writers_take_one_whole_set_each_time(data_copy: Path):
    """Two sets written in turn as fast as possible; every read is exactly one of them (labels and citations
    from the same version), never a mix, and never an error."""
    a = read_data_set(data_copy).tables
    b = {
        **a,
        "facts": relabelled(a["facts"], "冬送温暖", "冬送温暖（B）"),
        "sources": relabelled(a["sources"], "株洲日报", "株洲晚报"),
        "headlines": a["headlines"] + b"\n",
    }
    versions = {tables_version(a): a, tables_version(b): b}
    stop = threading.Event()
    seen: dict[str, int] = {}
    problems: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                found = read_data_set(data_copy)
            except DataSetError as error:
                problems.append(str(error))
                continue
            if dict(found.tables) != versions.get(found.version):
                problems.append(f"a mix under version {found.version}")
            seen[found.version] = seen.get(found.version, 0) + 1

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for turn in range(60):
            write_data_set(data_copy, b if turn % 2 == 0 else a)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert problems == []
    assert set(seen) == set(versions) and sum(seen.values()) > 60


WRITER = """
import sys
from pathlib import Path
from uniondash.datastore import write_data_set
folder, facts, sources = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()
print("ready", flush=True)
sys.stdin.readline()
write_data_set(folder, {"facts": facts, "sources": sources})
"""


def test_a_writer_killed_at_any_moment_leaves_the_old_set_or_the_new_one(data_copy: Path, tmp_path: Path):
    """kill -9 at random moments of a write of two large files: the folder always holds one whole set (old or
    new), readable at once, and sealed in place after the next writer (or `validate --seal`) finishes."""
    old = read_data_set(data_copy)
    # Large files (4 MB each): the write takes long enough for the kill to land inside it.
    padding = b"".join(b"# SYNTHETIC padding line %d\n" % n for n in range(150_000))
    facts, sources = old.tables["facts"] + padding, old.tables["sources"] + padding
    (tmp_path / "facts").write_bytes(facts)
    (tmp_path / "sources").write_bytes(sources)
    new_version = tables_version({**old.tables, "facts": facts, "sources": sources})
    outcomes = {old.version: 0, new_version: 0}
    chooser = random.Random(24)
    for _ in range(12):
        write_data_set(data_copy, old.tables)  # start from the old set
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_copy), str(tmp_path / "facts"), str(tmp_path / "sources")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert writer.stdout is not None and writer.stdout.readline() == b"ready\n"
        assert writer.stdin is not None
        writer.stdin.write(b"go\n")
        writer.stdin.flush()
        time.sleep(chooser.uniform(0, 0.08))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdin.close()
        writer.stdout.close()
        taken = read_data_set(data_copy)  # never an error: one set or the other
        assert taken.version in outcomes
        assert taken.tables == (
            {**old.tables, "facts": facts, "sources": sources} if taken.version == new_version else old.tables
        )
        outcomes[taken.version] += 1
        finish_interrupted_write(data_copy)
        assert read_files(data_copy).sealed and read_data_set(data_copy).version == taken.version
    assert sum(outcomes.values()) == 12


def test_the_watcher_sees_an_edit_that_keeps_size_and_mtime(data_copy: Path):
    """cp -p, rsync -a and tar x keep a file's size and mtime: the inode or the ctime still changes."""
    facts = data_copy / "facts.csv"
    before = facts.stat()
    fingerprint = files_fingerprint(data_copy)
    facts.write_bytes(relabelled(facts.read_bytes(), "冬送温暖", "冬送清凉"))  # same length in UTF-8
    os.utime(facts, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = facts.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert files_fingerprint(data_copy) != fingerprint


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_server_state_takes_sealed_sets_only(data_copy: Path):
    clock = Clock()
    state = DataState(load_dataset(data_copy), data_copy, interval=2.0, clock=clock)
    shipped = state.version
    facts = data_copy / "facts.csv"
    facts.write_bytes(relabelled(facts.read_bytes(), "冬送温暖", "冬送温暖（手改）"))
    clock.now = 2.0
    assert state.current().version == shipped and not state.healthy
    assert "facts.csv: does not match manifest.json" in state.details()["data_problem"]
    seal_as_is(data_copy)
    clock.now = 4.0
    assert state.current().version != shipped and state.healthy and state.reloads == 1
    assert "冬送温暖（手改）" in state.current().facts["label_zh"].str.cat()
    # Sealed again with the same files: the same version, nothing reloaded.
    CliRunner().invoke(cli, ["validate", "--seal", "--data-dir", str(data_copy)])
    (data_copy / MANIFEST).touch()
    clock.now = 6.0
    assert state.current().version == read_data_set(data_copy).version and state.reloads == 1
