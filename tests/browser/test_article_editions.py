"""The press office's scenario (issue 25 follow-up), end to end in Chromium: an article on another origin
embeds one chart (talent) three ways — pinned (report=2019-2023), live (report=latest), and with no
period — from the live dashboard (iframe code with /embed.js; the pinned one also as the no-script static
embed) and from the static site (`build-static`, its own embed.js). Then a SYNTHETIC 2024 annual report is
imported with `uniondash import-xlsx` (a workbook built like an analyst's, tests/desk_support.py), the
static site is rebuilt, and the article is read again:

- the pinned and the unpinned embeds show exactly the same title and numbers as before (the unpinned one
  shows the first edition, as documented);
- the live one moves to 2024 and says so (its period and its source);
- every frame sized by embed.js fits its content, before and after.

Screenshots of the article before and after are written to $UNIONDASH_SCREENSHOTS (else the test's
temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.browser.conftest import CHROMIUM, served
from tests.conftest import cached_images
from tests.desk_support import synthetic_workbook
from tests.synthetic import SYNTHETIC_2024_SOURCE, SYNTHETIC_2024_TEXT, copy_shipped
from uniondash.cli import cli
from uniondash.exports.pdf import CHROMIUM_FLAGS
from uniondash.publish.site import build_site
from uniondash.web.app import create_app

pytestmark = pytest.mark.browser

WAIT_MS = 90_000  # a ceiling on a shared machine, not a measurement
TOLERANCE = 2  # px: a frame of the same page, before and after
CHART = "talent"
# (frame id, where it comes from, its URL below that origin); every frame is sized by embed.js
FRAMES = (
    ("live-pinned", "live", f"/embed/{CHART}?report=2019-2023"),
    ("live-latest", "live", f"/embed/{CHART}?report=latest"),
    ("live-plain", "live", f"/embed/{CHART}"),
    ("live-static-pinned", "live", f"/embed/{CHART}?report=2019-2023&static=1"),
    ("site-pinned", "site", f"/embed/{CHART}/2019-2023/index.html"),
    ("site-latest", "site", f"/embed/{CHART}/latest/index.html"),
    ("site-plain", "site", f"/embed/{CHART}/index.html"),
)
UNCHANGING = [frame for frame, *_ in FRAMES if not frame.endswith("latest")]


@dataclass(frozen=True)
class Scenario:
    data_dir: Path
    site_dir: Path
    live: str
    site: str
    news: str
    source_dir: Path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, image_cache_dir: Path) -> Iterator[Scenario]:
    work = tmp_path_factory.mktemp("article")
    data_dir = copy_shipped(work / "data")
    site_dir = work / "site"
    source_dir = work / "sources"
    source_dir.mkdir()
    (source_dir / f"{SYNTHETIC_2024_SOURCE['id']}.txt").write_text(SYNTHETIC_2024_TEXT, encoding="utf-8")
    with cached_images(image_cache_dir):
        build_site(site_dir, data_dir, pdf=False)
    files = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(site_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    news = Flask("news-site")
    pages: dict[str, str] = {}
    news.add_url_rule("/article", "article", lambda: pages["article"])
    try:
        assert files.stdout is not None
        port = re.search(r"port (\d+)", files.stdout.readline())
        assert port is not None
        site = f"http://127.0.0.1:{port.group(1)}"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("UNIONDASH_RELOAD_SECONDS", "0.5")
            app = create_app(data_dir)
        with served(app.server) as live, served(news) as news_url:
            # Three origins: the article's (localhost), the dashboard's and the static site's (127.0.0.1 ports).
            news_origin = news_url.replace("127.0.0.1", "localhost")
            origins = {"live": live, "site": site}
            # Fallback heights too small: the script must grow every frame to its page.
            frames = "".join(
                f"<h3>{frame}</h3><iframe id='{frame}' src='{origins[origin]}{path}' title='{frame}' width='100%' "
                "height='200' style='border:0;display:block' data-uniondash></iframe>"
                for frame, origin, path in FRAMES
            )
            pages["article"] = (
                "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
                "<title>株洲新闻</title></head><body style='margin:0;font-family:sans-serif'>"
                f"<article style='width:720px;margin:0 auto'><h1>株洲新闻 · 职工人才</h1>{frames}</article>"
                f"<script src='{live}/embed.js' async></script><script src='{site}/embed.js' async></script>"
                "</body></html>"
            )
            yield Scenario(data_dir, site_dir, live, site, news_origin, source_dir)
    finally:
        files.terminate()
        files.wait(timeout=10)
        if files.stdout is not None:
            files.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} not installed: run `make system`")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


# Inside a frame: the page's text as a reader sees it (title, period, figures, source), and where it ends.
READ_FRAME = """() => {
  const foot = document.querySelector('footer');
  return {
    text: document.body.innerText.replace(/\\s+/g, ' ').trim(),
    title: document.querySelector('h1').innerText.trim(),
    end: foot ? foot.getBoundingClientRect().bottom + scrollY : document.documentElement.scrollHeight,
    inner: innerHeight,
    scroll: document.documentElement.scrollHeight,
  };
}"""
DRAWN = ".js-plotly-plot .main-svg, svg"


def fits(tab: Any, frame_id: str, frame: Any) -> bool:
    """embed.js has set the frame to its page's height: the frame ends where its page does."""
    reading = frame.evaluate(READ_FRAME)
    height = tab.locator(f"#{frame_id}").bounding_box()["height"]
    return bool(abs(height - reading["scroll"]) <= 1 and reading["scroll"] <= reading["inner"] + 1)


