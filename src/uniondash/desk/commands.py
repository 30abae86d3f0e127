"""What the `uniondash user …`, `uniondash desk …` and `import-xlsx` commands do with the desk's database.

The CLI (cli.py) only parses options and prints; these functions open the store and act.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from uniondash.desk import accounts
from uniondash.desk.datasets import compare_sets, read_folder, validate
from uniondash.desk.follower import materialised_version, write_marker
from uniondash.desk.store import ENV_DATABASE_URL, SQLITE_NAME, DeskError, DeskStore, database_url


def open_store(data_dir: Path, environ: Mapping[str, str] | None = None) -> DeskStore:
    """The desk's database for this data folder (migrated): $UNIONDASH_DATABASE_URL or desk.sqlite3 beside it."""
    env = os.environ if environ is None else environ
    return DeskStore.open(database_url(data_dir, env))


def desk_configured(data_dir: Path, environ: Mapping[str, str] | None = None) -> bool:
    """A desk database is in use for this folder: its URL is set, or the SQLite file beside the folder exists."""
    env = os.environ if environ is None else environ
    return bool(env.get(ENV_DATABASE_URL, "").strip()) or (Path(data_dir).resolve().parent / SQLITE_NAME).is_file()


def operator() -> str:
    """Who runs a command: the system account (recorded in the audit log as `cli:<name>`)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def add_user(store: DeskStore, name: str, role: str, password: str) -> str:
    cleaned = accounts.check_name(name)
    store.add_user(cleaned, accounts.check_role(role), accounts.hash_password(password), operator())
    return cleaned


def change_password(store: DeskStore, name: str, password: str) -> str:
    cleaned = accounts.normal_name(name)
    store.set_password(cleaned, accounts.hash_password(password), operator())
    return cleaned


def disable_user(store: DeskStore, name: str, disabled: bool = True) -> str:
    cleaned = accounts.normal_name(name)
    store.set_disabled(cleaned, disabled, operator())
    return cleaned


def list_users(store: DeskStore) -> list[dict[str, Any]]:
    return [
        {"name": user.name, "role": user.role, "disabled": user.disabled, "created_at": user.created_at}
        for user in store.users()
    ]


def record_import(store: DeskStore, data_dir: Path, new_files: Mapping[str, bytes], workbook_name: str) -> int:
    """Publish an `import-xlsx` as the next version, before its files are written into the folder.

    The folder must hold the published version (else the import would undo figures published meanwhile).
    A kill between this and the write leaves the database one version ahead: the follower of a running
    server then writes that version into the folder, so folder and history agree again.
    """
    published = store.published()
    if published is None:
        store.ensure_first_version(read_folder(data_dir))
        published = store.published()
    assert published is not None
    on_disk = materialised_version(data_dir)
    if on_disk not in (None, published.number):
        raise DeskError(
            f"数据目录是第 {on_disk} 版，而已发布的是第 {published.number} 版：请等服务器同步后再导入",
            f"the data folder holds version {on_disk} but version {published.number} is published: "
            "let the server bring the folder up to date, then import again",
        )
    validate(new_files)
    old_files = store.files(published.files)
    number = store.publish(
        new_files,
        compare_sets(old_files, new_files),
        actor=operator(),
        kind="cli-import",
        note=f"uniondash import-xlsx {workbook_name}",
        expected_base=published.number,
    )
    return number


def mark_folder(store: DeskStore, data_dir: Path, number: int) -> None:
    version = store.version(number)
    if version is not None:
        write_marker(data_dir, number, version.files)
