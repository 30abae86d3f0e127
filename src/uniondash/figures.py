"""One function per chart: Dataset + Filters in, plotly Figure out. No Dash here.

Every chart is listed in `CHARTS` under a stable id (used in URLs: /embed/<id>, /export/chart/<id>.png).
`Chart.build` draws it for the filters (language in `filters.lang`); `Chart.rows` returns the facts
behind it, the same rows a data table or CSV download shows.

A figure stands alone (it is exported as PNG and embedded): its title says what and when, each panel
names its unit and period, bar labels are the figures as the report writes them (qualifiers kept), and
the source is an annotation inside it. Rules that hold by construction:

- one panel per unit (and per period length for totals), so persons, person-times and money never
  share an axis, and a five-year total never stands beside a one-year figure;
- several periods of one metric (same programme, scope, level, period length) are drawn as a change
  across years (`series_with_several_periods`);
- only city-wide totals (kind `aggregate`) are charted; stories about one person or event are not;
- a rate whose numerator is on the chart is written with it ("335起 · 调解率 71.6%" on the bar, or on the
  label line above it where a phone leaves no room), not drawn as a bar of its own on a different scale.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from uniondash.errors import UniondashError
from uniondash.format import (
    axis_ticks,
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

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
# English text in a Latin face first: a CJK face sets “quotes” full-width; Chinese falls through to CJK.
# Latin faces of Windows, Android, macOS, then Linux's usual ones (DejaVu is installed by `make test`).
FONT_FAMILY_EN = (
    f'"Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", "DejaVu Sans", {FONT_FAMILY}'
)

# Okabe–Ito: distinguishable with every common colour-vision deficiency. Orange and sky are darkened so
# that every bar has 3:1 against the white page (WCAG 1.4.11; #E69F00 had 2.25:1); the hues stay, and so
# does their distance under simulated deuteranopia, protanopia and tritanopia (docs/accessibility.md).
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#D17A00",
    "green": "#009E73",
    "sky": "#3A8CC4",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
BAR_COLOUR = OKABE_ITO["blue"]
LEVEL_COLOURS = {"national": OKABE_ITO["blue"], "provincial": OKABE_ITO["orange"], "municipal": OKABE_ITO["green"]}
# The first four stay apart under every colour-vision deficiency; darkened orange and vermillion do not.
SERIES_COLOURS = ("blue", "orange", "green", "black", "purple", "vermillion", "sky")
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#555555"
WHITE = "#ffffff"


def contrast_ratio(one: str, other: str) -> float:
    """WCAG contrast ratio of two '#rrggbb' colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(colour: str) -> str:
    """The text colour for a label inside a bar of `colour`: white where it has 4.5:1, else the ink."""
    return WHITE if contrast_ratio(WHITE, colour) >= 4.5 else TEXT_COLOUR


# Sizes in px, chosen for a 1920×1080 projector and still legible on a 390px phone.
FONT_SIZE = 16
TITLE_SIZE = 22
# A bar's row: its label on lines of its own above the bar, so bars keep the full width on a phone.
# Rows of a category axis are all as tall as the panel's longest label needs.
LINE_HEIGHT = 21  # per line of a label
# Bar thickness: a value inside the bar at full size needs a CJK line box (1.45em) plus plotly's padding
# (3px a side); a thinner bar shrinks every in-bar value. Plotly still shrinks one too long for its bar.
BAR_PX = 30
ROW_GAP = 20  # between a bar and the next row's label
PANEL_GAP = 64  # room for a panel's heading
CHANGE_PANEL = 300
TOP = 140  # title, subtitle and the first panel's heading
BOTTOM = 36  # source line
CAPTION_LINE = 26  # each extra line under the plot (computed total, legend)
TICKS = 40  # tick labels under the plot
WRAP = {"zh": 18, "en": 36}  # characters per line of a category label (fits a 390px phone)
LABEL_ROOM = 1.32  # the value axis runs this far past the longest bar, so its label fits
# Plot width in em of the narrowest screen (a 390px phone: ~330px of plot at 16px): value labels must
# fit there; wider screens only have more room.
PLOT_EMS = 20

# Charts hold still, in every medium: a drag or a thumb swipe never zooms or pans (the page scrolls),
# hover and tap still show values. No modebar: its texts are English-only and the share panel has the downloads.
PLOTLY_CONFIG: dict[str, Any] = {
    "displayModeBar": False,
    "displaylogo": False,
    "scrollZoom": False,
    "doubleClick": False,
    "showAxisDragHandles": False,
    "showTips": False,
    "responsive": True,
}

# Names of the annotations that carry captions; pages that show these as HTML drop them (`without_captions`).
CAPTION_NAMES = ("source", "computed")

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
    },
}


