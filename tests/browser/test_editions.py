"""Reports as editions in a real browser, on the SYNTHETIC second edition (tests/synthetic.py): the period
select leads to each report, the default view lists the later report apart, and the share panel's code is
pinned while the live one is named apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import WAIT, open_page, served, wait_ready
from tests.synthetic import second_edition_data_dir
from uniondash.web.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def editions_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = second_edition_data_dir(Path(tmp_path_factory.mktemp("editions")) / "data")
    with served(create_app(data_dir).server) as url:
        yield url


def texts(driver: WebDriver, css: str) -> list[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, css)]


def test_the_period_select_leads_to_each_report_and_back(driver: WebDriver, editions_url: str) -> None:
    open_page(driver, editions_url + "/section/aid")
    assert driver.find_element(By.ID, "site-period").text == "2019–2023年五年报告"
    # The five-year box holds the five-year figures; the 2024 figure stands in a box of its own below.
    assert "6100万元" not in driver.find_element(By.ID, "chart-aid-funds").text
    assert "6100万元" in driver.find_element(By.ID, "chart-aid-funds-later").text
    assert "2024年年度报告（2025年1月15日发布）" in driver.find_element(By.ID, "later-reports").text
    select = Select(driver.find_element(By.ID, "filter-years"))
    assert select.first_selected_option.text == "2019–2023年五年报告（17），另列此后报告的数字（2）"
    select.select_by_value("report:2024")
    WebDriverWait(driver, WAIT).until(lambda d: "report=2024" in d.current_url)
    wait_ready(driver, "after choosing the 2024 report")
    assert driver.find_element(By.ID, "site-period").text == "2024年年度报告"
    assert "6100万元" in driver.find_element(By.ID, "chart-aid-funds").text
    assert not driver.find_elements(By.ID, "later-reports")
    assert "不与2019–2023年的2.8亿元比较" in driver.find_element(By.ID, "chart-aid-funds").text
    Select(driver.find_element(By.ID, "filter-years")).select_by_value("all")
    WebDriverWait(driver, WAIT).until(lambda d: "report=" not in d.current_url)
    wait_ready(driver, "back at the default view")
    assert driver.find_elements(By.ID, "later-reports")


def test_the_share_panel_hands_out_pinned_code_and_names_the_live_one(driver: WebDriver, editions_url: str) -> None:
    open_page(driver, editions_url + "/section/aid?lang=en")
    block = driver.find_element(By.ID, "chart-aid-funds")
    summary = block.find_element(By.XPATH, ".//summary[normalize-space()='Share and export']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", summary)
    code = driver.find_element(By.ID, "embed-code-aid-funds").get_attribute("value") or ""
    live = driver.find_element(By.ID, "embed-code-live-aid-funds").get_attribute("value") or ""
    assert "report=2019-2023&amp;compare=2014-2018" in code and "report=latest" in live
    labels = texts(driver, "#chart-aid-funds .ud-embed-label")
    assert "Live embed code (always the newest report's figures)" in labels
    # The comparison with the 2014–2018 report is under the chart, labelled computed.
    assert "2019–2023 against 2014–2018, up 70 million yuan (+33.3%)" in block.text
    assert "computed: 280 million yuan − 210 million yuan" in block.text
