"""The plotly renderer of chart specs: a leaf, no Dash here, and neither the registry nor the specs import it.

The charts are listed in `charts.CHARTS`; what a chart says for a Dataset and Filters is a
`chartspec.ChartSpec` (plain data, shared by every medium). `render_plotly(spec, style)` draws it: `NARROW`
(dashboard, embeds, images: labels above the bars), `WIDE` (slides) and `PRINT` (briefing): labels beside
the bars, larger type. `chart_figure(chart, dataset, filters)` is the spec drawn `NARROW`.

A figure stands alone (it is exported as PNG and embedded): its title says what and when, each panel
names its unit and period, bar labels are the figures as the report writes them (qualifiers kept), and
the source is an annotation inside it. Rules that hold by construction:

- one panel per unit (and per period length for totals), so persons, person-times and money never
  share an axis, and a five-year total never stands beside a one-year figure;
- several periods of one metric (same programme, scope, level, period length) are drawn as a change
  across years (`series_with_several_periods`);
- only city-wide totals (kind `aggregate`) are charted; stories about one person or event are not;
- a rate whose numerator is on the chart is written with it ("335起 · 调解率 71.6%" on the bar, or on the
  label line above it where a phone leaves no room), not drawn as a bar of its own on a different scale;
- a lone figure is a number card (large type above the panels), never a one-bar chart; a panel whose unit
  differs from the one above is ruled off and says its scale is its own.
"""

from __future__ import annotations

import html
import re
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.validator_cache import ValidatorCache

from uniondash.charts import Chart

# Planning moved to `chartspec`; these names stay importable from here for existing callers.
from uniondash.chartspec import DISJOINT_TOTALS as DISJOINT_TOTALS
from uniondash.chartspec import TEXT as TEXT
from uniondash.chartspec import (
    ChartSpec,
    NumberCard,
    PanelFacts,
    chart_spec,
    computed_totals_of,
)
from uniondash.chartspec import Panel as SpecPanel
from uniondash.chartspec import attached_rates as attached_rates
from uniondash.chartspec import empty_reason as empty_reason
from uniondash.chartspec import plan_panels as plan_panels
from uniondash.format import axis_ticks, display_value, period_label
from uniondash.model import Dataset, Filters, Lang


def _serialise_validator_builds() -> None:
    """Build each of plotly's property validators under one lock.

    plotly builds a validator on its first use from JSON parameters that it changes in place (`plotly_name`,
    a derived class's parameters merged into its base's), shared by every thread: two threads building
    figures at once (the static build's image drawers, a server's request threads) can each build a validator
    from the other's parameters, and a figure is then refused ("scatter.Marker: 'pattern'", seen once in a
    build). Only the first build of each takes the lock; a built validator is returned without it."""
    build = ValidatorCache.get_validator
    if getattr(build, "serialised", False):
        return
    lock = threading.Lock()

    def get_validator(parent_path: str, prop_name: str) -> Any:
        found = ValidatorCache._cache.get((parent_path, prop_name))
        if found is not None:
            return found
        with lock:
            return build(parent_path, prop_name)

    get_validator.serialised = True  # type: ignore[attr-defined]
    ValidatorCache.get_validator = staticmethod(get_validator)


_serialise_validator_builds()

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


# ---------------------------------------------------------------------------------------------------
# Planning lives in `chartspec` (what a chart says); these names stay importable from here.

Panel = PanelFacts


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
# Drawing: the plotly renderer of a `ChartSpec`. Traces and layout are built as plain dicts and validated
# once by `go.Figure` (plotly's per-call `update_*` validation would cost a third of a second per chart).

Spec = dict[str, Any]


@dataclass(frozen=True)
class ChartStyle:
    """How the plotly renderer draws a spec for one medium.

    `labels="above"` puts each bar's label on its own line above the bar, so a 390px phone keeps the bars
    full width (dashboard, embeds, images). `labels="beside"` puts it beside the bar, which halves the rows
    on a wide, short page, so the type can grow by `font_scale` and still fit (slides, printed briefing).
    """

    name: str
    font_scale: float = 1.0
    labels: Literal["above", "beside"] = "above"


