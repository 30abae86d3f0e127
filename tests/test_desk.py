"""The data desk through Flask's test client, on SQLite: sign-in, sessions, CSRF, throttling, uploads, the
diff, submit, the two-person rule, approval, publication into the data folder, history, rollback, the audit
log, races between publishers, and hostile uploads. SYNTHETIC 2024 figures (tests/synthetic.py) throughout."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.desk_support import PASSWORD, Desk, approve, csrf_of, make_desk, post, sign_in, synthetic_workbook, upload
from uniondash.desk.datasets import read_folder
from uniondash.desk.follower import materialised_version, sync_folder
from uniondash.desk.store import DeskConflict, sha256
from uniondash.load import load_dataset


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    made = make_desk(tmp_path)
    yield made
    made.store.close()


@pytest.fixture(scope="module")
def shared_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """One desk for the tests that only add refused or draft changes (each asserts nothing was published)."""
    made = make_desk(tmp_path_factory.mktemp("shared-desk"))
    yield made
    made.store.close()


@pytest.fixture(scope="module")
def workbook_2024() -> bytes:
    return synthetic_workbook()


def sql(desk: Desk, statement: str, **params: object) -> list[tuple]:
    """A statement on the desk's database, in its own closed transaction (rows for a SELECT)."""
    with desk.store.engine.begin() as connection:
        result = connection.execute(sa.text(statement), params)
        return [tuple(row) for row in result] if result.returns_rows else []


def submitted_change(desk: Desk, workbook: bytes, note: str = "SYNTHETIC 2024 talent figures") -> int:
    editor = desk.client("ann")
    change_id = upload(editor, workbook)
    response = post(editor, f"/desk/changes/{change_id}/submit", {"note": note}, page=f"/desk/changes/{change_id}")
    assert response.status_code == 303
    assert desk.store.change(change_id).status == "submitted"
    return change_id


# ---------------------------------------------------------------------------------------------------
# Sign-in and sessions


def test_every_desk_page_sends_a_visitor_to_sign_in(desk: Desk):
    client = desk.client()
    for path in (
        "/desk/",
        "/desk/history",
        "/desk/audit",
        "/desk/audit.csv",
        "/desk/changes/1",
        "/desk/versions/1",
        "/desk/versions/1.zip",
        "/desk/preview/1/",
    ):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/desk/login"), path
    for path in ("/desk/upload", "/desk/changes/1/approve", "/desk/versions/1/rollback", "/desk/settings"):
        response = client.post(path, data={"csrf_token": csrf_of(client)})
        assert response.status_code == 303 and response.headers["Location"].startswith("/desk/login"), path


