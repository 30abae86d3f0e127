"""What a chart says, as plain data: `chart_spec(chart, dataset, filters) -> ChartSpec`. No drawing here.

One design for charts, several media. This module decides *what* a chart of the registry
(`figures.CHARTS`) shows for a Dataset and Filters: its panels of bars, the lone figures shown as number
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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import pandas as pd

from uniondash.errors import UniondashError
from uniondash.format import (
    as_of_label,
    display_computed,
    display_value,
    join_labels,
    period_label,
    span_label,
    years_label,
)
from uniondash.model import (
    Dataset,
    Filters,
    Lang,
    citations,
    computed_total,
    filter_facts,
    period_span,
    series_with_several_periods,
)

if TYPE_CHECKING:
    from uniondash.figures import Chart

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
        "own_scale": "own scale",
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
    """One period of a change across years."""

    fact_id: str
    period: str
    value: float
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

    @property
    def has_comparison(self) -> bool:
        """Whether there is a chart to draw: at least one panel (several bars on one scale, or a change)."""
        return bool(self.panels)

    @property
    def is_empty(self) -> bool:
        return not self.panels and not self.cards


# ---------------------------------------------------------------------------------------------------
# Planning: which facts go into which panel.


@dataclass(frozen=True, eq=False)
class PanelFacts:
    """One panel's facts before they become a `Panel`: one unit (and one period length if they add up)."""

    facts: pd.DataFrame
    change: bool  # several periods of the same metric: bars by period, one colour per series
    heading: str


def is_lone_figure(panel: PanelFacts) -> bool:
    """A panel of one bar (not a change across years): a number card, never a one-bar chart."""
    return not panel.change and len(panel.facts) == 1


def draws_comparison(facts: pd.DataFrame, dataset: Dataset, lang: Lang = "zh") -> bool:
    """Whether a chart of `facts` (its rows) has a comparison to draw, as `ChartSpec.has_comparison` says,
    without building the spec: for pages that only count charts."""
    if len(facts) < 2:  # a comparison takes two figures at least (bars, or a change across periods)
        return False
    return any(not is_lone_figure(panel) for panel in plan_panels(facts, dataset, lang))


