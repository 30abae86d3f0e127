"""What production serving adds to the Flask server: a health check, cache headers, a smaller plotly.js,
and script bundles compressed once instead of on every request.

- `/healthz`: cheap, for a load balancer's probe (no data work), public: it says "ok" or "serving last good
  data" and nothing more (no path, file, line or count: what is wrong with the files is for the operator).
- `/-/status`: the operator's view of this worker (data set served, where from, what is wrong with the files
  on disk, caches), as JSON, only with `Authorization: Bearer $UNIONDASH_STATUS_TOKEN`; without a token set,
  or with another, it does not exist (404). `uniondash status` asks it.
- Cache lifetimes: Dash fingerprints most of its bundles ("…v4_4_1m1700000000.min.js"): those are cached
  for a year, immutable. plotly.js is served at one unversioned URL: browsers revalidate it (ETag, a
  304 costs a few hundred bytes), so an upgrade is never hidden behind a stale copy.
- plotly.js: Dash serves the full bundle (4.8 MB, 1.4 MB compressed) though every chart is a bar chart.
  The dashboard gets plotly.js's official "basic" partial bundle (scatter, bar, pie; 1.2 MB, 0.35 MB
  compressed: static/plotly-basic.min.js, MIT, from the npm package plotly.js-basic-dist-min) at the same
  URL, if its version is the one the installed plotly package expects; otherwise, or with
  UNIONDASH_PLOTLY_BUNDLE=full, the full one. Pages outside Dash (embeds, slides) are not affected.
- Compression: flask-compress compresses every response, at a fast setting, each time. The bundles under
  /_dash-component-suites/ never change while the process runs, so each is compressed once per encoding
  at a better setting than flask-compress's per-request one and kept (about 1.2 MB per encoding and worker).
  Kept by the file and its content, not the URL: Dash serves one file under any fingerprint
  (`plotly.v1m<any hex>.min.js`), so a URL key would let anyone add a copy per made-up fingerprint. The
  store is an LRU bounded by count and bytes besides (MAX_BUNDLES, MAX_BUNDLE_BYTES).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import brotli
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, jsonify, request

from uniondash.model import Dataset
from uniondash.state import DataState, as_state
from uniondash.status import STATUS_PATH

logger = logging.getLogger(__name__)

_SUITES = "/_dash-component-suites/"
PLOTLY_JS_PATH = _SUITES + "plotly/package_data/plotly.min.js"
BASIC_BUNDLE = Path(__file__).resolve().parent / "static" / "plotly-basic.min.js"
ENV_PLOTLY_BUNDLE = "UNIONDASH_PLOTLY_BUNDLE"
YEAR = 365 * 24 * 3600
# Set by web/callbacks.py: the worker's cache of drawn pages.
PAGE_CACHE_KEY = "uniondash_page_cache"
# The worker's compressed bundles (for tests and the status endpoint).
BUNDLES_KEY = "uniondash_compressed_bundles"
# More parts of the status: name → a function returning a small dict (the data desk: the version this host
# serves); a part whose dict holds a "problem" makes /healthz say the host serves its last good data.
HEALTH_KEY = "uniondash_health_parts"
HEALTHY = "ok"
LAST_GOOD = "serving last good data"
# Smallest first at these settings (all the bundles of a page, 5 MB: br 1.17 MB, zstd 1.18 MB, gzip
# 1.4 MB); about 0.1 s for all of them, once per worker. Higher settings save 3 % for 5× the time.
_ENCODINGS = ("br", "zstd", "gzip")
# The compressed bundles kept per worker: a page uses about 10 files × 3 encodings, 3.6 MB in all.
MAX_BUNDLES = 64
MAX_BUNDLE_BYTES = 16 * 1024 * 1024


def register(server: Flask, data: Dataset | DataState, status_token: str | None = None) -> None:
    """Add `/healthz`, `/-/status` (with `status_token`), cache lifetimes, the plotly.js bundle and
    compressed bundles to `server`."""
    state = as_state(data)
    plotly_js = plotly_bundle()
    compressed = _CompressedBundles()
    server.extensions[BUNDLES_KEY] = compressed

    @server.get("/healthz")
    def healthz() -> Response:
        # Files on disk that are refused leave the worker on the last good data: still 200 (it serves), and
        # only those words: the path, file and line are in the log and the operator's status.
        state.current()
        parts_ok = not any("problem" in part() for part in server.extensions.get(HEALTH_KEY, {}).values())
        response = Response(f"{HEALTHY if state.healthy and parts_ok else LAST_GOOD}\n", mimetype="text/plain")
        response.cache_control.no_store = True
        return response

    @server.get(STATUS_PATH)
    def status() -> Response:
        if not authorised(request.headers.get("Authorization", ""), status_token):
            response = Response("Not Found\n", status=404, mimetype="text/plain")
            response.cache_control.no_store = True
            return response
        state.current()
        body: dict[str, Any] = {"status": HEALTHY if state.healthy else LAST_GOOD, "pid": os.getpid()}
        body |= state.details()  # this worker's: a load balancer may send a request to any worker
        pages = server.extensions.get(PAGE_CACHE_KEY)
        if pages is not None:
            body["page_cache"] = {"pages": len(pages), "bytes": pages.size, "hits": pages.hits, "misses": pages.misses}
        body["bundles"] = {"files": len(compressed), "bytes": compressed.size}
        for name, part in server.extensions.get(HEALTH_KEY, {}).items():
            body[name] = part()
        response = jsonify(body)
        response.cache_control.no_store = True
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    if plotly_js is not None:

        @server.before_request
        def basic_plotly() -> Response | None:
            if request.path != PLOTLY_JS_PATH or request.method not in ("GET", "HEAD"):
                return None
            response = Response(plotly_js.data, mimetype="text/javascript")
            response.set_etag(plotly_js.etag)
            response.make_conditional(request)  # 304 when the browser has this version
            return response

    @server.after_request
    def hide_versions(response: Response) -> Response:
        # Dash's page shell writes the Python, Dash and plotly versions into `_dash-config` (its renderer
        # reads them only for the dev tools): a map of known vulnerabilities for whoever reads the page.
        if response.mimetype == "text/html" and not response.is_streamed:
            data = response.get_data()
            if b'id="_dash-config"' in data:
                response.set_data(without_versions(data))
        return response

    @server.after_request
    def bundles(response: Response) -> Response:
        if not request.path.startswith(_SUITES):
            return response
        if response.status_code in (200, 304):
            if check_fingerprint(request.path)[1]:
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
            else:
                response.cache_control.no_cache = True  # revalidate: the URL does not change on upgrade
        if response.status_code == 200 and request.method == "GET" and not response.is_streamed:
            compressed.apply(response, request.path, request.headers.get("Accept-Encoding", ""))
        return response


def authorised(header: str, token: str | None) -> bool:
    """Whether an Authorization header carries the operator's bearer token (compared in constant time)."""
    scheme, _, given = header.partition(" ")
    if token is None or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode("utf-8"))


