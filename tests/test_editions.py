"""Reports as editions (issue 25), with a SYNTHETIC second edition: a 2024 annual report and a 2014–2018
five-year report for some figures, beside the shipped 2019–2023 five-year report (tests/synthetic.py).

Every page type shows the periods the data declares; annual figures stand beside the five-year totals,
never among them; reports are compared where they can be and refused, with why, where they cannot; embeds
and downloads pasted before a new report keep showing what they showed; the share panel and oEmbed hand
out pinned code; conflicting reports are refused.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from openpyxl import load_workbook
from plotly.utils import PlotlyJSONEncoder

from tests.dash_requests import page_callback
from tests.synthetic import (
    EDITION_2014_2018,
    EDITION_2024,
    SHIPPED,
    append_edition,
    append_rows,
    edition_rows,
    read_rows,
    seal_as_is,
    second_edition_data_dir,
)
from uniondash.charts import CHARTS
from uniondash.chartspec import chart_spec
from uniondash.cli import cli
from uniondash.config import Settings
from uniondash.errors import DataError
from uniondash.exports.xlsx import build_workbook
from uniondash.figures import render_plotly
from uniondash.load import load_dataset, load_files
from uniondash.meeting import plan_slides, render_briefing
from uniondash.model import Dataset, Filters, filter_facts, later_facts, year_choices
from uniondash.web.app import create_app
from uniondash.web.filter_bar import year_choice_label, year_choice_value
from uniondash.web.pages import render

# ---------------------------------------------------------------------------------------------------
# Fixtures: the shipped data with the SYNTHETIC editions appended, as an analyst appends them.


@pytest.fixture(scope="module")
def editions_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return second_edition_data_dir(tmp_path_factory.mktemp("editions") / "data")


@pytest.fixture(scope="module")
def editions(editions_dir: Path) -> Dataset:
    return load_dataset(editions_dir)


@pytest.fixture(scope="module")
def client(editions_dir: Path) -> FlaskClient:
    return create_app(editions_dir, Settings()).server.test_client()


def page_text(client: FlaskClient, path: str, search: str = "") -> str:
    """The dashboard page for a URL as the browser gets it (the page callback), as readable text."""
    response = client.post("/_dash-update-component", json=page_callback(path, search))
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


def component(tree: Any, component_id: str) -> Any:
    """The component of the page callback's JSON with this id."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree
        for value in tree.values():
            found = component(value, component_id)
            if found is not None:
                return found
    if isinstance(tree, list):
        for item in tree:
            found = component(item, component_id)
            if found is not None:
                return found
    return None


def page_json(client: FlaskClient, path: str, search: str = "") -> Any:
    response = client.post("/_dash-update-component", json=page_callback(path, search))
    return response.get_json()


def visible_text(page: bytes) -> str:
    """What a reader sees of an HTML page: no scripts, styles or tags, white space collapsed."""
    text = page.decode("utf-8")
    text = re.sub(r"<(script|style|noscript)\b.*?</\1>", " ", text, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.unescape(text).split())


# ---------------------------------------------------------------------------------------------------
# The data declares its reports.


def test_the_shipped_report_declares_its_kind_period_and_date(dataset: Dataset) -> None:
    (edition,) = dataset.editions
    assert (edition.kind, edition.period, edition.published) == ("five-year", (2019, 2023), "2023-11-30")
    assert dataset.default_edition == dataset.first_edition == edition
    assert dataset.later_editions() == [] and dataset.series_years() is None


def test_editions_default_and_first(editions: Dataset) -> None:
    assert [(e.kind, e.period) for e in editions.editions] == [
        ("five-year", (2019, 2023)),
        ("annual", (2024, 2024)),
        ("five-year", (2014, 2018)),
    ]
    # The latest five-year report is the default view; the first row of sources.csv the first edition.
    assert editions.default_edition.period == editions.first_edition.period == (2019, 2023)
    assert [e.period for e in editions.later_editions()] == [(2024, 2024)]
    assert editions.series_years() == frozenset({2023, 2024})


