"""The desk's Flask blueprint at /desk: thin routes over the store, the permission function and the planner.

Flask's tutorial boundary: sign-in lives here, one `login_required` every view wears, nothing of it in the
public views. Every POST carries a CSRF token (Flask-WTF, checked here for the desk only: the dashboard's
callbacks stay as they are); sign-in is throttled per account and per address (Flask-Limiter) and answers
an unknown account and a wrong password alike. The session cookie lives under /desk only (public pages
never receive it), HttpOnly, SameSite=Lax, Secure when the request came over TLS; it holds a random
token whose hash the database keeps, made anew at every sign-in (no fixation), ended by sign-out, by a
password change, by disabling the account, or after the idle time. Every desk answer is `no-store`, and
never framed (security_headers.py: `frame-ancestors 'none'`).
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Response as WerkzeugResponse

from uniondash.desk import accounts
from uniondash.desk.changes import (
    DECISIONS,
    MAX_UPLOAD_BYTES,
    REPORT_SUFFIXES,
    REVIEW_FIELDS,
    display_name,
    plan_upload,
    report_workbook,
)
from uniondash.desk.datasets import compare_sets, rows_by_id, shanghai_time, validate, version_zip, write_folder
from uniondash.desk.follower import Follower, sync_folder
from uniondash.desk.grid import ACTOR_KEY, grid_app
from uniondash.desk.permissions import Action, Actor, ChangeRef, allowed
from uniondash.desk.preview import prefixed, relink
from uniondash.desk.review import ReviewSaved, record_review, source_choices
from uniondash.desk.store import (
    Change,
    DeskConflict,
    DeskError,
    DeskStore,
    DeskUnavailable,
    database_url,
    migrate,
    sha256,
)
from uniondash.desk.texts import text
from uniondash.errors import DataError
from uniondash.web.serving import HEALTH_KEY

logger = logging.getLogger(__name__)

PREFIX = "/desk"
EXTENSION_KEY = "uniondash_desk"
COOKIE = "uniondash_desk"
# Dash's renderer sends this cookie back as the X-CSRFToken header on its callback POSTs (the preview).
DASH_CSRF_COOKIE = "_csrf_token"
SIGN_IN_LIMITS_ADDRESS = "10 per minute;60 per hour"
SIGN_IN_LIMITS_ACCOUNT = "5 per minute;20 per hour"
PREVIEWS_KEPT = 3
GRIDS_KEPT = 8
# A grid's save sends every row back (up to MAX_REVIEW_ROWS, each with its sentence): more than a form.
GRID_POST_BYTES = 8 * 1024 * 1024

bp = Blueprint("desk", __name__, url_prefix=PREFIX, template_folder="templates")
csrf = CSRFProtect()


@dataclass
class DeskConfig:
    database_url: str
    idle_seconds: float
    limiter_storage: str = "memory://"
    static_dir: str | None = None
    # The dashboard app factory for previews (web.app.create_app, given by it: the desk never imports it).
    app_factory: Callable[..., Any] | None = None


@dataclass
class DeskState:
    """What the blueprint's views share in one worker."""

    store: DeskStore
    data_dir: Path
    config: DeskConfig
    follower: Follower
    server: Flask
    previews: dict[int, Any] = field(default_factory=dict)
    grids: dict[int, Any] = field(default_factory=dict)
    ready: bool = False

    def make_ready(self) -> None:
        """Migrate and take the signing key once the database answers (it may be down when the app starts)."""
        if self.ready:
            return
        self.store.guarded(lambda: migrate(self.store.engine))
        self.server.secret_key = os.environ.get("UNIONDASH_SECRET_KEY") or self.store.secret_key()
        self.ready = True


class DeskUser:
    """Flask-Login's user: the account and its session token (the id Flask-Login keeps in the cookie)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, actor: Actor, token: str) -> None:
        self.actor = actor
        self.token = token

    def get_id(self) -> str:
        return self.token


def is_desk_path(path: str) -> bool:
    """Is this path under /desk, as the session cookie's `Path=/desk` is (the only paths a browser sends it to)?"""
    return path == PREFIX or path.startswith(PREFIX + "/")


