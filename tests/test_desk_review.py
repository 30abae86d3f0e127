"""The review of a report's proposed rows (issue 27): a SYNTHETIC report (not from the Zhuzhou report, never
in data/) uploaded, its rows shown beside their sentences, accepted, corrected or dropped, and the rows kept
becoming a draft like a workbook upload (diff, preview, submit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.desk_support import Desk, make_desk, post, upload
from tests.synthetic import SYNTHETIC_2024_SOURCE
from uniondash.desk.changes import apply_review, plan_upload
from uniondash.desk.datasets import read_folder

# SYNTHETIC: an invented 2024 report of two sentences, two figures.
SYNTHETIC_REPORT = (
    "株洲市总工会2024年工作报告（SYNTHETIC，测试用，非真实数据）\n"
    "2025年1月10日\n"
    "2024年，全市新建职工书屋120家。全年开展“金秋助学”活动，资助困难职工子女930人。\n"
).encode()
SOURCE = SYNTHETIC_2024_SOURCE["id"]  # the 2024 annual report's source, in the desk's data (the form needs one)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path, annual_source=True)


def review_page(desk: Desk, change_id: int) -> str:
    return f"/desk/changes/{change_id}/review"


def test_a_report_becomes_proposed_rows_beside_their_sentences(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    change = desk.store.change(change_id)
    assert change.status == "review" and change.source_kind == "report" and change.files is None
    assert [row["as_written"] for row in change.plan["rows"]] == ["120家", "930人"]
    page = editor.get(review_page(desk, change_id)).get_data(as_text=True)
    assert "2024年，全市新建职工书屋<mark>120家</mark>。" in page  # the sentence, its figure highlighted
    assert "资助困难职工子女<mark>930人</mark>。" in page
    # every control is labelled: a legend per row's decision, a label per field
    assert page.count("<legend>") == 2 and 'for="label_en-1"' in page and 'name="decision-1"' in page
    assert read_folder(desk.data_dir) == desk.store.files(desk.store.version(1).files)  # nothing published


def test_accept_correct_and_drop_make_a_draft_with_its_diff_preview_and_submit(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    page = review_page(desk, change_id)
    form = {
        "source_id": SOURCE,
        "decision-0": "drop",
        "decision-1": "correct",
        "label_en-1": "SYNTHETIC children of workers in need helped",
        "value-1": "930",
        "as_written-1": "930人",
    }
    # proposal values of the correct row are sent as the form shows them
    for field in ("label_zh", "qualifier", "period_start", "period_end", "programme_id", "metric_id"):
        form[f"{field}-1"] = str(desk.store.change(change_id).plan["rows"][1][field])
    response = post(editor, page, form, page=page)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/desk/changes/{change_id}")
    change = desk.store.change(change_id)
    assert change.status == "draft", change.plan
    added = change.plan["added"]
    assert [(row["as_written"], row["label_en"]) for row in added] == [
        ("930人", "SYNTHETIC children of workers in need helped")
    ]
    assert change.plan["review_of"]["decisions"] == ["drop", "correct"]
    # Every published figure is kept as it is: unchanged, not "in the data but not in the workbook".
    published = desk.store.files(desk.store.version(change.base_version).files)["facts"].decode().count("\n") - 1
    assert change.plan["missing"] == [] and len(change.plan["unchanged"]) == published > 0
    shown = editor.get(f"/desk/changes/{change_id}").get_data(as_text=True)
    assert "资助困难职工子女<mark>930人</mark>" in shown and "submit-button" in shown
    assert "资助困难职工子女930人" in desk.store.files(change.files)["facts"].decode()
    assert editor.get(f"/desk/preview/{change_id}/").status_code == 200
    submitted = post(
        editor, f"/desk/changes/{change_id}/submit", {"note": "SYNTHETIC"}, page=f"/desk/changes/{change_id}"
    )
    assert submitted.status_code == 303 and desk.store.change(change_id).status == "submitted"


def test_rows_with_problems_stay_under_review_named_by_their_row(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    page = review_page(desk, change_id)
    response = post(editor, page, {"source_id": SOURCE, "decision-0": "accept", "decision-1": "drop"}, page=page)
    assert response.status_code == 303 and response.headers["Location"].endswith(page)
    change = desk.store.change(change_id)
    assert change.status == "review" and change.files is None
    assert change.plan["decisions"] == ["accept", "drop"]
    problems = change.plan["problems"]
    assert problems and {p["row"] for p in problems} == {1} and {p["sheet"] for p in problems} == {""}
    assert {"label_en", "programme_id", "metric_id"} <= {p["column"] for p in problems}
    again = editor.get(page).get_data(as_text=True)
    assert 'id="problems"' in again
    assert re.search(r'name="decision-1" value="drop"\s+checked', again)  # the decisions are kept


def test_only_the_uploader_reviews_with_a_source_and_a_csrf_token(desk: Desk):
    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    page = review_page(desk, change_id)
    assert desk.client("bob").get(page).status_code == 403
    assert editor.post(page, data={"source_id": SOURCE, "decision-0": "drop", "decision-1": "drop"}).status_code == 400
    post(editor, page, {"source_id": "no-such-source", "decision-0": "drop", "decision-1": "drop"}, page=page)
    post(editor, page, {"source_id": SOURCE, "decision-0": "maybe", "decision-1": "drop"}, page=page)
    assert desk.store.change(change_id).status == "review"


def test_apply_review_reads_each_decision_and_only_corrections_change_values():
    rows = plan_upload("r.txt", SYNTHETIC_REPORT, read_folder(Path(__file__).resolve().parents[1] / "data"))[2]["rows"]
    form = {"decision-0": "accept", "decision-1": "correct", "value-0": "999", "value-1": "931"}
    corrected, decisions, kept = apply_review(rows, form, SOURCE)
    assert decisions == ["accept", "correct"]
    assert [(number, row["value"], row["source_id"]) for number, row in kept] == [
        (1, "120", SOURCE),
        (2, "931", SOURCE),
    ]
    assert corrected[0]["value"] == "120"  # an accepted row ignores what its fields say


def test_the_proposal_downloads_as_the_import_workbook_and_uploads_back(desk: Desk):
    import io

    from openpyxl import load_workbook

    editor = desk.client("ann")
    change_id = upload(editor, SYNTHETIC_REPORT, "report-2024.txt")
    assert f'href="/desk/changes/{change_id}/proposal.xlsx"' in editor.get(f"/desk/changes/{change_id}").get_data(
        as_text=True
    )
    response = editor.get(f"/desk/changes/{change_id}/proposal.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="change-{change_id}-proposal.xlsx"'
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["全部数据"]
    header = [cell.value for cell in sheet[1]]
    written = [sheet.cell(row=r, column=header.index("as_written") + 1).value for r in (2, 3)]
    assert written == ["120家", "930人"]
    # Reviewed in Excel: the first row deleted, the second's English label typed and its source chosen;
    # uploaded back as a workbook.
    sheet.cell(row=3, column=header.index("label_en") + 1, value="SYNTHETIC children of workers in need helped")
    sheet.cell(row=3, column=header.index("source_id") + 1, value=SOURCE)
    sheet.delete_rows(2)
    reviewed = io.BytesIO()
    workbook.save(reviewed)
    back = upload(editor, reviewed.getvalue(), "reviewed.xlsx")
    change = desk.store.change(back)
    assert change.status == "draft", change.plan.get("problems")
    assert [row["as_written"] for row in change.plan["added"]] == ["930人"]
    # A workbook upload has no proposal to download; signed out, nothing.
    assert editor.get(f"/desk/changes/{back}/proposal.xlsx").status_code == 404
    assert desk.client().get(f"/desk/changes/{change_id}/proposal.xlsx").status_code in (302, 303)