NARROW = ChartStyle("narrow")
# A slide is read from the back of a room: 24px labels, then scaled to fill the slide.
WIDE = ChartStyle("wide", 1.5, "beside")
# The briefing's charts are printed at 62%: ticks of 16px × 1.25 × 0.62 come out at 8pt or more.
PRINT = ChartStyle("print", 1.25, "beside")
STYLES = {style.name: style for style in (NARROW, WIDE, PRINT)}

# Labels beside their bars: a row thick enough for an in-bar value in a CJK font (line box 1.45em plus
# padding) at full size, the gap to the next bar, plotly's margins past the longest label, and the
# characters per line (a wide page has room, and a second line doubles every row).
BESIDE_BAR = 30
BESIDE_GAP = 6
BESIDE_MARGINS = 64
BESIDE_WRAP = {"zh": 24, "en": 48}
# A number card: the figure large, its label and period in body type below it.
CARD_VALUE_SIZE = 26
CARD_GAP = 14


def chart_figure(chart: Chart, dataset: Dataset, filters: Filters, style: ChartStyle = NARROW) -> go.Figure:
    """The chart for the filters, drawn in `style`: its spec through the plotly renderer."""
    return render_plotly(chart_spec(chart, dataset, filters), style)


def render_plotly(spec: ChartSpec, style: ChartStyle = NARROW) -> go.Figure:
    """A `ChartSpec` as a plotly figure: number cards on top, then the panels of bars, captions under them.

    The figure stands alone (exported as PNG, embedded): title with period, description, panel headings
    with unit and period, the source at the foot. It holds still (`hold_still`).
    """
    lang, scale = spec.lang, style.font_scale
    if spec.is_empty:
        return empty_figure(spec.title, spec.empty_reason, lang, scale)
    beside = style.labels == "beside"
    legend = any(panel.kind == "change" and len(panel.series) > 1 for panel in spec.panels)
    value_axes = {panel.unit_zh: value_axis(panel.scale_max, panel.unit_zh, lang) for panel in spec.panels}
    texts = [
        bar_texts_of(panel, float(value_axes[panel.unit_zh]["range"][1])) if panel.kind == "bars" else ([], [])
        for panel in spec.panels
    ]
    wrap = BESIDE_WRAP[lang] if beside else None
    label_lines = [[wrap_label(name, lang, wrap) for name in names] for names, _ in texts]
    heights = [
        round(scale * CHANGE_PANEL) if panel.kind == "change" else len(panel.bars) * _row(lines, beside, scale)
        for panel, lines in zip(spec.panels, label_lines, strict=True)
    ]
    headings = [
        heading_lines(plain(_panel_heading(spec, number)), lang, HEADING_EMS * (2.4 if beside else 1))
        for number in range(len(spec.panels))
    ]
    above = [round(scale * LINE_HEIGHT * (len(lines) - 1)) for lines in headings]
    gap = round(scale * PANEL_GAP)
    cards = [_card_lines(card, lang, beside) for card in spec.cards]
    card_heights = [round(scale * (_card_px(v, t, beside) + CARD_GAP)) for v, t in cards]
    cards_height = sum(card_heights) + (gap + above[0] if cards and spec.panels else 0)
    plot_height = cards_height + sum(heights) + sum(gap + extra for extra in above[1:])
    # Computed totals and comparisons with other reports: each its text and how, wrapped to the width.
    ems = HEADING_EMS * (2.4 if beside else 1)
    caption_lines = [[*caption_wrap(text, lang, ems), *caption_wrap(how, lang, ems)] for text, how in spec.captions]
    caption_rows = [max(2, len(lines)) for lines in caption_lines]
    ticks = round(scale * TICKS) if spec.panels else 0
    bottom = round(scale * (BOTTOM + CAPTION_LINE * (sum(caption_rows) + 2 * legend))) + ticks
    top_margin = round(scale * TOP) + (above[0] if spec.panels and not cards else 0)
    layout = _layout(spec, lang, top_margin + plot_height + bottom, bottom, top_margin)
    traces: list[Spec] = []
    annotations: list[Spec] = []
    shapes: list[Spec] = []
    top = float(plot_height)
    for (values, lines), height in zip(cards, card_heights, strict=True):
        annotations += _card_annotations(values, lines, top / plot_height, scale, beside)
        top -= height
    if cards and spec.panels:
        top -= gap + above[0]
    widest = 0.0
    for index, (panel, height) in enumerate(zip(spec.panels, heights, strict=True)):
        number = index + 1
        x, y = ("x", "y") if number == 1 else (f"x{number}", f"y{number}")
        if index:
            top -= gap + above[index]
            if panel.unit_zh != spec.panels[index - 1].unit_zh:
                # A rule between scales of different units: what lies below is measured anew.
                shapes.append(_rule(min((top + gap + above[index] - 28 * scale) / plot_height, 1.0)))
        domain = [max((top - height) / plot_height, 0.0), top / plot_height]
        top -= height
        if panel.kind == "change":
            panel_traces, x_axis, y_axis, labels = _change_bars(panel, lang)
            labels += _missing_marks(panel, lang, x, y)
        else:
            names, values = texts[index]
            value = value_axes[panel.unit_zh]
            if beside:
                panel_traces, x_axis, y_axis = _bars_beside(panel, value, label_lines[index], values, scale)
                labels = []
                widest = max(widest, *(text_ems(line) for lines in label_lines[index] for line in lines))
            else:
                panel_traces, x_axis, y_axis, labels = _bars(panel, lang, x, y, value, names, values)
        traces += [{**trace, "xaxis": x, "yaxis": y} for trace in panel_traces]
        layout[f"xaxis{number if number > 1 else ''}"] = {**x_axis, "anchor": y}
        layout[f"yaxis{number if number > 1 else ''}"] = {**y_axis, "anchor": x, "domain": domain}
        annotations += labels
        heading = "<br>".join(headings[index])
        annotations.append(_caption(heading, domain[1], 8, "bottom", FONT_SIZE - 1, MUTED_COLOUR, "heading"))
    if not spec.panels:
        layout["xaxis"] = {"visible": False}
        layout["yaxis"] = {"visible": False}
    # Under the plot, below the tick labels: the computed totals, then the legend; the source at the foot.
    for number, lines in enumerate(caption_lines):
        shift = -(ticks + round(scale * CAPTION_LINE * sum(caption_rows[:number])))
        text = "<br>".join(plain(line) for line in lines)
        annotations.append(_caption(text, 0, shift, "top", FONT_SIZE - 1, TEXT_COLOUR, "computed"))
    source = TEXT[lang]["source"].format(plain(spec.source))
    annotations.append(_caption(source, 0, -(bottom - round(10 * scale)), "bottom", 13, MUTED_COLOUR, "source"))
    layout["annotations"] = annotations
    if shapes:
        layout["shapes"] = shapes
    if beside:
        for key, axis in layout.items():
            if re.fullmatch(r"xaxis\d*", key) and isinstance(axis, dict) and axis.get("visible", True):
                axis["tickfont"] = {**axis.get("tickfont", {}), "size": FONT_SIZE}
        layout["meta"] = {"min_width": round((widest + PLOT_EMS) * FONT_SIZE * scale + BESIDE_MARGINS * scale)}
    if legend:
        layout["legend"]["y"] = -(ticks + round(scale * CAPTION_LINE * sum(caption_rows))) / plot_height
    hold_still(layout)
    figure: Spec = {"data": traces, "layout": layout}
    scale_fonts(figure, scale)
    return go.Figure(data=figure["data"], layout=figure["layout"])


