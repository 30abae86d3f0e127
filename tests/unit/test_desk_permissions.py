"""The desk's one permission function, walked as a table of role × action (× whose change, in which state)."""

from __future__ import annotations

import pytest

from uniondash.desk.permissions import ACTIONS, Actor, ChangeRef, allowed

EDITOR, PUBLISHER, OTHER_PUBLISHER = Actor("ann", "editor"), Actor("bob", "publisher"), Actor("cai", "publisher")

# Actions that need no change, by role: True = allowed.
WITHOUT_CHANGE = {
    "view": (True, True),
    "upload": (True, True),
    "rollback": (False, True),
    "bake": (False, True),
    "export_audit": (True, True),
    "settings": (False, True),
}


@pytest.mark.parametrize("action", list(WITHOUT_CHANGE))
def test_role_by_action_without_a_change(action):
    editor, publisher = WITHOUT_CHANGE[action]
    assert bool(allowed(EDITOR, action)) is editor
    assert bool(allowed(PUBLISHER, action)) is publisher


@pytest.mark.parametrize("action", ACTIONS)
def test_a_visitor_who_is_not_signed_in_may_do_nothing(action):
    decision = allowed(None, action, ChangeRef("ann", "submitted"))
    assert not decision and decision.reason("en") == "sign in first" and decision.reason("zh") == "请先登录"


@pytest.mark.parametrize("action", ACTIONS)
def test_an_account_without_a_known_role_may_do_nothing(action):
    assert not allowed(Actor("x", "admin"), action)


# (actor, action, change author, change status, two-person rule) → allowed
TABLE = [
    # submit: only the author, only a draft
    (EDITOR, "submit", "ann", "draft", True, True),
    (EDITOR, "submit", "bob", "draft", True, False),
    (EDITOR, "submit", "ann", "submitted", True, False),
    (EDITOR, "submit", "ann", "invalid", True, False),
    (PUBLISHER, "submit", "bob", "draft", True, True),
    # withdraw: only the author, before a decision
    (EDITOR, "withdraw", "ann", "submitted", True, True),
    (EDITOR, "withdraw", "ann", "approved", True, False),
    (PUBLISHER, "withdraw", "ann", "submitted", True, False),
    # approve: a publisher, a submitted change, never their own while the rule is on
    (EDITOR, "approve", "ann", "submitted", True, False),
    (EDITOR, "approve", "ann", "submitted", False, False),
    (EDITOR, "approve", "bob", "submitted", True, False),
    (PUBLISHER, "approve", "ann", "submitted", True, True),
    (PUBLISHER, "approve", "bob", "submitted", True, False),
    (PUBLISHER, "approve", "bob", "submitted", False, True),
    (OTHER_PUBLISHER, "approve", "bob", "submitted", True, True),
    (PUBLISHER, "approve", "ann", "draft", True, False),
    (PUBLISHER, "approve", "ann", "approved", True, False),
    (PUBLISHER, "approve", "ann", "rejected", True, False),
    # reject: a publisher, a submitted change (their own too: rejecting publishes nothing)
    (PUBLISHER, "reject", "ann", "submitted", True, True),
    (PUBLISHER, "reject", "bob", "submitted", True, True),
    (EDITOR, "reject", "bob", "submitted", True, False),
    (PUBLISHER, "reject", "ann", "approved", True, False),
]


@pytest.mark.parametrize(("actor", "action", "author", "status", "rule", "expected"), TABLE)
def test_table_of_changes(actor, action, author, status, rule, expected):
    decision = allowed(actor, action, ChangeRef(author, status), two_person_rule=rule)
    assert bool(decision) is expected
    if not expected:
        assert decision.reason("zh") and decision.reason("en")  # a refusal always says why, in both languages


def test_own_approval_is_refused_with_the_two_person_rule_named():
    decision = allowed(PUBLISHER, "approve", ChangeRef("bob", "submitted"))
    assert "two-person rule" in decision.reason("en") and "双人规则" in decision.reason("zh")


@pytest.mark.parametrize("action", ["submit", "withdraw", "approve", "reject"])
def test_change_actions_need_a_change(action):
    assert not allowed(PUBLISHER, action)


def test_an_unknown_action_is_refused():
    assert not allowed(PUBLISHER, "drop-tables")  # type: ignore[arg-type]
