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
from uniondash.state import DataState, as_state
from uniondash.web import urls
from uniondash.web.hosts import public_root
from uniondash.web.page_cache import PageCache
from uniondash.web.serving import PAGE_CACHE_KEY


def register(app: Dash, data: Dataset | DataState, page_cache: PageCache | None = None, *, prefix: str = "/") -> None:
    """The callbacks of the dashboard; pages come through `page_cache` (default: one from the environment).

    `prefix`: the path the app is mounted under (the desk's preview); the pages see paths without it.
    """
    state = as_state(data)
    cache = page_cache if page_cache is not None else PageCache.from_env(state.current())  # an empty one is falsy
    app.server.extensions[PAGE_CACHE_KEY] = cache

    @app.callback(
        Output("page", "children"),
        Output("page-meta", "data"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def show_page(pathname: str | None, search: str | None) -> tuple[list[Any], dict[str, str]]:
        # Drawn once per view and then served from the cache (see page_cache; emptied when the data changes).
        # Share links name the public address, never the request's Host; under a mount (the desk's preview,
        # SCRIPT_NAME) the share and embed links stay under it: url_root, its Host checked by TRUSTED_HOSTS.
        if prefix != "/" and isinstance(pathname, str) and pathname.startswith(prefix):
            base_url = flask.request.url_root if flask.request.host else ""
            pathname = "/" + pathname[len(prefix) :]
        else:
            base_url = public_root()
        cache.follow(state.current())  # new data on disk: the pages drawn from the old data go
        return cache.page(pathname, search, base_url=base_url)

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("filter-years", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def years_changed(value: str | None, search: str | None) -> Any:
        return _or_no_update(urls.changed_search(search, "years", value, state.current()))

    # Section and programme checklists: the ticked ids replace that parameter's values among those offered.
    register_choice(app, state, "filter-section", "section")
    register_choice(app, state, "filter-programme", "programme")

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


def register_choice(app: Dash, state: DataState, control: str, parameter: urls.Control) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Output(control, "value"),
        Input(control, "value"),
        State(control, "options"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def choice_changed(value: list[str] | None, options: list[dict[str, Any]], search: str | None) -> Any:
        # A disabled option ("(0)") is never chosen: if one slipped in, the control is set back without it.
        allowed, dropped = urls.enabled_choice(value, options)
        listed = options if isinstance(options, list) else []
        offered = [str(option.get("value")) for option in listed if isinstance(option, dict)]
        changed = urls.changed_search(search, parameter, allowed, state.current(), offered)
        return _or_no_update(changed), allowed if dropped else no_update


def _or_no_update(search: str | None) -> Any:
    return no_update if search is None else search
