"""A programme offered disabled ("“Winter Warmth” … (0)": the chosen years leave it nothing) cannot be chosen,
by keyboard or by "Select all": dcc.Dropdown's search picks its first match on Enter, disabled or not."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import WAIT, open_page, severe_errors, wait_ready

pytestmark = pytest.mark.browser

# 2023 alone: winter warmth's figures are five-year totals (2019–2023), so it is offered disabled with its 0.
START = "/?years=2023&lang=en"


def programmes(driver: WebDriver) -> list[str]:
    return parse_qs(urlsplit(driver.current_url).query).get("programme", [])


def search_programmes(driver: WebDriver, typed: str) -> None:
    """Focus the programme select as a keyboard user does, and type: the list opens, filtered."""
    driver.execute_script("document.activeElement.blur(); document.getElementById('filter-programme').focus()")
    # The first key opens the list and moves the focus to its search box (a frame later); then the rest.
    ActionChains(driver).send_keys(typed[0]).perform()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.activeElement.matches('.dash-dropdown-search')"), "no search box"
    )
    ActionChains(driver).send_keys(typed[1:]).perform()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script(
            "const box = document.querySelector('.dash-dropdown-content input.dash-dropdown-search');"
            "const first = document.querySelector('.dash-dropdown-content [role=option]');"
            "return box && box.value === arguments[0] && first && first.textContent.toLowerCase().includes(arguments[0])",
            typed,
        ),
        f"the search did not open with {typed!r}",
    )


def first_option(driver: WebDriver) -> tuple[str, bool, str | None]:
    return tuple(
        driver.execute_script(
            "const o = document.querySelector('.dash-dropdown-content [role=option]');"
            "return [o.textContent, o.querySelector('input').disabled, o.getAttribute('aria-disabled')]"
        )
    )


def settle(driver: WebDriver) -> None:
    """Time for any callback a key set off to come back (two round trips at most), then the page drawn."""
    driver.execute_script("return new Promise(done => setTimeout(done, 1500))")
    wait_ready(driver, "after the key")


def test_typing_a_disabled_programme_and_enter_chooses_nothing(driver, dashboard_url):
    open_page(driver, dashboard_url + START)
    search_programmes(driver, "winter")
    label, disabled, aria_disabled = first_option(driver)
    assert label.startswith("“Winter Warmth”") and label.endswith("(0)")
    assert disabled and aria_disabled == "true"  # said to screen readers, not only greyed out
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    settle(driver)
    assert programmes(driver) == []
    assert "Winter Warmth" not in driver.find_element(By.ID, "filter-programme").text

    # An enabled match is still chosen by the same keys: the guard stops only what it must.
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    search_programmes(driver, "golden")
    label, disabled, _ = first_option(driver)
    assert label.startswith("“Golden Autumn”") and not disabled
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    WebDriverWait(driver, WAIT).until(lambda d: programmes(d) == ["golden-autumn"], "the enabled match was not chosen")
    assert severe_errors(driver) == []


def test_select_all_leaves_the_disabled_programmes_out(driver, dashboard_url):
    open_page(driver, dashboard_url + START)
    search_programmes(driver, "winter")
    driver.find_element(By.CSS_SELECTOR, ".dash-dropdown-action-button").click()  # "Select all" of the matches
    settle(driver)
    assert programmes(driver) == []
    assert "Winter Warmth" not in driver.find_element(By.ID, "filter-programme").text
    assert severe_errors(driver) == []