def warm_up(server: Flask) -> None:
    """Make a new worker's first answers fast: compress the script bundles and draw the overview (zh, en).

    Run by `uniondash serve` in a background thread of each worker as it starts (web/production.py), so the
    worker answers requests meanwhile; about half a second of work. Section pages are not drawn ahead: their
    share links name the host the readers use, known only from their requests. Never raises.
    """
    try:
        client = server.test_client()
        index = client.get("/", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
        scripts = [*re.findall(r'<script src="(' + re.escape(_SUITES) + r'[^"]+)"', index), PLOTLY_JS_PATH]
        for url in scripts:
            client.get(url, headers={"Accept-Encoding": "br"}).close()
        pages = server.extensions.get(PAGE_CACHE_KEY)
        if pages is not None:
            pages.prewarm(["/"])
    except Exception:  # a warm-up is an optimisation: the worker serves normally without it
        logger.exception("warm-up of worker %s failed", os.getpid())


# What `_dash-config` may not say (Dash 4: dash_version, python_version, plotly_version, ddk_version).
HIDDEN_CONFIG = ("dash_version", "python_version", "plotly_version", "ddk_version")
_DASH_CONFIG = re.compile(rb'(<script id="_dash-config" type="application/json">)(.*?)(</script>)', re.S)


def without_versions(page: bytes) -> bytes:
    """The page with the version keys of its `_dash-config` removed (the rest of the config unchanged)."""

    def scrub(match: re.Match[bytes]) -> bytes:
        try:
            config = json.loads(match.group(2))
        except ValueError:
            return match.group(0)
        for key in HIDDEN_CONFIG:
            config.pop(key, None)
        # Dash escapes '<', '>' and '&' in this JSON (to_json): so does this, so no data closes the script.
        text = json.dumps(config, separators=(",", ":"))
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return match.group(1) + text.encode() + match.group(3)

    return _DASH_CONFIG.sub(scrub, page, count=1)


class PlotlyBundle:
    """A plotly.js bundle and its validator."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.etag = hashlib.sha256(data).hexdigest()[:20]


def plotly_bundle(environ: Mapping[str, str] | None = None) -> PlotlyBundle | None:
    """The basic bundle to serve in place of Dash's full plotly.js, or None to serve the full one."""
    env = os.environ if environ is None else environ
    if env.get(ENV_PLOTLY_BUNDLE, "").strip().lower() == "full":
        return None
    wanted = _expected_plotly_version()
    try:
        data = BASIC_BUNDLE.read_bytes()
    except OSError:
        logger.warning("%s missing: serving the full plotly.js", BASIC_BUNDLE)
        return None
    version = bundle_version(data)
    if version != wanted:
        logger.warning("plotly.js basic bundle is %s, plotly expects %s: serving the full plotly.js", version, wanted)
        return None
    return PlotlyBundle(data)


def bundle_version(data: bytes) -> str | None:
    """The version in a plotly.js bundle's banner ("plotly.js (basic - minified) v4.1.1")."""
    match = re.search(rb"plotly\.js \([a-z -]+\) v([0-9][0-9A-Za-z.+-]*)", data[:400])
    return match.group(1).decode() if match else None


@cache
def _expected_plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return str(get_plotlyjs_version())


def choose_encoding(accept_encoding: str) -> str | None:
    """The first of br, zstd, gzip that the client accepts (q > 0), or None."""
    accepted: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        accepted[name.strip().lower()] = quality
    for encoding in _ENCODINGS:
        if accepted.get(encoding, accepted.get("*", 0.0)) > 0:
            return encoding
    return None


def compress(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(data, quality=5))
    if encoding == "zstd":
        from backports import zstd  # flask-compress's own dependency on Python < 3.14

        return bytes(zstd.compress(data, 9))
    return gzip.compress(data, 6, mtime=0)


def bundle_file(path: str) -> str:
    """The file a `/_dash-component-suites/` URL serves: fingerprint removed, empty segments dropped."""
    plain, _ = check_fingerprint(path)
    return "/".join(part for part in plain.split("/") if part)


class _CompressedBundles:
    """Compressed bundle bodies by (file, content checksum, encoding), least recently used first out.

    The checksum (crc32, about 2 ms for plotly.js) keeps two bodies served under one file name apart:
    the basic plotly.js at the plain URL and Dash's full one under a fingerprinted URL.
    """

    def __init__(self, max_items: int = MAX_BUNDLES, max_bytes: int = MAX_BUNDLE_BYTES) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[tuple[str, int, int, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._bodies)

    @property
    def size(self) -> int:
        """Bytes of compressed bodies held."""
        return self._size

    def apply(self, response: Response, path: str, accept_encoding: str) -> None:
        encoding = choose_encoding(accept_encoding)
        if encoding is None or "Content-Encoding" in response.headers:
            return
        data = response.get_data()
        key = (bundle_file(path), len(data), zlib.crc32(data), encoding)
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            else:
                # Under the lock: two threads never compress the same bundle at once (a worker's first page).
                body = compress(data, encoding)
                self._store(key, body)
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")

    def _store(self, key: tuple[str, int, int, str], body: bytes) -> None:
        if len(body) + len(key[0]) > self.max_bytes:
            return
        self._bodies[key] = body
        self._size += len(body) + len(key[0])
        while len(self._bodies) > self.max_items or self._size > self.max_bytes:
            (name, *_), dropped = self._bodies.popitem(last=False)
            self._size -= len(dropped) + len(name)
