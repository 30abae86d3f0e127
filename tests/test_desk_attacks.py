"""The desk probed as an attacker who wants a number published without approval (issue 27), and what the desk
costs a public page. Each test is one probe that was run by hand against a live `uniondash serve`
(UNIONDASH_DESK=1, curl and requests) and is kept here through Flask's test client, with raw paths where the
probe was a path trick; the races run in two real processes. SYNTHETIC 2024 figures (tests/synthetic.py).
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.dash_requests import page_callback
from tests.desk_support import PASSWORD, Desk, approve, csrf_of, make_desk, post, sign_in, synthetic_workbook, upload
from tests.postgres import create_database, postgres_server
from tests.synthetic import copy_shipped
from uniondash.desk.changes import plan_upload
from uniondash.desk.datasets import read_folder
from uniondash.desk.follower import sync_folder
from uniondash.desk.store import DeskConflict, DeskError, DeskStore
from uniondash.desk.web import EXTENSION_KEY, publish_change


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    made = make_desk(tmp_path)
    yield made
    made.store.close()


@pytest.fixture(scope="module")
def workbook_2024() -> bytes:
    return synthetic_workbook()


def submitted_by(desk: Desk, author: str, workbook: bytes) -> int:
    client = desk.client(author)
    change_id = upload(client, workbook)
    response = post(client, f"/desk/changes/{change_id}/submit", {"note": "SYNTHETIC"}, f"/desk/changes/{change_id}")
    assert response.status_code == 303 and desk.store.change(change_id).status == "submitted"
    return change_id


def published(desk: Desk) -> list[int]:
    return [version.number for version in desk.store.versions()]


# ---------------------------------------------------------------------------------------------------
# Public pages pay nothing for the desk


PUBLIC = [
    ("GET", "/", None),
    ("GET", "/section/workforce?lang=en", None),
    ("POST", "/_dash-update-component", page_callback("/", "?years=2023")),
    ("GET", "/healthz", None),
    ("GET", "/no-such-page", None),
]
# What may run on a public request of a desk app: the follower's pid check (it starts the follower thread in
# a forked worker) and the session interface's path test that hands out Flask's null session.
ALLOWED_DESK_CODE = {"ensure_running", "open_session", "is_desk_path", "make_null_session"}
# /healthz says which published version the folder holds (its marker file: no database).
HEALTH_CODE = {"health", "materialised_version"}


def calls_during(work: Any) -> tuple[set[tuple[str, str]], Any]:
    """(module, function) of every Python function called while `work()` runs in this thread, and its result."""
    ran: set[tuple[str, str]] = set()

    def profile(frame: Any, event: str, _arg: Any) -> None:
        if event == "call":
            ran.add((frame.f_globals.get("__name__", ""), frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        result = work()
    finally:
        sys.setprofile(None)
    return ran, result


def test_a_public_request_runs_none_of_the_desks_hooks(desk: Desk):
    """No database query, no session opened or cookie set, no limiter, Flask-Login or CSRF code at all."""
    state = desk.server.extensions[EXTENSION_KEY]
    me = threading.get_ident()
    queries: list[str] = []

    def on_query(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == me:  # the follower thread polls the database on its own: not a request's
            queries.append(statement)

    sa.event.listen(state.store.engine, "before_cursor_execute", on_query)
    client = desk.client()
    for method, path, body in PUBLIC:  # warm: the first request of a worker starts its follower
        client.open(path, method=method, json=body)
    for method, path, body in PUBLIC:
        allowed = ALLOWED_DESK_CODE | (HEALTH_CODE if path == "/healthz" else set())
        ran, response = calls_during(lambda: client.open(path, method=method, json=body))  # noqa: B023
        assert response.status_code in (200, 404), path
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary, path
        foreign = sorted(
            f"{module}.{name}"
            for module, name in ran
            if module.split(".")[0]
            in ("flask_limiter", "limits", "flask_login", "flask_wtf", "sqlalchemy", "itsdangerous")
            or (module.startswith("uniondash.desk") and name not in allowed)
        )
        assert foreign == [], f"{method} {path} ran desk code: {foreign[:12]}"
    assert queries == []
    # the same watch sees the limiter's storage and the database at work on a desk request: sign-in is still
    # throttled (tests/test_desk.py::test_sign_in_is_throttled_per_account_and_per_address counts it)
    ran, response = calls_during(lambda: sign_in(client, "ann", "a wrong password"))
    assert response.status_code == 401 and queries
    assert {module.split(".")[0] for module, _name in ran} >= {"flask_limiter", "limits", "flask_wtf"}


def test_desk_extensions_hook_only_the_desk_blueprint(desk: Desk):
    """Structurally: the app-level hooks of a desk app are the dashboard's own plus the follower's start."""
    from uniondash.config import Settings
    from uniondash.web.app import create_app

    plain = create_app(copy_shipped(desk.data_dir.parent / "plain"), Settings(page_cache_mb=4), desk=False).server

    def names(server: Any, kind: str) -> list[str]:
        return [
            getattr(getattr(hook, "func", hook), "__qualname__", "?") for hook in getattr(server, kind).get(None, [])
        ]

    for kind in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs"):
        extra = [name for name in names(desk.server, kind) if name not in names(plain, kind)]
        assert extra == (["Follower.ensure_running"] if kind == "before_request_funcs" else []), kind
    assert desk.server.before_request_funcs["desk"], "the desk's own checks are on its blueprint"


# ---------------------------------------------------------------------------------------------------
# Sign-in bypass


def desk_routes(desk: Desk) -> list[tuple[str, set[str]]]:
    out = []
    for rule in desk.server.url_map.iter_rules():
        if rule.endpoint.startswith("desk.") and rule.endpoint != "desk.login":
            path = rule.rule.replace("<int:change_id>", "1").replace("<int:number>", "1").replace("<path:rest>", "x")
            out.append((path, set(rule.methods or ())))
    return out


def test_every_desk_route_by_every_method_refuses_a_visitor(desk: Desk, workbook_2024: bytes):
    submitted_by(desk, "ann", workbook_2024)  # change 1 exists and is awaiting approval
    client = desk.client()
    token = csrf_of(client)  # a visitor's own valid token: CSRF passes, sign-in must still stop them
    routes = desk_routes(desk)
    assert len(routes) >= 20
    for path, methods in routes:
        for method in sorted(methods | {"PUT", "DELETE", "PATCH"}):
            response = client.open(path, method=method, data={"csrf_token": token, "two_person_rule": "off"})
            body = response.get_data(as_text=True)
            if method == "OPTIONS":  # Flask's automatic answer: the methods, nothing else
                assert response.status_code == 200 and body == "", path
            elif method in methods:
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["Location"].startswith("/desk/login"), (method, path)
            else:
                assert response.status_code in (404, 405), (method, path, response.status_code)
    assert published(desk) == [1] and desk.store.change(1).status == "submitted"
    assert desk.store.two_person_rule()


@pytest.mark.parametrize(
    "raw",
    [
        "//desk/",
        "/desk//",
        "/desk/../desk/",
        "/./desk/history",
        "/desk/./history",
        "/DESK/",
        "/desk/history/",
        "/desk/audit.csv/",
        "/desk;/history",
        "/desk/login/../history",
        "/desk/versions/1.zip/",
        "/desk/preview/1/../../history",
        "/desk/changes/01",
        "/desk/changes/+1",
        "/desk/changes/-1",
        "/desk/\x00/history",
    ],
)
def test_path_tricks_never_reach_a_desk_page_signed_out(desk: Desk, raw: str):
    """Paths as gunicorn hands them on (decoded: %2e, %2f and %64 arrive as '.', '/' and 'd')."""
    client = desk.client()
    for method in ("GET", "HEAD", "POST"):
        response = client.open("/", method=method, environ_overrides={"PATH_INFO": raw, "RAW_URI": raw})
        status = response.status_code
        if status == 303:
            assert response.headers["Location"].startswith("/desk/login"), raw
        else:
            assert status in (308, 400, 404, 405), (method, raw, status)
        if status in (200, 308):
            assert "desk" not in response.get_data(as_text=True).lower() or status == 308, raw


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/desk/history?lang=en", "/desk/history?lang=en"),
        ("/desk/\r\nSet-Cookie: x=1", "/desk/"),  # was a 500 after the session had been made
        ("/desk/../../evil", "/desk/"),
        ("/desk/%2e%2e/%2e%2e/evil", "/desk/"),
        ("/desk/\t//evil.example", "/desk/"),
        ("/desk//evil.example", "/desk/"),
        ("//evil.example/desk/", "/desk/"),
        ("/desk/\\evil.example", "/desk/"),
        ("https://evil.example/desk/", "/desk/"),
    ],
)
def test_sign_in_goes_on_only_to_a_plain_desk_path(desk: Desk, target: str, lands: str):
    client = desk.client()
    token = csrf_of(client)
    response = client.post(
        "/desk/login", query_string={"next": target}, data={"name": "bob", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["Location"] == lands


# ---------------------------------------------------------------------------------------------------
# CSRF


def test_csrf_tokens_of_another_session_from_before_sign_in_or_in_the_query_are_refused(
    desk: Desk, workbook_2024: bytes
):
    editor = desk.client()
    before_sign_in = csrf_of(editor)
    assert sign_in(editor, "ann").status_code == 303
    change_id = upload(editor, workbook_2024)
    path = f"/desk/changes/{change_id}/submit"
    someone_else = csrf_of(desk.client("bob"), "/desk/")
    mine = csrf_of(editor, "/desk/")
    attempts = [
        {"data": {"note": "x", "csrf_token": someone_else}},
        {"data": {"note": "x"}, "headers": {"X-CSRFToken": someone_else}},
        {"data": {"note": "x", "csrf_token": before_sign_in}},  # the sign-in made a new session
        {"data": {"note": "x"}, "query_string": {"csrf_token": mine}},  # only a form field or a header counts
        {"json": {"note": "x", "csrf_token": mine}},
    ]
    for attempt in attempts:
        response = editor.post(path, **attempt)
        assert response.status_code == 400, attempt
    assert desk.store.change(change_id).status == "draft"
    assert editor.post(path, data={"note": "x", "csrf_token": mine}).status_code == 303  # the right one works


# ---------------------------------------------------------------------------------------------------
# Session fixation and sessions that must end


def test_a_cookie_from_before_sign_in_does_not_survive_it(desk: Desk):
    victim = desk.client()
    victim.get("/desk/login")
    planted = victim.get_cookie("uniondash_desk", path="/desk").value
    assert sign_in(victim, "bob").status_code == 303
    signed_in = victim.get_cookie("uniondash_desk", path="/desk").value
    assert signed_in != planted
    attacker = desk.server.test_client()
    attacker.set_cookie("uniondash_desk", planted, path="/desk")
    assert attacker.get("/desk/").status_code == 303
    # a cookie made up with a known session id but not signed by the server is nobody
    forged = desk.server.test_client()
    forged.set_cookie("uniondash_desk", '{"_user_id":"x","_fresh":true}', path="/desk")
    assert forged.get("/desk/").status_code == 303


@pytest.mark.parametrize("command", [["user", "disable", "bob"], ["user", "passwd", "bob", "--password-stdin"]])
def test_disabling_or_a_new_password_ends_live_sessions_mid_flow(desk: Desk, workbook_2024: bytes, command: list[str]):
    """The CLI, as the operator runs it, while the publisher has the approval page open: the approval fails."""
    from uniondash.cli import cli

    change_id = submitted_by(desk, "ann", workbook_2024)
    publisher = desk.client("bob")
    token = csrf_of(publisher, f"/desk/changes/{change_id}")
    database = desk.server.extensions[EXTENSION_KEY].config.database_url
    result = CliRunner().invoke(
        cli,
        [*command, "--data-dir", str(desk.data_dir)],
        input="a new long password\n",
        env={"UNIONDASH_DATABASE_URL": database},
    )
    assert result.exit_code == 0, result.output
    response = publisher.post(f"/desk/changes/{change_id}/approve", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/desk/login")
    assert published(desk) == [1] and desk.store.change(change_id).status == "submitted"


# ---------------------------------------------------------------------------------------------------
# Publishing without a second person


def test_an_editor_cannot_approve_reject_roll_back_bake_or_switch_the_rule(desk: Desk, workbook_2024: bytes):
    change_id = submitted_by(desk, "ann", workbook_2024)
    editor = desk.client("ann")
    page = f"/desk/changes/{change_id}"
    for path in (f"{page}/approve", f"{page}/reject", "/desk/versions/1/rollback", "/desk/versions/1/bake"):
        assert post(editor, path, {"reason": "x"}, page).status_code == 403, path
    assert post(editor, "/desk/settings", {"two_person_rule": "off"}).status_code == 403
    assert desk.store.two_person_rule() and published(desk) == [1]
    assert desk.store.change(change_id).status == "submitted"
    actions = {row["action"] for row in desk.store.audit_rows()}
    assert not actions & {"approve", "reject", "rollback", "bake", "setting"}


def test_nobody_submits_or_withdraws_anothers_change_nor_approves_their_own(desk: Desk, workbook_2024: bytes):
    bob = desk.client("bob")
    change_id = upload(bob, workbook_2024)
    page = f"/desk/changes/{change_id}"
    ann = desk.client("ann")
    assert post(ann, f"{page}/submit", {"note": "x"}, page).status_code == 403
    assert post(ann, f"{page}/withdraw", page=page).status_code == 403
    assert post(bob, f"{page}/submit", {"note": "mine"}, page).status_code == 303
    assert approve(bob, change_id).status_code == 403  # two-person rule
    assert published(desk) == [1]
    cai = desk.client("cai")
    assert approve(cai, change_id).status_code == 303
    assert published(desk) == [2, 1]
    again = post(desk.client("cai"), f"{page}/approve", page=page)  # approving it twice: nothing more
    assert again.status_code == 403 and published(desk) == [2, 1]


def test_a_submitted_change_cannot_be_reviewed_again_and_approval_publishes_what_was_checked(
    desk: Desk, workbook_2024: bytes
):
    """The draft cannot be replaced after submission through the desk; and should its files differ from what
    the approving request checked and diffed (changed under it), the store publishes nothing."""
    change_id = submitted_by(desk, "ann", workbook_2024)
    page = f"/desk/changes/{change_id}"
    editor = desk.client("ann")
    checked = desk.store.change(change_id)
    assert post(editor, f"{page}/review", {"source_id": "x"}, page).status_code == 403
    assert desk.store.change(change_id).files == checked.files
    # the data under the change is swapped between the check and the transaction (as a re-upload would)
    shipped_hashes = desk.store.version(1).files
    with desk.store.engine.begin() as connection:
        connection.execute(
            sa.text("update changes set files = :f where id = :id"),
            {"f": json.dumps(shipped_hashes, sort_keys=True), "id": change_id},
        )
    with pytest.raises(DeskConflict, match="not what was checked"):
        desk.store.approve(checked, "bob", {})
    assert published(desk) == [1] and desk.store.change(change_id).status == "submitted"
    # and what is approved is the change's data as the approving request reads it, byte for byte
    with desk.store.engine.begin() as connection:
        connection.execute(
            sa.text("update changes set files = :f where id = :id"),
            {"f": json.dumps(checked.files, sort_keys=True), "id": change_id},
        )
    assert publish_change(desk.store, desk.store.change(change_id), "bob") == 2
    assert desk.store.version(2).files == checked.files


def test_an_approval_is_of_the_data_the_publisher_saw(desk: Desk, workbook_2024: bytes):
    """The approve form carries a mark of the data set its page showed: a POST without it, or after the data
    under the change became another set (as a re-upload would make it), publishes nothing."""
    change_id = submitted_by(desk, "ann", workbook_2024)
    page = f"/desk/changes/{change_id}"
    publisher = desk.client("bob")
    shown = publisher.get(page).get_data(as_text=True)
    mark = re.search(r'name="reviewed" value="([0-9a-f]{32})"', shown)
    assert mark, "the approve form carries the mark of what it shows"
    token = csrf_of(publisher, page)
    refused = publisher.post(f"{page}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "不是你核对的那一份" in refused.get_data(as_text=True) and published(desk) == [1]
    with desk.store.engine.begin() as connection:  # the data under the change swapped after the page was read
        connection.execute(
            sa.text("update changes set files = :f where id = :id"),
            {"f": json.dumps(desk.store.version(1).files, sort_keys=True), "id": change_id},
        )
    response = publisher.post(f"{page}/approve", data={"csrf_token": token, "reviewed": mark.group(1)})
    assert response.status_code == 303 and published(desk) == [1]
    assert desk.store.change(change_id).status == "submitted"


def test_the_two_person_rule_is_read_inside_the_approving_transaction(desk: Desk, workbook_2024: bytes):
    change_id = submitted_by(desk, "bob", workbook_2024)
    mine = desk.store.change(change_id)
    desk.store.set_setting("two_person_rule", "off", "bob")
    desk.store.set_setting("two_person_rule", "on", "cai")  # switched back on before the approval commits
    with pytest.raises(DeskError, match="two-person rule"):
        desk.store.approve(mine, "bob", {})
    assert published(desk) == [1]


# ---------------------------------------------------------------------------------------------------
# Upload names and hostile files


@pytest.mark.parametrize(
    "name",
    ["x" * 5000 + ".xlsx", "报告" * 300 + ".xlsx", "\u202egnp.xlsx", "a\u2066b\u2069.xlsx", "/etc/cron.d/x.xlsx"],
)
def test_long_and_hostile_upload_names_are_shown_short_and_keep_their_kind(desk: Desk, workbook_2024: bytes, name: str):
    change_id = upload(desk.client("ann"), workbook_2024, name)
    change = desk.store.change(change_id)
    assert change.status == "draft", change.plan  # a long name used to lose '.xlsx' and be refused
    assert len(change.upload_name) <= 100 and change.upload_name.endswith(".xlsx")
    assert not {"/", "\u202e", "\u2066", "\u2069"} & set(change.upload_name)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def parts(workbook: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


MACRO_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCTYPE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Types>&e;</Types>'
HOSTILE_DOCUMENTS = {
    # name: (make from the SYNTHETIC workbook, what the refusal says in English)
    "renamed-xlsm.xlsx": (
        lambda wb: zip_of(
            {**parts(wb), "[Content_Types].xml": parts(wb)["[Content_Types].xml"].replace(SHEET_MAIN, MACRO_MAIN)}
        ),
        "macro",
    ),
    "zip-of-text.docx": (lambda wb: zip_of({"notes.txt": b"hello", "../../evil": b"x"}), "not a Word document"),
    "workbook-renamed.docx": (lambda wb: wb, "not a Word document"),
    "xxe.docx": (lambda wb: zip_of({"[Content_Types].xml": DOCTYPE, "word/document.xml": b"<w/>"}), "DOCTYPE"),
    "macro.docx": (
        lambda wb: zip_of(
            {
                "[Content_Types].xml": b'<Types><Override PartName="/word/document.xml" '
                b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
                "word/document.xml": b"<w/>",
                "word/vbaProject.bin": b"\x00" * 64,
            }
        ),
        "macro",
    ),
    "fake.pdf": (lambda wb: b"%PDF-1.4\n" + b"0" * 1000, "not a readable PDF"),
    "bomb.docx": (
        lambda wb: zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * (200 * 1024 * 1024)}),
        "",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE_DOCUMENTS))
def test_hostile_documents_through_the_desk_are_refused_and_nothing_is_written(
    desk: Desk, workbook_2024: bytes, name: str
):
    make, says = HOSTILE_DOCUMENTS[name]
    before = read_folder(desk.data_dir)
    change_id = upload(desk.client("ann"), make(workbook_2024), name)
    change = desk.store.change(change_id)
    assert change.status == "invalid" and change.files is None, change.plan
    problems = " ".join(problem["en"] for problem in change.plan["problems"])
    assert says in problems, problems
    assert read_folder(desk.data_dir) == before and published(desk) == [1]


def test_a_chunked_upload_without_a_length_is_refused_unread(desk: Desk):
    """No Content-Length to refuse it by: it would be parsed (and spooled) until it passed the limit."""
    editor = desk.client("ann")
    token = csrf_of(editor)
    head = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n'
    ).encode()
    body = head + b"PK\x03\x04" + b"\x00" * (12 * 1024 * 1024) + b"\r\n--b--\r\n"
    response = editor.post(
        "/desk/upload",
        input_stream=io.BytesIO(body),
        content_type="multipart/form-data; boundary=b",
        environ_overrides={"wsgi.input_terminated": True},
        headers={"Transfer-Encoding": "chunked"},
    )
    assert response.status_code == 411 and "Content-Length" in response.get_data(as_text=True)
    assert desk.store.changes() == []


# ---------------------------------------------------------------------------------------------------
# Races between two publishers, in two processes


def _approve_in_a_process(url: str, change_id: int, publisher: str, barrier: Any, results: Any) -> None:
    store = DeskStore.open(url)
    change = store.change(change_id)
    assert change is not None
    barrier.wait()
    try:
        results.put((change_id, publisher, "published", publish_change(store, change, publisher)))
    except DeskConflict as conflict:
        results.put((change_id, publisher, "conflict", str(conflict)))
    finally:
        store.close()


def race(url: str, attempts: list[tuple[int, str]]) -> list[tuple[int, str, str, Any]]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(attempts))
    results = context.Queue()
    processes = [
        context.Process(target=_approve_in_a_process, args=(url, change_id, who, barrier, results))
        for change_id, who in attempts
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return outcomes


def prepared(store: DeskStore, data_dir: Path, workbook: bytes | None) -> int:
    """A submitted change on the published version: the SYNTHETIC 2024 set, or the folder's own set again."""
    base = store.published()
    assert base is not None
    files = store.files(base.files)
    if workbook is not None:
        _kind, draft, plan = plan_upload("synthetic.xlsx", workbook, files)
        assert draft is not None, plan
        files = draft
    change_id = store.create_change(
        author="ann",
        base_version=base.number,
        source_kind="workbook",
        upload_name="synthetic.xlsx",
        upload=b"SYNTHETIC",
        files=files,
        plan={"ok": True},
    )
    store.submit(change_id, "ann", "SYNTHETIC")
    return change_id


