"""Pages outside Dash (slides, briefing, embeds) are kept once drawn, like the dashboard's pages: same
canonical keys, a byte budget, a fresh script nonce on every answer, and parameters nobody reads ignored."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.synthetic import SHIPPED
from uniondash.web.app import create_app
from uniondash.web.page_cache import RESPONSE_CACHE_KEY, CachedResponse, ResponseCache


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.delenv("UNIONDASH_REDIS_URL", raising=False)
    monkeypatch.delenv("UNIONDASH_CACHE_DIR", raising=False)
    return create_app(SHIPPED).server.test_client()


def cache_of(client: FlaskClient) -> ResponseCache:
    return client.application.extensions[RESPONSE_CACHE_KEY]


def nonce_of(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"'nonce-([A-Za-z0-9_-]+)'", response.headers["Content-Security-Policy"])
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("url", ["/present?lang=en&slide=2", "/briefing?years=2021-2023"])
def test_slides_and_briefing_are_drawn_once(client: FlaskClient, url: str):
    cache = cache_of(client)
    first = client.get(url)
    assert first.status_code == 200 and cache.misses == 1 and len(cache) == 1
    again = client.get(url)
    assert again.status_code == 200 and cache.hits == 1 and len(cache) == 1
    assert again.get_data() == first.get_data() and again.mimetype == first.mimetype == "text/html"
    assert again.headers.get("Content-Security-Policy") == first.headers.get("Content-Security-Policy")


def test_what_a_page_reads_is_in_the_key_and_nothing_else(client: FlaskClient):
    cache = cache_of(client)
    client.get("/present?programme=winter-warmth,model-workers&slide=2")
    # The same filters written another way, and parameters nobody reads (an article's tracking links): a hit.
    same = client.get("/present?slide=2&programme=winter-warmth&programme=model-workers&utm_source=x&fbclid=1")
    assert same.status_code == 200 and cache.hits == 1 and len(cache) == 1
    # Another slide, interval or language is another page.
    for url in ("/present?slide=3&programme=winter-warmth,model-workers", "/present?lang=en", "/present?interval=30"):
        client.get(url)
    assert len(cache) == 4 and cache.hits == 1
    # A bad value is a notice on the page, and the notice is in the key.
    bad = client.get("/present?years=abc").get_data(as_text=True)
    assert len(cache) == 5 and "abc" in bad


def test_an_embed_is_served_from_the_cache_with_a_fresh_nonce_each_time(client: FlaskClient):
    cache = cache_of(client)
    first = client.get("/embed/aid-funds?lang=en")
    second = client.get("/embed/aid-funds?lang=en&utm_campaign=article")
    assert first.status_code == second.status_code == 200 and cache.hits == 1
    old, new = nonce_of(first), nonce_of(second)
    assert old != new
    body = second.get_data(as_text=True)
    assert f'nonce="{new}"' in body and old not in body
    assert body.replace(new, old) == first.get_data(as_text=True)
    assert second.headers["Content-Security-Policy"].replace(new, old) == first.headers["Content-Security-Policy"]
    assert second.cache_control.no_cache  # the headers the route set come back too


def test_answers_that_must_not_be_kept_are_not(client: FlaskClient):
    cache = cache_of(client)
    assert client.get("/embed/no-such-chart").status_code == 404
    assert client.get("/embed/no-such-chart").status_code == 404
    assert len(cache) == 0 and cache.hits == 0
    # A key longer than 2 KB (a slide number of 5000 digits) is drawn each time, never kept.
    long = client.get("/present?slide=" + "9" * 5000)
    assert long.status_code == 200 and len(cache) == 0


def test_the_response_cache_is_bounded_by_bytes_keys_included():
    entry = CachedResponse(200, b"x" * 1000, (("Content-Type", "text/html"),), "")
    cache = ResponseCache(max_bytes=3500)
    for index in range(10):
        cache.put(f"key-{index}", entry)
        assert cache.size <= 3500
    assert len(cache) == 3 and cache.get("key-9") is not None and cache.get("key-0") is None
    assert cache.size == 3 * (entry.size + len(b"key-9"))
    cache.put("huge", CachedResponse(200, b"x" * 4000, (), ""))
    assert cache.get("huge") is None
