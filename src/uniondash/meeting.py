"""Meeting mode, the pure part: which headline cards and charts go on the slides (`plan_slides`) and the
A4 briefing (`plan_sections`), the parameter parsers, and the two pages rendered from templates.

No Flask here: `web/meeting_routes.py` serves these pages, and `exports/pdf.py` prints the briefing
to PDF from the same HTML without a server.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.utils import PlotlyJSONEncoder

from uniondash.figures import (
    CHARTS,
    FONT_FAMILY_EN,
    FONT_SIZE,
    LINE_HEIGHT,
    PANEL_GAP,
    PLOT_EMS,
    Chart,
    computed_totals,
    describe,
    plan_panels,
    text_ems,
    without_captions,
    wrapped,
)
from uniondash.format import LOCALES, display_value, join_labels, period_label, years_list
from uniondash.model import Dataset, Filters, Lang, headline_facts
from uniondash.query import Notice, shown, to_query_string

INTERVAL_MIN, INTERVAL_MAX = 5, 600
# Charts per section in the briefing: with the headline tables this keeps the full data within four A4 pages.
BRIEFING_CHARTS_PER_SECTION = 1
# Type of slide and briefing charts, times the dashboard's: a slide is read from the back of a room (24px
# labels, then scaled to fill the slide), and the briefing's charts are printed at 62%, so ticks of
# 14px × 1.25 × 0.62 come out at 8pt.
SLIDE_FONT_SCALE = 1.5
BRIEFING_FONT_SCALE = 1.25
# A row of bars with its label beside it, in px at the dashboard's type: thick enough for an in-bar value
# in a CJK font (line box 1.45em plus padding) at full size, and the gap to the next bar.
BESIDE_BAR = 30
BESIDE_GAP = 6
# Room (px) past the longest label for plotly's margins and the label's distance to its bar.
BESIDE_MARGINS = 64
# Characters per line of a label beside its bar: a wide page has room, and a second line doubles every row.
BESIDE_WRAP = {"zh": 24, "en": 48}

TEXT = {
    "zh": {
        "deck_title": "株洲市总工会五年工作成就",
        "briefing_title": "株洲市总工会五年工作成就 · 简报",
        "source": "来源",
        "period": "时期",
        "other_periods": "（个别数字另注时期）",
        "filters": "筛选",
        "generated": "生成日期",
        "years": "年份",
        "sections": "板块",
        "programmes": "项目",
        "all_years": "全部年份",
        "all": "全部",
        "empty": "所选范围内没有数据",
        "empty_hint": "请减少筛选条件，或查看全部数据。",
        "show_all": "查看全部数据",
        "key_help": "← → 或空格翻页 · Home/End 首页/末页 · F 全屏",
        "auto": "自动翻页：每 {} 秒（P 暂停/继续）",
        "other_lang": "English",
        "print": "打印",
        "slides": "幻灯片",
        "headlines": "主要数字",
        "qualifiers": "数字均按报告原文，保留“余”“多”“接近”等限定词。",
        "chart_missing": "图表未能绘制（需要 JavaScript 和 plotly.js）。",
        "close": "关闭",
        "pause": "暂停自动翻页",
        "play": "继续自动翻页",
        "paused": "自动翻页已暂停",
        "notices": "提示",
        "slides_label": "幻灯片",
        "prev": "上一页",
        "next": "下一页",
        "sep": "；",
        "colon": "：",
    },
    "en": {
        "deck_title": "Zhuzhou trade unions: five years of work",
        "briefing_title": "Zhuzhou trade unions: five years of work · briefing",
        "source": "Source",
        "period": "Period",
        "other_periods": " (a few figures note their own period)",
        "filters": "Filters",
        "generated": "Generated",
        "years": "Years",
        "sections": "Sections",
        "programmes": "Programmes",
        "all_years": "all years",
        "all": "all",
        "empty": "No figures for this selection",
        "empty_hint": "Remove some filters, or see all the figures.",
        "show_all": "Show all figures",
        "key_help": "← → or Space to move · Home/End · F for full screen",
        "auto": "Auto-advance every {} s (P to pause or resume)",
        "other_lang": "中文",
        "print": "Print",
        "slides": "Slides",
        "headlines": "Headline figures",
        "qualifiers": "Figures as the report writes them, qualifiers (over, nearly) kept.",
        "chart_missing": "The chart could not be drawn (it needs JavaScript and plotly.js).",
        "close": "Close",
        "pause": "Pause auto-advance",
        "play": "Resume auto-advance",
        "paused": "Auto-advance paused",
        "notices": "Notices",
        "slides_label": "Slides",
        "prev": "Previous",
        "next": "Next",
        "sep": "; ",
        "colon": ": ",
    },
}


# ---------------------------------------------------------------------------------------------------
# Pure planning: Dataset + Filters -> what the slides and the briefing show.


@dataclass(frozen=True)
class HeadlineValue:
    """One headline figure as a reader sees it: label, value as written (qualifier kept), own period."""

    fact_id: str
    label: str
    value: str
    period: str


@dataclass(frozen=True, eq=False)
class HeadlineCard:
    """Consecutive headline facts of one programme, shown together."""

    programme_id: str
    section_id: str
    title: str
    values: tuple[HeadlineValue, ...]
    period: str
    source: str
    # True when the values' periods differ, so each value shows its own.
    mixed_periods: bool
    facts: pd.DataFrame = field(repr=False)


@dataclass(frozen=True, eq=False)
class ChartView:
    """One chart of the registry for the chosen filters: its title, period, source and figure JSON."""

    chart_id: str
    section_id: str
    title: str
    period: str
    source: str
    # Without its title, source and computed totals (the page shows those as text), at `height` px.
    figure: dict[str, Any]
    facts: pd.DataFrame = field(repr=False)
    height: int = 400
    computed: tuple[str, ...] = ()
    # The narrowest drawing (px) that keeps the plot PLOT_EMS wide, as its bar-label placement assumes.
    min_width: int = 0
    # Its text alternative (figures.describe): every value as the report writes it, for screen readers.
    summary: str = ""


@dataclass(frozen=True, eq=False)
class SectionPlan:
    section_id: str
    label: str
    cards: tuple[HeadlineCard, ...]
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class Slide:
    kind: Literal["title", "card", "chart", "empty"]
    section: str
    heading: str
    period: str
    source: str
    card: HeadlineCard | None = None
    chart: ChartView | None = None
    # Title slide only: the title of the source document.
    subtitle: str = ""


def headline_cards(headlines: pd.DataFrame, dataset: Dataset, lang: Lang) -> list[HeadlineCard]:
    """Group headline facts (as `headline_facts` returns them) into cards: a run of one programme is one card."""
    if headlines.empty:
        return []
    runs = (headlines["programme_id"] != headlines["programme_id"].shift()).cumsum()
    cards = []
    for _, facts in headlines.groupby(runs, sort=True):
        periods = facts[["period_start", "period_end"]].drop_duplicates()
        values = tuple(
            HeadlineValue(
                fact_id=str(row["id"]),
                label=str(row[f"label_{lang}"]),
                value=display_value(row, lang),
                period=period_label(int(row["period_start"]), int(row["period_end"]), lang),
            )
            for _, row in facts.iterrows()
        )
        programme_id = str(facts["programme_id"].iloc[0])
        cards.append(
            HeadlineCard(
                programme_id=programme_id,
                section_id=str(facts["section_id"].iloc[0]),
                title=dataset.label("programmes", programme_id, lang),
                values=values,
                period=period_of(facts, lang),
                source=source_line(dataset, facts, lang),
                mixed_periods=len(periods) > 1,
                facts=facts,
            )
        )
    return cards


def period_of(facts: pd.DataFrame, lang: Lang) -> str:
    """The span of the facts' periods: '2019–2023年'."""
    return period_label(int(facts["period_start"].min()), int(facts["period_end"].max()), lang)


