"""The loaded data (`Dataset`) and pure queries on it: filters, headlines, computed totals, trends.

Nothing here reads files or knows about Dash: every function takes frames and returns values.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from uniondash.errors import UniondashError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LOWER_BOUND_QUALIFIERS = frozenset({"余", "多", "以上", "超过", "逾"})


@dataclass(frozen=True, eq=False)
class Dataset:
    """Every table of the data directory, validated. `facts` carries its section, measure and unit."""

    facts: pd.DataFrame
    sections: pd.DataFrame
    programmes: pd.DataFrame
    metrics: pd.DataFrame
    measures: pd.DataFrame
    levels: pd.DataFrame
    kinds: pd.DataFrame
    scopes: pd.DataFrame
    sources: pd.DataFrame
    headlines: pd.DataFrame
    data_dir: Path = field(default=Path("."))
    # The id of the data set the tables were loaded from (datastore.py); "" when built in memory.
    version: str = ""

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], data_dir: Path, version: str = "") -> Dataset:
        measures = frames["measures"].assign(summable=frames["measures"]["summable"] == "true")
        programmes = frames["programmes"].sort_values(["section_id", "order"], kind="stable")
        metrics = frames["metrics"]
        facts = (
            frames["facts"]
            .merge(programmes[["id", "section_id"]].rename(columns={"id": "programme_id"}), on="programme_id")
            .merge(
                metrics[["id", "measure_id", "unit_zh", "unit_en"]].rename(columns={"id": "metric_id"}),
                on="metric_id",
            )
        )
        # Keep the file's row order (the report's order) as the default order everywhere.
        order = {fact_id: position for position, fact_id in enumerate(frames["facts"]["id"])}
        facts = facts.sort_values("id", key=lambda ids: ids.map(order)).reset_index(drop=True)
        return cls(
            facts=facts,
            sections=frames["sections"].sort_values("order", kind="stable").reset_index(drop=True),
            programmes=programmes.reset_index(drop=True),
            metrics=metrics,
            measures=measures,
            levels=frames["levels"].sort_values("order", kind="stable").reset_index(drop=True),
            kinds=frames["kinds"],
            scopes=frames["scopes"],
            sources=frames["sources"],
            headlines=frames["headlines"].sort_values("order", kind="stable").reset_index(drop=True),
            data_dir=data_dir,
            version=version,
        )

    def available_years(self) -> list[int]:
        """Every year some figure's period touches, oldest first."""
        return years_spanned(self.facts)

    def single_years(self) -> list[int]:
        """Years that have figures of their own (a period of that one year): the years worth picking one by
        one. A five-year total never shows for a set of single years, so other years would pick nothing."""
        own = self.facts.loc[self.facts["period_start"] == self.facts["period_end"], "period_end"]
        return sorted({int(year) for year in own})

    def label(self, table: str, item_id: str, lang: Lang) -> str:
        """The zh or en label of one row of a dimension table (the id itself if unknown)."""
        frame: pd.DataFrame = getattr(self, table)
        match = frame.loc[frame["id"] == item_id, f"label_{lang}"]
        return str(match.iloc[0]) if len(match) else item_id


def years_spanned(facts: pd.DataFrame) -> list[int]:
    if facts.empty:
        return []
    return list(range(int(facts["period_start"].min()), int(facts["period_end"].max()) + 1))


@dataclass(frozen=True)
class Filters:
    """What the reader chose. `years=None` means every year; empty tuples mean every item."""

    years: frozenset[int] | None = None
    programmes: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    lang: Lang = "zh"


def period_within(facts: pd.DataFrame, years: frozenset[int] | None) -> pd.Series:
    """True where the figure's whole reporting period lies within the chosen years."""
    if years is None:
        return pd.Series(True, index=facts.index)
    # Per distinct period, not per row (a row-wise DataFrame.apply was the slowest step of drawing a page).
    periods = list(zip(facts["period_start"].astype(int), facts["period_end"].astype(int), strict=True))
    within = {period: all(year in years for year in range(period[0], period[1] + 1)) for period in set(periods)}
    return pd.Series([within[period] for period in periods], index=facts.index, dtype=bool)


# filter_facts results for the dataset's own frames, by (frame, filters): a page asks the same question of
# the same frame many times (each chart, each count). Frames are immutable in use (pandas copy-on-write).
_FILTERED: dict[tuple[int, Filters], tuple[pd.DataFrame, pd.DataFrame]] = {}
_FILTERED_MAX = 2048


