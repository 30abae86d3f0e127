"""The static site in a browser: served by a plain file server (`python -m http.server`), no Python app
anywhere. Every embed draws, in a page of its own and framed in an article; slides, briefing and the
index load; no request fails, none leaves the file server, and the console shows no error (a script
blocked by the page's own policy would show there)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM
from uniondash.charts import CHARTS
from uniondash.exports.pdf import CHROMIUM_FLAGS

pytestmark = pytest.mark.browser
WAIT_MS = 90_000  # a ceiling on a shared machine, not a measurement
DRAWN = "#chart.js-plotly-plot .main-svg"  # the chart element is the plotly div itself


@pytest.fixture(scope="module")
def file_server(static_site: Path) -> Iterator[str]:
    """`python -m http.server` on a free loopback port, serving the built site; yields its address."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(static_site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        match = re.search(r"port (\d+)", line)
        assert match, f"http.server did not start: {line!r}"
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@dataclass
class Traffic:
    """Every request the browser made, and what went wrong."""

    urls: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def outside(self, origin: str) -> list[str]:
        return [url for url in self.urls if not url.startswith((origin + "/", "data:", "about:", "blob:"))]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} not installed: run `make system` (Debian chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Traffic]]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    traffic = Traffic()
    context.on("request", lambda request: traffic.urls.append(request.url))
    context.on("requestfailed", lambda request: traffic.failed.append(f"{request.url}: {request.failure}"))
    context.on("response", lambda response: response.status >= 400 and traffic.failed.append(response.url))
    opened = context.new_page()
    opened.on("console", lambda message: message.type == "error" and traffic.console_errors.append(message.text))
    yield opened, traffic
    context.close()


def assert_clean(traffic: Traffic, origin: str) -> None:
    assert traffic.failed == []
    assert traffic.outside(origin) == []
    assert traffic.console_errors == []


def test_every_embed_draws_from_static_files(file_server: str, page: tuple[Any, Traffic]) -> None:
    tab, traffic = page
    for prefix in ("", "en/"):
        for chart in CHARTS.values():
            tab.goto(f"{file_server}/{prefix}embed/{chart.id}/index.html")
            tab.wait_for_selector(DRAWN, state="attached", timeout=WAIT_MS)
    assert_clean(traffic, file_server)
    assert sum("/vendor/plotly-" in url for url in traffic.urls) >= 1


def test_embeds_framed_in_an_article_draw(file_server: str, page: tuple[Any, Traffic]) -> None:
    tab, traffic = page
    # An article of another origin (about:blank) framing two charts, as a newsroom page would.
    tab.set_content(
        "<!doctype html><meta charset=utf-8><title>Article</title><h1>新闻</h1>"
        f'<iframe src="{file_server}/embed/aid-funds/index.html" width="100%" height="600" title="a"></iframe>'
        f'<iframe src="{file_server}/en/embed/honours-by-level/index.html" width="100%" height="900" title="b"></iframe>'
    )
    for frame_element in tab.query_selector_all("iframe"):
        frame_element.content_frame().wait_for_selector(DRAWN, state="attached", timeout=WAIT_MS)
    assert_clean(traffic, file_server)


@pytest.mark.parametrize(
    "path", ["present/index.html", "en/present/index.html", "briefing/index.html", "en/index.html"]
)
def test_slides_briefing_and_index_load_from_static_files(
    file_server: str, page: tuple[Any, Traffic], path: str
) -> None:
    tab, traffic = page
    tab.goto(f"{file_server}/{path}", wait_until="load")
    if "briefing" in path:
        tab.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=WAIT_MS)
    assert_clean(traffic, file_server)


def test_slide_n_opens_slide_n_from_static_files(file_server: str, page: tuple[Any, Traffic]) -> None:
    tab, traffic = page
    tab.goto(f"{file_server}/en/present/index.html?slide=3", wait_until="load")
    visible = tab.locator(".slide:not([hidden])")
    assert visible.count() == 1
    assert visible.get_attribute("id") == "slide-3"
    total = tab.locator(".slide").count()
    assert visible.locator(".counter").inner_text() == f"3 / {total}"
    # A number that is not a slide leaves the deck at its first slide; the address follows the slide shown.
    tab.goto(f"{file_server}/en/present/index.html?slide={total + 1}", wait_until="load")
    assert tab.locator(".slide:not([hidden])").get_attribute("id") == "slide-1"
    assert tab.url.endswith("?slide=1")
    # No dashboard was given to build-static: the slides offer none.
    assert tab.locator("a.dashboard").count() == 0
    assert_clean(traffic, file_server)
