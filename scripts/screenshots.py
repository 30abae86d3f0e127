"""Screenshots for the README: the overview and a section page (projector and phone), a headline slide and
a chart slide of meeting mode, and page 1 of the PDF briefing.

    python scripts/screenshots.py                  # -> docs/screenshots/dashboard-*.png, present-*.png, briefing-page-1.png
    python scripts/screenshots.py --full-page      # whole pages, not just the first screen (for review)
    python scripts/screenshots.py --out /tmp/shots --page /section/models?lang=en
    python scripts/screenshots.py --out /tmp/shots --data-dir /tmp/editions/data --port 8171 --page /   # other data

Serves the shipped data on a free loopback port (werkzeug, in a thread) and drives Debian's headless
Chromium through chromedriver. Needs `chromium` and `chromium-driver` (`make system`).
"""

from __future__ import annotations

import argparse
import base64
import logging
import subprocess
import sys
import tempfile
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
from uniondash.load import load_dataset  # noqa: E402
from uniondash.meeting import plan_slides  # noqa: E402
from uniondash.model import Filters  # noqa: E402
from uniondash.web.app import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (*CHROMIUM_FLAGS, "--hide-scrollbars")
VIEWPORTS = {"desktop": (1920, 1080, False), "phone": (390, 844, True)}
PAGES = {"overview": "/", "overview-en": "/?lang=en", "section-aid": "/section/aid"}
# The page is drawn, and so is every chart on it (a plotly SVG in each chart block that has data).
DRAWN = (
    "const blocks = Array.from(document.querySelectorAll('.ud-chart:not(.ud-chart-empty)'));"
    "return document.querySelector('#main') !== null && "
    "blocks.every(b => b.querySelector('.js-plotly-plot .main-svg .barlayer') !== null)"
)


def start_server(data_dir: Path = ROOT / "data", port: int = 0) -> tuple[str, threading.Thread, object]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    app = create_app(data_dir)
    server = make_server("127.0.0.1", port, app.server, threaded=True)
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


def slide_of_kind(kind: str, section: str) -> int:
    """The 1-based number of the first slide of `kind` ('card', 'chart') of `section` in the full deck."""
    slides = plan_slides(load_dataset(ROOT / "data"), Filters())
    for number, slide in enumerate(slides, start=1):
        shown = slide.card or slide.chart
        if slide.kind == kind and shown is not None and shown.section_id == section:
            return number
    return 2


def shoot_slides(driver: WebDriver, base: str, out: Path) -> None:
    """A card and a chart slide at 1920×1080, and the chart slide on a phone held upright (the whole page)."""
    for kind, (width, height, mobile), name in [
        ("card", VIEWPORTS["desktop"], "present-card.png"),
        ("chart", VIEWPORTS["desktop"], "present-chart.png"),
        ("chart", VIEWPORTS["phone"], "present-chart-phone.png"),
    ]:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )
        driver.get(f"{base}/present?slide={slide_of_kind(kind, 'aid')}")
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script(
                "const s = document.querySelector('.slide:not([hidden])');"
                "return s && (s.dataset.kind !== 'chart' || s.querySelector('.main-svg .barlayer') !== null);"
            )
        )
        driver.execute_script("return document.fonts.ready")
        params: dict[str, object] = {"format": "png"}
        if mobile:
            full = driver.execute_script("return document.documentElement.scrollHeight")
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": full, "scale": 1})
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", params)
        path = out / name
        path.write_bytes(base64.b64decode(shot["data"]))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def shoot_briefing(out: Path) -> None:
    """Page 1 of `uniondash export-pdf`, rasterised by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "briefing.pdf"
        subprocess.run([str(Path(sys.executable).parent / "uniondash"), "export-pdf", str(pdf)], check=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(Path(tmp) / "p")],
            check=True,
        )
        path = out / "briefing-page-1.png"
        path.write_bytes((Path(tmp) / "p.png").read_bytes())
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--full-page", action="store_true", help="capture whole pages")
    parser.add_argument("--page", action="append", help="a path (with query) to capture instead of the defaults")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data", help="the data to serve (default: data/)")
    parser.add_argument("--port", type=int, default=0, help="loopback port to serve on (default: a free one)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {f"page-{n}": path for n, path in enumerate(args.page, start=1)} if args.page else PAGES
    base, thread, server = start_server(args.data_dir, args.port)
    driver = chromium()
    try:
        for name, path in pages.items():
            for device, viewport in VIEWPORTS.items():
                suffix = "-full" if args.full_page else ""
                shoot(
                    driver, base + path, viewport, args.out / f"dashboard-{name}-{device}{suffix}.png", args.full_page
                )
        if not args.page:
            shoot_slides(driver, base, args.out)
            shoot_briefing(args.out)
    finally:
        driver.quit()
        server.shutdown()  # type: ignore[attr-defined]
        thread.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