@pytest.fixture(params=["sqlite", "postgresql"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.sqlite3'}"
        return
    with postgres_server() as server:
        yield create_database(server, "desk_attacks_race")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_two_publishers_in_two_processes_never_lose_an_update(race_url: str, tmp_path: Path, workbook_2024: bytes):
    data_dir = copy_shipped(tmp_path / "data")
    store = DeskStore.open(race_url)
    assert sync_folder(store, data_dir) == 1
    for round_number in range(3):
        base = store.published_number()
        first, second = prepared(store, data_dir, workbook_2024), prepared(store, data_dir, None)
        # two changes on the same version at the same moment: one is published, the other is told
        outcomes = race(race_url, [(first, "bob"), (second, "cai")])
        kinds = sorted(outcome[2] for outcome in outcomes)
        assert kinds == ["conflict", "published"], (round_number, outcomes)
        winner = next(outcome for outcome in outcomes if outcome[2] == "published")
        loser = next(outcome for outcome in outcomes if outcome[2] == "conflict")
        assert store.published_number() == base + 1 == winner[3]
        assert store.change(winner[0]).status == "approved" and store.change(loser[0]).status == "submitted"
        assert store.version(base + 1).change_id == winner[0]
        # the same change approved by both at once: published once
        twice = prepared(store, data_dir, workbook_2024 if round_number % 2 else None)
        outcomes = race(race_url, [(twice, "bob"), (twice, "cai")])
        assert sorted(outcome[2] for outcome in outcomes) == ["conflict", "published"], outcomes
        assert store.published_number() == base + 2
    numbers = [version.number for version in store.versions()]
    assert numbers == list(range(len(numbers), 0, -1))  # no gap, no number twice
    approvals = [row for row in store.audit_rows() if row["action"] == "approve"]
    assert len(approvals) == len(numbers) - 1  # one audit entry per published version, none for a loser
    store.close()


# ---------------------------------------------------------------------------------------------------
# Slow uploads: the shipped nginx takes the whole body before the app sees a byte of it


def two_ports() -> tuple[int, int]:
    """The app's and nginx's ports: UNIONDASH_TEST_DESK_PORTS ("8620,8621") when a machine assigns ports."""
    from tests.test_serving import free_port

    given = os.environ.get("UNIONDASH_TEST_DESK_PORTS", "")
    if given:
        app, proxy = (int(part) for part in given.split(","))
        return app, proxy
    return free_port(), free_port()


@pytest.fixture
def desk_behind_nginx(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`uniondash serve` (1 worker, the desk on) behind nginx with deploy/nginx.conf; nginx's port, the app log."""
    import subprocess

    from tests.test_nginx import PUBLIC_HOST, main_conf, require_nginx, site_conf, stop, wait_until_answering
    from tests.test_serving import VENV_BIN, wait_healthy

    nginx = require_nginx()
    app_port, port = two_ports()
    log = tmp_path / "app.log"
    env = {k: v for k, v in os.environ.items() if k not in ("UNIONDASH_CACHE_DIR", "UNIONDASH_REDIS_URL")}
    env |= {
        "UNIONDASH_PUBLIC_URL": f"http://{PUBLIC_HOST}",
        "UNIONDASH_DESK": "1",
        "UNIONDASH_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
    }
    data_dir = copy_shipped(tmp_path / "data")
    command = [str(VENV_BIN / "uniondash"), "serve", "--host", "127.0.0.1", "--port", str(app_port)]
    started: list[subprocess.Popen[bytes]] = []
    with log.open("wb") as out:
        try:
            app = subprocess.Popen(
                [*command, "--workers", "1", "--data-dir", str(data_dir)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            started.append(app)
            wait_healthy(app_port, app)
            site = tmp_path / "uniondash.conf"
            site.write_text(site_conf(app_port, port, tmp_path / "cache"), encoding="utf-8")
            conf = tmp_path / "nginx.conf"
            conf.write_text(main_conf(tmp_path, site), encoding="utf-8")
            proxy = subprocess.Popen(
                [nginx, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            started.append(proxy)
            wait_until_answering(port, proxy)
            yield port, log
        finally:
            for process in reversed(started):
                stop(process)


def test_slow_uploads_hold_no_app_thread_behind_the_shipped_nginx(desk_behind_nginx: tuple[int, Path]):
    """32 uploads that announce 1 MB and send a byte a second (8 times the worker's threads): nginx holds them
    (it passes on only a complete body), so the desk's sign-in page keeps answering through nginx and the app
    never sees one of them. Without nginx each would hold an app thread: that is the deployment's part."""
    import socket
    import time

    from tests.test_nginx import PUBLIC_HOST, request

    port, log = desk_behind_nginx
    head = (
        f"POST /desk/upload HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        "Content-Length: 1000000\r\n\r\n--b\r\n"
    ).encode()
    slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(32)]
    try:
        for sock in slow:
            sock.sendall(head)
        answered = []
        for _ in range(8):
            for sock in slow:
                sock.sendall(b"x")  # still connected: nginx is waiting for the rest
            answered.append(request(port, "GET", "/desk/login")[0])
            time.sleep(1)
        assert answered == [200] * 8
    finally:
        for sock in slow:
            sock.close()
    assert b"/desk/upload" not in log.read_bytes()  # not one slow body reached the app
