"""The Dash app through Flask's test client: pages and assets served, other route modules registered, and
the callbacks answering the requests the browser sends (a bad URL gives a notice, never a 500)."""

from __future__ import annotations

import gc
import importlib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.synthetic import SHIPPED
from uniondash.config import Settings
from uniondash.web.app import create_app


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return create_app(SHIPPED).server.test_client()


def dependencies(client: FlaskClient) -> list[dict[str, Any]]:
    deps: list[dict[str, Any]] = client.get("/_dash-dependencies").get_json()
    return deps


def call(client: FlaskClient, inputs: dict[str, Any], output: str, state: dict[str, Any] | None = None) -> Any:
    """POST one callback the way dash-renderer does; the output key is as /_dash-dependencies lists it."""
    dep = next(d for d in dependencies(client) if d["output"] == output)
    names = [f"{i['id']}.{i['property']}" for i in dep["inputs"]]
    body = {
        "output": output,
        "outputs": [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in (whole.split("@")[0] for whole in output.strip(".").split("..."))
        ]
        if output.startswith("..")
        else {"id": output.split(".")[0], "property": output.split("@")[0].split(".")[1]},
        "inputs": [{"id": n.rsplit(".", 1)[0], "property": n.rsplit(".", 1)[1], "value": inputs[n]} for n in names],
        "changedPropIds": names[:1],
        "state": [
            {"id": f"{s['id']}", "property": s["property"], "value": (state or {})[f"{s['id']}.{s['property']}"]}
            for s in dep["state"]
        ],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    # No update: 204, or (for an output another callback shares) an empty response.
    return (response.get_json() or {}).get("response") or None if response.status_code == 200 else None


def test_pages_and_assets_are_served(client):
    for path, status in (("/", 200), ("/section/aid", 200), ("/section/nope?years=abc", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert b"_dash-renderer" in response.data or b"dash-renderer" in response.data
    index = client.get("/").get_data(as_text=True)
    assert "00-bootstrap.min.css" in index and "uniondash.css" in index  # no CDN: the bootstrap CSS is ours
    assert '<html lang="zh-CN">' in index
    with client.get("/assets/uniondash.css") as css:  # a file response: closed when read
        assert css.status_code == 200 and b".ud-value" in css.data


def test_other_route_modules_are_registered(client):
    assert client.get("/present").status_code == 200  # meeting_routes exists in this tree
    rules = {rule.rule for rule in client.application.url_map.iter_rules()}
    assert "/present" in rules and "/briefing" in rules


def test_the_page_callback_draws_the_url_and_reports_bad_parameters(client):
    result = call(
        client,
        {"url.pathname": "/section/aid", "url.search": "?years=abc&lang=en"},
        "..page.children...page-meta.data..",
    )
    assert result["page-meta"]["data"] == {
        "lang": "en",
        "title": "Help for workers · Zhuzhou Federation of Trade Unions: five years of work · 2019–2023 five-year report",
    }
    assert "Years 'abc' not understood" in str(result["page"]["children"])


def test_the_year_callback_writes_the_url(client):
    output = next(d["output"] for d in dependencies(client) if d["inputs"][0]["id"] == "filter-years")
    result = call(client, {"filter-years.value": "2023"}, output, {"url.search": "?lang=en"})
    assert result["url"]["search"] == "?years=2023&lang=en"
    # Drawn to show the URL, the select changes nothing.
    assert call(client, {"filter-years.value": "all"}, output, {"url.search": ""}) is None


def test_the_programme_callback_keeps_other_sections_choices(client):
    output = next(d["output"] for d in dependencies(client) if d["inputs"][0]["id"] == "filter-programme")
    options = [{"label": "冬送温暖", "value": "winter-warmth"}, {"label": "夏送清凉", "value": "summer-cool"}]
    result = call(
        client,
        {"filter-programme.value": ["winter-warmth"]},
        output,
        {"filter-programme.options": options, "url.search": "?programme=model-workers"},
    )
    assert result["url"]["search"] == "?programme=model-workers&programme=winter-warmth"


def test_app_py_builds_the_dashboard_on_the_shipped_data():
    module = importlib.import_module("app")
    assert module.server.test_client().get("/").status_code == 200


def test_production_serving_is_wired_in(client):
    """Health check, compression, long-lived fingerprinted bundles and security headers on every page."""
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_data(as_text=True) == "ok\n"
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    scripts = [s for s in page_scripts(client) if "/_dash-component-suites/" in s]
    assert scripts
    with client.get(scripts[0]) as bundle:
        assert bundle.status_code == 200
        assert bundle.cache_control.max_age == 365 * 24 * 3600 and bundle.cache_control.immutable


def test_embed_origins_come_from_the_settings():
    app = create_app(SHIPPED, Settings(embed_origins=("https://news.example.cn",)))
    embed = app.server.test_client().get("/embed/aid-funds")
    assert "frame-ancestors https://news.example.cn" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers


def page_scripts(client: FlaskClient) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', client.get("/").get_data(as_text=True))


def test_compressed_static_files_are_closed(client):
    """flask-compress replaces a file's body; the file must still be closed (pytest fails on the ResourceWarning)."""
    for _ in range(3):
        # What Chromium sends: a file is then streamed through br/zstd/deflate.
        with client.get("/assets/uniondash.css", headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as response:
            assert response.headers["Content-Encoding"] in ("br", "zstd", "deflate")
            assert response.data
    gc.collect()


def test_an_oversized_request_body_is_refused(client):
    response = client.post("/_dash-update-component", data=b"x" * (1024 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413
    assert b"Traceback" not in response.data


def test_a_path_with_no_page_answers_404_with_the_friendly_page(client, dataset):
    """Link checkers see the dead link; readers still get the page that says so and links every section."""
    for path in ("/section/nope", "/section/nope?lang=en", "/section/", "/section/aid/extra", "/nope", "/robots.txt"):
        for method in (client.get, client.head):
            response = method(path)
            assert response.status_code == 404, f"{method.__name__} {path}"
        body = client.get(path).get_data(as_text=True)  # the dashboard's page, which draws "not found"
        assert "react-entry-point" in body and "dash-renderer" in body and '<html lang="zh-CN">' in body
        # Without its script the page still says so, in both languages.
        assert "<h1>页面不存在</h1>" in body and "<h1>Page not found</h1>" in body
    assert "Page not found" not in client.get("/section/aid").get_data(as_text=True)
    # The page callback still draws the friendly body for it.
    result = call(
        client, {"url.pathname": "/section/nope", "url.search": "?lang=en"}, "..page.children...page-meta.data.."
    )
    assert "There is no section nope" in str(result["page"]["children"])


def test_every_route_the_app_serves_keeps_its_status(client, dataset):
    known = ["/", "/?lang=en", "/section/aid/"] + [f"/section/{section_id}" for section_id in dataset.sections["id"]]
    others = [
        "/present",
        "/briefing",
        "/healthz",
        "/embed/aid-funds",
        "/export/summary.xlsx",
        "/export/chart/aid-funds.csv",
        "/_dash-layout",
        "/_dash-dependencies",
        "/_favicon.ico",
        "/assets/uniondash.css",
        *[s for s in page_scripts(client) if "/_dash-component-suites/" in s][:2],
    ]
    for path in known + others:
        with client.get(path) as response:
            assert response.status_code == 200, path
    # Routes that answer 404 of their own keep their own answer (an unknown chart is not a dashboard page).
    with client.get("/embed/nope") as embed:
        assert embed.status_code == 404 and b"dash-renderer" not in embed.data
    with client.get("/assets/nope.css") as asset:
        assert asset.status_code == 404
