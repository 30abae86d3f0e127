"""The review grid (dash-ag-grid) of a report's proposed rows, over HTTP: a SYNTHETIC report (tests only,
never in data/) uploaded, the grid drawn for its uploader only, every Dash endpoint behind sign-in and the
review permission, callbacks refused without their CSRF header, and the decisions saved through the same
path as the table form (a draft, or the problems by row and column with the decisions kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.desk_support import Desk, make_desk, upload
from tests.test_desk_review import SOURCE, SYNTHETIC_REPORT
from uniondash.desk.changes import REVIEW_FIELDS, apply_review
from uniondash.desk.grid import grid_rows, highlight, page_lang, review_form


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path, annual_source=True)


def grid_path(change_id: int) -> str:
    return f"/desk/changes/{change_id}/grid/"


def draw_body(search: str = "") -> dict[str, Any]:
    """The grid page's draw callback as dash-renderer posts it."""
    return {
        "output": "..grid-page.children...grid-skip.children...grid-save.children..",
        "outputs": [
            {"id": "grid-page", "property": "children"},
            {"id": "grid-skip", "property": "children"},
            {"id": "grid-save", "property": "children"},
        ],
        "inputs": [{"id": "grid-url", "property": "search", "value": search}],
        "changedPropIds": ["grid-url.search"],
        "state": [],
    }


