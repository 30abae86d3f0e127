"""The review of a report's proposed rows as an editable grid (`dash-ag-grid`), at /desk/changes/<id>/grid/.

One row per proposed figure: its sentence of the report with the figure marked (<mark>, bold and underlined:
not colour alone), the decision (accept / correct / drop, a select editor), the fields a reviewer may correct
(`REVIEW_FIELDS`) and the confidence. Editing a field of an accepted row makes it a correction (the table
form would otherwise ignore what was typed). The grid's rows are sent back as the table form's fields
(`review_form`) and saved by `review.record_review`: the same `apply_review` → `plan_review` →
`save_review`, problems named by row and column, decisions kept for another try.

For screen readers and the keyboard every row is in the page (no row or column virtualisation, rows in DOM
order, the grid as tall as its rows), Tab moves past the grid rather than through its cells (arrows move
inside it, Enter edits), and the table form stays one link away.

The Dash app is per change, mounted by the desk's blueprint (desk/web.py `grid`), which signs in, checks
`require("review", change)` and the CSRF header on every request, its `_dash-*` endpoints included; the
app itself has no route of its own on any server. The blueprint hands the signed-in account's name in the
WSGI environ (`ACTOR_KEY`: a request header can never set a key with a dot).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import flask
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from uniondash.desk.changes import DECISIONS, MAX_REVIEW_ROWS, REVIEW_FIELDS
from uniondash.desk.review import ReviewSaved
from uniondash.desk.store import Change, DeskError
from uniondash.desk.texts import text

ASSETS = Path(__file__).resolve().parent / "grid_assets"
ACTOR_KEY = "uniondash.desk.actor"
GRID_ID = "review-grid"


def page_lang(search: str | None) -> str:
    """'en' when the query asks for it, else 'zh' (the desk's rule: `?lang=en`)."""
    from urllib.parse import parse_qs

    return "en" if parse_qs((search or "").lstrip("?")).get("lang") == ["en"] else "zh"


def highlight(sentence: str, figure: str) -> tuple[str, str, str]:
    """(before, figure, after): the first occurrence of the figure as written in its sentence, or the whole
    sentence with no figure when it is not there word for word."""
    before, found, after = sentence.partition(figure) if figure else (sentence, "", "")
    return (before, found, after) if found else (sentence, "", "")


def grid_rows(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The grid's rowData: each proposed row with its number, decision (as kept), fields and marked sentence."""
    decisions = list(plan.get("decisions") or [])
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(plan.get("rows") or []):
        sentence = str(row.get("context") or row.get("source_quote") or "")
        before, figure, after = highlight(sentence, str(row.get("as_written") or ""))
        decision = decisions[index] if index < len(decisions) and decisions[index] in DECISIONS else "accept"
        rows.append(
            {
                "i": index,
                "n": index + 1,
                "id": str(row.get("id") or ""),
                "decision": decision,
                **{field: str(row.get(field) or "") for field in REVIEW_FIELDS},
                "confidence": round(float(row.get("confidence") or 0), 2),
                "sentence": sentence,
                "before": before,
                "figure": figure,
                "after": after,
            }
        )
    return rows


def review_form(rows: Sequence[Any] | None, source_id: Any) -> dict[str, str]:
    """The grid's rows as the table form's fields (`decision-i`, `FIELD-i`, `source_id`) for `apply_review`.

    The rows come from the browser: anything but a row of a known number is ignored, and a row left out
    has no decision, which `apply_review` names by its row."""
    form = {"source_id": source_id if isinstance(source_id, str) else ""}
    for row in rows or []:
        if not isinstance(row, Mapping):
            continue
        index = row.get("i")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < MAX_REVIEW_ROWS:
            continue
        decision = row.get("decision")
        form[f"decision-{index}"] = decision if isinstance(decision, str) else ""
        for field in REVIEW_FIELDS:
            value = row.get(field)
            form[f"{field}-{index}"] = value if isinstance(value, str) else "" if value is None else str(value)
    return form


def column_defs(lang: str) -> list[dict[str, Any]]:
    """The grid's columns: row, sentence, decision, the correctable fields, confidence."""

    def t(key: str) -> str:
        return text(lang, key)

    field_columns = [
        {
            "field": field,
            "headerName": field,
            "editable": True,
            "cellEditor": "agTextCellEditor",
            "cellEditorParams": {"maxLength": 500},
            # An edit of an accepted row makes it a correction (grid_assets/review_grid.js).
            "valueSetter": {"function": "reviewSetValue(params)"},
            # One line each (only the sentence wraps): measuring every row's height for wrapped labels
            # doubled the time to draw 180 rows (benchmarks/bench_desk_grid.py). The cell holds the whole
            # text for a screen reader; its editor shows it whole, and the column can be widened.
            "minWidth": 220 if field.startswith("label") else 120,
        }
        for field in REVIEW_FIELDS
    ]
    return [
        {"field": "n", "headerName": t("row"), "editable": False, "width": 72},
        {
            "field": "sentence",
            "headerName": t("review_sentence"),
            "editable": False,
            "cellRenderer": "ReviewSentence",
            "wrapText": True,
            "autoHeight": True,
            "minWidth": 340,
        },
        {
            "field": "decision",
            "headerName": t("review_decision"),
            "editable": True,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(DECISIONS)},
            "refData": {decision: t("decision_" + decision) for decision in DECISIONS},
            "width": 120,
        },
        *field_columns,
        {"field": "confidence", "headerName": t("confidence"), "editable": False, "width": 110},
    ]


GRID_OPTIONS: dict[str, Any] = {
    # Every row and column in the page, in order: a screen reader reads and reaches all of them.
    "suppressRowVirtualisation": True,
    "suppressColumnVirtualisation": True,
    "ensureDomOrder": True,
    "domLayout": "autoHeight",
    # Tab leaves the grid (arrows move inside it, Enter edits): one stop, not hundreds of cells.
    "tabToNextCell": {"function": "false"},
    "stopEditingWhenCellsLoseFocus": True,
    "suppressMovableColumns": True,
    "animateRows": False,
}


def problems_table(problems: Sequence[Mapping[str, Any]], lang: str) -> html.Div | None:
    """The problems of the last try, by row and column (the review's own row numbers)."""
    if not problems:
        return None

    def t(key: str) -> str:
        return text(lang, key)

    head = html.Tr([html.Th(t(key), scope="col") for key in ("sheet", "row", "column", "problem")])
    body = [
        html.Tr(
            [
                html.Td(str(found.get("sheet") or "")),
                html.Td("" if found.get("row") is None else str(found.get("row")), className="num"),
                html.Td(html.Code(str(found.get("column") or ""))),
                html.Td(str(found.get("zh") if lang == "zh" else found.get("en"))),
            ]
        )
        for found in problems
    ]
    return html.Div(
        html.Table(
            [html.Caption(f"{t('problems')} ({len(problems)})"), html.Thead(head), html.Tbody(body)],
            id="grid-problems-table",
        ),
        className="table-wrap",
    )


def grid_page(found: Change, sources: Mapping[str, Mapping[str, str]], lang: str, prefix: str) -> html.Div:
    """The grid page of a change under review, in `lang` (the save button and its message follow it)."""

    def t(key: str, **values: Any) -> str:
        words = text(lang, key)
        return words.format(**values) if values else words

    query = "?lang=en" if lang == "en" else ""
    plan = found.plan
    change_url = f"{prefix}changes/{found.id}{query}"
    rows = grid_rows(plan)
    return html.Div(
        [
            html.Nav(
                html.Ul(
                    [
                        html.Li(html.A(t("home"), href=f"{prefix}{query}")),
                        html.Li(html.A(f"{t('change')} #{found.id}", href=change_url)),
                        html.Li(
                            html.A(
                                t("grid_table_form"),
                                id="table-form-link",
                                href=f"{prefix}changes/{found.id}/review{query}",
                            )
                        ),
                        html.Li(
                            html.A(
                                t("proposal_workbook"),
                                id="proposal-link",
                                href=f"{prefix}changes/{found.id}/proposal.xlsx{query}",
                            )
                        ),
                        html.Li(
                            html.A(
                                t("other_lang"),
                                href=f"{prefix}changes/{found.id}/grid/" + ("?lang=en" if lang == "zh" else ""),
                                lang="en" if lang == "zh" else "zh-CN",
                                id="grid-other-lang",
                            )
                        ),
                    ]
                ),
                **attributes({"aria-label": t("desk")}),
            ),
            html.H1(f"{t('review_title')} · #{found.id} {found.upload_name}"),
            html.P(t("grid_help"), id="grid-help"),
            html.Ul([html.Li(message) for message in plan.get("messages") or []], className="muted")
            if plan.get("messages")
            else None,
            html.Div(problems_table(plan.get("problems") or [], lang), id="grid-problems"),
            html.Div(
                [
                    html.Label(t("review_source"), htmlFor="grid-source"),
                    # A native <select>, as the table form's: typed letters and arrows choose.
                    dbc.Select(
                        id="grid-source",
                        options=[
                            {"label": f"{key} · {row.get('citation_zh') or row.get('title_zh') or ''}", "value": key}
                            for key, row in sorted(sources.items())
                        ],
                        value=plan.get("source_id") if plan.get("source_id") in sources else "",
                        placeholder="—",
                        required=True,
                    ),
                    html.P(t("review_source_help"), id="grid-source-help", className="muted"),
                ],
                id="grid-source-group",
            ),
            html.H2(f"{t('review_rows')} ({len(rows)})", id="grid-caption"),
            html.P(t("grid_keys"), id="grid-keys", className="muted"),
            html.Div(
                dag_grid(rows, lang),
                role="region",
                **attributes({"aria-labelledby": "grid-caption", "aria-describedby": "grid-keys"}),
            ),
        ]
    )


def attributes(values: dict[str, str]) -> dict[str, Any]:
    """`aria-*` attributes, which Dash takes as keyword arguments."""
    return values


def dag_grid(rows: list[dict[str, Any]], lang: str) -> Any:
    return dag.AgGrid(
        id=GRID_ID,
        rowData=rows,
        columnDefs=column_defs(lang),
        defaultColDef={"resizable": True, "sortable": False, "suppressHeaderMenuButton": True},
        dashGridOptions=GRID_OPTIONS,
        style={"width": "100%"},
        className="ag-theme-quartz",
    )


class _GridDash(Dash):
    """Dash with the page's language on <html> (from `?lang=`), and no second contentinfo landmark."""

    change_id = 0

    def interpolate_index(self, **kwargs: Any) -> Any:  # type: ignore[override]  # Dash's own example form
        lang = "en" if flask.request.args.get("lang") == "en" else "zh"
        words = f"{text(lang, 'review_title')} #{self.change_id} · {text(lang, 'desk')} · {text(lang, 'site')}"
        page = str(super().interpolate_index(**{**kwargs, "title": escape(words)}))
        page = page.replace("<html>", f'<html lang="{"en" if lang == "en" else "zh-CN"}">', 1)
        return page.replace("<footer>", "<div hidden>", 1).replace("</footer>", "</div>", 1)


def grid_app(
    change_id: int,
    prefix: str,
    desk_prefix: str,
    load: Callable[[int], tuple[Change, Mapping[str, Mapping[str, str]]] | None],
    save: Callable[[Change, str, Mapping[str, str]], ReviewSaved],
) -> Dash:
    """The grid of one change, answering under `prefix` (its mount). `load(id)` gives the change and its
    sources, `save(change, who, form)` records the decisions (review.record_review on the desk's store)."""
    app = _GridDash(
        __name__,
        requests_pathname_prefix=prefix,
        routes_pathname_prefix="/",
        assets_folder=str(ASSETS),
        title=text("zh", "review_title"),
        update_title="",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.change_id = change_id
    app.layout = html.Div(
        [
            dcc.Location(id="grid-url", refresh=False),
            dcc.Location(id="grid-go", refresh=True),
            html.A(text("zh", "skip"), href="#main", className="skip", id="grid-skip"),
            html.Main(
                [
                    html.Div(id="grid-page"),
                    # In the fixed layout, not drawn by a callback: a drawn button counts as pressed once.
                    html.P(html.Button(text("zh", "review_submit"), id="grid-save", type="button")),
                    html.Div(id="grid-status", role="alert"),
                ],
                id="main",
            ),
        ]
    )

    @app.callback(
        Output("grid-page", "children"),
        Output("grid-skip", "children"),
        Output("grid-save", "children"),
        Input("grid-url", "search"),
    )
    def draw(search: str | None) -> tuple[Any, str, str]:
        lang = page_lang(search)
        words = text(lang, "skip"), text(lang, "review_submit")
        loaded = load(change_id)
        if loaded is None:
            return html.P(text(lang, "not_found")), *words
        found, sources = loaded
        return grid_page(found, sources, lang, desk_prefix), *words

    @app.callback(
        Output("grid-go", "href"),
        Output("grid-status", "children"),
        Output("grid-problems", "children"),
        Input("grid-save", "n_clicks"),
        # rowData as edited: dash-ag-grid writes the grid's rows back to it after every edit.
        State(GRID_ID, "rowData"),
        State("grid-source", "value"),
        State("grid-url", "search"),
        prevent_initial_call=True,
    )
    def save_decisions(
        clicks: int | None, rows: list[Any] | None, source_id: Any, search: str | None
    ) -> tuple[Any, Any, Any]:
        if not clicks:
            raise PreventUpdate
        lang = page_lang(search)
        who = flask.request.environ.get(ACTOR_KEY)
        loaded = load(change_id)
        if not who or loaded is None:
            flask.abort(403)
        found, _sources = loaded
        try:
            saved = save(found, str(who), review_form(rows, source_id))
        except DeskError as refused:  # the database unreachable: said in the page, the decisions still there
            return no_update, refused.text(lang), no_update
        query = "?lang=en" if lang == "en" else ""
        if saved.outcome == "draft":
            return f"{desk_prefix}changes/{change_id}{query}", no_update, no_update
        if saved.outcome == "problems":
            again = load(change_id)
            problems = again[0].plan.get("problems", []) if again else []
            return no_update, saved.text(lang), problems_table(problems, lang)
        return no_update, saved.text(lang), no_update

    return app
