"""The data desk in headless Chromium (Playwright on Debian's /usr/bin/chromium): the whole flow — an editor
uploads a SYNTHETIC 2024 workbook, reads the diff, opens the preview, submits; a publisher approves; the
public page shows 2024; a rollback takes it back — plus a wrong password, a POST without its CSRF token, an
editor's own approval refused, a signed-out visitor sent to sign in, a keyboard-only run, and axe-core
finding nothing on any desk page in Chinese or English."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, served
from tests.browser.test_accessibility import AXE_TAGS, axe_source, readable
from tests.dash_requests import page_callback
from tests.desk_support import PASSWORD, Desk, make_desk, synthetic_workbook
from uniondash.desk.follower import sync_folder
from uniondash.exports.pdf import CHROMIUM_FLAGS

pytestmark = pytest.mark.browser
WAIT_MS = 60_000  # a ceiling on a loaded machine, not a measurement


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    made = make_desk(tmp_path_factory.mktemp("desk-browser"), annual_source=True)
    yield made
    made.store.close()


@pytest.fixture(scope="module")
def base_url(desk: Desk) -> Iterator[str]:
    with served(desk.server) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} not installed: run `make system` (Debian chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


def sign_in(page: Any, base_url: str, name: str, password: str = PASSWORD, lang: str = "") -> None:
    page.goto(f"{base_url}/desk/login{'?lang=en' if lang == 'en' else ''}")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")


def public_talent_2024(desk: Desk, base_url: str) -> bool:
    """Whether the public workforce page, for 2024, shows the SYNTHETIC 72万人 (as the browser asks for it)."""
    import urllib.request

    body = json.dumps(page_callback("/section/workforce", "?years=2024")).encode()
    request = urllib.request.Request(
        f"{base_url}/_dash-update-component", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return "72万人" in json.dumps(json.loads(response.read()), ensure_ascii=False)


def wait_public(desk: Desk, base_url: str, expected: bool) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        sync_folder(desk.store, desk.data_dir)  # as each host's follower does every second
        desk.server.extensions["uniondash_desk"].follower.wake()
        if public_talent_2024(desk, base_url) is expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"the public page never {'showed' if expected else 'dropped'} the 2024 figures")


def test_whole_flow_upload_diff_preview_submit_approve_public_rollback(
    page: Any, desk: Desk, base_url: str, tmp_path: Path
):
    workbook = tmp_path / "figures-2024.xlsx"
    workbook.write_bytes(synthetic_workbook())
    assert not public_talent_2024(desk, base_url)
    sign_in(page, base_url, "ann")
    page.set_input_files("#file", str(workbook))
    page.click("form[action*=upload] button[type=submit]")
    page.wait_for_selector("#diff-added")
    assert "workforce-talent-total-2024" in page.inner_text("#diff-added")
    assert page.inner_text("#diff-added mark") in ("72万人", "14万人")
    change_url = page.url
    # the preview: the whole dashboard on the draft, at its own URL
    page.click("#preview-links a >> nth=0")
    page.wait_for_selector("#main")
    assert "/desk/preview/" in page.url
    page.goto(change_url)
    page.fill("#note", "SYNTHETIC 2024 talent figures")
    page.click("#submit-button")
    page.wait_for_selector("text=已提交审批")
    # the editor cannot approve: no button, and a forged POST with the page's token is refused
    assert page.locator("#approve-button").count() == 0
    status = page.evaluate(
        """async () => { const t = document.querySelector('input[name=csrf_token]').value;
           const r = await fetch(location.pathname + '/approve', {method: 'POST',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf_token=' + encodeURIComponent(t)});
           return r.status; }"""
    )
    assert status == 403
    page.click("text=退出")
    sign_in(page, base_url, "bob")
    page.goto(change_url)
    page.click("#approve-button")
    page.wait_for_selector("text=已发布为第 2 版")
    wait_public(desk, base_url, True)
    page.goto(f"{base_url}/desk/history")
    page.click("#versions button[aria-label='重新发布此版本 v1']")
    page.wait_for_selector("text=已将第 1 版重新发布为第 3 版")
    wait_public(desk, base_url, False)


def test_wrong_password_and_signed_out_visitor(page: Any, base_url: str):
    response = page.goto(f"{base_url}/desk/history")
    assert page.url.startswith(f"{base_url}/desk/login") and response.status == 200
    sign_in(page, base_url, "ann", "not the password")
    assert page.inner_text("#login-error") == "账户名或密码不正确"
    sign_in(page, base_url, "nobody-here", PASSWORD, lang="en")
    assert page.inner_text("#login-error") == "Wrong account name or password"


def test_a_post_without_csrf_token_is_refused(page: Any, base_url: str):
    sign_in(page, base_url, "ann")
    status = page.evaluate(
        """async () => (await fetch('/desk/settings', {method: 'POST',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'two_person_rule=off'})).status"""
    )
    assert status == 400


def test_keyboard_only_sign_in_and_submit(page: Any, desk: Desk, base_url: str, tmp_path: Path):
    workbook = tmp_path / "figures-2024.xlsx"
    workbook.write_bytes(synthetic_workbook())
    page.goto(f"{base_url}/desk/login")
    page.keyboard.press("Tab")  # the skip link
    for key in ("Tab", "Tab"):  # the language link, then the account name (focused first by autofocus)
        page.keyboard.press(key)
    page.focus("#name")
    page.keyboard.type("ann")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#file")
    page.set_input_files("#file", str(workbook))  # the file chooser itself is the system's
    page.focus("#file")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#note")
    page.focus("#note")
    page.keyboard.type("keyboard only")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit-button"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=已提交审批")


def desk_pages(desk: Desk) -> list[str]:
    changes = desk.store.changes()
    pages = ["/desk/login", "/desk/", "/desk/history", "/desk/audit", "/desk/versions/1"]
    pages += [f"/desk/changes/{change.id}" for change in changes[:2]]
    return pages


def test_axe_finds_nothing_on_any_desk_page(page: Any, desk: Desk, base_url: str):
    from uniondash.desk.changes import plan_upload

    published = desk.store.published()
    for data in (synthetic_workbook(), b"not a workbook"):
        kind, files, plan = plan_upload("figures.xlsx", data, desk.store.files(published.files))
        desk.store.create_change(
            author="ann",
            base_version=published.number,
            source_kind=kind,
            upload_name="figures.xlsx",
            upload=data,
            files=files,
            plan=plan,
        )
    sign_in(page, base_url, "bob")
    found = {}
    for path in desk_pages(desk):
        for lang in ("zh", "en"):
            url = f"{base_url}{path}{'?lang=en' if lang == 'en' else ''}"
            if path == "/desk/login":
                context = page.context.browser.new_context()
                login_page = context.new_page()
                login_page.goto(url)
                violations = run_axe(login_page)
                context.close()
            else:
                page.goto(url)
                violations = run_axe(page)
            if violations:
                found[url] = readable(violations)
    assert not found, "\n".join(f"{url}:\n{text}" for url, text in found.items())


def run_axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source())
    return page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))
          .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))""",
        AXE_TAGS,
    )


def test_review_of_a_report_keyboard_only_and_axe_finds_nothing(page: Any, desk: Desk, base_url: str, tmp_path: Path):
    from tests.test_desk_review import SOURCE, SYNTHETIC_REPORT

    report = tmp_path / "report-2024.txt"
    report.write_bytes(SYNTHETIC_REPORT)
    sign_in(page, base_url, "ann")
    page.wait_for_selector("#file")
    page.set_input_files("#file", str(report))  # the file chooser itself is the system's
    page.focus("#file")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    # The upload lands on the grid; the table form is one link away (the same decisions, the same save).
    page.wait_for_selector("#table-form-link")
    page.focus("#table-form-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-rows")
    review_url = page.url
    assert "<mark>120家</mark>" in page.inner_html("#sentence-0")
    found = {}
    for lang in ("zh", "en"):
        page.goto(review_url + ("?lang=en" if lang == "en" else ""))
        violations = run_axe(page)
        if violations:
            found[lang] = readable(violations)
    assert not found, "\n".join(f"{lang}:\n{text}" for lang, text in found.items())
    page.goto(review_url)
    # Keyboard only: the source by typing its first letters, a radio group by its arrows, fields by Tab.
    page.focus("#source_id")
    page.keyboard.type(SOURCE[:4])
    assert page.eval_on_selector("#source_id", "e => e.value") == SOURCE
    page.focus("input[name=decision-0][value=accept]")
    page.keyboard.press("ArrowRight")  # correct
    page.keyboard.press("ArrowRight")  # drop
    page.focus("input[name=decision-1][value=accept]")
    page.keyboard.press("ArrowRight")  # correct
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "label_zh-1"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "label_en-1"
    page.keyboard.type("SYNTHETIC children of workers in need helped")
    page.focus("#review-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#submit-button")
    change = desk.store.changes()[0]
    assert change.status == "draft" and change.plan["review_of"]["decisions"] == ["drop", "correct"]
    assert [row["as_written"] for row in change.plan["added"]] == ["930人"]


# SYNTHETIC: an invented 2024 report of four figures (tests only, never in data/).
SYNTHETIC_GRID_REPORT = (
    "株洲市总工会2024年工作报告（SYNTHETIC，测试用，非真实数据）\n"
    "2025年1月10日\n"
    "2024年，全市新建职工书屋120家。全年开展“金秋助学”活动，资助困难职工子女930人。"
    "全年为困难职工发放救助金1200万元。新建户外劳动者服务站点35个。\n"
).encode()


def focused(page: Any) -> tuple[str | None, str | None]:
    """(row index, column id) of the grid cell that has the keyboard focus."""
    return tuple(  # type: ignore[return-value]
        page.evaluate(
            """() => { const e = document.activeElement;
                return [e.closest('.ag-row')?.getAttribute('row-index') ?? null, e.getAttribute('col-id')]; }"""
        )
    )


def grid_type(page: Any, words: str) -> None:
    """Edit the focused cell from the keyboard: Enter opens its editor, the words replace its text, Enter keeps."""
    page.keyboard.press("Enter")
    page.wait_for_selector(".ag-cell-inline-editing input:focus")
    page.keyboard.press("Control+A")
    page.keyboard.type(words)
    page.keyboard.press("Enter")
    page.wait_for_selector(".ag-cell-inline-editing", state="detached")


def test_review_grid_keyboard_only_correct_drop_accept_and_axe_finds_nothing(
    page: Any, desk: Desk, base_url: str, tmp_path: Path
):
    from tests.test_desk_review import SOURCE

    report = tmp_path / "report-2024.txt"
    report.write_bytes(SYNTHETIC_GRID_REPORT)
    sign_in(page, base_url, "ann")
    page.wait_for_selector("#file")
    page.set_input_files("#file", str(report))  # the file chooser itself is the system's
    page.focus("#file")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".ag-row[row-index='3']")  # the grid is the first thing the editor sees
    grid_url = page.url
    assert grid_url.endswith("/grid/")
    change_id = int(grid_url.rstrip("/").split("/")[-2])
    # Every row is in the page (no virtualisation), each beside its sentence with the figure marked.
    assert page.locator(".ag-center-cols-container .ag-row").count() == 4
    assert page.inner_html(".ag-row[row-index='1'] [col-id=sentence] mark") == "930人"
    found = {}
    for lang in ("zh", "en"):
        page.goto(grid_url + ("?lang=en" if lang == "en" else ""))
        page.wait_for_selector(".ag-row[row-index='3']")
        violations = run_axe(page)
        if violations:
            found[lang] = readable(violations)
    assert not found, "\n".join(f"{lang}:\n{text}" for lang, text in found.items())
    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if "grid-save.n_clicks" in (r.post_data or "") else None)
    page.goto(grid_url)
    page.wait_for_selector(".ag-row[row-index='3']")
    assert page.inner_text("#grid-save") == "生成草稿" and page.inner_text("#grid-status") == ""
    # Keyboard only: the source by typing its first letters; Tab into the grid (its header), arrows, Enter.
    page.focus("#grid-source")
    page.keyboard.type(SOURCE[:4])
    assert page.eval_on_selector("#grid-source", "e => e.value") == SOURCE
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    assert focused(page) == ("0", "n")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert focused(page) == ("0", "decision")
    page.keyboard.press("Enter")  # the decision's list opens on "accept"
    page.wait_for_selector("[role=listbox] [role=option][aria-selected=true]")
    for _ in range(2):  # correct, then drop: each step waits for the list to follow
        before = page.inner_text("[role=listbox] [role=option][aria-selected=true]")
        page.keyboard.press("ArrowDown")
        page.wait_for_function(
            "b => document.querySelector('[role=listbox] [role=option][aria-selected=true]')?.innerText !== b",
            arg=before,
        )
    assert page.inner_text("[role=listbox] [role=option][aria-selected=true]") == "舍弃"
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=listbox]", state="detached")
    assert page.inner_text(".ag-row[row-index='0'] [col-id=decision]") == "舍弃"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert focused(page) == ("1", "label_en")
    page.keyboard.press("Enter")  # Escape leaves a cell as it was: still empty, still accepted
    page.wait_for_selector(".ag-cell-inline-editing input:focus")
    page.keyboard.type("discarded")
    page.keyboard.press("Escape")
    page.wait_for_selector(".ag-cell-inline-editing", state="detached")
    assert page.inner_text(".ag-row[row-index='1'] [col-id=label_en]") == ""
    assert page.inner_text(".ag-row[row-index='1'] [col-id=decision]") == "接受"
    grid_type(page, "SYNTHETIC children of workers in need helped")
    # An edit makes the accepted row a correction, in words in its decision cell.
    assert page.inner_text(".ag-row[row-index='1'] [col-id=decision]") == "更正"
    # Rows 3 and 4 stay accepted as proposed. Tab leaves the grid for the save button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "grid-save"
    assert not saves  # nothing was sent before the button was pressed
    page.keyboard.press("Enter")
    # The proposal has no English label: the accepted rows are refused by the importer, named by row and
    # column, and the decisions are kept (in the page and in the change) for another try.
    page.wait_for_selector("#grid-problems-table")
    named = page.eval_on_selector_all(
        "#grid-problems-table tbody tr", "rows => rows.map(r => [r.cells[1].innerText, r.cells[2].innerText])"
    )
    assert sorted(set(map(tuple, named))) == [("3", "label_en"), ("4", "label_en")]
    assert "有问题" in page.inner_text("#grid-status")
    assert desk.store.change(change_id).plan["decisions"] == ["drop", "correct", "accept", "accept"]
    violations = run_axe(page)
    assert not violations, readable(violations)
    # Back into the grid (Shift+Tab enters at its last cell), left to the label, and the two labels added.
    page.keyboard.press("Shift+Tab")
    assert focused(page) == ("3", "confidence")
    while focused(page)[1] != "label_en" and focused(page)[1] != "n":
        page.keyboard.press("ArrowLeft")
    assert focused(page) == ("3", "label_en")
    grid_type(page, "SYNTHETIC service stations for outdoor workers")
    page.keyboard.press("ArrowUp")
    grid_type(page, "SYNTHETIC hardship relief paid")
    assert page.inner_text(".ag-row[row-index='2'] [col-id=decision]") == "更正"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#diff-added")
    assert page.url.endswith(f"/desk/changes/{change_id}")
    change = desk.store.change(change_id)
    assert change.status == "draft"
    assert change.plan["review_of"]["decisions"] == ["drop", "correct", "correct", "correct"]
    # The draft's diff: exactly the three rows kept, the corrected label in it, the dropped row not.
    added = page.inner_text("#diff-added tbody")
    assert [row["as_written"] for row in change.plan["added"]] == ["930人", "1200万元", "35个"]
    assert "120家" not in added and "930人" in added and "35个" in added
    assert "SYNTHETIC children of workers in need helped" in [row["label_en"] for row in change.plan["added"]]
    assert not change.plan.get("changed")  # nothing of the published figures changes


