"""What a chart says, as plain data: `chart_spec(chart, dataset, filters) -> ChartSpec`. No drawing here.

One design for charts, several media. This module decides *what* a chart of the registry
(`charts.CHARTS`) shows for a Dataset and Filters: its panels of bars, the lone figures shown as number
cards, the changes across years, notes, source line and text alternative. Renderers decide *how*:

- `figures.render_plotly(spec, style)`: the dashboard, embeds, PNG/SVG (style `NARROW`: each bar's label on
  its own line above the bar), slides (`WIDE`: type ×1.5, labels beside the bars) and the printed briefing
  (`PRINT`: type ×1.25, labels beside);
- the Excel workbook's native charts (openpyxl), from the same spec.

Every field is plain data (str, float, tuples of frozen dataclasses); texts are plain text in the spec's
language (not HTML-escaped: a renderer escapes for its medium). Field names are stable: renderers in other
modules read them.

The chart rules hold by construction here, so every medium follows them:

- a figure of its own is a number, not a one-bar chart: a panel that would hold a single bar becomes a
  `NumberCard` (`ChartSpec.cards`); a chart of cards only has no comparison to draw (`has_comparison`);
- a panel holds one unit (and, for figures that add up, one period length): persons, person-times and money
  never share an axis. Panels of the same unit share one scale (`Panel.scale_max`); panels of different units
  have different scales, and say so (`Panel.unit` in every heading and on every tick);
- stocks are not flows: a headcount or a count of what stands built ('已建成') is headed as of its year
  ('截至2023年'), never as a five-year total;
- no computed totals across lists that may overlap (honours at several levels): `ComputedTotal`s come only
  from charts in `DISJOINT_TOTALS`, whose parts the report's structure keeps apart, labelled computed, with how;
- the period heading (`ChartSpec.period`) covers exactly the figures drawn as bars (cards name their own).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

import pandas as pd

from uniondash.charts import CHARTS, Chart
from uniondash.errors import UniondashError
from uniondash.format import (
    QUALIFIERS_EN,
    as_of_label,
    compact_number,
    display_computed,
    display_value,
    english_unit,
    exact_number_en,
    join_labels,
    period_label,
    span_label,
    years_label,
)
from uniondash.model import (
    SERIES_KEYS,
    Dataset,
    Filters,
    Lang,
    computed_total,
    period_span,
    series_with_several_periods,
)

# Measures counted at a moment, not over a period: headed '截至2023年' / 'as of 2023', never a total.
STOCK_MEASURES = frozenset({"headcount", "built"})

# Charts whose computed sum is shown: only where the report's structure makes the parts disjoint (never
# lists of honours at several levels: a national model worker may also be a provincial one). None today.
DISJOINT_TOTALS: frozenset[str] = frozenset()

TEXT = {
    "zh": {
        "source": "来源：{}",
        "unit": "单位：{}",
        "change": "逐年变化",
        "count": "个",
        "total": "合计 {}",
        "levels_overlap": "各级名单之间可能有重复。",
        "rate_on_bar": "{label} {value}",
        "sep": "；",
        "colon": "：",
        "no_data": "没有可绘制的数字。",
        "excluded": "所选项目或板块不包含本图的数字。请在筛选中加入相应项目，或清除项目筛选。",
        "outside_years": (
            "本图数字的统计时期为{periods}，所选年份（{years}）没有完整覆盖其中任何一个时期，因此不显示。"
            "报告没有按单个年份分列这些数字；请选择包含{periods}的年份。"
        ),
        "summary": "{title}，{period}。{items}。来源：{source}。",
        "scales": "各部分单位不同，刻度各自独立，长短不可相互比较。",
        "own_scale": "另一单位和刻度",
        "missing": "无数据",
        "compared": "{label}：{period}比{other}{change}",
        "up": "增加{}",
        "down": "减少{}",
        "same": "持平",
        "points_up": "提高{}个百分点",
        "points_down": "降低{}个百分点",
        "percent": "（{}）",
        "about": "约",
        "how": "计算值：{later} − {earlier}；百分比 = 差额 ÷ {other}的数字",
        "how_points": "计算值：{later} − {earlier}",
        "how_about": "；原文数字带“{qualifiers}”，差额为约数",
        "refused": "{label}：不与{other}的{value}{other_label}比较：{why}",
        "other_label": "（{}）",
        "why_scope": "统计范围不同（{this}与{that}）",
        "why_length": "统计时期长短不同（{this}与{that}）",
        "why_unit": "一个按{this}统计，一个按{that}统计",
        "years_n": "{}年",
        "years_one": "1年",
    },
    "en": {
        "source": "Source: {}",
        "unit": "Unit: {}",
        "change": "change across years",
        "count": "count",
        "total": "Total {}",
        "levels_overlap": "The levels' lists may overlap.",
        "rate_on_bar": "{label} {value}",
        "sep": "; ",
        "colon": ": ",
        "no_data": "There are no figures to draw.",
        "excluded": "The chosen programmes or sections hold none of this chart's figures. "
        "Add its programmes to the filter, or clear the programme filter.",
        "outside_years": (
            "This chart's figures cover {periods}; the chosen years ({years}) include none of these periods whole, "
            "so nothing is shown. The report does not break these figures down by year: choose years covering {periods}."
        ),
        "summary": "{title}, {period}. {items}. Source: {source}.",
        "scales": "The parts are in different units, each on its own scale: their lengths do not compare.",
        "own_scale": "a scale of its own",
        "missing": "no figure",
        "compared": "{label}: {period} against {other}, {change}",
        "up": "up {}",
        "down": "down {}",
        "same": "unchanged",
        "points_up": "up {} percentage points",
        "points_down": "down {} percentage points",
        "percent": " ({})",
        "about": "about ",
        "how": "computed: {later} − {earlier}; the percentage is the change over the {other} figure",
        "how_points": "computed: {later} − {earlier}",
        "how_about": "; the report's figures are not exact (“{qualifiers}”), so neither is the change",
        "refused": "{label}: not compared with the {other} figure of {value}{other_label}: {why}",
        "other_label": " ({})",
        "why_scope": "another scope ({this} against {that})",
        "why_length": "periods of different length ({this} against {that})",
        "why_unit": "one counts {this}, the other {that}",
        "years_n": "{} years",
        "years_one": "one year",
    },
}


# ---------------------------------------------------------------------------------------------------
# The specification: plain, frozen data.


@dataclass(frozen=True)
class Bar:
    """One bar of a panel: one fact."""

    fact_id: str
    # The category label as the data writes it; with its period ('（2019–2023年）') when the panel's differ.
    label: str
    # The value in base units (yuan, persons): what the bar's length is scaled by.
    value: float
    # The figure as the report writes it, qualifier kept: '2600余万元' / 'over 26 million yuan'.
    value_text: str
    # A stated rate of which this fact is the numerator, to write with the value: ' · 调解率 71.6%' or ''.
    rate_text: str
    # 'national' / 'provincial' / 'municipal', or '' (colour by level, the same everywhere).
    level_id: str
    # Key of the colour: the level id, or 'default'.
    colour_key: str
    # The fact id of the whole this bar is a part of ('' if none): drawn hatched, never added to it.
    part_of: str
    period: str


@dataclass(frozen=True)
class Point:
    """One period of a change across years; a period the data has no figure for is a point with no value
    (`value` None, `fact_id` ''), drawn as missing, never as zero."""

    fact_id: str
    period: str
    value: float | None
    value_text: str


@dataclass(frozen=True)
class Series:
    """One metric over several periods of equal length: bars by period, one colour per series."""

    label: str
    # Index into the renderer's series palette (0, 1, ...), in reading order.
    colour_key: int
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Panel:
    """One comparison on one scale: bars of one unit (one period length if they add up), or a change."""

    kind: Literal["bars", "change"]
    # '单位：元 · 2019–2023年 · 五年合计' (bars) or '筹集资金·逐年变化 · 2021–2023年 · 单位：元' (change).
    heading: str
    # The unit in the spec's language ('人次', 'person-times'; 'count' where English units differ).
    unit: str
    # The Chinese unit: the key of the scale; panels with equal `unit_zh` share a scale.
    unit_zh: str
    # The measure id (money, persons, person_times, rate, ...): what kind of value it is.
    value_kind: str
    # The period the panel's bars cover, as a heading says it ('2019–2023年 · 五年合计', '截至2023年').
    period: str
    bars: tuple[Bar, ...] = ()
    series: tuple[Series, ...] = ()
    # The longest value of all panels of this unit in the chart: the scale runs to this (times a margin).
    scale_max: float = 0.0


@dataclass(frozen=True)
class NumberCard:
    """A figure with nothing alike to compare it with: shown as a number, not as a one-bar chart."""

    fact_id: str
    label: str
    value: float
    value_text: str  # as written, qualifier kept
    rate_text: str
    unit: str
    value_kind: str
    # '2019–2023年 · 五年合计', '截至2023年', '2003–2023年 · 累计'.
    period: str
    level_id: str


@dataclass(frozen=True)
class ComputedTotal:
    """A sum the report does not state, allowed only where its parts are disjoint; always labelled computed."""

    text: str  # '合计 …（计算值：… + …）'
    value: float
    unit: str
    fact_ids: tuple[str, ...]  # the parts, in order
    how: str  # the caveat or method in words ('' if the text says it all)


@dataclass(frozen=True)
class Comparison:
    """A figure of this chart against the figure of an earlier report for the same metric, unit and scope over
    a period of equal length: the change and the percentage, computed (no report states them), with how.
    `comparable` False: a figure of another scope, period length or count (人次 against 人) that is *not*
    compared, and `text` says why."""

    fact_id: str  # the figure of this chart
    other_id: str  # the earlier report's figure
    other_report: tuple[int, int]  # the period of the report it comes from (what `compare=` names)
    comparable: bool
    text: str  # '筹集“冬送温暖”资金：2019–2023年比2014–2018年增加7000万元（+33.3%）' or why not
    how: str  # '计算值：2.8亿元 − 2.1亿元；百分比 = 差额 ÷ 2014–2018年的数字' ('' when refused)
    change: float | None = None
    percent: float | None = None


@dataclass(frozen=True)
class ChartSpec:
    """What one chart of the registry shows for a Dataset and Filters, in one language."""

    chart_id: str
    section_id: str
    lang: Lang
    title: str
    # The period the bars cover ('2019–2023年'); for a chart of cards only, the cards' span; '' if empty.
    period: str
    # One sentence on what the chart shows (subtitle).
    description: str
    panels: tuple[Panel, ...]
    cards: tuple[NumberCard, ...]
    computed: tuple[ComputedTotal, ...]
    # Notes a reader needs (e.g. that panels of different units have their own scales).
    notes: tuple[str, ...]
    # The citations, joined: 'Source: …' is the renderer's.
    source: str
    # Title, period, every value as written and the source, for screen readers.
    text_alternative: str
    # Why nothing is shown for these filters ('' when something is).
    empty_reason: str
    # Every fact shown (bars, change points, cards, rates written on bars), in report order.
    fact_ids: tuple[str, ...]
    # Its figures against earlier reports' (computed), and those not compared, saying why.
    comparisons: tuple[Comparison, ...] = ()

    @property
    def captions(self) -> tuple[tuple[str, str], ...]:
        """What every medium writes under the chart, as (text, how): the computed totals, then the
        comparisons with other reports (computed too) and the refusals."""
        return tuple((total.text, total.how) for total in self.computed) + tuple(
            (comparison.text, comparison.how) for comparison in self.comparisons
        )

    @property
    def compared_reports(self) -> tuple[tuple[int, int], ...]:
        """The reports this chart's comparisons draw on: what a pinned URL names (`compare=`)."""
        return tuple(sorted({comparison.other_report for comparison in self.comparisons}))

    @property
    def has_comparison(self) -> bool:
        """Whether there is a chart to draw: at least one panel (several bars on one scale, or a change)."""
        return bool(self.panels)

    @property
    def is_empty(self) -> bool:
        return not self.panels and not self.cards