@dataclass(frozen=True)
class Chart:
    id: str
    section_id: str
    title_zh: str
    title_en: str
    rows: Callable[[Dataset, Filters], pd.DataFrame]
    build: Callable[[Dataset, Filters], go.Figure]
    # One sentence on what the chart shows (subtitle, text alternative).
    description_zh: str = ""
    description_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def description(self, lang: str) -> str:
        return self.description_zh if lang == "zh" else self.description_en


# ---------------------------------------------------------------------------------------------------
# Pure planning: which facts go into which panel, and how each bar is labelled.


@dataclass(frozen=True, eq=False)
class Panel:
    """One subplot: facts of one unit (and one period length if they add up), drawn on one axis."""

    facts: pd.DataFrame
    change: bool  # several periods of the same metric: bars by period, one colour per series
    heading: str


def chart_facts(facts: pd.DataFrame, filters: Filters, select: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """The city-wide totals the filters keep and `select` picks, in the report's order."""
    kept = filter_facts(facts, filters)
    return kept[select(kept) & (kept["kind"] == "aggregate")]


def attached_rates(facts: pd.DataFrame) -> pd.DataFrame:
    """Rates whose numerator is also among `facts`: written on the numerator's bar, not drawn themselves."""
    is_rate = (facts["measure_id"] == "rate") & facts["numerator_id"].isin(facts["id"])
    return facts[is_rate]


def plan_panels(facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> list[Panel]:
    """Split a chart's facts into panels: one per unit (and per period length for sums), then the changes."""
    drawn = facts[~facts["id"].isin(attached_rates(facts)["id"])]
    if drawn.empty:
        return []
    summable = dataset.measures.set_index("id")["summable"]
    series = series_with_several_periods(drawn)
    totals = drawn[~drawn["id"].isin(series["id"])]
    panels: list[Panel] = []
    spans = totals["period_end"] - totals["period_start"] + 1
    is_summable = totals["measure_id"].map(summable).astype(bool)
    # Rates and other figures that cannot be added share a panel whatever their periods.
    keys = list(zip(totals["unit_zh"], spans.where(is_summable, 0), strict=True))
    for key in dict.fromkeys(keys):
        group = totals[[k == key for k in keys]]
        panels.append(Panel(group, False, _heading(group, bool(key[1]), lang)))
    if not series.empty:
        for _, group in series.groupby(["unit_zh", "span_years"], sort=False):
            group = group.drop(columns=["span_years"])
            start, end = period_span(group)
            labels = list(dict.fromkeys(group[f"label_{lang}"]))
            what = plain(join_labels(labels, lang)) + (" · " if lang == "en" else "·") + TEXT[lang]["change"]
            heading = f"{what} · {period_label(start, end, lang)} · {TEXT[lang]['unit'].format(_unit(group, lang))}"
            panels.append(Panel(group, True, heading))
    return panels


def _unit(facts: pd.DataFrame, lang: Lang) -> str:
    """The panel's unit. In English one 个 may be sites, homes or unions: the heading then says 'count'
    (each bar's value names its own: '21 homes'), so it stays one line on a phone."""
    units = list(dict.fromkeys(str(unit) for unit in facts[f"unit_{lang}"]))
    return plain(units[0] if len(units) == 1 else TEXT[lang]["count"])


def _heading(facts: pd.DataFrame, summable: bool, lang: Lang) -> str:
    """'单位：元 · 2019–2023年 · 五年合计'; periods listed when they differ (rates of different years)."""
    unit = TEXT[lang]["unit"].format(_unit(facts, lang))
    periods = set(zip(facts["period_start"], facts["period_end"], strict=True))
    if len(periods) == 1:
        start, end = periods.pop()
        return f"{unit} · {span_label(int(start), int(end), summable, lang)}"
    return unit


def rate_suffix(fact: pd.Series, facts: pd.DataFrame, lang: Lang) -> str:
    """' · 调解率 71.6%' for each rate of which `fact` is the numerator; '' if none."""
    text = ""
    rates = attached_rates(facts)
    for _, rate in rates[rates["numerator_id"] == fact["id"]].iterrows():
        name = str(rate[f"label_{lang}"])
        name = name if lang == "zh" else name.lower()
        text += " · " + TEXT[lang]["rate_on_bar"].format(label=name, value=display_value(rate, lang))
    return text


def bar_texts(rows: pd.DataFrame, facts: pd.DataFrame, lang: Lang, top: float) -> tuple[list[str], list[str]]:
    """Each bar's category label and value label, on an axis running to `top`.

    A rate rides on its numerator's bar ('335起 · 调解率 71.6%') where that fits beside or in the bar on a
    phone; otherwise it joins the label line above the bar, which can wrap.
    """
    with_period = len(rows[["period_start", "period_end"]].drop_duplicates()) > 1
    names, values = [], []
    for _, fact in rows.iterrows():
        name, value, rate = (
            category_label(fact, with_period, lang),
            display_value(fact, lang),
            rate_suffix(fact, facts, lang),
        )
        if rate and not label_fits(float(fact["value"]) / top, value + rate):
            name, rate = name + rate, ""
        names.append(name)
        values.append(value + rate)
    return names, values


def wrap_label(text: str, lang: Lang, width: int | None = None) -> list[str]:
    """A category label cut into lines that fit above a bar (Chinese by characters, English by words)."""
    width = width or WRAP[lang]
    if lang == "en" or text.isascii():
        return textwrap.wrap(text, width=width * 2 if lang == "zh" else width) or [text]
    if len(text) > width:
        # Lines of even length: "…示范点" rather than "…示范" and a lone "点".
        count = -(-len(text) // width)
        width = -(-len(text) // count)
    lines: list[str] = []
    rest = text
    while len(rest) > width:
        cut = width
        # Keep closing punctuation with the word before it.
        while cut < len(rest) and rest[cut] in "）”」，、。：；·":
            cut += 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    # A line does not start or end with the space of a " · " that fell on the cut.
    return [line.strip() for line in ([*lines, rest] if rest else lines)]


def category_label(fact: pd.Series, with_period: bool, lang: Lang) -> str:
    label = str(fact[f"label_{lang}"])
    if with_period:
        period = period_label(int(fact["period_start"]), int(fact["period_end"]), lang)
        label = f"{label}（{period}）" if lang == "zh" else f"{label} ({period})"
    return label


def plain(text: str) -> str:
    """Data text for plotly, which reads <b>, <a href> and entities in strings: shown as written."""
    return html.escape(text, quote=False)


def wrapped(text: str, lang: Lang, width: int | None = None) -> str:
    """`wrap_label` for plotly: lines cut first (an entity is never split), then escaped, joined by <br>."""
    return "<br>".join(plain(line) for line in wrap_label(text, lang, width))


def font_family(lang: Lang) -> str:
    return FONT_FAMILY if lang == "zh" else FONT_FAMILY_EN


def text_ems(text: str) -> float:
    """Rough width of a label in em: a Chinese character is one em, a Latin letter or digit about half."""
    return sum(1.0 if ord(char) > 0x2E7F else 0.55 for char in text)


def label_fits(share: float, text: str) -> bool:
    """Whether a value label fits in its bar or beside it, on a phone."""
    bar, label = share * PLOT_EMS, text_ems(text) + 0.6
    return label <= bar or label <= PLOT_EMS - bar


def text_position(share: float, text: str) -> str:
    """'inside' a bar long enough to hold its label, else 'outside' it where there is more room.

    Decided here rather than by plotly's 'auto', which shrinks a label to squeeze it into a bar.
    """
    bar, label = share * PLOT_EMS, text_ems(text) + 0.6
    if label <= bar:
        return "inside"
    return "outside" if label <= PLOT_EMS - bar or PLOT_EMS - bar >= bar else "inside"


def value_axis(max_value: float, unit_zh: str, lang: Lang) -> dict[str, Any]:
    """Ticks in 万/亿 (never k/M/G), and room past the longest bar for its label."""
    if unit_zh == "%":
        values: list[float] = [0, 20, 40, 60, 80, 100]
        texts = [f"{value:g}%" for value in values]
        top = 100 * LABEL_ROOM
    else:
        values, texts = axis_ticks(max_value, lang)
        top = max(values[-1], max_value * LABEL_ROOM)
    return {"tickmode": "array", "tickvals": values, "ticktext": texts, "range": [0, top]}


# ---------------------------------------------------------------------------------------------------
# Drawing. Traces and layout are built as plain dicts and validated once by `go.Figure` (plotly's
# per-call `update_*` validation would cost a third of a second per chart).

Spec = dict[str, Any]


def chart_figure(chart: Chart, dataset: Dataset, filters: Filters) -> go.Figure:
    """The chart for the filters: panels of bars, or a figure that says why there is nothing to show."""
    lang = filters.lang
    facts = chart.rows(dataset, filters)
    panels = plan_panels(facts, dataset, lang)
    if not panels:
        return empty_figure(chart, empty_reason(chart, dataset, filters), lang)
    totals = computed_totals(chart, panels, dataset, lang)
    legend = any(panel.change and panel.facts[f"label_{lang}"].nunique() > 1 for panel in panels)
    # Panels of one unit share a scale, so equal bars are equal figures (5.1万 is not drawn as long as 3.4万).
    longest: dict[str, float] = {}
    for panel in panels:
        longest[_unit_zh(panel)] = max(longest.get(_unit_zh(panel), 0.0), float(panel.facts["value"].max()))
    value_axes = {unit: value_axis(largest, unit, lang) for unit, largest in longest.items()}
    # Each bar panel's category and value labels, once: they set the rows' heights and are drawn.
    texts = [
        ([], []) if panel.change else bar_texts(panel.facts, facts, lang, value_axes[_unit_zh(panel)]["range"][1])
        for panel in panels
    ]
    heights = [
        CHANGE_PANEL if panel.change else len(panel.facts) * _row_height(names, lang)
        for panel, (names, _) in zip(panels, texts, strict=True)
    ]
    # A heading that does not fit a phone's width takes more lines, and its panel more room above it.
    headings = [heading_lines(panel.heading, lang) for panel in panels]
    above = [LINE_HEIGHT * (len(lines) - 1) for lines in headings]
    plot_height = sum(heights) + sum(PANEL_GAP + extra for extra in above[1:])
    bottom = BOTTOM + TICKS + 2 * CAPTION_LINE * (len(totals) + legend)
    start, end = period_span(facts)
    height_px = TOP + above[0] + plot_height + bottom
    layout = _layout(chart, period_label(start, end, lang), lang, height_px, bottom, TOP + above[0])
    traces: list[Spec] = []
    annotations: list[Spec] = []
    top = plot_height
    for number, (panel, height) in enumerate(zip(panels, heights, strict=True), start=1):
        x, y = ("x", "y") if number == 1 else (f"x{number}", f"y{number}")
        if number > 1:
            top -= PANEL_GAP + above[number - 1]
        domain = [(top - height) / plot_height, top / plot_height]
        top -= height
        if panel.change:
            panel_traces, x_axis, y_axis, labels = _change_bars(panel, lang)
        else:
            names, values = texts[number - 1]
            value = value_axes[_unit_zh(panel)]
            panel_traces, x_axis, y_axis, labels = _bars(panel, lang, x, y, value, names, values)
        traces += [{**trace, "xaxis": x, "yaxis": y} for trace in panel_traces]
        layout[f"xaxis{number if number > 1 else ''}"] = {**x_axis, "anchor": y}
        layout[f"yaxis{number if number > 1 else ''}"] = {**y_axis, "anchor": x, "domain": domain}
        annotations += labels
        heading = "<br>".join(headings[number - 1])
        annotations.append(_caption(heading, domain[1], 8, "bottom", FONT_SIZE - 1, MUTED_COLOUR, "heading"))
    # Under the plot, below the tick labels: the computed totals, then the legend; the source at the foot.
    for line, text in enumerate(totals):
        shift = -(TICKS + 2 * CAPTION_LINE * line)
        lines = "<br>".join(plain(line) for line in text.split("\n"))
        annotations.append(_caption(lines, 0, shift, "top", FONT_SIZE - 1, TEXT_COLOUR, "computed"))
    source = TEXT[lang]["source"].format(plain(TEXT[lang]["sep"].join(citations(dataset, facts, lang))))
    annotations.append(_caption(source, 0, -(bottom - 10), "bottom", 13, MUTED_COLOUR, "source"))
    layout["annotations"] = annotations
    hold_still(layout)
    if legend:
        layout["legend"]["y"] = -(TICKS + 2 * CAPTION_LINE * len(totals)) / plot_height
    return go.Figure(data=traces, layout=layout)


# A heading's width in em of the body size that fits the plot of a 390px phone (headings are 1px smaller).
HEADING_EMS = PLOT_EMS * FONT_SIZE / (FONT_SIZE - 1)


def heading_lines(heading: str, lang: Lang) -> list[str]:
    """A panel heading (plotly text) cut into lines that fit a phone, at its ' · ' separators where it can.

    SVG text does not wrap: a long heading ('筹集“冬送温暖”资金·逐年变化 · 2024–2025年 · 单位：元') would run
    off a phone's screen. A part longer than a line is wrapped as a bar label is.
    """
    lines: list[str] = []
    current = ""
    for part in heading.split(" · "):
        candidate = f"{current} · {part}" if current else part
        if text_ems(html.unescape(candidate)) <= HEADING_EMS:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = part
        if text_ems(html.unescape(part)) > HEADING_EMS:
            width = int(HEADING_EMS) if lang == "zh" else int(HEADING_EMS / 0.55)
            *full, current = [plain(line) for line in wrap_label(html.unescape(part), lang, width)]
            lines += full
    return [*lines, current]


def top_heading_room(annotations: Sequence[Spec]) -> int:
    """Extra px the figure's topmost panel heading needs above the plot for its second and later lines."""
    headings = [a for a in annotations if a.get("name") == "heading"]
    if not headings:
        return 0
    top = max(headings, key=lambda a: float(a.get("y") or 0))
    return LINE_HEIGHT * str(top.get("text", "")).count("<br>")


def _unit_zh(panel: Panel) -> str:
    """The panel's one unit (a panel holds figures of one unit), the key of its value axis."""
    return str(panel.facts["unit_zh"].iloc[0])


def _row_height(names: Sequence[str], lang: Lang) -> int:
    """Label lines, bar and gap of the panel's tallest row (labels carry their period when periods differ)."""
    return LINE_HEIGHT * max(len(wrap_label(name, lang)) for name in names) + BAR_PX + ROW_GAP


def _caption(text: str, y: float, shift: int, anchor: str, size: int, colour: str, name: str) -> Spec:
    """A left-aligned line of text at paper height `y`, moved `shift` px (headings, totals, source)."""
    return {
        "name": name,
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "xanchor": "left",
        "y": y,
        "yshift": shift,
        "yanchor": anchor,
        "align": "left",
        "showarrow": False,
        "font": {"size": size, "color": colour},
    }


def _bars(
    panel: Panel, lang: Lang, x: str, y: str, value_axis_spec: Spec, names: list[str], values: list[str]
) -> tuple[list[Spec], Spec, Spec, list[Spec]]:
    """Horizontal bars in the report's order, each labelled above; colour by level; parts hatched.

    `value_axis_spec` is shared by every panel of the unit; `names` and `values` are from `bar_texts`.

    Rows are keyed by fact id (labels may repeat across periods); each label is an annotation sitting
    on its bar, because tick labels beside the bars would leave a phone no room for the bars.
    """
    rows = panel.facts
    value = {**value_axis_spec, **GRID}
    top = float(value["range"][1])
    # Within a row (centre 0, top -row/2, axis running down): the bar at the bottom, its label on top of it.
    row = _row_height(names, lang)
    bar_top = row / 2 - ROW_GAP / 2 - BAR_PX
    colours = [LEVEL_COLOURS.get(str(level), BAR_COLOUR) for level in rows["level_id"]]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": rows["value"].tolist(),
        "y": rows["id"].tolist(),
        "width": BAR_PX / row,
        "offset": bar_top / row,
        "marker": {
            "color": colours,
            "pattern": {
                "shape": ["/" if part else "" for part in rows["part_of"]],
                "fgcolor": "#ffffff",
                "solidity": 0.15,
                "size": 12,
            },
        },
        "text": [plain(text) for text in values],
        "textposition": [text_position(value / top, text) for value, text in zip(rows["value"], values, strict=True)],
        "insidetextanchor": "end",
        "textfont": {"size": FONT_SIZE},
        # 4.5:1 on every bar (plotly's own pick put white on green, 3.4:1) and the ink beside it on white.
        "insidetextfont": {"size": FONT_SIZE, "color": [text_colour_on(colour) for colour in colours]},
        "outsidetextfont": {"size": FONT_SIZE, "color": TEXT_COLOUR},
        "cliponaxis": False,
        "customdata": [[plain(name), plain(text)] for name, text in zip(names, values, strict=True)],
        "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        "showlegend": False,
        "name": panel.heading,
    }
    labels = [
        {
            "name": "category",
            "text": wrapped(name, lang),
            "xref": f"{x} domain",
            "yref": y,
            "x": 0,
            "y": fact_id,
            "xanchor": "left",
            "yanchor": "bottom",
            "yshift": round(3 - bar_top),  # from the row's centre up to just above the bar
            "align": "left",
            "showarrow": False,
            "font": {"size": FONT_SIZE, "color": TEXT_COLOUR},
        }
        for name, fact_id in zip(names, rows["id"], strict=True)
    ]
    category = {"autorange": "reversed", "showticklabels": False, "ticks": "", "showgrid": False, "type": "category"}
    return [trace], value, category, labels


def _change_bars(panel: Panel, lang: Lang) -> tuple[list[Spec], Spec, Spec, list[Spec]]:
    """A metric over several periods: periods along the axis, one colour per series."""
    many = panel.facts[f"label_{lang}"].nunique() > 1
    traces = []
    for number, (label, series) in enumerate(panel.facts.groupby(f"label_{lang}", sort=False)):
        series = series.sort_values("period_end")
        labels = [plain(display_value(fact, lang)) for _, fact in series.iterrows()]
        periods = zip(series["period_start"], series["period_end"], strict=True)
        traces.append(
            {
                "type": "bar",
                "x": [period_label(int(start), int(end), lang) for start, end in periods],
                "y": series["value"].tolist(),
                "marker": {"color": OKABE_ITO[SERIES_COLOURS[number % len(SERIES_COLOURS)]]},
                "text": labels,
                "textposition": "outside",
                "textfont": {"size": FONT_SIZE, "color": TEXT_COLOUR},
                "cliponaxis": False,
                "customdata": labels,
                "hovertemplate": "%{x}<br>%{customdata}<extra>%{fullData.name}</extra>",
                "name": plain(str(label)),
                "showlegend": many,
            }
        )
    value = {**value_axis(float(panel.facts["value"].max()), str(panel.facts["unit_zh"].iloc[0]), lang), **GRID}
    return traces, {"type": "category", "tickfont": {"size": FONT_SIZE - 1}}, value, []


GRID: Spec = {
    "showgrid": True,
    "gridcolor": "#e6e6e6",
    "zeroline": True,
    "zerolinecolor": "#888888",
    "tickfont": {"size": 14},
}


def _layout(chart: Chart, period: str, lang: Lang, height: int, bottom: int, top: int = TOP) -> Spec:
    """Title (what and when), subtitle, fonts and colours shared by every chart."""
    return {
        "title": {
            "text": f"<b>{chart.title(lang)}</b> · {period}",
            "subtitle": {"text": chart.description(lang), "font": {"size": FONT_SIZE - 1, "color": MUTED_COLOUR}},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "pad": {"l": 16},
            "font": {"size": TITLE_SIZE, "color": TEXT_COLOUR},
        },
        "font": {"family": font_family(lang), "size": FONT_SIZE, "color": TEXT_COLOUR},
        "height": height,
        "margin": {"t": top, "b": bottom, "l": 20, "r": 24, "autoexpand": True},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "bargap": 0.28,
        "barmode": "group",
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "yanchor": "top", "font": {"size": FONT_SIZE - 1}},
        "hoverlabel": {"font": {"family": font_family(lang), "size": FONT_SIZE}},
    }


def hold_still(layout: Spec) -> Spec:
    """No drag mode and every axis fixed: a drag cannot zoom, pan or cut the value axis off zero."""
    layout["dragmode"] = False
    for key in [key for key in layout if key.startswith(("xaxis", "yaxis"))]:
        layout[key] = {**layout[key], "fixedrange": True}
    return layout


def computed_totals(chart: Chart, panels: Sequence[Panel], dataset: Dataset, lang: Lang) -> list[str]:
    """'合计 205名（计算值：7名 + 37名 + 161名）' for each panel of one metric that may be added up, and on a
    second line (after a newline) the caveat that levels may overlap.

    Only for charts that ask for it (`TOTALS`), only for whole figures (not their parts), and only where
    `computed_total` accepts the sum (one measure, unit and period; no rates).
    """
    if chart.id not in TOTALS:
        return []
    texts = []
    for panel in panels:
        wholes = panel.facts[panel.facts["part_of"] == ""]
        if panel.change or len(wholes) < 2:
            continue
        try:
            total = computed_total(wholes, dataset.measures)
        except UniondashError:
            continue
        # Levels are separate lists: a national model worker may also be a provincial one.
        overlap = "\n" + TEXT[lang]["levels_overlap"] if wholes["level_id"].nunique() > 1 else ""
        texts.append(TEXT[lang]["total"].format(display_computed(total, lang)) + overlap)
    return texts


def empty_figure(chart: Chart, reason: str, lang: Lang) -> go.Figure:
    """A figure that says why it is empty, so an export or embed never shows a blank frame."""
    text = wrapped(reason, lang, width=34 if lang == "zh" else 70)
    return go.Figure(
        layout=hold_still(
            {
                "title": {"text": f"<b>{chart.title(lang)}</b>", "x": 0, "xref": "container", "pad": {"l": 16}},
                "font": {"family": font_family(lang), "size": FONT_SIZE, "color": TEXT_COLOUR},
                "height": 260,
                "margin": {"t": TOP, "b": 24, "l": 24, "r": 24},
                "xaxis": {"visible": False},
                "yaxis": {"visible": False},
                "paper_bgcolor": "#ffffff",
                "plot_bgcolor": "#ffffff",
                "annotations": [{**_caption(text, 0.5, 0, "middle", FONT_SIZE, TEXT_COLOUR, "empty")}],
            }
        )
    )


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


def without_captions(figure: go.Figure) -> tuple[Spec, int | None]:
    """The figure for a page that shows its title, source and computed totals as HTML around it.

    Returns the figure as a dict without those and without a fixed height (so it follows its
    container), and the height in px the rest needs: panels, their headings, tick labels and legend.
    """
    spec: Spec = figure.to_plotly_json()
    layout = dict(spec["layout"])
    layout["annotations"] = [a for a in layout.get("annotations", ()) if a.get("name") not in CAPTION_NAMES]
    legend = 2 * CAPTION_LINE if any(trace.get("showlegend") for trace in spec["data"]) else 0
    top = PANEL_GAP // 2 + 4 + top_heading_room(layout["annotations"])
    margin = {**layout.get("margin", {}), "t": top, "b": TICKS + legend}
    height = layout.pop("height", None)
    if height is not None:
        old = layout.get("margin", {})
        plot = int(height) - int(old.get("t", 0)) - int(old.get("b", 0))
        height = plot + margin["t"] + margin["b"]
        if legend:
            layout["legend"] = {**layout.get("legend", {}), "y": -TICKS / plot}
    layout.pop("title", None)
    layout["margin"] = margin
    return {"data": spec["data"], "layout": layout}, height


# ---------------------------------------------------------------------------------------------------
# Text alternatives and data tables.


def chart_table(facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> pd.DataFrame:
    """The data behind a chart: label, value as shown, as written, period, quote and source, one row a fact."""
    cited = dataset.sources.set_index("id")[f"citation_{lang}"]
    return pd.DataFrame(
        {
            "fact_id": facts["id"].tolist(),
            "label": facts[f"label_{lang}"].tolist(),
            "value": [display_value(fact, lang) for _, fact in facts.iterrows()],
            "as_written": facts["as_written"].tolist(),
            "period": [
                period_label(int(s), int(e), lang)
                for s, e in zip(facts["period_start"], facts["period_end"], strict=True)
            ],
            "source_quote": facts["source_quote"].tolist(),
            "source": [str(cited.get(source_id, source_id)) for source_id in facts["source_id"]],
        }
    )


def describe(chart: Chart, dataset: Dataset, filters: Filters) -> str:
    """A text alternative for screen readers: title, period, every value as written, and the source."""
    lang = filters.lang
    facts = chart.rows(dataset, filters)
    if facts.empty:
        return f"{chart.title(lang)}: {empty_reason(chart, dataset, filters)}"
    start, end = period_span(facts)
    text = TEXT[lang]
    with_period = len(facts[["period_start", "period_end"]].drop_duplicates()) > 1
    items = text["sep"].join(
        f"{category_label(fact, with_period, lang)}{text['colon']}{display_value(fact, lang)}"
        for _, fact in facts.iterrows()
    )
    return text["summary"].format(
        title=chart.title(lang),
        period=period_label(start, end, lang),
        items=items,
        source=text["sep"].join(citations(dataset, facts, lang)),
    )


# ---------------------------------------------------------------------------------------------------
# The registry.


def _chart(
    chart_id: str,
    section_id: str,
    titles: tuple[str, str],
    descriptions: tuple[str, str],
    select: Callable[[pd.DataFrame], pd.Series],
) -> Chart:
    def rows(dataset: Dataset, filters: Filters) -> pd.DataFrame:
        return chart_facts(dataset.facts, filters, select)

    def build(dataset: Dataset, filters: Filters) -> go.Figure:
        return chart_figure(CHARTS[chart_id], dataset, filters)

    rows.__name__ = f"{chart_id.replace('-', '_')}_rows"
    build.__name__ = f"{chart_id.replace('-', '_')}_figure"
    return Chart(chart_id, section_id, titles[0], titles[1], rows, build, descriptions[0], descriptions[1])


def _where(
    *,
    section: str | None = None,
    programmes: Sequence[str] = (),
    metrics: Sequence[str] = (),
    measures: Sequence[str] = (),
) -> Callable[[pd.DataFrame], pd.Series]:
    """A row selector: facts of the section, and of any listed programme or metric, and of the measures."""

    def select(facts: pd.DataFrame) -> pd.Series:
        keep = pd.Series(True, index=facts.index)
        if section:
            keep &= facts["section_id"] == section
        if programmes or metrics:
            keep &= facts["programme_id"].isin(programmes) | facts["metric_id"].isin(metrics)
        if measures:
            keep &= facts["measure_id"].isin(measures)
        return keep

    return select


# Charts that also show their computed sum (figures of one metric, levels that add up).
TOTALS = frozenset({"model-workers", "innovation-studios"})

# Registry order is the page order; the first chart of each section is its key chart (briefing, slides).
CHARTS: dict[str, Chart] = {
    chart.id: chart
    for chart in [
        _chart(
            "education-activities",
            "ideology",
            ("职工思想政治教育活动场次", "Education and outreach activities"),
            ("主题教育、劳模工匠宣讲与职工阅读活动，场次", "Themed education, talks and reading, events held"),
            _where(section="ideology", measures=("events",)),
        ),
        _chart(
            "aid-funds",
            "aid",
            ("职工帮扶资金和物资（按项目）", "Aid funds and goods by programme"),
            (
                "各帮扶项目筹集或发放的金额；斜纹为其中一部分",
                "Money raised or paid per programme; hatched: part of the bar above",
            ),
            _where(section="aid", measures=("money",)),
        ),
        _chart(
            "people-helped",
            "aid",
            ("职工帮扶受助人数（按项目）", "People helped by programme (persons)"),
            (
                "按人数统计；按人次统计的见另一图，两者不相加",
                "Counted in persons; person-times are in a separate chart and never added",
            ),
            _where(section="aid", measures=("persons",)),
        ),
        _chart(
            "people-helped-times",
            "aid",
            ("职工帮扶受助人次（按项目）", "People helped by programme (person-times)"),
            (
                "按人次统计（同一人可多次受助）；不与人数相加",
                "Counted in person-times (one person may be helped often); never added to persons",
            ),
            _where(section="aid", measures=("person_times",)),
        ),
        _chart(
            "model-workers",
            "models",
            ("劳动模范（按级别）", "Model workers by level"),
            ("全国、省、市三级劳模人数", "National, provincial and city model workers"),
            _where(metrics=("model-workers",)),
        ),
        _chart(
            "honours-by-level",
            "models",
            ("五一劳动奖与工人先锋号（按级别和类型）", "May Day awards and Worker Pioneers by level and type"),
            (
                "奖章按人计，奖状和先锋号按集体计，分开绘制",
                "Medals go to people, certificates and Pioneer titles to teams: drawn apart",
            ),
            _where(programmes=("may-day-honours",)),
        ),
        _chart(
            "craftsmen",
            "models",
            ("工匠与提名人选（按级别）", "Craftsmen and nominees by level"),
            ("大国工匠、湖湘工匠、株洲工匠及其提名", "Great, Huxiang and Zhuzhou craftsmen and nominees"),
            _where(metrics=("craftsmen", "craftsman-nominees")),
        ),
        _chart(
            "innovation-studios",
            "models",
            ("劳模和工匠人才创新工作室（按级别）", "Model worker and craftsman innovation studios by level"),
            ("示范性创新工作室个数", "Demonstration innovation studios"),
            _where(programmes=("innovation-studios",)),
        ),
        _chart(
            "competitions",
            "workforce",
            ("劳动和技能竞赛", "Labour and skills competitions"),
            ("竞赛场次与参赛人次，分开绘制", "Competitions held and competitors (person-times), drawn apart"),
            _where(programmes=("competitions",)),
        ),
        _chart(
            "industry-education",
            "workforce",
            ("产教融合：产业学院、实训基地与“双师”工作室", "Industry–education integration"),
            ("产业学院（所）与实训基地、工作室（个）", "Industry colleges, training bases and dual-teacher studios"),
            _where(programmes=("industry-education",), measures=("organisations",)),
        ),
        _chart(
            "talent",
            "workforce",
            ("全市人才总量与高技能人才", "Talent pool and high-skilled talent"),
            ("高技能人才是人才总量的一部分（斜纹）", "High-skilled talent is part of the total (hatched)"),
            _where(programmes=("talent",)),
        ),
        _chart(
            "labour-disputes",
            "relations",
            ("劳动争议调处与法律援助案件", "Labour disputes and legal aid cases"),
            (
                "受理与调解撤诉结案的劳动争议，及法律援助案件",
                "Disputes accepted and closed by mediation; legal aid cases",
            ),
            _where(programmes=("dispute-resolution",), metrics=("legal-aid-cases",)),
        ),
        _chart(
            "labour-relations-rates",
            "relations",
            ("工资集体协商与职代会建制率", "Collective bargaining and workers' congress coverage"),
            ("已建工会企业中的建制率", "Share of unionised enterprises with the system in place"),
            _where(metrics=("coverage-rate",)),
        ),
        _chart(
            "organisations",
            "new-forms",
            ("工会组织与职工之家建设", "Union organisations and workers' homes"),
            (
                "新业态劳动者工会、职工之家与示范点个数",
                "Unions for new-form workers, workers' homes and demonstration sites",
            ),
            _where(programmes=("new-form-unions", "worker-homes"), metrics=("demonstration-sites",)),
        ),
        _chart(
            "unions-honoured",
            "new-forms",
            ("获评全省先进的基层工会", "Grassroots unions honoured by the province"),
            ("县区、乡镇（街道）和园区工会", "County, township and development-zone unions"),
            _where(metrics=("unions-honoured",)),
        ),
    ]
}