class _DeskSessions(SecureCookieSessionInterface):
    """Flask's signed cookie under /desk only, marked Secure whenever the request itself came over TLS (behind
    nginx too). A public request gets Flask's null session: no cookie read or signed, nothing saved."""

    def open_session(self, app: Flask, request: Any) -> Any:
        # Flask opens the session before it matches the URL: the path is what there is to go by.
        if not is_desk_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


_HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs", "template_context_processors")


@contextmanager
def desk_only(server: Flask) -> Iterator[None]:
    """The per-request hooks that extensions set up inside this block add to the desk's blueprint, not to the
    whole app: Flask-Limiter's checks and counting, Flask-Login's cookie refresh, Flask-WTF's CSRF hook run
    for /desk requests only, and a public request pays for none of them."""
    before = {kind: {id(hook) for hook in getattr(server, kind).get(None, [])} for kind in _HOOKS}
    yield
    for kind in _HOOKS:
        hooks = getattr(server, kind)
        added = [hook for hook in hooks.get(None, []) if id(hook) not in before[kind]]
        hooks[None] = [hook for hook in hooks.get(None, []) if id(hook) in before[kind]]
        hooks.setdefault(bp.name, []).extend(added)


def desk() -> DeskState:
    state: DeskState = g.desk_state
    return state


def lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def t(key: str, **values: Any) -> str:
    words = text(lang(), key)
    return words.format(**values) if values else words


def u(endpoint: str, **values: Any) -> str:
    """A desk URL in the page's language."""
    if lang() == "en":
        values["lang"] = "en"
    return url_for(endpoint, **values)


def actor() -> Actor | None:
    return current_user.actor if current_user.is_authenticated else None


def back_to(endpoint: str, **values: Any) -> WerkzeugResponse:
    return redirect(u(endpoint, **values), code=303)


def client_address() -> str:
    """The sender's address; behind the shipped nginx (a loopback peer), the one nginx appended last."""
    peer = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and peer in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


def account_key() -> str:
    return "account:" + accounts.normal_name(request.form.get("name", ""))[:64]


def desk_target(target: str) -> str | None:
    """`next` after sign-in if it is a plain path under /desk/ of this site, else None: never an open redirect,
    never a path that a browser resolves out of /desk (`..`, `%2e%2e`), never a character a header cannot hold."""
    if not target.startswith(PREFIX + "/") or any(c.isspace() or c == "\\" or not c.isprintable() for c in target):
        return None
    segments = unquote(urlsplit(target).path).split("/")[1:]
    if any(segment in (".", "..") for segment in segments) or "" in segments[:-1]:
        return None
    return target


def failed_sign_in(response: Response) -> bool:
    return response.status_code != 303


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            if g.get("desk_db_down"):
                return _page("db_down", 503)
            return redirect(
                url_for(
                    "desk.login",
                    next=request.full_path if request.method == "GET" else None,
                    lang=lang() if lang() == "en" else None,
                ),
                code=303,
            )
        return view(*args, **kwargs)

    return wrapped


def require(action: Action, change: Change | None = None) -> None:
    """Stop with 403 and the reason unless the permission function says yes."""
    ref = ChangeRef(change.author, change.status) if change else None
    decision = allowed(actor(), action, ref, two_person_rule=desk().store.two_person_rule())
    if not decision:
        g.forbidden_reason = decision.reason(lang())
        abort(403)


def change_or_404(change_id: int) -> Change:
    found = desk().store.change(change_id)
    if found is None:
        abort(404)
    return found


