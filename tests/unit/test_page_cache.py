"""The page cache (web/page_cache.py): a cached page is exactly the freshly drawn one, whatever the URL
(bad parameters, English, unknown pages, the same view written differently), it is bounded, a crowd asking
for a new view draws it once, and a shared store passes pages between workers and may fail harmlessly."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from dash._utils import to_json

from tests.dash_requests import page_callback
from tests.synthetic import SHIPPED
from tests.test_serving import STATUS_TOKEN, operator_status
from uniondash.config import Settings
from uniondash.exports.images import MemoryCache
from uniondash.model import Dataset
from uniondash.web import page_cache, pages
from uniondash.web.app import create_app
from uniondash.web.page_cache import CachedPage, PageCache, page_key, serialise

BASE = "http://dashboard.example/"
URLS = [
    ("/", ""),
    ("/", "?lang=en"),
    ("/", "?years=2021-2023&programme=winter-warmth,model-workers"),
    ("/section/aid", ""),
    ("/section/aid", "?years=2019-2023&programme=winter-warmth&lang=en"),
    ("/section/models", "?years=2023"),  # every chart empty, each saying why
    ("/section/relations", "?years=2021,2023"),
    ("/section/aid", "?years=abc&programme=nope&lang=xx"),  # bad parameters: notices, defaults
    ("/section/aid", "?" + "years=2019&" * 600),  # absurdly long: ignored with a notice
    ("/section/nope", "?lang=en"),  # unknown section
    ("/elsewhere", ""),  # unknown page
    (None, None),  # what the first callback of a page may carry
]


def as_sent(children: Any, meta: dict[str, str]) -> Any:
    """What Dash puts on the wire for the page callback's answer, read back."""
    return json.loads(to_json({"children": children, "meta": meta}))


def fresh(dataset: Dataset, pathname: str | None, search: str | None) -> Any:
    page = pages.render(dataset, pathname, search, BASE)
    return as_sent(page.children, page.meta())


@pytest.mark.parametrize(("pathname", "search"), URLS)
def test_a_cached_page_equals_the_freshly_drawn_page(dataset: Dataset, pathname: str | None, search: str | None):
    cache = PageCache(dataset)
    expected = fresh(dataset, pathname, search)
    first = as_sent(*cache.page(pathname, search, BASE))
    second = as_sent(*cache.page(pathname, search, BASE))
    assert first == expected
    assert second == expected
    assert (cache.misses, cache.hits) == (1, 1)


def test_one_view_written_two_ways_is_drawn_once_and_each_url_is_repeated(dataset: Dataset):
    cache = PageCache(dataset)
    a = "?programme=winter-warmth,golden-autumn&years=2019-2023"
    b = "?years=2019-2023&programme=winter-warmth&programme=golden-autumn"
    assert page_key(dataset, "/section/aid", a, BASE) == page_key(dataset, "/section/aid", b, BASE)
    for search in (a, b):
        answer = as_sent(*cache.page("/section/aid", search, BASE))
        assert answer == fresh(dataset, "/section/aid", search)
        assert f'data-view="/section/aid{search}"' in page_html_attrs(answer)
    assert cache.misses == 1 and len(cache) == 1


