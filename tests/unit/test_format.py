"""Formatting: the report's figures exactly as written in Chinese, Babel's 万/亿, qualifiers in English."""

from __future__ import annotations

import pytest

from uniondash.format import (
    axis_ticks,
    compact_number,
    display_computed,
    display_value,
    english_unit,
    period_label,
)
from uniondash.model import computed_total


def fact(dataset, fact_id):
    return dataset.facts.set_index("id").loc[fact_id].to_dict()


@pytest.mark.parametrize(
    ("fact_id", "zh", "en"),
    [
        ("aid-summer-goods", "2600余万元", "over 26 million yuan"),
        ("aid-winter-funds", "2.8亿元", "280 million yuan"),
        ("aid-winter-people", "48.3万人次", "483,000 person-times"),
        ("aid-medical-subsidies", "4494.49万元", "44,944,900 yuan"),
        ("aid-spring-people-employed", "5.1万余人", "over 51,000 people"),
        ("workforce-talent-total", "接近70万人", "nearly 700,000 people"),
        ("relations-bargaining-rate", "93%以上", "93% or more"),
        ("relations-mediation-rate", "71.6%", "71.6%"),
        ("models-model-workers-national", "7名", "7 people"),
    ],
)
def test_display_value_keeps_the_report_and_its_qualifiers(dataset, fact_id, zh, en):
    row = fact(dataset, fact_id)
    assert display_value(row, "zh") == zh
    assert display_value(row, "en") == en


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [(280_000_000, "2.8亿", "280 million"), (44_944_900, "4494.49万", "44.9449 million"), (4399, "4399", "4,399")],
)
def test_compact_number_uses_cldr_patterns(value, zh, en):
    assert compact_number(value, "zh") == zh
    assert compact_number(value, "en") == en


def test_axis_ticks_are_round_and_chinese(dataset):
    values, labels = axis_ticks(280_000_000, "zh")
    assert values[-1] >= 280_000_000 and values[0] == 0
    assert labels[:3] == ["0", "1亿", "2亿"]
    assert not any(unit in label for label in labels for unit in ("k", "M", "G"))
    _, labels_10k = axis_ticks(52_000, "zh")
    assert all(label == "0" or label.endswith("万") for label in labels_10k)
    # One unit along an axis that passes 1万: 0.2万 … 1.2万, never 8000 beside 1万.
    values, labels = axis_ticks(11_000, "zh")
    assert values[-1] > 10_000 and all(label == "0" or label.endswith("万") for label in labels)
    assert [float(label.removesuffix("万")) * 10_000 for label in labels[1:]] == values[1:]
    _, small = axis_ticks(4_399, "zh")
    assert not any(label.endswith("万") for label in small)


def test_computed_figures_say_they_are_computed(dataset):
    facts = dataset.facts
    total = computed_total(facts[facts["metric_id"] == "model-workers"], dataset.measures)
    # The total keeps the unit its terms are written in (名), not the metric's base unit (人).
    assert display_computed(total, "zh") == "205名（计算值：7名 + 37名 + 161名）"
    assert display_computed(total, "en") == "205 people (computed: 7 people + 37 people + 161 people)"


def test_english_units_agree_with_their_number(dataset):
    assert english_unit(1, "people") == "person" and english_unit(2, "people") == "people"
    assert english_unit(1, "person-times") == "person-time" and english_unit(1, "cases") == "case"
    assert english_unit(1, "yuan") == "yuan" and english_unit(0, "cases") == "cases"
    one = dataset.facts[dataset.facts["value"] == 1]
    assert not one.empty, "the report has figures of one (1名大国工匠…)"
    for _, fact in one.iterrows():
        shown = display_value(fact, "en")
        assert not shown.endswith(("people", "cases", "unions")), shown


def test_period_label():
    assert period_label(2019, 2023, "zh") == "2019–2023年"
    assert period_label(2023, 2023, "en") == "2023"


@pytest.mark.parametrize(
    ("value", "english"),
    [
        (280_000_000, "280 million"),  # 2.8亿: short and exact
        (1_100_000, "1.1 million"),  # 110万
        (44_944_900, "44,944,900"),  # 4494.49万: '44.9449 million' is unreadable, '44.94 million' inexact
        (21_635_000, "21,635,000"),  # 2163.5万
        (483_000, "483,000"),  # 48.3万: below a million, written in full
        (2_500_000_000, "2.5 billion"),
        (4399, "4,399"),
        (71.6, "71.6"),
    ],
)
def test_english_numbers_are_exact_and_readable(value, english):
    from uniondash.format import exact_number_en

    assert exact_number_en(value) == english