# ---------------------------------------------------------------------------------------------------
# Planning: which facts go into which panel.


Record = Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class PanelFacts:
    """One panel's facts before they become a `Panel`: one unit (and one period length if they add up)."""

    facts: pd.DataFrame
    change: bool  # several periods of the same metric: bars by period, one colour per series
    heading: str
    # The same facts as records (`facts.to_dict("records")`): the builder reads these, not the frame.
    records: tuple[Record, ...] = ()


# ---------------------------------------------------------------------------------------------------
# Look-ups made once per frame or dataset, not once per bar. A reload (`state.DataState`) makes a new
# Dataset with new frames, so a look-up kept for the old one is never used for the new one: the caches
# hold the frame they were made from and compare it by identity (ids of dead frames can be reused), or
# are weak-keyed by the Dataset.


@dataclass(frozen=True)
class _DatasetLookups:
    summable: pd.Series  # measure id -> summable, as `measures.set_index("id")["summable"]`
    summable_by_id: dict[str, bool]
    citations: dict[Lang, dict[str, str]]
    # Every fact as a record, by its row label in `Dataset.facts`.
    records: dict[Any, Record]
    # City-wide figures by (programme, level): where a figure's counterparts in other reports are.
    by_programme: dict[tuple[str, str], list[Record]]
    # Labels of scopes and measures, for saying why two figures are not compared.
    labels: dict[Lang, dict[tuple[str, str], str]]