# ---------------------------------------------------------------------------------------------------
# Sign-in


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = ""
    if request.method == "POST":
        name = accounts.normal_name(request.form.get("name", ""))[:64]
        password = request.form.get("password", "")
        user = desk().store.user(name) if accounts.NAME.match(name) else None
        good = accounts.verify_password(user.password_hash if user else None, password)
        if user is not None and good and not user.disabled:
            session.clear()  # nothing from before sign-in survives it (session fixation)
            token = desk().store.start_session(user.name)
            login_user(DeskUser(Actor(user.name, user.role), token))
            if accounts.needs_rehash(user.password_hash):
                desk().store.set_password(user.name, accounts.hash_password(password), user.name)
            return redirect(desk_target(request.args.get("next", "")) or u("desk.home"), code=303)
        desk().store.record(name if user else "-", "sign-in-refused", name if user else "", client_address())
        error = t("bad_login")
    status = 401 if error else 200
    return render_template("desk/login.html", error=error), status


@bp.post("/logout")
@login_required
def logout() -> WerkzeugResponse:
    desk().store.end_session(current_user.token, current_user.actor.name)
    logout_user()
    session.clear()
    return back_to("desk.login")


# ---------------------------------------------------------------------------------------------------
# The desk


@bp.get("/")
@login_required
def home() -> str:
    require("view")
    store = desk().store
    return render_template(
        "desk/home.html",
        published=store.published_number(),
        changes=store.changes(),
        max_mb=MAX_UPLOAD_BYTES // 1024 // 1024,
    )


@bp.post("/upload")
@login_required
def upload() -> WerkzeugResponse:
    require("upload")
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash(t("no_file"), "error")
        return back_to("desk.home")
    try:
        data = sent.stream.read(MAX_UPLOAD_BYTES + 1)
    finally:
        sent.close()  # a large upload is spooled to a temporary file: removed now
    name = display_name(sent.filename)
    store = desk().store
    published = store.published()
    if published is None:
        raise DeskUnavailable("没有已发布的版本", "no published version yet")
    base_files = store.files(published.files)
    kind, files, plan = plan_upload(name, data, base_files)
    change_id = store.create_change(
        author=current_user.actor.name,
        base_version=published.number,
        source_kind=kind,
        upload_name=name,
        upload=data[:MAX_UPLOAD_BYTES],
        files=files,
        plan=plan,
    )
    if kind == "report" and plan.get("review"):
        return redirect(grid_prefix(change_id) + ("?lang=en" if lang() == "en" else ""), code=303)
    return back_to("desk.change", change_id=change_id)


@bp.get("/changes/<int:change_id>")
@login_required
def change(change_id: int) -> str:
    require("view")
    found = change_or_404(change_id)
    store = desk().store
    published = store.published_number()
    me = actor()
    rule = store.two_person_rule()

    def may(action: Action) -> bool:
        return bool(allowed(me, action, ChangeRef(found.author, found.status), two_person_rule=rule))

    return render_template(
        "desk/change.html",
        change=found,
        plan=found.plan,
        published=published,
        stale=found.status in ("draft", "submitted") and published != found.base_version,
        may=may,
        approve_refusal=allowed(me, "approve", ChangeRef(found.author, found.status), two_person_rule=rule).reason(
            lang()
        ),
        sections=_sections(found),
        reviewed=reviewed_mark(found),
    )


def _sections(found: Change) -> list[tuple[str, str]]:
    """(path, label) of the preview's pages."""
    if found.files is None:
        return []
    rows = rows_by_id(desk().store.blob(found.files["sections"])) if "sections" in found.files else {}
    return [(f"section/{key}", row.get("label_zh" if lang() == "zh" else "label_en", key)) for key, row in rows.items()]


@bp.get("/changes/<int:change_id>/upload")
@login_required
def change_upload(change_id: int) -> Response:
    require("view")
    found = change_or_404(change_id)
    suffix = Path(found.upload_name).suffix.lower() if found.upload_name else ""
    suffix = suffix if suffix in (".xlsx", ".txt", ".docx", ".pdf", ".html", ".htm") else ".bin"
    response = Response(desk().store.blob(found.upload_sha), mimetype="application/octet-stream")
    # Our own file name: the sender's is shown in the page, never sent back in a header.
    response.headers["Content-Disposition"] = f'attachment; filename="change-{found.id}{suffix}"'
    return response


