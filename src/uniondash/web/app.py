"""`create_app(data_dir)`: load the data once, build the Dash dashboard, and add the Flask routes.

Pages: `/` (overview: headline figures) and `/section/<section-id>` (charts of one section). The view
is defined by the URL alone (`years`, `programme`, `section`, `lang`), so every link reproduces it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dash import Dash, dcc, html
from flask import Flask, Response

from uniondash.config import Settings
from uniondash.errors import UniondashError
from uniondash.exports.images import ChartImages, cache_from_env
from uniondash.format import site_title
from uniondash.state import DataState
from uniondash.web import (
    callbacks,
    errors,
    export_routes,
    hosts,
    meeting_routes,
    press_routes,
    security_headers,
    serving,
    urls,
)
from uniondash.web.page_cache import PageCache

ASSETS = Path(__file__).resolve().parent / "assets"
MAX_REQUEST_BYTES = 1024 * 1024
# Views drawn again ahead of readers after the desk publishes new data (about 20–50 ms each).
REDRAWN_VIEWS = 16


def create_app(
    data: Path | DataState, settings: Settings | None = None, *, url_prefix: str = "/", desk: bool | None = None
) -> Dash:
    """The whole app for one data directory (followed as its data set changes) or a given `DataState`;
    `settings` default to the UNIONDASH_* environment.

    `url_prefix` mounts the dashboard under a path (the desk's preview of a draft: /desk/preview/<id>/).
    `desk` adds the data desk at /desk (default: `settings.desk`, UNIONDASH_DESK); the public pages never
    import it, and without it nothing of the desk is loaded.
    """
    settings = settings or Settings.from_env()
    if desk is None:
        desk = settings.desk
    data_dir = data.data_dir if isinstance(data, DataState) else Path(data)
    if desk:
        if data_dir is None:
            raise UniondashError("the data desk needs a data folder to publish into, not a fixed data set")
        # The data folder is brought to the published version before it is loaded (the desk's follower).
        from uniondash.desk.web import desk_config, prepare_data_dir

        desk_settings = desk_config(data_dir, settings)
        prepare_data_dir(data_dir, desk_settings)
    # Reloaded when the data set changes (uniondash import-xlsx): every route asks it for the current data.
    state = data if isinstance(data, DataState) else DataState.watch(Path(data))
    # The title before the page callback sets the view's own: the default view's report, from the data.
    title = site_title(state.current().default_edition.kind, "zh")
    app = Dash(
        __name__,
        # Under a prefix (the preview), the browser asks under it and the app's own routes answer at "/" of
        # its mount (the desk passes SCRIPT_NAME), like every other route of the app.
        requests_pathname_prefix=url_prefix,
        routes_pathname_prefix="/",
        title=title,
        update_title="",  # keep the page title while callbacks run
        assets_folder=str(ASSETS),
        # The page callback draws the controls, so their callbacks reference ids not yet in the layout.
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "description", "content": title}],
        # gzip/brotli for every response (flask-compress): the page's scripts shrink to about a quarter.
        compress=True,
    )
    # Chinese is the default: say so before the page script runs (it then follows `lang` in the URL).
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">', 1)
    # Dash wraps its scripts in a <footer>: a second contentinfo landmark beside the page's own footer.
    app.index_string = app.index_string.replace("<footer>", "<div hidden>", 1).replace("</footer>", "</div>", 1)
    app.layout = shell()
    hosts.register(app.server, settings)  # before any route: another Host is a 400, links use the public address
    # Callback payloads are a few KB; a larger body is refused with 413 before anything parses it.
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    close_files_that_compression_replaces(app.server)
    # The caches named by `settings` (not the environment's): a preview's drafts never reach a shared one.
    caches = cache_environ(settings)
    page_cache = PageCache.from_env(state.current(), caches)
    callbacks.register(app, state, page_cache, prefix=url_prefix)

    def reload_data() -> None:
        # The desk's follower, right after a sync: take a new data set now and draw again the views readers
        # asked for last, so that the next readers find them drawn rather than wait for a draw.
        views = page_cache.recent_views(REDRAWN_VIEWS)
        if state.check():
            page_cache.redraw(state.current(), views)

    # Plain Flask routes beside the Dash pages; each module owns its routes.
    export_routes.register(app.server, state)
    press_routes.register(app.server, state, images=ChartImages(state.current(), cache=cache_from_env(caches)))
    meeting_routes.register(app.server, state)
    serving.register(app.server, state, settings.status_token)
    if desk and data_dir is not None:
        from uniondash.desk.web import register as register_desk

        register_desk(app.server, data_dir, replace(desk_settings, app_factory=create_app), reload=reload_data)
    security_headers.register(app.server, settings.embed_origins)
    errors.register(app.server)  # a request the app cannot serve: a 4xx message, never a stack trace
    # A path with no page (/section/nope) is still Dash's page, drawing "page not found", but with 404.
    errors.register_unknown_pages(
        app.server,
        app.config.routes_pathname_prefix + "<path:path>",
        lambda path: urls.route(path, state.current()).page != "not_found",
    )
    return app


def cache_environ(settings: Settings) -> dict[str, str]:
    """The cache settings as the caches' environment variables (they read only those)."""
    return {
        "UNIONDASH_REDIS_URL": settings.redis_url or "",
        "UNIONDASH_CACHE_DIR": settings.cache_dir or "",
        "UNIONDASH_PAGE_CACHE_MB": str(settings.page_cache_mb),
    }


def shell() -> html.Div:
    """The fixed frame: the URL, the page drawn from it, and the document metadata it sets."""
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="page-meta"),
            # Whether the phone's filter panel is open, kept while the page is redrawn under it.
            dcc.Store(id="filters-open", data=False),
            html.Div(id="page-meta-sink", hidden=True),
            html.Div(id="page", className="ud-page"),
        ]
    )


def close_files_that_compression_replaces(server: Flask) -> None:
    """Close a static file once its response is sent, also when flask-compress replaced its body.

    flask-compress swaps a file response's body for the compressed bytes without closing the file, which
    leaks a file handle per asset request. Hooks run in reverse order of registration, so this one (added
    after Dash enabled compression) sees the original body and has it closed with the response.
    """

    @server.after_request
    def close_original_body(response: Response) -> Response:
        body = response.response
        if response.direct_passthrough and hasattr(body, "close"):
            response.call_on_close(body.close)
        return response
