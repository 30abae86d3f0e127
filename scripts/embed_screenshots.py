"""Screenshots of a news article on another site embedding two charts with /embed.js (phone and desktop):
an interactive embed and the light static one, each sized to its chart by the script.

    python scripts/embed_screenshots.py             # -> docs/screenshots/embed-article-phone.png, -desktop.png
    python scripts/embed_screenshots.py --out /tmp/shots

Two loopback servers on free ports: the dashboard's press routes (http://127.0.0.1:<port>) and the article
(http://localhost:<port>, another origin). Drives Debian's headless Chromium through chromedriver.
"""

from __future__ import annotations

import argparse
import base64
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any

from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from uniondash.exports.images import ChartImages, ChartRenderer, MemoryCache  # noqa: E402
from uniondash.exports.pdf import CHROMIUM_FLAGS  # noqa: E402
from uniondash.load import load_dataset  # noqa: E402
from uniondash.web import press_routes, security_headers  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
FALLBACK = 150  # the frames' height before /embed.js sizes them (an unlikely one)
EMBEDS = ("/embed/aid-funds", "/embed/honours-by-level?static=1")
# Text of the article only: the figures are in the charts, each from the report.
ARTICLE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>新闻示例</title>
<style>body{{margin:0;font-family:"Noto Serif CJK SC",serif;color:#222;background:#f4f1ea}}
header{{background:#8b0000;color:#fff;padding:10px 16px;font:700 18px sans-serif}}
article{{max-width:720px;margin:0 auto;background:#fff;padding:16px 20px}}
h1{{font-size:26px;line-height:1.35;margin:8px 0}} p{{font-size:17px;line-height:1.8}}
.by{{color:#777;font-size:14px}}</style></head><body>
<header>示例新闻网（演示页面，另一个网站）</header>
<article><h1>唱响“制造名城”奋斗者之歌</h1><p class="by">本网记者 · 演示</p>
<p>株洲市工会第十六次代表大会召开。大会报告回顾了五年来的工作，下面的图表由株洲市总工会数据看板提供，
数字均引自报告原文。</p>
{frames}
<p>（正文继续……）</p></article>
<script src="{script}" async></script></body></html>"""


@contextmanager
def served(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def shoot(driver: WebDriver, url: str, size: tuple[int, int], target: Path) -> None:
    width, height = size
    mobile = width < 500
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    driver.get(url)
    # Both frames sized by /embed.js (their height attribute no longer the fallback).
    sized = "return [...document.querySelectorAll('iframe')].map(f => f.getAttribute('height'))"
    try:
        WebDriverWait(driver, 30).until(lambda d: str(FALLBACK) not in d.execute_script(sized))
    except Exception:
        print("frames not sized:", driver.execute_script(sized), file=sys.stderr)
        raise
    time.sleep(0.5)  # let the charts finish drawing (a screenshot, not a test)
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": full, "deviceScaleFactor": 1, "mobile": mobile},
    )
    time.sleep(0.5)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    target.write_bytes(base64.b64decode(shot["data"]))
    print(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    dataset = load_dataset(ROOT / "data")
    renderer = ChartRenderer(CHROMIUM)
    dashboard = Flask("dashboard")
    press_routes.register(dashboard, dataset, images=ChartImages(dataset, renderer, MemoryCache()))
    security_headers.register(dashboard, ["*"])
    news = Flask("news")
    page: dict[str, str] = {}
    news.add_url_rule("/article", "article", lambda: page["html"])
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, "--hide-scrollbars"):
        options.add_argument(flag)
    try:
        with served(dashboard) as base, served(news) as news_base:
            frames = "\n".join(
                f'<iframe src="{escape(base + path)}" title="图表" width="100%" height="{FALLBACK}" '
                'style="border:0;max-width:100%" data-uniondash></iframe>'
                for path in EMBEDS
            )
            page["html"] = ARTICLE.format(frames=frames, script=escape(base + "/embed.js"))
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
            try:
                article = news_base.replace("127.0.0.1", "localhost") + "/article"
                args.out.mkdir(parents=True, exist_ok=True)
                for name, size in SIZES.items():
                    shoot(driver, article, size, args.out / f"embed-article-{name}.png")
            finally:
                driver.quit()
    finally:
        renderer.close()


if __name__ == "__main__":
    main()