_LOOKUPS: weakref.WeakKeyDictionary[Dataset, _DatasetLookups] = weakref.WeakKeyDictionary()


def _lookups(dataset: Dataset) -> _DatasetLookups:
    found = _LOOKUPS.get(dataset)
    if found is None:
        summable = dataset.measures.set_index("id")["summable"]
        found = _DatasetLookups(
            summable=summable,
            summable_by_id={str(key): bool(value) for key, value in summable.items()},
            citations={
                lang: {str(k): str(v) for k, v in dataset.sources.set_index("id")[f"citation_{lang}"].items()}
                for lang in ("zh", "en")
            },
            records=dict(zip(dataset.facts.index, _to_records(dataset.facts), strict=True)),
            by_programme={},
            labels={
                lang: {
                    (table, str(row["id"])): str(row[f"label_{lang}"])
                    for table in ("scopes", "measures")
                    for row in getattr(dataset, table).to_dict("records")
                }
                for lang in ("zh", "en")
            },
        )
        for record in found.records.values():
            if record["kind"] == "aggregate":
                found.by_programme.setdefault((record["programme_id"], record["level_id"]), []).append(record)
        _LOOKUPS[dataset] = found
    return found


def _to_records(facts: pd.DataFrame) -> list[Record]:
    """`facts.to_dict("records")`, column by column (pandas boxes each cell of a string column slowly)."""
    columns = [str(column) for column in facts.columns]
    values = [facts[column].tolist() for column in facts.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _records_of(facts: pd.DataFrame, dataset: Dataset) -> list[Record]:
    """The records of `facts`, a subset of `dataset.facts` (a chart's rows), taken from the dataset's."""
    known = _lookups(dataset).records
    if facts.columns.equals(dataset.facts.columns):
        records = [known.get(label) for label in facts.index.tolist()]
        ids = facts["id"].tolist()
        if all(record is not None and record["id"] == fact_id for record, fact_id in zip(records, ids, strict=True)):
            return cast(list[Record], records)
    return _to_records(facts)


def _citations(dataset: Dataset, records: Iterable[Record], lang: Lang) -> list[str]:
    """`model.citations` on records, from the dataset's citations looked up once."""
    by_id = _lookups(dataset).citations[lang]
    source_ids = dict.fromkeys(str(record["source_id"]) for record in records)
    return [by_id.get(source_id, source_id) for source_id in source_ids]


def is_lone_figure(panel: PanelFacts) -> bool:
    """A panel of one bar (not a change across years): a number card, never a one-bar chart."""
    return not panel.change and len(panel.facts) == 1


def draws_comparison(facts: pd.DataFrame, dataset: Dataset, lang: Lang = "zh") -> bool:
    """Whether a chart of `facts` (its rows) has a comparison to draw, as `ChartSpec.has_comparison` says,
    without building the spec: for pages that only count charts."""
    if len(facts) < 2:  # a comparison takes two figures at least (bars, or a change across periods)
        return False
    return any(not is_lone_figure(panel) for panel in plan_panels(facts, dataset, lang))


def attached_rates(facts: pd.DataFrame) -> pd.DataFrame:
    """Rates whose numerator is also among `facts`: written on the numerator's bar, not drawn themselves."""
    is_rate = (facts["measure_id"] == "rate") & facts["numerator_id"].isin(facts["id"])
    return facts[is_rate]


def _rates_by_numerator(records: Sequence[Record]) -> dict[str, list[Record]]:
    """`attached_rates` on records: numerator id -> its rates, in order."""
    ids = {record["id"] for record in records}
    rates: dict[str, list[Record]] = {}
    for record in records:
        if record["measure_id"] == "rate" and record["numerator_id"] in ids:
            rates.setdefault(str(record["numerator_id"]), []).append(record)
    return rates


def is_stock(facts: pd.DataFrame) -> pd.Series:
    """Figures counted at a moment (a headcount, what stands built), per fact."""
    return facts["measure_id"].isin(STOCK_MEASURES)


def _all_stock(records: Iterable[Record]) -> bool:
    return all(record["measure_id"] in STOCK_MEASURES for record in records)


def _has_series(records: Sequence[Record]) -> bool:
    """Whether `series_with_several_periods` would find any: a metric with more than one period."""
    periods: dict[tuple[Any, ...], set[Any]] = {}
    for record in records:
        span = record["period_end"] - record["period_start"] + 1
        key = (*(record[column] for column in SERIES_KEYS[:-1]), span)
        periods.setdefault(key, set()).add(record["period_end"])
    return any(len(ends) > 1 for ends in periods.values())


def plan_panels(facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> list[PanelFacts]:
    """Split a chart's facts into panels: one per unit (and per period length for sums), then the changes.

    Single-bar panels are still returned here; `chart_spec` turns them into number cards.
    """
    return _plan_panels(facts, _records_of(facts, dataset), dataset, lang)


def _plan_panels(facts: pd.DataFrame, records: Sequence[Record], dataset: Dataset, lang: Lang) -> list[PanelFacts]:
    """`plan_panels`, given the facts' records too (`facts.to_dict("records")`), row for row."""
    rate_ids = {rate["id"] for rates in _rates_by_numerator(records).values() for rate in rates}
    drawn_records = [record for record in records if record["id"] not in rate_ids]
    if not drawn_records:
        return []
    drawn = facts[~facts["id"].isin(rate_ids)] if rate_ids else facts
    summable = _lookups(dataset).summable_by_id
    panels: list[PanelFacts] = []
    # The changes across years (several periods of one metric) are rare: pandas plans them, as ever.
    series = series_with_several_periods(drawn) if _has_series(drawn_records) else drawn.iloc[0:0]
    if series.empty:
        totals, total_records = drawn, drawn_records
    else:
        totals = drawn[~drawn["id"].isin(series["id"])]
        total_records = _records_of(totals, dataset)
    # Rates and other figures that cannot be added share a panel whatever their periods; stocks stay
    # apart from flows (-1), so a heading never calls a count built a five-year total.
    keys = [
        (
            record["unit_zh"],
            -1
            if record["measure_id"] in STOCK_MEASURES
            else (record["period_end"] - record["period_start"] + 1 if summable.get(record["measure_id"]) else 0),
        )
        for record in total_records
    ]
    for key in dict.fromkeys(keys):
        positions = [position for position, other in enumerate(keys) if other == key]
        rows = tuple(total_records[position] for position in positions)
        panels.append(PanelFacts(totals.iloc[positions], False, _heading(rows, key[1] > 0, lang), rows))
    if not series.empty:
        for _, group in series.groupby(["unit_zh", "span_years"], sort=False):
            group = group.drop(columns=["span_years"])
            start, end = period_span(group)
            labels = list(dict.fromkeys(group[f"label_{lang}"]))
            what = join_labels(labels, lang) + (" · " if lang == "en" else "·") + TEXT[lang]["change"]
            heading = (
                f"{what} · {period_label(start, end, lang)} · {TEXT[lang]['unit'].format(panel_unit(group, lang))}"
            )
            panels.append(PanelFacts(group, True, heading, tuple(_to_records(group))))
    return panels


def panel_unit(facts: pd.DataFrame | Sequence[Record], lang: Lang) -> str:
    """The panel's unit. In English one 个 may be sites, homes or unions: the heading then says 'count'
    (each bar's value names its own: '21 homes'), so it stays one line on a phone."""
    column = facts[f"unit_{lang}"] if isinstance(facts, pd.DataFrame) else (fact[f"unit_{lang}"] for fact in facts)
    units = list(dict.fromkeys(str(unit) for unit in column))
    return units[0] if len(units) == 1 else TEXT[lang]["count"]


def facts_period(facts: pd.DataFrame | Sequence[Record], summable: bool, lang: Lang) -> str:
    """'2019–2023年 · 五年合计' for a sum, '截至2023年' for a stock, else the bare period ('' if periods differ)."""
    records = _to_records(facts) if isinstance(facts, pd.DataFrame) else facts
    periods = {(record["period_start"], record["period_end"]) for record in records}
    if len(periods) != 1:
        return ""
    start, end = periods.pop()
    if _all_stock(records):
        return as_of_label(int(end), lang)
    return span_label(int(start), int(end), summable, lang)


def _heading(facts: Sequence[Record], summable: bool, lang: Lang) -> str:
    """'单位：元 · 2019–2023年 · 五年合计'; periods listed on the bars when they differ (rates of different years)."""
    unit = TEXT[lang]["unit"].format(panel_unit(facts, lang))
    period = facts_period(facts, summable, lang)
    return f"{unit} · {period}" if period else unit


def rate_suffix(fact: pd.Series | Record, facts: pd.DataFrame, lang: Lang) -> str:
    """' · 调解率 71.6%' for each rate of which `fact` is the numerator; '' if none."""
    return _rate_text(fact, _rates_by_numerator(_to_records(facts)), lang)


def _rate_text(fact: pd.Series | Record, rates: Mapping[str, Sequence[Record]], lang: Lang) -> str:
    text = ""
    for rate in rates.get(str(fact["id"]), ()):
        name = str(rate[f"label_{lang}"])
        name = name if lang == "zh" else name.lower()
        text += " · " + TEXT[lang]["rate_on_bar"].format(label=name, value=display_value(rate, lang))
    return text


def category_label(fact: pd.Series | Record, with_period: bool, lang: Lang) -> str:
    label = str(fact[f"label_{lang}"])
    if with_period:
        period = period_label(int(fact["period_start"]), int(fact["period_end"]), lang)
        label = f"{label}（{period}）" if lang == "zh" else f"{label} ({period})"
    return label


def _several_periods(records: Iterable[Record]) -> bool:
    return len({(record["period_start"], record["period_end"]) for record in records}) > 1


def _span(records: Sequence[Record]) -> tuple[int, int]:
    """`model.period_span` on records (not empty)."""
    return int(min(record["period_start"] for record in records)), int(max(record["period_end"] for record in records))


# ---------------------------------------------------------------------------------------------------
# The builder.


def chart_spec(chart: Chart, dataset: Dataset, filters: Filters) -> ChartSpec:
    """What `chart` shows for the filters (language in `filters.lang`): panels, cards, notes, source."""
    lang = filters.lang
    facts = chart.rows(dataset, filters)
    # Records, not pandas rows: a chart has a few facts, and a pandas operation per bar cost more than the rest.
    records = _records_of(facts, dataset)
    rates = _rates_by_numerator(records)
    rate_ids = {rate["id"] for attached in rates.values() for rate in attached}
    planned = _plan_panels(facts, records, dataset, lang)
    summable = _lookups(dataset).summable_by_id
    panels: list[PanelFacts] = []
    cards: list[NumberCard] = []
    for panel in planned:
        if is_lone_figure(panel):
            fact = panel.records[0]
            cards.append(_card(fact, rates, bool(summable.get(fact["measure_id"])), lang))
        else:
            panels.append(panel)
    drawn = [record for panel in panels for record in panel.records]
    scale: dict[str, float] = {}
    for panel in panels:
        unit = str(panel.records[0]["unit_zh"])
        scale[unit] = max(scale.get(unit, 0.0), float(max(record["value"] for record in panel.records)))
    built = tuple(_panel(panel, rates, scale, _summable(panel.records, summable), lang) for panel in panels)
    notes: list[str] = []
    if len({panel.unit_zh for panel in built}) > 1:
        notes.append(TEXT[lang]["scales"])
    shown = drawn or records
    if not shown:
        period = ""
    else:
        start, end = _span(shown)
        period = period_label(start, end, lang)
    reason = "" if records else empty_reason(chart, dataset, filters)
    return ChartSpec(
        chart_id=chart.id,
        section_id=chart.section_id,
        lang=lang,
        title=chart.title(lang),
        period=period,
        description=chart.description(lang),
        panels=built,
        cards=tuple(cards),
        computed=tuple(computed_totals_of(chart.id, panels, dataset, lang)),
        notes=tuple(notes),
        source=TEXT[lang]["sep"].join(_citations(dataset, records, lang)),
        text_alternative=_describe(chart.title(lang), records, dataset, lang)
        if records
        else f"{chart.title(lang)}: {reason}",
        empty_reason=reason,
        fact_ids=tuple(str(record["id"]) for record in records),
        comparisons=comparisons_of([r for r in records if r["id"] not in rate_ids], dataset, filters),
    )


def _summable(facts: Sequence[Record], summable: Mapping[str, bool]) -> bool:
    return all(bool(summable.get(fact["measure_id"])) for fact in facts) and not any(
        fact["measure_id"] in STOCK_MEASURES for fact in facts
    )


def _card(fact: Record, rates: Mapping[str, Sequence[Record]], summable: bool, lang: Lang) -> NumberCard:
    return NumberCard(
        fact_id=str(fact["id"]),
        label=str(fact[f"label_{lang}"]),
        value=float(fact["value"]),
        value_text=display_value(fact, lang),
        rate_text=_rate_text(fact, rates, lang),
        unit=str(fact[f"unit_{lang}"]),
        value_kind=str(fact["measure_id"]),
        period=facts_period([fact], summable and not _all_stock([fact]), lang),
        level_id=str(fact["level_id"]),
    )


def _panel(
    panel: PanelFacts, rates: Mapping[str, Sequence[Record]], scale: dict[str, float], summable: bool, lang: Lang
) -> Panel:
    records = panel.records
    unit_zh = str(records[0]["unit_zh"])
    heading, unit, kind = panel.heading, panel_unit(records, lang), str(records[0]["measure_id"])
    top = scale.get(unit_zh, float(max(record["value"] for record in records)))
    if panel.change:
        rows = panel.facts
        slots = _periods_in_order(rows)
        series = []
        for number, (label, group) in enumerate(rows.groupby(f"label_{lang}", sort=False)):
            by_period = {(int(f["period_start"]), int(f["period_end"])): f for f in _to_records(group)}
            points = tuple(
                Point(
                    str(fact["id"]),
                    period_label(start, end, lang),
                    float(fact["value"]),
                    display_value(fact, lang),
                )
                if (fact := by_period.get((start, end))) is not None
                else Point("", period_label(start, end, lang), None, TEXT[lang]["missing"])
                for start, end in slots
            )
            series.append(Series(str(label), number, points))
        start, end = period_span(rows)
        return Panel(
            "change", heading, unit, unit_zh, kind, period_label(start, end, lang), series=tuple(series), scale_max=top
        )
    with_period = _several_periods(records)
    bars = tuple(
        Bar(
            fact_id=str(fact["id"]),
            label=category_label(fact, with_period, lang),
            value=float(fact["value"]),
            value_text=display_value(fact, lang),
            rate_text=_rate_text(fact, rates, lang),
            level_id=str(fact["level_id"]),
            colour_key=str(fact["level_id"]) or "default",
            part_of=str(fact["part_of"]),
            period=period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
        )
        for fact in records
    )
    return Panel("bars", heading, unit, unit_zh, kind, facts_period(records, summable, lang), bars=bars, scale_max=top)


# ---------------------------------------------------------------------------------------------------
# Comparisons between reports (editions).

# Counts of one thing in persons and in person-times: the same programme's figures in these two are the
# same thing counted two ways, never compared (人次 against 人).
_COUNTED_TWO_WAYS = frozenset({"persons", "person_times"})


def _report_of(record: Record) -> tuple[int, int]:
    return int(record["edition_start"]), int(record["edition_end"])


def _years(record: Record) -> int:
    return int(record["period_end"]) - int(record["period_start"]) + 1


def comparisons_of(records: Sequence[Record], dataset: Dataset, filters: Filters) -> tuple[Comparison, ...]:
    """Each figure of `records` against its counterpart in an earlier report: the figure of the same
    programme, metric (so unit), scope, level and kind whose period is as long and ends before this one's
    begins (the latest such). Where there is none but there is one of another scope, period length or
    count (人次 against 人), that one is named as not compared, with why. `filters.compare` limits the
    reports compared with (None: any; (): none)."""
    if filters.compare == ():
        return ()
    allowed = None if filters.compare is None else set(filters.compare)
    lookups = _lookups(dataset)
    found: list[Comparison] = []
    for record in records:
        if record["kind"] != "aggregate":
            continue
        earlier = [
            other
            for other in lookups.by_programme.get((record["programme_id"], record["level_id"]), ())
            if _report_of(other) != _report_of(record)
            and int(other["period_end"]) < int(record["period_start"])
            and (allowed is None or _report_of(other) in allowed)
        ]
        if not earlier:
            continue
        same = [
            other
            for other in earlier
            if other["metric_id"] == record["metric_id"]
            and other["scope_id"] == record["scope_id"]
            and _years(other) == _years(record)
        ]
        if same:
            last = max(int(other["period_end"]) for other in same)
            same = [other for other in same if int(other["period_end"]) == last]
            # A whole and its part may share metric and scope (人才总量, 高技能人才): told apart by their
            # labels, then by being a part or not.
            if len(same) > 1:
                same = [other for other in same if other["label_zh"] == record["label_zh"]] or same
            if len(same) > 1:
                same = [other for other in same if bool(other["part_of"]) == bool(record["part_of"])] or same
            if len(same) == 1:
                found.append(_compared(record, same[0], filters.lang))
            continue  # several figures of that period and no way to tell which: nothing said
        refused = _refusal(record, earlier, lookups.labels[filters.lang], filters.lang)
        if refused is not None:
            found.append(refused)
    return tuple(found)


def chart_comparisons(chart: Chart, dataset: Dataset, filters: Filters) -> tuple[Comparison, ...]:
    """`ChartSpec.comparisons` of the chart for the filters, without building the spec (cheap: a page keys
    the charts it keeps by them, so a URL naming the comparisons a page makes by itself draws nothing new)."""
    records = _records_of(chart.rows(dataset, filters), dataset)
    rate_ids = {rate["id"] for rates in _rates_by_numerator(records).values() for rate in rates}
    return comparisons_of([record for record in records if record["id"] not in rate_ids], dataset, filters)


def _compared(record: Record, other: Record, lang: Lang) -> Comparison:
    text = TEXT[lang]
    change = float(record["value"]) - float(other["value"])
    rate = record["measure_id"] == "rate"
    inexact = sorted({str(q) for q in (record["qualifier"], other["qualifier"]) if q})
    about = text["about"] if inexact else ""
    period = period_label(int(record["period_start"]), int(record["period_end"]), lang)
    other_period = period_label(int(other["period_start"]), int(other["period_end"]), lang)
    percent = None if rate or not float(other["value"]) else 100 * change / float(other["value"])
    if rate:
        points = f"{abs(change):g}"
        said = text["same"] if not change else text["points_up" if change > 0 else "points_down"].format(points)
    else:
        amount = _amount(abs(change), record, lang)
        said = text["same"] if not change else text["up" if change > 0 else "down"].format(about + amount)
        if percent is not None and change:
            said += text["percent"].format(f"{about}{percent:+.1f}%")
    later, earlier = display_value(record, lang), display_value(other, lang)
    how = (text["how_points"] if rate or percent is None else text["how"]).format(
        later=later, earlier=earlier, other=other_period
    )
    if inexact:
        words = inexact if lang == "zh" else [QUALIFIERS_EN.get(q, "{}").replace("{}", "").strip() for q in inexact]
        how += text["how_about"].format(qualifiers="、".join(words) if lang == "zh" else ", ".join(words))
    return Comparison(
        fact_id=str(record["id"]),
        other_id=str(other["id"]),
        other_report=_report_of(other),
        comparable=True,
        text=text["compared"].format(label=record[f"label_{lang}"], period=period, other=other_period, change=said),
        how=how,
        change=change,
        percent=percent,
    )


def _amount(value: float, record: Record, lang: Lang) -> str:
    """A change as a reader reads a figure: '7000万元', '2万人' / '70 million yuan', '20,000 people'."""
    if lang == "zh":
        return f"{compact_number(value, lang)}{record['unit_zh']}"
    return f"{exact_number_en(value)} {english_unit(value, str(record['unit_en']))}".strip()


def _refusal(
    record: Record, earlier: Sequence[Record], labels: Mapping[tuple[str, str], str], lang: Lang
) -> Comparison | None:
    """The latest earlier figure that looks comparable but is not (another scope, length, or 人次 against
    人), named with why; None when no earlier figure is about the same thing."""
    text = TEXT[lang]

    def label(table: str, item: object) -> str:
        name = labels.get((table, str(item)), str(item))
        return name if lang == "zh" else name[:1].lower() + name[1:]

    def why(other: Record) -> str | None:
        if other["metric_id"] == record["metric_id"]:
            if other["scope_id"] != record["scope_id"]:
                return text["why_scope"].format(
                    this=label("scopes", record["scope_id"]), that=label("scopes", other["scope_id"])
                )
            if _years(other) != _years(record):
                return text["why_length"].format(
                    this=_years_text(_years(record), lang), that=_years_text(_years(other), lang)
                )
            return None
        if {record["measure_id"], other["measure_id"]} == _COUNTED_TWO_WAYS and other["scope_id"] == record["scope_id"]:
            return text["why_unit"].format(
                this=label("measures", record["measure_id"]), that=label("measures", other["measure_id"])
            )
        return None

    named = [(other, reason) for other in earlier if (reason := why(other))]
    if not named:
        return None
    other, reason = max(named, key=lambda pair: (int(pair[0]["period_end"]), _years(pair[0])))
    own = other[f"label_{lang}"] == record[f"label_{lang}"]
    return Comparison(
        fact_id=str(record["id"]),
        other_id=str(other["id"]),
        other_report=_report_of(other),
        comparable=False,
        text=text["refused"].format(
            label=record[f"label_{lang}"],
            other=period_label(int(other["period_start"]), int(other["period_end"]), lang),
            value=display_value(other, lang),
            # The other figure's own label where it is not this one's ('其中市总工会本级').
            other_label="" if own else text["other_label"].format(other[f"label_{lang}"]),
            why=reason,
        ),
        how="",
    )


def _years_text(years: int, lang: Lang) -> str:
    return TEXT[lang]["years_one"] if years == 1 else TEXT[lang]["years_n"].format(years)


def _periods_in_order(facts: pd.DataFrame) -> list[tuple[int, int]]:
    """The periods of a change across years, oldest first, with those between that have no figure (periods of
    one length, one after the other: 2023, 2024, 2025; 2014–2018, 2019–2023): a missing year is a gap in the
    series, never left out (which would join its neighbours) nor drawn as zero."""
    spans = sorted(
        {(int(start), int(end)) for start, end in zip(facts["period_start"], facts["period_end"], strict=True)}
    )
    length = spans[0][1] - spans[0][0] + 1
    if any(end - start + 1 != length or (start - spans[0][0]) % length for start, end in spans):
        return spans  # not one regular series of periods: only those there are
    first, last = spans[0][0], spans[-1][0]
    return [(start, start + length - 1) for start in range(first, last + 1, length)]


def computed_totals_of(
    chart_id: str, panels: Sequence[PanelFacts], dataset: Dataset, lang: Lang
) -> list[ComputedTotal]:
    """The computed sum of each panel of one metric whose parts are disjoint, for charts in `DISJOINT_TOTALS`.

    Only whole figures (not their parts), and only where `computed_total` accepts the sum (one measure,
    unit and period; no rates).
    """
    if chart_id not in DISJOINT_TOTALS:
        return []
    totals = []
    for panel in panels:
        wholes = panel.facts[panel.facts["part_of"] == ""]
        if panel.change or len(wholes) < 2:
            continue
        try:
            total = computed_total(wholes, dataset.measures)
        except UniondashError:
            continue
        totals.append(
            ComputedTotal(
                text=TEXT[lang]["total"].format(display_computed(total, lang)),
                value=float(total.value),
                unit=str(wholes[f"unit_{lang}"].iloc[0]),
                fact_ids=tuple(str(fact_id) for fact_id in wholes["id"]),
                how="",
            )
        )
    return totals


def empty_reason(chart: Chart, dataset: Dataset, filters: Filters) -> str:
    """Why the chart has nothing for these filters: the years miss its periods, or the programmes exclude it."""
    lang = filters.lang
    text = TEXT[lang]
    if chart.rows(dataset, Filters(lang=lang)).empty:
        return text["no_data"]
    any_year = chart.rows(dataset, replace(filters, years=None))
    if any_year.empty:
        return text["excluded"]
    periods = any_year[["period_start", "period_end"]].drop_duplicates().sort_values(["period_start", "period_end"])
    named = join_labels((period_label(int(s), int(e), lang) for s, e in periods.itertuples(index=False)), lang)
    return text["outside_years"].format(periods=named, years=years_label(filters.years, lang))


def describe_facts(title: str, facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> str:
    """A text alternative: title, period, every value as written, and the source."""
    period_span(facts)  # raises on no figures, as ever
    return _describe(title, _records_of(facts, dataset), dataset, lang)


def _describe(title: str, records: Sequence[Record], dataset: Dataset, lang: Lang) -> str:
    start, end = _span(records)
    text = TEXT[lang]
    with_period = _several_periods(records)
    items = text["sep"].join(
        f"{category_label(fact, with_period, lang)}{text['colon']}{display_value(fact, lang)}" for fact in records
    )
    return text["summary"].format(
        title=title,
        period=period_label(start, end, lang),
        items=items,
        source=text["sep"].join(_citations(dataset, records, lang)),
    )


# ---------------------------------------------------------------------------------------------------
# For pages: which charts have a comparison to draw, and which figures are number cards.


def chart_specs(dataset: Dataset, filters: Filters, charts: Iterable[Chart] | None = None) -> list[ChartSpec]:
    """The spec of every chart (registry order) with something to show for the filters."""
    if charts is None:
        charts = CHARTS.values()
    specs = []
    for chart in charts:
        if filters.sections and chart.section_id not in filters.sections:
            continue
        spec = chart_spec(chart, dataset, filters)
        if not spec.is_empty:
            specs.append(spec)
    return specs


def comparisons_and_cards(
    dataset: Dataset, filters: Filters, charts: Iterable[Chart] | None = None
) -> tuple[list[ChartSpec], list[tuple[str, NumberCard]]]:
    """Charts with a comparison to draw, and the lone figures to show as number cards (with their chart id).

    A page draws the first as charts and shows the second as numbers; a chart whose figures are all lone
    (e.g. competitions: 10000余场 and 110万人次) appears only as cards.
    """
    specs = chart_specs(dataset, filters, charts)
    return (
        [spec for spec in specs if spec.has_comparison],
        [(spec.chart_id, card) for spec in specs for card in spec.cards],
    )


def describe(chart: Chart, dataset: Dataset, filters: Filters) -> str:
    """A text alternative for screen readers: title, period, every value as written, and the source."""
    facts = chart.rows(dataset, filters)
    if facts.empty:
        return f"{chart.title(filters.lang)}: {empty_reason(chart, dataset, filters)}"
    return describe_facts(chart.title(filters.lang), facts, dataset, filters.lang)
