"""Each host keeps its own data folder at the published version: the follower.

A thread in every worker asks the database for the published version's number every second. When the
data folder holds another one (`.desk-version` says which), it fetches that version's files, checks them
with the loader, and materialises them into the folder; the worker's `DataState` then takes the new set
at once (the follower calls its reload after each sync). One worker per host writes (a file lock); the
others find it done. The set is written as one sealed data set (`datastore.write_data_set`), so a worker
never reads a mix of versions.

So an approval reaches every worker of every host within about 1 s plus the write and the reload, and a
host whose database is unreachable keeps serving what its folder holds (the last good data) and says so
in /healthz.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uniondash.desk.datasets import materialise, read_folder, validate
from uniondash.desk.store import DeskError, DeskStore, sha256
from uniondash.errors import DataError

logger = logging.getLogger(__name__)

MARKER = ".desk-version"
LOCK = ".desk.lock"
DEFAULT_INTERVAL = 1.0


def materialised_version(data_dir: Path) -> int | None:
    """The version the data folder holds, by its marker (None: never materialised by the desk)."""
    try:
        return int(json.loads((data_dir / MARKER).read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_marker(data_dir: Path, number: int, files: dict[str, str]) -> None:
    temporary = data_dir / f"{MARKER}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({"version": number, "files": files}, sort_keys=True), encoding="utf-8")
    os.replace(temporary, data_dir / MARKER)


def sync_folder(store: DeskStore, data_dir: Path) -> int:
    """Bring `data_dir` to the published version (making version 1 from it if there is none); its number."""
    number = store.published_number()
    if number is None:
        number = store.ensure_first_version(read_folder(data_dir))
    if materialised_version(data_dir) == number:
        return number
    with open(data_dir / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if materialised_version(data_dir) == number:  # another worker of this host did it meanwhile
                return number
            version = store.version(number)
            if version is None:  # pragma: no cover - versions are never deleted
                raise DeskError("版本不存在", f"version {number} is missing")
            files = store.files(version.files)
            try:
                on_disk = {name: sha256(data) for name, data in read_folder(data_dir).items()}
            except DataError:  # files edited by hand and not sealed: the published set replaces them
                on_disk = {}
            if on_disk != version.files:
                validate(files)  # never write a set the loader refuses
                materialise(data_dir, files)
            write_marker(data_dir, number, version.files)
            logger.info("data folder %s now holds published version %d", data_dir, number)
            return number
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Follower:
    """The per-worker thread that runs `sync_folder` every `interval` seconds, and what it last saw."""

    def __init__(
        self,
        store: DeskStore,
        data_dir: Path,
        interval: float = DEFAULT_INTERVAL,
        reload: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        # The worker's data reload (DataState.check), run right after each sync: the worker takes a new set
        # within a tick of it being written, in this thread, not at a request after its reload interval.
        self.reload = reload
        self.data_dir = Path(data_dir)
        self.interval = interval
        self.published: int | None = None
        self.problem: str | None = None
        self.checked_at = 0.0
        self._pid: int | None = None
        self._wake = threading.Event()

    def ensure_running(self) -> None:
        """Start the thread in this process (gunicorn forks workers after the app is built)."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="uniondash-desk-follower", daemon=True).start()

    def wake(self) -> None:
        """Look now (after this worker approved a change) rather than at the next tick."""
        self._wake.set()

    def sync_once(self) -> None:
        try:
            self.published = sync_folder(self.store, self.data_dir)
            if self.reload is not None:
                self.reload()
            if self.problem:
                logger.warning("desk database reachable again: %s", self.data_dir)
            self.problem = None
        except DataError as error:
            self.problem = "published-version-invalid"
            logger.error("published version refused by the loader, folder %s left as it was:\n%s", self.data_dir, error)
        except DeskError as error:
            if self.problem != "database-unreachable":
                logger.error("desk database unreachable, serving the data folder as it is: %s", error)
            self.problem = "database-unreachable"
        except Exception:  # the thread must live on: the next tick tries again
            self.problem = "sync-failed"
            logger.exception("desk: could not bring %s to the published version", self.data_dir)
        self.checked_at = time.time()

    def _run(self) -> None:
        while True:
            self.sync_once()
            self._wake.wait(self.interval)
            self._wake.clear()

    def health(self) -> dict[str, Any]:
        """For /healthz: the published version this host serves, or why it cannot follow."""
        body: dict[str, Any] = {"version": materialised_version(self.data_dir)}
        if self.problem:
            body["problem"] = self.problem
        return body
