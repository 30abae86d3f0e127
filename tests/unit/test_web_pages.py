"""The pages as component trees (no browser): what each shows for a URL, every figure of a section
somewhere on its page, stories apart, notices for bad parameters, and links that carry the filters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from dash.development.base_component import Component

from uniondash.charts import CHARTS
from uniondash.chartspec import chart_spec
from uniondash.figures import TEXT as FIGURE_TEXT
from uniondash.format import display_value
from uniondash.model import Dataset, Filters, filter_facts, headline_facts
from uniondash.web.i18n import NAV_LABELS, tn
from uniondash.web.pages import HiddenHeadlines, Page, hidden_headlines, part_heading, render

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def walk(node: Any) -> Iterator[Component]:
    if isinstance(node, Component):
        yield node
        yield from walk(getattr(node, "children", None))
    elif isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)


def text(node: Any) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, Component):
        return text(getattr(node, "children", None))
    if isinstance(node, list | tuple):
        return "".join(text(child) for child in node)
    return ""


def find(page: Page, component_id: str) -> Component:
    matches = [node for node in walk(page.children) if getattr(node, "id", None) == component_id]
    assert len(matches) == 1, f"{len(matches)} components with id {component_id}"
    return matches[0]


def with_class(node: Any, name: str) -> list[Component]:
    return [c for c in walk(node) if name in str(getattr(c, "className", "") or "").split()]


def attr(node: Component, name: str) -> Any:
    return node.to_plotly_json()["props"].get(name)


def facts_shown(node: Any, dataset: Dataset, filters: Filters) -> list[str]:
    """Fact ids drawn by the charts (their rows but the lone figures, which are number cards, and the rates
    written on those) and the figure cells (data-fact) under `node`."""
    ids: list[str] = []
    for block in walk(node):
        chart_id = attr(block, "data-chart")
        if chart_id:
            rows = CHARTS[chart_id].rows(dataset, filters)
            lone = {card.fact_id for card in chart_spec(CHARTS[chart_id], dataset, filters).cards}
            ids += list(rows.loc[~rows["id"].isin(lone) & ~rows["numerator_id"].isin(lone), "id"])
        fact_id = attr(block, "data-fact")
        if fact_id:
            ids.append(fact_id)
    return ids


# ---------------------------------------------------------------------------------------------------
# Overview.


def test_overview_shows_the_headline_cards_as_written_with_period_and_quote(dataset):
    page = render(dataset, "/", "")
    cards = with_class(page.children, "ud-figure-card")
    assert len(cards) == 13  # one per programme with headline figures; every section has one
    winter = find(page, "headline-winter-warmth")
    assert [text(v) for v in with_class(winter, "ud-value")] == ["2.8亿元", "48.3万人次"]
    assert text(with_class(winter, "ud-period")) == "2019–2023年 · 五年合计"
    quotes = [text(q) for q in walk(winter) if q.__class__.__name__ == "Q"]
    facts = dataset.facts.set_index("id")
    assert quotes == [facts.loc["aid-winter-funds", "source_quote"], facts.loc["aid-winter-people", "source_quote"]]
    assert "株洲日报 2023年11月30日 第3版" in text(with_class(winter, "ud-cite"))
    models = find(page, "headline-model-workers")
    assert [text(v) for v in with_class(models, "ud-value")] == ["7名", "37名", "161名"]
    talent = find(page, "headline-talent")
    assert text(with_class(talent, "ud-period")) == "截至2023年"  # a headcount is a stock: as of its year
    assert page.meta() == {"lang": "zh-CN", "title": "总览 · 株洲市总工会五年工作成就 · 2019–2023年五年报告"}


def test_overview_in_english(dataset):
    page = render(dataset, "/", "?lang=en")
    summer = find(page, "headline-summer-cool")
    assert [text(v) for v in with_class(summer, "ud-value")] == [
        "over 26 million yuan",
        "over 520,000 person-times",
    ]
    assert text(find(page, "lang-switch")) == "中文"
    assert attr(find(page, "lang-switch"), "href") == "/"
    assert page.meta()["lang"] == "en"


def test_overview_follows_the_section_filter(dataset):
    page = render(dataset, "/", "?section=aid")
    ids = [attr(card, "id") for card in with_class(page.children, "ud-figure-card")]
    assert ids == [
        "headline-winter-warmth",
        "headline-summer-cool",
        "headline-golden-autumn",
        "headline-medical-mutual-aid",
    ]
    assert len(with_class(page.children, "ud-section-card")) == 1
    assert attr(find(page, "filter-section"), "value") == ["aid"]


def test_overview_with_no_headline_for_the_years_says_so(dataset):
    page = render(dataset, "/", "?years=2021")
    notice = text(find(page, "hidden-headlines"))
    total = len(dataset.headlines)
    assert f"{total} 个核心数字中有 {total} 个未显示" in notice and "2019–2023年" in notice and "2021年" in notice
    assert not with_class(page.children, "ud-figure-card")


def test_overview_without_headlines_in_the_chosen_programmes_says_so(dataset):
    assert set(dataset.sections["id"]) <= set(
        dataset.facts.set_index("id").loc[dataset.headlines["fact_id"], "section_id"]
    )
    # Every section has a headline now; a programme can still have none.
    headline_programmes = set(dataset.facts.set_index("id").loc[dataset.headlines["fact_id"], "programme_id"])
    without = next(p for p in dataset.programmes["id"] if p not in headline_programmes)
    page = render(dataset, "/", f"?programme={without}&lang=en")
    assert "no headline figures" in text(find(page, "no-headlines"))
    assert not [node for node in walk(page.children) if getattr(node, "id", None) == "hidden-headlines"]


def test_an_overview_without_headlines_says_which_section_pages_hold_the_figures(dataset):
    # 职工健步行 (one figure, 2023) and 春送岗位 (two, 2019–2023) have no headline figure.
    page = render(dataset, "/", "?programme=fitness-walk&programme=spring-jobs&lang=en")
    notice = find(page, "no-headlines")
    assert text(notice) == (
        "The chosen sections or programmes have no headline figures; their 3 figures are on these section "
        "pages: Uniting hearts and minds (1), Help for workers (2)."
    )
    links = [attr(node, "href") for node in walk(notice) if attr(node, "href")]
    assert links == [
        "/section/ideology?programme=fitness-walk&programme=spring-jobs&lang=en",
        "/section/aid?programme=fitness-walk&programme=spring-jobs&lang=en",
    ]
    # The section cards below count the same figures.
    counts = [text(node) for node in with_class(page.children, "ud-section-count")]
    assert counts[1].startswith("1 figure ") and counts[2].startswith("2 figures ")


def test_an_overview_whose_filters_keep_no_figure_says_so_and_leads_back(dataset):
    # 职工健步行 is of 2023 alone: 2019–2022 keeps nothing, and no section page has a figure to show.
    page = render(dataset, "/", "?programme=fitness-walk&years=2019-2022")
    notice = find(page, "no-headlines")
    assert text(notice) == "所选年份、板块和项目下没有任何数字。清除筛选"
    assert [attr(node, "href") for node in walk(notice) if attr(node, "href")] == ["/"]
    assert "板块页面" not in text(notice)


# ---------------------------------------------------------------------------------------------------
# Headline figures the chosen years hide.


def test_hidden_headlines_counts_what_the_years_leave_out_and_their_periods(dataset):
    every = headline_facts(dataset, Filters())
    assert hidden_headlines(dataset, Filters()) == HiddenHeadlines(0, len(every), ())
    for years in ({2023}, {2021}, {2022, 2023}, set(range(2019, 2024))):
        chosen = Filters(years=frozenset(years))
        left_out = hidden_headlines(dataset, chosen)
        shown = headline_facts(dataset, chosen)
        assert left_out.total == len(every) and left_out.hidden == len(every) - len(shown)
        hidden = every[~every["id"].isin(shown["id"])]
        # Each hidden figure's period is named, and each named period has a year outside the choice.
        assert set(left_out.periods) == set(zip(hidden["period_start"], hidden["period_end"], strict=True))
        assert all(not set(range(start, end + 1)) <= years for start, end in left_out.periods)
        assert list(left_out.periods) == sorted(left_out.periods)
    # The other filters narrow the total: only the section's own headline figures are counted.
    aid = Filters(years=frozenset({2023}), sections=("aid",))
    assert hidden_headlines(dataset, aid).total == len(headline_facts(dataset, Filters(sections=("aid",))))


def test_hidden_headlines_name_every_period_left_out(multi_year_dataset):
    """SYNTHETIC data with 2024–2025: choosing 2024 hides the five-year totals and the 2023 figures alike."""
    left_out = hidden_headlines(multi_year_dataset, Filters(years=frozenset({2024})))
    years = multi_year_dataset.facts.set_index("id").loc[multi_year_dataset.headlines["fact_id"]]
    assert left_out.hidden == left_out.total == len(multi_year_dataset.headlines)
    assert set(left_out.periods) == set(zip(years["period_start"], years["period_end"], strict=True))
    assert len(left_out.periods) > 1


def test_the_overview_says_how_many_headline_figures_the_years_hide_and_links_back(dataset):
    every = len(headline_facts(dataset, Filters()))
    shown = len(headline_facts(dataset, Filters(years=frozenset({2023}))))
    assert 0 < shown < every
    zh = render(dataset, "/", "?years=2023&programme=talent&programme=winter-warmth")
    notice = find(zh, "hidden-headlines")
    programmes = Filters(programmes=("talent", "winter-warmth"))
    total = len(headline_facts(dataset, programmes))
    hidden = total - len(headline_facts(dataset, replace(programmes, years=frozenset({2023}))))
    assert f"{total} 个核心数字中有 {hidden} 个未显示" in text(notice)
    assert "（2019–2023年）" in text(notice) and "（2023年）" in text(notice)
    # Back to every year, keeping the other choices.
    assert attr(find(zh, "show-all-years"), "href") == "/?programme=talent&programme=winter-warmth"
    en = render(dataset, "/", "?years=2023&lang=en")
    message = text(find(en, "hidden-headlines"))
    assert f"{every - shown} of {every} headline figures are hidden" in message
    assert "(2019–2023)" in message and "(2023)" in message
    assert not CJK.search(message)
    assert attr(find(en, "show-all-years"), "href") == "/?lang=en"
    # Every year chosen: nothing hidden, nothing said.
    for search in ("", "?years=2019-2023"):
        page = render(dataset, "/", search)
        assert not [node for node in walk(page.children) if getattr(node, "id", None) == "hidden-headlines"]


def test_bad_parameters_give_notices_in_the_pages_language_and_the_default_view(dataset):
    page = render(dataset, "/", "?years=abc&programme=nope&lang=en")
    notices = text(find(page, "notices"))
    assert "Years 'abc' not understood" in notices and "Unknown programme 'nope'" in notices
    assert len(with_class(page.children, "ud-figure-card")) == 13
    zh = render(dataset, "/section/aid", "?lang=xx")
    assert "语言参数无效，已使用中文。" in text(find(zh, "notices"))


def test_unknown_pages_say_so_and_link_every_section(dataset):
    page = render(dataset, "/section/nope", "?lang=en")
    assert "There is no section nope" in text(find(page, "not-found"))
    hrefs = {attr(link, "href") for link in walk(page.children) if link.__class__.__name__ == "Link"}
    assert {"/?lang=en", "/section/aid?lang=en", "/section/new-forms?lang=en"} <= hrefs
    assert page.title.startswith("Page not found")


# ---------------------------------------------------------------------------------------------------
# Section pages.


@pytest.mark.parametrize("section_id", ["intro", "ideology", "aid", "models", "workforce", "relations", "new-forms"])
def test_every_figure_of_a_section_is_on_its_page_once_and_stories_stand_apart(dataset, section_id):
    page = render(dataset, f"/section/{section_id}", "")
    filters = Filters(sections=(section_id,))
    section_facts = filter_facts(dataset.facts, filters)
    main = find(page, "main")
    stories = [c for c in walk(main) if getattr(c, "id", None) == "stories"]
    shown = facts_shown(main, dataset, filters)
    assert sorted(shown) == sorted(section_facts["id"]), "every figure exactly once"
    in_stories = facts_shown(stories, dataset, filters)
    kinds = section_facts.set_index("id")["kind"]
    assert all(kinds[fact_id] != "aggregate" for fact_id in in_stories)
    assert sorted(in_stories) == sorted(kinds[kinds != "aggregate"].index)


def test_a_story_dated_by_the_report_reads_as_of_that_year(dataset):
    """许贤杰's 800人次 is a career total reported in 2023, not 2023's; a single event keeps its own year."""
    facts = dataset.facts.set_index("id")
    person = facts.loc["workforce-xu-xianjie-trainees"]
    event = facts.loc["workforce-breakfast-invitees"]
    for lang, as_of, year in (("zh", "截至{}年", "{}年"), ("en", "as of {}", "{}")):
        page = render(dataset, "/section/workforce", f"?lang={lang}")
        person_card = text(find(page, f"story-{person['scope_id']}"))
        assert as_of.format(person["period_end"]) in person_card
        event_card = text(find(page, f"story-{event['programme_id']}"))
        assert year.format(event["period_end"]) in event_card and as_of.format(event["period_end"]) not in event_card


def test_section_page_draws_each_chart_with_text_alternative_source_table_and_share_links(dataset):
    page = render(dataset, "/section/aid", "?years=2019-2023", base_url="http://dash.example/")
    blocks = with_class(page.children, "ud-chart")
    assert [attr(b, "data-chart") for b in blocks] == ["aid-funds", "people-helped", "people-helped-times"]
    funds = find(page, "chart-aid-funds")
    summary = text(with_class(funds, "visually-hidden"))
    assert "筹集“夏送清凉”物资：2600余万元" in summary and "来源：株洲日报" in summary
    assert text(with_class(funds, "ud-source")) == "来源：株洲日报 2023年11月30日 第3版"
    rows = [r for r in walk(funds) if r.__class__.__name__ == "Tr"]
    assert len(rows) == 1 + 5  # header and one row a figure
    assert "2163.5万元" in text(rows[2])
    hrefs = [attr(a, "href") for a in with_class(funds, "ud-share-link")]
    # The page's section=aid is not repeated: the chart's path says its section.
    query = "years=2019-2023"
    assert hrefs == [
        f"/embed/aid-funds?{query}",
        *(f"/export/chart/aid-funds.{ext}?{query}" for ext in ("png", "svg", "html", "csv", "zip")),
    ]
    # The link and the iframe code carry the same view, each with a copy button.
    link = find(page, "share-link-aid-funds")
    assert link.value.endswith(f"/section/aid?{query}#chart-aid-funds")  # type: ignore[attr-defined]
    code = find(page, "embed-code-aid-funds")
    assert f'src="http://dash.example/embed/aid-funds?{query.replace("&", "&amp;")}"' in code.value  # type: ignore[attr-defined]
    # Real buttons, named by their visible word and what they copy, each with a live region to say it is done.
    copies = [c for c in walk(funds) if c.__class__.__name__ == "Button" and "ud-copy" in str(attr(c, "className"))]
    # The embed code is pinned to the period shown; the live one (newest report) is a second, named choice;
    # the code without script is a third, for sites that strip scripts.
    assert sorted(attr(c, "data-copy") for c in copies) == [
        "embed-code-aid-funds",
        "embed-code-live-aid-funds",
        "embed-code-static-aid-funds",
        "share-link-aid-funds",
    ]
    assert {attr(c, "aria-label") for c in copies} == {
        "复制：本图链接",
        "复制：嵌入代码（固定为本图所示时期，新报告不会改变它）",
        "复制：实时嵌入代码（始终显示最新报告的数字）",
        "复制：无脚本嵌入代码（静态图，适用于会删除脚本的网站）",
    }
    # The code without script: the light embed, no script, a frame taller than the chart's own.
    static = find(page, "embed-code-static-aid-funds").value  # type: ignore[attr-defined]
    assert "static=1" in static and "/embed/aid-funds?" in static and "<script" not in static
    assert int(re.search(r'height="(\d+)"', static)[1]) > int(re.search(r'height="(\d+)"', code.value)[1])  # type: ignore[attr-defined,index]
    assert all(attr(c, "type") == "button" and attr(c, "data-copied") == "已复制" for c in copies)
    statuses = with_class(funds, "ud-copy-status")
    assert len(statuses) == 4 and all(attr(s, "aria-live") == "polite" for s in statuses)
    # The workbook of the page is the section's: its path does not say which, so the query does.
    assert attr(find(page, "export-excel"), "href") == f"/export/summary.xlsx?{query}&section=aid"
    graph = find(page, "graph-aid-funds")
    assert graph.figure["data"][0]["text"][3] == "2.8亿元"  # type: ignore[attr-defined]
    assert graph.style["height"].endswith("px")  # type: ignore[attr-defined]


@pytest.mark.parametrize("section", ["models", "aid", "workforce", "new-forms"])
def test_no_section_page_totals_lists_that_may_overlap(dataset, section):
    """Honours at several levels may name one person twice: no computed total of them (205 model workers)."""
    page = render(dataset, f"/section/{section}", "")
    block = find(page, "chart-model-workers") if section == "models" else page
    assert with_class(block, "ud-computed") == [] and with_class(block, "ud-computed-note") == []
    assert "205" not in str(page) and FIGURE_TEXT["zh"]["levels_overlap"] not in str(page)


def test_an_empty_chart_explains_itself(dataset):
    page = render(dataset, "/section/aid", "?years=2021")
    empty = with_class(page.children, "ud-chart-empty")
    assert len(empty) == 3
    assert "2021年" in text(empty[0]) and "2019–2023年" in text(empty[0])
    assert "本板块没有可显示的数字" in text(find(page, "nothing-here"))


def test_filter_controls_show_the_url(dataset):
    page = render(dataset, "/section/aid", "?years=2022-2023&programme=winter-warmth&programme=model-workers")
    assert attr(find(page, "filter-years"), "value") == "2022-2023"
    programme = find(page, "filter-programme")
    assert attr(programme, "value") == ["winter-warmth"]  # this section's choice; the other stays in the URL
    assert [o["value"] for o in attr(programme, "options")][:2] == ["spring-jobs", "summer-cool"]
    section_box = [c for c in walk(page.children) if c.__class__.__name__ == "Fieldset" and attr(c, "hidden")]
    assert len(section_box) == 1  # the section choice is the page itself
    nav = {text(link): attr(link, "href") for link in with_class(page.children, "nav-link")}
    assert nav["树模铸匠"] == "/section/models?years=2022-2023&programme=winter-warmth&programme=model-workers"


def test_the_year_filter_offers_only_choices_that_show_something_with_counts(dataset):
    select = find(render(dataset, "/", ""), "filter-years")
    labels = {o["value"]: o["label"] for o in attr(select, "options")}
    # The report's view first (every figure), named from sources.csv, then the narrower periods the data has,
    # each with its count.
    assert labels == {
        "all": f"2019–2023年五年报告（{len(dataset.facts)}）",
        "2022": "2022年（1）",
        "2022-2023": "2022–2023年（22）",
        "2023": "2023年（19）",
    }
    assert attr(select, "value") == "all"
    english = {o["value"]: o["label"] for o in attr(find(render(dataset, "/", "?lang=en"), "filter-years"), "options")}
    assert english["all"] == f"2019–2023 five-year report ({len(dataset.facts)})" and english["2023"] == "2023 (19)"
    # Counts follow the other filters, as facets do: only the aid section's figures.
    aid = {o["value"]: o["label"] for o in attr(find(render(dataset, "/", "?section=aid"), "filter-years"), "options")}
    assert aid == {"all": "2019–2023年五年报告（17）", "2022-2023": "2022–2023年（3）", "2023": "2023年（1）"}


def test_a_year_choice_from_the_url_that_shows_nothing_is_still_shown_with_its_count(dataset):
    select = find(render(dataset, "/", "?years=2021,2023"), "filter-years")
    assert attr(select, "value") == "2021,2023"
    assert {o["value"]: o["label"] for o in attr(select, "options")}["2021,2023"] == "2021、2023年（19）"
    empty = find(render(dataset, "/", "?years=2020-2021"), "filter-years")
    assert {o["value"]: o["label"] for o in attr(empty, "options")}["2020-2021"] == "2020–2021年（0）"


def test_the_report_period_says_which_figures_of_other_spans_it_shows(dataset):
    note = text(find(render(dataset, "/", ""), "years-note"))
    assert note == "另含2003–2023年的 2 个数字、2022–2023年的 2 个数字、2022年的 1 个数字、2023年的 19 个数字。"
    english = text(find(render(dataset, "/", "?lang=en"), "years-note"))
    assert english.startswith("Also shown: 2 figures for 2003–2023, ") and "1 figure for 2022," in english
    assert not CJK.search(english)
    assert not [n for n in walk(render(dataset, "/", "?years=2023").children) if getattr(n, "id", None) == "years-note"]
    # A section page names its own figures of other spans (金秋助学's 20 years, 2022–2023 stories).
    aid = text(find(render(dataset, "/section/aid", ""), "years-note"))
    assert aid == "另含2003–2023年的 2 个数字、2022–2023年的 2 个数字、2023年的 1 个数字。"


def test_programme_choices_carry_counts_and_empty_ones_are_disabled(dataset):
    options = {o["value"]: o for o in attr(find(render(dataset, "/", "?years=2023"), "filter-programme"), "options")}
    assert options["talent"]["label"] == "人才队伍 · 产业工人队伍改革（2）" and not options["talent"]["disabled"]
    assert options["winter-warmth"]["label"].endswith("（0）") and options["winter-warmth"]["disabled"]
    # A chosen programme stays enabled, so it can be unticked.
    chosen = find(render(dataset, "/section/aid", "?years=2023&programme=winter-warmth"), "filter-programme")
    assert not {o["value"]: o for o in attr(chosen, "options")}["winter-warmth"]["disabled"]
    english = attr(find(render(dataset, "/", "?lang=en"), "filter-programme"), "options")
    assert all(not CJK.search(o["label"]) and "（" not in o["label"] for o in english)


def test_section_cards_follow_the_programme_filter(dataset):
    page = render(dataset, "/", "?programme=winter-warmth")
    cards = {
        text(with_class(card, "ud-card-title")): text(with_class(card, "ud-section-count"))
        for card in with_class(page.children, "ud-section-card")
    }
    # Winter warmth's two figures are alone in their charts (money, person-times): numbers, no chart.
    assert cards["职工帮扶"] == "2 个数字 · 0 张图表"
    assert cards["树模铸匠"] == "0 个数字 · 0 张图表（所选项目不在本板块）"


def test_section_cards_count_only_charts_with_a_comparison(dataset):
    page = render(dataset, "/", "")
    cards = {
        text(with_class(card, "ud-card-title")): text(with_class(card, "ud-section-count"))
        for card in with_class(page.children, "ud-section-card")
    }
    # 产业工人队伍改革 has three charts; competitions (10000余场, 110万人次) is lone figures only: two to draw.
    assert [chart.id for chart in CHARTS.values() if chart.section_id == "workforce"] == [
        "competitions",
        "industry-education",
        "talent",
    ]
    assert cards["产业工人队伍改革"].endswith(" · 2 张图表")
    assert cards["职工帮扶"].endswith(" · 3 张图表")  # people-helped has a lone figure beside its bars: a chart


def test_stocks_are_dated_as_of_their_year_never_a_five_year_total(dataset):
    page = render(dataset, "/", "")
    for card_id in ("headline-industrial-workforce", "headline-new-form-unions"):
        assert text(with_class(find(page, card_id), "ud-period")) == "截至2023年"
    assert text(with_class(find(render(dataset, "/", "?lang=en"), "headline-new-form-unions"), "ud-period")) == (
        "as of 2023"
    )


def test_several_years_are_charted_as_a_change_on_the_page(multi_year_dataset):
    page = render(multi_year_dataset, "/section/aid", "?years=2024-2025")
    figure = find(page, "graph-aid-funds").figure  # type: ignore[attr-defined]
    assert figure["data"][0]["x"] == ["2024年", "2025年"]
    winter = multi_year_dataset.facts.set_index("id").loc["aid-winter-funds-2024"]
    assert figure["data"][0]["text"][0] == display_value(winter, "zh")


# ---------------------------------------------------------------------------------------------------
# English pages in English: part headings, kinds, counts.


def test_part_headings_are_the_reports_in_chinese_and_english_in_english(dataset):
    sections = dataset.sections.set_index("id")
    for section_id, row in sections.iterrows():
        zh = part_heading(dataset, str(section_id), "zh")
        assert (zh.text, zh.lang, zh.original) == (row["heading_zh"], "zh", "")
        en = part_heading(dataset, str(section_id), "en")
        assert en.text and not CJK.search(en.text), f"{section_id}: {en.text!r}"
        numbered = re.match(r"镜头\s*(\d+)", str(row["heading_zh"]))
        if numbered:
            assert en.text == f"Report part {numbered.group(1)}" and en.original == ""
        else:
            # The introduction's heading is the report's title: its English from sources.csv, the Chinese kept.
            title = dataset.sources.iloc[0]
            assert str(title["title_zh"]).startswith(str(row["heading_zh"]))
            assert str(title["title_en"]).startswith(en.text) and en.original == row["heading_zh"]


@pytest.mark.parametrize("path", ["/", "/section/aid", "/section/intro", "/section/relations"])
def test_english_headings_and_section_cards_leak_no_chinese(dataset, path):
    page = render(dataset, path, "?lang=en")
    assert not with_class(page.children, "ud-original")  # no Chinese subtitle under a translated title
    for node in with_class(page.children, "ud-kicker") + with_class(page.children, "ud-section-heading"):
        assert not CJK.search(text(node)), f"{path}: {text(node)!r}"
    zh = render(dataset, path, "")
    for node in with_class(zh.children, "ud-section-heading"):
        assert CJK.search(text(node))


def test_story_cards_name_the_kind_of_subject_in_the_page_language(dataset):
    """Companies (株洲时代新材料, 千金集团) are stories too: their kind must not read 'Individual'."""
    scopes = dataset.scopes.set_index("id")
    kinds = dataset.kinds.set_index("id")
    stories = dataset.facts[(dataset.facts["kind"] == "individual") & (dataset.facts["section_id"] == "relations")]
    companies = [s for s in stories["scope_id"].unique() if scopes.loc[s, "kind"] == "organisation"]
    assert companies
    for lang in ("zh", "en"):
        page = render(dataset, "/section/relations", f"?lang={lang}")
        for scope_id in companies:
            kicker = text(with_class(find(page, f"story-{scope_id}"), "ud-kicker"))
            assert kicker == kinds.loc["individual", f"label_{lang}"]
    assert kinds.loc["individual", "label_en"] == "Person or organisation"
    assert kinds.loc["individual", "label_zh"] == "个人或单位"


def test_counts_use_singular_and_plural_in_english_only():
    assert tn("en", "figures_count", 1) == "1 figure" and tn("en", "figures_count", 5) == "5 figures"
    assert tn("en", "charts_count", 1) == "1 chart" and tn("en", "charts_count", 0) == "0 charts"
    assert tn("en", "n_programmes", 1) == "1 programme" and tn("en", "n_sections", 2) == "2 sections"
    assert tn("zh", "figures_count", 1) == "1 个数字" and tn("zh", "charts_count", 3) == "3 张图表"


def test_section_cards_count_figures_and_charts_in_good_english(dataset):
    page = render(dataset, "/", "?lang=en")
    counts = [text(node) for node in with_class(page.children, "ud-section-count")]
    assert len(counts) == len(dataset.sections)
    for line in counts:
        figures, charts = (int(n) for n in re.findall(r"\d+", line))
        assert line == f"{figures} figure{'s' * (figures != 1)} · {charts} chart{'s' * (charts != 1)}"
    assert any(line.startswith("1 figure ·") for line in counts)  # the introduction's one figure


def test_the_page_root_carries_the_page_language(dataset):
    for search, lang in (("", "zh-CN"), ("?lang=en", "en")):
        page = render(dataset, "/section/aid", search)
        roots = with_class(page.children, "ud-root")
        assert len(roots) == 1 and attr(roots[0], "lang") == lang


# ---------------------------------------------------------------------------------------------------
# Data tables: each cell names its column, so a phone can show a row as a card.


def test_data_table_cells_name_their_column_and_mark_the_reports_chinese(dataset):
    for lang, columns in (("zh", ["数值", "时期", "原文引述"]), ("en", ["Value", "As written (zh)", "Period"])):
        page = render(dataset, "/section/relations", f"?lang={lang}")
        block = find(page, "chart-labour-disputes")
        rows = [r for r in walk(block) if r.__class__.__name__ == "Tr"]
        heads = [text(th) for th in walk(rows[0]) if th.__class__.__name__ == "Th"]
        for row in rows[1:]:
            cells = [c for c in row.children if c.__class__.__name__ == "Td"]  # type: ignore[attr-defined]
            labels = [attr(c, "data-label") for c in cells]
            assert labels == heads[1:], "each cell is named by its column heading"
            assert set(columns) <= set(labels)
            quote = cells[labels.index(heads[-1])]
            assert [attr(q, "lang") for q in walk(quote) if q.__class__.__name__ == "Span"] == ["zh"]


def english_leaks(node: Any, inside_zh: bool = False) -> Iterator[str]:
    """Text of an English page with Chinese characters or punctuation in it, outside elements marked
    lang="zh" (the report's own quotes and figures as written, cited as they are)."""
    if isinstance(node, str):
        if not inside_zh and CJK.search(node):
            yield node
    elif isinstance(node, Component):
        props = node.to_plotly_json()["props"]
        inside_zh = inside_zh or props.get("lang") == "zh"
        yield from english_leaks(props.get("children"), inside_zh)
        for option in props.get("options") or []:
            yield from english_leaks(option.get("label") if isinstance(option, dict) else None, inside_zh)
        for key in ("placeholder", "aria-label"):
            yield from english_leaks(props.get(key), inside_zh)
    elif isinstance(node, list | tuple):
        for child in node:
            yield from english_leaks(child, inside_zh)


@pytest.mark.parametrize("search", ["?lang=en", "?lang=en&years=2023&programme=talent", "?lang=en&years=2021,2023"])
def test_english_pages_carry_no_chinese_text_or_punctuation(dataset, search):
    for path in ["/", *(f"/section/{section}" for section in dataset.sections["id"])]:
        assert list(english_leaks(render(dataset, path, search).children)) == [], path


def test_english_tabs_fit_one_row_by_short_names_and_the_page_keeps_the_full_name(dataset):
    assert set(NAV_LABELS["en"]) <= set(dataset.sections["id"])  # no short name for a section that is gone
    page = render(dataset, "/section/models", "?lang=en")
    tabs = [text(link) for link in with_class(page.children, "nav-link")]
    assert tabs == [
        "Overview",
        "Introduction",
        "Hearts and minds",
        "Help for workers",
        "Model workers (current page)",
        "Workforce reform",
        "Labour relations",
        "New forms of employment",
    ]
    assert text(find(page, "main")).count("Model workers and craftsmen") >= 1  # the heading: the full name
    assert page.title.startswith("Model workers and craftsmen · ")
    # Chinese names are short already: the tabs are the sections' names.
    zh = [text(link) for link in with_class(render(dataset, "/", "").children, "nav-link")]
    assert zh[1:] == list(dataset.sections["label_zh"])


def test_sections_are_a_compact_multi_select_on_the_overview_only(dataset):
    control = find(render(dataset, "/", "?section=aid&section=models&lang=en"), "filter-section")
    assert control.__class__.__name__ == "Dropdown" and attr(control, "multi") is True
    assert attr(control, "value") == ["aid", "models"]
    assert [o["label"] for o in attr(control, "options")] == list(dataset.sections["label_en"])
    assert attr(control, "placeholder") == "All sections"
    section_page = render(dataset, "/section/aid", "")
    boxes = [c for c in walk(section_page.children) if c.__class__.__name__ == "Fieldset" and attr(c, "hidden")]
    assert [attr(c, "className") for c in boxes] == ["ud-filter ud-filter-sections"]


def plotly_cards(page: Page) -> list[str]:
    """Texts of 'card' annotations in the page's plotly figures (lone figures drawn inside a chart)."""
    return [
        str(annotation.get("text"))
        for graph in walk(page.children)
        if graph.__class__.__name__ == "Graph"
        for annotation in graph.figure["layout"].get("annotations", [])  # type: ignore[attr-defined]
        if annotation.get("name") in ("card", "card-label")
    ]


@pytest.mark.parametrize("section_id", ["intro", "ideology", "aid", "models", "workforce", "relations", "new-forms"])
def test_lone_figures_are_html_number_cards_never_drawn_in_a_chart(dataset, section_id):
    for lang in ("zh", "en"):
        page = render(dataset, f"/section/{section_id}", f"?lang={lang}")
        assert plotly_cards(page) == []
        filters = Filters(sections=(section_id,), lang=lang)
        lone = [
            card
            for chart in CHARTS.values()
            if chart.section_id == section_id
            for card in chart_spec(chart, dataset, filters).cards
        ]
        for card in lone:
            number = find(page, f"number-{card.fact_id}")
            assert text(with_class(number, "ud-value")) == card.value_text  # as written, qualifier kept
            assert text(with_class(number, "ud-period")) == card.period
            assert text(with_class(number, "ud-value-label")).startswith(card.label)


def test_a_chart_of_lone_figures_is_a_block_of_number_cards_with_its_table_and_share_panel(dataset):
    page = render(dataset, "/section/workforce", "")
    block = find(page, "chart-competitions")
    assert attr(block, "className") == "card ud-chart-numbers" and attr(block, "data-chart") == "competitions"
    assert [c for c in walk(block) if c.__class__.__name__ == "Graph"] == []
    assert [text(v) for v in with_class(block, "ud-value")] == ["10000余场", "110万人次"]
    assert [text(p) for p in with_class(block, "ud-period")] == ["2019–2023年", *["2019–2023年 · 五年合计"] * 2]
    quotes = [text(q) for q in walk(block) if q.__class__.__name__ == "Q"]
    facts = dataset.facts.set_index("id")
    assert quotes == [facts.loc[i, "source_quote"] for i in ("workforce-competitions", "workforce-competitors")]
    assert text(with_class(block, "ud-details")).startswith("原文与出处")
    assert "查看数据表" in text(block) and "分享与导出" in text(block)  # still a table and an embed to share
    assert attr(find(page, "chart-industry-education"), "className") == "card ud-chart"  # bars and a lone 7所


def test_a_lone_figure_beside_a_comparison_is_a_card_above_the_plot_not_in_it(dataset):
    page = render(dataset, "/section/aid", "?lang=en")
    block = find(page, "chart-people-helped")
    assert attr(block, "className") == "card ud-chart"
    cells = [attr(c, "data-fact") for c in walk(block) if attr(c, "data-fact")]
    assert cells == ["aid-autumn-students-20-years"]
    assert text(with_class(find(page, "number-aid-autumn-students-20-years"), "ud-value")) == "over 34,000 people"
    assert text(with_class(block, "ud-period")).startswith("2019–2023")  # the bars' period; the card has its own
    graph = find(page, "graph-people-helped")
    drawn = {key for trace in graph.figure["data"] for key in trace.get("y", ())}  # type: ignore[attr-defined]
    assert "aid-autumn-students-20-years" not in drawn and len(drawn) == 3
    # The plot's text alternative speaks of what it draws; the card speaks for itself.
    assert "34,000" not in text(with_class(block, "visually-hidden"))
