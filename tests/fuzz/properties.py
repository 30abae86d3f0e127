"""The properties every answer of the app keeps, whatever it was asked, and the count of inputs tried."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from werkzeug.test import TestResponse

REPO = Path(__file__).resolve().parents[2]
EMBED_ORIGIN = "https://news.example.cn"

# Reproducible in CI: the same examples every run, nothing read from or written to an example database.
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Inputs tried, by entry point (conftest writes them to a JSON file when the session ends).
INPUTS: Counter[str] = Counter()


_CJK = re.compile(r"[\u4e00-\u9fff]")
# What a leaked traceback or server path looks like.
_LEAKS = ("Traceback (most recent call last)", 'File "/', str(REPO), "site-packages", "/usr/lib/python")


def check(response: TestResponse, entry_point: str) -> TestResponse:
    """Assert what every answer keeps, whatever was asked: no 5xx, no leak, a clear 4xx, the security headers."""
    INPUTS[entry_point] += 1
    path = response.request.path
    status = response.status_code
    assert status < 500, f"{status} for {response.request.url!r}: {response.get_data(as_text=True)[:500]}"
    text = _text_of(response)
    for leak in _LEAKS:
        assert leak not in text, f"{leak!r} in the answer to {response.request.url!r}"
    if 400 <= status < 500 and response.request.method != "HEAD":
        assert_clear_message(response, text)
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    # Only the embed route's own pages (a chart, or its "not found" page) may be framed by other sites: never
    # the dashboard's shell, which Dash's catch-all serves for any path ('/embed//x' included), nor an error.
    if path.startswith("/embed/") and any(
        mark in text for mark in ('id="embed-figure"', "找不到该图表", "Chart not found")
    ):
        assert f"frame-ancestors {EMBED_ORIGIN}" in policy, (path, policy)
        assert "X-Frame-Options" not in headers
    else:
        assert "frame-ancestors 'self'" in policy, (path, policy)
        assert headers.get("X-Frame-Options") == "SAMEORIGIN"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"
    for name, value in headers.items():
        assert "\n" not in value and "\r" not in value, (name, value)
    return response


def _text_of(response: TestResponse) -> str:
    data = response.get_data()
    if response.mimetype in ("application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        return ""  # compressed: checked by the tests that open them
    text = data.decode("utf-8", errors="replace")
    if response.mimetype == "application/json":
        # Dash writes '/' and '<' as \u escapes: look at the decoded strings, where a leaked path would show.
        try:
            return text + "\n" + json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def assert_clear_message(response: TestResponse, text: str) -> None:
    """A 4xx says what went wrong: ours in Chinese and English, werkzeug's in a sentence, JSON with a message."""
    where = response.request.url
    if response.mimetype == "text/plain":
        lines = [line for line in text.splitlines() if line.strip()]
        english = [line for line in lines[1:] if re.match(r"[A-Z][a-z]+ ", line)]
        assert _CJK.search(lines[0]) and english, (where, text[:300])
    elif response.mimetype == "application/json":
        body: Any = response.get_json(silent=True) or {}
        assert body.get("message"), (where, text[:300])
    elif response.mimetype == "text/html":
        assert re.search(r"<h1>[^<]{3,}</h1>", text) and re.search(r"<p>[^<]{10,}", text), (where, text[:300])
    else:
        raise AssertionError(f"{response.status_code} for {where!r} as {response.mimetype}")
