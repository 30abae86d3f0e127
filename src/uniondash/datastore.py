"""One data set at a time: the CSV files of a data directory are taken as one whole set, or not at all.

The rule. A data directory holds the CSV files (`FILES`) and `manifest.json`, which names the set's version
and the SHA-256 of every file. The set is *sealed* when every file matches the manifest. Readers take sealed
sets only (`read_data_set`): the bytes they return are exactly the bytes the manifest names, so labels of one
version can never meet citations of another, whatever order files are copied in. A file that no longer
matches (edited by hand, half-way through an `rsync`) leaves the set unsealed: a running server keeps what it
has and says "serving last good data"; a command refuses with the file named. After editing a CSV by hand,
`uniondash validate --seal` checks the files and, if they are valid, seals them as the new set.

A version id is the set's content: SHA-256 over each file's name and SHA-256 (`set_version`), so the same
files are the same version wherever they are, and the manifest of the shipped `data/` never changes unless
the data does.

Writing (`write_data_set`), under an exclusive lock on the directory:
 1. every new file is written beside its target as `.NAME.csv.next`, flushed to disk;
 2. `.manifest.json.next` is written and flushed: from this moment the new set is committed;
 3. the files are renamed into place, then the manifest.
A reader that finds the files not matching `manifest.json` looks for a committed set (step 2) and takes it
from the renamed files and the `.next` files that are still waiting. So a writer killed before step 2 leaves
the old set whole (the next writer removes its `.next` files), and one killed after it leaves the new set
whole (readers take it; the next writer, or `validate --seal`, finishes moving it into place). Readers never
write and never wait for a writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from uniondash.errors import DataError, DataProblem, UniondashError

logger = logging.getLogger(__name__)

# The data files in load order: a file's foreign keys point only at files above it.
FILES = (
    "sources",
    "sections",
    "programmes",
    "measures",
    "metrics",
    "levels",
    "kinds",
    "scopes",
    "facts",
    "headlines",
)
MANIFEST = "manifest.json"
FORMAT = "uniondash-data-set/1"
PENDING_SUFFIX = ".next"
# Attempts of a reader that raced a writer (the manifest or a waiting file changed under it).
READ_ATTEMPTS = 20
STABLE_ATTEMPTS = 3
SEAL_HINT = (
    "if you edited the CSV files by hand, check and seal them with `uniondash validate --seal`; "
    "if a copy into this folder is under way, wait for it to finish"
)


@dataclass(frozen=True)
class DataSet:
    """The bytes of every file of one data set, read once, and the set's version id.

    `sealed` is False for the files as they happen to be (`read_files`), which `uniondash validate` checks
    before sealing; the server never takes such a set.
    """

    version: str
    tables: Mapping[str, bytes]  # file stem ("facts") → bytes; a file missing from the folder is absent
    sealed: bool = True
    unsealed: tuple[str, ...] = field(default=())  # files that do not match the manifest, for `validate`


class DataSetError(DataError):
    """The files of a data directory are not one sealed set (unsealed, mismatched, or no manifest)."""

    def message(self, limit: int = 50) -> str:
        head = f"the data files are not one sealed set{f' at {self.data_dir}' if self.data_dir else ''}:"
        lines = [f"  {problem}" for problem in self.problems[:limit]]
        tail = f"Nothing was loaded: {SEAL_HINT} (see data/README.md)."
        return "\n".join([head, *lines, tail])


class DataSetConflict(UniondashError):
    """The data set changed between the moment a caller read it and its write: nothing was written."""


def file_name(name: str) -> str:
    return f"{name}.csv"


def set_version(digests: Mapping[str, str]) -> str:
    """The version id of a set whose files have these SHA-256 digests (file stem → hex digest)."""
    text = "".join(f"{file_name(name)} {digests[name]}\n" for name in FILES if name in digests)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def tables_version(tables: Mapping[str, bytes]) -> str:
    """The version id the files `tables` would have as a set."""
    return set_version({name: hashlib.sha256(data).hexdigest() for name, data in tables.items()})


def manifest_bytes(tables: Mapping[str, bytes]) -> bytes:
    """The manifest of a complete set: its version and each file's size and SHA-256 (deterministic bytes)."""
    digests = {name: hashlib.sha256(tables[name]).hexdigest() for name in FILES}
    body = {
        "format": FORMAT,
        "version": set_version(digests),
        "files": {file_name(name): {"bytes": len(tables[name]), "sha256": digests[name]} for name in FILES},
    }
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("ascii")


