"""`DataState`: the dataset a running server shows, reloaded when the files of its data directory change.

Each worker holds one. `current()` is called by every request; at most every `interval` seconds it
compares a cheap fingerprint of the data files (name, size, modification time) with the last one seen
and, when they differ, loads and validates the directory again. Valid data replaces the old at once
(for the next request); invalid data is refused: the last good dataset keeps being served and `problem`
says what is wrong (shown by /healthz) until the files are fixed. `uniondash import-xlsx` replaces the
files by rename, so a reload never reads half a file.

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

from uniondash.errors import DataError
from uniondash.load import FILES, load_dataset
from uniondash.model import Dataset

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_INTERVAL = 2.0
ENV_INTERVAL = "UNIONDASH_RELOAD_SECONDS"


def files_fingerprint(data_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """(file, size, mtime in ns) of every data file: a stat per file, no reading."""
    out = []
    for name in FILES:
        try:
            stat = (data_dir / f"{name}.csv").stat()
            out.append((name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            out.append((name, -1, -1))
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
        self._seen = files_fingerprint(data_dir) if data_dir is not None else ()
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
        """Load `data_dir` now (raising `DataError` if it is invalid) and follow its changes."""
        if interval is None:
            text = os.environ.get(ENV_INTERVAL, "").strip()
            interval = float(text) if text.replace(".", "", 1).isdigit() else DEFAULT_INTERVAL
        fingerprint = files_fingerprint(data_dir)
        state = cls(load_dataset(data_dir), data_dir, interval=interval)
        state._seen = fingerprint  # the files as they were before loading: a change during the load shows
        return state

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
                dataset = load_dataset(self.data_dir)
            except DataError as error:
                if self.problem is None or str(self.problem) != str(error):
                    logger.error("data in %s not reloaded, serving the last good data:\n%s", self.data_dir, error)
                self.problem = error
                self._seen = fingerprint  # do not reload the same broken files on every check
                return False
            except Exception as error:  # a file replaced under us, unreadable: keep serving, look again
                logger.warning("data in %s could not be read (%s); will look again", self.data_dir, error)
                return False
            self._dataset, self._seen, self.problem = dataset, fingerprint, None
            self.reloads += 1
            self.loaded_at = time.time()
            logger.info("data in %s reloaded: %d figures", self.data_dir, len(dataset.facts))
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

    def health(self) -> dict[str, Any]:
        """For /healthz: what is served, and what is wrong with the files on disk, if anything."""
        body: dict[str, Any] = {"facts": len(self._dataset.facts), "reloads": self.reloads}
        if self.problem is not None:
            body["data_problem"] = str(self.problem)
        return body


def as_state(data: Dataset | DataState) -> DataState:
    """Route modules accept either; a plain dataset never changes."""
    return data if isinstance(data, DataState) else DataState.fixed(data)