def _panel_heading(spec: ChartSpec, index: int) -> str:
    """The panel's heading; one whose unit differs from the panel above says its scale is its own."""
    panel = spec.panels[index]
    if index and panel.unit_zh != spec.panels[index - 1].unit_zh:
        return f"{panel.heading} · {TEXT[spec.lang]['own_scale']}"
    return panel.heading


def _row(lines: Sequence[Sequence[str]], beside: bool, scale: float) -> int:
    """A bar's row in px: label lines above the bar (narrow), or the taller of label and bar (beside)."""
    count = max(len(label) for label in lines)
    if beside:
        return round(scale * (max(count * LINE_HEIGHT, BESIDE_BAR) + BESIDE_GAP))
    return LINE_HEIGHT * count + BAR_PX + ROW_GAP


def _rule(y: float) -> Spec:
    return {
        "type": "line",
        "xref": "paper",
        "yref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": "#bbbbbb", "width": 1},
        "name": "scale-rule",
    }


def bar_texts_of(panel: SpecPanel, top: float) -> tuple[list[str], list[str]]:
    """Each bar's category label and value label (plain text), on an axis running to `top`.

    A rate rides on its numerator's bar ('335起 · 调解率 71.6%') where that fits beside or in the bar on a
    phone; otherwise it joins the label line above the bar, which can wrap.
    """
    names, values = [], []
    for bar in panel.bars:
        name, value, rate = bar.label, bar.value_text, bar.rate_text
        if rate and not label_fits(bar.value / top, value + rate):
            name, rate = name + rate, ""
        names.append(name)
        values.append(value + rate)
    return names, values


