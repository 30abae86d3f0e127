"""Meeting mode: `/present` slides and `/briefing` (Flask test client), and the pure planning behind them.

Tests iterate over whatever `charts.CHARTS` holds, so they keep working as charts are added.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask

from tests.synthetic import SHIPPED
from tests.unit.test_load import set_cell
from uniondash.charts import CHARTS
from uniondash.chartspec import chart_spec, describe
from uniondash.figures import (
    PRINT,
    WIDE,
)
from uniondash.format import display_value, period_label
from uniondash.load import load_files
from uniondash.meeting import (
    chart_views,
    citation_parts,
    headline_cards,
    parse_interval,
    parse_slide,
    plan_slides,
    value_words,
)
from uniondash.model import Dataset, Filters, filter_facts, headline_facts
from uniondash.web import meeting_routes
from uniondash.web.app import create_app

SOURCE_ZH = "株洲日报 2023年11月30日 第3版"
SOURCE_EN = "Zhuzhou Daily, 30 November 2023, page 3"


@pytest.fixture(scope="module")
def client(dataset: Dataset):  # type: ignore[no-untyped-def]
    app = create_app(SHIPPED)
    meeting_routes.register(app.server, dataset)
    return app.server.test_client()


def page(client, url: str) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def slides_of(soup: BeautifulSoup) -> list[Tag]:
    return soup.select("section.slide")


def text_of(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ", strip=True).split())


def charts_with_rows(dataset: Dataset, filters: Filters) -> list[str]:
    return [chart.id for chart in CHARTS.values() if not chart.rows(dataset, filters).empty]


def charts_to_draw(dataset: Dataset, filters: Filters) -> list[str]:
    """Charts with a comparison (two bars or more on one scale): lone figures are numbers, not charts."""
    return [
        chart_id
        for chart_id in charts_with_rows(dataset, filters)
        if chart_spec(CHARTS[chart_id], dataset, filters).panels
    ]


def expected_deck(dataset: Dataset, filters: Filters) -> list[tuple[str, str]]:
    """(kind, heading) of every slide: sections in order; headline cards holding a figure no chart of the
    section draws, then the figures of charts with nothing to compare; then the charts."""
    headlines = headline_facts(dataset, filters)
    # The title names the kind of report shown (issue 25); a view by years may span reports.
    deck = [("title", "株洲市总工会五年工作成就" if filters.years is None else "株洲市总工会工作成就")]
    for section in dataset.sections.sort_values("order").itertuples():
        charts = [
            chart_id for chart_id in charts_to_draw(dataset, filters) if CHARTS[chart_id].section_id == section.id
        ]
        drawn = set().union(*(set(CHARTS[chart_id].rows(dataset, filters)["id"]) for chart_id in charts))
        lone = [
            chart.rows(dataset, filters)
            for chart in CHARTS.values()
            if chart.section_id == section.id and chart.id not in charts and not chart.rows(dataset, filters).empty
        ]
        in_section = pd.concat([headlines[headlines["section_id"] == section.id], *lone])
        previous = None
        for fact_id, programme in zip(in_section["id"], in_section["programme_id"], strict=True):
            if fact_id in drawn:
                continue
            drawn.add(fact_id)
            if programme != previous:
                deck.append(("card", dataset.label("programmes", programme, "zh")))
            previous = programme
        deck += [("chart", CHARTS[chart_id].title("zh")) for chart_id in charts]
    return deck


# ---------------------------------------------------------------------------------------------------
# /present


def test_slides_follow_the_report_sections_title_then_cards_then_charts(client, dataset):
    slides = slides_of(page(client, "/present"))
    deck = [(slide["data-kind"], text_of(slide.find("h1"))) for slide in slides]
    assert deck == expected_deck(dataset, Filters())
    # One slide per idea: the headline figures a chart draws are not repeated on a card before it
    # (28 slides before; 2 cards now: the workforce and the competitions, which no chart compares).
    assert [heading for kind, heading in deck if kind == "card"] == ["产业工人队伍", "劳动和技能竞赛"]
    assert len(slides) == 1 + 2 + len(charts_to_draw(dataset, Filters()))
    # The section label above each slide follows sections.csv `order` (models before workforce).
    order = {row.label_zh: row.order for row in dataset.sections.itertuples()}
    kickers = [order[text_of(slide.select_one(".kicker"))] for slide in slides[1:]]
    assert kickers == sorted(kickers)


def test_cards_hold_headline_values_as_written(client):
    slides = slides_of(page(client, "/present"))
    cards = {text_of(slide.find("h1")): slide for slide in slides if slide["data-kind"] == "card"}
    values = {
        heading: [
            (text_of(cell.select_one(".value")), text_of(cell.select_one(".label")))
            for cell in card.select(".value-cell")
        ]
        for heading, card in cards.items()
    }
    assert values == {
        "产业工人队伍": [("50多万名", "产业工人")],
        "劳动和技能竞赛": [("10000余场", "各级各类劳动和技能竞赛"), ("110万人次", "参赛职工")],
    }


def test_every_headline_fact_is_on_exactly_one_slide_in_both_languages(client, dataset):
    """On a card, or drawn in a chart (its value on a bar): never both, never missing."""
    for lang in ("zh", "en"):
        soup = page(client, f"/present?lang={lang}")
        shown = {cell["data-fact"]: text_of(cell.select_one(".value")) for cell in soup.select(".value-cell")}
        figures = json.loads(soup.find("script", id="deck-figures").string)  # type: ignore[union-attr]
        # Drawn: a bar's fact, or a rate written on its numerator's bar (调解率 on 335起).
        drawn = {
            fact for slide in plan_slides(dataset, Filters(lang=lang)) if slide.chart for fact in slide.chart.fact_ids
        }
        assert {fact for figure in figures.values() for trace in figure["data"] for fact in trace["y"]} <= drawn
        headlines = headline_facts(dataset, Filters(lang=lang))
        for _, row in headlines.iterrows():
            assert (row["id"] in shown) != (row["id"] in drawn), row["id"]
            if row["id"] in shown:
                assert shown[row["id"]] == display_value(row, lang)
        on_charts = [
            (fact, html.unescape(text))
            for figure in figures.values()
            for trace in figure["data"]
            for fact, text in zip(trace.get("y", []), trace.get("text", []), strict=False)
        ]
        assert ("aid-summer-goods", display_value(headlines.set_index("id").loc["aid-summer-goods"], lang)) in [
            (fact, text) for fact, text in on_charts
        ]
    assert shown["workforce-competitions"] == "over 10,000 events"


def test_source_period_and_counter_on_every_slide(client, dataset):
    starts, ends = set(dataset.facts["period_start"]), set(dataset.facts["period_end"])
    titles = {
        "zh": "时期：2019–2023年（个别数字另注时期）",
        "en": "Period: 2019–2023 (a few figures cover other periods)",
    }
    for lang, source in (("zh", SOURCE_ZH), ("en", SOURCE_EN)):
        prefix = "时期：" if lang == "zh" else "Period: "
        spans = {prefix + period_label(int(s), int(e), lang) for s in starts for e in ends if s <= e}
        slides = slides_of(page(client, f"/present?lang={lang}"))
        # The title names the period most figures share; the 20-year 金秋助学 total keeps its own.
        assert text_of(slides[0].select_one("footer .period")) == titles[lang]
        for number, slide in enumerate(slides, start=1):
            assert source in text_of(slide.select_one("footer .source"))
            if number > 1:
                assert text_of(slide.select_one("footer .period")) in spans
            assert text_of(slide.select_one("footer .counter")) == f"{number} / {len(slides)}"


def test_source_line_wraps_only_between_citation_parts(client):
    for lang, source, whole in (("zh", SOURCE_ZH, "第3版"), ("en", SOURCE_EN, "30 November 2023,")):
        for slide in slides_of(page(client, f"/present?lang={lang}")):
            footer = slide.select_one("footer .source")
            parts = [text_of(part) for part in footer.select(".part")]  # type: ignore[union-attr]
            # The parts are the whole line, and the page number or the date is one part, never split.
            assert " ".join(parts) == text_of(footer) and source in text_of(footer)
            assert whole in parts


@pytest.mark.parametrize(
    ("text", "lang", "parts"),
    [
        ("来源：株洲日报 2023年11月30日 第3版", "zh", ["来源：株洲日报 ", "2023年11月30日 ", "第3版"]),
        (
            "株洲日报 2023年11月30日 第3版；合成测试数据",
            "zh",
            ["株洲日报 ", "2023年11月30日 ", "第3版；", "合成测试数据"],
        ),
        (
            "Source: Zhuzhou Daily, 30 November 2023, page 3; Synthetic test data",
            "en",
            ["Source: Zhuzhou Daily, ", "30 November 2023, ", "page 3; ", "Synthetic test data"],
        ),
        ("合成测试数据", "zh", ["合成测试数据"]),
        ("", "en", []),
    ],
)
def test_citation_parts(text, lang, parts):
    assert citation_parts(text, lang) == parts
    assert "".join(parts) == text


def test_talent_card_states_its_own_period(client):
    slides = slides_of(page(client, "/present"))
    talent = next(slide for slide in slides if text_of(slide.find("h1")) == "全市人才总量与高技能人才")
    # The talent figures are for 2023 alone, not the five years.
    assert text_of(talent.select_one("footer .period")) == "时期：2023年"


def test_filters_choose_the_slides(client, dataset):
    aid = slides_of(page(client, "/present?section=aid"))
    # Every headline figure of 职工帮扶 is drawn in its charts: no card repeats them.
    assert [(slide["data-kind"], text_of(slide.find("h1"))) for slide in aid] == expected_deck(
        dataset, Filters(sections=("aid",))
    )
    assert [slide["data-kind"] for slide in aid[1:]] == ["chart"] * 3
    assert {text_of(slide.select_one(".kicker")) for slide in aid[1:]} == {"职工帮扶"}
    assert "筛选：" in text_of(aid[0]) and "板块：职工帮扶" in text_of(aid[0])

    only_2023 = Filters(years=frozenset({2023}))
    slides = slides_of(page(client, "/present?years=2023"))
    assert [(slide["data-kind"], text_of(slide.find("h1"))) for slide in slides] == expected_deck(dataset, only_2023)
    # 2023 alone: the talent figures compare (a chart); the bargaining rate stands alone (a number).
    assert [(slide["data-kind"], text_of(slide.find("h1"))) for slide in slides[1:]] == [
        ("chart", "全市人才总量与高技能人才"),
        ("card", "工资集体协商"),
    ]


def test_empty_selection_is_one_slide_saying_so(client, dataset):
    filters = Filters(years=frozenset({2023}), programmes=("winter-warmth",))
    assert filter_facts(dataset.facts, filters).empty
    slides = slides_of(page(client, "/present?years=2023&programme=winter-warmth"))
    assert len(slides) == 1 and slides[0]["data-kind"] == "empty"
    assert text_of(slides[0].find("h1")) == "所选范围内没有数据"
    assert "项目：冬送温暖" in text_of(slides[0]) and SOURCE_ZH in text_of(slides[0])
    assert text_of(slides[0].select_one(".counter")) == "1 / 1"


def deck_config(soup: BeautifulSoup) -> dict[str, object]:
    script = soup.find("script", id="deck-config")
    assert script is not None
    return json.loads(script.string or "")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("interval=abc", "自动翻页间隔“abc”无效"),
        ("interval=3", "自动翻页间隔“3”无效"),
        ("interval=601", "应为 5–600 秒"),
        ("interval=-10", "自动翻页间隔“-10”无效"),
        ("years=20x9", "年份参数“20x9”无效"),
        ("years=1990-1995", "所选年份不在数据范围内"),
        ("slide=99", "幻灯片“99”不存在"),
        ("slide=abc", "幻灯片“abc”不存在"),
        ("programme=nope", "未知项目“nope”"),
        ("lang=fr", "语言参数无效"),
        ("years=" + "2019," * 100, "参数 years 过长"),
    ],
)
def test_bad_parameters_give_a_notice_and_the_default_deck(client, dataset, query, notice):
    soup = page(client, f"/present?{query}")
    assert notice in text_of(soup.select_one("#notices"))
    assert len(slides_of(soup)) == len(expected_deck(dataset, Filters()))
    assert deck_config(soup)["start"] == 1
    if query.startswith("interval"):
        assert deck_config(soup)["interval"] is None


def test_interval_and_slide_parameters(client):
    soup = page(client, "/present?interval=30&slide=3")
    assert deck_config(soup) == {"start": 3, "interval": 30}
    assert soup.select_one("#notices") is None
    visible = [slide["id"] for slide in slides_of(soup) if not slide.has_attr("hidden")]
    assert visible == ["slide-3"]
    assert "自动翻页：每 30 秒" in text_of(slides_of(soup)[0])


def test_chart_slides_carry_their_figures(client, dataset):
    soup = page(client, "/present")
    figures = json.loads(soup.find("script", id="deck-figures").string)  # type: ignore[union-attr]
    on_slides = [holder["data-chart"] for holder in soup.select(".slide .chart")]
    # Slides follow the report's sections; every chart with rows is on one, with its figure.
    assert sorted(on_slides) == sorted(charts_to_draw(dataset, Filters())) == sorted(figures)
    assert len(set(on_slides)) == len(on_slides)
    for chart_id in on_slides:
        # The slide heading names the chart, so the figure's own title is dropped; its traces stay.
        assert "title" not in figures[chart_id]["layout"]
        assert figures[chart_id]["data"]
    assert soup.find("script", src="/vendor/plotly.min.js") is not None
    assert client.get("/vendor/plotly.min.js").status_code == 200


def test_chart_slides_and_the_briefing_give_each_chart_a_text_alternative(client, dataset):
    """The drawing is aria-hidden; a screen reader reads every value as the report writes it instead."""
    for url, holders in (("/present", ".slide .chart"), ("/briefing", ".chart-figure .chart")):
        soup = page(client, url)
        charts = soup.select(holders)
        assert charts and all(holder["aria-hidden"] == "true" for holder in charts)
        summaries = {
            holder["data-chart"]: text_of(holder.find_previous_sibling("p", class_="sr-only")) for holder in charts
        }
        assert summaries["aid-funds"] == describe(CHARTS["aid-funds"], dataset, Filters())
        assert "筹集“夏送清凉”物资：2600余万元" in summaries["aid-funds"]


def test_auto_advance_has_a_pause_button_on_every_slide(client):
    soup = page(client, "/present?interval=30&lang=en")
    buttons = soup.select(".slide footer button.pause")
    assert len(buttons) == len(slides_of(soup))
    assert {text_of(button) for button in buttons} == {"Pause auto-advance"}
    assert soup.select_one("#auto-status[role=status]") is not None
    assert page(client, "/present").select(".slide footer button.pause") == []  # no interval, nothing to pause


def test_english_deck(client):
    soup = page(client, "/present?lang=en")
    assert soup.html["lang"] == "en"  # type: ignore[index]
    slides = slides_of(soup)
    assert text_of(slides[0].find("h1")) == "Zhuzhou Federation of Trade Unions: five years of work"
    aid = next(slide for slide in slides if text_of(slide.find("h1")) == "Aid funds and goods by programme")
    assert text_of(aid.select_one(".kicker")) == "Help for workers"
    # A big English number breaks between words, never inside the number: '10,000' is one piece.
    competitions = next(slide for slide in slides if text_of(slide.find("h1")) == "Labour and skills competitions")
    words = [text_of(word) for word in competitions.select(".value .word")]
    assert words == ["over", "10,000", "events", "1.1 million", "person-times"]


def test_slides_cite_the_source_of_their_own_facts(multi_year_dataset):
    """SYNTHETIC 2024 rows cite 'synthetic-test-data': a 2024 deck says so, never the newspaper."""
    server = Flask(__name__)
    meeting_routes.register(server, multi_year_dataset)
    slides = slides_of(page(server.test_client(), "/present?years=2024"))
    expected = len(charts_with_rows(multi_year_dataset, Filters(years=frozenset({2024}))))
    assert expected >= 1 and len(slides) == 1 + expected  # no headline is a 2024 figure
    for slide in slides:
        assert text_of(slide.select_one("footer .source")) == "来源：合成测试数据"
        assert text_of(slide.select_one("footer .period")) == "时期：2024年"
    assert "合成测试数据（非报告数据）" in text_of(slides[0])


@pytest.fixture
def hostile_dataset(data_copy: Path) -> Dataset:
    set_cell(data_copy / "programmes.csv", "winter-warmth", "label_zh", '<script>alert("p")</script>冬送温暖')
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "label_zh", "<img src=x onerror=alert(1)>资金")
    return load_files(data_copy)


def test_data_text_and_parameters_are_escaped(hostile_dataset):
    server = Flask(__name__)
    meeting_routes.register(server, hostile_dataset)
    client = server.test_client()
    for url in ("/present?years=<script>x</script>", "/briefing?years=<script>x</script>"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<script>x" not in html
        if url.startswith("/briefing"):  # the slides draw 冬送温暖's figures in charts, not on a titled card
            assert "&lt;script&gt;alert(&#34;p&#34;)&lt;/script&gt;冬送温暖" in html
            assert "&lt;img src=x onerror=alert(1)&gt;资金" in html
        assert "&lt;script&gt;x&lt;/script&gt;" in html  # the echoed parameter in the notice


def test_register_twice_is_harmless(dataset):
    server = Flask(__name__)
    meeting_routes.register(server, dataset)
    meeting_routes.register(server, dataset)
    assert server.test_client().get("/present").status_code == 200


# ---------------------------------------------------------------------------------------------------
# /briefing


def test_briefing_states_source_filters_date_and_prints_on_a4(client, dataset):
    soup = page(client, "/briefing")
    style = soup.find("style").string  # type: ignore[union-attr]
    assert "size: A4" in style and "margin: 12mm" in style and "Noto Sans CJK SC" in style
    assert "@media print { .toolbar { display: none; } }" in style
    meta = text_of(soup.select_one("dl.meta"))
    assert f"来源 {SOURCE_ZH}" in meta and "时期 2019–2023年" in meta
    assert "筛选 报告：2019–2023年五年报告；板块：全部；项目：全部" in meta and "生成日期" in meta
    shown = {row["data-fact"]: text_of(row.select_one(".value")) for row in soup.select("tr[data-fact]")}
    headlines = headline_facts(dataset, Filters())
    assert shown == {row["id"]: display_value(row, "zh") for _, row in headlines.iterrows()}
    assert shown["aid-winter-funds"] == "2.8亿元" and shown["workforce-competitions"] == "10000余场"


def test_briefing_keeps_one_key_chart_per_section_drawn_static(client, dataset):
    soup = page(client, "/briefing")
    holders = soup.select(".chart[data-chart]")
    sections = [CHARTS[holder["data-chart"]].section_id for holder in holders]  # type: ignore[index]
    assert len(sections) == len(set(sections))
    assert set(sections) == {CHARTS[chart_id].section_id for chart_id in charts_to_draw(dataset, Filters())}
    assert "staticPlot: true" in soup.find_all("script")[-1].string  # type: ignore[union-attr, operator]
    assert all(holder.select_one(".chart-missing") for holder in holders)  # shown only if plotly cannot draw


def test_briefing_filters_notices_and_language(client):
    soup = page(client, "/briefing?section=aid&lang=en&years=abc")
    assert "Sections: Help for workers" in text_of(soup.select_one("dl.meta"))
    assert "Years 'abc' not understood" in text_of(soup.select_one(".notices"))
    assert [text_of(h2) for h2 in soup.select(".part h2")] == ["Help for workers"]
    assert text_of(soup.select_one('tr[data-fact="aid-winter-funds"] .value')) == "280 million yuan"
    empty = page(client, "/briefing?years=2023&programme=winter-warmth")
    assert text_of(empty.select_one(".empty")) == "所选范围内没有数据"


# ---------------------------------------------------------------------------------------------------
# Pure planning


def test_headline_cards_group_consecutive_facts_of_one_programme(dataset):
    headlines = headline_facts(dataset, Filters())
    cards = headline_cards(headlines, dataset, "zh")
    assert [len(card.values) for card in cards] == [1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 2]
    assert cards[2].title == "冬送温暖" and cards[2].source == SOURCE_ZH and cards[2].period == "2019–2023年"
    # Not consecutive: winter, summer, winter is three cards.
    ids = ["aid-winter-funds", "aid-summer-goods", "aid-winter-people"]
    shuffled = headlines.set_index("id").loc[ids].reset_index()
    assert [card.programme_id for card in headline_cards(shuffled, dataset, "zh")] == [
        "winter-warmth",
        "summer-cool",
        "winter-warmth",
    ]
    assert headline_cards(headlines.iloc[0:0], dataset, "zh") == []


def test_plan_slides_empty_and_full(dataset):
    assert [slide.kind for slide in plan_slides(dataset, Filters(sections=("ideology",), programmes=("talent",)))] == [
        "empty"
    ]
    slides = plan_slides(dataset, Filters())
    assert (
        slides[0].kind == "title"
        and slides[0].period == "2019–2023年（个别数字另注时期）"
        and slides[0].source == SOURCE_ZH
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([""], None), (["30"], 30), (["5"], 5), (["600"], 600), (["10", "45"], 45)],
)
def test_parse_interval_accepts_5_to_600_seconds(values, expected):
    assert parse_interval(values) == (expected, [])


@pytest.mark.parametrize("raw", ["4", "601", "abc", "-5", "1e3", "30.5", "９"])
def test_parse_interval_rejects_with_a_notice(raw):
    interval, notices = parse_interval([raw])
    assert interval is None and len(notices) == 1 and "5–600" in notices[0].en


def test_parse_slide():
    assert parse_slide([], 5) == (1, [])
    assert parse_slide(["5"], 5) == (5, [])
    for raw in ("0", "6", "x", "-1"):
        start, notices = parse_slide([raw], 5)
        assert start == 1 and "there are 5" in notices[0].en


# ---------------------------------------------------------------------------------------------------
# Charts for wide pages: labels beside the bars, larger type


def font_sizes(spec: Any) -> Iterator[float]:
    """Every font size set anywhere in a figure dict (layout, axes, annotations, traces)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                sizes = value["size"] if isinstance(value["size"], list) else [value["size"]]
                yield from (float(size) for size in sizes)
            yield from font_sizes(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from font_sizes(item)


def one_line(label: str) -> str:
    return html.unescape(label).replace("<br>", "").replace(" ", "")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_slide_charts_put_labels_beside_bars_in_larger_type(dataset, lang):
    filters = Filters(lang=lang)
    views = {view.chart_id: view for view in chart_views(dataset, filters)}
    charts = [slide.chart for slide in plan_slides(dataset, filters) if slide.chart]
    assert sorted(chart.chart_id for chart in charts) == sorted(views)
    for chart in charts:
        before, after = views[chart.chart_id], chart
        layout = after.figure["layout"]
        labels = [a for a in before.figure["layout"]["annotations"] if a.get("name") == "category"]
        assert labels and not [a for a in layout["annotations"] if a.get("name") == "category"]
        # Every bar keeps its label, now the tick beside it, and its value on the bar.
        ticks = {
            fact: text
            for key, axis in layout.items()
            if re.fullmatch(r"yaxis\d*", key) and axis.get("ticktext")
            for fact, text in zip(axis["tickvals"], axis["ticktext"], strict=True)
        }
        assert {label["y"]: one_line(label["text"]) for label in labels} == {
            fact: one_line(text) for fact, text in ticks.items()
        }
        assert [trace["text"] for trace in after.figure["data"]] == [trace["text"] for trace in before.figure["data"]]
        for trace in after.figure["data"]:
            assert set(trace["y"]) <= set(ticks) and "offset" not in trace
        # All type is larger by the slide's factor, and the drawing grows less than its type.
        # Every text at least scaled (value ticks, small for a phone, grow to the labels' size first).
        assert min(font_sizes(after.figure)) >= min(font_sizes(before.figure)) * WIDE.font_scale - 1e-9
        assert after.height < before.height * WIDE.font_scale
        assert after.min_width > 0
        # Panels stay in order, top to bottom, within the plot and apart.
        domains = [layout[key]["domain"] for key in sorted(k for k in layout if re.fullmatch(r"yaxis\d*", k))]
        cards = [a for a in layout["annotations"] if a.get("name") == "card"]  # lone figures sit above the panels
        assert domains[0][1] == pytest.approx(1.0) or cards
        assert domains[-1][0] == pytest.approx(0.0, abs=1e-9)
        for upper, lower in itertools.pairwise(domains):
            assert lower[1] < upper[0]
        headings = [a["y"] for a in layout["annotations"] if a.get("name") == "heading"]
        assert headings == pytest.approx([domain[1] for domain in domains])


def test_slides_draw_lone_figures_as_numbers_in_larger_type(dataset):
    """A chart's lone figure (产业学院 7所) is a number above its panels, in the slide's larger type too."""
    (view,) = chart_views(dataset, Filters(), [CHARTS["industry-education"]], style=WIDE)
    (narrow,) = chart_views(dataset, Filters(), [CHARTS["industry-education"]])
    for figure, scale in ((narrow.figure, 1.0), (view.figure, WIDE.font_scale)):
        (card,) = [a for a in figure["layout"]["annotations"] if a.get("name") == "card"]
        assert card["text"] == "<b>7所</b>" and card["font"]["size"] == pytest.approx(26 * scale)
        assert all("workforce-industry-colleges" not in trace["y"] for trace in figure["data"])


def test_briefing_charts_are_drawn_in_larger_type(client, dataset):
    soup = page(client, "/briefing")
    figures = json.loads(soup.find("script", id="briefing-figures").string)  # type: ignore[union-attr]
    views = {view.chart_id: view for view in chart_views(dataset, Filters())}
    assert figures
    for chart_id, figure in figures.items():
        assert min(font_sizes(figure)) >= min(font_sizes(views[chart_id].figure)) * PRINT.font_scale - 1e-9
        holder = soup.select_one(f'.chart[data-chart="{chart_id}"]')
        assert holder is not None and int(holder["data-height"]) < views[chart_id].height  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("over 520 thousand person-times", ["over", "520 thousand", "person-times"]),
        ("280 million yuan", ["280 million", "yuan"]),
        ("nearly 700 thousand people", ["nearly", "700 thousand", "people"]),
        ("52万余人次", ["52万余人次"]),
        ("4,399 people", ["4,399", "people"]),
    ],
)
def test_a_big_number_breaks_between_words_never_inside_the_number(value, words):
    assert value_words(value) == words
