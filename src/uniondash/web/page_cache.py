"""The page callback's answers, kept by what they depend on, so a filter change seldom draws anything.

Drawing a page (`pages.render`) takes 20–500 ms: every chart is planned from the facts and built as a
figure. Between two changes of the data (`follow` then empties the cache) a page is a pure function of

- the route (overview, a section, or "not found" and what was asked for),
- the canonical filter state (`query.to_query_string(filters)`, which includes the language),
- the notices the query string produced (bad parameters), and
- on a section page, the base URL its share panels write into links (`flask.request.host_url`),

plus one attribute that repeats the raw URL (`data-view` on `<main>`, which tests and scripts wait for);
it is written into each answer. Two URLs that mean the same view (parameters in another order,
`programme=a,b` or `programme=a&programme=b`) share one entry.

Each entry is kept as the JSON that Dash sends (serialised once), in a least-recently-used store bounded
by total size, keys included. Keys are canonical and short whatever the URL: an unknown path is cut
(`urls.MAX_PATH`), an over-long query reads as none (`urls.MAX_SEARCH`), and a raw URL is remembered only
when it is short (MAX_REMEMBERED_URL), so junk URLs cannot grow a worker past the budget. On a hit that JSON goes out as it is, with `data-view` spliced in (with orjson; without it,
it is parsed back, about 1 ms for the largest page): a hit costs well under a millisecond instead of a
render, and never hands out an object another request could change. With a shared
store (Redis at `UNIONDASH_REDIS_URL`: every worker and host; else a directory at `UNIONDASH_CACHE_DIR`:
the workers of one host) a page drawn by one worker is found by the others; its keys carry a fingerprint
of the data and of the code, so a new release never reads an old page.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import importlib.metadata
import json
import logging
import re
import secrets
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.io.json as pio_json
from flask import Flask, Response, request
from plotly.io.json import to_json_plotly

import uniondash
from uniondash.config import Settings
from uniondash.exports.images import DirectoryCache, ImageCache, dataset_fingerprint
from uniondash.exports.shared_cache import redis_cache
from uniondash.model import Dataset
from uniondash.query import FILTER_PARAMS as QUERY_PARAMS
from uniondash.query import Notice, parse_filters, to_query_string
from uniondash.state import DataState, as_state
from uniondash.web import pages, urls

logger = logging.getLogger(__name__)

try:  # optional: see CachedPage.answer
    import orjson
except ImportError:  # pragma: no cover - without orjson, hits parse the JSON
    orjson = None  # type: ignore[assignment]

# The element that carries the raw URL, and the attribute (see pages.render).
MAIN_ID = "main"
VIEW_ATTRIBUTE = "data-view"
_SENTINEL = "\u0000uniondash-view\u0000"
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# Raw URLs whose key is remembered, and the longest remembered (path + query + base URL, in characters):
# at most 1024 × 2 KB. A longer URL is parsed on each request; its page is cached under its canonical key.
MAX_URLS = 1024
MAX_REMEMBERED_URL = 2048
# Pages in a shared directory are stored compressed (about 15 KB each).
SHARED_MAX_BYTES = 64 * 1024 * 1024
# A request that finds its page being drawn by another thread waits for it rather than drawing it too
# (a crowd opening one new view); past this it draws it itself.
WAIT_FOR_OTHER = 10.0

Renderer = Callable[[Dataset, "str | None", "str | None", str], pages.Page]
PageAnswer = tuple[list[Any], dict[str, str]]


@dataclass(frozen=True)
class PageKey:
    """Everything a page depends on except the raw URL it repeats in `data-view`."""

    route: urls.Route
    query: str
    notices: tuple[Notice, ...]
    base_url: str

    def text(self) -> str:
        """A stable string form (for a shared store's key)."""
        notices = [[notice.zh, notice.en] for notice in self.notices]
        route = [self.route.page, self.route.section_id, self.route.path]
        return json.dumps([route, self.query, notices, self.base_url], ensure_ascii=False)


def page_key(dataset: Dataset, pathname: str | None, search: str | None, base_url: str) -> PageKey:
    """The cache key of the page for a URL: parsed the same way `pages.render` parses it."""
    filters, notices = urls.read_filters(search, dataset)
    route = urls.route(pathname, dataset)
    # Only a section page writes the base URL (into its charts' share links and embed codes).
    return PageKey(route, to_query_string(filters), tuple(notices), base_url if route.page == "section" else "")


def view_of(pathname: str | None, search: str | None) -> str:
    """The `data-view` value `pages.render` writes for a URL."""
    return f"{pathname or '/'}{search or ''}"


@dataclass(frozen=True)
class CachedPage:
    """A page's children as serialised JSON, cut where the `data-view` value goes, and its meta."""

    before: bytes
    after: bytes
    meta: dict[str, str]

    @property
    def size(self) -> int:
        return len(self.before) + len(self.after)

    def children_json(self, view: str) -> bytes:
        return self.before + _encode(view).encode() + self.after

    def answer(self, view: str) -> PageAnswer:
        """The page's children and meta with `data-view` set to `view`, for Dash to send.

        With orjson (plotly's, and so Dash's, encoder when installed) the children go out as the cached
        JSON itself, spliced into the response without being parsed or encoded again: for a large page
        this is what keeps a hit at a few milliseconds and free of garbage-collection pauses. Without it,
        a fresh copy parsed from the JSON.
        """
        text = self.children_json(view)
        children: Any = orjson.Fragment(text) if _fragments() else json.loads(text)
        return children, dict(self.meta)

    def to_bytes(self) -> bytes:
        meta = json.dumps(self.meta).encode()
        return zlib.compress(b"\0".join((self.before, self.after, meta)), 3)

    @classmethod
    def from_bytes(cls, data: bytes) -> CachedPage:
        before, after, meta = zlib.decompress(data).split(b"\0")
        return cls(before, after, json.loads(meta))


def serialise(page: pages.Page) -> CachedPage:
    """The page's children as Dash sends them (plotly's encoder), cut at `<main>`'s `data-view` value."""
    # The "json" engine walks a component tree 3× faster than the orjson one (which is faster for the
    # plain data of a hit); both write the same JSON, escaped the same way.
    text = _encode(page.children)
    children = json.loads(text)
    props = _props_path(children, MAIN_ID)
    if props is None:
        raise ValueError(f"the page has no element with id {MAIN_ID!r}")
    node: Any = children
    for step in props:
        node = node[step]
    node[VIEW_ATTRIBUTE] = _SENTINEL
    marked = _encode(children)
    before, found, after = marked.partition(_encode(_SENTINEL))
    if not found:
        raise ValueError("the page's data-view attribute could not be located")
    return CachedPage(before.encode(), after.encode(), page.meta())


def _encode(value: Any) -> str:
    return str(to_json_plotly(value, engine="json"))


def _fragments() -> bool:
    """Whether Dash will serialise with orjson, which writes an `orjson.Fragment` as it is."""
    return orjson is not None and pio_json.config.default_engine in ("auto", "orjson")


def _props_path(node: Any, element_id: str) -> tuple[int | str, ...] | None:
    """The path (list indices and dict keys) to the props of the element with `element_id`."""
    if isinstance(node, list):
        for index, child in enumerate(node):
            found = _props_path(child, element_id)
            if found is not None:
                return (index, *found)
    elif isinstance(node, dict) and isinstance(node.get("props"), dict):
        props = node["props"]
        if props.get("id") == element_id:
            return ("props",)
        found = _props_path(props.get("children"), element_id)
        if found is not None:
            return ("props", "children", *found)
    return None


def code_fingerprint() -> str:
    """A hash of this package's code and the versions of what draws the page (for shared keys)."""
    digest = hashlib.sha256()
    for module_file in sorted(Path(uniondash.__file__).parent.rglob("*.py")):
        digest.update(module_file.read_bytes())
    for package in ("dash", "dash-bootstrap-components", "plotly"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(importlib.metadata.version(package).encode())
    return digest.hexdigest()[:16]


class PageCache:
    """Pages by `PageKey`: a local LRU bounded by bytes, an optional shared store, then `render`.

    Thread-safe. A miss draws the page once even when several threads ask for it at the same time.
    The shared store is optional and may fail: its errors are its own to swallow (see shared_cache).
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        shared: ImageCache | None = None,
        render: Renderer = pages.render,
    ) -> None:
        self.dataset = dataset
        self.max_bytes = max_bytes
        self.shared = shared
        self._render = render
        self._items: OrderedDict[PageKey, CachedPage] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._drawing: dict[PageKey, threading.Event] = {}
        self._keys: OrderedDict[tuple[str | None, str | None, str], PageKey] = OrderedDict()
        self._version = f"{dataset_fingerprint(dataset)}-{code_fingerprint()}" if shared is not None else ""
        self.hits = 0
        self.shared_hits = 0
        self.misses = 0

    @classmethod
    def from_env(cls, dataset: Dataset, environ: Mapping[str, str] | None = None) -> PageCache:
        """Sized by $UNIONDASH_PAGE_CACHE_MB; shared through $UNIONDASH_REDIS_URL, else the directory
        $UNIONDASH_CACHE_DIR/pages, if one is set."""
        settings = Settings.from_env(environ)
        shared: ImageCache | None = None
        if settings.redis_url:
            shared = redis_cache(settings.redis_url)
        elif settings.cache_dir:
            # The workers of one host share the directory: each view is drawn once per host.
            shared = DirectoryCache(Path(settings.cache_dir).expanduser() / "pages", max_bytes=SHARED_MAX_BYTES)
        return cls(dataset, max_bytes=settings.page_cache_mb * 1024 * 1024, shared=shared)

    def __len__(self) -> int:
        return len(self._items)

    def follow(self, dataset: Dataset) -> None:
        """Draw from `dataset` from now on; if it is new data, forget every page drawn from the old one
        (the shared store's keys carry the data's fingerprint, so they never match the old pages)."""
        if dataset is self.dataset:
            return
        with self._lock:
            if dataset is self.dataset:
                return
            self.dataset = dataset
            self._items.clear()
            self._keys.clear()
            self._size = 0
            if self.shared is not None:
                self._version = f"{dataset_fingerprint(dataset)}-{code_fingerprint()}"

    @property
    def size(self) -> int:
        """Bytes held: the pages' JSON and their keys."""
        return self._size

    def page(self, pathname: str | None, search: str | None, base_url: str = "") -> PageAnswer:
        """The page's children and meta for a URL, as `pages.render` would draw them."""
        key = self.key(pathname, search, base_url)
        return self._cached(key, pathname, search, base_url).answer(view_of(pathname, search))

    def key(self, pathname: str | None, search: str | None, base_url: str = "") -> PageKey:
        """`page_key`, remembered for the last URLs seen (parsing the query costs as much as a hit)."""
        if not isinstance(pathname, str | None) or not isinstance(search, str | None):
            return page_key(self.dataset, pathname, search, base_url)  # a forged request: not hashable
        raw = (pathname, search, base_url)
        if len(pathname or "") + len(search or "") + len(base_url) > MAX_REMEMBERED_URL:
            return page_key(self.dataset, pathname, search, base_url)
        with self._lock:
            known = self._keys.get(raw)
            if known is not None:
                self._keys.move_to_end(raw)
                return known
        key = page_key(self.dataset, pathname, search, base_url)
        with self._lock:
            self._keys[raw] = key
            while len(self._keys) > MAX_URLS:
                self._keys.popitem(last=False)
        return key

    def recent_views(self, limit: int) -> list[tuple[str | None, str | None, str]]:
        """The URLs (pathname, search, base URL) asked for most recently, newest first: what to draw again
        ahead of readers when the data changes."""
        with self._lock:
            return list(reversed(self._keys))[:limit]

    def redraw(self, dataset: Dataset, views: Iterable[tuple[str | None, str | None, str]]) -> int:
        """Follow `dataset` and draw `views` on it now (the data desk's follower, right after a reload, so
        that readers find them drawn); the number drawn."""
        self.follow(dataset)
        before = self.misses
        for pathname, search, base_url in views:
            if self.dataset is not dataset:  # newer data meanwhile: its own redraw follows
                break
            self.page(pathname, search, base_url)
        return self.misses - before

    def prewarm(self, paths: Iterable[str], searches: Sequence[str] = ("", "?lang=en"), base_url: str = "") -> int:
        """Draw the pages for `paths` × `searches` now; the number drawn (not already cached)."""
        before = self.misses
        for path in paths:
            for search in searches:
                key = page_key(self.dataset, path, search, base_url)
                if key not in self._items:
                    self._cached(key, path, search, base_url)
        return self.misses - before

    def _cached(self, key: PageKey, pathname: str | None, search: str | None, base_url: str) -> CachedPage:
        while True:
            with self._lock:
                found = self._items.get(key)
                if found is not None:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return found
                drawing = self._drawing.get(key)
                if drawing is None:
                    drawing = self._drawing[key] = threading.Event()
                    break
            # Another thread is drawing this page: wait for it, then look again.
            if not drawing.wait(WAIT_FOR_OTHER):
                return self._draw(key, pathname, search, base_url)
        try:
            return self._draw(key, pathname, search, base_url)
        finally:
            with self._lock:
                self._drawing.pop(key, None)
            drawing.set()

    def _draw(self, key: PageKey, pathname: str | None, search: str | None, base_url: str) -> CachedPage:
        dataset = self.dataset
        page = self._from_shared(key)
        if page is None:
            page = serialise(self._render(dataset, pathname, search, base_url))
            self.misses += 1
            if self.shared is not None:
                self.shared.put(self._shared_key(key), page.to_bytes())
        else:
            self.shared_hits += 1
        if dataset is self.dataset:  # not when the data changed while the page was drawn
            self._store(key, page)
        return page

    def _from_shared(self, key: PageKey) -> CachedPage | None:
        if self.shared is None:
            return None
        data = self.shared.get(self._shared_key(key))
        if data is None:
            return None
        try:
            return CachedPage.from_bytes(data)
        except (ValueError, zlib.error, UnicodeDecodeError) as error:
            logger.warning("ignoring a malformed page in the shared cache: %s", error)
            return None

    def _shared_key(self, key: PageKey) -> str:
        digest = hashlib.sha256(f"{self._version}\n{key.text()}".encode()).hexdigest()[:32]
        return f"page-{digest}"

    def _store(self, key: PageKey, page: CachedPage) -> None:
        size = entry_size(key, page)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= entry_size(key, old) if old is not None else 0
            self._items[key] = page
            self._size += size
            while self._size > self.max_bytes:
                dropped_key, dropped = self._items.popitem(last=False)
                self._size -= entry_size(dropped_key, dropped)


def entry_size(key: PageKey, page: CachedPage) -> int:
    """What an entry counts against the budget: its page's JSON and its key (in UTF-8, as `PageKey.text`)."""
    return page.size + len(key.text().encode())


# ---------------------------------------------------------------------------------------------------
# Whole responses of the pages outside Dash (slides, briefing, embeds): the same idea as the page cache,
# one level up. They too are pure functions of the data and the URL, and drawing them costs 50–700 ms.

RESPONSE_CACHE_KEY = "uniondash_response_cache"
# The filter parameters every page reads (query.parse_filters); a route names any others it reads.
FILTER_PARAMS = QUERY_PARAMS
_NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{16,})'")
# Headers that belong to one answer, not to the page.
_PER_ANSWER = {"content-length", "date", "set-cookie"}


@dataclass(frozen=True)
class CachedResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    nonce: str  # the script nonce written into the body and the CSP header ('' if none)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class ResponseCache:
    """Responses by key (a short string): an LRU bounded by bytes, keys included. Thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.dataset: Dataset | None = None
        self._items: OrderedDict[str, CachedResponse] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        return self._size

    def follow(self, dataset: Dataset) -> None:
        """Answers drawn from other data are never served: new data empties the cache."""
        if dataset is self.dataset:
            return
        with self._lock:
            if dataset is not self.dataset:
                self.dataset = dataset
                self._items.clear()
                self._size = 0

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return found

    def put(self, key: str, entry: CachedResponse) -> None:
        size = entry.size + len(key.encode())
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= old.size + len(key.encode()) if old is not None else 0
            self._items[key] = entry
            self._size += size
            while self._size > self.max_bytes:
                dropped_key, dropped = self._items.popitem(last=False)
                self._size -= dropped.size + len(dropped_key.encode())


def response_key(
    dataset: Dataset,
    endpoint: str,
    view_args: Mapping[str, Any],
    args: Mapping[str, list[str]],
    host: str,
    params: Sequence[str] = (),
    today: str = "",
) -> str | None:
    """What a page outside Dash depends on, as a short string; None if it is too long to be worth keeping.

    The filters in their canonical form (`programme=a,b` and `programme=a&programme=b` share an entry), the
    notices they produced, the values of the route's own `params`, its path arguments, the host (a page
    may write absolute links) and the day (the briefing prints the date it was made). Any other parameter (`utm_source`, `fbclid`, …) is not read, so it shares
    the entry: an embed in a widely read article is one entry whatever its readers' links carry.
    """
    filter_args = {name: args[name] for name in FILTER_PARAMS if name in args}
    filters, notices = parse_filters(filter_args, dataset, live=True)  # a key: `report=latest` kept apart
    own = {name: args.get(name, []) for name in params}
    text = json.dumps(
        [endpoint, sorted(view_args.items()), to_query_string(filters), [n.en for n in notices], own, host, today],
        ensure_ascii=False,
        default=str,
    )
    return text if len(text) <= MAX_REMEMBERED_URL else None


def cached_response(
    server: Flask, data: Dataset | DataState, view: Callable[..., Response], *, params: Sequence[str] = ()
) -> Callable[..., Response]:
    """`view` (a Flask view of a page that depends only on the data and the URL) with its answers kept.

    `params`: the query parameters the view reads besides the filters; a parameter the view reads and
    does not name here would be served from the entry of another value. Only 200 answers that may be
    stored are kept. A page with a script nonce (its CSP header names it) gets a fresh nonce on every hit.
    """
    cache = server.extensions.get(RESPONSE_CACHE_KEY)
    if cache is None:
        cache = server.extensions[RESPONSE_CACHE_KEY] = ResponseCache(Settings.from_env().page_cache_mb * 1024 * 1024)

    state = as_state(data)

    @functools.wraps(view)
    def cached(**view_args: Any) -> Response:
        dataset = state.current()
        cache.follow(dataset)
        args = request.args.to_dict(flat=False)
        today = datetime.date.today().isoformat()
        key = response_key(dataset, request.endpoint or "", view_args, args, request.host, params, today)
        entry = cache.get(key) if key is not None else None
        if entry is not None:
            return _replay(entry)
        response = view(**view_args)
        keep = response.status_code == 200 and not response.is_streamed and not response.cache_control.no_store
        if key is not None and keep:
            cache.put(key, _record(response))
        return response

    return cached


def _record(response: Response) -> CachedResponse:
    headers = tuple((name, value) for name, value in response.headers.items() if name.lower() not in _PER_ANSWER)
    found = _NONCE.search(response.headers.get("Content-Security-Policy", ""))
    return CachedResponse(response.status_code, response.get_data(), headers, found.group(1) if found else "")


def _replay(entry: CachedResponse) -> Response:
    body, headers = entry.body, list(entry.headers)
    if entry.nonce:
        # A nonce is only worth anything if no two answers share it.
        fresh = secrets.token_urlsafe(16)
        body = body.replace(entry.nonce.encode(), fresh.encode())
        headers = [(name, value.replace(entry.nonce, fresh)) for name, value in headers]
    return Response(body, status=entry.status, headers=headers)
