"""Screenshots of the dashboard for the README: the overview and a section page, projector and phone.

    python scripts/screenshots.py                  # -> docs/screenshots/dashboard-*.png
    python scripts/screenshots.py --full-page      # whole pages, not just the first screen (for review)
    python scripts/screenshots.py --out /tmp/shots --page /section/models?lang=en

Serves the shipped data on a free loopback port (werkzeug, in a thread) and drives Debian's headless
Chromium through chromedriver. Needs `chromium` and `chromium-driver` (`make system`).
"""

from __future__ import annotations

import argparse
import base64
import logging
import sys
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from uniondash.exports.pdf import CHROMIUM_FLAGS  # noqa: E402
from uniondash.web.app import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (*CHROMIUM_FLAGS, "--hide-scrollbars")
VIEWPORTS = {"desktop": (1920, 1080, False), "phone": (390, 844, True)}
PAGES = {"overview": "/", "section-aid": "/section/aid"}
# The page is drawn, and so is every chart on it (a plotly SVG in each chart block that has data).
DRAWN = (
    "const blocks = Array.from(document.querySelectorAll('.ud-chart:not(.ud-chart-empty)'));"
    "return document.querySelector('#main') !== null && "
    "blocks.every(b => b.querySelector('.js-plotly-plot .main-svg .barlayer') !== null)"
)


def start_server() -> tuple[str, threading.Thread, object]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    app = create_app(ROOT / "data")
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", thread, server


def chromium() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def shoot(driver: WebDriver, url: str, viewport: tuple[int, int, bool], out: Path, full_page: bool) -> None:
    width, height, mobile = viewport
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(DRAWN), f"charts not drawn on {url}")
    driver.execute_script("return document.fonts.ready")
    params: dict[str, object] = {"format": "png"}
    if full_page:
        full = driver.execute_script("return document.documentElement.scrollHeight")
        params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": full, "scale": 1})
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", params)
    out.write_bytes(base64.b64decode(shot["data"]))
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--full-page", action="store_true", help="capture whole pages")
    parser.add_argument("--page", action="append", help="a path (with query) to capture instead of the defaults")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {f"page-{n}": path for n, path in enumerate(args.page, start=1)} if args.page else PAGES
    base, thread, server = start_server()
    driver = chromium()
    try:
        for name, path in pages.items():
            for device, viewport in VIEWPORTS.items():
                suffix = "-full" if args.full_page else ""
                shoot(
                    driver, base + path, viewport, args.out / f"dashboard-{name}-{device}{suffix}.png", args.full_page
                )
    finally:
        driver.quit()
        server.shutdown()  # type: ignore[attr-defined]
        thread.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