@dataclass(frozen=True)
class _Manifest:
    version: str
    digests: dict[str, str]  # file stem → sha256


def _parse_manifest(raw: bytes, where: str) -> _Manifest | DataProblem:
    """A manifest's content, or the problem with it (a hand-written or damaged manifest is not trusted)."""
    try:
        body = json.loads(raw.decode("utf-8"))
        files = body["files"]
        digests = {name: str(files[file_name(name)]["sha256"]) for name in FILES}
        version = str(body["version"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return DataProblem(where, None, None, f"is not a data set manifest (expected {FORMAT} with every data file)")
    extra = sorted(set(files) - {file_name(name) for name in FILES}) if isinstance(files, dict) else []
    if extra or version != set_version(digests):
        return DataProblem(where, None, None, "does not agree with itself (its version is not that of its files)")
    return _Manifest(version, digests)


def _read(path: Path) -> bytes | None:
    """The file's bytes, None if there is none; `DataSetError` naming it if it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:  # not readable by this user, a folder in its place…
        problem = DataProblem(path.name, None, None, f"cannot be read: {error.strerror or error}")
        raise DataSetError([problem], str(path.parent)) from None


def _stamp(path: Path) -> tuple[int, int] | None:
    """(inode, ctime in ns): changes whenever the file is written or replaced, whatever its mtime says."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_ctime_ns


def _sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def read_files(data_dir: Path) -> DataSet:
    """The data files as they are now, sealed or not, each read once: what `uniondash validate` checks.

    `unsealed` names the files that do not match the manifest (every file when there is none)."""
    data_dir = Path(data_dir)
    tables = {name: data for name in FILES if (data := _read(data_dir / file_name(name))) is not None}
    version = tables_version(tables)
    raw = _read(data_dir / MANIFEST)
    manifest = _parse_manifest(raw, MANIFEST) if raw is not None else None
    if not isinstance(manifest, _Manifest):
        return DataSet(version, tables, sealed=False, unsealed=tuple(file_name(name) for name in FILES))
    differ = tuple(file_name(name) for name in FILES if _sha(tables.get(name)) != manifest.digests[name])
    return DataSet(version, tables, sealed=not differ, unsealed=differ)


def read_data_set(data_dir: Path) -> DataSet:
    """The sealed data set of `data_dir`, every file read once; `DataSetError` naming each file that does
    not belong to it. Takes a set that a writer has committed but not finished moving into place."""
    data_dir = Path(data_dir)
    problems: list[DataProblem] = []
    for attempt in range(READ_ATTEMPTS):
        before = (_stamp(data_dir / MANIFEST), _stamp(_pending(data_dir, MANIFEST)))
        found, problems, raced = _try_read(data_dir)
        if found is not None:
            return found
        after = (_stamp(data_dir / MANIFEST), _stamp(_pending(data_dir, MANIFEST)))
        # A folder that stayed as it was is not a sealed set, and no writer will make it one. Looked at a few
        # times all the same: two quick writes (A → B → A) can reuse the manifest's inode within one tick of
        # the file clock, so an unchanged stamp does not prove that no writer passed.
        if before == after and not raced and attempt >= STABLE_ATTEMPTS:
            break
        time.sleep(0.002 * (attempt + 1))  # a writer is moving files: look again once it has
    raise DataSetError(problems, str(data_dir))


def _pending(data_dir: Path, name: str) -> Path:
    return data_dir / f".{name}{PENDING_SUFFIX}"


def _try_read(data_dir: Path) -> tuple[DataSet | None, list[DataProblem], bool]:
    """One attempt: (the set, or None with the problems; whether a writer moved a file during it).

    A committed write (its `.manifest.json.next` in place) is the set from its commit on, so it is looked
    for first: a reader never goes back to the old set once another reader has seen the new one."""
    raw = _read(data_dir / MANIFEST)
    pending_raw = _read(_pending(data_dir, MANIFEST))
    if raw is None and pending_raw is None:
        problem = (
            f"is missing: this folder is not a sealed data set; check and seal its files with "
            f"`uniondash validate --seal --data-dir {data_dir}`"
        )
        return None, [DataProblem(MANIFEST, None, None, problem)], False
    tables = {name: data for name in FILES if (data := _read(data_dir / file_name(name))) is not None}
    problems: list[DataProblem] = []
    if pending_raw is not None:
        pending = _parse_manifest(pending_raw, MANIFEST + PENDING_SUFFIX)
        if isinstance(pending, DataProblem):
            problems.append(pending)
        else:
            committed: dict[str, bytes] = {}
            for name in FILES:
                found = tables.get(name)
                if found is None or _sha(found) != pending.digests[name]:
                    found = _read(_pending(data_dir, file_name(name)))
                    if found is None:
                        return None, problems, True  # renamed into place since we read the folder: look again
                    if _sha(found) != pending.digests[name]:
                        break
                committed[name] = found
            else:
                return DataSet(pending.version, committed), [], False
    if raw is None:
        return None, problems, False
    manifest = _parse_manifest(raw, MANIFEST)
    if isinstance(manifest, DataProblem):
        return None, [*problems, manifest], False
    differ = [name for name in FILES if _sha(tables.get(name)) != manifest.digests[name]]
    if not differ:
        return DataSet(manifest.version, tables), [], False
    for name in differ:
        what = "is missing" if name not in tables else "does not match manifest.json"
        problems.append(DataProblem(file_name(name), None, None, f"{what} (sealed set {manifest.version})"))
    return None, problems, False


def data_set_version(data_dir: Path) -> str:
    """The version id of the sealed set of `data_dir` (`DataSetError` if the files are not one)."""
    return read_data_set(data_dir).version


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """One writer at a time on a folder (an flock on the directory itself: no lock file to leave behind)."""
    handle = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """`data` into a new file at `path` (replacing any), flushed to disk before it is named."""
    handle, temporary = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sync_dir(data_dir: Path) -> None:
    handle = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _finish_pending(data_dir: Path) -> None:
    """Under the lock: move a committed set into place, or remove what an uncommitted writer left."""
    for scrap in data_dir.glob(f".*{PENDING_SUFFIX}.*.tmp"):  # a writer killed while writing a file
        scrap.unlink(missing_ok=True)
    pending_manifest = _pending(data_dir, MANIFEST)
    raw = _read(pending_manifest)
    waiting = [_pending(data_dir, file_name(name)) for name in FILES]
    if raw is None:
        for path in waiting:  # written before a commit that never came
            path.unlink(missing_ok=True)
        return
    pending = _parse_manifest(raw, pending_manifest.name)
    if isinstance(pending, DataProblem):
        raise UniondashError(f"{data_dir / pending_manifest.name} {pending.problem}: remove it, then try again")
    for name, path in zip(FILES, waiting, strict=True):
        data = _read(path)
        if data is not None and _sha(data) == pending.digests[name]:
            os.replace(path, data_dir / file_name(name))
        elif data is not None:
            path.unlink()
    _sync_dir(data_dir)
    if any(_sha(_read(data_dir / file_name(name))) != pending.digests[name] for name in FILES):
        raise UniondashError(
            f"an interrupted write in {data_dir} cannot be finished (its files are not all there): "
            f"remove {pending_manifest.name}, then check and seal the files with `uniondash validate --seal`"
        )
    os.replace(pending_manifest, data_dir / MANIFEST)
    _sync_dir(data_dir)


def write_data_set(data_dir: Path, tables: Mapping[str, bytes], *, base: str | None = None) -> str:
    """Write the files `tables` (stem → bytes) as the new set of `data_dir`; return its version id.

    A reader takes the whole new set or the old one, never a mix (see the module's docstring). Files not
    given are kept; they must belong to the sealed set (a file edited by hand and not sealed is refused,
    not sealed unseen). `base`: the version the caller read; if the set is another by now,
    `DataSetConflict` and nothing is written. The files are not validated here: callers validate first.
    """
    data_dir = Path(data_dir)
    unknown = sorted(set(tables) - set(FILES))
    if unknown:
        raise UniondashError(f"not data files: {', '.join(unknown)} (the data files are {', '.join(FILES)})")
    if not data_dir.is_dir():
        raise UniondashError(f"data directory not found: {data_dir}")
    try:
        with _locked(data_dir):
            _finish_pending(data_dir)
            return _write_locked(data_dir, tables, base)
    except OSError as error:
        raise UniondashError(
            f"cannot write the data set in {data_dir}: {error.strerror or error}; nothing was written, "
            "the old files are kept"
        ) from error


def _write_locked(data_dir: Path, tables: Mapping[str, bytes], base: str | None) -> str:
    current = read_files(data_dir)
    manifest_raw = _read(data_dir / MANIFEST)
    has_manifest = manifest_raw is not None and isinstance(_parse_manifest(manifest_raw, MANIFEST), _Manifest)
    if base is not None and base != current.version:
        raise DataSetConflict(
            f"the data in {data_dir} changed since it was read (version {base}, now {current.version}); "
            "nothing was written: read it again"
        )
    kept = [name for name in FILES if name not in tables]
    not_sealed = [file_name(name) for name in kept if file_name(name) in current.unsealed] if has_manifest else []
    missing = [file_name(name) for name in kept if name not in current.tables]
    if not_sealed or missing:
        raise UniondashError(
            f"cannot write a new data set in {data_dir}: "
            + "; ".join(
                [f"{', '.join(not_sealed)} changed since the set was sealed ({SEAL_HINT})"] * bool(not_sealed)
                + [f"{', '.join(missing)} missing"] * bool(missing)
            )
            + "; nothing was written"
        )
    new = {name: tables.get(name, current.tables.get(name, b"")) for name in FILES}
    manifest = manifest_bytes(new)
    if current.sealed and has_manifest and manifest_raw == manifest:
        return current.version  # the same set: nothing to write
    changed = [name for name in FILES if current.tables.get(name) != new[name]]
    waiting = [_pending(data_dir, file_name(name)) for name in changed]
    try:
        for name, path in zip(changed, waiting, strict=True):
            target = data_dir / file_name(name)
            mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
            _write_new(path, new[name], mode)
        _write_new(_pending(data_dir, MANIFEST), manifest, 0o644)  # the commit
        _sync_dir(data_dir)
    except BaseException:
        for path in [*waiting, _pending(data_dir, MANIFEST)]:
            path.unlink(missing_ok=True)
        raise
    try:
        _finish_pending(data_dir)
    except OSError as error:
        # Committed: readers take the new set from where its files are; the next writer (or
        # `validate --seal`) moves them into place, and `uniondash status` says so meanwhile.
        logger.warning("data set in %s written, not yet moved into place (%s)", data_dir, error)
    return tables_version(new)


def seal(data_dir: Path, checked: DataSet) -> str:
    """Seal the files of `data_dir` as they were read and checked (`checked`, from `read_files`).

    Refused if a file changed since it was read: what is sealed is exactly what was checked."""
    missing = [file_name(name) for name in FILES if name not in checked.tables]
    if missing:
        raise UniondashError(f"cannot seal {data_dir}: {', '.join(missing)} missing")
    return write_data_set(data_dir, checked.tables, base=checked.version)


def finish_interrupted_write(data_dir: Path) -> None:
    """Move a committed set that a killed writer left into place (or remove an uncommitted one's files)."""
    data_dir = Path(data_dir)
    try:
        with _locked(data_dir):
            _finish_pending(data_dir)
    except OSError as error:
        raise UniondashError(f"cannot finish the interrupted write in {data_dir}: {error.strerror or error}") from error


# A temporary file some writer of the folder makes and renames at once: left only if it died (kill -9,
# power cut) in between. `.NAME.next.XXXXXXXX.tmp` (write_data_set: under the folder's lock) and
# `.NAME.<pid>.tmp` (the desk's marker, others: named by the writer's process id).
_PID_TEMPORARY = re.compile(r"\..+\.(?P<pid>[0-9]{1,10})\.tmp")
# write_data_set's files start with a data file's name: '.facts.csv.next', '.manifest.json.next.k3x9q2_a.tmp'.
_OWN = tuple(f".{name}." for name in (*FILES, "manifest"))


@dataclass(frozen=True)
class Leftovers:
    """Files a writer of the folder leaves only when it dies half-way, and whether one is at work now."""

    stale: tuple[Path, ...]  # of writers that are gone: safe to remove
    live: tuple[Path, ...]  # of a writer at work (it holds the lock, or its process is alive): left alone


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def _leftovers(data_dir: Path, writer_at_work: bool) -> Leftovers:
    committed = _pending(data_dir, MANIFEST).exists()
    stale: list[Path] = []
    live: list[Path] = []
    for path in sorted(data_dir.glob(".*")):
        name = path.name
        if not path.is_file() or path.is_symlink():
            continue
        named_pid = _PID_TEMPORARY.fullmatch(name)
        if named_pid is not None and PENDING_SUFFIX + "." not in name:
            (live if _pid_alive(int(named_pid["pid"])) else stale).append(path)
        elif name.startswith(_OWN) and (name.endswith(".tmp") or (name.endswith(PENDING_SUFFIX) and not committed)):
            # write_data_set's own: its writer holds the folder's lock from first byte to last rename. A
            # committed set's waiting files are not leftovers: readers take them (`finish_interrupted_write`).
            (live if writer_at_work else stale).append(path)
    return Leftovers(tuple(stale), tuple(live))


def find_leftovers(data_dir: Path) -> Leftovers:
    """The temporary files of `data_dir` a killed writer left, without touching them (`uniondash status`)."""
    data_dir = Path(data_dir)
    handle = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _leftovers(data_dir, writer_at_work=True)
        return _leftovers(data_dir, writer_at_work=False)
    finally:
        os.close(handle)


def remove_leftovers(data_dir: Path) -> list[Path]:
    """Remove the temporary files of writers that died (kill -9) half-way; the files removed. Never a live
    writer's: the folder's lock is taken without waiting (a writer holding it keeps its files, and none can
    start meanwhile), and a file named by a process id is removed only if that process is gone."""
    data_dir = Path(data_dir)
    handle = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            writer_at_work = True
        else:
            writer_at_work = False
        removed = []
        for path in _leftovers(data_dir, writer_at_work).stale:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
                logger.info("removed %s, left by a writer that died", path)
        return removed
    finally:
        os.close(handle)  # releases the lock


@dataclass(frozen=True)
class SetStatus:
    """What `uniondash status` says about a data directory's files (no validation: see `load`)."""

    sealed_version: str | None  # the set a reader takes, None if there is none
    pending_version: str | None  # a committed write not yet moved into place
    problems: tuple[DataProblem, ...]  # why the files are not one sealed set


def set_status(data_dir: Path) -> SetStatus:
    """The state of `data_dir`'s data set, read without writing."""
    data_dir = Path(data_dir)
    pending_raw = _read(_pending(data_dir, MANIFEST))
    pending = _parse_manifest(pending_raw, MANIFEST + PENDING_SUFFIX) if pending_raw is not None else None
    pending_version = pending.version if isinstance(pending, _Manifest) else None
    try:
        return SetStatus(read_data_set(data_dir).version, pending_version, ())
    except DataSetError as error:
        return SetStatus(None, pending_version, tuple(error.problems))
