"""The parsers behind every entry point, fuzzed directly (fast, so with many more examples than the HTTP tests):
`query.parse_filters` via `urls.read_filters`, `images.parse_image_size`, `urls.route` and `urls.changed_search`.

Properties: they never raise on any input (except the documented ImageSizeError); what they return is valid
and canonical (parsing the canonical query string again gives the same filters with no notice); and any
notice quotes the input without line breaks or bidi controls.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.properties import FUZZ, INPUTS
from tests.fuzz.strategies import json_values, number_text, query_strings
from uniondash.exports.images import (
    HEIGHT_RANGE,
    MAX_PIXELS,
    SCALE_RANGE,
    WIDTH_RANGE,
    ImageSizeError,
    parse_image_size,
)
from uniondash.model import LANGS, Dataset
from uniondash.query import parse_filters, to_query_string
from uniondash.web import urls


@settings(FUZZ, max_examples=400)
@given(query=query_strings(), question=st.booleans())
def test_any_query_string_reads_as_valid_canonical_filters(dataset: Dataset, query: str, question: bool) -> None:
    INPUTS["parser: urls.read_filters"] += 1
    filters, notices = urls.read_filters(("?" if question else "") + query, dataset)
    assert filters.lang in LANGS
    assert filters.years is None or filters.years < set(dataset.available_years())
    assert set(filters.programmes) <= set(dataset.programmes["id"])
    assert set(filters.sections) <= set(dataset.sections["id"])
    again, none = urls.read_filters("?" + to_query_string(filters), dataset)
    assert (again, none) == (filters, []), "the canonical query string means the same view"
    for notice in notices:
        for text in (notice.zh, notice.en):
            assert not any(char in text for char in "\r\n\x00\u202e\u2028"), text
            assert len(text) < 400


@settings(FUZZ, max_examples=300)
@given(params=st.dictionaries(st.sampled_from(["width", "height", "scale"]), st.lists(number_text, max_size=3)))
def test_image_size_is_within_bounds_or_refused(params: dict[str, list[str]]) -> None:
    INPUTS["parser: images.parse_image_size"] += 1
    try:
        size = parse_image_size(params)
    except ImageSizeError as error:
        assert "（" in str(error) and len(str(error)) < 300  # English, then Chinese in brackets
        return
    for value, (low, high) in ((size.width, WIDTH_RANGE), (size.height, HEIGHT_RANGE)):
        assert value is None or low <= value <= high
    assert SCALE_RANGE[0] <= size.scale <= SCALE_RANGE[1]
    columns, rows = size.pixels
    assert columns * rows <= MAX_PIXELS


@settings(FUZZ, max_examples=200)
@given(pathname=st.one_of(json_values, st.text(max_size=80).map(lambda text: "/section/" + text)))
def test_any_pathname_routes_to_a_page(dataset: Dataset, pathname: Any) -> None:
    INPUTS["parser: urls.route"] += 1
    where = urls.route(pathname, dataset)
    assert where.page in ("overview", "section", "not_found")
    if where.page == "section":
        assert where.section_id in set(dataset.sections["id"])


@pytest.mark.parametrize("control", ["years", "section", "programme"])
@settings(FUZZ, max_examples=150)
@given(search=st.one_of(json_values, query_strings()), value=json_values, options=st.lists(st.text(max_size=20)))
def test_a_control_change_gives_a_canonical_query_or_nothing(
    dataset: Dataset, control: str, search: Any, value: Any, options: list[str]
) -> None:
    INPUTS["parser: urls.changed_search"] += 1
    result = urls.changed_search(search, cast(urls.Control, control), value, dataset, options)
    if result is not None:
        filters, notices = parse_filters(urls.query_params(result)[0], dataset)
        assert notices == [] and ("?" + to_query_string(filters) if result else "") == result