@bp.get("/changes/<int:change_id>/proposal.xlsx")
@login_required
def proposal_download(change_id: int) -> Response:
    """A report's proposed rows as the import workbook, to review in Excel and upload back."""
    require("view")
    found = change_or_404(change_id)
    if not found.upload_name or Path(found.upload_name).suffix.lower() not in REPORT_SUFFIXES:
        abort(404)
    store = desk().store
    base = store.version(found.base_version)
    if base is None:  # pragma: no cover - versions are never deleted
        abort(404)
    data = report_workbook(found.upload_name, store.blob(found.upload_sha), store.files(base.files), lang())
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="change-{found.id}-proposal.xlsx"'
    return response


@bp.get("/changes/<int:change_id>/review")
@login_required
def review(change_id: int) -> str:
    found = change_or_404(change_id)
    require("review", found)
    return render_template(
        "desk/review.html",
        change=found,
        plan=found.plan,
        fields=REVIEW_FIELDS,
        decisions=DECISIONS,
        sources=sorted(source_choices(desk().store, found).items()),
        grid_url=grid_prefix(found.id) + ("?lang=en" if lang() == "en" else ""),
    )


@bp.post("/changes/<int:change_id>/review")
@login_required
def review_done(change_id: int) -> WerkzeugResponse:
    """The editor's decisions: the rows kept become a draft (diff, preview, submit), or the problems show."""
    found = change_or_404(change_id)
    require("review", found)
    saved = record_review(desk().store, found, current_user.actor.name, request.form)
    if saved.outcome == "draft":
        return back_to("desk.change", change_id=found.id)
    flash(saved.text(lang()), "error")
    if saved.outcome == "conflict":
        return back_to("desk.change", change_id=found.id)
    return back_to("desk.review", change_id=found.id)


@bp.post("/changes/<int:change_id>/submit")
@login_required
def submit(change_id: int) -> WerkzeugResponse:
    found = change_or_404(change_id)
    require("submit", found)
    note = request.form.get("note", "").strip()[:2000]
    try:
        desk().store.submit(found.id, current_user.actor.name, note)
        flash(t("submitted"), "ok")
    except DeskConflict as conflict:
        flash(conflict.text(lang()), "error")
    return back_to("desk.change", change_id=found.id)


@bp.post("/changes/<int:change_id>/withdraw")
@login_required
def withdraw(change_id: int) -> WerkzeugResponse:
    found = change_or_404(change_id)
    require("withdraw", found)
    try:
        desk().store.withdraw(found.id, current_user.actor.name)
        flash(t("withdrawn"), "ok")
    except DeskConflict as conflict:
        flash(conflict.text(lang()), "error")
    return back_to("desk.change", change_id=found.id)


@bp.post("/changes/<int:change_id>/reject")
@login_required
def reject(change_id: int) -> WerkzeugResponse:
    found = change_or_404(change_id)
    require("reject", found)
    reason = request.form.get("reason", "").strip()[:2000]
    try:
        desk().store.reject(found.id, current_user.actor.name, reason)
        flash(t("rejected"), "ok")
    except DeskConflict as conflict:
        flash(conflict.text(lang()), "error")
    return back_to("desk.change", change_id=found.id)


@bp.post("/changes/<int:change_id>/approve")
@login_required
def approve(change_id: int) -> WerkzeugResponse:
    found = change_or_404(change_id)
    require("approve", found)
    if request.form.get("reviewed", "") != reviewed_mark(found):
        # The page the publisher approved from showed other data (or none): nothing unseen is published.
        flash(t("not_what_was_reviewed"), "error")
        return back_to("desk.change", change_id=found.id)
    state = desk()
    try:
        number = publish_change(state.store, found, current_user.actor.name)
    except (DeskConflict, DeskError) as refused:
        flash(refused.text(lang()), "error")
        return back_to("desk.change", change_id=found.id)
    except DataError as error:
        flash(str(error), "error")
        return back_to("desk.change", change_id=found.id)
    state.follower.wake()
    flash(t("approved_as", n=number), "ok")
    return back_to("desk.change", change_id=found.id)


