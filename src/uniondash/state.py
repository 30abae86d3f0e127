"""`DataState`: the dataset a running server shows, reloaded when the data set of its directory changes.

Each worker holds one. `current()` is called by every request; at most every `interval` seconds it
compares a cheap fingerprint of the data files and the manifest (inode, size, mtime and ctime of each: a
copy that keeps size and mtime, as `cp -p`, `rsync -a` or `tar x` do, still changes the inode or the
ctime) with the last one seen and, when they differ, reads the sealed data set (`datastore.read_data_set`:
every file once, all of one version) and validates those very bytes. A new valid set replaces the old at
once (for the next request); anything else is refused: files that are not one sealed set (edited by hand,
half-way through a copy) or a set that does not validate. The last good dataset keeps being served and
`problem` says what is wrong (in the log, `uniondash status` and the operator's status endpoint; the public
/healthz says only "serving last good data") until a valid set is sealed.

Things built from a dataset (the page cache's pages, chart images) follow it through `derived`: a value
is built once per dataset, so nothing built from the old data is used after the switch.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from uniondash.datastore import FILES, MANIFEST, PENDING_SUFFIX, read_data_set
from uniondash.errors import DataError
from uniondash.load import load_data_set
from uniondash.model import Dataset

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_INTERVAL = 2.0
ENV_INTERVAL = "UNIONDASH_RELOAD_SECONDS"


# Every name whose change may change the set: the files, the manifest, and a committed write's manifest.
WATCHED = (*(f"{name}.csv" for name in FILES), MANIFEST, f".{MANIFEST}{PENDING_SUFFIX}")


def files_fingerprint(data_dir: Path) -> tuple[tuple[str, int, int, int, int], ...]:
    """(file, inode, size, mtime, ctime in ns) of every data file and the manifest: a stat each, no reading.

    The ctime is the kernel's: no copy tool can set it, so an edit that keeps the size and the mtime shows."""
    out = []
    for name in WATCHED:
        try:
            stat = (data_dir / name).stat()
            out.append((name, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
        except OSError:
            out.append((name, -1, -1, -1, -1))
    return tuple(out)


class DataState:
    """The current dataset of a data directory (or a fixed one: `DataState.fixed(dataset)`)."""

    def __init__(
        self,
        dataset: Dataset,
        data_dir: Path | None = None,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dataset = dataset
        self.data_dir = data_dir
        self.interval = interval
        self._clock = clock
        self._checked = clock()
        self._seen: tuple[tuple[str, int, int, int, int], ...] = (
            files_fingerprint(data_dir) if data_dir is not None else ()
        )
        self._lock = threading.Lock()
        self._derived: dict[str, tuple[Dataset, Any]] = {}
        self.problem: DataError | None = None
        self.reloads = 0
        self.loaded_at = time.time()

    @classmethod
    def fixed(cls, dataset: Dataset) -> DataState:
        """A state that never reloads (tests, and apps built on a dataset in memory)."""
        return cls(dataset, None)

    @classmethod
    def watch(cls, data_dir: Path, interval: float | None = None) -> DataState:
        """Load the sealed set of `data_dir` now (raising `DataError` if there is no valid one) and follow it."""
        if interval is None:
            text = os.environ.get(ENV_INTERVAL, "").strip()
            interval = float(text) if text.replace(".", "", 1).isdigit() else DEFAULT_INTERVAL
        fingerprint = files_fingerprint(data_dir)
        state = cls(load_data_set(read_data_set(data_dir), data_dir), data_dir, interval=interval)
        state._seen = fingerprint  # the files as they were before loading: a change during the load shows
        return state

    @classmethod
    def pinned(cls, data_dir: Path) -> DataState:
        """The sealed set of `data_dir` as it is now, never reloaded (a static build bakes one version)."""
        return cls(load_data_set(read_data_set(data_dir), data_dir), None)

    @property
    def version(self) -> str:
        """The id of the data set served."""
        return self._dataset.version

    def current(self) -> Dataset:
        """The dataset to use for this request; checks the files first if `interval` has passed."""
        if self.data_dir is not None and self._clock() - self._checked >= self.interval:
            self.check()
        return self._dataset

    def check(self) -> bool:
        """Reload if the files changed; True if a new dataset was taken. One thread reloads at a time."""
        if self.data_dir is None or not self._lock.acquire(blocking=False):
            return False
        try:
            self._checked = self._clock()
            fingerprint = files_fingerprint(self.data_dir)
            if fingerprint == self._seen:
                return False
            try:
                data_set = read_data_set(self.data_dir)
                if data_set.version == self._dataset.version:
                    # The same set (sealed again, a hand edit undone): nothing to load, nothing wrong.
                    self._seen, self.problem = fingerprint, None
                    return False
                dataset = load_data_set(data_set, self.data_dir)
            except DataError as error:
                if self.problem is None or str(self.problem) != str(error):
                    logger.error("data in %s not taken, serving the last good data:\n%s", self.data_dir, error)
                self.problem = error
                self._seen = fingerprint  # do not reload the same broken files on every check
                return False
            except Exception as error:  # a file replaced under us, unreadable: keep serving, look again
                logger.warning("data in %s could not be read (%s); will look again", self.data_dir, error)
                return False
            self._dataset, self._seen, self.problem = dataset, fingerprint, None
            self.reloads += 1
            self.loaded_at = time.time()
            logger.info(
                "data in %s reloaded: data set %s, %d figures", self.data_dir, dataset.version, len(dataset.facts)
            )
            return True
        finally:
            self._lock.release()

    def derived(self, name: str, build: Callable[[Dataset], T]) -> T:
        """`build(current dataset)`, built once per dataset and kept under `name`."""
        dataset = self.current()
        found = self._derived.get(name)
        if found is not None and found[0] is dataset:
            return found[1]
        value = build(dataset)
        self._derived[name] = (dataset, value)
        return value

    @property
    def healthy(self) -> bool:
        """False while the files on disk are refused and the last good data is served."""
        return self.problem is None

    def details(self) -> dict[str, Any]:
        """For the operator (`uniondash status`, the token-guarded status endpoint; never the public
        /healthz): the set served, where it comes from, and what is wrong with the files on disk."""
        body: dict[str, Any] = {
            "version": self._dataset.version,
            "facts": len(self._dataset.facts),
            "reloads": self.reloads,
            "loaded_at": self.loaded_at,
            "data_dir": str(self.data_dir) if self.data_dir is not None else None,
        }
        if self.problem is not None:
            body["data_problem"] = str(self.problem)
        return body


def as_state(data: Dataset | DataState) -> DataState:
    """Route modules accept either; a plain dataset never changes."""
    return data if isinstance(data, DataState) else DataState.fixed(data)
