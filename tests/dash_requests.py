"""The JSON bodies dash-renderer POSTs to /_dash-update-component, for tests that call callbacks over HTTP."""

from __future__ import annotations

from typing import Any


def page_callback(pathname: str, search: str, changed: str = "url.search") -> dict[str, Any]:
    """The page callback (`show_page`) as the browser calls it for `pathname` + `search`."""
    return {
        "output": "..page.children...page-meta.data..",
        "outputs": [{"id": "page", "property": "children"}, {"id": "page-meta", "property": "data"}],
        "inputs": [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": search},
        ],
        "changedPropIds": [changed],
        "state": [],
    }