def reviewed_mark(found: Change) -> str:
    """What the change page's approve form carries: a fingerprint of the data set the publisher saw."""
    return sha256(json.dumps(found.files, sort_keys=True).encode())[:32]


def publish_change(store: DeskStore, found: Change, publisher: str) -> int:
    """Validate the draft with the loader, then publish it in one transaction; the new version's number."""
    if found.files is None:
        raise DeskError("这项修改没有可发布的数据", "this change has no data to publish")
    files = store.files(found.files)
    validate(files)  # a set the loader refuses is never published: everything stays as it was
    base = store.version(found.base_version)
    diff = compare_sets(store.files(base.files) if base else {}, files)
    return store.approve(found, publisher, diff)


# ---------------------------------------------------------------------------------------------------
# History


@bp.get("/history")
@login_required
def history() -> str:
    require("view")
    store = desk().store
    return render_template(
        "desk/history.html",
        versions=store.versions(),
        two_person=store.two_person_rule(),
        static_dir=desk().config.static_dir,
    )


@bp.get("/versions/<int:number>")
@login_required
def version(number: int) -> str:
    require("view")
    found = desk().store.version(number)
    if found is None:
        abort(404)
    return render_template("desk/version.html", version=found)


@bp.get("/versions/<int:number>.zip")
@login_required
def version_download(number: int) -> Response:
    require("view")
    store = desk().store
    found = store.version(number)
    if found is None:
        abort(404)
    data = version_zip(found.number, store.files(found.files), found.created_at)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="uniondash-v{found.number}.zip"'
    return response


@bp.post("/versions/<int:number>/rollback")
@login_required
def rollback(number: int) -> WerkzeugResponse:
    require("rollback")
    store = desk().store
    found = store.version(number)
    current = store.published()
    if found is None or current is None:
        abort(404)
    files = store.files(found.files)
    try:
        validate(files)
        new = store.publish(
            files,
            compare_sets(store.files(current.files), files),
            actor=current_user.actor.name,
            kind="rollback",
            note=request.form.get("note", "").strip()[:2000],
            expected_base=current.number,
            rollback_of=found.number,
            extra_audit=f"version {found.number} published again",
        )
    except DeskError as refused:
        flash(refused.text(lang()), "error")
        return back_to("desk.history")
    desk().follower.wake()
    flash(t("rolled_back", old=found.number, n=new), "ok")
    return back_to("desk.history")


@bp.post("/versions/<int:number>/bake")
@login_required
def bake(number: int) -> WerkzeugResponse:
    require("bake")
    state = desk()
    found = state.store.version(number)
    if found is None:
        abort(404)
    if not state.config.static_dir:
        flash(t("bake_unset"), "error")
        return back_to("desk.history")
    name = f"v{found.number}"
    start_bake(state, found.number, name, current_user.actor.name)
    flash(t("bake_started", name=name), "ok")
    return back_to("desk.history")


def start_bake(state: DeskState, number: int, name: str, who: str) -> None:
    """`uniondash build-static OUT --version vN` of a version's data, in its own process (it takes minutes)."""
    version = state.store.version(number)
    assert version is not None and state.config.static_dir
    folder = Path(tempfile.mkdtemp(prefix="uniondash-bake-")) / "data"
    folder.mkdir()
    for stem, data in state.store.files(version.files).items():
        (folder / f"{stem}.csv").write_bytes(data)
    state.store.record(who, "bake", str(number), f"build-static --version {name}")
    command = [sys.executable, "-m", "uniondash", "build-static", state.config.static_dir, "--version", name]
    command += ["--data-dir", str(folder)]
    store = state.store

    def run() -> None:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        outcome = "done" if result.returncode == 0 else "failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]
        store.record(who, "bake-" + ("done" if result.returncode == 0 else "failed"), str(number), outcome[:500])

    import threading

    threading.Thread(target=run, name="uniondash-bake", daemon=True).start()


