"""May this actor do this action on this resource? One function answers, for every desk page and action.

datasette's habit: every check is one question asked in one place. Routes ask `allowed(actor, action,
resource)` and show the `reason` when the answer is no; tests walk the whole table of role × action.

Roles: an *editor* uploads, reviews and submits changes (and may withdraw their own); a *publisher* does
the same and also approves or rejects changes, rolls back, bakes static versions and changes settings.
Two-person rule (on by default): nobody approves a change they submitted themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal[
    "view",  # the desk's pages, the history, a change's diff and preview, version downloads
    "upload",
    "submit",  # a draft of one's own, for approval
    "review",  # accept, correct or drop the rows proposed from a report of one's own
    "withdraw",  # a draft or submitted change of one's own
    "approve",
    "reject",
    "rollback",
    "bake",  # build-static --version of a published version
    "export_audit",
    "settings",
]
ACTIONS: tuple[Action, ...] = (
    "view",
    "upload",
    "review",
    "submit",
    "withdraw",
    "approve",
    "reject",
    "rollback",
    "bake",
    "export_audit",
    "settings",
)
PUBLISHER_ONLY = frozenset({"approve", "reject", "rollback", "bake", "settings"})


@dataclass(frozen=True)
class Actor:
    """Who asks: a signed-in account (None is a visitor who is not signed in)."""

    name: str
    role: str


@dataclass(frozen=True)
class ChangeRef:
    """What a permission needs to know about a change."""

    author: str
    status: str  # invalid | review | draft | submitted | approved | rejected | withdrawn


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason_zh: str = ""
    reason_en: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def reason(self, lang: str) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


YES = Decision(True)


def _no(zh: str, en: str) -> Decision:
    return Decision(False, zh, en)


def allowed(
    actor: Actor | None, action: Action, change: ChangeRef | None = None, *, two_person_rule: bool = True
) -> Decision:
    """The answer, with the reason when it is no (in Chinese and English)."""
    if actor is None:
        return _no("请先登录", "sign in first")
    if actor.role not in ("editor", "publisher"):
        return _no("账户没有角色", "the account has no role")
    if action not in ACTIONS:
        return _no("未知操作", "unknown action")
    if action in PUBLISHER_ONLY and actor.role != "publisher":
        return _no("只有发布人可以这样做", "only a publisher may do this")
    if change is None:
        if action in ("review", "submit", "withdraw", "approve", "reject"):
            return _no("没有指明是哪项修改", "no change named")
        return YES
    own = change.author == actor.name
    if action == "submit":
        if not own:
            return _no("只能提交自己上传的修改", "only the change's author may submit it")
        if change.status != "draft":
            return _no("这项修改不是待提交的草稿", "this change is not a draft awaiting submission")
    elif action == "review":
        if not own:
            return _no("只能审阅自己上传的报告", "only the report's uploader may review its rows")
        if change.status != "review":
            return _no("这项修改没有待审阅的行", "this change has no proposed rows awaiting review")
    elif action == "withdraw":
        if not own:
            return _no("只能撤回自己的修改", "only the change's author may withdraw it")
        if change.status not in ("review", "draft", "submitted", "invalid"):
            return _no("这项修改已经处理，不能撤回", "this change has been decided and cannot be withdrawn")
    elif action in ("approve", "reject"):
        if change.status != "submitted":
            return _no("这项修改没有在等待审批", "this change is not awaiting approval")
        if action == "approve" and own and two_person_rule:
            return _no(
                "双人规则：不能批准自己提交的修改，请另一位发布人审批",
                "two-person rule: you cannot approve a change you submitted; another publisher must",
            )
    return YES
