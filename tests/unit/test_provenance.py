"""Provenance: every figure's quote stands in the report, and every figure as written stands in its quote."""

from __future__ import annotations

import pytest

from tests.conftest import REPORT
from uniondash.schema import QUALIFIERS, squeeze, value_matches_written


def test_every_quote_stands_in_the_report(dataset):
    if not REPORT.is_file():
        pytest.skip(f"the report's full text is not beside this clone ({REPORT}); CI has it in ../shared/source/")
    report = squeeze(REPORT.read_text(encoding="utf-8"))
    quotes = [*dataset.facts["source_quote"], *dataset.sections["source_quote"]]
    missing = [quote for quote in quotes if squeeze(quote) not in report]
    assert missing == []
    assert len(quotes) == len(dataset.facts) + len(dataset.sections)


def test_every_figure_as_written_stands_in_its_quote(dataset):
    for fact in dataset.facts.itertuples():
        assert squeeze(fact.as_written) in squeeze(fact.source_quote), fact.id
        assert fact.number_as_written in fact.as_written, fact.id


def test_every_value_equals_the_figure_as_written(dataset):
    for fact in dataset.facts.itertuples():
        assert value_matches_written(fact.number_as_written, fact.unit_as_written, fact.value), fact.id


def test_qualifiers_are_kept_from_the_report(dataset):
    """No figure is cut away from its 余/多/以上/接近: the quote holds nothing of them outside as_written."""
    for fact in dataset.facts.itertuples():
        quote, written = squeeze(fact.source_quote), squeeze(fact.as_written)
        at = quote.index(written)
        before, after = quote[max(0, at - 2) : at], quote[at + len(written) : at + len(written) + 2]
        assert not after.startswith(("余", "多", "以上")), (fact.id, after)
        assert not before.endswith(("接近", "近", "约")), (fact.id, before)
        found = [q for q in QUALIFIERS if q and q in written]
        assert fact.qualifier == (max(found, key=len) if found else ""), fact.id


def test_person_times_are_never_counted_as_persons(dataset):
    facts = dataset.facts
    person_times = facts[facts["as_written"].str.contains("人次")]
    assert (person_times["measure_id"] == "person_times").all()
    persons = facts[facts["measure_id"] == "persons"]
    assert not persons["as_written"].str.contains("人次").any()


def test_individual_stories_are_marked_apart_from_city_totals(dataset):
    facts = dataset.facts.set_index("id")
    for story in ["models-yi-ran-apprentices", "workforce-xu-xianjie-trainees", "workforce-liu-xiangguo-years"]:
        assert facts.loc[story, "kind"] == "individual"
        assert facts.loc[story, "scope_id"] != "city"
    assert (facts.loc[facts["kind"] == "aggregate", "scope_id"].isin(["city", "federation"])).all()
