"""The shared cache (exports/shared_cache.py): chart images and pages in Redis, chosen by
UNIONDASH_REDIS_URL; a Redis that fails, hangs or is gone makes requests uncached, never an error."""

from __future__ import annotations

import logging
from typing import Any

import fakeredis
import pytest
import redis
from flask import Flask

from uniondash.errors import UniondashError
from uniondash.exports.images import ChartImages, DirectoryCache, MemoryCache, cache_from_env
from uniondash.exports.shared_cache import RedisCache, redis_cache, redis_cache_from_env
from uniondash.model import Dataset
from uniondash.web import press_routes
from uniondash.web.page_cache import PageCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class BrokenClient:
    """A Redis client whose every call fails the way redis-py's do when the server is gone."""

    def __init__(self) -> None:
        self.calls = 0

    def get(self, name: str) -> Any:
        self.calls += 1
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def set(self, name: str, value: bytes, ex: int | None = None) -> Any:
        self.calls += 1
        raise redis.TimeoutError("Timeout writing to socket")


def test_images_round_trip_through_redis_with_a_prefix_and_an_expiry():
    server = fakeredis.FakeRedis()
    cache = RedisCache(server, prefix="ud:", ttl=3600)
    assert cache.get("abc") is None
    cache.put("abc", b"\x89PNG data")
    assert cache.get("abc") == b"\x89PNG data"
    assert server.get("ud:abc") == b"\x89PNG data"
    assert 3590 < server.ttl("ud:abc") <= 3600


def test_an_item_larger_than_the_limit_is_not_stored():
    server = fakeredis.FakeRedis()
    cache = RedisCache(server, max_item_bytes=10)
    cache.put("big", b"x" * 11)
    cache.put("small", b"x" * 10)
    assert cache.get("big") is None and cache.get("small") == b"x" * 10


def test_a_failing_redis_is_a_miss_then_left_alone_then_tried_again(caplog: pytest.LogCaptureFixture):
    client, clock = BrokenClient(), Clock()
    cache = RedisCache(client, retry_after=30, clock=clock)
    with caplog.at_level(logging.WARNING, logger="uniondash.exports.shared_cache"):
        assert cache.get("a") is None
        cache.put("a", b"data")  # not even tried: Redis is resting
        assert cache.get("a") is None
    assert client.calls == 1 and cache.errors == 1 and not cache.available
    assert len([r for r in caplog.records if "serving without it" in r.message]) == 1
    clock.now += 31
    assert cache.available
    cache.put("a", b"data")  # tried again, fails again
    assert client.calls == 2 and not cache.available


def test_redis_that_comes_back_is_used_again():
    server, clock = fakeredis.FakeServer(), Clock()
    cache = RedisCache(fakeredis.FakeRedis(server=server), retry_after=5, clock=clock)
    server.connected = False  # fakeredis: every call now raises ConnectionError
    cache.put("k", b"v")
    assert not cache.available
    server.connected = True
    clock.now += 6
    cache.put("k", b"v")
    assert cache.available and cache.get("k") == b"v"


def test_an_unreachable_server_degrades_to_misses_quickly():
    # A real redis-py client against a port nobody listens on (loopback only).
    cache = redis_cache("redis://127.0.0.1:1/0")
    assert cache.get("x") is None
    cache.put("x", b"y")
    assert cache.errors == 1 and not cache.available


def test_the_url_is_checked_when_the_server_starts():
    with pytest.raises(UniondashError, match="UNIONDASH_REDIS_URL"):
        redis_cache("http://not-redis.example/")
    assert redis_cache_from_env({}) is None
    assert isinstance(redis_cache_from_env({"UNIONDASH_REDIS_URL": "redis://127.0.0.1:6379/2"}), RedisCache)


def test_cache_from_env_prefers_redis_then_a_directory_then_memory(tmp_path):
    shared = cache_from_env({"UNIONDASH_REDIS_URL": "redis://127.0.0.1:6379/0", "UNIONDASH_CACHE_DIR": str(tmp_path)})
    assert isinstance(shared, RedisCache)
    assert isinstance(cache_from_env({"UNIONDASH_CACHE_DIR": str(tmp_path)}), DirectoryCache)
    assert isinstance(cache_from_env({"UNIONDASH_REDIS_URL": " "}), MemoryCache)


class FakeRenderer:
    """Stands in for Chromium: the test is about the cache around it."""

    def __init__(self) -> None:
        self.renders = 0

    def render(self, figure: Any, fmt: str, size: Any) -> bytes:
        self.renders += 1
        return b"\x89PNG\r\n\x1a\nfake"


def test_a_chart_png_is_served_when_redis_fails(dataset: Dataset):
    renderer = FakeRenderer()
    app = Flask("test")
    images = ChartImages(dataset, renderer, RedisCache(BrokenClient()))  # type: ignore[arg-type]
    press_routes.register(app, dataset, images=images)
    client = app.test_client()
    for _ in range(2):
        response = client.get("/export/chart/aid-funds.png")
        assert response.status_code == 200
        assert response.data == b"\x89PNG\r\n\x1a\nfake"
    assert renderer.renders == 2  # uncached, but served


def test_a_chart_png_is_cached_in_redis_for_every_worker(dataset: Dataset):
    server = fakeredis.FakeRedis()
    first, second = FakeRenderer(), FakeRenderer()
    for renderer in (first, second):  # two workers, one Redis
        app = Flask("test")
        images = ChartImages(dataset, renderer, RedisCache(server))  # type: ignore[arg-type]
        press_routes.register(app, dataset, images=images)
        assert app.test_client().get("/export/chart/aid-funds.png?lang=en").status_code == 200
    assert (first.renders, second.renders) == (1, 0)


def test_pages_are_shared_through_redis_and_survive_its_failure(dataset: Dataset):
    server = fakeredis.FakeRedis()
    one, two = PageCache(dataset, shared=RedisCache(server)), PageCache(dataset, shared=RedisCache(server))
    expected = one.page("/section/aid", "?lang=en", "http://x/")
    assert two.page("/section/aid", "?lang=en", "http://x/")[1] == expected[1]
    assert (one.misses, two.misses, two.shared_hits) == (1, 0, 1)
    broken = PageCache(dataset, shared=RedisCache(BrokenClient()))
    assert broken.page("/section/aid", "?lang=en", "http://x/")[1] == expected[1]
    assert broken.misses == 1