def save_body(rows: list[dict[str, Any]] | None, source_id: str | None, search: str = "") -> dict[str, Any]:
    """The save callback as dash-renderer posts it: the grid's rows as edited and the source chosen."""
    return {
        "output": "..grid-go.href...grid-status.children...grid-problems.children..",
        "outputs": [
            {"id": "grid-go", "property": "href"},
            {"id": "grid-status", "property": "children"},
            {"id": "grid-problems", "property": "children"},
        ],
        "inputs": [{"id": "grid-save", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["grid-save.n_clicks"],
        "state": [
            {"id": "review-grid", "property": "rowData", "value": rows},
            {"id": "grid-source", "property": "value", "value": source_id},
            {"id": "grid-url", "property": "search", "value": search},
        ],
    }


def callback(client: FlaskClient, change_id: int, body: dict[str, Any], token: str | None = "") -> Any:
    """POST a callback; `token` "" takes the client's own _csrf_token cookie, None sends no header."""
    if token == "":
        cookie = client.get_cookie("_csrf_token", path="/desk/changes/")
        assert cookie is not None, "the grid page sets the CSRF cookie for its callbacks"
        token = cookie.value
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(grid_path(change_id) + "_dash-update-component", json=body, headers=headers)


def opened(client: FlaskClient, change_id: int) -> list[dict[str, Any]]:
    """Open the grid page as a browser does and draw it; the grid's rowData."""
    page = client.get(grid_path(change_id))
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    drawn = callback(client, change_id, draw_body())
    assert drawn.status_code == 200, drawn.get_data(as_text=True)[:300]
    found = find_prop(drawn.get_json(), "rowData")
    assert found is not None
    return found


def find_prop(tree: Any, name: str) -> Any:
    if isinstance(tree, dict):
        if name in tree:
            return tree[name]
        for value in tree.values():
            found = find_prop(value, name)
            if found is not None:
                return found
    if isinstance(tree, list):
        for value in tree:
            found = find_prop(value, name)
            if found is not None:
                return found
    return None


def test_a_report_lands_on_the_grid_each_row_beside_its_marked_sentence(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    page = editor.get(grid_path(change_id))
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and f"{grid_path(change_id)}_dash-component-suites/" in html
    english = editor.get(grid_path(change_id) + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert f"<title>Review the rows proposed from the report #{change_id} · Data desk" in english
    rows = opened(editor, change_id)
    assert [(row["n"], row["figure"], row["decision"]) for row in rows] == [
        (1, "120家", "accept"),
        (2, "930人", "accept"),
    ]
    assert rows[0]["before"] + rows[0]["figure"] + rows[0]["after"] == "2024年，全市新建职工书屋120家。"
    drawn = callback(editor, change_id, draw_body("?lang=en")).get_json()
    assert find_prop(drawn, "dashGridOptions")["suppressRowVirtualisation"] is True
    decision = next(c for c in find_prop(drawn, "columnDefs") if c["field"] == "decision")
    assert decision["refData"] == {"accept": "Accept", "correct": "Correct", "drop": "Drop"}
    assert "Table form" in json.dumps(drawn)


def test_the_upload_redirects_to_the_grid(desk: Desk):
    from tests.desk_support import csrf_of

    editor = desk.client("ann")
    token = csrf_of(editor, "/desk/")
    response = editor.post(
        "/desk/upload",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(SYNTHETIC_REPORT), "report-2024.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/grid/")


def test_every_grid_endpoint_needs_sign_in_and_the_uploaders_review(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    for rest in ("", "_dash-layout", "_dash-dependencies", "assets/review_grid.js"):
        answer = editor.get(grid_path(change_id) + rest)
        assert answer.status_code == 200, rest
        assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Frame-Options"] == "DENY", rest
        anonymous = desk.server.test_client().get(grid_path(change_id) + rest)
        assert anonymous.status_code == 303 and "/desk/login" in anonymous.headers["Location"], rest
        other = desk.client("bob").get(grid_path(change_id) + rest)
        assert other.status_code == 403, rest
    signed_out = desk.server.test_client()
    refused = signed_out.post(grid_path(change_id) + "_dash-update-component", json=draw_body())
    assert refused.status_code in (303, 400) and b"120" not in refused.get_data()
    # Another account with its own valid token: refused by the permission, not only by CSRF.
    bob = desk.client("bob")
    bob_token = csrf_token_of(bob)
    assert (
        bob.post(
            grid_path(change_id) + "_dash-update-component", json=draw_body(), headers={"X-CSRFToken": bob_token}
        ).status_code
        == 403
    )


def csrf_token_of(client: FlaskClient) -> str:
    from tests.desk_support import csrf_of

    return csrf_of(client, "/desk/")


def test_callbacks_need_the_csrf_header_of_their_own_session(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    rows = opened(editor, change_id)
    body = save_body([{**row, "decision": "drop"} for row in rows], SOURCE)
    assert callback(editor, change_id, body, token=None).status_code == 400  # no X-CSRFToken header
    other = desk.client("ann")  # the same account, another session: its token is not this session's
    other.get(grid_path(change_id))
    stolen = other.get_cookie("_csrf_token", path="/desk/changes/").value
    assert callback(editor, change_id, body, token=stolen).status_code == 400
    assert callback(editor, change_id, body, token="forged").status_code == 400
    assert desk.store.change(change_id).status == "review"  # nothing saved


def test_correct_one_drop_one_makes_the_draft_through_the_same_path(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    rows = opened(editor, change_id)
    rows[0]["decision"] = "drop"
    rows[1] |= {"decision": "correct", "label_en": "SYNTHETIC children of workers in need helped"}
    saved = callback(editor, change_id, save_body(rows, SOURCE, "?lang=en"))
    assert saved.status_code == 200
    assert saved.get_json()["response"]["grid-go"]["href"] == f"/desk/changes/{change_id}?lang=en"
    change = desk.store.change(change_id)
    assert change.status == "draft" and change.plan["review_of"]["decisions"] == ["drop", "correct"]
    assert [(row["as_written"], row["label_en"]) for row in change.plan["added"]] == [
        ("930人", "SYNTHETIC children of workers in need helped")
    ]
    audit = [row for row in desk.store.audit_rows(limit=20) if row["action"] == "review"]
    assert audit and audit[0]["actor"] == "ann"
    # the change is no longer under review: its grid is closed
    assert editor.get(grid_path(change_id)).status_code == 403


def test_problems_named_by_row_and_column_and_the_decisions_kept(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    rows = opened(editor, change_id)
    rows[1]["decision"] = "drop"
    answer = callback(editor, change_id, save_body(rows, SOURCE)).get_json()["response"]
    assert "grid-go" not in answer and "有问题" in answer["grid-status"]["children"]
    table = json.dumps(answer["grid-problems"]["children"], ensure_ascii=False)
    assert "label_en" in table and "programme_id" in table
    change = desk.store.change(change_id)
    assert change.status == "review" and change.plan["decisions"] == ["accept", "drop"]
    assert {p["row"] for p in change.plan["problems"]} == {1}
    again = opened(editor, change_id)  # another try: the decisions as left
    assert [row["decision"] for row in again] == ["accept", "drop"]
    # no source, or a row without its decision: named, nothing saved
    no_source = callback(editor, change_id, save_body(again, None)).get_json()["response"]
    assert "来源" in no_source["grid-status"]["children"]
    one_row = callback(editor, change_id, save_body(again[:1], SOURCE)).get_json()["response"]
    assert "第 2 行" in one_row["grid-status"]["children"]
    assert desk.store.change(change_id).plan["decisions"] == ["accept", "drop"]


def test_review_form_is_the_table_forms_fields_and_ignores_what_is_not_a_row():
    plan = {
        "rows": [
            {"id": "a", "as_written": "120家", "context": "新建职工书屋120家。", "value": "120", "confidence": 0.9},
            {"id": "b", "as_written": "930人", "context": "资助930名", "value": "930"},
        ],
        "decisions": ["drop"],
    }
    rows = grid_rows(plan)
    assert [row["decision"] for row in rows] == ["drop", "accept"]
    assert (rows[1]["before"], rows[1]["figure"]) == ("资助930名", "")  # not there word for word: no mark
    rows[1] |= {"decision": "correct", "value": 931}
    junk: list[Any] = ["x", {"i": True, "decision": "drop"}, {"i": 999, "decision": "drop"}, {"i": -1}]
    form = review_form([*rows, *junk], SOURCE)
    assert form["decision-0"] == "drop" and form["value-1"] == "931" and form["source_id"] == SOURCE
    assert set(form) == {"source_id"} | {f"{key}-{i}" for i in (0, 1) for key in ("decision", *REVIEW_FIELDS)}
    _corrected, decisions, kept = apply_review(plan["rows"], form, SOURCE)
    assert decisions == ["drop", "correct"] and [row["value"] for _, row in kept] == ["931"]
    assert review_form(None, 7) == {"source_id": ""}
    assert highlight("abc", "") == ("abc", "", "") and page_lang("?lang=en&x=1") == "en" and page_lang(None) == "zh"


def test_a_save_while_the_database_is_down_says_so_and_keeps_the_grid(desk: Desk):
    from uniondash.desk.grid import ACTOR_KEY, grid_app
    from uniondash.desk.store import DeskUnavailable

    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    found = desk.store.change(change_id)

    def down(*_args: Any) -> Any:
        raise DeskUnavailable("数据库无法连接", "the database cannot be reached")

    app = grid_app(change_id, grid_path(change_id), "/desk/", lambda _n: (found, {}), down)
    client = app.server.test_client()
    rows = [{"i": 0, "decision": "drop"}, {"i": 1, "decision": "drop"}]
    answer = client.post("/_dash-update-component", json=save_body(rows, SOURCE), environ_base={ACTOR_KEY: "ann"})
    assert answer.status_code == 200
    assert answer.get_json()["response"] == {"grid-status": {"children": "数据库无法连接"}}
    # Without the account the blueprint hands over, the app saves nothing.
    assert client.post("/_dash-update-component", json=save_body(rows, SOURCE)).status_code == 403