def remember(cache: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """Put `value` in a bounded memo, the oldest entry out first. Safe under threads: another thread's
    change during the eviction only costs an entry."""
    if len(cache) >= limit:
        with suppress(RuntimeError, StopIteration):
            cache.pop(next(iter(cache)), None)
    cache[key] = value


def filter_facts(facts: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The facts the filters keep, in their original order."""
    key = (id(facts), replace(filters, lang="zh"))  # the language does not change which facts are kept
    hit = _FILTERED.get(key)
    if hit is not None and hit[0] is facts:
        return hit[1].copy(deep=False)
    keep = period_within(facts, filters.years)
    if filters.programmes:
        keep &= facts["programme_id"].isin(filters.programmes)
    if filters.sections:
        keep &= facts["section_id"].isin(filters.sections)
    kept = facts[keep]
    remember(_FILTERED, key, (facts, kept), _FILTERED_MAX)
    return kept.copy(deep=False)


def headline_facts(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """The headline figures the filters keep, in headline order."""
    chosen = filter_facts(dataset.facts, filters)
    ordered = dataset.headlines.merge(chosen, left_on="fact_id", right_on="id")
    return ordered.drop(columns=["fact_id"]).reset_index(drop=True)


@dataclass(frozen=True)
class ComputedFigure:
    """A number uniondash computed (never one the report states), with how it was computed."""

    value: float
    unit_zh: str
    unit_en: str
    qualifier: Literal["", "lower_bound", "approximate"]
    fact_ids: tuple[str, ...]
    # The added figures (as `facts` rows), so the method can be written in the reader's language.
    parts: tuple[dict[str, Any], ...] = ()


def computed_total(facts: pd.DataFrame, measures: pd.DataFrame) -> ComputedFigure:
    """Sum figures of one measure, unit and period; refuse to add people to person-times or money."""
    if facts.empty:
        raise UniondashError("nothing to add up: the selection is empty")
    if facts["unit_zh"].nunique() != 1 or facts["measure_id"].nunique() != 1:
        units = "、".join(sorted(facts["unit_zh"].unique()))
        raise UniondashError(f"cannot add figures of different units ({units})")
    summable = measures.set_index("id")["summable"]
    measure = facts["measure_id"].iloc[0]
    if not bool(summable[measure]):
        raise UniondashError(f"figures measured as {measure} cannot be added")
    if facts[["period_start", "period_end"]].drop_duplicates().shape[0] != 1:
        raise UniondashError("cannot add figures of different periods")
    if (facts["kind"] != "aggregate").any() and facts["kind"].nunique() > 1:
        raise UniondashError("cannot add individual stories to city-wide totals")
    qualifiers = set(facts["qualifier"])
    if qualifiers <= {""}:
        qualifier: Literal["", "lower_bound", "approximate"] = ""
    elif qualifiers <= LOWER_BOUND_QUALIFIERS | {""}:
        qualifier = "lower_bound"
    else:
        qualifier = "approximate"
    return ComputedFigure(
        value=float(facts["value"].sum()),
        unit_zh=str(facts["unit_zh"].iloc[0]),
        unit_en=str(facts["unit_en"].iloc[0]),
        qualifier=qualifier,
        fact_ids=tuple(facts["id"]),
        parts=tuple({str(key): value for key, value in row.items()} for row in facts.to_dict("records")),
    )


SERIES_KEYS = ["programme_id", "metric_id", "scope_id", "level_id", "kind", "span_years"]


def series_with_several_periods(facts: pd.DataFrame) -> pd.DataFrame:
    """Facts whose metric (same programme, scope, level and period length) has several periods.

    These are the rows a chart draws as a change over time once an analyst appends later years.
    Only periods of equal length are compared: a five-year total is never set beside one year.
    The result carries `span_years` (period length) for grouping.
    """
    with_span = facts.assign(span_years=facts["period_end"] - facts["period_start"] + 1)
    if with_span.empty:
        return with_span
    periods = with_span.groupby(SERIES_KEYS, dropna=False)["period_end"].transform("nunique")
    return with_span[periods > 1].sort_values([*SERIES_KEYS, "period_end"], kind="stable")


def citations(dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> list[str]:
    """The citations of the sources `facts` come from, in order of first use (every source once)."""
    by_id = dataset.sources.set_index("id")[f"citation_{lang}"]
    source_ids = dict.fromkeys(str(source_id) for source_id in facts["source_id"])
    return [str(by_id.get(source_id, source_id)) for source_id in source_ids]


def period_span(facts: pd.DataFrame) -> tuple[int, int]:
    """The first and last year the facts' periods cover (e.g. (2019, 2023)); the facts must not be empty."""
    if facts.empty:
        raise UniondashError("no figures, so no period")
    return int(facts["period_start"].min()), int(facts["period_end"].max())


# ---------------------------------------------------------------------------------------------------
# The year filter's choices and the programme filter's counts (as datasette's facets: each choice says
# how many figures it shows, so no choice leads to an empty page).


@dataclass(frozen=True)
class YearChoice:
    """One choice of the year filter: the years (None: the report's view, every figure) and its count."""

    years: frozenset[int] | None
    count: int


_REPORT_PERIODS: dict[int, tuple[pd.DataFrame, tuple[int, int]]] = {}


def report_period(facts: pd.DataFrame) -> tuple[int, int]:
    """The period most city-wide figures share (the report's own, 2019–2023): what the year filter starts at."""
    hit = _REPORT_PERIODS.get(id(facts))
    if hit is not None and hit[0] is facts:  # asked on every page of the same frame: computed once
        return hit[1]
    period = _report_period(facts)
    remember(_REPORT_PERIODS, id(facts), (facts, period), 64)
    return period


def _report_period(facts: pd.DataFrame) -> tuple[int, int]:
    aggregate = facts[facts["kind"] == "aggregate"] if (facts["kind"] == "aggregate").any() else facts
    if aggregate.empty:
        raise UniondashError("no figures, so no period")
    periods = aggregate.groupby(["period_start", "period_end"], sort=True).size()
    # Ties go to the latest period (the newest report wins once an analyst appends another).
    best = periods[periods == periods.max()].index[-1]
    return int(best[0]), int(best[1])


def year_choices(dataset: Dataset, filters: Filters) -> list[YearChoice]:
    """See `_year_choices`; the same for every language, so computed once per filter choice."""
    return list(_year_choices(dataset, replace(filters, lang="zh")))


@lru_cache(maxsize=1024)
def _year_choices(dataset: Dataset, filters: Filters) -> tuple[YearChoice, ...]:
    """What the year filter offers, given the other filters: the report's view first (every figure), then
    each period some figure has (a range) and each year with figures of its own, narrower than the whole,
    with how many figures each shows. A choice that would show nothing is left out, unless it is the
    current one (a URL may ask for it); the current choice is always offered so the control can show it.
    """
    facts = filter_facts(dataset.facts, replace(filters, years=None))
    every = frozenset(dataset.available_years())
    first, last = report_period(dataset.facts)
    report = frozenset(range(first, last + 1))
    spans = dataset.facts[["period_start", "period_end"]].drop_duplicates().itertuples(index=False, name=None)
    candidates = [frozenset(range(int(start), int(end) + 1)) for start, end in sorted(set(spans))]
    choices = [YearChoice(None, len(facts))]
    seen: set[frozenset[int]] = set()
    for years in candidates:
        # The whole span is the report's view; the report's own period alone would differ from it only by
        # the few figures of longer spans (careers since 2003), which the filter's note names instead.
        if years in seen or years in (every, report):
            continue
        seen.add(years)
        count = int(period_within(facts, years).sum())
        if count or years == filters.years:
            choices.append(YearChoice(years, count))
    if filters.years is not None and filters.years not in seen:
        choices.append(YearChoice(filters.years, int(period_within(facts, filters.years).sum())))
    return tuple(choices)


def other_spans(facts: pd.DataFrame, report: tuple[int, int]) -> list[tuple[int, int, int]]:
    """The periods other than the report's own among `facts`, as (start, end, count), longer spans first:
    which figures (careers since 2003, single years) the default view shows beside the report's period."""
    counts = Counter(zip(facts["period_start"].astype(int), facts["period_end"].astype(int), strict=True))
    spans = [(start, end, count) for (start, end), count in sorted(counts.items()) if (start, end) != report]
    return sorted(spans, key=lambda span: (-(span[1] - span[0]), span[0]))


def programme_counts(dataset: Dataset, filters: Filters) -> dict[str, int]:
    """How many figures each programme shows under the chosen years (and sections), every programme listed."""
    return dict(_programme_counts(dataset, replace(filters, lang="zh", programmes=())))


@lru_cache(maxsize=1024)
def _programme_counts(dataset: Dataset, filters: Filters) -> tuple[tuple[str, int], ...]:
    facts = filter_facts(dataset.facts, replace(filters, programmes=()))
    counts = facts.groupby("programme_id").size()
    return tuple((str(programme), int(counts.get(programme, 0))) for programme in dataset.programmes["id"])


# Words with which the report states a standing count (a stock) rather than what was done in the period.
STOCK_WORDS = ("已建成", "现有", "总量", "拥有")


def is_stock(facts: pd.DataFrame) -> pd.Series:
    """True for figures that are stocks: a headcount or a count the report says stands (已建成 586个), which is
    read 'as of' its last year, never as a total over its period. A programme's figures of one period that
    share a sentence with 已建成 are stocks together ('已建成…10个、…84个、…586个')."""
    headcount = facts["measure_id"] == "headcount"
    quotes = facts["source_quote"].astype(str)
    said = quotes.map(lambda quote: any(word in quote for word in STOCK_WORDS))
    keys = facts["programme_id"].astype(str) + "|" + facts["period_start"].astype(str) + "|"
    keys = keys + facts["period_end"].astype(str)
    stated = set(keys[said])
    return (headcount | keys.isin(stated)).astype(bool)
