"""The loaded data (`Dataset`) and pure queries on it: filters, headlines, computed totals, trends.

Nothing here reads files or knows about Dash: every function takes frames and returns values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from uniondash.errors import UniondashError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LOWER_BOUND_QUALIFIERS = frozenset({"余", "多", "以上", "超", "超过", "逾", "不少于"})


# The kind of report (sources.csv `report_kind`) the default view shows, the latest of them.
FIVE_YEAR = "five-year"


@dataclass(frozen=True)
class Edition:
    """The reports on one period: a congress's five-year report (2019–2023), an annual report (2024), a
    mid-term report. One period, one edition, whatever the number of documents that report on it."""

    start: int
    end: int
    kind: str  # 'five-year', 'annual' or 'mid-term' (sources.csv report_kind)
    published: str  # YYYY-MM-DD: the newest of its sources' dates
    source_ids: tuple[str, ...]

    @property
    def period(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def years(self) -> int:
        return self.end - self.start + 1


def editions_of(sources: pd.DataFrame) -> tuple[Edition, ...]:
    """One edition per period the sources report on, in the order the sources first name them."""
    grouped: dict[tuple[int, int], list[Any]] = {}
    for source in sources.to_dict("records"):
        grouped.setdefault((int(source["period_start"]), int(source["period_end"])), []).append(source)
    return tuple(
        Edition(
            start,
            end,
            str(group[0]["report_kind"]),
            max(str(source["published"]) for source in group),
            tuple(str(source["id"]) for source in group),
        )
        for (start, end), group in grouped.items()
    )


def newest_edition(editions: Sequence[Edition]) -> Edition:
    """The edition of the latest period; of two ending together, the longer (a five-year report over the
    annual report of its last year); then the later published."""
    return max(editions, key=lambda edition: (edition.end, edition.years, edition.published))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Every table of the data directory, validated. `facts` carries its section, measure and unit, and the
    period of the report it comes from (`edition_start`, `edition_end`; `in_default`: of the default view's).
    """

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
    # The reports, one per period, in sources.csv order (the first is the first edition).
    editions: tuple[Edition, ...] = ()

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
        editions = editions_of(frames["sources"])
        report = frames["sources"].set_index("id")[["period_start", "period_end"]]
        facts["edition_start"] = facts["source_id"].map(report["period_start"]).astype(int)
        facts["edition_end"] = facts["source_id"].map(report["period_end"]).astype(int)
        default = default_edition(editions).period if editions else (0, 0)
        facts["in_default"] = (facts["edition_start"] == default[0]) & (facts["edition_end"] == default[1])
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
            editions=editions,
        )

    def edition(self, period: tuple[int, int]) -> Edition | None:
        """The edition reporting on exactly `period`, if any."""
        return next((edition for edition in self.editions if edition.period == period), None)

    @property
    def default_edition(self) -> Edition:
        """What the dashboard shows when the URL names no period: the latest five-year report."""
        return default_edition(self.editions)

    @property
    def first_edition(self) -> Edition:
        """The report of the first row of sources.csv (rows are only ever appended): what an embed or a
        download whose URL names no period shows, for ever, whatever is added later."""
        return self.editions[0]

    def series_years(self) -> frozenset[int] | None:
        """The years from the default view's last through the newest later report's, when there are later
        reports: where single years of both (2023 of the five-year report, 2024 of an annual report) form
        one series across years. None without later reports."""
        later = self.later_editions()
        if not later:
            return None
        return frozenset(range(self.default_edition.end, max(edition.end for edition in later) + 1))

    def later_editions(self) -> list[Edition]:
        """Reports on years after the default view's, oldest first: offered beside it, dated."""
        last = self.default_edition.end
        return sorted((edition for edition in self.editions if edition.start > last), key=lambda e: e.period)

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


def default_edition(editions: Sequence[Edition]) -> Edition:
    """The latest five-year report; without one, the newest report."""
    if not editions:
        raise UniondashError("no sources, so no report to show")
    five_year = [edition for edition in editions if edition.kind == FIVE_YEAR]
    return newest_edition(five_year or editions)


def view_edition(dataset: Dataset, filters: Filters) -> Edition | None:
    """The report a view shows: the one it names, else (no period named, or `latest`) the default view's;
    None for a view by years, which may hold figures of several reports."""
    if filters.years is not None:
        return None
    if filters.report is not None:
        return dataset.edition(filters.report)
    return dataset.default_edition


def years_spanned(facts: pd.DataFrame) -> list[int]:
    if facts.empty:
        return []
    return list(range(int(facts["period_start"].min()), int(facts["period_end"].max()) + 1))


