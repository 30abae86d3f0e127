"""A report's review saved: the one path from the reviewer's decisions to a draft, for both review pages.

The table form (`/desk/changes/<id>/review`) and the grid (`/desk/changes/<id>/grid/`, desk/grid.py) send
the same decisions (`decision-i`, `FIELD-i`, `source_id`); `record_review` reads them with `apply_review`,
plans the rows kept with `plan_review` (the importer, as for a workbook upload) and stores the outcome with
`save_review`: a draft, or the problems by row and column with the decisions kept for another try.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from uniondash.desk.changes import Refused, apply_review, plan_review
from uniondash.desk.datasets import rows_by_id
from uniondash.desk.store import Change, DeskConflict, DeskStore
from uniondash.desk.texts import text

Outcome = Literal["draft", "problems", "refused", "conflict"]


@dataclass(frozen=True)
class ReviewSaved:
    """What became of a review: a draft, problems (stored with the decisions), or refused before planning."""

    outcome: Outcome
    zh: str = ""
    en: str = ""

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def source_choices(store: DeskStore, found: Change) -> dict[str, dict[str, str]]:
    """The sources a review may cite: those of the version the change was made on, by id."""
    base = store.version(found.base_version)
    return rows_by_id(store.files(base.files).get("sources")) if base else {}


def record_review(store: DeskStore, found: Change, who: str, form: Mapping[str, str]) -> ReviewSaved:
    """Save the reviewer's decisions on a change under review (permission is the caller's: `review`)."""
    base = store.version(found.base_version)
    base_files = store.files(base.files) if base else {}
    source_id = form.get("source_id", "")
    plan = dict(found.plan)
    try:
        if source_id not in rows_by_id(base_files.get("sources")):
            raise Refused("请选择这份报告的来源", "choose the report's source")
        rows, decisions, kept = apply_review(plan.get("rows", []), form, source_id)
    except Refused as refused:
        return ReviewSaved("refused", refused.zh, refused.en)
    files, result = plan_review(kept, base_files)
    reviewed = {**plan, "rows": rows, "decisions": decisions, "source_id": source_id}
    try:
        if files is None:
            store.save_review(found.id, who, None, {**reviewed, "problems": result["problems"]})
            return ReviewSaved("problems", text("zh", "review_problems"), text("en", "review_problems"))
        store.save_review(found.id, who, files, {**result, "review_of": reviewed})
    except DeskConflict as conflict:
        return ReviewSaved("conflict", conflict.zh, conflict.en)
    return ReviewSaved("draft")
