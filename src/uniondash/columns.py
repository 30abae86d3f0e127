"""Names and small constants of the data files that light commands need without the loader (pandera): the
columns of facts.csv in order, and the units a figure may be written in for its metric's base unit.

`schema.py` holds the rules themselves and uses these; a test checks they agree with its schemas."""

from __future__ import annotations

# facts.csv's columns, in order (as `schema.facts_schema` declares them).
FACT_COLUMNS: tuple[str, ...] = (
    "id",
    "programme_id",
    "metric_id",
    "label_zh",
    "label_en",
    "value",
    "as_written",
    "number_as_written",
    "unit_as_written",
    "qualifier",
    "period_start",
    "period_end",
    "scope_id",
    "level_id",
    "kind",
    "part_of",
    "numerator_id",
    "denominator_id",
    "source_id",
    "source_quote",
    "note",
    "note_zh",
)

# A metric counted in 人 may be written 名 too (not 人次: person-times are another unit).
WRITTEN_UNITS: dict[str, set[str]] = {"人": {"人", "名"}, "人/年": {"人", "名"}}

# What a spreadsheet reads as the start of a formula: a text cell beginning so is written with a leading '
# (OWASP's advice for CSV and workbook exports).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