def test_unknown_account_and_wrong_password_get_the_same_answer(desk: Desk):
    client = desk.client()
    unknown = sign_in(client, "nobody", PASSWORD)
    wrong = sign_in(client, "ann", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    text = lambda r: r.get_data(as_text=True).split('name="csrf_token"')[0]  # noqa: E731
    assert "账户名或密码不正确" in text(unknown) and text(unknown) == text(wrong)
    assert client.get("/desk/").status_code == 303


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(desk: Desk):
    client = desk.client("ann")
    assert client.get("/desk/").status_code == 200
    desk.store.set_disabled("ann", True, "test")
    assert client.get("/desk/").status_code == 303
    assert sign_in(desk.client(), "ann").status_code == 401


def test_session_cookie_is_httponly_lax_under_desk_and_secure_over_tls(desk: Desk):
    client = desk.client()
    response = sign_in(client, "ann")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/desk" in cookie and "Secure" not in cookie
    tls = desk.server.test_client()
    tls_response = tls.post(
        "/desk/login",
        data={"name": "ann", "password": PASSWORD, "csrf_token": csrf_of(tls)},
        base_url="https://localhost",
    )
    assert "Secure" in tls_response.headers["Set-Cookie"]


def test_sign_in_makes_a_new_session_so_a_planted_cookie_is_worth_nothing(desk: Desk):
    """Session fixation: the cookie before sign-in (which an attacker could have planted) does not sign in."""
    client = desk.client()
    client.get("/desk/login")
    planted = client.get_cookie("uniondash_desk", path="/desk").value
    assert sign_in(client, "ann").status_code == 303
    after = client.get_cookie("uniondash_desk", path="/desk").value
    assert after != planted
    attacker = desk.server.test_client()
    attacker.set_cookie("uniondash_desk", planted, path="/desk")
    assert attacker.get("/desk/").status_code == 303  # the planted cookie is still a signed-out visitor
    # and the token behind the session changes at every sign-in
    tokens = {row[0] for row in sql(desk, "select token_hash from sessions")}
    assert sign_in(desk.client(), "ann").status_code == 303
    tokens_after = {row[0] for row in sql(desk, "select token_hash from sessions")}
    assert len(tokens_after - tokens) == 1


def test_sign_out_ends_the_session_even_for_a_copied_cookie(desk: Desk):
    client = desk.client("ann")
    stolen = client.get_cookie("uniondash_desk", path="/desk").value
    assert post(client, "/desk/logout").status_code == 303
    thief = desk.server.test_client()
    thief.set_cookie("uniondash_desk", stolen, path="/desk")
    assert thief.get("/desk/").status_code == 303


def test_idle_sessions_end(desk: Desk):
    client = desk.client("ann")
    token_hash = sql(desk, "select token_hash from sessions")[0][0]
    sql(desk, "update sessions set last_seen = last_seen - 9 * 3600")
    assert client.get("/desk/").status_code == 303
    assert sql(desk, "select count(*) from sessions where token_hash = :t", t=token_hash) == [(0,)]


def test_a_password_change_ends_the_accounts_sessions(desk: Desk):
    client = desk.client("ann")
    desk.store.set_password("ann", "x", "test")
    assert client.get("/desk/").status_code == 303


def test_sign_in_is_throttled_per_account_and_per_address(desk: Desk):
    client = desk.client()
    answers = [sign_in(client, "ann", f"wrong {n}").status_code for n in range(6)]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    assert "尝试次数过多" in sign_in(client, "ann", PASSWORD).get_data(as_text=True)  # even the right password, now
    other = desk.client()
    # another account from the same address still signs in (5 per account), until the address has 10 failures
    assert sign_in(other, "bob").status_code == 303
    for n in range(5):
        assert sign_in(desk.client(), "cai", f"wrong {n}").status_code == 401
    assert sign_in(desk.client(), "bob", "wrong again").status_code == 429  # the address is now throttled
    # behind the shipped nginx, the address is the one nginx appended
    proxied = desk.client()
    assert sign_in(proxied, "bob", PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 303


def test_a_post_without_or_with_a_forged_csrf_token_is_refused(desk: Desk):
    client = desk.client("ann")
    change_id = upload(client, synthetic_workbook())
    for data in ({"note": "x"}, {"note": "x", "csrf_token": "forged"}):
        response = client.post(f"/desk/changes/{change_id}/submit", data=data)
        assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True)
    assert desk.store.change(change_id).status == "draft"
    # sign-in itself needs the token: a login form on another site cannot sign a victim in
    response = desk.client().post("/desk/login", data={"name": "ann", "password": PASSWORD})
    assert response.status_code == 400


def test_desk_answers_are_never_cached_nor_framed_and_public_pages_get_no_cookie(desk: Desk):
    client = desk.client("ann")
    for path in ("/desk/login", "/desk/", "/desk/history"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY"
    public = desk.client().get("/")
    assert public.status_code == 200 and "Set-Cookie" not in public.headers
    assert "frame-ancestors 'self'" in public.headers["Content-Security-Policy"]


# ---------------------------------------------------------------------------------------------------
# The flow


def test_the_shipped_data_is_version_1(desk: Desk):
    version = desk.store.published()
    assert version.number == 1 and version.kind == "shipped"
    assert version.files == {name: sha256(data) for name, data in read_folder(desk.data_dir).items()}
    assert materialised_version(desk.data_dir) == 1


def test_upload_shows_the_diff_with_quotes_and_the_preview(desk: Desk, workbook_2024: bytes):
    editor = desk.client("ann")
    change_id = upload(editor, workbook_2024)
    change = desk.store.change(change_id)
    assert change.status == "draft" and change.base_version == 1
    assert [row["id"] for row in change.plan["added"]] == ["workforce-talent-total-2024", "workforce-high-skilled-2024"]
    page = editor.get(f"/desk/changes/{change_id}").get_data(as_text=True)
    assert "全市人才总量达到<mark>72万人</mark>" in page  # the quote, with its figure highlighted
    assert "workforce-high-skilled-2024" in page and f"/desk/preview/{change_id}/section/workforce" in page
    preview = editor.get(f"/desk/preview/{change_id}/")
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "no-store"
    assert f"/desk/preview/{change_id}/_dash-component-suites/" in preview.get_data(as_text=True)
    assert "_csrf_token" in preview.headers.get("Set-Cookie", "")
    assert read_folder(desk.data_dir) == desk.store.files(desk.store.version(1).files)  # nothing published


def test_the_preview_draws_the_draft_and_its_callbacks_need_the_csrf_header(desk: Desk, workbook_2024: bytes):
    from tests.dash_requests import page_callback as page_request

    editor = desk.client("ann")
    change_id = upload(editor, workbook_2024)
    editor.get(f"/desk/preview/{change_id}/")
    body = page_request(f"/desk/preview/{change_id}/section/workforce", "?years=2024")
    path = f"/desk/preview/{change_id}/_dash-update-component"
    assert editor.post(path, json=body).status_code == 400  # no X-CSRFToken header: refused
    token = editor.get_cookie("_csrf_token", path="/desk/preview/").value
    drawn = editor.post(path, json=body, headers={"X-CSRFToken": token})
    assert drawn.status_code == 200 and "72万人" in json.dumps(drawn.get_json(), ensure_ascii=False)
    public = desk.client().post("/_dash-update-component", json=page_request("/section/workforce", "?years=2024"))
    assert public.status_code == 200 and "72万人" not in json.dumps(
        public.get_json(), ensure_ascii=False
    )  # the public site never shows the draft


def test_whole_flow_submit_two_person_rule_approve_publish_rollback(desk: Desk, workbook_2024: bytes):
    editor, publisher, other = desk.client("ann"), desk.client("bob"), desk.client("cai")
    change_id = upload(publisher, workbook_2024)  # a publisher's own change
    post(publisher, f"/desk/changes/{change_id}/submit", {"note": "SYNTHETIC"}, page=f"/desk/changes/{change_id}")
    refused = approve(publisher, change_id)
    assert refused.status_code == 403 and "双人规则" in refused.get_data(as_text=True)
    assert approve(editor, change_id).status_code == 403  # an editor never approves
    assert desk.store.published().number == 1
    assert approve(other, change_id).status_code == 303
    version = desk.store.published()
    assert (
        version.number == 2 and version.actor == "cai" and version.submitted_by == "bob" and not version.self_approved
    )
    assert set(version.diff["added"]) == {"workforce-talent-total-2024", "workforce-high-skilled-2024"}
    sync_folder(desk.store, desk.data_dir)  # what each host's follower does every second
    assert materialised_version(desk.data_dir) == 2
    assert "workforce-talent-total-2024" in set(load_dataset(desk.data_dir).facts["id"])
    history = publisher.get("/desk/history").get_data(as_text=True)
    assert "v2" in history and "SYNTHETIC" in history
    # rollback: version 1's data as a new version 3; history is not rewritten
    assert post(publisher, "/desk/versions/1/rollback", page="/desk/history").status_code == 303
    assert [v.number for v in desk.store.versions()] == [3, 2, 1]
    v3 = desk.store.version(3)
    assert v3.kind == "rollback" and v3.rollback_of == 1 and v3.files == desk.store.version(1).files
    assert set(v3.diff["removed"]) == {"workforce-talent-total-2024", "workforce-high-skilled-2024"}
    sync_folder(desk.store, desk.data_dir)
    assert read_folder(desk.data_dir) == desk.store.files(desk.store.version(1).files)
    assert post(editor, "/desk/versions/2/rollback", page="/desk/history").status_code == 403


def test_two_person_rule_off_lets_one_publisher_publish_and_the_history_says_so(desk: Desk, workbook_2024: bytes):
    publisher = desk.client("bob")
    assert post(publisher, "/desk/settings", {"two_person_rule": "off"}, page="/desk/history").status_code == 303
    change_id = upload(publisher, workbook_2024)
    post(publisher, f"/desk/changes/{change_id}/submit", {"note": "alone"}, page=f"/desk/changes/{change_id}")
    assert approve(publisher, change_id).status_code == 303
    assert desk.store.published().self_approved
    assert "two-person rule is off" in desk.store.audit_rows(limit=1)[0]["detail"]
    assert "由提交人自己批准" in publisher.get("/desk/history").get_data(as_text=True)
    assert post(desk.client("ann"), "/desk/settings", {"two_person_rule": "on"}, page="/desk/").status_code == 403


def test_reject_with_a_reason(desk: Desk, workbook_2024: bytes):
    change_id = submitted_change(desk, workbook_2024)
    publisher = desk.client("bob")
    post(
        publisher, f"/desk/changes/{change_id}/reject", {"reason": "check the quote"}, page=f"/desk/changes/{change_id}"
    )
    change = desk.store.change(change_id)
    assert change.status == "rejected" and change.reason == "check the quote" and change.decided_by == "bob"
    assert approve(publisher, change_id).status_code == 403
    assert desk.store.published().number == 1


def test_an_editor_cannot_submit_anothers_change(desk: Desk, workbook_2024: bytes):
    change_id = upload(desk.client("bob"), workbook_2024)
    response = post(desk.client("ann"), f"/desk/changes/{change_id}/submit", {"note": "x"}, page="/desk/")
    assert response.status_code == 403 and desk.store.change(change_id).status == "draft"


def test_problems_are_shown_by_sheet_row_and_column_and_nothing_is_written(desk: Desk):
    from tests.synthetic import synthetic_2024_rows

    rows = synthetic_2024_rows()
    rows[1] = {**rows[1], "value": "abc", "metric_id": "no-such-metric"}
    editor = desk.client("ann")
    change_id = upload(editor, synthetic_workbook(rows=rows))
    change = desk.store.change(change_id)
    assert change.status == "invalid" and change.files is None
    problems = {(p["sheet"], p["row"], p["column"]) for p in change.plan["problems"]}
    assert ("全部数据", 3, "value") in problems
    page = editor.get(f"/desk/changes/{change_id}").get_data(as_text=True)
    assert "全部数据" in page and "<code>value</code>" in page and "不是数字" in page
    assert "submit-button" not in page
    assert desk.store.published().number == 1


# ---------------------------------------------------------------------------------------------------
# Races and faults


def test_two_approvals_of_the_same_change_one_wins_the_other_is_told(desk: Desk, workbook_2024: bytes):
    change_id = submitted_change(desk, workbook_2024)
    stale = desk.store.change(change_id)  # both publishers opened the page while it was submitted
    from uniondash.desk.web import publish_change

    results: list[object] = []

    def run(name: str) -> None:
        try:
            results.append(publish_change(desk.store, stale, name))
        except DeskConflict as conflict:
            results.append(conflict)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("bob", "cai")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(type, results), key=str) == sorted([int, DeskConflict], key=str)
    assert [v.number for v in desk.store.versions()] == [2, 1]
    # through the web, the loser is told
    response = approve(desk.client("cai"), change_id)
    assert "不是在等待审批" in response.get_data(as_text=True) or "没有在等待审批" in response.get_data(as_text=True)


def test_two_changes_on_the_same_version_the_second_is_told_it_is_stale(desk: Desk, workbook_2024: bytes):
    first = submitted_change(desk, workbook_2024)
    from tests.synthetic import synthetic_2024_rows

    rows = [
        {**row, "id": row["id"] + "-b", "part_of": row["part_of"] and row["part_of"] + "-b"}
        for row in synthetic_2024_rows()
    ]
    second = submitted_change(desk, synthetic_workbook(rows=rows))
    publisher = desk.client("bob")
    assert approve(publisher, first).status_code == 303
    response = approve(publisher, second)
    page = publisher.get(response.headers["Location"]).get_data(as_text=True)
    assert "数据已更新到第 2 版" in page
    assert desk.store.change(second).status == "submitted" and desk.store.published().number == 2


def test_a_publish_that_fails_validation_leaves_everything_as_it_was(desk: Desk, workbook_2024: bytes):
    change_id = submitted_change(desk, workbook_2024)
    change = desk.store.change(change_id)
    # the draft's facts broken after review (as a damaged row would be): the server's own check refuses it
    broken = desk.store.files(change.files)
    broken["facts"] = broken["facts"].replace(b"72\xe4\xb8\x87\xe4\xba\xba", b"73\xe4\xb8\x87\xe4\xba\xba", 1)
    digest = sha256(broken["facts"])
    with desk.store.engine.begin() as connection:
        connection.execute(
            sa.text("insert into blobs values (:s, :n, :d)"),
            {"s": digest, "n": len(broken["facts"]), "d": broken["facts"]},
        )
        connection.execute(
            sa.text("update changes set files = :f where id = :i"),
            {"f": json.dumps({**change.files, "facts": digest}), "i": change_id},
        )
    before = read_folder(desk.data_dir)
    publisher = desk.client("bob")
    audit_before = len(desk.store.audit_rows())
    response = approve(publisher, change_id)
    assert response.status_code == 303
    assert desk.store.published().number == 1 and desk.store.change(change_id).status == "submitted"
    assert read_folder(desk.data_dir) == before and len(desk.store.audit_rows()) == audit_before


def test_history_and_audit_are_append_only_in_the_database(desk: Desk):
    for statement in (
        "update versions set note = 'x'",
        "delete from versions",
        "update audit set actor = 'x'",
        "delete from audit",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), desk.store.engine.begin() as connection:
            connection.execute(sa.text(statement))


def test_database_unreachable_public_pages_serve_healthz_says_so_desk_cannot_publish(tmp_path: Path):
    import os

    desk = make_desk(tmp_path)
    client = desk.client("ann")
    database = tmp_path / "desk.sqlite3"
    os.chmod(tmp_path, 0o500)
    gone = tmp_path.parent / (tmp_path.name + "-gone")
    try:
        os.chmod(tmp_path, 0o700)
        database.rename(gone)
        database.mkdir()  # a folder where the database was: nothing can open it
        desk.store.engine.dispose()
        desk.server.extensions["uniondash_desk"].store.engine.dispose()
        follower = desk.server.extensions["uniondash_desk"].follower
        follower.sync_once()
        # The public /healthz says only that this host serves its last good data; the operator's status why.
        assert desk.client().get("/healthz").get_data(as_text=True) == "serving last good data\n"
        assert follower.health() == {"version": 1, "problem": "database-unreachable"}
        assert desk.client().get("/").status_code == 200
        response = client.get("/desk/")
        assert response.status_code == 503 and "不能上传或发布" in response.get_data(as_text=True)
    finally:
        database.rmdir()
        gone.rename(database)


# ---------------------------------------------------------------------------------------------------
# History downloads and the audit log


def test_any_version_downloads_as_a_zip_of_csvs_with_its_datapackage(desk: Desk):
    response = desk.client("ann").get("/desk/versions/1.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = set(archive.namelist())
        assert "uniondash-v1/datapackage.json" in names and "uniondash-v1/facts.csv" in names
        assert archive.read("uniondash-v1/facts.csv") == (desk.data_dir / "facts.csv").read_bytes()
        package = json.loads(archive.read("uniondash-v1/datapackage.json"))
    assert package["version"] == "1" and {r["name"] for r in package["resources"]} >= {"facts", "sources"}


def test_the_audit_log_exports_as_csv_with_no_formula(desk: Desk):
    sign_in(desk.client(), "=cmd|' /C calc'!A0", "x")  # a refused sign-in, logged with what was typed? never a formula
    client = desk.client("ann")
    response = client.get("/desk/audit.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    actions = [row["action"] for row in rows]
    assert actions[0] in ("version-1", "user-add") and "sign-in" in actions
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values() if value)


def test_passwords_and_session_tokens_never_reach_the_audit_log_or_the_logs(desk: Desk, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    client = desk.client("ann")
    token_cookie = client.get_cookie("uniondash_desk", path="/desk").value
    sign_in(desk.client(), "ann", "wrong-password-123")
    dump = json.dumps(desk.store.audit_rows()) + caplog.text
    assert PASSWORD not in dump and "wrong-password-123" not in dump and token_cookie not in dump
    tokens = [row[0] for row in sql(desk, "select token_hash from sessions")]
    assert all(len(token) == 64 for token in tokens)  # only hashes are stored


# ---------------------------------------------------------------------------------------------------
# Hostile uploads


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE = {
    "macro.xlsm": (lambda wb: wb, "宏"),
    "vba.xlsx": (lambda wb: zip_bytes({**members(wb), "xl/vbaProject.bin": b"\x00" * 100}), "宏"),
    "bomb.xlsx": (
        lambda wb: zip_bytes({**members(wb), "xl/worksheets/sheet9.xml": b" " * (200 * 1024 * 1024)}),
        "炸弹",
    ),
    "ratio.xlsx": (
        lambda wb: zip_bytes({**members(wb), "xl/sharedStrings2.xml": b"a" * (30 * 1024 * 1024)}),
        "压缩炸弹",
    ),
    "xxe.xlsx": (
        lambda wb: zip_bytes(
            {
                **members(wb),
                "xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            }
        ),
        "DOCTYPE",
    ),
    "not-a-zip.xlsx": (lambda wb: b"PK\x03\x04 this is not a zip", "损坏"),
    "program.exe": (lambda wb: wb, "只接受"),
    "big.xlsx": (lambda wb: b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024), "10 MB"),
}


def members(workbook: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_uploads_are_refused_with_a_reason_and_nothing_is_written(
    shared_desk: Desk, workbook_2024: bytes, name: str
):
    desk = shared_desk
    make, says = HOSTILE[name]
    before = read_folder(desk.data_dir)
    editor = desk.client("ann")
    change_id = upload(editor, make(workbook_2024), name)
    change = desk.store.change(change_id)
    assert change.status == "invalid" and change.files is None
    assert says in " ".join(p["zh"] for p in change.plan["problems"])
    assert read_folder(desk.data_dir) == before and desk.store.published().number == 1


def test_an_upload_over_the_limit_is_refused_before_it_is_read(desk: Desk):
    editor = desk.client("ann")
    token = csrf_of(editor)
    body = (
        (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="file"; filename="huge.xlsx"\r\n\r\n'
        ).encode()
        + b"x" * (11 * 1024 * 1024)
        + b"\r\n--b--\r\n"
    )
    # raw bytes: the test client would spool a large form to a temporary file that the refusal leaves unread
    response = editor.post(
        "/desk/upload",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 413 and "10 MB" in response.get_data(as_text=True)
    assert desk.store.changes() == []


@pytest.mark.parametrize(
    "name",
    [
        "../../../../tmp/evil.xlsx",
        "..\\..\\evil.xlsx",
        "/etc/passwd.xlsx",
        "a\x00b.xlsx",
        "‮xslx.exe.xlsx",
        "C:evil.xlsx",
    ],
)
def test_upload_names_are_never_paths(shared_desk: Desk, workbook_2024: bytes, name: str):
    desk = shared_desk
    editor = desk.client("ann")
    change_id = upload(editor, workbook_2024, name)
    change = desk.store.change(change_id)
    assert change.status == "draft"  # read whatever it was called
    assert "/" not in change.upload_name and "\\" not in change.upload_name and "\x00" not in change.upload_name
    assert "\u202e" not in change.upload_name and ".." not in change.upload_name.strip(".")[:2]
    assert not Path("/tmp/evil.xlsx").exists()
    download = editor.get(f"/desk/changes/{change_id}/upload")
    assert download.headers["Content-Disposition"] == f'attachment; filename="change-{change_id}.xlsx"'
    assert download.data == workbook_2024


def test_the_previews_links_reload_exports_slides_and_briefing_stay_on_the_draft(desk: Desk, workbook_2024: bytes):
    from tests.dash_requests import page_callback as page_request

    editor = desk.client("ann")
    change_id = upload(editor, workbook_2024)
    prefix = f"/desk/preview/{change_id}"
    editor.get(f"{prefix}/")
    token = editor.get_cookie("_csrf_token", path="/desk/preview/").value
    drawn = editor.post(
        f"{prefix}/_dash-update-component",
        json=page_request(f"{prefix}/section/workforce", "?years=2024"),
        headers={"X-CSRFToken": token},
    )
    links = re.findall(r'"(?:href|src)":"(/[^"]*)"', drawn.get_data(as_text=True))
    assert links and all(link.startswith(f"{prefix}/") for link in links), links
    for wanted in ("/section/workforce", "/export/summary.xlsx", "/present", "/briefing"):
        assert any(link.startswith(prefix + wanted) for link in links), wanted
    # share and embed links are absolute: they too name the draft's mount, never the public site
    absolute = re.findall(r'"(?:href|src|value)":"(https?://[^"]*)"', drawn.get_data(as_text=True))
    assert absolute and all(f"://localhost{prefix}/" in link for link in absolute), absolute
    # Reloading a section, the slides, the briefing and the summary workbook are the draft's, not the site's.
    assert editor.get(f"{prefix}/section/workforce?years=2024").status_code == 200
    for path in ("/present?years=2024", "/briefing?years=2024"):
        page = editor.get(prefix + path)
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store", path
        assert "72万" in body, path  # SYNTHETIC 2024 talent figure: only the draft has it
        assert not re.search(r'(?:href|src)="/(?!desk/preview/)', body), path
        assert "72万" not in desk.client().get(path).get_data(as_text=True)  # the public site never has it
    summary = editor.get(f"{prefix}/export/summary.xlsx?years=2024")
    assert summary.status_code == 200 and summary.headers["Cache-Control"] == "no-store"
    assert summary.mimetype.endswith("spreadsheetml.sheet")


def test_a_preview_never_uses_the_public_caches(tmp_path: Path, monkeypatch, workbook_2024: bytes):
    shared = tmp_path / "shared-cache"
    monkeypatch.setenv("UNIONDASH_CACHE_DIR", str(shared))  # the public app's page and image caches
    desk = make_desk(tmp_path)
    editor = desk.client("ann")
    change_id = upload(editor, workbook_2024)
    editor.get(f"/desk/preview/{change_id}/")
    app = desk.server.extensions["uniondash_desk"].previews[change_id]
    from uniondash.exports.images import MemoryCache
    from uniondash.web.page_cache import PageCache
    from uniondash.web.press_routes import EXTENSION_KEY
    from uniondash.web.serving import PAGE_CACHE_KEY

    pages: PageCache = app.server.extensions[PAGE_CACHE_KEY]
    assert pages.shared is None
    assert isinstance(app.server.extensions[EXTENSION_KEY].cache, MemoryCache)
    # while the public app of this environment does share them
    from uniondash.config import Settings
    from uniondash.web.app import create_app

    public = create_app(desk.data_dir, Settings.from_env(), desk=False).server
    assert public.extensions[PAGE_CACHE_KEY].shared is not None
    assert not isinstance(public.extensions[EXTENSION_KEY].cache, MemoryCache)
