"""`GET /export/summary.xlsx` on the real app (Flask test client): headers, filters, notices, methods."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from tests.synthetic import SHIPPED
from uniondash.chartspec import comparisons_and_cards
from uniondash.exports.xlsx import XLSX_MIMETYPE
from uniondash.model import Filters, filter_facts
from uniondash.web.app import create_app


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    return create_app(SHIPPED).server.test_client()


def download(client, url: str) -> tuple[Workbook, bytes, str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_data()
    assert int(response.headers["Content-Length"]) == len(data)
    return load_workbook(BytesIO(data)), data, response.headers["Content-Disposition"]


def notes(workbook: Workbook, sheet: str = "说明") -> str:
    return "\n".join(
        " | ".join(str(c.value) for c in row if c.value is not None) for row in workbook[sheet].iter_rows()
    )


def section_ids(data: bytes, workbook: Workbook) -> list[str]:
    sheets = pd.read_excel(BytesIO(data), sheet_name=workbook.sheetnames[2:-5], dtype=object)
    return [fact_id for sheet in sheets.values() for fact_id in sheet["ID"]]


def test_default_download_is_the_whole_data_in_chinese(client, dataset):
    workbook, data, disposition = download(client, "/export/summary.xlsx")
    assert disposition == "attachment; filename=uniondash-summary-all-years-zh.xlsx"
    assert workbook.sheetnames[:2] == ["说明", "汇总"] and workbook.sheetnames[-5:] == [
        "荣誉",
        "图表",
        "图表数据",
        "全部数据",
        "来源",
    ]
    assert sorted(section_ids(data, workbook)) == sorted(dataset.facts["id"])
    assert "参数提示" not in notes(workbook)


def test_dashboard_query_string_filters_the_workbook(client, dataset):
    workbook, data, disposition = download(client, "/export/summary.xlsx?years=2019-2023&section=aid&lang=en")
    assert disposition == "attachment; filename=uniondash-summary-aid-2019-2023-en.xlsx"
    assert workbook.sheetnames == [
        "Notes",
        "Summary",
        "Help for workers",
        "Honours",
        "Charts",
        "Chart data",
        "All figures",
        "Sources",
    ]
    expected = filter_facts(dataset.facts, Filters(years=frozenset(range(2019, 2024)), sections=("aid",)))
    assert sorted(section_ids(data, workbook)) == sorted(expected["id"])
    assert "aid-autumn-students-20-years" not in section_ids(data, workbook)  # 2003–2023 is not within 2019–2023
    text = notes(workbook, "Notes")
    assert "Years | 2019–2023" in text and "Sections | Help for workers" in text
    assert "URL parameters | ?years=2019-2023&section=aid&lang=en" in text


def test_repeated_programme_parameters(client):
    workbook, data, disposition = download(client, "/export/summary.xlsx?programme=winter-warmth&programme=spring-jobs")
    assert disposition == "attachment; filename=uniondash-summary-winter-warmth-spring-jobs-all-years-zh.xlsx"
    assert sorted(section_ids(data, workbook)) == sorted(
        ["aid-winter-funds", "aid-winter-people", "aid-spring-job-fairs", "aid-spring-people-employed"]
    )


def test_bad_parameters_still_download_with_notices_in_the_notes(client, dataset):
    workbook, data, disposition = download(client, "/export/summary.xlsx?years=abc&programme=nope&lang=xx")
    # Every bad parameter fell back to its default: all years, all programmes, Chinese.
    assert disposition == "attachment; filename=uniondash-summary-all-years-zh.xlsx"
    assert sorted(section_ids(data, workbook)) == sorted(dataset.facts["id"])
    text = notes(workbook)
    assert "参数提示" in text
    assert "年份参数“abc”无效（示例：2019-2023 或 2021,2023），已显示全部年份。" in text
    assert "未知项目“nope”，已忽略。" in text
    assert "语言参数无效，已使用中文。" in text


def test_english_notices_and_out_of_range_years(client):
    workbook, _, _ = download(client, "/export/summary.xlsx?years=1990&lang=en&section=" + quote("不存在"))
    text = notes(workbook, "Notes")
    assert "None of the chosen years is in the data: showing all years." in text
    assert "Unknown section '不存在' was ignored." in text


def test_huge_parameter_is_ignored_with_a_notice(client):
    workbook, _, _ = download(client, "/export/summary.xlsx?programme=" + "x" * 5000)
    assert "参数 programme 过长，已忽略。" in notes(workbook)


def test_empty_selection_downloads_a_workbook_that_says_so(client):
    workbook, _, disposition = download(client, "/export/summary.xlsx?years=2021")
    assert disposition == "attachment; filename=uniondash-summary-2021-zh.xlsx"
    assert "所选范围内没有数据" in notes(workbook)
    assert workbook.sheetnames == ["说明", "汇总", "荣誉", "图表", "图表数据", "全部数据", "来源"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_not_allowed(client, method):
    response = getattr(client, method)("/export/summary.xlsx")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_head_has_the_same_headers(client):
    response = client.head("/export/summary.xlsx?lang=en")
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == "attachment; filename=uniondash-summary-all-years-en.xlsx"


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("years=2023", Filters(years=frozenset({2023}))),
        ("section=models&lang=en", Filters(sections=("models",), lang="en")),
        ("years=abc", Filters()),  # the documented fallback: every year, and a notice
    ],
)
def test_the_workbooks_charts_are_the_dashboards(client, dataset, query, filters):
    """The same query string draws, in Excel, the charts the dashboard draws: same ids, same titles, in order."""
    workbook, _, _ = download(client, f"/export/summary.xlsx?{query}")
    drawn = []
    charts_sheet = next(ws for ws in workbook.worksheets if ws._charts)
    for chart in charts_sheet._charts:
        sheet, _, cells = chart.series[0].cat.strRef.f.rpartition("!")
        first_row = int(cells.split(":")[0].rsplit("$", 1)[1])
        title = "".join(run.t for run in chart.title.tx.rich.p[0].r)
        drawn.append((workbook[sheet.strip("'")].cell(row=first_row, column=1).value, title))
    specs = comparisons_and_cards(dataset, filters)[0]
    assert drawn == [(spec.chart_id, spec.title) for spec in specs for _ in spec.panels]
    assert drawn
