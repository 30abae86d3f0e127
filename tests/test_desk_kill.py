"""kill -9 of the publishing process at any moment (issue 27, Faults): a forked process publishes two
alternating data sets (the shipped one and SYNTHETIC 2024 figures) again and again, exactly as an approving
worker does (validate, commit the version, bring the data folder to it), and is SIGKILLed after a random
delay. After each kill, before anything repairs anything, the folder is read as the site reads it: it must be
one whole published version, never a mix; the history names the version that is published, and a restart
(the follower's first sync) brings the folder to exactly that one.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.desk_support import synthetic_workbook
from tests.synthetic import copy_shipped
from uniondash.datastore import read_data_set
from uniondash.desk.changes import plan_upload
from uniondash.desk.datasets import read_folder
from uniondash.desk.follower import materialised_version, sync_folder
from uniondash.desk.store import DeskStore
from uniondash.desk.web import publish_change
from uniondash.load import load_data_set

ROUNDS = 12
# A publish (validate, commit, write the set) takes about 0.3 s idle and several times that under load:
# delays up to this cover every step of the first cycle and the later ones.
MAX_DELAY = 2.0


def publish_forever(database_url: str, data_dir: str, sets: list[dict[str, bytes]], ready: int) -> None:
    """The publishing process: publish the other set, bring the folder to it, and again, until killed."""
    store = DeskStore.open(database_url)
    os.write(ready, b".")
    turn = 0
    while True:
        published = store.published()
        assert published is not None
        files = sets[0] if store.files(published.files) == sets[1] else sets[1]
        turn += 1
        change_id = store.create_change(
            author="ann",
            base_version=published.number,
            source_kind="workbook",
            upload_name="synthetic.xlsx",
            upload=f"SYNTHETIC upload {turn}".encode(),
            files=files,
            plan={"ok": True},
        )
        store.submit(change_id, "ann", f"SYNTHETIC round {turn}")
        change = store.change(change_id)
        assert change is not None
        publish_change(store, change, "bob")
        sync_folder(store, Path(data_dir))


def versions_by_set(store: DeskStore) -> dict[tuple[tuple[str, bytes], ...], set[int]]:
    out: dict[tuple[tuple[str, bytes], ...], set[int]] = {}
    for version in store.versions():
        out.setdefault(key(store.files(version.files)), set()).add(version.number)
    return out


def key(files: Mapping[str, bytes]) -> tuple[tuple[str, bytes], ...]:
    return tuple(sorted(files.items()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kill_9_of_the_publisher_at_any_moment_leaves_the_old_or_the_new_version(tmp_path: Path) -> None:
    data_dir = copy_shipped(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    store = DeskStore.open(url)
    assert sync_folder(store, data_dir) == 1
    shipped = read_folder(data_dir)
    kind, synthetic, plan = plan_upload("synthetic.xlsx", synthetic_workbook(data_dir), shipped)
    assert kind == "workbook" and synthetic is not None and plan["ok"], plan
    sets = [shipped, synthetic]
    context = multiprocessing.get_context("fork")
    rng = random.Random(int(os.environ.get("UNIONDASH_KILL_SEED", "27")))
    outcomes = {"folder at the published version": 0, "folder one version behind": 0}
    for round_number in range(ROUNDS):
        ready_read, ready_write = os.pipe()
        process = context.Process(target=publish_forever, args=(url, str(data_dir), sets, ready_write), daemon=True)
        process.start()
        os.close(ready_write)
        assert os.read(ready_read, 1) == b"."  # the child has its own database connection
        os.close(ready_read)
        time.sleep(rng.uniform(0, MAX_DELAY))
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=30)
        assert process.exitcode == -signal.SIGKILL, f"round {round_number}: the publisher ended on its own"

        # As the site reads it, with nothing repaired: one whole set, and one the desk published.
        served = read_data_set(data_dir)
        load_data_set(served, data_dir)  # and the loader takes it, as a worker's reload does
        known = versions_by_set(store)
        assert key(served.tables) in known, f"round {round_number}: the folder holds a set never published (a mix)"
        published = store.published()
        assert published is not None
        history = store.versions()
        assert [v.number for v in history] == sorted((v.number for v in history), reverse=True)
        if published.number in known[key(served.tables)]:
            outcomes["folder at the published version"] += 1
        else:
            # Killed after the version was committed, before the set was written: the folder still holds
            # the version before it, whole, and the history says the new one is published.
            assert history[1].number in known[key(served.tables)], f"round {round_number}"
            outcomes["folder one version behind"] += 1

        # A restart: the follower's first sync brings the folder to exactly the version the history names.
        assert sync_folder(store, data_dir) == published.number
        assert read_folder(data_dir) == store.files(published.files)
        assert materialised_version(data_dir) == published.number
    assert store.published_number() is not None and store.published_number() > 1, "no round published anything"
    print(outcomes)
    store.close()
