"""Pure queries on the dataset: filters by year/programme/section, headlines, computed totals, trends."""

from __future__ import annotations

import pytest

from uniondash.errors import UniondashError
from uniondash.format import computed_method
from uniondash.model import Filters, computed_total, filter_facts, headline_facts, series_with_several_periods


def test_no_filter_keeps_everything(dataset):
    assert filter_facts(dataset.facts, Filters()).equals(dataset.facts)


def test_a_figure_shows_only_when_its_whole_period_is_chosen(dataset):
    five_years = filter_facts(dataset.facts, Filters(years=frozenset(range(2019, 2024))))
    periods = set(zip(five_years["period_start"], five_years["period_end"], strict=True))
    assert (2019, 2023) in periods and (2023, 2023) in periods and (2022, 2022) in periods
    assert (2003, 2023) not in periods  # the 20-year 金秋助学 total needs 2003–2023
    only_2023 = filter_facts(dataset.facts, Filters(years=frozenset({2023})))
    assert set(only_2023["period_start"]) == {2023}


def test_a_year_the_report_never_breaks_out_leaves_nothing(dataset):
    assert filter_facts(dataset.facts, Filters(years=frozenset({2021}))).empty


def test_programme_and_section_filters_combine(dataset):
    winter = filter_facts(dataset.facts, Filters(programmes=("winter-warmth",)))
    assert set(winter["id"]) == {"aid-winter-funds", "aid-winter-people"}
    aid = filter_facts(dataset.facts, Filters(sections=("aid",)))
    assert set(aid["section_id"]) == {"aid"} and len(aid) > len(winter)
    assert filter_facts(dataset.facts, Filters(sections=("models",), programmes=("winter-warmth",))).empty


def test_headlines_follow_their_order_and_the_filters(dataset):
    headlines = headline_facts(dataset, Filters())
    assert list(headlines["id"]) == list(dataset.headlines["fact_id"])
    aid_only = headline_facts(dataset, Filters(sections=("aid",)))
    assert set(aid_only["section_id"]) == {"aid"}
    assert list(aid_only["as_written"][:2]) == ["2.8亿元", "48.3万人次"]


def test_computed_total_adds_one_measure_and_says_how(dataset):
    facts = dataset.facts
    model_workers = facts[facts["metric_id"] == "model-workers"]
    total = computed_total(model_workers, dataset.measures)
    assert total.value == 7 + 37 + 161
    assert total.qualifier == ""
    assert computed_method(total, "zh") == "计算值：7名 + 37名 + 161名"
    assert computed_method(total, "en") == "computed: 7 people + 37 people + 161 people"


def test_computed_total_of_qualified_figures_is_a_lower_bound(dataset):
    facts = dataset.facts
    events = facts[facts["id"].isin(["ideology-theme-education", "ideology-model-talks", "ideology-reading"])]
    total = computed_total(events, dataset.measures)
    assert total.value == 1500 + 7000 + 4000
    assert total.qualifier == "lower_bound"


def test_computed_total_refuses_persons_with_person_times(dataset):
    facts = dataset.facts
    mixed = facts[facts["id"].isin(["aid-autumn-students", "aid-winter-people"])]
    with pytest.raises(UniondashError, match="different units"):
        computed_total(mixed, dataset.measures)


def test_computed_total_refuses_rates_and_mixed_periods(dataset):
    facts = dataset.facts
    with pytest.raises(UniondashError, match="cannot be added"):
        computed_total(facts[facts["measure_id"] == "rate"].head(2), dataset.measures)
    students = facts[facts["id"].isin(["aid-autumn-students", "aid-autumn-students-20-years"])]
    with pytest.raises(UniondashError, match="different periods"):
        computed_total(students, dataset.measures)


def test_shipped_data_has_no_multi_year_series(dataset):
    assert series_with_several_periods(dataset.facts).empty


def test_synthetic_years_form_series_of_equal_periods(multi_year_dataset):
    series = series_with_several_periods(multi_year_dataset.facts)
    winter = series[series["metric_id"].eq("funds-raised") & series["programme_id"].eq("winter-warmth")]
    assert list(winter["period_end"]) == [2024, 2025]  # the 2019–2023 total is not one of them
    assert set(winter["span_years"]) == {1}


def test_available_years_span_every_period(dataset, multi_year_dataset):
    assert dataset.available_years() == list(range(2003, 2024))
    assert multi_year_dataset.available_years()[-1] == 2025


def test_single_years_are_the_years_with_figures_of_their_own(dataset, multi_year_dataset):
    for data in (dataset, multi_year_dataset):
        own = {int(row.period_end) for row in data.facts.itertuples() if row.period_start == row.period_end}
        assert data.single_years() == sorted(own)
    assert set(multi_year_dataset.single_years()) > set(dataset.single_years())  # the SYNTHETIC years join


# ---------------------------------------------------------------------------------------------------
# The year filter's choices, programme counts and stocks.


def test_the_report_period_is_the_one_sources_csv_declares(dataset):
    # Declared by the data (issue 25), no longer guessed from the figures' most common period.
    assert dataset.default_edition.period == (2019, 2023) and dataset.default_edition.kind == "five-year"


def test_year_choices_offer_only_what_shows_something_with_counts(dataset):
    from uniondash.model import YearChoice, year_choices

    choices = year_choices(dataset, Filters())
    assert choices[0] == YearChoice(None, len(dataset.facts))
    # Each count is what the page shows for that choice (filter_facts), and none is empty.
    for choice in choices[1:]:
        assert choice.count == len(filter_facts(dataset.facts, Filters(years=choice.years))) > 0
    offered = [choice.years for choice in choices[1:]]
    assert frozenset({2023}) in offered and frozenset({2022, 2023}) in offered
    assert frozenset(range(2003, 2024)) not in offered  # the whole span is the report's view itself
    # A choice the URL asks for is offered even when it shows nothing, with its count (0), never hidden.
    asked = year_choices(dataset, Filters(years=frozenset({2020, 2021})))
    assert asked[-1] == YearChoice(frozenset({2020, 2021}), 0)


def test_programme_counts_follow_the_years(dataset):
    from uniondash.model import programme_counts

    every = programme_counts(dataset, Filters())
    assert set(every) == set(dataset.programmes["id"]) and sum(every.values()) == len(dataset.facts)
    only_2023 = programme_counts(dataset, Filters(years=frozenset({2023}), programmes=("winter-warmth",)))
    assert only_2023["winter-warmth"] == 0 and only_2023["talent"] == 2  # the programme filter itself is ignored


def test_stocks_are_headcounts_and_counts_the_report_says_stand(dataset):
    from uniondash.model import is_stock

    facts = dataset.facts.set_index("id", drop=False)
    stocks = set(facts[is_stock(facts).to_numpy()]["id"])
    # 已建成…10个、…84个、…586个 (one sentence), headcounts (50多万名产业工人, 接近70万人)
    assert {"new-forms-county-federations", "new-forms-grassroots-unions", "new-forms-worker-homes"} <= stocks
    assert {"intro-industrial-workers", "workforce-talent-total"} <= stocks
    # Flows stay flows: money raised, people helped, awards given.
    assert not stocks & {"aid-winter-funds", "aid-autumn-students", "models-model-workers-national"}