def synthetic_long_report(figures: int) -> bytes:
    """SYNTHETIC: an invented 2024 report of `figures` sentences, one figure each (a long proposal)."""
    places = ("芦淞区", "荷塘区", "石峰区", "天元区", "渌口区", "醴陵市", "攸县", "茶陵县", "炎陵县")
    sentences = "".join(f"{places[n % 9]}第{n}批SYNTHETIC项目新建职工书屋{n + 10}家。" for n in range(1, figures + 1))
    return f"株洲市总工会2024年工作报告（SYNTHETIC，测试用）\n2025年1月10日\n2024年，{sentences}\n".encode()


def test_review_grid_puts_every_row_of_a_long_proposal_in_the_page(page: Any, base_url: str, tmp_path: Path):
    report = tmp_path / "long-report-2024.txt"
    report.write_bytes(synthetic_long_report(180))
    sign_in(page, base_url, "ann")
    page.wait_for_selector("#file")
    page.set_input_files("#file", str(report))
    page.click("form[action*=upload] button[type=submit]")
    # No virtualisation: all 180 rows are in the page, in order, off screen too (what a screen reader reads).
    page.wait_for_selector(".ag-row[row-index='179']", state="attached")
    indexes = page.eval_on_selector_all(
        ".ag-center-cols-container .ag-row", "rows => rows.map(r => Number(r.getAttribute('row-index')))"
    )
    assert indexes == list(range(180))
    assert page.inner_text(".ag-row[row-index='179'] [col-id=sentence] mark") == "190家"
    # The keyboard reaches the last row: Tab into the grid, Ctrl+ArrowDown to the end.
    page.focus("#grid-source")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Control+ArrowDown")
    assert focused(page) == ("179", "n")
    violations = run_axe(page)
    assert not violations, readable(violations)
