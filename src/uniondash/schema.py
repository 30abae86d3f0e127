"""What valid data looks like: one pandera schema per file, then the checks across rows and tables.

Validation runs in two stages. Stage one checks each file's columns: types, allowed values, unique ids
and foreign keys (built from the parent tables' ids, so a schema is made per load). Stage two runs
only on files that passed stage one and checks what needs typed values across rows: parts not larger
than wholes, stated ratios matching their parts, the value matching the figure as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

import pandas as pd
import pandera.pandas as pa

from uniondash import columns, numerals

SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
QUALIFIERS = ("", "余", "多", "以上", "接近", "近", "约", "超", "超过", "逾", "不少于")
SCALES = {"亿": 100_000_000, "万": 10_000}
# Written units a base unit may appear as. "人次" is never read as "人", nor money as people.
WRITTEN_UNITS = columns.WRITTEN_UNITS
EMPTY = ""

# ---- text cells: what any text of any file may hold (the loader and the importer ask the same questions) ----

# The longest text each column may hold, in characters: far above what the report needs (its longest quote
# holds 45 characters, its longest note 134) and far below what would strain memory, a page or a chart.
# Columns not named here (ids, keys, numbers, kinds) hold at most DEFAULT_TEXT_CHARS. data/README.md lists them.
TEXT_BOUNDS = {
    "label_zh": 200,
    "label_en": 200,
    "heading_zh": 200,
    "as_written": 40,
    "number_as_written": 20,
    "unit_as_written": 20,
    "qualifier": 10,
    "source_quote": 1000,
    "note": 2000,
    "note_zh": 2000,
    "description_en": 2000,
    "publication_zh": 200,
    "publication_en": 200,
    "title_zh": 500,
    "title_en": 500,
    "page_name_zh": 100,
    "authors_zh": 500,
    "authors_en": 500,
    "citation_zh": 500,
    "citation_en": 500,
    "unit_zh": 50,
    "unit_en": 50,
    "local_copy": 500,
}
DEFAULT_TEXT_CHARS = 64
# Characters that reorder how text around them is shown (Trojan Source): a label could read as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Line and paragraph separators break a line as a control character does.
_SEPARATORS = frozenset("\u2028\u2029")
# A spreadsheet runs a cell starting with one of these as a formula (or DDE). Data files store such a text
# escaped with a leading apostrophe (Excel's own text marker), so no data file, export or download ever
# starts a cell with one; the loader reads the text back without it. Tab and CR are refused as control characters.
FORMULA_STARTS = ("=", "+", "-", "@")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def text_bound(column: str) -> int:
    """The most characters a cell of `column` may hold."""
    return TEXT_BOUNDS.get(column, DEFAULT_TEXT_CHARS)


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run `text` (a plain signed number such as -5 is a number, not a formula)."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text)


def stored_text(text: str) -> str:
    """`text` as a data file stores it: with a leading apostrophe when it looks like a formula."""
    return "'" + text if looks_like_formula(text) else text


def read_text(stored: str) -> str:
    """The text a stored cell holds: `stored_text` undone."""
    return stored[1:] if stored.startswith("'") and looks_like_formula(stored[1:]) else stored


def control_character(cell: str) -> str | None:
    """The problem if `cell` holds a control character (tab, NUL, bell…; they break images and lines) or a
    bidirectional control (it makes text read as other text), else None."""
    for position, char in enumerate(cell, start=1):
        if char in BIDI_CONTROLS:
            return (
                f"holds the bidirectional control character U+{ord(char):04X} at character {position}: delete it "
                "(it is invisible and makes the text around it display in another order; retype the cell)"
            )
        if unicodedata.category(char) == "Cc" or char in _SEPARATORS:
            return (
                f"holds the control character U+{ord(char):04X} at character {position}: "
                "delete it (it is invisible in most editors; retype the cell)"
            )
    return None


def cell_problem(column: str, stored: str) -> str | None:
    """What is wrong with a stored text cell of `column` (stripped), or None: a control or bidi character, a
    text longer than the column's bound, or a formula-like text not stored escaped."""
    control = control_character(stored)
    if control is not None:
        return control
    length = len(read_text(stored))
    if length > text_bound(column):
        return f"too long: {length} characters, at most {text_bound(column)} in this column (see data/README.md)"
    if looks_like_formula(stored):
        return (
            f"starts with {stored[0]!r}, which a spreadsheet would run as a formula: store it with a leading "
            f"apostrophe ('{stored[0]}…), as uniondash import-xlsx does, or reword it"
        )
    return None


