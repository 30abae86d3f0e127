"""Fixtures for the dashboard's browser tests: one live server and one headless Chromium per session.

The app is served by werkzeug in a thread on a free loopback port; Debian's chromium is driven through
/usr/bin/chromedriver with selenium (the 4.2 that dash[testing] pins drives it fine with an explicit
Service). Without chromium the tests skip, except under CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from tests.synthetic import SHIPPED
from uniondash.exports.pdf import CHROMIUM_FLAGS
from uniondash.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 30  # seconds a condition may take to come true (a ceiling, not a measurement)
DESKTOP = (1920, 1080)
# The page was drawn for the current URL, and every chart with data on it has its plotly SVG.
PAGE_READY = """
const main = document.querySelector('#main');
if (!main || main.dataset.view !== location.pathname + location.search) return false;
const blocks = Array.from(document.querySelectorAll('.ud-chart:not(.ud-chart-empty)'));
return blocks.every(b => b.querySelector('.js-plotly-plot .main-svg') !== null);
"""


@contextmanager
def served(wsgi_app: Any) -> Iterator[str]:
    """`wsgi_app` served by werkzeug in a thread on a free loopback port; yields its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def launched_chromium() -> Iterator[WebDriver]:
    """Debian's headless Chromium through chromedriver; skips without it, but fails under CI=true."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        message = f"{', '.join(missing)} not installed: run `make system` (Debian chromium and chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def dashboard_url() -> Iterator[str]:
    with served(create_app(SHIPPED).server) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[WebDriver]:
    with launched_chromium() as driver:
        yield driver


@pytest.fixture
def driver(chromium: WebDriver) -> Iterator[WebDriver]:
    """The session's Chromium at 1920×1080 with an empty console log; back to that size afterwards."""
    set_viewport(chromium, *DESKTOP)
    chromium.get_log("browser")  # drop what earlier tests logged
    yield chromium
    set_viewport(chromium, *DESKTOP)


def set_viewport(driver: WebDriver, width: int, height: int, mobile: bool = False) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def wait_ready(driver: WebDriver, why: str = "") -> None:
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(PAGE_READY), f"page not drawn {why}".strip())


def open_page(driver: WebDriver, url: str) -> None:
    driver.get(url)
    wait_ready(driver, f"for {url}")


def severe_errors(driver: WebDriver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