def _card_lines(card: NumberCard, lang: Lang, beside: bool) -> tuple[list[str], list[str]]:
    """A card's value (large, cut between words only: never inside a number) and its label lines."""
    value = card.value_text + card.rate_text
    # How many characters of the large type fit the plot of a phone (or, beside, a wide page).
    room = PLOT_EMS * FONT_SIZE / CARD_VALUE_SIZE * (2.4 if beside else 1)
    values = [value] if text_ems(value) <= room or lang == "zh" else textwrap.wrap(value, int(room / 0.55)) or [value]
    # The period on a line of its own, so '2019–2023年' is never cut.
    lines = wrap_label(card.label, lang, BESIDE_WRAP[lang] if beside else None)
    return values, [*lines, card.period] if card.period else lines


def _card_px(values: list[str], lines: list[str], beside: bool) -> float:
    """A card's height at the body size: value above its label (narrow), or beside it (wide pages)."""
    value = CARD_VALUE_SIZE * 1.35 * len(values)
    label = LINE_HEIGHT * len(lines)
    return max(value, label) if beside else value + label


def _card_annotations(values: list[str], lines: list[str], y: float, scale: float, beside: bool) -> list[Spec]:
    """The card's value in large type and its label with period: below it, or beside it on a wide page."""
    value = _caption(
        "<br>".join(f"<b>{plain(v)}</b>" for v in values), y, 0, "top", CARD_VALUE_SIZE, TEXT_COLOUR, "card"
    )
    text = "<br>".join(plain(line) for line in lines)
    if beside:
        label = _caption(text, y, 0, "top", FONT_SIZE, MUTED_COLOUR, "card-label")
        # Past the widest value line (bold digits run a little wider than `text_ems` reckons).
        label["xshift"] = round(scale * (max(text_ems(v) for v in values) * CARD_VALUE_SIZE * 1.1 + 20))
        return [value, label]
    shift = -round(scale * CARD_VALUE_SIZE * 1.35 * len(values))
    return [value, _caption(text, y, shift, "top", FONT_SIZE, MUTED_COLOUR, "card-label")]


# A heading's width in em of the body size that fits the plot of a 390px phone (headings are 1px smaller).
HEADING_EMS = PLOT_EMS * FONT_SIZE / (FONT_SIZE - 1)


# Where a caption line may end: after Chinese punctuation, before an opening bracket, at a space.
_CAPTION_BREAKS = re.compile(r"(?<=[：；，、。])|(?=（)|(?<= )")


def caption_wrap(text: str, lang: Lang, ems: float = HEADING_EMS) -> list[str]:
    """A caption under the plot (a computed total, a comparison, why not) cut into lines `ems` wide, at
    punctuation and spaces, so a number ('2.1亿元', '+33.3%') is never cut; a piece longer than a line is
    wrapped as a bar label is. Plain text in, plain text out."""
    if not text:
        return []
    lines: list[str] = []
    current = ""
    for piece in (part for part in _CAPTION_BREAKS.split(text) if part):
        if text_ems(current + piece) <= ems:
            current += piece
            continue
        if current:
            lines.append(current.rstrip())
        if text_ems(piece) <= ems:
            current = piece
        else:
            *full, current = wrap_label(piece.strip(), lang, int(ems if lang == "zh" else ems / 0.55))
            lines += full
    if current.strip():
        lines.append(current.rstrip())
    return lines