def _text(required: bool = True, *checks: pa.Check, unique: bool = False) -> pa.Column:
    all_checks = list(checks)
    if required:
        all_checks.append(pa.Check.str_length(min_value=1, error="empty; a value is required"))
    return pa.Column(str, checks=all_checks, unique=unique)


def _slug_id() -> pa.Column:
    return _text(
        True, pa.Check.str_matches(SLUG, error="not an id: use lower-case letters, digits and '-'"), unique=True
    )


def _key(parent_file: str, ids: Iterable[str] | None, optional: bool = False) -> pa.Column:
    """A foreign key; `ids=None` when the parent file could not be read (its own error says why)."""
    if ids is None:
        return _text(not optional)
    allowed = sorted(set(ids) | ({EMPTY} if optional else set()))
    return _text(not optional, pa.Check.isin(allowed, error=f"unknown id, not in {parent_file}"))


def _int(lo: int, hi: int) -> pa.Column:
    return pa.Column(int, pa.Check.in_range(lo, hi, error=f"out of range {lo}–{hi}"), coerce=True)


def _labels() -> dict[str, pa.Column]:
    return {"label_zh": _text(), "label_en": _text()}


def sources_schema() -> pa.DataFrameSchema:
    columns = {
        "id": _slug_id(),
        "publication_zh": _text(),
        "publication_en": _text(),
        "title_zh": _text(),
        "title_en": _text(),
        "published": _text(True, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$", error="not a date YYYY-MM-DD")),
        "page": _int(1, 1000),
        "page_name_zh": _text(False),
        "authors_zh": _text(False),
        "authors_en": _text(False),
        "citation_zh": _text(),
        "citation_en": _text(),
        "local_copy": _text(False),
        "report_kind": _text(
            True, pa.Check.isin(REPORT_KINDS, error=f"not a kind of report: use one of {', '.join(REPORT_KINDS)}")
        ),
        "period_start": _int(1900, 2100),
        "period_end": _int(1900, 2100),
    }
    return pa.DataFrameSchema(columns, strict=True, name="sources")


# A report's kind and how many years it may cover: a congress's five-year report, a yearly one, and a report
# part-way through a congress's term (its years so far).
REPORT_YEARS = {"five-year": (5, 5), "annual": (1, 1), "mid-term": (2, 4)}
REPORT_KINDS = tuple(REPORT_YEARS)


def sources_consistency_schema() -> pa.DataFrameSchema:
    """Stage two for sources.csv: a report's period fits its kind and was over when it was published."""

    def fits_kind(row: pd.Series) -> bool:
        low, high = REPORT_YEARS[row["report_kind"]]
        return bool(low <= row["period_end"] - row["period_start"] + 1 <= high)

    checks = [
        _row_check("period_order", "period_start: is after period_end", lambda r: r["period_start"] <= r["period_end"]),
        _row_check(
            "period_fits_kind",
            "period_end: the period does not fit report_kind (five-year: 5 years, annual: 1, mid-term: 2 to 4)",
            fits_kind,
        ),
        _row_check(
            "published_after_period",
            "published: is before the last year of the period the report covers (period_end)",
            lambda r: int(str(r["published"])[:4]) >= r["period_end"],
        ),
    ]
    return pa.DataFrameSchema(checks=checks, name="sources")


def sections_schema() -> pa.DataFrameSchema:
    columns = {
        "id": _slug_id(),
        "order": _int(0, 1000),
        **_labels(),
        "heading_zh": _text(),
        "source_quote": _text(),
    }
    return pa.DataFrameSchema(columns, strict=True, name="sections")


def programmes_schema(section_ids: Iterable[str] | None) -> pa.DataFrameSchema:
    columns = {
        "id": _slug_id(),
        "section_id": _key("sections.csv", section_ids),
        "order": _int(0, 1000),
        **_labels(),
    }
    return pa.DataFrameSchema(columns, strict=True, name="programmes")


def measures_schema() -> pa.DataFrameSchema:
    columns = {
        "id": _slug_id(),
        **_labels(),
        "summable": _text(True, pa.Check.isin(["true", "false"], error="not true or false")),
    }
    return pa.DataFrameSchema(columns, strict=True, name="measures")


def metrics_schema(measure_ids: Iterable[str] | None) -> pa.DataFrameSchema:
    columns = {
        "id": _slug_id(),
        **_labels(),
        "unit_zh": _text(),
        "unit_en": _text(),
        "measure_id": _key("measures.csv", measure_ids),
    }
    return pa.DataFrameSchema(columns, strict=True, name="metrics")


def levels_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({"id": _slug_id(), "order": _int(0, 1000), **_labels()}, strict=True, name="levels")


def kinds_schema() -> pa.DataFrameSchema:
    columns = {"id": _slug_id(), **_labels(), "description_en": _text(False)}
    return pa.DataFrameSchema(columns, strict=True, name="kinds")


def scopes_schema() -> pa.DataFrameSchema:
    kinds = ["city", "federation", "person", "group", "organisation", "district"]
    columns = {
        "id": _slug_id(),
        **_labels(),
        "kind": _text(True, pa.Check.isin(kinds, error=f"not one of {', '.join(kinds)}")),
    }
    return pa.DataFrameSchema(columns, strict=True, name="scopes")


def facts_schema(ids: dict[str, list[str] | None], fact_ids: Iterable[str] | None) -> pa.DataFrameSchema:
    """Stage one for facts.csv; `ids` maps a dimension file's stem to its ids."""
    fact_ids = None if fact_ids is None else list(fact_ids)
    columns = {
        "id": _slug_id(),
        "programme_id": _key("programmes.csv", ids["programmes"]),
        "metric_id": _key("metrics.csv", ids["metrics"]),
        **_labels(),
        "value": pa.Column(float, pa.Check.ge(0, error="negative; values are counts or amounts"), coerce=True),
        "as_written": _text(),
        "number_as_written": _text(
            True,
            pa.Check(
                lambda written: written.map(numerals.is_number).astype(bool),
                element_wise=False,
                error="not a number as written, such as 2600, 2.8, 两 or 一千二百 (a vague 十几 or 数百 is no number)",
            ),
        ),
        "unit_as_written": _text(False),
        "qualifier": _text(
            False,
            pa.Check.isin(QUALIFIERS, error=f"unknown qualifier; use one of {'/'.join(QUALIFIERS[1:])} or leave empty"),
        ),
        "period_start": _int(1900, 2100),
        "period_end": _int(1900, 2100),
        "scope_id": _key("scopes.csv", ids["scopes"]),
        "level_id": _key("levels.csv", ids["levels"], optional=True),
        "kind": _key("kinds.csv", ids["kinds"]),
        "part_of": _key("facts.csv", fact_ids, optional=True),
        "numerator_id": _key("facts.csv", fact_ids, optional=True),
        "denominator_id": _key("facts.csv", fact_ids, optional=True),
        "source_id": _key("sources.csv", ids["sources"]),
        "source_quote": _text(),
        "note": _text(False),
        "note_zh": _text(False),
    }
    return pa.DataFrameSchema(columns, strict=True, name="facts")


def headlines_schema(fact_ids: Iterable[str] | None) -> pa.DataFrameSchema:
    columns = {"fact_id": _key("facts.csv", fact_ids), "order": _int(0, 10_000)}
    return pa.DataFrameSchema(columns, strict=True, unique=["fact_id"], name="headlines")


# ---- stage two: checks across rows and tables, on typed frames -------------------------------


def squeeze(text: str) -> str:
    """Text without white space: the report wraps lines inside phrases."""
    return re.sub(r"\s+", "", text)


def scale_of(unit_as_written: str) -> tuple[int, str]:
    """The multiplier a written unit carries (万元 → 10 000) and the unit left after it."""
    for prefix, factor in SCALES.items():
        if unit_as_written.startswith(prefix):
            return factor, unit_as_written[len(prefix) :]
    return 1, unit_as_written


def value_matches_written(number_as_written: str, unit_as_written: str, value: float) -> bool:
    """Whether `value` is the written number (Arabic or Chinese; either end of 三四百) times the unit's scale."""
    factor, _ = scale_of(unit_as_written)
    return numerals.matches(number_as_written, factor, value)


def _row_check(name: str, error: str, predicate: Callable[[pd.Series], bool]) -> pa.Check:
    return pa.Check(lambda facts: facts.apply(predicate, axis=1).astype(bool), name=name, error=error)


def facts_consistency_schema(metrics: pd.DataFrame, measures: pd.DataFrame) -> pa.DataFrameSchema:
    """Stage two for facts.csv: each check names the rows that break it."""
    unit_of = metrics.set_index("id")["unit_zh"].to_dict()
    measure_of = metrics.set_index("id")["measure_id"].to_dict()

    def written_unit_fits(row: pd.Series) -> bool:
        _, unit = scale_of(row["unit_as_written"])
        base = unit_of[row["metric_id"]]
        return unit in {EMPTY, base} | WRITTEN_UNITS.get(base, set())

    def part_checks(facts: pd.DataFrame) -> pd.Series:
        by_id = facts.set_index("id")
        parts_sum = facts[facts["part_of"] != EMPTY].groupby("part_of")["value"].sum()

        def ok(row: pd.Series) -> bool:
            if row["part_of"] == EMPTY:
                return True
            whole = by_id.loc[row["part_of"]]
            same = whole["metric_id"] == row["metric_id"] and (whole["period_start"], whole["period_end"]) == (
                row["period_start"],
                row["period_end"],
            )
            # A whole written "30余" may exceed 30: allow the parts to reach the written number only.
            return bool(same and row["value"] <= whole["value"] and parts_sum[row["part_of"]] <= whole["value"])

        return facts.apply(ok, axis=1).astype(bool)

    def ratio_matches(facts: pd.DataFrame) -> pd.Series:
        by_id = facts.set_index("id")

        def ok(row: pd.Series) -> bool:
            if row["numerator_id"] == EMPTY and row["denominator_id"] == EMPTY:
                return True
            if EMPTY in (row["numerator_id"], row["denominator_id"]):
                return False
            denominator = by_id.loc[row["denominator_id"], "value"]
            if denominator == 0:
                return False
            decimals = len(row["number_as_written"].partition(".")[2])
            computed = round(100 * by_id.loc[row["numerator_id"], "value"] / denominator, decimals)
            return bool(abs(computed - row["value"]) < 10 ** (-decimals) / 2 + 1e-9)

        return facts.apply(ok, axis=1).astype(bool)

    checks = [
        _row_check("period_order", "period_start: is after period_end", lambda r: r["period_start"] <= r["period_end"]),
        _row_check(
            "as_written_in_quote",
            "as_written: does not appear in source_quote",
            lambda r: squeeze(r["as_written"]) in squeeze(r["source_quote"]),
        ),
        _row_check(
            "qualifier_in_as_written",
            "qualifier: does not appear in as_written",
            lambda r: r["qualifier"] in r["as_written"],
        ),
        _row_check(
            "as_written_parts",
            "as_written: without its qualifier it is not number_as_written followed by unit_as_written",
            lambda r: r["as_written"].replace(r["qualifier"], "", 1) == r["number_as_written"] + r["unit_as_written"],
        ),
        _row_check(
            "value_matches_written",
            "value: is not number_as_written times the scale of unit_as_written (万 = 10 000, 亿 = 100 000 000; "
            "一千二百 = 1200, 三四百 = 300 or 400)",
            lambda r: value_matches_written(r["number_as_written"], r["unit_as_written"], r["value"]),
        ),
        _row_check(
            "unit_fits_metric",
            "unit_as_written: does not fit the metric's unit (people, person-times and money never mix)",
            written_unit_fits,
        ),
        _row_check(
            "rate_within_100",
            "value: a rate must lie between 0 and 100",
            lambda r: measure_of[r["metric_id"]] != "rate" or 0 <= r["value"] <= 100,
        ),
        pa.Check(
            part_checks,
            name="part_not_larger_than_whole",
            error="part_of: a part must share its whole's metric and period, and the parts together may not exceed the whole",
        ),
        pa.Check(
            ratio_matches,
            name="ratio_matches_parts",
            error="numerator_id: the stated rate does not equal numerator ÷ denominator × 100 (denominator_id) as rounded in the report",
        ),
    ]
    return pa.DataFrameSchema(checks=checks, name="facts")


# What one figure is: two rows alike in all of these describe the same count, whatever their ids.
FIGURE_DIMENSIONS = ("metric_id", "programme_id", "scope_id", "level_id", "period_start", "period_end")
# …and alike in one of these too: the same label, or the same number from the same phrase of the report
# (the same value too: the two ends of a range, 三四百名 → 300 and 400, share their phrase).
_SAME_FIGURE = (("label_zh",), ("label_en",), ("as_written", "source_quote", "value"))


def duplicate_figures(facts: pd.DataFrame) -> list[tuple[int, int, str]]:
    """Rows that repeat an earlier row's figure under another id: (row, earlier row, what they share).

    Rows are positions in `facts`. Rows with the same dimensions but different labels are different
    figures (county and township unions honoured; a whole and its parts) and pass.
    """
    found: dict[int, tuple[int, str]] = {}
    for extra in _SAME_FIGURE:
        columns = [*FIGURE_DIMENSIONS, *extra]
        first: dict[tuple[object, ...], int] = {}
        for position, key in enumerate(facts[columns].itertuples(index=False, name=None)):
            if key in first:
                found.setdefault(position, (first[key], " and ".join(extra)))
            else:
                first[key] = position
    return [(row, earlier, shared) for row, (earlier, shared) in sorted(found.items())]


def conflicting_figures(facts: pd.DataFrame) -> list[tuple[int, int]]:
    """Rows of two sources that give one figure different values: (row, earlier row), positions in `facts`.

    One figure: the same metric, programme, scope, level, kind and period, and either the same label or,
    in each source, the only row with those dimensions (a source's whole and its part share dimensions,
    and are told apart by their labels). Drawn, they would be two bars for one count, or one would hide
    the other: the data must say which is right.
    """
    dimensions = [*FIGURE_DIMENSIONS, "kind"]
    keys = list(facts[dimensions].itertuples(index=False, name=None))
    sources = facts["source_id"].tolist()
    values = [float(value) for value in facts["value"]]
    labels = [str(label) for label in facts["label_zh"]]
    alone = Counter(zip(keys, sources, strict=True))
    found: list[tuple[int, int]] = []
    seen: dict[tuple[object, ...], list[int]] = {}
    for position, key in enumerate(keys):
        for earlier in seen.get(key, []):
            if sources[earlier] == sources[position] or values[earlier] == values[position]:
                continue
            same_label = labels[earlier] == labels[position]
            if same_label or (alone[(key, sources[earlier])] == 1 and alone[(key, sources[position])] == 1):
                found.append((position, earlier))
                break
        seen.setdefault(key, []).append(position)
    return found


def facts_after_their_report(facts: pd.DataFrame, sources: pd.DataFrame) -> list[int]:
    """Rows whose period ends after the last year their source reports on: a report cannot state them."""
    ends = dict(zip(sources["id"], sources["period_end"], strict=True))
    return [
        position
        for position, (source_id, end) in enumerate(zip(facts["source_id"], facts["period_end"], strict=True))
        if source_id in ends and int(end) > int(ends[source_id])
    ]
