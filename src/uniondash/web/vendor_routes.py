"""`/vendor/plotly.min.js`: plotly.js from the installed plotly package, for pages outside Dash
(embeds, slides, briefing). One URL for all of them so browsers cache it once."""

from __future__ import annotations

from importlib.resources import files

from flask import Flask, Response

PLOTLY_JS_URL = "/vendor/plotly.min.js"
_ENDPOINT = "vendor_plotly_js"


def register(server: Flask) -> None:
    """Serve plotly.min.js; safe to call more than once (each route module calls it)."""
    if _ENDPOINT in server.view_functions:
        return
    script = files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()

    def plotly_js() -> Response:
        response = Response(script, mimetype="text/javascript")
        response.cache_control.public = True
        response.cache_control.max_age = 7 * 24 * 3600
        return response

    server.add_url_rule(PLOTLY_JS_URL, _ENDPOINT, plotly_js)