def heading_lines(heading: str, lang: Lang, ems: float = HEADING_EMS) -> list[str]:
    """A panel heading (plotly text) cut into lines that fit a phone, at its ' · ' separators where it can.

    SVG text does not wrap: a long heading ('筹集“冬送温暖”资金·逐年变化 · 2024–2025年 · 单位：元') would run
    off a phone's screen. A part longer than a line is wrapped as a bar label is. `ems` is the width.
    """
    lines: list[str] = []
    current = ""
    for part in heading.split(" · "):
        candidate = f"{current} · {part}" if current else part
        if text_ems(html.unescape(candidate)) <= ems:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = part
        if text_ems(html.unescape(part)) > ems:
            width = int(ems) if lang == "zh" else int(ems / 0.55)
            *full, current = [plain(line) for line in wrap_label(html.unescape(part), lang, width)]
            lines += full
    return [*lines, current]


def top_heading_room(annotations: Sequence[Spec], scale: float = 1.0) -> int:
    """Extra px the figure's topmost panel heading needs above the plot for its second and later lines."""
    headings = [a for a in annotations if a.get("name") == "heading"]
    if not headings:
        return 0
    top = max(headings, key=lambda a: float(a.get("y") or 0))
    if any(a.get("name") == "card" for a in annotations):
        return 0  # cards sit above the first heading, inside the plot
    return round(scale * LINE_HEIGHT * str(top.get("text", "")).count("<br>"))


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


def _bar_trace(panel: SpecPanel, values: list[str], names: list[str], top: float) -> Spec:
    """The panel's bars in the report's order; colour by level; parts hatched; rows keyed by fact id."""
    colours = [LEVEL_COLOURS.get(bar.colour_key, BAR_COLOUR) for bar in panel.bars]
    return {
        "type": "bar",
        "orientation": "h",
        "x": [bar.value for bar in panel.bars],
        "y": [bar.fact_id for bar in panel.bars],
        "marker": {
            "color": colours,
            "pattern": {
                "shape": ["/" if bar.part_of else "" for bar in panel.bars],
                "fgcolor": "#ffffff",
                "solidity": 0.15,
                "size": 12,
            },
        },
        "text": [plain(text) for text in values],
        "textposition": [text_position(bar.value / top, text) for bar, text in zip(panel.bars, values, strict=True)],
        "insidetextanchor": "end",
        "textfont": {"size": FONT_SIZE},
        # 4.5:1 on every bar (plotly's own pick put white on green, 3.4:1) and the ink beside it on white.
        # Colours only: the size follows `textfont`, which the wide and print styles scale.
        "insidetextfont": {"color": [text_colour_on(colour) for colour in colours]},
        "outsidetextfont": {"color": TEXT_COLOUR},
        "cliponaxis": False,
        "customdata": [[plain(name), plain(text)] for name, text in zip(names, values, strict=True)],
        "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        "showlegend": False,
        "name": plain(panel.heading),
    }


def _bars(
    panel: SpecPanel, lang: Lang, x: str, y: str, value_axis_spec: Spec, names: list[str], values: list[str]
) -> tuple[list[Spec], Spec, Spec, list[Spec]]:
    """Horizontal bars, each labelled above: the label is an annotation sitting on its bar, because tick
    labels beside the bars would leave a phone no room for the bars."""
    value = {**value_axis_spec, **GRID}
    top = float(value["range"][1])
    # Within a row (centre 0, top -row/2, axis running down): the bar at the bottom, its label on top of it.
    row = _row_height(names, lang)
    bar_top = row / 2 - ROW_GAP / 2 - BAR_PX
    trace = {**_bar_trace(panel, values, names, top), "width": BAR_PX / row, "offset": bar_top / row}
    labels = [
        {
            "name": "category",
            "text": wrapped(name, lang),
            "xref": f"{x} domain",
            "yref": y,
            "x": 0,
            "y": bar.fact_id,
            "xanchor": "left",
            "yanchor": "bottom",
            "yshift": round(3 - bar_top),  # from the row's centre up to just above the bar
            "align": "left",
            "showarrow": False,
            "font": {"size": FONT_SIZE, "color": TEXT_COLOUR},
        }
        for name, bar in zip(names, panel.bars, strict=True)
    ]
    category = {"autorange": "reversed", "showticklabels": False, "ticks": "", "showgrid": False, "type": "category"}
    return [trace], value, category, labels


