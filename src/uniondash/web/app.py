"""`create_app(data_dir)`: load the data once, build the Dash dashboard, and add the Flask routes.

Pages: `/` (overview: headline figures) and `/section/<section-id>` (charts of one section). The view
is defined by the URL alone (`years`, `programme`, `section`, `lang`), so every link reproduces it.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from dash import Dash, dcc, html

from uniondash.load import load_dataset
from uniondash.model import Dataset
from uniondash.web import callbacks, export_routes
from uniondash.web.i18n import t

ASSETS = Path(__file__).resolve().parent / "assets"
# Route modules other parts of the project add; each has `register(server, dataset)`.
OPTIONAL_ROUTES = ("uniondash.web.press_routes", "uniondash.web.meeting_routes")


def create_app(data_dir: Path) -> Dash:
    dataset = load_dataset(data_dir)
    app = Dash(
        __name__,
        title=t("zh", "site_title"),
        update_title="",  # keep the page title while callbacks run
        assets_folder=str(ASSETS),
        # The page callback draws the controls, so their callbacks reference ids not yet in the layout.
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "description", "content": t("zh", "site_title")}],
    )
    # Chinese is the default: say so before the page script runs (it then follows `lang` in the URL).
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">', 1)
    app.layout = shell()
    callbacks.register(app, dataset)
    # Plain Flask routes beside the Dash pages; each module owns its routes.
    export_routes.register(app.server, dataset)
    register_optional_routes(app, dataset)
    return app


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


def register_optional_routes(app: Dash, dataset: Dataset) -> None:
    """Register the press-kit and meeting routes where those modules exist (they are built separately)."""
    for name in OPTIONAL_ROUTES:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).register(app.server, dataset)
