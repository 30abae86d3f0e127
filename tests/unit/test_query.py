"""URL query strings <-> Filters: every route's one parser; bad values fall back with a notice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uniondash.model import Filters
from uniondash.query import format_years, parse_filters, parse_years, to_query_string


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2019-2023", set(range(2019, 2024))),
        ("2021,2023", {2021, 2023}),
        ("2019-2020,2023", {2019, 2020, 2023}),
        ("2019–2021", {2019, 2020, 2021}),
        (" 2022 ", {2022}),
    ],
)
def test_parse_years(text, years):
    assert parse_years(text) == frozenset(years)


@pytest.mark.parametrize("text", ["", "20x9", "2023-2019", "2019-", "1-3000", "abc,def"])
def test_parse_years_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_years(text)


def test_defaults(dataset):
    filters, notices = parse_filters({}, dataset)
    assert filters == Filters() and notices == []


def test_full_query(dataset):
    params = {"years": ["2019-2023"], "programme": ["winter-warmth", "summer-cool"], "section": ["aid"], "lang": ["en"]}
    filters, notices = parse_filters(params, dataset)
    assert notices == []
    assert filters.years == frozenset(range(2019, 2024))
    assert filters.programmes == ("winter-warmth", "summer-cool")
    assert filters.sections == ("aid",) and filters.lang == "en"


def test_all_years_is_the_default(dataset):
    filters, _ = parse_filters({"years": "2003-2023"}, dataset)
    assert filters.years is None


@pytest.mark.parametrize(
    ("params", "expected_en"),
    [
        ({"years": "twenty"}, "not understood"),
        ({"years": "1990-1995"}, "None of the chosen years"),
        ({"programme": "<script>"}, "Unknown programme"),
        ({"section": "nowhere"}, "Unknown section"),
        ({"lang": "fr"}, "Unknown language"),
        ({"programme": "x" * 500}, "too long"),
    ],
)
def test_bad_parameters_fall_back_with_a_notice(dataset, params, expected_en):
    filters, notices = parse_filters(params, dataset)
    assert len(notices) == 1 and expected_en in notices[0].en and notices[0].zh
    assert filters.programmes == () and filters.sections == ()


def test_partly_known_values_keep_the_known_part(dataset):
    filters, notices = parse_filters({"programme": ["winter-warmth", "nope"], "years": "2019-2030"}, dataset)
    assert filters.programmes == ("winter-warmth",)
    assert filters.years == frozenset(range(2019, 2024))
    assert len(notices) == 2


def test_query_string_round_trips(dataset):
    filters = Filters(years=frozenset({2019, 2020, 2021, 2023}), programmes=("winter-warmth",), lang="en")
    text = to_query_string(filters)
    assert text == "years=2019-2021%2C2023&programme=winter-warmth&lang=en"
    from urllib.parse import parse_qs

    assert parse_filters(parse_qs(text), dataset) == (filters, [])


@given(st.sets(st.integers(min_value=1990, max_value=2060), min_size=1, max_size=30))
def test_format_years_round_trips(years):
    assert parse_years(format_years(frozenset(years))) == frozenset(years)


@given(st.dictionaries(st.sampled_from(["years", "programme", "section", "lang", "other"]), st.text(max_size=60)))
def test_any_query_parses_without_error(dataset, params):
    filters, notices = parse_filters(params, dataset)
    assert filters.lang in ("zh", "en")
    assert all(notice.zh and notice.en for notice in notices)
