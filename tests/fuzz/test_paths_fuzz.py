"""Path traversal: no URL reaches a file outside what the app serves.

The app serves files from three places only: /assets/ (Flask's static files, `safe_join`), /vendor/plotly.min.js
(one file read at startup), and /_dash-component-suites/ (Dash serves only the paths its components
registered). Chart ids and export names are looked up in `CHARTS`, never joined to a path. Each test asks for
files that exist outside (this repository's pyproject.toml and source, /etc/passwd) and checks that none
of their content comes back, whatever the encoding of the '..'.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.properties import FUZZ, REPO, check

# Lines that only the files outside can hold.
SECRETS = {
    "pyproject.toml": "[tool.pytest.ini_options]",
    "src/uniondash/web/app.py": "def create_app(",
    "data/facts.csv": "id,programme_id,metric_id",
    "/etc/passwd": "root:x:0:0",
}
PREFIXES = (
    "/assets/",
    "/vendor/",
    "/static/",
    "/export/chart/",
    "/embed/",
    "/_dash-component-suites/dash/",
    "/_dash-component-suites/plotly/",
    "/_dash-component-suites/dash_bootstrap_components/_components/",
    "/section/",
    "/",
)
DOTS = ("..", "%2e%2e", "%2E%2E", ".%2e", "%252e%252e", "%c0%ae%c0%ae", "....", "..%00", "%2e%2e%5c")
SLASHES = ("/", "%2f", "%2F", "%5c", "\\", "%252f", "//", "%c0%af")
TARGETS = (
    "pyproject.toml",
    "src/uniondash/web/app.py",
    "data/facts.csv",
    "etc/passwd",
    "etc%2fpasswd",
    "pyproject.toml%00.png",
    "pyproject.toml.png",
)


def assert_no_file_leaked(body: str, url: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in body, f"{url} returned the content of {name}"


def test_the_secrets_exist() -> None:
    """The markers are really in those files, so their absence from answers means something."""
    for name, secret in SECRETS.items():
        path = Path(name) if name.startswith("/") else REPO / name
        if path.exists():
            assert secret in path.read_text(encoding="utf-8", errors="replace"), name


@pytest.mark.parametrize(
    "url",
    [
        "/export/chart/..%2f..%2fetc%2fpasswd.png",
        "/export/chart/..%2f..%2fpyproject.toml.csv",
        "/export/chart/%2e%2e%2f%2e%2e%2fpyproject.toml.zip",
        "/export/chart/../../pyproject.toml.html",
        "/embed/..%2f..%2fpyproject.toml",
        "/vendor/../pyproject.toml",
        "/vendor/..%2f..%2fpyproject.toml",
        "/assets/../app.py",
        "/assets/..%2fapp.py",
        "/assets/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/_dash-component-suites/dash/../../../etc/passwd",
        "/_dash-component-suites/dash/..%2f..%2f..%2f..%2fpyproject.toml",
        "/_dash-component-suites/uniondash/web/app.py",
        "/_dash-component-suites/os/../../etc/passwd",
        "/static/../../pyproject.toml",
    ],
)
def test_named_traversals_are_refused(client: FlaskClient, url: str) -> None:
    response = check(client.get(url), "path traversal (named)")
    body = response.get_data(as_text=True)
    assert_no_file_leaked(body, url)
    if response.request.path.startswith(("/export/chart/", "/_dash-component-suites/", "/assets/", "/static/")):
        # Downloads and files: a 4xx with a message (conftest.check reads it), never the dashboard's shell.
        assert response.status_code in (400, 404), (url, response.status_code)
    else:
        # Other paths get a 404 page, or the dashboard's shell (Dash's catch-all) whose page says "not found".
        assert response.status_code == 404 or "dash-renderer" in body, (url, response.status_code)


def test_an_unknown_export_says_which_charts_exist(client: FlaskClient) -> None:
    response = client.get("/export/chart/..%2f..%2fetc%2fpasswd.png")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "没有编号为“../../etc/passwd”的图表" in text and "No chart called '../../etc/passwd'" in text
    assert "aid-funds" in text


@settings(FUZZ, max_examples=250)
@given(
    prefix=st.sampled_from(PREFIXES),
    depth=st.integers(min_value=1, max_value=8),
    dots=st.sampled_from(DOTS),
    slash=st.sampled_from(SLASHES),
    target=st.sampled_from(TARGETS),
    suffix=st.sampled_from(["", ".png", ".csv", ".metadata.json", ".zip", ".js", "?lang=en"]),
)
def test_any_traversal_leaks_nothing(
    client: FlaskClient, prefix: str, depth: int, dots: str, slash: str, target: str, suffix: str
) -> None:
    url = prefix + (dots + slash) * depth + target + suffix
    response = check(client.get(url), "path traversal (generated)")
    assert_no_file_leaked(response.get_data(as_text=True), url)
    if response.status_code == 200:
        body = response.get_data(as_text=True)
        # Only ever the dashboard's shell (Dash's catch-all) or a chart the id names: never a file.
        assert "dash-renderer" in body, (url, body[:200])