def chart_facts(facts: pd.DataFrame, filters: Filters, select: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """The city-wide totals the filters keep and `select` picks, in the report's order."""
    kept = filter_facts(facts, filters)
    return kept[select(kept) & (kept["kind"] == "aggregate")]


def attached_rates(facts: pd.DataFrame) -> pd.DataFrame:
    """Rates whose numerator is also among `facts`: written on the numerator's bar, not drawn themselves."""
    is_rate = (facts["measure_id"] == "rate") & facts["numerator_id"].isin(facts["id"])
    return facts[is_rate]


def is_stock(facts: pd.DataFrame) -> pd.Series:
    """Figures counted at a moment (a headcount, what stands built), per fact."""
    return facts["measure_id"].isin(STOCK_MEASURES)


def plan_panels(facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> list[PanelFacts]:
    """Split a chart's facts into panels: one per unit (and per period length for sums), then the changes.

    Single-bar panels are still returned here; `chart_spec` turns them into number cards.
    """
    drawn = facts[~facts["id"].isin(attached_rates(facts)["id"])]
    if drawn.empty:
        return []
    summable = dataset.measures.set_index("id")["summable"]
    series = series_with_several_periods(drawn)
    totals = drawn[~drawn["id"].isin(series["id"])]
    panels: list[PanelFacts] = []
    spans = totals["period_end"] - totals["period_start"] + 1
    is_summable = totals["measure_id"].map(summable).astype(bool)
    # Rates and other figures that cannot be added share a panel whatever their periods; stocks stay
    # apart from flows (-1), so a heading never calls a count built a five-year total.
    keys = list(zip(totals["unit_zh"], spans.where(is_summable, 0).where(~is_stock(totals), -1), strict=True))
    for key in dict.fromkeys(keys):
        group = totals[[k == key for k in keys]]
        panels.append(PanelFacts(group, False, _heading(group, bool(key[1] > 0), lang)))
    if not series.empty:
        for _, group in series.groupby(["unit_zh", "span_years"], sort=False):
            group = group.drop(columns=["span_years"])
            start, end = period_span(group)
            labels = list(dict.fromkeys(group[f"label_{lang}"]))
            what = join_labels(labels, lang) + (" · " if lang == "en" else "·") + TEXT[lang]["change"]
            heading = (
                f"{what} · {period_label(start, end, lang)} · {TEXT[lang]['unit'].format(panel_unit(group, lang))}"
            )
            panels.append(PanelFacts(group, True, heading))
    return panels


def panel_unit(facts: pd.DataFrame, lang: Lang) -> str:
    """The panel's unit. In English one 个 may be sites, homes or unions: the heading then says 'count'
    (each bar's value names its own: '21 homes'), so it stays one line on a phone."""
    units = list(dict.fromkeys(str(unit) for unit in facts[f"unit_{lang}"]))
    return units[0] if len(units) == 1 else TEXT[lang]["count"]


def facts_period(facts: pd.DataFrame, summable: bool, lang: Lang) -> str:
    """'2019–2023年 · 五年合计' for a sum, '截至2023年' for a stock, else the bare period ('' if periods differ)."""
    periods = set(zip(facts["period_start"], facts["period_end"], strict=True))
    if len(periods) != 1:
        return ""
    start, end = periods.pop()
    if bool(is_stock(facts).all()):
        return as_of_label(int(end), lang)
    return span_label(int(start), int(end), summable, lang)


def _heading(facts: pd.DataFrame, summable: bool, lang: Lang) -> str:
    """'单位：元 · 2019–2023年 · 五年合计'; periods listed on the bars when they differ (rates of different years)."""
    unit = TEXT[lang]["unit"].format(panel_unit(facts, lang))
    period = facts_period(facts, summable, lang)
    return f"{unit} · {period}" if period else unit


def rate_suffix(fact: pd.Series, facts: pd.DataFrame, lang: Lang) -> str:
    """' · 调解率 71.6%' for each rate of which `fact` is the numerator; '' if none."""
    text = ""
    rates = attached_rates(facts)
    for _, rate in rates[rates["numerator_id"] == fact["id"]].iterrows():
        name = str(rate[f"label_{lang}"])
        name = name if lang == "zh" else name.lower()
        text += " · " + TEXT[lang]["rate_on_bar"].format(label=name, value=display_value(rate, lang))
    return text


def category_label(fact: pd.Series, with_period: bool, lang: Lang) -> str:
    label = str(fact[f"label_{lang}"])
    if with_period:
        period = period_label(int(fact["period_start"]), int(fact["period_end"]), lang)
        label = f"{label}（{period}）" if lang == "zh" else f"{label} ({period})"
    return label


# ---------------------------------------------------------------------------------------------------
# The builder.


def chart_spec(chart: Chart, dataset: Dataset, filters: Filters) -> ChartSpec:
    """What `chart` shows for the filters (language in `filters.lang`): panels, cards, notes, source."""
    lang = filters.lang
    facts = chart.rows(dataset, filters)
    planned = plan_panels(facts, dataset, lang)
    summable = dataset.measures.set_index("id")["summable"]
    panels: list[PanelFacts] = []
    cards: list[NumberCard] = []
    for panel in planned:
        if is_lone_figure(panel):
            cards.append(_card(panel.facts.iloc[0], facts, bool(summable.get(panel.facts["measure_id"].iloc[0])), lang))
        else:
            panels.append(panel)
    drawn = pd.concat([panel.facts for panel in panels]) if panels else facts.iloc[0:0]
    scale: dict[str, float] = {}
    for panel in panels:
        unit = str(panel.facts["unit_zh"].iloc[0])
        scale[unit] = max(scale.get(unit, 0.0), float(panel.facts["value"].max()))
    built = tuple(_panel(panel, facts, scale, bool(_summable(panel.facts, summable)), lang) for panel in panels)
    notes: list[str] = []
    if len({panel.unit_zh for panel in built}) > 1:
        notes.append(TEXT[lang]["scales"])
    shown = drawn if not drawn.empty else facts
    if shown.empty:
        period = ""
    else:
        start, end = period_span(shown)
        period = period_label(start, end, lang)
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
        source=TEXT[lang]["sep"].join(citations(dataset, facts, lang)),
        text_alternative=describe_facts(chart.title(lang), facts, dataset, lang)
        if not facts.empty
        else f"{chart.title(lang)}: {empty_reason(chart, dataset, filters)}",
        empty_reason="" if not facts.empty else empty_reason(chart, dataset, filters),
        fact_ids=tuple(str(fact_id) for fact_id in facts["id"]),
    )


def _summable(facts: pd.DataFrame, summable: pd.Series) -> bool:
    return bool(facts["measure_id"].map(summable).astype(bool).all()) and not bool(is_stock(facts).any())


def _card(fact: pd.Series, facts: pd.DataFrame, summable: bool, lang: Lang) -> NumberCard:
    one = fact.to_frame().T
    return NumberCard(
        fact_id=str(fact["id"]),
        label=str(fact[f"label_{lang}"]),
        value=float(fact["value"]),
        value_text=display_value(fact, lang),
        rate_text=rate_suffix(fact, facts, lang),
        unit=str(fact[f"unit_{lang}"]),
        value_kind=str(fact["measure_id"]),
        period=facts_period(one, summable and not bool(is_stock(one).all()), lang),
        level_id=str(fact["level_id"]),
    )


def _panel(panel: PanelFacts, facts: pd.DataFrame, scale: dict[str, float], summable: bool, lang: Lang) -> Panel:
    rows = panel.facts
    unit_zh = str(rows["unit_zh"].iloc[0])
    heading, unit, kind = panel.heading, panel_unit(rows, lang), str(rows["measure_id"].iloc[0])
    top = scale.get(unit_zh, float(rows["value"].max()))
    if panel.change:
        series = []
        for number, (label, group) in enumerate(rows.groupby(f"label_{lang}", sort=False)):
            group = group.sort_values("period_end")
            points = tuple(
                Point(
                    str(fact["id"]),
                    period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
                    float(fact["value"]),
                    display_value(fact, lang),
                )
                for _, fact in group.iterrows()
            )
            series.append(Series(str(label), number, points))
        start, end = period_span(rows)
        return Panel(
            "change", heading, unit, unit_zh, kind, period_label(start, end, lang), series=tuple(series), scale_max=top
        )
    with_period = len(rows[["period_start", "period_end"]].drop_duplicates()) > 1
    bars = tuple(
        Bar(
            fact_id=str(fact["id"]),
            label=category_label(fact, with_period, lang),
            value=float(fact["value"]),
            value_text=display_value(fact, lang),
            rate_text=rate_suffix(fact, facts, lang),
            level_id=str(fact["level_id"]),
            colour_key=str(fact["level_id"]) or "default",
            part_of=str(fact["part_of"]),
            period=period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
        )
        for _, fact in rows.iterrows()
    )
    return Panel("bars", heading, unit, unit_zh, kind, facts_period(rows, summable, lang), bars=bars, scale_max=top)


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
    start, end = period_span(facts)
    text = TEXT[lang]
    with_period = len(facts[["period_start", "period_end"]].drop_duplicates()) > 1
    items = text["sep"].join(
        f"{category_label(fact, with_period, lang)}{text['colon']}{display_value(fact, lang)}"
        for _, fact in facts.iterrows()
    )
    return text["summary"].format(
        title=title,
        period=period_label(start, end, lang),
        items=items,
        source=text["sep"].join(citations(dataset, facts, lang)),
    )


# ---------------------------------------------------------------------------------------------------
# For pages: which charts have a comparison to draw, and which figures are number cards.


def chart_specs(dataset: Dataset, filters: Filters, charts: Iterable[Chart] | None = None) -> list[ChartSpec]:
    """The spec of every chart (registry order) with something to show for the filters."""
    if charts is None:
        from uniondash.figures import CHARTS  # the registry lives with the renderer; imported on use

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