def read_article(browser: Any, scenario: Scenario, shot: Path) -> dict[str, dict[str, Any]]:
    """Open the article, wait until every frame has drawn and fits; each frame's reading."""
    # Tall enough for the whole article: a frame out of sight is not painted in the screenshot.
    context = browser.new_context(viewport={"width": 760, "height": 3200})
    try:
        tab = context.new_page()
        tab.goto(f"{scenario.news}/article", wait_until="load")
        readings: dict[str, dict[str, Any]] = {}
        for frame_id, _, _ in FRAMES:
            element = tab.locator(f"#{frame_id}")
            frame = element.element_handle().content_frame()
            frame.wait_for_selector(DRAWN, state="attached", timeout=WAIT_MS)
            deadline = time.monotonic() + WAIT_MS / 1000
            while not fits(tab, frame_id, frame):
                assert time.monotonic() < deadline, f"{frame_id} never fitted: {frame.evaluate(READ_FRAME)}"
                time.sleep(0.1)
            reading = frame.evaluate(READ_FRAME)
            reading["frame_height"] = element.bounding_box()["height"]
            readings[frame_id] = reading
        tab.screenshot(path=str(shot), full_page=True)
        return readings
    finally:
        context.close()


def test_an_import_moves_the_live_embeds_only(browser: Any, scenario: Scenario, image_cache_dir: Path) -> None:
    shots = Path(os.environ.get("UNIONDASH_SCREENSHOTS") or scenario.site_dir.parent)
    shots.mkdir(parents=True, exist_ok=True)
    before = read_article(browser, scenario, shots / "article-before.png")
    for frame_id, reading in before.items():
        assert "2024" not in reading["text"] and "接近70万人" in reading["text"], frame_id
        assert reading["frame_height"] > 200, frame_id  # grown from the fallback

    # The analyst's workbook: the 2024 annual report's talent figures and its source (SYNTHETIC).
    workbook = scenario.data_dir.parent / "figures-2024.xlsx"
    workbook.write_bytes(synthetic_workbook(scenario.data_dir))
    imported = CliRunner().invoke(
        cli,
        ["import-xlsx", str(workbook), "--data-dir", str(scenario.data_dir), "--source-dir", str(scenario.source_dir)],
    )
    assert imported.exit_code == 0, imported.output
    with cached_images(image_cache_dir):
        build_site(scenario.site_dir, scenario.data_dir, pdf=False)
    # The running server takes the new set within seconds (requests during its reload get the old one).
    deadline = time.monotonic() + 60
    while "72万人" not in urllib.request.urlopen(f"{scenario.live}/embed/{CHART}?report=latest").read().decode():
        assert time.monotonic() < deadline, "the live server never took the imported data"
        time.sleep(0.5)
    after = read_article(browser, scenario, shots / "article-after.png")
    for origin in ("live", "site"):
        latest = after[f"{origin}-latest"]["text"]
        # The live code moved to the 2024 report and says so: its period and its source.
        assert "72万人" in latest and "2024年" in latest and SYNTHETIC_2024_SOURCE["citation_zh"] in latest, latest
        assert "2019–2023" not in latest
    for frame_id in UNCHANGING:
        # Pinned and unpinned: the same title and numbers as before the import, to the character.
        assert after[frame_id]["title"] == before[frame_id]["title"], frame_id
        assert after[frame_id]["text"] == before[frame_id]["text"], frame_id
        assert "72万人" not in after[frame_id]["text"]
    # The frames of an unchanged page keep their height.
    for frame_id in ("live-pinned", "live-plain", "site-pinned", "site-plain"):
        assert abs(after[frame_id]["frame_height"] - before[frame_id]["frame_height"]) <= TOLERANCE, frame_id
