"""A data set as files (file stem → bytes): read from a folder, validated, compared, zipped, materialised.

A published version is a whole set of the CSV files `load.FILES` names. Everything here is a plain function
of bytes, except `materialise`, which puts a set into a data folder for the running server to take, only
ever as one sealed set (`datastore.write_data_set`): a worker reads the old set or the new one, never a mix.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from uniondash.datastore import FILES, MANIFEST, manifest_bytes, read_data_set, write_data_set
from uniondash.load import load_tables
from uniondash.model import Dataset

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
# Fields of a figure shown beside its id in a diff.
SHOWN = ("label_zh", "label_en", "as_written", "period_start", "period_end", "source_quote")
# Text that a spreadsheet would run as a formula (the audit CSV, version zips keep the data's own bytes).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def shanghai_time(timestamp: float) -> str:
    """A moment as staff in Zhuzhou read it: 2026-12-07 21:40 (UTC+8)."""
    return datetime.fromtimestamp(timestamp, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def cell(text: str) -> str:
    """A CSV cell no spreadsheet runs as a formula (a leading ' is Excel's own 'this is text')."""
    return "'" + text if text.startswith(FORMULA_START) else text


def read_folder(data_dir: Path) -> dict[str, bytes]:
    """The sealed data set of a folder (`DataSetError` if its files do not match their manifest)."""
    return dict(read_data_set(Path(data_dir)).tables)


def write_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write a set into a new, empty folder, sealed by its manifest when it is complete (a set that
    lacks a file stays unsealed, and the loader then names the missing file)."""
    for stem, data in files.items():
        (folder / f"{stem}.csv").write_bytes(data)
    if all(stem in files for stem in FILES):
        (folder / MANIFEST).write_bytes(manifest_bytes(files))


@contextmanager
def scratch_folder(files: Mapping[str, bytes], name: str = "data") -> Iterator[Path]:
    """The set written into a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="uniondash-desk-") as scratch:
        folder = Path(scratch) / name
        folder.mkdir()
        write_folder(folder, files)
        yield folder


def validate(files: Mapping[str, bytes]) -> Dataset:
    """The set loaded by the loader itself (all checks), or `DataError` naming every problem."""
    return load_tables(files)


def rows_by_id(raw: bytes | None) -> dict[str, dict[str, str]]:
    if not raw:
        return {}
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    out: dict[str, dict[str, str]] = {}
    for row in reader:
        key = (row.get("id") or row.get("fact_id") or "").strip()
        if key:
            out[key] = {column: (value or "").strip() for column, value in row.items() if column}
    return out


def shown(row: Mapping[str, str]) -> dict[str, str]:
    return {column: row.get(column, "") for column in SHOWN}


def compare_sets(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> dict[str, Any]:
    """What a version changes against the one before: figures added, changed (old → new per field), removed,
    each with its quote, and the other files that changed. Plain JSON-able data for the history."""
    old_facts, new_facts = rows_by_id(old.get("facts")), rows_by_id(new.get("facts"))
    changed: dict[str, Any] = {}
    for key in new_facts.keys() & old_facts.keys():
        fields = [
            {"column": column, "old": old_facts[key].get(column, ""), "new": value}
            for column, value in new_facts[key].items()
            if old_facts[key].get(column, "") != value
        ]
        if fields:
            changed[key] = {"fields": fields, **shown(new_facts[key])}
    return {
        "added": {key: shown(new_facts[key]) for key in new_facts if key not in old_facts},
        "changed": dict(sorted(changed.items())),
        "removed": {key: shown(old_facts[key]) for key in old_facts if key not in new_facts},
        "files_changed": sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name)),
    }


def version_zip(number: int, files: Mapping[str, bytes], created: float) -> bytes:
    """A version's data as a zip: its CSV files as the static data package publishes them (formula-like text
    neutralised, no server path) and their `datapackage.json`."""
    from uniondash.publish.datapackage import data_package, package_json, published_tables

    moment = datetime.fromtimestamp(created, UTC)
    published = published_tables(files)
    package = data_package(published, load_tables(files), moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    package["version"] = str(number)
    stamp = moment.astimezone(SHANGHAI).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(published):
            archive.writestr(zipfile.ZipInfo(f"uniondash-v{number}/{name}", stamp), published[name])
        archive.writestr(zipfile.ZipInfo(f"uniondash-v{number}/datapackage.json", stamp), package_json(package))
    return buffer.getvalue()


def materialise(data_dir: Path, files: Mapping[str, bytes]) -> None:
    """Put a whole set into the data folder for the server's workers to take, as one new sealed set.

    `write_data_set` commits it with one rename: a publishing process killed at any moment leaves the old
    set or the new one, and every reader takes one whole set (see `datastore`'s docstring)."""
    write_data_set(Path(data_dir), dict(files))
