"""WCAG 2.2 AA in headless Chromium: axe-core finds nothing on any page type in either language, nothing
scrolls sideways at 320 CSS px, and a link is copied by keys alone (docs/accessibility.md).

axe-core is the copy bundled with axe-playwright-python, injected through the session's selenium driver
(tests/browser/conftest.py: one server and one browser for the whole session).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import WAIT, open_page, set_viewport
from tests.synthetic import SHIPPED
from uniondash.load import load_dataset
from uniondash.meeting import plan_slides
from uniondash.model import Filters

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_DATASET = load_dataset(SHIPPED)
SECTIONS = [str(section_id) for section_id in _DATASET.sections["id"]]
FIRST_CHART_SLIDE = next(n for n, s in enumerate(plan_slides(_DATASET, Filters()), start=1) if s.kind == "chart")


# Every page type, as a path and query. Each is checked in Chinese (as is) and in English (lang=en).
PAGES = [
    "/",
    *(f"/section/{section_id}" for section_id in SECTIONS),
    "/present",  # the title slide
    "/present?slide=2",  # a headline card
    f"/present?slide={FIRST_CHART_SLIDE}",
    "/briefing",
    "/embed/aid-funds",
    "/embed/honours-by-level",  # three levels in three colours, each named on its bar
    "/embed/honours-by-level?static=1",  # the light SVG embed, no script
    "/section/nope",  # the 404 page
    "/embed/nope",  # an embed of an unknown chart: its 404 page lists the charts
]


def in_lang(path: str, lang: str) -> str:
    if lang == "zh":
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


URLS = [in_lang(path, lang) for path in PAGES for lang in ("zh", "en")]

# The page is drawn: Dash has drawn the URL's view, and every chart that should show has its plotly SVG
# (dashboard cards, the briefing's figures, the visible slide, an embed).
READY = """
if (document.readyState !== 'complete') return false;
if (document.getElementById('react-entry-point')) {
  const main = document.querySelector('#main');
  if (!main || main.dataset.view !== location.pathname + location.search) return false;
}
const holders = document.querySelectorAll(
  '.ud-chart:not(.ud-chart-empty), .chart-figure .chart, .slide:not([hidden]) .chart, body > #chart');
return Array.from(holders).every(h => h.querySelector('.main-svg') !== null);
"""


@cache
def axe_source() -> str:
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def load(driver: WebDriver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(READY), f"page not drawn: {url}")


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    driver.execute_script(axe_source())
    driver.set_script_timeout(WAIT)
    script = """
    const done = arguments[arguments.length - 1];
    axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
      .then(r => done(r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))))
      .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
    """
    violations: list[dict[str, Any]] = driver.execute_async_script(script, AXE_TAGS)
    return violations


def readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"    {node['target']}\n        {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("url", URLS)
def test_axe_finds_no_violation(driver: WebDriver, dashboard_url: str, url: str) -> None:
    load(driver, dashboard_url + url)
    violations = axe_violations(driver)
    assert violations == [], f"axe-core on {url}:\n{readable(violations)}"


@pytest.mark.parametrize("url", URLS)
def test_nothing_scrolls_sideways_at_320px(driver: WebDriver, dashboard_url: str, url: str) -> None:
    """WCAG 1.4.10 Reflow: 320 CSS px (1280px at 400% zoom) without scrolling in two directions."""
    # A desktop window 320px wide (1280px at 400 % zoom): a mobile viewport would widen itself to fit the page.
    set_viewport(driver, 320, 640)
    load(driver, dashboard_url + url)
    width, inner = driver.execute_script("return [document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{url} is {width}px wide in a {inner}px window"


ACTIVE = "const a = document.activeElement; return [a.tagName, a.className, a.getAttribute('aria-label') || '']"


def tab_to(driver: WebDriver, css: str, limit: int = 250) -> None:
    """Press Tab until the focus is on an element matching `css`; Enter opens a <details> met on the way."""
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.matches(arguments[0])", css):
            return
        if driver.execute_script("return document.activeElement.matches('summary')"):
            opens = driver.execute_script(
                "return document.activeElement.parentElement.querySelector(arguments[0])", css
            )
            if opens:
                ActionChains(driver).send_keys(Keys.ENTER).perform()
    raise AssertionError(f"Tab never reached {css}; focus ended on {driver.execute_script(ACTIVE)}")


def wait_for_text(driver: WebDriver, css: str, text: str) -> None:
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.querySelector(arguments[0]).textContent", css) == text,
        f"{css} never said {text}",
    )


def test_a_link_is_copied_by_keys_alone_and_the_copy_is_announced(driver: WebDriver, dashboard_url: str) -> None:
    for lang, copied in (("zh", "已复制"), ("en", "Copied")):
        open_page(driver, f"{dashboard_url}{in_lang('/section/aid', lang)}")
        driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"origin": dashboard_url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )
        button = "#chart-aid-funds button.ud-copy[data-copy='share-link-aid-funds']"
        tab_to(driver, button)
        name = driver.execute_script("return document.activeElement.getAttribute('aria-label')")
        assert name and ("复制" in name if lang == "zh" else "Copy" in name)
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        status = "#chart-aid-funds [role=status].ud-copy-status"
        wait_for_text(driver, status, copied)
        assert driver.execute_script("return document.querySelector(arguments[0]).getAttribute('aria-live')", status)
        driver.set_script_timeout(WAIT)
        pasted = driver.execute_async_script(
            "const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('error: ' + e))"
        )
        link = driver.execute_script("return document.getElementById('share-link-aid-funds').value")
        assert pasted == link and link.endswith("#chart-aid-funds")


def visible_text(driver: WebDriver, css: str) -> str:
    return str(driver.execute_script("return document.querySelector(arguments[0]).textContent", css))


def test_auto_advance_pauses_by_key_and_button_and_starts_paused_for_reduced_motion(
    driver: WebDriver, dashboard_url: str
) -> None:
    pause = ".slide:not([hidden]) footer button.pause"
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
    )
    try:
        load(driver, f"{dashboard_url}/present?interval=5")
        assert visible_text(driver, pause) == "继续自动翻页"
        assert visible_text(driver, "#auto-status") == "自动翻页已暂停"
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    load(driver, f"{dashboard_url}/present?interval=600&lang=en")
    assert visible_text(driver, pause) == "Pause auto-advance"
    ActionChains(driver).send_keys("p").perform()
    wait_for_text(driver, pause, "Resume auto-advance")
    assert visible_text(driver, "#auto-status") == "Auto-advance paused"
    # The slide keys still work, and the button, reached by Tab, resumes it.
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    wait_for_text(driver, ".slide:not([hidden]) .counter", f"2 / {len(plan_slides(_DATASET, Filters(lang='en')))}")
    tab_to(driver, pause, limit=20)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_for_text(driver, pause, "Pause auto-advance")
    assert visible_text(driver, "#auto-status") == ""


def test_a_charts_data_table_opens_by_keys_alone(driver: WebDriver, dashboard_url: str) -> None:
    open_page(driver, f"{dashboard_url}/section/aid")
    summary = "#chart-aid-funds .ud-chart-tools > details:first-child > summary"
    tab_to(driver, summary)
    assert visible_text(driver, summary) == "查看数据表"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    table = driver.find_element("css selector", "#chart-aid-funds .ud-chart-tools table")
    WebDriverWait(driver, WAIT).until(lambda d: table.is_displayed(), "the data table did not open")
    assert "2600余万元" in table.text
