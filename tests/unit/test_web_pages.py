"""The pages as component trees (no browser): what each shows for a URL, every figure of a section
somewhere on its page, stories apart, notices for bad parameters, and links that carry the filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from dash.development.base_component import Component

from uniondash.figures import CHARTS
from uniondash.format import display_value
from uniondash.model import Dataset, Filters, filter_facts
from uniondash.web.pages import Page, render


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
    """Fact ids behind the charts (their rows) and the figure cells (data-fact) under `node`."""
    ids: list[str] = []
    for block in walk(node):
        chart_id = attr(block, "data-chart")
        if chart_id:
            ids += list(CHARTS[chart_id].rows(dataset, filters)["id"])
        fact_id = attr(block, "data-fact")
        if fact_id:
            ids.append(fact_id)
    return ids


# ---------------------------------------------------------------------------------------------------
# Overview.


def test_overview_shows_the_headline_cards_as_written_with_period_and_quote(dataset):
    page = render(dataset, "/", "")
    cards = with_class(page.children, "ud-figure-card")
    assert len(cards) == 12
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
    assert text(with_class(talent, "ud-period")) == "2023年"
    assert page.meta() == {"lang": "zh-CN", "title": "总览 · 株洲市总工会五年工作成就"}


def test_overview_in_english(dataset):
    page = render(dataset, "/", "?lang=en")
    summer = find(page, "headline-summer-cool")
    assert [text(v) for v in with_class(summer, "ud-value")] == [
        "over 26 million yuan",
        "over 520 thousand person-times",
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
    assert "2019–2023" in text(find(page, "no-headlines"))


def test_bad_parameters_give_notices_in_the_pages_language_and_the_default_view(dataset):
    page = render(dataset, "/", "?years=abc&programme=nope&lang=en")
    notices = text(find(page, "notices"))
    assert "Years 'abc' not understood" in notices and "Unknown programme 'nope'" in notices
    assert len(with_class(page.children, "ud-figure-card")) == 12
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
    query = "years=2019-2023&section=aid"
    assert hrefs == [
        f"/embed/aid-funds?{query}",
        *(f"/export/chart/aid-funds.{ext}?{query}" for ext in ("png", "svg", "html", "csv", "zip")),
    ]
    # The link and the iframe code carry the same view, each with a copy button.
    link = find(page, "share-link-aid-funds")
    assert link.value.endswith(f"/section/aid?{query}#chart-aid-funds")  # type: ignore[attr-defined]
    code = find(page, "embed-code-aid-funds")
    assert f'src="http://dash.example/embed/aid-funds?{query.replace("&", "&amp;")}"' in code.value  # type: ignore[attr-defined]
    copies = [c for c in walk(funds) if c.__class__.__name__ == "Clipboard"]
    assert sorted(c.target_id for c in copies) == ["embed-code-aid-funds", "share-link-aid-funds"]  # type: ignore[attr-defined]
    assert attr(find(page, "export-excel"), "href") == f"/export/summary.xlsx?{query}"
    graph = find(page, "graph-aid-funds")
    assert graph.figure["data"][0]["text"][3] == "2.8亿元"  # type: ignore[attr-defined]
    assert graph.style["height"].endswith("px")  # type: ignore[attr-defined]


def test_section_page_shows_computed_totals_as_computed(dataset):
    page = render(dataset, "/section/models", "")
    computed = [text(c) for c in with_class(find(page, "chart-model-workers"), "ud-computed")]
    assert computed == ["合计 205人（计算值：7名 + 37名 + 161名）"]


def test_an_empty_chart_explains_itself(dataset):
    page = render(dataset, "/section/aid", "?years=2021")
    empty = with_class(page.children, "ud-chart-empty")
    assert len(empty) == 3
    assert "2021年" in text(empty[0]) and "2019–2023年" in text(empty[0])
    assert "本板块没有可显示的数字" in text(find(page, "nothing-here"))


def test_filter_controls_show_the_url(dataset):
    page = render(dataset, "/section/aid", "?years=2019-2023&programme=winter-warmth&programme=model-workers")
    assert attr(find(page, "filter-year-start"), "value") == "2019"
    assert attr(find(page, "filter-year-end"), "value") == "2023"
    programme = find(page, "filter-programme")
    assert attr(programme, "value") == ["winter-warmth"]  # this section's choice; the other stays in the URL
    assert [o["value"] for o in attr(programme, "options")][:2] == ["spring-jobs", "summer-cool"]
    section_box = [c for c in walk(page.children) if c.__class__.__name__ == "Fieldset" and attr(c, "hidden")]
    assert len(section_box) == 1  # the section choice is the page itself
    nav = {text(link): attr(link, "href") for link in with_class(page.children, "nav-link")}
    assert nav["树模铸匠"] == "/section/models?years=2019-2023&programme=winter-warmth&programme=model-workers"


def test_a_year_set_is_named_beside_the_selects(dataset):
    page = render(dataset, "/section/relations", "?years=2021,2023")
    assert text(with_class(page.children, "ud-years-set")) == "当前所选年份：2021、2023"
    assert attr(find(page, "filter-year-start"), "value") == "2021"


def test_the_year_picker_offers_single_years_and_shows_only_what_it_can(dataset):
    single = [str(year) for year in dataset.single_years()]
    picked = find(render(dataset, "/section/relations", f"?years={single[-1]}"), "filter-year-set")
    assert [o["value"] for o in attr(picked, "options")] == single
    assert attr(picked, "value") == [single[-1]]
    # A range it cannot show in full (2019–2023) leaves it empty rather than half-true.
    assert attr(find(render(dataset, "/section/relations", "?years=2019-2023"), "filter-year-set"), "value") == []
    # Its own texts follow the page language (Dash's defaults are English).
    for lang, count in (("zh", "已选"), ("en", "selected")):
        picker = find(render(dataset, "/section/relations", f"?lang={lang}"), "filter-year-set")
        assert count in attr(picker, "labels")["selected_count"]


def test_several_years_are_charted_as_a_change_on_the_page(multi_year_dataset):
    page = render(multi_year_dataset, "/section/aid", "?years=2024-2025")
    figure = find(page, "graph-aid-funds").figure  # type: ignore[attr-defined]
    assert figure["data"][0]["x"] == ["2024年", "2025年"]
    winter = multi_year_dataset.facts.set_index("id").loc["aid-winter-funds-2024"]
    assert figure["data"][0]["text"][0] == display_value(winter, "zh")