def _bars_beside(
    panel: SpecPanel, value_axis_spec: Spec, label_lines: list[list[str]], values: list[str], scale: float
) -> tuple[list[Spec], Spec, Spec]:
    """Horizontal bars with each label beside its bar, as tick labels of the category axis (wide pages)."""
    value = {**value_axis_spec, **GRID}
    top = float(value["range"][1])
    names = [" ".join(lines) for lines in label_lines]
    row = _row(label_lines, True, scale)
    trace = {**_bar_trace(panel, values, names, top), "width": BESIDE_BAR * scale / row}
    category = {
        "autorange": "reversed",
        "type": "category",
        "showgrid": False,
        "ticks": "",
        "showticklabels": True,
        "tickmode": "array",
        "tickvals": [bar.fact_id for bar in panel.bars],
        "ticktext": ["<br>".join(plain(line) for line in lines) for lines in label_lines],
        "tickfont": {"size": FONT_SIZE, "color": TEXT_COLOUR},
        "ticklabelstandoff": round(8 * scale),
        "automargin": True,
    }
    return [trace], value, category


def _change_bars(panel: SpecPanel, lang: Lang) -> tuple[list[Spec], Spec, Spec, list[Spec]]:
    """A metric over several periods: periods along the axis, one colour per series."""
    many = len(panel.series) > 1
    traces = []
    for series in panel.series:
        # A period without a figure has no bar and no label here: `_missing_marks` says it is missing.
        labels = [plain(point.value_text) if point.value is not None else "" for point in series.points]
        traces.append(
            {
                "type": "bar",
                "x": [point.period for point in series.points],
                "y": [point.value for point in series.points],
                "marker": {"color": OKABE_ITO[SERIES_COLOURS[series.colour_key % len(SERIES_COLOURS)]]},
                "text": labels,
                "textposition": "outside",
                "textfont": {"size": FONT_SIZE, "color": TEXT_COLOUR},
                "cliponaxis": False,
                "customdata": labels,
                "hovertemplate": "%{x}<br>%{customdata}<extra>%{fullData.name}</extra>",
                "name": plain(series.label),
                "showlegend": many,
            }
        )
    value = {**value_axis(panel.scale_max, panel.unit_zh, lang), **GRID}
    return traces, {"type": "category", "tickfont": {"size": FONT_SIZE - 1}}, value, []


def _missing_marks(panel: SpecPanel, lang: Lang, x: str, y: str) -> list[Spec]:
    """'无数据' / 'no figure' on the axis where a period of the series has no figure: a gap, not a zero."""
    many = len(panel.series) > 1
    marks = []
    for number, period in enumerate(point.period for point in panel.series[0].points):
        missing = [series.label for series in panel.series if series.points[number].value is None]
        if not missing:
            continue
        word = TEXT[lang]["missing"]
        text = (
            "<br>".join(plain(f"{label}{'：' if lang == 'zh' else ': '}{word}") for label in missing) if many else word
        )
        marks.append(
            {
                "name": "missing",
                "text": text,
                "x": period,
                "y": 0,
                "xref": x,
                "yref": y,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": FONT_SIZE - 1, "color": MUTED_COLOUR},
            }
        )
    return marks


GRID: Spec = {
    "showgrid": True,
    "gridcolor": "#e6e6e6",
    "zeroline": True,
    "zerolinecolor": "#888888",
    "tickfont": {"size": 14},
}


