"""Faults while the server runs: the image renderer crashes or hangs, the data directory is broken under the
running app, the image cache directory is full or read-only. Each gives a clear answer and loses nothing:
a 503 that says to try again (and the next request works), the data loaded at startup, uncached images.

The app loads the data in `create_app` and takes changed files only if they validate (state.py; see
tests/test_live_data.py): breaking the data directory while the server runs leaves it on the last good
data, and a restart on broken data fails with a DataError that names file, row and column (nothing
half-loaded is ever served).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.dash_requests import page_callback
from tests.fuzz.fakes import TINY_PNG, FakeRenderer
from tests.pngtools import png_size, same_image
from tests.synthetic import seal_as_is
from tests.unit.test_images import CHROMIUM, require_chromium
from tests.unit.test_load import line_of, set_cell
from uniondash.errors import DataError
from uniondash.exports import images
from uniondash.exports.images import ChartRenderer
from uniondash.web.app import create_app

PNG = "/export/chart/aid-funds.png?width=400&height=300&scale=1"
RENDERER_DOWN = "服务器暂时无法生成图片"


@pytest.fixture
def app_with(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`app_with(renderer, data_dir)`: the whole app, its images drawn by `renderer`, cached in memory."""
    monkeypatch.delenv("UNIONDASH_CACHE_DIR", raising=False)
    monkeypatch.delenv("UNIONDASH_REDIS_URL", raising=False)

    def build(renderer: Any, data_dir: Path | None = None) -> FlaskClient:
        monkeypatch.setattr(images, "default_renderer", lambda: renderer)
        from tests.synthetic import SHIPPED

        return create_app(data_dir or SHIPPED).server.test_client()

    yield build


def assert_renderer_down(response: Any) -> None:
    """The 503 a reader sees: says so in both languages, when to retry, and nothing about the server."""
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert RENDERER_DOWN in text and "try again later" in text
    assert "Traceback" not in text and "chromium" not in text.lower() and sys.prefix not in text
    assert response.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------------------------------------
# (a) The renderer: Chromium killed mid-request or between requests; a render that hangs.


@pytest.fixture
def chromium() -> Iterator[ChartRenderer]:
    require_chromium()
    renderer = ChartRenderer(CHROMIUM)  # the default timeouts and back-off, as in production
    yield renderer
    renderer.close()


def kill_chromium_when_rendering(renderer: ChartRenderer) -> int:
    """From the next render on: kill Chromium (SIGKILL, as the OOM killer does) as the render begins."""
    browser = renderer._kaleido
    process = browser.subprocess
    render = browser.calc_fig

    async def killed_mid_render(*args: Any, **kwargs: Any) -> Any:
        os.kill(process.pid, signal.SIGKILL)
        return await render(*args, **kwargs)

    browser.calc_fig = killed_mid_render
    return int(process.pid)