@bp.post("/settings")
@login_required
def settings() -> WerkzeugResponse:
    require("settings")
    value = "off" if request.form.get("two_person_rule") == "off" else "on"
    desk().store.set_setting("two_person_rule", value, current_user.actor.name)
    flash(t("saved"), "ok")
    return back_to("desk.history")


@bp.get("/audit")
@login_required
def audit() -> str:
    require("view")
    return render_template("desk/audit.html", rows=desk().store.audit_rows(limit=500))


@bp.get("/audit.csv")
@login_required
def audit_csv() -> Response:
    require("export_audit")
    response = Response(desk().store.audit_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="uniondash-audit.csv"'
    return response


# ---------------------------------------------------------------------------------------------------
# Preview: the whole dashboard on a draft, at its own URL, for signed-in staff only


@bp.route("/preview/<int:change_id>/", defaults={"rest": ""}, methods=["GET", "POST"])
@bp.route("/preview/<int:change_id>/<path:rest>", methods=["GET", "POST"])
@login_required
def preview(change_id: int, rest: str) -> Any:
    require("view")
    found = change_or_404(change_id)
    if found.files is None:
        abort(404)
    app = preview_app(desk(), found)
    prefix = preview_prefix(found.id)
    # Its own routes (/present, /export/…) answer under the prefix; its links are kept on the draft (`relink`).
    answer = mounted(app.server.wsgi_app, prefix, rest)
    answer.set_data(relink(answer.get_data(), answer.mimetype or "", prefix))
    if answer.location:
        answer.location = prefixed(answer.location, prefix)
    return answer


def mounted(wsgi_app: Any, prefix: str, rest: str, extra: dict[str, Any] | None = None) -> Response:
    """The answer of an app mounted at `prefix` (SCRIPT_NAME) to this request for `rest`, uncompressed.

    It answers inside its own context (its Flask contexts never mix with the desk's), read whole; the
    desk's after-request rules (no-store, never framed) then apply to it."""
    environ = {**request.environ, "SCRIPT_NAME": prefix.rstrip("/"), "PATH_INFO": "/" + rest, **(extra or {})}
    environ.pop("HTTP_ACCEPT_ENCODING", None)
    body, status, headers = contextvars.Context().run(run_wsgi_app, wsgi_app, environ, buffered=True)
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return Response(data, status=status, headers=headers)


# ---------------------------------------------------------------------------------------------------
# The review grid: a Dash app per change, for its uploader only while its rows await review


@bp.route("/changes/<int:change_id>/grid/", defaults={"rest": ""}, methods=["GET", "POST"])
@bp.route("/changes/<int:change_id>/grid/<path:rest>", methods=["GET", "POST"])
@login_required
def grid(change_id: int, rest: str) -> Any:
    found = change_or_404(change_id)
    require("review", found)  # every request: the page, its scripts, _dash-layout, each callback
    app = grid_app_for(desk(), found.id)
    return mounted(app.server.wsgi_app, grid_prefix(found.id), rest, {ACTOR_KEY: current_user.actor.name})


def grid_prefix(change_id: int) -> str:
    return f"{PREFIX}/changes/{change_id}/grid/"


def grid_app_for(state: DeskState, change_id: int) -> Any:
    """The grid app of a change; a few kept per worker (each is stateless: it reads the store per request)."""
    if change_id in state.grids:
        return state.grids[change_id]
    store = state.store

    def load(number: int) -> tuple[Change, dict[str, dict[str, str]]] | None:
        found = store.change(number)
        return (found, source_choices(store, found)) if found else None

    def save(found: Change, who: str, form: Mapping[str, str]) -> ReviewSaved:
        return record_review(store, found, who, form)

    app = grid_app(change_id, grid_prefix(change_id), PREFIX + "/", load, save)
    while len(state.grids) >= GRIDS_KEPT:
        state.grids.pop(next(iter(state.grids)))
    state.grids[change_id] = app
    return app


def preview_prefix(change_id: int) -> str:
    return f"{PREFIX}/preview/{change_id}/"


def preview_app(state: DeskState, found: Change) -> Any:
    """The dashboard app on the draft's data, mounted under /desk/preview/<id>/; a few kept per worker."""
    key = found.id
    if key in state.previews:
        return state.previews[key]
    from uniondash.config import Settings

    create_app = state.config.app_factory
    if create_app is None:
        abort(404)
    folder = Path(tempfile.mkdtemp(prefix=f"uniondash-preview-{found.id}-")) / "data"
    folder.mkdir()
    write_folder(folder, state.store.files(found.files or {}))
    # No shared cache: a draft's pages and images never land where the public site reads.
    settings = Settings(cache_dir=None, redis_url=None, page_cache_mb=4)
    app = create_app(folder, settings, url_prefix=preview_prefix(found.id), desk=False)
    while len(state.previews) >= PREVIEWS_KEPT:
        state.previews.pop(next(iter(state.previews)))
    state.previews[key] = app
    return app


# ---------------------------------------------------------------------------------------------------
# Every desk request


@bp.before_request
def before() -> Any:
    state: DeskState = current_app.extensions[EXTENSION_KEY]
    g.desk_state = state
    try:
        state.make_ready()
    except DeskUnavailable:
        return _page("db_down", 503)
    if isinstance(session, NullSession):  # the signing key arrived with this very request: ask again
        return redirect(request.full_path, code=303) if request.method == "GET" else _page("db_down", 503)
    session.permanent = True  # the cookie's lifetime is the idle time, renewed as the desk is used
    if request.method == "POST":
        if request.endpoint == "desk.upload":  # read before the form is parsed (the CSRF check reads it)
            request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024  # the form's fields besides the file
        elif request.endpoint == "desk.grid":
            request.max_content_length = GRID_POST_BYTES
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            return _page("too_large", 413)  # refused unread
        if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            # A body of unknown length would be parsed until it passed the limit: refused unread too
            # (browsers and the shipped nginx always send the length).
            return _page("length_required", 411)
        csrf.protect()
    return None


@bp.after_request
def after(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.vary.add("Cookie")
    dash_path = dash_cookie_path(request.path, request.endpoint)
    if dash_path and getattr(g, "desk_state", None) and current_user.is_authenticated:
        response.set_cookie(
            DASH_CSRF_COOKIE,
            generate_csrf(),
            path=dash_path,
            samesite="Strict",
            secure=request.is_secure,
            httponly=False,  # Dash's renderer reads it to send the X-CSRFToken header
        )
    return response


def dash_cookie_path(path: str, endpoint: str | None) -> str | None:
    """Where the Dash apps of the desk (the preview, the grid) find the CSRF token for their callbacks."""
    if path.startswith(f"{PREFIX}/preview/"):
        return f"{PREFIX}/preview/"
    if endpoint == "desk.grid":
        return f"{PREFIX}/changes/"
    return None


@bp.context_processor
def words() -> dict[str, Any]:
    state: DeskState = current_app.extensions[EXTENSION_KEY]
    return {
        "t": t,
        "u": u,
        "lang": lang(),
        "me": actor() if state.ready else None,
        "when": shanghai_time,
        "csrf_token": generate_csrf,
        "other_lang_url": _other_lang_url(),
        "host_version": state.follower.health().get("version"),
    }


def _other_lang_url() -> str:
    args = request.args.to_dict()
    if lang() == "en":
        args.pop("lang", None)
    else:
        args["lang"] = "en"
    query = urlencode({key: value for key, value in args.items() if key in ("lang", "next")})
    return request.path + (f"?{query}" if query else "")


def _page(key: str, status: int, message: str = "") -> tuple[str, int]:
    title = t("forbidden") if message else t(key)
    return render_template("desk/message.html", title=title, message=message or t(key)), status


@bp.errorhandler(CSRFError)
def csrf_refused(_error: CSRFError) -> Any:
    return _page("csrf", 400)


@bp.errorhandler(RateLimitExceeded)
def throttled(_error: RateLimitExceeded) -> Any:
    return render_template("desk/login.html", error=t("throttled")), 429


@bp.errorhandler(DeskUnavailable)
def database_down(_error: DeskUnavailable) -> Any:
    return _page("db_down", 503)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> Any:
    return _page("too_large", 413)


@bp.errorhandler(403)
def forbidden(_error: HTTPException) -> Any:
    return _page("forbidden", 403, getattr(g, "forbidden_reason", "") or t("forbidden"))


@bp.errorhandler(404)
def not_found(_error: HTTPException) -> Any:
    return _page("not_found", 404)


# ---------------------------------------------------------------------------------------------------
# Registration


def register(
    server: Flask, data_dir: Path, config: DeskConfig, reload: Callable[[], object] | None = None
) -> DeskState:
    """Add the desk to the app's Flask server: blueprint, sign-in, CSRF, throttling, the follower (which runs
    `reload`, the worker's data reload, after each sync)."""
    store = DeskStore.open(config.database_url, run_migrations=False)
    follower = Follower(store, Path(data_dir), reload=reload)
    state = DeskState(store, Path(data_dir), config, follower, server=server)
    server.extensions[EXTENSION_KEY] = state
    server.session_interface = _DeskSessions()
    server.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=int(config.idle_seconds),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in the desk's before_request: the dashboard's callbacks are not forms
        WTF_CSRF_TIME_LIMIT=int(config.idle_seconds),
    )
    manager = LoginManager()
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(token: str) -> DeskUser | None:
        try:
            found = store.session_actor(token, config.idle_seconds)
        except DeskUnavailable:
            g.desk_db_down = True  # login_required answers 503: the visitor is not signed out by an outage
            return None
        return DeskUser(found, token) if found else None

    with desk_only(server):
        csrf.init_app(server)
        manager.init_app(server, add_context_processor=False)
        limiter = Limiter(
            key_func=client_address,
            app=server,
            storage_uri=config.limiter_storage,
            strategy="moving-window",
            default_limits=[],
        )
    server.register_blueprint(bp)
    # This app's sign-in view, wrapped by this app's limiter: failed attempts count, per address and per account.
    by_address = limiter.limit(SIGN_IN_LIMITS_ADDRESS, methods=["POST"], deduct_when=failed_sign_in)
    by_account = limiter.limit(
        SIGN_IN_LIMITS_ACCOUNT, methods=["POST"], key_func=account_key, deduct_when=failed_sign_in
    )
    server.view_functions["desk.login"] = by_address(by_account(login))
    # /healthz says which published version this host serves, and when the database cannot be reached.
    server.extensions.setdefault(HEALTH_KEY, {})["desk"] = state.follower.health
    # Every worker follows the published version, whether or not anyone opens the desk (a pid check per request).
    server.before_request(state.follower.ensure_running)
    try:
        state.make_ready()
    except DeskUnavailable:
        logger.error("desk database unreachable: the desk will answer 503 until it is back")
    # A forked worker (gunicorn preloads the app) must not share the parent's database connections.
    os.register_at_fork(after_in_child=lambda: store.engine.dispose(close=False))
    return state


def desk_config(data_dir: Path, settings: Any) -> DeskConfig:
    """The desk's settings from the server's (`config.Settings`): database, idle time, throttling store."""
    url = settings.database_url or database_url(data_dir, {})
    return DeskConfig(
        database_url=url,
        idle_seconds=settings.desk_idle_hours * 3600,
        limiter_storage=settings.redis_url or "memory://",
        static_dir=settings.static_dir,
    )


def prepare_data_dir(data_dir: Path, config: DeskConfig) -> None:
    """Before the app loads its data: migrate, and bring the folder to the published version (version 1 from
    the folder itself on a new database). A database that cannot be reached leaves the folder as it is."""
    store = DeskStore.open(config.database_url, run_migrations=False)
    try:
        store.guarded(lambda: migrate(store.engine))
        store.guarded(lambda: sync_folder(store, data_dir))
    except DeskUnavailable:
        logger.error("desk database unreachable at start: serving the data folder %s as it is", data_dir)
    finally:
        store.close()
