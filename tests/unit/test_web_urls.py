"""The dashboard's URLs: routes, links that carry the filters, and what a control change does to the URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from uniondash.model import Filters
from uniondash.web import urls


def test_routes(dataset):
    assert urls.route("/", dataset) == urls.Route("overview")
    assert urls.route(None, dataset) == urls.Route("overview")
    assert urls.route("/section/aid", dataset) == urls.Route("section", "aid", "/section/aid")
    assert urls.route("/section/aid/", dataset).page == "section"
    assert urls.route("/section/nope", dataset) == urls.Route("not_found", "nope", "/section/nope")
    assert urls.route("/admin", dataset) == urls.Route("not_found", "", "/admin")


def test_read_filters_uses_the_one_parser_and_returns_its_notices(dataset):
    filters, notices = urls.read_filters("?years=2019-2023&programme=winter-warmth&lang=en", dataset)
    assert filters == Filters(years=frozenset(range(2019, 2024)), programmes=("winter-warmth",), lang="en")
    assert notices == []
    filters, notices = urls.read_filters("?years=abc&programme=nope", dataset)
    assert filters == Filters()
    assert [n.zh for n in notices] == [
        "年份参数“abc”无效（示例：2019-2023 或 2021,2023），已显示全部年份。",
        "未知项目“nope”，已忽略。",
    ]


def test_an_absurd_query_string_is_ignored_with_a_notice(dataset):
    filters, notices = urls.read_filters("?" + "programme=x&" * 600, dataset)
    assert filters == Filters() and notices[0].en == "The address's parameters are too long and were ignored."
    filters, notices = urls.read_filters("?years=" + "1" * 9000, dataset)
    assert filters == Filters() and len(notices) == 1


def test_links_carry_the_canonical_query(dataset):
    filters = Filters(years=frozenset({2021, 2023}), programmes=("winter-warmth",), lang="en")
    assert urls.href("/section/aid", filters) == "/section/aid?years=2021%2C2023&programme=winter-warmth&lang=en"
    assert urls.href("/", Filters()) == "/"
    assert urls.summary_href(Filters(lang="en")) == "/export/summary.xlsx?lang=en"
    assert urls.other_lang(filters).lang == "zh"


def test_a_section_page_keeps_only_its_own_programmes(dataset):
    filters = Filters(programmes=("winter-warmth", "model-workers"), sections=("models",))
    assert urls.section_filters(filters, "aid", dataset) == Filters(programmes=("winter-warmth",), sections=("aid",))
    assert urls.section_filters(filters, "relations", dataset).programmes == ()


def query(search: str | None) -> dict[str, list[str]]:
    assert search is not None
    return parse_qs(urlsplit(search).query)


def test_choosing_years_writes_them_to_the_url(dataset):
    assert query(urls.changed_search("", "years", "2023", dataset)) == {"years": ["2023"]}
    assert query(urls.changed_search("?lang=en", "years", "2022-2023", dataset)) == {
        "years": ["2022-2023"],
        "lang": ["en"],
    }
    # Back to the report's view: the parameter goes.
    assert urls.changed_search("?years=2023", "years", "all", dataset) == ""


def test_controls_that_only_show_the_url_change_nothing(dataset):
    assert urls.changed_search("", "years", "all", dataset) is None
    assert urls.changed_search("?years=2021,2023", "years", "2021,2023", dataset) is None
    # Forged values no select can hold change nothing.
    for forged in (None, ["2023"], 2023, "20x3", "abc", "2" * 500):
        assert urls.changed_search("", "years", forged, dataset) is None
    assert (
        urls.changed_search("?programme=winter-warmth", "programme", ["winter-warmth"], dataset, ["winter-warmth"])
        is None
    )


def test_a_section_page_programme_box_leaves_other_sections_choices(dataset):
    aid = list(dataset.programmes.loc[dataset.programmes["section_id"] == "aid", "id"])
    search = urls.changed_search("?programme=model-workers", "programme", ["winter-warmth"], dataset, aid)
    assert query(search) == {"programme": ["model-workers", "winter-warmth"]}
    cleared = urls.changed_search("?programme=model-workers,winter-warmth", "programme", [], dataset, aid)
    assert query(cleared) == {"programme": ["model-workers"]}


def test_sections_and_language_are_kept_when_another_control_changes(dataset):
    sections = list(dataset.sections["id"])
    search = urls.changed_search("?lang=en&years=2023", "section", ["aid", "models"], dataset, sections)
    assert query(search) == {"years": ["2023"], "section": ["aid", "models"], "lang": ["en"]}
    # An unknown value in the URL is dropped once the reader changes something.
    search = urls.changed_search("?section=bogus", "section", ["aid"], dataset, sections)
    assert query(search) == {"section": ["aid"]}


def test_a_disabled_option_is_taken_out_of_a_choice_and_said_so():
    options = [
        {"label": "冬送温暖（0）", "value": "winter-warmth", "disabled": True},
        {"label": "金秋助学（6）", "value": "golden-autumn", "disabled": False},
        {"label": "夏送清凉（2）", "value": "summer-cool"},
    ]
    assert urls.enabled_choice(["golden-autumn", "winter-warmth"], options) == (["golden-autumn"], True)
    assert urls.enabled_choice(["golden-autumn", "summer-cool"], options) == (["golden-autumn", "summer-cool"], False)
    assert urls.enabled_choice("winter-warmth", options) == ([], True)
    assert urls.enabled_choice(None, options) == (None, False)
    # Forged requests are left as they are, for changed_search to refuse.
    assert urls.enabled_choice([1, 2], options) == ([1, 2], False)
    assert urls.enabled_choice(["winter-warmth"], "not a list") == (["winter-warmth"], False)
    assert urls.enabled_choice(["winter-warmth"], [None, "x", {"value": "winter-warmth", "disabled": "yes"}]) == (
        ["winter-warmth"],
        False,
    )
