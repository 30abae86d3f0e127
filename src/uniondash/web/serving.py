"""What production serving adds to the Flask server: a health check and cache headers."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from uniondash.model import Dataset

# Dash fingerprints its component bundles ("…v4_4_1m1700000000.min.js"): safe to cache for a year.
_FINGERPRINTED = "/_dash-component-suites/"


def register(server: Flask, dataset: Dataset) -> None:
    """Add `/healthz` and long cache lifetimes for fingerprinted static files."""
    facts = len(dataset.facts)

    @server.get("/healthz")
    def healthz() -> Response:
        response = jsonify(status="ok", facts=facts)
        response.cache_control.no_store = True
        return response

    @server.after_request
    def cache_static(response: Response) -> Response:
        if request.path.startswith(_FINGERPRINTED) and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = 365 * 24 * 3600
            response.cache_control.immutable = True
        return response
