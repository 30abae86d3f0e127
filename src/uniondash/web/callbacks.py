"""Thin glue: URL → page, and each filter control → URL. The logic lives in `pages` and `urls`.

The URL is the only state. A control changes the query string (a new history entry, so the back
button works); the page callback redraws from the query string. Controls are redrawn with the page,
so a control that merely shows what the URL says changes nothing (`urls.changed_search` returns None).
"""

from __future__ import annotations

from typing import Any

import flask
from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from uniondash.model import Dataset
from uniondash.web import pages, urls


def register(app: Dash, dataset: Dataset) -> None:
    @app.callback(
        Output("page", "children"),
        Output("page-meta", "data"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def show_page(pathname: str | None, search: str | None) -> tuple[list[Any], dict[str, str]]:
        page = pages.render(dataset, pathname, search, base_url=flask.request.host_url)
        return page.children, page.meta()

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("filter-year-start", "value"),
        Input("filter-year-end", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def years_changed(start: str | None, end: str | None, search: str | None) -> Any:
        years = [year for year in (start, end) if year]
        return _or_no_update(urls.changed_search(search, "years", years, dataset))

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("filter-section", "value"),
        State("filter-section", "options"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def sections_changed(value: list[str] | None, options: list[dict[str, str]], search: str | None) -> Any:
        offered = [option["value"] for option in options]
        return _or_no_update(urls.changed_search(search, "section", value, dataset, offered))

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("filter-programme", "value"),
        State("filter-programme", "options"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def programmes_changed(value: list[str] | None, options: list[dict[str, str]], search: str | None) -> Any:
        offered = [option["value"] for option in options]
        return _or_no_update(urls.changed_search(search, "programme", value, dataset, offered))

    # The phone's filter panel: the button toggles it, and a redrawn page opens it as it was.
    app.clientside_callback(
        ClientsideFunction(namespace="uniondash", function_name="toggleFilters"),
        Output("filters-body", "is_open"),
        Output("filters-open", "data"),
        Output("filters-toggle", "aria-expanded"),
        Input("filters-toggle", "n_clicks"),
        State("filters-open", "data"),
    )

    # The document's language and title follow the page (screen readers and tabs read them).
    app.clientside_callback(
        ClientsideFunction(namespace="uniondash", function_name="setDocumentMeta"),
        Output("page-meta-sink", "children"),
        Input("page-meta", "data"),
    )


def _or_no_update(search: str | None) -> Any:
    return no_update if search is None else search
