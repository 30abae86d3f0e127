"""Meeting mode over HTTP: `/present` (full-screen slides for a projector) and `/briefing` (a printable A4
briefing). Plain Flask routes rendering standalone HTML, not Dash pages, so they stay light and print
cleanly; what goes on them is planned and rendered in `uniondash.meeting`.
"""

from __future__ import annotations

from flask import Flask, Response, request

from uniondash.meeting import parse_interval, parse_slide, plan_slides, render_briefing, render_present
from uniondash.model import Dataset
from uniondash.query import parse_filters
from uniondash.state import DataState, as_state
from uniondash.web import vendor_routes
from uniondash.web.page_cache import cached_response

_ENDPOINTS = ("meeting_present", "meeting_briefing")


def _html(page: str) -> Response:
    return Response(page, mimetype="text/html")


def register(server: Flask, data: Dataset | DataState) -> None:
    """Add `/present` and `/briefing` (and plotly.js at /vendor/) to `server`; safe to call twice."""
    vendor_routes.register(server)
    if _ENDPOINTS[0] in server.view_functions:
        return
    state = as_state(data)

    def present() -> Response:
        dataset = state.current()
        params = request.args.to_dict(flat=False)
        filters, notices = parse_filters(params, dataset)
        interval, interval_notices = parse_interval(params.get("interval", []))
        slides = plan_slides(dataset, filters)
        start, slide_notices = parse_slide(params.get("slide", []), len(slides))
        notices += interval_notices + slide_notices
        return _html(
            render_present(dataset, filters, slides, notices, interval, start, plotly_url=vendor_routes.PLOTLY_JS_URL)
        )

    def briefing() -> Response:
        dataset = state.current()
        filters, notices = parse_filters(request.args.to_dict(flat=False), dataset)
        return _html(render_briefing(dataset, filters, notices, plotly_url=vendor_routes.PLOTLY_JS_URL))

    # Kept once drawn (web/page_cache.py): a route that reads another query parameter must name it here.
    server.add_url_rule(
        "/present", _ENDPOINTS[0], cached_response(server, state, present, params=("interval", "slide"))
    )
    server.add_url_rule("/briefing", _ENDPOINTS[1], cached_response(server, state, briefing))