def deck_period(facts: pd.DataFrame, lang: Lang) -> str:
    """The period most figures share ('2019–2023年'), noting when some have periods outside it.

    A deck of the five-year report also holds the 20-year 金秋助学 total: its span (2003–2023) would
    misstate what the deck covers, so the title names the common period and each slide its own.
    """
    counts = Counter(zip(facts["period_start"].astype(int), facts["period_end"].astype(int), strict=True))
    # Ties go to the earliest period (Counter keeps first-seen order; facts are in report order).
    start, end = counts.most_common(1)[0][0]
    label = period_label(start, end, lang)
    outside = (facts["period_start"] < start) | (facts["period_end"] > end)
    return label + TEXT[lang]["other_periods"] if outside.any() else label


def source_line(dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> str:
    """The citations of the sources the facts come from, in order of first use."""
    citations = dataset.sources.set_index("id")[f"citation_{lang}"]
    ids = dict.fromkeys(str(source_id) for source_id in facts["source_id"])
    return TEXT[lang]["sep"].join(str(citations.get(source_id, source_id)) for source_id in ids)


def source_title(dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> str:
    """The title of the document the (first of the) facts come from, e.g. the report's headline."""
    sources = dataset.sources.set_index("id")[f"title_{lang}"]
    first = str(facts["source_id"].iloc[0]) if not facts.empty else str(sources.index[0])
    return str(sources.get(first, ""))


def chart_views(dataset: Dataset, filters: Filters, charts: Sequence[Chart] | None = None) -> list[ChartView]:
    """The registry's charts that have rows for the filters, each built once, in registry order."""
    views = []
    for chart in CHARTS.values() if charts is None else charts:
        if filters.sections and chart.section_id not in filters.sections:
            continue
        facts = chart.rows(dataset, filters)
        if facts.empty:
            continue
        figure, height = figure_json(chart.build(dataset, filters))
        views.append(
            ChartView(
                chart_id=chart.id,
                section_id=chart.section_id,
                title=chart.title(filters.lang),
                period=period_of(facts, filters.lang),
                source=source_line(dataset, facts, filters.lang),
                figure=figure,
                facts=facts,
                height=height or 400,
                computed=tuple(
                    computed_totals(chart, plan_panels(facts, dataset, filters.lang), dataset, filters.lang)
                ),
                summary=describe(chart, dataset, filters),
            )
        )
    return views


def figure_json(figure: go.Figure) -> tuple[dict[str, Any], int | None]:
    """The figure as plain JSON for a page that shows its title, source and computed totals as text, and
    the height in px it is laid out for.

    Its bar labels sit at fixed pixel offsets, so the page draws it at that height and scales the drawing
    to fit (slides) or to the column (briefing), rather than squeezing it into another height.
    """
    spec, height = without_captions(figure)
    plain: dict[str, Any] = json.loads(json.dumps(spec, cls=PlotlyJSONEncoder))
    return plain, height


def plan_sections(dataset: Dataset, filters: Filters, charts_per_section: int | None = None) -> list[SectionPlan]:
    """Per report section (sections.csv order): its headline cards, then its charts; empty sections left out."""
    lang = filters.lang
    cards = headline_cards(headline_facts(dataset, filters), dataset, lang)
    views = chart_views(dataset, filters)
    plans = []
    for section in dataset.sections.itertuples():
        section_cards = tuple(card for card in cards if card.section_id == section.id)
        section_charts = tuple(view for view in views if view.section_id == section.id)[:charts_per_section]
        if section_cards or section_charts:
            label = dataset.label("sections", str(section.id), lang)
            plans.append(SectionPlan(str(section.id), label, section_cards, section_charts))
    return plans


def shown_facts(plans: Sequence[SectionPlan]) -> pd.DataFrame:
    """Every fact behind what the plans show (for the overall period and sources)."""
    frames = [card.facts for plan in plans for card in plan.cards] + [
        view.facts for plan in plans for view in plan.charts
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def plan_slides(dataset: Dataset, filters: Filters) -> list[Slide]:
    """A title slide, then per section its headline cards and its charts; or one slide saying it is empty."""
    lang = filters.lang
    plans = plan_sections(dataset, filters)
    if not plans:
        return [Slide("empty", "", TEXT[lang]["empty"], "", source_line(dataset, dataset.facts, lang))]
    facts = shown_facts(plans)
    title = Slide(
        "title",
        "",
        TEXT[lang]["deck_title"],
        deck_period(facts, lang),
        source_line(dataset, facts, lang),
        subtitle=source_title(dataset, facts, lang),
    )
    slides = [title]
    for plan in plans:
        slides += [Slide("card", plan.label, card.title, card.period, card.source, card=card) for card in plan.cards]
        for view in plan.charts:
            wide = labels_beside(view, SLIDE_FONT_SCALE, lang)
            slides.append(Slide("chart", plan.label, view.title, view.period, view.source, chart=wide))
    return slides


def labels_beside(view: ChartView, font_scale: float, lang: Lang) -> ChartView:
    """The chart laid out for a wide page: type `font_scale` times larger, each bar's label beside it.

    The dashboard stacks a label above each bar so a phone keeps the width for the bars. A slide or an A4
    column is wide and short instead: labels beside the bars halve the rows' height, so the chart can be
    drawn with larger type and still fit. Panels keep their order and headings; a panel without bar labels
    (a change over periods) is only enlarged.
    """
    figure = copy.deepcopy(view.figure)
    layout = figure["layout"]
    margin = layout.get("margin", {})
    top, bottom = int(margin.get("t", 0)), int(margin.get("b", 0))
    old_plot = max(view.height - top - bottom, 1)
    annotations = layout.get("annotations", [])
    axes = sorted(
        (key for key in layout if re.fullmatch(r"yaxis\d*", key)),
        key=lambda key: -float(layout[key].get("domain", [0, 1])[1]),
    )
    if not axes:  # not laid out in panels by `figures.chart_figure`: plotly places it, only the type grows
        _scale_fonts(figure, font_scale)
        return replace(view, figure=figure)
    heights: dict[str, float] = {}
    widest = 0.0
    for key in axes:
        axis, ref = layout[key], "y" + key[len("yaxis") :]
        labels = [a for a in annotations if a.get("name") == "category" and a.get("yref") == ref]
        if not labels:
            start, end = axis.get("domain", [0, 1])
            heights[key] = (end - start) * old_plot * font_scale
            continue
        texts = [rewrapped(str(label["text"]), lang) for label in labels]
        lines = max(text.count("<br>") + 1 for text in texts)
        row = font_scale * (max(lines * LINE_HEIGHT, BESIDE_BAR) + BESIDE_GAP)
        heights[key] = row * len(labels)
        widest = max(widest, *(text_ems(html.unescape(line)) for text in texts for line in text.split("<br>")))
        label_font = labels[0].get("font", {})
        axis.update(
            showticklabels=True,
            tickmode="array",
            tickvals=[label["y"] for label in labels],
            ticktext=texts,
            tickfont={"size": FONT_SIZE, **label_font},
            ticklabelstandoff=round(8 * font_scale),
            automargin=True,
        )
        for trace in figure["data"]:
            if trace.get("yaxis", "y") == ref and trace.get("orientation") == "h":
                trace.pop("offset", None)
                trace["width"] = BESIDE_BAR * font_scale / row
        moved = {id(label) for label in labels}
        annotations = [a for a in annotations if id(a) not in moved]
    # Panels top to bottom, a heading's worth of room between them, as the dashboard stacks them.
    # A heading of several lines (too long for a phone's width) keeps the room above its panel it had.
    heading_breaks = {
        float(a.get("y", 0)): str(a.get("text", "")).count("<br>")
        for a in annotations
        if a.get("name") == "heading" and a.get("yref") == "paper"
    }

    def room_above(key: str) -> float:
        old_top = float(layout[key].get("domain", [0, 1])[1])
        nearest = min(heading_breaks, key=lambda y: abs(y - old_top)) if heading_breaks else None
        return LINE_HEIGHT * font_scale * (heading_breaks[nearest] if nearest is not None else 0)

    gap = PANEL_GAP * font_scale
    room = {key: room_above(key) for key in axes}
    plot = max(sum(heights.values()) + sum(gap + room[key] for key in axes[1:]), 1.0)
    domains: dict[float, float] = {}
    upper = plot
    for index, key in enumerate(axes):
        if index:
            upper -= gap + room[key]
        old_top = float(layout[key].get("domain", [0, 1])[1])
        layout[key]["domain"] = [max((upper - heights[key]) / plot, 0.0), upper / plot]
        domains[old_top] = upper / plot
        upper -= heights[key]
    for annotation in annotations:
        if annotation.get("name") == "heading" and annotation.get("yref") == "paper" and domains:
            old = min(domains, key=lambda old_top: abs(old_top - float(annotation.get("y", 0))))
            annotation["y"] = domains[old]
        if "yshift" in annotation:
            annotation["yshift"] = round(annotation["yshift"] * font_scale)
    layout["annotations"] = annotations
    # Value-axis ticks are set small for a phone (figures.GRID); a wide page reads them at the labels' size.
    for key, axis in layout.items():
        if re.fullmatch(r"xaxis\d*", key) and isinstance(axis, dict):
            tickfont = axis.setdefault("tickfont", {})
            tickfont["size"] = max(float(tickfont.get("size", 0)), FONT_SIZE)
    _scale_fonts(figure, font_scale)
    layout["margin"] = {**margin, "t": round(top * font_scale), "b": round(bottom * font_scale)}
    if "y" in layout.get("legend", {}):
        # Below the plot's ticks, which grew with the type while the plot's height changed.
        layout["legend"]["y"] = float(layout["legend"]["y"]) * old_plot * font_scale / plot
    height = round(plot) + layout["margin"]["t"] + layout["margin"]["b"]
    min_width = round((widest + PLOT_EMS) * FONT_SIZE * font_scale + BESIDE_MARGINS * font_scale)
    return replace(view, figure=figure, height=height, min_width=min_width)


def rewrapped(label: str, lang: Lang) -> str:
    """A bar label as plotly text (escaped, lines joined by <br>), wrapped again at BESIDE_WRAP characters."""
    lines = html.unescape(label).split("<br>")
    # As `figures.wrap_label` cut it: English at spaces, Chinese anywhere.
    text = " ".join(lines) if lang == "en" or "".join(lines).isascii() else "".join(lines)
    return wrapped(text, lang, BESIDE_WRAP[lang])


def _scale_fonts(figure: dict[str, Any], factor: float) -> None:
    """Every font size of the figure (layout, legend, axes, annotations, traces' text) times `factor`, in place."""

    def scale(font: Any) -> None:
        if isinstance(font, dict) and "size" in font:
            size = font["size"]
            font["size"] = [s * factor for s in size] if isinstance(size, list) else size * factor

    layout = figure["layout"]
    scale(layout.get("font"))
    scale(layout.get("legend", {}).get("font"))
    scale(layout.get("hoverlabel", {}).get("font"))
    for key, axis in layout.items():
        if re.fullmatch(r"[xy]axis\d*", key):
            scale(axis.get("tickfont"))
    for annotation in layout.get("annotations", []):
        scale(annotation.get("font"))
    for trace in figure["data"]:
        scale(trace.get("textfont"))
        scale(trace.get("outsidetextfont"))
        scale(trace.get("insidetextfont"))
    if "minsize" in layout.get("uniformtext", {}):
        layout["uniformtext"]["minsize"] *= factor


def describe_filters(dataset: Dataset, filters: Filters) -> str:
    """The filters in words: '年份：2019–2020、2023；板块：职工帮扶；项目：全部'."""
    text = TEXT[filters.lang]
    colon = text["colon"]
    years = years_list(filters.years, filters.lang) or text["all_years"]
    sections = join_labels((dataset.label("sections", s, filters.lang) for s in filters.sections), filters.lang)
    programmes = join_labels((dataset.label("programmes", p, filters.lang) for p in filters.programmes), filters.lang)
    parts = [
        f"{text['years']}{colon}{years}",
        f"{text['sections']}{colon}{sections or text['all']}",
        f"{text['programmes']}{colon}{programmes or text['all']}",
    ]
    return text["sep"].join(parts)


def parse_interval(values: Sequence[str]) -> tuple[int | None, list[Notice]]:
    """`?interval=30`: seconds between slides, INTERVAL_MIN–INTERVAL_MAX; anything else is ignored with a notice."""
    if not values or not values[-1].strip():
        return None, []
    raw = values[-1].strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and INTERVAL_MIN <= int(raw) <= INTERVAL_MAX:
        return int(raw), []
    quoted = shown(raw, 20)
    return None, [
        Notice(
            f"自动翻页间隔“{quoted}”无效（应为 {INTERVAL_MIN}–{INTERVAL_MAX} 秒），已关闭自动翻页。",
            f"Interval {raw[:20]!r} not understood (use {INTERVAL_MIN}–{INTERVAL_MAX} seconds): auto-advance is off.",
        )
    ]


def parse_slide(values: Sequence[str], count: int) -> tuple[int, list[Notice]]:
    """`?slide=3`: the 1-based slide to open; anything else opens the first slide with a notice."""
    if not values or not values[-1].strip():
        return 1, []
    raw = values[-1].strip()
    # int() refuses strings of over 4300 digits: a slide number is never that long.
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= count:
        return int(raw), []
    quoted = shown(raw, 20)
    return 1, [
        Notice(
            f"幻灯片“{quoted}”不存在（共 {count} 页），已从第 1 页开始。",
            f"Slide {raw[:20]!r} does not exist (there are {count}): starting at slide 1.",
        )
    ]


def citation_parts(text: str, lang: Lang) -> list[str]:
    """A source line cut where it may wrap, each part with the space after it: between a citation's parts
    (paper, date, page), never inside one, so '第3版' or '30 November 2023' is not split over two lines.

    Chinese citations separate their parts by spaces ('株洲日报 2023年11月30日 第3版'), English ones by
    commas; sources are separated by '；' or '; '.
    """
    ends = r"\s+|(?<=；)" if lang == "zh" else r"(?<=[,;])\s+"
    return [part for part in re.findall(rf".+?(?:{ends}|$)", text, flags=re.DOTALL) if part]


# ---------------------------------------------------------------------------------------------------
# Rendering: the plans above into HTML (autoescaped; figure JSON through `tojson`).

_templates = Environment(
    loader=PackageLoader("uniondash", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["citation_parts"] = citation_parts
# The English font stack of the charts, for the page around them: a constant, as CSS (not escaped).
_templates.globals["font_family_en"] = Markup(FONT_FAMILY_EN)


def _url(path: str, filters: Filters, **extra: int | None) -> str:
    more = urlencode([(name, value) for name, value in extra.items() if value is not None])
    joined = "&".join(part for part in (to_query_string(filters), more) if part)
    return f"{path}?{joined}" if joined else path


def _other_lang(filters: Filters) -> Filters:
    return replace(filters, lang="en" if filters.lang == "zh" else "zh")


def render_present(
    dataset: Dataset,
    filters: Filters,
    slides: Sequence[Slide],
    notices: Sequence[Notice] = (),
    interval: int | None = None,
    start: int = 1,
    *,
    plotly_url: str = "",
) -> str:
    """The slides (from `plan_slides`) as one HTML page; `start` is the 1-based slide shown first."""
    return _templates.get_template("present.html").render(
        lang=filters.lang,
        text=TEXT[filters.lang],
        slides=slides,
        figures={slide.chart.chart_id: slide.chart.figure for slide in slides if slide.chart},
        filters_text=describe_filters(dataset, filters) if filters != Filters(lang=filters.lang) else "",
        notices=[notice.text(filters.lang) for notice in notices],
        interval=interval,
        start=min(max(start, 1), len(slides)),
        plotly_url=plotly_url,
        other_lang_url=_url("/present", _other_lang(filters), interval=interval),
        show_all_url=_url("/present", Filters(lang=filters.lang)),
    )


def render_briefing(
    dataset: Dataset,
    filters: Filters,
    notices: Sequence[Notice] = (),
    *,
    plotly_js: str | None = None,
    plotly_url: str = "",
    generated: date | None = None,
) -> str:
    """The A4 briefing as one HTML page: plotly.js inlined from `plotly_js` (a self-contained file), else
    loaded from `plotly_url`."""
    lang = filters.lang
    plans = [
        replace(plan, charts=tuple(labels_beside(view, BRIEFING_FONT_SCALE, lang) for view in plan.charts))
        for plan in plan_sections(dataset, filters, charts_per_section=BRIEFING_CHARTS_PER_SECTION)
    ]
    facts = shown_facts(plans)
    return _templates.get_template("briefing.html").render(
        lang=lang,
        text=TEXT[lang],
        plans=plans,
        figures={view.chart_id: view.figure for plan in plans for view in plan.charts},
        period=deck_period(facts, lang) if not facts.empty else "",
        source=source_line(dataset, facts if not facts.empty else dataset.facts, lang),
        source_title=source_title(dataset, facts, lang),
        filters_text=describe_filters(dataset, filters),
        notices=[notice.text(lang) for notice in notices],
        generated=format_date(generated or date.today(), format="long", locale=LOCALES[lang]),
        # An inlined script must not close its own <script> element early.
        plotly_js=plotly_js.replace("</script", "<\\/script") if plotly_js is not None else None,
        plotly_url=plotly_url,
        other_lang_url=_url("/briefing", _other_lang(filters)),
        present_url=_url("/present", filters),
    )
