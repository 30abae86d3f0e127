"""Production serving: the gunicorn entry points really serve (on a free loopback port), settings come from
UNIONDASH_* variables, the health check, cache lifetimes, the plotly.js bundle, and bundles compressed once
and identical to the originals once decompressed."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from backports import zstd
from flask.testing import FlaskClient

from tests.dash_requests import page_callback
from tests.synthetic import SHIPPED
from uniondash.config import Settings
from uniondash.errors import UniondashError
from uniondash.web import serving
from uniondash.web.app import create_app
from uniondash.web.production import ensure_shared_cache, gunicorn_options

VENV_BIN = Path(sys.executable).parent
PAGE_CALLBACK = page_callback("/section/aid", "?lang=en")


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return create_app(SHIPPED).server.test_client()


# ---------------------------------------------------------------------------------------------------
# Settings.


def test_settings_come_from_the_environment():
    settings = Settings.from_env(
        {
            "UNIONDASH_HOST": "0.0.0.0",
            "UNIONDASH_PORT": "9000",
            "UNIONDASH_WORKERS": "4",
            "UNIONDASH_PAGE_CACHE_MB": "64",
            "UNIONDASH_REDIS_URL": " redis://cache:6379/0 ",
            "UNIONDASH_CACHE_DIR": "/var/cache/uniondash",
        }
    )
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9000, 4)
    assert settings.page_cache_mb == 64 and settings.redis_url == "redis://cache:6379/0"
    assert settings.cache_dir == "/var/cache/uniondash" and settings.debug is False
    defaults = Settings.from_env({})
    assert (defaults.page_cache_mb, defaults.redis_url, defaults.debug) == (32, None, False)
    with pytest.raises(UniondashError, match="UNIONDASH_PAGE_CACHE_MB"):
        Settings.from_env({"UNIONDASH_PAGE_CACHE_MB": "lots"})


def test_gunicorn_runs_threaded_preloaded_workers():
    options = gunicorn_options("127.0.0.1", 8123, 3)
    assert options["bind"] == "127.0.0.1:8123" and options["workers"] == 3
    assert options["worker_class"] == "gthread" and options["preload_app"] is True
    assert options["control_socket_disable"] is True
    assert callable(options["post_worker_init"])  # each worker warms up in the background (below)
    assert gunicorn_options("127.0.0.1", 8123, 3, access_log=False)["accesslog"] is None


def test_gunicorn_lets_every_url_the_app_answers_reach_the_app():
    from uniondash.web import urls

    options = gunicorn_options("127.0.0.1", 8123, 1)
    # A query string as long as the app reads (beyond it, the app's own notice) on the longest section path.
    longest = len(f"GET /section/new-forms?{'y' * urls.MAX_SEARCH} HTTP/1.1")
    assert options["limit_request_line"] >= longest
    assert options["limit_request_fields"] == 100 and options["limit_request_field_size"] == 8190


def test_workers_share_a_private_cache_directory_unless_one_is_configured(tmp_path: Path):
    environ: dict[str, str] = {}
    path = ensure_shared_cache(environ)
    assert path is not None and path.is_dir() and environ["UNIONDASH_CACHE_DIR"] == str(path)
    path.rmdir()
    configured = {"UNIONDASH_CACHE_DIR": str(tmp_path)}
    assert ensure_shared_cache(configured) is None and configured == {"UNIONDASH_CACHE_DIR": str(tmp_path)}
    assert ensure_shared_cache({"UNIONDASH_REDIS_URL": "redis://127.0.0.1:6379/0"}) is None


# ---------------------------------------------------------------------------------------------------
# Health check and static files.


def test_healthz_is_cheap_uncached_json(client: FlaskClient):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.cache_control.no_store
    body = response.get_json()
    assert body["status"] == "ok" and body["facts"] == 88 and body["pid"] == os.getpid()
    assert set(body["page_cache"]) == {"pages", "bytes", "hits", "misses"}
    assert set(body["bundles"]) == {"files", "bytes"}


def test_the_dashboard_gets_the_basic_plotly_bundle_revalidated_by_etag(client: FlaskClient):
    response = client.get(serving.PLOTLY_JS_PATH)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert b"plotly.js (basic - minified) v" in response.data[:200]
    assert serving.bundle_version(response.data) == serving._expected_plotly_version()
    assert response.cache_control.no_cache and not response.cache_control.immutable
    again = client.get(serving.PLOTLY_JS_PATH, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_full_plotly_bundle_when_asked_or_when_versions_differ(monkeypatch: pytest.MonkeyPatch):
    assert serving.plotly_bundle({"UNIONDASH_PLOTLY_BUNDLE": "full"}) is None
    assert serving.plotly_bundle({}) is not None
    monkeypatch.setattr(serving, "_expected_plotly_version", lambda: "99.0.0")
    assert serving.plotly_bundle({}) is None
    app = create_app(SHIPPED)
    full = app.server.test_client().get(serving.PLOTLY_JS_PATH)
    assert full.status_code == 200 and b"(basic" not in full.data[:300] and len(full.data) > 3_000_000


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, zstd", "zstd"),
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("", None),
    ],
)
def test_encoding_follows_accept_encoding(accept: str, encoding: str | None):
    assert serving.choose_encoding(accept) == encoding


def test_bundles_are_compressed_once_and_decompress_to_the_original(client: FlaskClient):
    index = client.get("/").get_data(as_text=True)
    script = next(part.split('"')[0] for part in index.split('src="')[1:] if "dash_core_components" in part)
    original = client.get(script).data
    decoders = {"br": brotli.decompress, "zstd": zstd.decompress, "gzip": gzip.decompress}
    for encoding, decode in decoders.items():
        for _ in range(2):
            response = client.get(script, headers={"Accept-Encoding": encoding})
            assert response.headers["Content-Encoding"] == encoding
            assert "Accept-Encoding" in response.headers["Vary"]
            assert decode(response.data) == original
            assert response.cache_control.immutable and response.cache_control.max_age == 365 * 24 * 3600
    plotly_js = client.get(serving.PLOTLY_JS_PATH, headers={"Accept-Encoding": "br"})
    assert plotly_js.headers["Content-Encoding"] == "br" and len(plotly_js.data) < 400_000
    assert brotli.decompress(plotly_js.data) == client.get(serving.PLOTLY_JS_PATH).data


@pytest.mark.parametrize("path", ["/", "/section/aid?lang=en", "/no-such-page"])
def test_pages_do_not_disclose_the_python_dash_and_plotly_versions(client: FlaskClient, path: str):
    import platform
    import re

    import dash
    import plotly

    response = client.get(path)
    page = response.get_data(as_text=True)
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)[1])
    assert not set(serving.HIDDEN_CONFIG) & set(config)
    config_text = re.search(r'id="_dash-config" type="application/json">(.*?)</script>', page, re.S)[1]
    for version in (dash.__version__, plotly.__version__):
        assert f'"{version}"' not in config_text
    # Python's version appears nowhere. (Dash's own bundle URLs keep its version as a cache fingerprint.)
    assert platform.python_version() not in page
    # The rest of the config is Dash's own (the renderer needs it).
    assert config["requests_pathname_prefix"] == "/" and "children_props" in config and "end_id" in config


def test_without_versions_keeps_the_config_escaped():
    page = b'<script id="_dash-config" type="application/json">{"a":"\\u003c/script>","dash_version":"4"}</script>'
    assert (
        serving.without_versions(page)
        == b'<script id="_dash-config" type="application/json">{"a":"\\u003c/script\\u003e"}</script>'
    )
    assert serving.without_versions(b"<p>no config</p>") == b"<p>no config</p>"


def test_made_up_fingerprints_share_one_compressed_copy_and_the_store_is_bounded(client: FlaskClient):
    bundles = client.application.extensions[serving.BUNDLES_KEY]
    full = serving.PLOTLY_JS_PATH.replace("plotly.min.js", "plotly.v1m{}.min.js")
    first = client.get(full.format("1a"), headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    held = (len(bundles), bundles.size)
    # Dash serves the same file under any fingerprint: 40 made-up ones add nothing.
    for fingerprint in range(40):
        response = client.get(full.format(f"{fingerprint:x}ff"), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.data == first.data
    assert (len(bundles), bundles.size) == held
    # The basic bundle at the plain URL is another body under the same file name: kept apart, not mixed up.
    basic = client.get(serving.PLOTLY_JS_PATH, headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(basic.data) == client.get(serving.PLOTLY_JS_PATH).data != gzip.decompress(first.data)


def test_the_compressed_store_is_bounded_by_count_and_bytes():
    from flask import Flask, Response

    app = Flask(__name__)
    store = serving._CompressedBundles(max_items=3, max_bytes=2_000)
    with app.test_request_context():
        for index in range(10):
            response = Response(os.urandom(600))  # incompressible: about 600 bytes each
            store.apply(response, f"/_dash-component-suites/pkg/file{index}.js", "gzip")
            assert len(store) <= 3 and store.size <= 2_000
        assert len(store) == 3
        huge = Response(os.urandom(5_000))
        store.apply(huge, "/_dash-component-suites/pkg/huge.js", "gzip")  # served compressed, not kept
        assert huge.headers["Content-Encoding"] == "gzip" and store.size <= 2_000


def test_warm_up_draws_the_overview_and_compresses_the_bundles(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("UNIONDASH_REDIS_URL", raising=False)
    monkeypatch.delenv("UNIONDASH_CACHE_DIR", raising=False)
    server = create_app(SHIPPED).server
    serving.warm_up(server)
    stats = server.test_client().get("/healthz").get_json()["page_cache"]
    assert stats["bytes"] > 0
    assert stats | {"bytes": 0} == {"pages": 2, "bytes": 0, "hits": 0, "misses": 2}  # the overview, zh and en
    client = server.test_client()
    body = json.loads(json.dumps(PAGE_CALLBACK))
    body["inputs"][0]["value"], body["inputs"][1]["value"] = "/", "?lang=en"
    assert client.post("/_dash-update-component", json=body, base_url="https://any.host.example").status_code == 200
    assert client.get("/healthz").get_json()["page_cache"]["hits"] == 1  # whatever host the reader used


def test_a_failing_warm_up_is_logged_not_raised(caplog: pytest.LogCaptureFixture):
    class Broken:
        def test_client(self) -> None:
            raise RuntimeError("no app")

    serving.warm_up(Broken())  # type: ignore[arg-type]
    assert "warm-up of worker" in caplog.text


# ---------------------------------------------------------------------------------------------------
# The real servers.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Started servers, each in its own process group, stopped after the test (by their own pid)."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "server exited"
        try:
            if get(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"server on port {port} did not answer /healthz within 60 s")


def check_serves_the_dashboard(port: int) -> None:
    status, page = get(port, "GET", "/section/aid?lang=en")
    assert status == 200 and b"dash-renderer" in page
    status, body = get(port, "POST", "/_dash-update-component", json.dumps(PAGE_CALLBACK).encode())
    assert status == 200
    assert json.loads(body)["response"]["page-meta"]["data"] == {
        "lang": "en",
        "title": "Help for workers · Zhuzhou trade unions: five years of work · 2019–2023 five-year report",
    }
    status, body = get(port, "GET", "/export/summary.xlsx?section=aid")
    assert status == 200 and body[:2] == b"PK"


def test_uniondash_serve_runs_gunicorn_with_workers(serve: list[subprocess.Popen[bytes]]):
    port = free_port()
    command = [str(VENV_BIN / "uniondash"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    env = {k: v for k, v in os.environ.items() if k not in ("UNIONDASH_CACHE_DIR", "UNIONDASH_REDIS_URL")}
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    serve.append(process)
    wait_healthy(port, process)
    check_serves_the_dashboard(port)
    # Two workers answer: a new connection per request lands on either.
    pids = {json.loads(get(port, "GET", "/healthz")[1])["pid"] for _ in range(40)}
    assert process.pid not in pids and 1 <= len(pids) <= 2


def documented_gunicorn_command() -> list[str]:
    """The `gunicorn … uniondash.wsgi:server` command of docs/deploy.md, as arguments."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "deploy.md").read_text(encoding="utf-8")
    start = text.index("gunicorn --bind")
    command = text[start : text.index("uniondash.wsgi:server", start) + len("uniondash.wsgi:server")]
    return shlex.split(command.replace("\\\n", " "))


def test_the_documented_gunicorn_command_serves(serve: list[subprocess.Popen[bytes]], tmp_path: Path):
    port = free_port()
    command = documented_gunicorn_command()
    assert command[0] == "gunicorn" and command[-1] == "uniondash.wsgi:server"
    command[0] = str(VENV_BIN / "gunicorn")
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    env = {**os.environ, "UNIONDASH_CACHE_DIR": str(tmp_path / "cache"), "UNIONDASH_DATA_DIR": str(SHIPPED)}
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    serve.append(process)
    wait_healthy(port, process)
    check_serves_the_dashboard(port)
    assert list((tmp_path / "cache" / "pages").glob("page-*.bin"))  # the page was shared through the directory