@pytest.mark.parametrize(
    ("old", "new", "column", "problem"),
    [
        (",five-year,2019,2023", ",weekly,2019,2023", "report_kind", "not a kind of report"),
        (",five-year,2019,2023", ",five-year,2020,2023", "period_end", "does not fit report_kind"),
        (",2023-11-30,3,", ",2022-12-31,3,", "published", "before the last year of the period"),
    ],
)
def test_a_source_that_misstates_its_report_is_refused_at_its_line(
    data_copy: Path, old: str, new: str, column: str, problem: str
) -> None:
    sources = data_copy / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as raised:
        load_files(data_copy)
    assert f"sources.csv:2: column '{column}': " in str(raised.value)
    assert problem in str(raised.value)


def test_a_figure_after_its_reports_period_is_refused(data_copy: Path) -> None:
    facts = (data_copy / "facts.csv").read_text(encoding="utf-8")
    (data_copy / "facts.csv").write_text(facts.replace(",2023,2023,city,", ",2024,2024,city,", 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"ends in 2024, after the period its source 'zzrb-2023-11-30-p03'"):
        load_files(data_copy)


def test_two_reports_giving_one_figure_two_values_is_an_error_naming_both_rows_and_sources(tmp_path: Path) -> None:
    data_dir = second_edition_data_dir(tmp_path / "data")
    base = {row["id"]: row for row in read_rows(data_dir / "facts.csv")}["workforce-talent-total"]
    # The 2024 report restates 2023's talent pool, with another number: one of the two is wrong.
    restated = {
        **base,
        "id": "workforce-talent-total-2023-restated",
        "value": "710000",
        "as_written": "71万人",
        "number_as_written": "71",
        "qualifier": "",
        "source_id": EDITION_2024["id"],
        "source_quote": "SYNTHETIC 合成测试：2023年全市人才总量71万人",
    }
    append_rows(data_dir / "facts.csv", [restated])
    with pytest.raises(DataError) as raised:
        load_files(data_dir)
    message = str(raised.value)
    line = len(read_rows(data_dir / "facts.csv")) + 1
    original = 1 + next(n for n, row in enumerate(read_rows(data_dir / "facts.csv"), 1) if row["id"] == base["id"])
    assert f"facts.csv:{line}: column 'value': " in message
    assert "'workforce-talent-total-2023-restated' (source 'synthetic-annual-2024') gives 71万人" in message
    assert f"line {original}, 'workforce-talent-total' (source 'zzrb-2023-11-30-p03'), gives 接近70万人" in message
    assert "repeats the figure" not in message  # said once, as the conflict it is


def test_the_same_figure_of_two_reports_with_the_same_value_is_a_figure_entered_twice(tmp_path: Path) -> None:
    data_dir = second_edition_data_dir(tmp_path / "data")
    base = {row["id"]: row for row in read_rows(data_dir / "facts.csv")}["workforce-high-skilled"]
    append_rows(
        data_dir / "facts.csv",
        [{**base, "id": "workforce-high-skilled-again", "source_id": EDITION_2024["id"], "part_of": ""}],
    )
    with pytest.raises(DataError, match="repeats the figure"):
        load_files(data_dir)


# ---------------------------------------------------------------------------------------------------
# The period select: each choice's count is what it shows.


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_choice_counts_exactly_what_it_shows(editions: Dataset, lang: str) -> None:
    choices = year_choices(editions, Filters(lang=lang))  # type: ignore[arg-type]
    labels = [year_choice_label(choice, editions, lang) for choice in choices]  # type: ignore[arg-type]
    for choice in choices:
        shown = Filters(lang=lang, years=choice.years, report=choice.report)  # type: ignore[arg-type]
        assert choice.count == len(filter_facts(editions.facts, shown))
        assert choice.later == (len(later_facts(editions, shown)) if shown.is_default_view else 0)
    if lang == "zh":
        assert labels[:3] == [
            "2019–2023年五年报告（88），另列此后报告的数字（4）",
            "2024年年度报告（4）",
            "2014–2018年五年报告（4）",
        ]
        assert "2023–2024年（23）" in labels  # the single years of both reports, one series
        assert not any(label.startswith("2003–2023") for label in labels)
    else:
        assert labels[0] == "2019–2023 five-year report (88), later reports' figures beside (4)"
    # The default view shows the five-year report's figures only; the 2024 ones are apart.
    assert not filter_facts(editions.facts, Filters())["source_id"].isin([EDITION_2024["id"]]).any()


def test_the_period_select_leads_to_each_report(client: FlaskClient, editions: Dataset) -> None:
    from uniondash.web.urls import changed_search

    assert changed_search("", "years", "report:2024", editions) == "?report=2024"
    assert changed_search("?report=2024&compare=2019-2023", "years", "all", editions) == ""
    assert changed_search("?report=2024", "years", "2023-2024", editions) == "?years=2023-2024"
    select = component(page_json(client, "/", "?report=2014-2018"), "filter-years")
    assert select["props"]["value"] == "report:2014-2018"
    assert year_choice_value(year_choices(editions, Filters())[1]) == "report:2024"


# ---------------------------------------------------------------------------------------------------
# Every page type shows the right periods, in zh and en.


@pytest.mark.parametrize(
    ("lang", "title", "period", "title_2024", "period_2024"),
    [
        ("zh", "株洲市总工会五年工作成就", "2019–2023年五年报告", "株洲市总工会年度工作成就", "2024年年度报告"),
        (
            "en",
            "Zhuzhou Federation of Trade Unions: five years of work",
            "2019–2023 five-year report",
            "Zhuzhou Federation of Trade Unions: a year of work",
            "2024 annual report",
        ),
    ],
)
def test_titles_and_headings_take_their_period_from_the_data(
    editions: Dataset, lang: str, title: str, period: str, title_2024: str, period_2024: str
) -> None:
    query = "?lang=en" if lang == "en" else ""
    for path in ("/", "/section/aid"):
        page = render(editions, path, query)
        assert f"{title} · {period}" in page.title
        header = dump(find(tree(page), "site-period"))
        assert period in header and "2024" not in header
        assert "2014–2018" not in page.title
        annual = render(editions, path, f"{query}&report=2024" if query else "?report=2024")
        assert f"{title_2024} · {period_2024}" in annual.title
    overview = dump(tree(render(editions, "/", query)))
    heading = "五年工作成就一览" if lang == "zh" else "Five years at a glance"
    citation = "株洲日报 2023年11月30日 第3版" if lang == "zh" else "Zhuzhou Daily, 30 November 2023, page 3"
    assert heading in overview and citation in overview
    section = dump(find(tree(render(editions, "/section/aid", query)), "section-period"))
    assert period in section
    annual = dump(
        find(
            tree(render(editions, "/section/aid", f"{query}&report=2024" if query else "?report=2024")),
            "section-period",
        )
    )
    assert period_2024 in annual


def test_the_default_view_lists_later_reports_apart_and_dated(client: FlaskClient) -> None:
    overview = page_json(client, "/")
    later = component(overview, "later-reports")
    assert later is not None
    text = json.dumps(later, ensure_ascii=False)
    assert "2024年年度报告（2025年1月15日发布）" in text and "6100万元" in text
    headlines = json.dumps(component(overview, "main"), ensure_ascii=False).split("此后发布的报告")[0]
    assert "6100万元" not in headlines
    # A report's own view has nothing beside it: it shows that report.
    assert component(page_json(client, "/", "?report=2019-2023"), "later-reports") is None
    assert "6100万元" not in page_text(client, "/", "?report=2019-2023")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chart_box_headed_with_one_period_holds_no_figure_of_another(editions: Dataset, lang: str) -> None:
    query = "?lang=en" if lang == "en" else ""
    page = tree(render(editions, "/section/aid", query))
    main = find(page, "chart-aid-funds")
    later = find(page, "chart-aid-funds-later")
    main_text, later_text = dump(main), dump(later)
    assert "2019–2023" in main_text and "aid-winter-funds-2024" not in main_text
    assert ("6100万元" if lang == "zh" else "61 million yuan") not in main_text
    assert "aid-winter-funds-2024" in later_text and "2019–2023年 · 五年合计" not in later_text
    # The five-year bars stay bars among five-year bars: no figure of another period in the figure.
    figure = find(main, "graph-aid-funds")["props"]["figure"]
    assert all(trace.get("x") is None or len(trace["x"]) for trace in figure["data"])
    assert "2024" not in dump(figure)


def tree(page: Any) -> Any:
    """A rendered page as the JSON the browser gets (components as dicts, all the way down)."""
    return json.loads(json.dumps(page.children, cls=PlotlyJSONEncoder))


def find(tree: Any, component_id: str) -> Any:
    found = component(tree, component_id)
    assert found is not None, component_id
    return found


def dump(tree: Any) -> str:
    return json.dumps(tree, ensure_ascii=False, default=str)


def test_the_section_draws_single_years_across_reports_as_one_series(editions: Dataset) -> None:
    page = tree(render(editions, "/section/workforce", ""))
    later = find(page, "chart-talent-later")
    figure = find(later, "graph-talent-later")["props"]["figure"]
    assert [trace["x"] for trace in figure["data"]] == [["2023年", "2024年"], ["2023年", "2024年"]]
    assert "逐年变化" in dump(figure)
    # In the five-year report's own box, 2023 only.
    main = find(page, "chart-talent")
    assert "2024" not in dump(find(main, "graph-talent")["props"]["figure"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_embeds_slides_briefing_and_workbook_show_the_reports_periods(
    client: FlaskClient, editions: Dataset, lang: str
) -> None:
    query = "lang=en" if lang == "en" else ""
    embed = visible_text(client.get(f"/embed/aid-funds?section=aid&{query}").data)
    assert "2019–2023" in embed and "2024" not in embed.replace("2024-", "")
    annual = visible_text(client.get(f"/embed/aid-funds?report=2024&{query}").data)
    assert ("6100万元" if lang == "zh" else "61 million yuan") in annual and "2019–2023 " not in annual
    slides = plan_slides(editions, Filters(lang=lang))  # type: ignore[arg-type]
    title = "株洲市总工会五年工作成就" if lang == "zh" else "Zhuzhou Federation of Trade Unions: five years of work"
    assert slides[0].heading == title and "2024" not in " ".join(s.period for s in slides)
    annual_slides = plan_slides(editions, Filters(lang=lang, report=(2024, 2024)))  # type: ignore[arg-type]
    assert annual_slides[0].heading != title and all(s.period in ("2024年", "2024") for s in annual_slides)
    briefing = visible_text(render_briefing(editions, Filters(lang=lang)).encode())  # type: ignore[arg-type]
    assert title in briefing and ("2019–2023年五年报告" if lang == "zh" else "2019–2023 five-year report") in briefing
    workbook = build_workbook(editions, Filters(lang=lang))  # type: ignore[arg-type]
    notes = " ".join(str(cell.value) for row in workbook.worksheets[0].iter_rows() for cell in row if cell.value)
    assert title in notes and ("2019–2023年五年报告" if lang == "zh" else "2019–2023 five-year report") in notes


# ---------------------------------------------------------------------------------------------------
# Comparisons between reports: drawn where comparable, refused with why where not.


def comparisons(editions: Dataset, chart_id: str, **filters: Any) -> dict[str, tuple[bool, str]]:
    spec = chart_spec(CHARTS[chart_id], editions, Filters(**filters))
    return {c.fact_id: (c.comparable, c.text) for c in spec.comparisons}


def test_five_years_against_the_five_before(editions: Dataset) -> None:
    found = comparisons(editions, "aid-funds")
    assert found["aid-winter-funds"] == (
        True,
        "筹集“冬送温暖”资金：2019–2023年比2014–2018年增加7000万元（+33.3%）",
    )
    spec = chart_spec(CHARTS["aid-funds"], editions, Filters())
    winter = next(c for c in spec.comparisons if c.fact_id == "aid-winter-funds")
    assert winter.how == "计算值：2.8亿元 − 2.1亿元；百分比 = 差额 ÷ 2014–2018年的数字"
    assert winter.change == 70_000_000 and round(winter.percent or 0, 1) == 33.3
    assert found["aid-autumn-funds-federation"][0] is True  # the federation's own, against its own


def test_a_year_against_the_year_before_across_reports(editions: Dataset) -> None:
    found = comparisons(editions, "talent", report=(2024, 2024), lang="en")
    assert found["workforce-high-skilled-2024"] == (
        True,
        "High-skilled talent: 2024 against 2023, up 10,000 people (+7.7%)",
    )
    # 接近70万人 is not exact: neither is the change.
    assert found["workforce-talent-total-2024"][1].endswith("up about 20,000 people (about +2.9%)")


@pytest.mark.parametrize(
    ("chart_id", "filters", "fact_id", "why"),
    [
        ("people-helped-times", {}, "aid-winter-people", "一个按人次统计，一个按人数统计"),
        ("aid-funds", {}, "aid-autumn-funds", "统计范围不同（全市与市总工会本级）"),
        ("aid-funds", {"report": (2024, 2024)}, "aid-winter-funds-2024", "统计时期长短不同（1年与5年）"),
    ],
)
def test_not_comparable_shows_nothing_and_says_why(
    editions: Dataset, chart_id: str, filters: dict[str, Any], fact_id: str, why: str
) -> None:
    comparable, text = comparisons(editions, chart_id, **filters)[fact_id]
    assert not comparable and text.endswith(why) and "不与" in text
    assert "%" not in text and "增加" not in text


def test_comparisons_are_drawn_by_plotly_and_written_under_the_excel_charts(editions: Dataset) -> None:
    spec = chart_spec(CHARTS["aid-funds"], editions, Filters())
    figure = render_plotly(spec).to_plotly_json()
    captions = " ".join(a["text"] for a in figure["layout"]["annotations"] if a.get("name") == "computed")
    captions = captions.replace("<br>", "")
    assert "增加7000万元（+33.3%）" in captions and "计算值：2.8亿元 − 2.1亿元" in captions
    assert "统计范围不同" in captions
    workbook = build_workbook(editions, Filters())
    sheet = workbook["图表"]
    lines = "".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    assert "增加7000万元（+33.3%）" in lines and "统计范围不同" in lines


def test_a_missing_year_is_shown_as_missing_not_as_zero(tmp_path: Path) -> None:
    data_dir = second_edition_data_dir(tmp_path / "data", editions=(EDITION_2024,))
    annual_2026 = {**EDITION_2024, "id": "synthetic-annual-2026", "period_start": "2026", "period_end": "2026"}
    annual_2026["published"] = "2027-01-15"
    rows = [
        {**row, "id": row["id"].replace("2024", "2026"), "period_start": "2026", "period_end": "2026"}
        for row in edition_rows(EDITION_2024, {r["id"]: r for r in read_rows(data_dir / "facts.csv")})
        if row["id"] == "aid-winter-funds-2024"
    ]
    rows[0].update(source_id=annual_2026["id"], value="65000000", as_written="6500万元", number_as_written="6500")
    rows[0]["source_quote"] = "SYNTHETIC 合成测试：筹集“冬送温暖”资金6500万元"
    append_rows(data_dir / "sources.csv", [annual_2026])
    append_rows(data_dir / "facts.csv", rows)
    seal_as_is(data_dir)
    dataset = load_dataset(data_dir)
    spec = chart_spec(CHARTS["aid-funds"], dataset, Filters(years=frozenset({2024, 2025, 2026})))
    (panel,) = spec.panels
    points = panel.series[0].points
    assert [(p.period, p.value, p.value_text) for p in points] == [
        ("2024年", 61_000_000.0, "6100万元"),
        ("2025年", None, "无数据"),
        ("2026年", 65_000_000.0, "6500万元"),
    ]
    figure = render_plotly(spec).to_plotly_json()
    assert figure["data"][0]["y"] == [61_000_000.0, None, 65_000_000.0]
    assert any(a.get("name") == "missing" and a["x"] == "2025年" for a in figure["layout"]["annotations"])
    workbook = build_workbook(dataset, Filters(years=frozenset({2024, 2025, 2026})))
    data = workbook["图表数据"]
    row = next(r for r in data.iter_rows() if str(r[1].value).startswith("2025年"))
    assert str(row[1].value) == "2025年：无数据" and row[2].value is None  # a gap in the Excel chart, not a zero


# ---------------------------------------------------------------------------------------------------
# Pinned embeds: what was pasted before a new report shows the same after it.

PASTED = [
    "/embed/aid-funds?section=aid&lang=en",
    "/embed/aid-funds",
    "/embed/talent",
    "/embed/talent?lang=en",
    "/embed/people-helped-times",
    "/embed/model-workers?lang=en",
]


def test_embeds_pasted_before_new_reports_show_the_same_after(tmp_path: Path) -> None:
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    app = create_app(data_dir, Settings())
    app_client = app.server.test_client()
    before = {url: visible_text(app_client.get(url).data) for url in PASTED}
    oembed_before = app_client.get("/oembed", query_string={"url": "http://localhost/embed/talent"}).get_json()
    append_edition(data_dir, EDITION_2024, EDITION_2014_2018)  # the CSVs written, as import-xlsx writes them
    fresh = create_app(data_dir, Settings()).server.test_client()  # a server started on the new data
    for url in PASTED:
        assert visible_text(fresh.get(url).data) == before[url], url
    assert fresh.get("/oembed", query_string={"url": "http://localhost/embed/talent"}).get_json() == oembed_before
    # The new reports are there for whoever asks for them.
    assert "61 million yuan" in visible_text(fresh.get("/embed/aid-funds?report=2024&lang=en").data)
    # An embed compares with the reports its URL names, drawn in its chart.
    compared = fresh.get("/embed/aid-funds?compare=2014-2018").data.decode()
    figure = json.loads(re.search(r'<script id="embed-figure" [^>]*>(.*?)</script>', compared, re.S)[1])
    drawn = " ".join(a["text"] for a in figure["layout"]["annotations"]).replace("<br>", "")
    assert "增加7000万元（+33.3%）" in drawn


def test_the_running_server_takes_the_import_and_keeps_the_pasted_embeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """import-xlsx into a running app's data: it reloads, the default view moves on, the embeds do not."""
    monkeypatch.setenv("UNIONDASH_RELOAD_SECONDS", "0")  # the app looks at the files on every request
    data_dir = shutil.copytree(SHIPPED, tmp_path / "data")
    app_client = create_app(data_dir, Settings()).server.test_client()
    before = {url: visible_text(app_client.get(url).data) for url in PASTED}
    workbook = tmp_path / "editions.xlsx"
    CliRunner().invoke(cli, ["export-xlsx", str(workbook), "--data-dir", str(data_dir)], catch_exceptions=False)
    edit_workbook(workbook, data_dir)
    result = CliRunner().invoke(cli, ["import-xlsx", str(workbook), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert [e.period for e in load_dataset(data_dir).editions] == [(2019, 2023), (2024, 2024), (2014, 2018)]
    for url in PASTED:
        assert visible_text(app_client.get(url).data) == before[url], url
    assert "6100万元" in page_text(app_client, "/")  # the default view lists the new annual report apart


def edit_workbook(path: Path, data_dir: Path) -> None:
    """Append the SYNTHETIC editions' sources and figures to an exported workbook, as an analyst types them."""
    base = {row["id"]: row for row in read_rows(data_dir / "facts.csv")}
    workbook = load_workbook(path)
    for sheet, rows in (
        ("来源", [{**EDITION_2024, "page": 1}, {**EDITION_2014_2018, "page": 1}]),
        ("全部数据", [row for source in (EDITION_2024, EDITION_2014_2018) for row in edition_rows(source, base)]),
    ):
        ws = workbook[sheet]
        header = [cell.value for cell in ws[1]]
        for values in rows:
            target = ws.max_row + 1
            for column, value in values.items():
                if column in header:
                    cell = ws.cell(row=target, column=header.index(column) + 1, value=value)
                    cell.data_type = "s" if isinstance(value, str) else cell.data_type
    workbook.save(path)


# ---------------------------------------------------------------------------------------------------
# The share panel and oEmbed hand out pinned code; the live code is a second, named choice.


def test_share_code_names_the_period_and_the_live_code_is_apart(client: FlaskClient) -> None:
    page = page_json(client, "/section/aid", "?lang=en")
    pinned = find(page, "embed-code-aid-funds")["props"]["value"]
    live = find(page, "embed-code-live-aid-funds")["props"]["value"]
    assert "/embed/aid-funds?report=2019-2023&amp;compare=2014-2018" in pinned
    assert "report=latest" in live and "report=2019" not in live
    assert "Live embed code (always the newest report" in page_text(client, "/section/aid", "?lang=en")
    link = find(page, "share-link-aid-funds")["props"]["value"]
    assert "report=2019-2023" in link
    later = find(page, "embed-code-aid-funds-later")["props"]["value"]
    assert "years=2023-2024" in later


def test_oembed_names_the_period_of_a_link_without_one(client: FlaskClient) -> None:
    answer = client.get("/oembed", query_string={"url": "http://localhost/embed/aid-funds?lang=en"}).get_json()
    assert "/embed/aid-funds?report=2019-2023&amp;lang=en" in answer["html"]
    assert "report=2019-2023" in answer["thumbnail_url"]


def test_the_live_embed_follows_the_newest_report_of_its_chart(client: FlaskClient) -> None:
    aid = visible_text(client.get("/embed/aid-funds?report=latest").data)
    assert "6100万元" in aid and "2.8亿元" not in aid
    ideology = visible_text(client.get("/embed/education-activities?report=latest").data)
    assert "2019–2023" in ideology  # no later report has its figures: the newest that has


def test_a_link_naming_no_report_stays_on_the_first_edition_when_a_newer_five_year_report_comes(
    tmp_path: Path,
) -> None:
    """A 2024–2028 report becomes the default view; an embed without a period keeps 2019–2023."""
    data_dir = second_edition_data_dir(tmp_path / "data", editions=(EDITION_2024,))
    newer = {
        **EDITION_2014_2018,
        "id": "synthetic-five-year-2028",
        "period_start": "2024",
        "period_end": "2028",
        "published": "2028-11-30",
    }
    base = {row["id"]: row for row in read_rows(data_dir / "facts.csv")}
    rows = [
        {**row, "id": row["id"].replace("2014-2018", "2024-2028"), "source_id": newer["id"]}
        for row in edition_rows(EDITION_2014_2018, base)
    ]
    for row in rows:
        row.update(period_start="2024", period_end="2028")
    append_rows(data_dir / "sources.csv", [newer])
    append_rows(data_dir / "facts.csv", rows)
    seal_as_is(data_dir)
    dataset = load_dataset(data_dir)
    assert dataset.default_edition.period == (2024, 2028) and dataset.first_edition.period == (2019, 2023)
    app_client = create_app(data_dir, Settings()).server.test_client()
    assert "2.8亿元" in visible_text(app_client.get("/embed/aid-funds").data)
    assert "2024–2028年五年报告" in render(dataset, "/", "").title
    assert replace(Filters(), report=(2024, 2028)) == Filters(report=(2024, 2028))


def test_report_latest_is_for_embeds_a_page_says_so_and_shows_the_default(client: FlaskClient) -> None:
    text = page_text(client, "/section/aid", "?report=latest&lang=en")
    assert "“report=latest” is for live embeds" in text
    assert "2019–2023 five-year report" in text
