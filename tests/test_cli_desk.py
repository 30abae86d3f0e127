"""`uniondash user …`, `uniondash desk migrate`, and `import-xlsx` recording its imports in the desk's history."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.desk_support import PASSWORD, synthetic_workbook
from uniondash.cli import cli
from uniondash.desk import accounts
from uniondash.desk.commands import open_store
from uniondash.desk.follower import materialised_version
from uniondash.load import load_dataset


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_user_add_list_passwd_disable(data_copy: Path):
    folder = str(data_copy)
    added = run(
        "user", "add", "Wang", "--role", "publisher", "--password-stdin", "--data-dir", folder, stdin=PASSWORD + "\n"
    )
    assert added.exit_code == 0 and "Added publisher wang" in added.output
    prompt = run("user", "add", "li", "--role", "editor", "--data-dir", folder, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompt.exit_code == 0, prompt.output
    listed = run("user", "list", "--data-dir", folder)
    assert [line.split() for line in listed.output.splitlines()] == [
        ["li", "editor", "active"],
        ["wang", "publisher", "active"],
    ]
    store = open_store(data_copy)
    first_hash = store.user("wang").password_hash
    assert first_hash.startswith("$argon2id$") and PASSWORD not in first_hash
    assert (
        run("user", "passwd", "wang", "--password-stdin", "--data-dir", folder, stdin="another long one\n").exit_code
        == 0
    )
    assert accounts.verify_password(store.user("wang").password_hash, "another long one")
    assert run("user", "disable", "li", "--data-dir", folder).exit_code == 0
    assert store.user("li").disabled
    assert "li" in run("user", "list", "--data-dir", folder).output.split("disabled")[0]
    actions = [row["action"] for row in store.audit_rows()]
    assert {"user-add", "user-passwd", "user-disable"} <= set(actions)
    store.close()


def test_user_errors_are_one_line_without_traceback(data_copy: Path):
    folder = str(data_copy)
    short = run("user", "add", "wang", "--role", "editor", "--password-stdin", "--data-dir", folder, stdin="short\n")
    assert short.exit_code == 1 and "password too short" in short.output and "Traceback" not in short.output
    bad_name = run("user", "add", "../x", "--role", "editor", "--password-stdin", "--data-dir", folder, stdin=PASSWORD)
    assert bad_name.exit_code == 1 and "account name" in bad_name.output
    run("user", "add", "wang", "--role", "editor", "--password-stdin", "--data-dir", folder, stdin=PASSWORD)
    again = run("user", "add", "wang", "--role", "editor", "--password-stdin", "--data-dir", folder, stdin=PASSWORD)
    assert again.exit_code == 1 and "already exists" in again.output
    missing = run("user", "passwd", "nobody", "--password-stdin", "--data-dir", folder, stdin=PASSWORD)
    assert missing.exit_code == 1 and "no account nobody" in missing.output
    role = run("user", "add", "zhao", "--role", "admin", "--password-stdin", "--data-dir", folder, stdin=PASSWORD)
    assert role.exit_code == 2


def test_desk_migrate_makes_the_folder_version_1(data_copy: Path):
    result = run("desk", "migrate", "--data-dir", str(data_copy))
    assert result.exit_code == 0 and "published version 1" in result.output
    assert materialised_version(data_copy) == 1 and (data_copy.parent / "desk.sqlite3").is_file()


def test_import_xlsx_records_its_import_in_the_desk_history(data_copy: Path, tmp_path: Path):
    workbook = tmp_path / "figures-2024.xlsx"
    workbook.write_bytes(synthetic_workbook(data_copy))
    without = run("import-xlsx", str(workbook), "--dry-run", "--data-dir", str(data_copy))
    assert without.exit_code == 0 and not (data_copy.parent / "desk.sqlite3").exists()  # no desk: nothing recorded
    assert run("desk", "migrate", "--data-dir", str(data_copy)).exit_code == 0
    result = run("import-xlsx", str(workbook), "--data-dir", str(data_copy))
    assert result.exit_code == 0 and "Recorded in the desk's history as version 2." in result.output, result.output
    store = open_store(data_copy)
    version = store.published()
    assert version.number == 2 and version.kind == "cli-import" and version.actor.startswith("cli")
    assert set(version.diff["added"]) == {"workforce-talent-total-2024", "workforce-high-skilled-2024"}
    assert store.files(version.files)["facts"] == (data_copy / "facts.csv").read_bytes()
    assert materialised_version(data_copy) == 2
    assert "workforce-talent-total-2024" in set(load_dataset(data_copy).facts["id"])
    store.close()
