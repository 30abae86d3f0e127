"""Numbers as the report writes them (uniondash.numerals): Arabic, Chinese, a range's two ends, and the vague
counts that are no number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from uniondash.numerals import is_number, matches, readings


@pytest.mark.parametrize(
    ("written", "values"),
    [
        ("2600", (2600,)),
        ("2.8", (Decimal("2.8"),)),
        ("两", (2,)),
        ("兩", (2,)),
        ("十", (10,)),
        ("百", (100,)),
        ("千", (1000,)),
        ("一千二百", (1200,)),
        ("二千两百", (2200,)),
        ("一千零二", (1002,)),
        ("二十万", (200_000,)),
        ("三四百", (300, 400)),
        ("两三千", (2000, 3000)),
        ("四五十", (40, 50)),
    ],
)
def test_numbers_are_read_as_written(written: str, values: tuple[int, ...]) -> None:
    assert readings(written) == tuple(Decimal(value) for value in values)
    assert is_number(written)


@pytest.mark.parametrize(
    "written", ["十几", "几十", "数百", "上千", "一二", "三五百", "2.8.1", "", "人", "2600人", "-3"]
)
def test_vague_counts_and_non_numbers_have_no_reading(written: str) -> None:
    assert readings(written) == ()
    assert not is_number(written)


def test_a_value_matches_its_written_number_times_the_scale() -> None:
    assert matches("一千二百", 1, 1200)
    assert matches("三四百", 1, 300) and matches("三四百", 1, 400)
    assert not matches("三四百", 1, 350)  # between the ends is no reading: never invent a figure
    assert matches("十", 10_000, 100_000)  # 十余万元
    assert not matches("一千二百", 1, 1000)
    assert matches("2.8", 10_000, 28_000)