def page_html_attrs(answer: Any) -> str:
    """The `<main>` element's data-view, written as an attribute (to compare with the URL)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == "main":
                found.append(f'data-view="{props["data-view"]}"')
            walk(props.get("children"))

    walk(answer["children"])
    assert len(found) == 1
    return found[0]


def test_what_the_page_depends_on_is_in_the_key(dataset: Dataset):
    """Language, filters, notices, the page and the base URL of the share links each make a new entry."""
    keys = {
        page_key(dataset, "/section/aid", "", BASE),
        page_key(dataset, "/section/aid", "?lang=en", BASE),
        page_key(dataset, "/section/aid", "?years=2021-2023", BASE),
        page_key(dataset, "/section/aid", "?years=abc", BASE),  # a notice, else the default view
        page_key(dataset, "/section/aid", "?programme=nope", BASE),  # another notice
        page_key(dataset, "/section/models", "", BASE),
        page_key(dataset, "/section/aid", "", "https://other.example/"),
        page_key(dataset, "/section/nope", "", BASE),
        page_key(dataset, "/section/other", "", BASE),  # "not found" says which section was asked for
    }
    assert len(keys) == 9
    # The overview and "not found" pages have no share links: one entry whatever the host.
    assert page_key(dataset, "/", "", BASE) == page_key(dataset, "/", "", "https://other.example/")
    assert as_sent(*PageCache(dataset).page("/", "", "https://other.example/")) == fresh(dataset, "/", "")
    # The English share link names the other base URL: the base URL really changes the page.
    other = as_sent(*PageCache(dataset).page("/section/aid", "", "https://other.example/"))
    assert "https://other.example/section/aid" in json.dumps(other)
    assert "https://other.example/" not in json.dumps(fresh(dataset, "/section/aid", ""))


def test_the_cache_is_bounded_by_size_and_keeps_the_recent_pages(dataset: Dataset):
    sizes = {
        search: page_cache.entry_size(
            page_key(dataset, "/section/aid", search, BASE),
            serialise(pages.render(dataset, "/section/aid", search, BASE)),
        )
        for search in ("", "?lang=en", "?years=2019-2023&programme=winter-warmth")
    }
    limit = max(sizes.values()) * 2
    cache = PageCache(dataset, max_bytes=limit)
    for search in sizes:
        cache.page("/section/aid", search, BASE)
        assert cache.size <= limit
    assert len(cache) == 2
    # The oldest went: asking for it again draws it again.
    misses = cache.misses
    cache.page("/section/aid", "", BASE)
    assert cache.misses == misses + 1 and cache.size <= limit
    # A page larger than the whole cache is served, not kept.
    tiny = PageCache(dataset, max_bytes=10)
    assert as_sent(*tiny.page("/", "", BASE)) == fresh(dataset, "/", "")
    assert len(tiny) == 0 and tiny.size == 0


def test_remembered_urls_are_bounded(dataset: Dataset, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(page_cache, "MAX_URLS", 3)
    cache = PageCache(dataset)
    for year in range(2019, 2024):
        cache.page("/section/aid", f"?years={year}&x={year}", BASE)
    assert len(cache._keys) == 3


def test_junk_paths_and_queries_cannot_grow_the_cache_past_its_budget(dataset: Dataset):
    import gc
    import tracemalloc

    cache = PageCache(dataset, max_bytes=2 * 1024 * 1024)
    cache.page("/", "", BASE)  # draw once first: what drawing itself keeps (plotly, templates) is not the cache's
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        sent = 0
        for index in range(60):
            junk = "x" * 200_000 + str(index)
            for pathname, search in (
                (f"/{junk}", ""),
                ("/section/aid", f"?lang=en&junk={junk}"),
                (f"/{junk}", f"?{junk}"),
            ):
                answer = cache.page(pathname, search, BASE)
                sent += len(pathname) + len(search)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent > 30_000_000
    # The junk is not remembered: 36 MB of URLs leave less than 4 MB behind (three new pages and what
    # drawing them keeps); before the fix every raw URL was kept, all 36 MB.
    assert after - before < 4_000_000
    assert len(cache._keys) == 1  # only the short URL
    assert cache.size == sum(page_cache.entry_size(key, page) for key, page in cache._items.items())
    assert cache.size <= cache.max_bytes
    # The cut path and the ignored query are the canonical key: three views however long the junk.
    assert len(cache) == 4 and all(len(key.text()) < 2_000 for key in cache._items)
    # The page quotes the path cut, and still repeats the whole URL in data-view.
    text = json.dumps(as_sent(*answer), ensure_ascii=False)
    assert "/" + "x" * 199 + "…" in text and f'"data-view": "{pathname}{search}"' in text


def test_the_budget_counts_keys(dataset: Dataset):
    cache = PageCache(dataset)
    cache.page("/section/aid", "", "http://" + "h" * 5000 + ".example/")
    ((key, page),) = cache._items.items()
    assert cache.size == page.size + len(key.text().encode()) > page.size + 5000


def test_an_answer_is_a_copy_that_no_other_request_can_change(dataset: Dataset):
    cache = PageCache(dataset)
    _, meta = cache.page("/", "?lang=en", BASE)
    meta["title"] = "changed"
    assert cache.page("/", "?lang=en", BASE)[1]["title"] != "changed"


def test_without_orjson_a_hit_is_parsed_json_equal_to_the_page(dataset: Dataset, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(page_cache, "orjson", None)
    cache = PageCache(dataset)
    cache.page("/section/aid", "?lang=en", BASE)
    children, meta = cache.page("/section/aid", "?lang=en", BASE)
    assert isinstance(children, list)
    assert as_sent(children, meta) == fresh(dataset, "/section/aid", "?lang=en")


def test_a_crowd_asking_for_a_new_view_draws_it_once(dataset: Dataset):
    drawing = threading.Event()
    release = threading.Event()
    calls: list[str | None] = []

    def slow_render(data: Dataset, pathname: str | None, search: str | None, base_url: str) -> pages.Page:
        calls.append(search)
        drawing.set()
        release.wait(10)
        return pages.render(data, pathname, search, base_url)

    cache = PageCache(dataset, render=slow_render)
    answers: list[Any] = []

    def ask() -> None:
        answers.append(as_sent(*cache.page("/section/aid", "?lang=en", BASE)))

    threads = [threading.Thread(target=ask) for _ in range(5)]
    threads[0].start()
    assert drawing.wait(10)
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(20)
    assert calls == ["?lang=en"]
    assert len(answers) == 5 and all(answer == answers[0] for answer in answers)
    assert answers[0] == fresh(dataset, "/section/aid", "?lang=en")


def test_a_failed_render_lets_the_next_request_try_again(dataset: Dataset):
    failures = [RuntimeError("boom")]

    def flaky(data: Dataset, pathname: str | None, search: str | None, base_url: str) -> pages.Page:
        if failures:
            raise failures.pop()
        return pages.render(data, pathname, search, base_url)

    cache = PageCache(dataset, render=flaky)
    with pytest.raises(RuntimeError):
        cache.page("/", "", BASE)
    assert as_sent(*cache.page("/", "", BASE)) == fresh(dataset, "/", "")


def test_a_shared_store_passes_pages_between_workers(dataset: Dataset):
    shared = MemoryCache()
    drawn: list[str | None] = []

    def counting(data: Dataset, pathname: str | None, search: str | None, base_url: str) -> pages.Page:
        drawn.append(pathname)
        return pages.render(data, pathname, search, base_url)

    first = PageCache(dataset, shared=shared, render=counting)
    second = PageCache(dataset, shared=shared, render=counting)
    first.page("/section/models", "?lang=en", BASE)
    answer = as_sent(*second.page("/section/models", "?lang=en&", BASE))
    assert drawn == ["/section/models"]
    assert second.shared_hits == 1 and second.misses == 0
    assert answer == fresh(dataset, "/section/models", "?lang=en&")


def test_a_broken_shared_store_is_ignored(dataset: Dataset):
    class Garbage:
        def get(self, key: str) -> bytes | None:
            return b"not a page"

        def put(self, key: str, data: bytes) -> None:
            pass

    cache = PageCache(dataset, shared=Garbage())
    assert as_sent(*cache.page("/", "", BASE)) == fresh(dataset, "/", "")
    assert cache.misses == 1


def test_shared_bytes_round_trip(dataset: Dataset):
    page = serialise(pages.render(dataset, "/section/aid", "?lang=en", BASE))
    again = CachedPage.from_bytes(page.to_bytes())
    assert again == page
    assert json.loads(again.children_json("/x?y")) == json.loads(page.children_json("/x?y"))


def test_the_page_callback_is_served_from_the_cache(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("UNIONDASH_REDIS_URL", raising=False)
    monkeypatch.delenv("UNIONDASH_CACHE_DIR", raising=False)
    client = create_app(SHIPPED, Settings(status_token=STATUS_TOKEN)).server.test_client()
    body = page_callback("/section/aid", "?lang=en")
    answers = [client.post("/_dash-update-component", json=body) for _ in range(3)]
    assert all(answer.status_code == 200 for answer in answers)
    assert answers[0].get_json() == answers[2].get_json()
    assert answers[0].get_json()["response"]["page-meta"]["data"]["lang"] == "en"
    stats = operator_status(client)["page_cache"]
    assert stats["bytes"] > 0 and stats | {"bytes": 0} == {"pages": 1, "bytes": 0, "hits": 2, "misses": 1}


def test_settings_size_the_cache_and_choose_the_shared_store(dataset: Dataset, tmp_path):
    cache = PageCache.from_env(dataset, {"UNIONDASH_PAGE_CACHE_MB": "5", "UNIONDASH_CACHE_DIR": str(tmp_path)})
    assert cache.max_bytes == 5 * 1024 * 1024
    cache.page("/", "", BASE)
    assert list((tmp_path / "pages").glob("page-*.bin"))
    assert PageCache.from_env(dataset, {}).shared is None
    off = PageCache.from_env(dataset, {"UNIONDASH_PAGE_CACHE_MB": "0"})
    off.page("/", "", BASE)
    assert len(off) == 0


def test_prewarm_draws_each_view_once(dataset: Dataset):
    cache = PageCache(dataset)
    assert cache.prewarm(["/", "/section/aid"], base_url=BASE) == 4  # two pages × zh, en
    assert cache.prewarm(["/", "/section/aid"], base_url=BASE) == 0
    assert (cache.hits, len(cache)) == (0, 4)
    cache.page("/section/aid", "?lang=en", BASE)
    assert cache.hits == 1 and cache.misses == 4


def test_new_data_redraws_the_views_asked_for_last(dataset: Dataset):
    from dataclasses import replace

    cache = PageCache(dataset)
    for pathname, search in (("/", ""), ("/section/aid", "?lang=en"), ("/", "?years=2023")):
        cache.page(pathname, search, BASE)
    views = cache.recent_views(2)
    assert views == [("/", "?years=2023", BASE), ("/section/aid", "?lang=en", BASE)]
    newer = replace(dataset)  # another Dataset object: new data as far as the cache knows
    assert cache.redraw(newer, views) == 2 and cache.dataset is newer
    misses = cache.misses
    cache.page("/section/aid", "?lang=en", BASE)  # a reader after the reload finds it drawn
    assert cache.misses == misses and len(cache) == 2