@pytest.mark.browser
def test_chromium_killed_mid_request_is_a_503_and_the_next_request_recovers(
    app_with: Any, chromium: ChartRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    client = app_with(chromium)
    assert client.get(PNG).status_code == 200  # the browser is warm
    killed = kill_chromium_when_rendering(chromium)

    assert_renderer_down(client.get(PNG + "&lang=en"))
    assert "Chromium exited" in caplog.text

    again = client.get(PNG + "&lang=en")
    assert again.status_code == 200 and again.headers["X-Uniondash-Cache"] == "miss"
    assert png_size(again.get_data()) == type(png_size(again.get_data()))(400, 300)
    assert chromium._kaleido.subprocess.pid != killed, "a new Chromium drew it"


@pytest.mark.browser
def test_chromium_that_died_between_requests_is_replaced_without_a_503(
    app_with: Any, chromium: ChartRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    client = app_with(chromium)
    assert client.get(PNG).status_code == 200
    process = chromium._kaleido.subprocess
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    response = client.get(PNG + "&lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Chromium exited (status -9); starting a new one" in caplog.text
    assert chromium._kaleido.subprocess.pid != process.pid


class HangingKaleido:
    """A kaleido stand-in; a hanging one never finishes a render, and closes only when the test lets it."""

    def __init__(self, hangs: bool) -> None:
        self.hangs = hangs
        self.closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._may_close: asyncio.Event | None = None

    async def calc_fig(self, spec: dict[str, Any], opts: dict[str, Any]) -> bytes:
        if self.hangs:
            await asyncio.sleep(3600)
        return TINY_PNG

    async def close(self) -> None:
        if self.hangs:
            self._loop, self._may_close = asyncio.get_running_loop(), asyncio.Event()
            await self._may_close.wait()
        self.closed = True

    def let_close(self) -> None:
        if self._loop is not None and self._may_close is not None:
            self._loop.call_soon_threadsafe(self._may_close.set)


class HangingRenderer(ChartRenderer):
    """The real ChartRenderer (its timeout, shutdown and restart), on stand-ins for kaleido's browser."""

    def __init__(self) -> None:
        # Any executable passes `find_browser`; the browser itself is never started.
        super().__init__(sys.executable, timeout=0.5, retry_after=3600)
        self.browsers: list[HangingKaleido] = []

    async def _open(self, path: str) -> Any:
        browser = HangingKaleido(hangs=not self.browsers)
        self.browsers.append(browser)
        return browser


def test_a_hanging_render_is_a_503_at_the_timeout_and_the_next_request_works(
    app_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    renderer = HangingRenderer()
    client = app_with(renderer)
    try:
        assert_renderer_down(client.get(PNG))
        assert "rendering took longer than 0.5 s" in caplog.text
        hung = renderer.browsers[0]
        # The 503 did not wait for the hung browser to close (that happens in the background).
        assert not hung.closed and "close failed" not in caplog.text

        response = client.get(PNG)
        assert response.status_code == 200 and same_image(response.get_data(), TINY_PNG)
        assert len(renderer.browsers) == 2, "a new browser, with no back-off after a hang"
    finally:
        for browser in renderer.browsers:
            browser.let_close()
        renderer.close()


class StallingStartRenderer(ChartRenderer):
    """Its first browser never finishes starting (a lost pipe message); the next starts at once."""

    def __init__(self, stalls: int) -> None:
        super().__init__(sys.executable, timeout=0.5, start_timeout=0.3, retry_after=3600)
        self.stalls = stalls
        self.starts = 0

    async def _open(self, path: str) -> Any:
        self.starts += 1
        if self.starts <= self.stalls:
            await asyncio.sleep(3600)
        return HangingKaleido(hangs=False)


def test_a_start_that_stalls_is_tried_once_more_within_the_request(
    app_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    renderer = StallingStartRenderer(stalls=1)
    try:
        response = app_with(renderer).get(PNG)
        assert response.status_code == 200 and same_image(response.get_data(), TINY_PNG)
        assert renderer.starts == 2 and "did not start: timed out; trying again" in caplog.text
    finally:
        renderer.close()


def test_a_browser_that_never_starts_is_a_503_after_two_tries(app_with: Any) -> None:
    renderer = StallingStartRenderer(stalls=2)
    try:
        assert_renderer_down(app_with(renderer).get(PNG))
        assert renderer.starts == 2
    finally:
        renderer.close()


class GatedKaleido:
    """A kaleido stand-in whose renders finish only when the test opens the gate."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate

    async def calc_fig(self, spec: dict[str, Any], opts: dict[str, Any]) -> bytes:
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        return TINY_PNG

    async def close(self) -> None:
        pass


class GatedRenderer(ChartRenderer):
    """The real ChartRenderer (its queue), drawing with a gated stand-in for the browser."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__(sys.executable, timeout=120)
        self.gate = gate

    async def _open(self, path: str) -> Any:
        return GatedKaleido(self.gate)


def test_an_image_flood_is_refused_at_once_beyond_the_queue_and_the_site_keeps_answering(app_with: Any) -> None:
    # Before: 48 concurrent exports took every thread of both workers; /healthz and pages timed out.
    gate = threading.Event()
    renderer = GatedRenderer(gate)
    client = app_with(renderer)
    answers: dict[int, Any] = {}
    answered = threading.Condition()

    def export(width: int) -> None:
        response = client.application.test_client().get(f"/export/chart/aid-funds.png?width={width}&scale=1")
        with answered:
            answers[width] = response
            answered.notify_all()

    flood = [threading.Thread(target=export, args=(400 + index,)) for index in range(12)]
    refusals = len(flood) - 1 - images.RENDER_QUEUE
    try:
        for thread in flood:
            thread.start()
        # While one render is held, one waits and every other export has its answer, without waiting.
        # Waited for by count, not by joining in order: the held thread would block a join until its ceiling.
        with answered:
            answered.wait_for(lambda: len(answers) >= refusals, timeout=60)  # a ceiling, not a measurement
        refused = [answer for answer in answers.values() if answer.status_code == 503]
        assert len(refused) == refusals and not gate.is_set()
        for answer in refused:
            assert_renderer_down(answer)
        # Meanwhile the rest of the site answers: the health check, a page, the page callback.
        assert client.get("/healthz").status_code == 200
        assert client.get("/section/aid").status_code == 200
        callback = client.post("/_dash-update-component", json=page_callback("/section/aid", "?lang=en"))
        assert callback.status_code == 200 and not gate.is_set()
    finally:
        gate.set()
        for thread in flood:
            thread.join(timeout=60)
        renderer.close()
    drawn = [answer for answer in answers.values() if answer.status_code == 200]
    assert len(drawn) == 1 + images.RENDER_QUEUE and all(same_image(answer.get_data(), TINY_PNG) for answer in drawn)
    # The queue is free again: the next export is drawn.
    assert client.get("/export/chart/aid-funds.png?width=999&scale=1").status_code == 200


def group_members(group: int) -> list[int]:
    """The live processes of a process group (from /proc; zombies count as gone)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


@pytest.mark.browser
def test_a_stopped_renderer_leaves_no_chromium_process_behind(app_with: Any) -> None:
    # Before: the wrapper kaleido holds was killed, the browser tree (9 processes) was left running.
    require_chromium()
    renderer = ChartRenderer(CHROMIUM, timeout=5)
    client = app_with(renderer)
    try:
        assert client.get(PNG).status_code == 200
        group = os.getpgid(renderer._kaleido.subprocess.pid)
        assert group != os.getpgrp()
        members = group_members(group)
        stopped = [pid for pid in members if b"--type=renderer" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(members) > 2 and stopped, members
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        assert_renderer_down(client.get(PNG + "&lang=en"))  # the render hangs: a 503 at the timeout
        # The browser is closed in the background; wait for it (at most the close's own bounds).
        for _ in range(300):
            if not group_members(group):
                break
            time.sleep(0.1)
        assert group_members(group) == []
    finally:
        renderer.close()


# ---------------------------------------------------------------------------------------------------
# (b) The data: a broken directory under a running app leaves it on the last good data.


def test_breaking_the_data_under_a_running_app_changes_nothing(
    app_with: Any, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIONDASH_RELOAD_SECONDS", "0")  # the files are looked at on every request
    client = app_with(FakeRenderer(), data_copy)
    urls = ("/export/chart/aid-funds.csv", "/export/chart/aid-funds.metadata.json?lang=en", "/healthz", "/briefing")
    before = {url: client.get(url) for url in urls}
    assert all(response.status_code == 200 for response in before.values())

    (data_copy / "facts.csv").write_text("id,value\nbroken,not a number\n", encoding="utf-8")
    (data_copy / "programmes.csv").unlink()
    for url in urls:
        after = client.get(url)
        assert after.status_code == 200, url
        if url.endswith(".csv"):
            assert after.get_data() == before[url].get_data(), "the same figures, from the data loaded at startup"
    # Files that are not one sealed set: kept out, and the public health check says only that.
    assert client.get("/healthz").get_data(as_text=True) == "serving last good data\n"

    with pytest.raises(DataError) as refused:
        create_app(data_copy)
    assert "programmes.csv" in str(refused.value) and "Nothing was loaded" in str(refused.value)


def test_an_app_on_broken_data_is_not_made(data_copy: Path) -> None:
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "value", "lots")
    seal_as_is(data_copy)  # sealed as it is: the set itself is refused, naming its line
    line = line_of(data_copy / "facts.csv", "aid-winter-funds")
    with pytest.raises(DataError) as refused:
        create_app(data_copy)
    message = str(refused.value)
    assert f"facts.csv:{line}: column 'value':" in message
    assert "Nothing was loaded" in message


# ---------------------------------------------------------------------------------------------------
# (c) The image cache: a directory that cannot be written is skipped, once logged.


def unwritable(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory that cannot take files: in the place of a file, on a full disk, or read-only.

    Tests run as root, which chmod does not stop: a full or read-only disk is simulated at the write.
    """
    if kind == "a file":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("a file", encoding="utf-8")
        return blocker / "cache"
    code = errno.ENOSPC if kind == "full" else errno.EROFS

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(images.tempfile, "NamedTemporaryFile", refuse)
    return tmp_path / "cache"


@pytest.mark.parametrize("kind", ["a file", "full", "read-only"])
def test_an_unwritable_cache_serves_images_uncached(
    app_with: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    cache_dir = unwritable(kind, tmp_path, monkeypatch)
    monkeypatch.setenv("UNIONDASH_CACHE_DIR", str(cache_dir))
    renderer = FakeRenderer()
    client = app_with(renderer)
    caplog.set_level(logging.WARNING, logger="uniondash.exports.images")
    answers = [client.get(PNG), client.get(PNG), client.get(PNG.replace(".png", ".svg"))]
    for response in answers:
        assert response.status_code == 200 and response.headers["X-Uniondash-Cache"] == "miss"
    assert same_image(answers[0].get_data(), TINY_PNG)
    assert renderer.renders == 3, "every request drawn again: nothing was cached"
    # Logged once per cache directory (the page cache, if configured there too, keeps its own sub-directory).
    warnings = [record.getMessage() for record in caplog.records if "not writable" in record.getMessage()]
    assert sum(f"image cache {cache_dir} not writable" in message for message in warnings) == 1, warnings
    assert len(warnings) == len(set(warnings)), warnings
    assert not list(tmp_path.rglob("*.bin"))