@dataclass(frozen=True)
class Filters:
    """What the reader chose. Figures are chosen by the report they come from (`report`: its period) or by
    the years their periods lie in (`years`), never both; neither is the default view (the latest five-year
    report's figures). `latest`: a chart's newest report that has its figures (the live embed). Empty
    tuples mean every item."""

    years: frozenset[int] | None = None
    programmes: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    lang: Lang = "zh"
    report: tuple[int, int] | None = None
    latest: bool = False
    # Comparisons with other reports: None compares each figure with the last earlier report's of equal
    # length (a live page); () with none; else only with the reports on these periods (an embed, pinned).
    compare: tuple[tuple[int, int], ...] | None = None

    @property
    def is_default_view(self) -> bool:
        """No period named: the default view's figures (the latest five-year report's)."""
        return self.years is None and self.report is None and not self.latest


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
    # Neither the language nor the comparisons change which facts are kept.
    key = (id(facts), replace(filters, lang="zh", compare=None))
    hit = _FILTERED.get(key)
    if hit is not None and hit[0] is facts:
        return hit[1].copy(deep=False)
    if filters.years is not None:
        keep = period_within(facts, filters.years)
    elif filters.report is not None:
        keep = (facts["edition_start"] == filters.report[0]) & (facts["edition_end"] == filters.report[1])
    else:  # the default view; `latest` is a chart's choice (charts.chart_facts), else the default too
        keep = facts["in_default"].astype(bool)
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
    """One choice of the period select and how many figures it shows: the default view (`years` and
    `report` None: the latest five-year report, and `later` figures of reports since, shown beside it and
    counted apart), a report (`report`: its period), or years (figures whose periods lie within them)."""

    years: frozenset[int] | None
    count: int
    report: tuple[int, int] | None = None
    later: int = 0


def year_choices(dataset: Dataset, filters: Filters) -> list[YearChoice]:
    """See `_year_choices`; the same for every language, so computed once per filter choice."""
    return list(_year_choices(dataset, replace(filters, lang="zh", latest=False, compare=None)))


def later_facts(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """The figures of reports on years after the default view's (annual reports since the five-year
    report), under the filters' programmes and sections: what the default view offers beside its own."""
    later = [edition.period for edition in dataset.later_editions()]
    if not later:
        return dataset.facts.iloc[0:0]
    other = replace(filters, years=frozenset(dataset.available_years()), report=None, latest=False)
    facts = filter_facts(dataset.facts, other)
    return facts[[period in later for period in zip(facts["edition_start"], facts["edition_end"], strict=True)]]


@lru_cache(maxsize=1024)
def _year_choices(dataset: Dataset, filters: Filters) -> tuple[YearChoice, ...]:
    """What the period select offers, given the other filters: the default view first (the latest five-year
    report, with the figures of later reports beside it, counted apart), then every other report, then
    each period narrower than a report's that some figure has, and each year with figures of its own (and
    the run of those years, for a series across reports), with how many figures each shows. A choice that
    would show nothing is left out, unless it is the current one (a URL may ask for it): the current choice
    is always offered so the control can show it.
    """
    default = dataset.default_edition
    base = replace(filters, years=None, report=None)
    choices = [YearChoice(None, len(filter_facts(dataset.facts, base)), later=len(later_facts(dataset, base)))]
    for edition in sorted(dataset.editions, key=lambda e: (e.end, e.years), reverse=True):
        if edition == default and filters.report != default.period:
            continue  # the default view is this report's
        count = len(filter_facts(dataset.facts, replace(base, report=edition.period)))
        if count or filters.report == edition.period:
            choices.append(YearChoice(None, count, report=edition.period))
    if filters.report is not None and dataset.edition(filters.report) is None:
        choices.append(YearChoice(None, 0, report=filters.report))
    facts = filter_facts(dataset.facts, replace(base, years=frozenset(dataset.available_years())))
    every = frozenset(dataset.available_years())
    reports = {frozenset(range(edition.start, edition.end + 1)) for edition in dataset.editions}
    spans = set(dataset.facts[["period_start", "period_end"]].drop_duplicates().itertuples(index=False, name=None))
    # A period longer than a year is offered only inside a report's (2022–2023 within 2019–2023): a longer
    # one (careers since 2003) is its report's, whose choice names it.
    inside = [
        (int(start), int(end))
        for start, end in spans
        if start == end or any(e.start <= start and end <= e.end for e in dataset.editions)
    ]
    candidates = [frozenset(range(start, end + 1)) for start, end in sorted(inside)]
    series = dataset.series_years()
    if series is not None:
        candidates.append(series)
    seen: set[frozenset[int]] = set()
    for years in candidates:
        if years in seen or years == every or years in reports:
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
    return dict(_programme_counts(dataset, replace(filters, lang="zh", programmes=(), compare=None)))


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