def _layout(spec: ChartSpec, lang: Lang, height: int, bottom: int, top: int = TOP) -> Spec:
    """Title (what and when), subtitle, fonts and colours shared by every chart."""
    return {
        "title": {
            "text": f"<b>{plain(spec.title)}</b> · {spec.period}",
            "subtitle": {"text": plain(spec.description), "font": {"size": FONT_SIZE - 1, "color": MUTED_COLOUR}},
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


def _fonts(figure: Spec) -> list[dict[str, Any]]:
    """Every font of the figure that sets a size: layout, legend, hover labels, title, axes' ticks,
    annotations, traces' text."""
    layout = figure["layout"]
    fonts = [
        layout.get("font"),
        layout.get("legend", {}).get("font"),
        layout.get("hoverlabel", {}).get("font"),
        layout.get("title", {}).get("font"),
        layout.get("title", {}).get("subtitle", {}).get("font"),
        *(axis.get("tickfont") for key, axis in layout.items() if re.fullmatch(r"[xy]axis\d*", key)),
        *(annotation.get("font") for annotation in layout.get("annotations", [])),
        *(trace.get("textfont") for trace in figure["data"]),
    ]
    return [font for font in fonts if isinstance(font, dict) and "size" in font]


def scale_fonts(figure: Spec, factor: float) -> None:
    """Every font size of the figure (layout, legend, axes, annotations, traces' text) times `factor`, in place."""
    if factor == 1:
        return
    for font in _fonts(figure):
        size = font["size"]
        font["size"] = [s * factor for s in size] if isinstance(size, list) else size * factor


def smallest_font(figure: Spec) -> float:
    """The smallest font size (px) the figure sets for text it shows (hover labels aside): what a page that
    scales the drawing must keep readable."""
    layout = figure["layout"]
    hover = layout.get("hoverlabel", {}).get("font")
    sizes = [
        float(size)
        for font in _fonts(figure)
        if font is not hover
        for size in (font["size"] if isinstance(font["size"], list) else [font["size"]])
    ]
    return min(sizes, default=float(FONT_SIZE))


def computed_totals(chart: Chart, panels: Sequence[PanelFacts], dataset: Dataset, lang: Lang) -> list[str]:
    """The computed totals' texts ('合计 …（计算值：…）', a caveat after a newline), for pages that show
    them as HTML. Only charts whose parts are disjoint (`chartspec.DISJOINT_TOTALS`) have any."""
    return [
        "\n".join(part for part in (total.text, total.how) if part)
        for total in computed_totals_of(chart.id, panels, dataset, lang)
    ]


def empty_figure(title: str, reason: str, lang: Lang, scale: float = 1.0) -> go.Figure:
    """A figure that says why it is empty, so an export or embed never shows a blank frame."""
    text = wrapped(reason, lang, width=34 if lang == "zh" else 70)
    figure: Spec = {
        "data": [],
        "layout": hold_still(
            {
                "title": {"text": f"<b>{plain(title)}</b>", "x": 0, "xref": "container", "pad": {"l": 16}},
                "font": {"family": font_family(lang), "size": FONT_SIZE, "color": TEXT_COLOUR},
                "height": round(260 * scale),
                "margin": {"t": round(TOP * scale), "b": 24, "l": 24, "r": 24},
                "xaxis": {"visible": False},
                "yaxis": {"visible": False},
                "paper_bgcolor": "#ffffff",
                "plot_bgcolor": "#ffffff",
                "annotations": [{**_caption(text, 0.5, 0, "middle", FONT_SIZE, TEXT_COLOUR, "empty")}],
            }
        ),
    }
    scale_fonts(figure, scale)
    return go.Figure(data=figure["data"], layout=figure["layout"])


def without_captions(figure: go.Figure, scale: float = 1.0) -> tuple[Spec, int | None]:
    """The figure for a page that shows its title, source and computed totals as HTML around it.

    Returns the figure as a dict without those and without a fixed height (so it follows its
    container), and the height in px the rest needs: panels, their headings, tick labels and legend.
    `scale` is the style's type scale (`ChartStyle.font_scale`) the figure was drawn at.
    """
    spec: Spec = figure.to_plotly_json()
    layout = dict(spec["layout"])
    layout["annotations"] = [a for a in layout.get("annotations", ()) if a.get("name") not in CAPTION_NAMES]
    legend = 2 * CAPTION_LINE if any(trace.get("showlegend") for trace in spec["data"]) else 0
    top = round(scale * (PANEL_GAP // 2 + 4)) + top_heading_room(layout["annotations"], scale)
    has_axes = any(trace for trace in spec["data"])
    margin = {**layout.get("margin", {}), "t": top, "b": round(scale * ((TICKS if has_axes else 8) + legend))}
    height = layout.pop("height", None)
    if height is not None:
        old = layout.get("margin", {})
        plot = int(height) - int(old.get("t", 0)) - int(old.get("b", 0))
        height = plot + margin["t"] + margin["b"]
        if legend:
            layout["legend"] = {**layout.get("legend", {}), "y": -round(scale * TICKS) / plot}
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
