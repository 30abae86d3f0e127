"""Meeting mode, the pure part: which headline cards and charts go on the slides (`plan_slides`) and the
A4 briefing (`plan_sections`), the parameter parsers, and the two pages rendered from templates.

No Flask here: `web/meeting_routes.py` serves these pages, and `exports/pdf.py` prints the briefing
to PDF from the same HTML without a server.
"""

from __future__ import annotations

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
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.utils import PlotlyJSONEncoder

from uniondash.charts import CHARTS, Chart
from uniondash.chartspec import ChartSpec, chart_spec, chart_specs, describe
from uniondash.figures import (
    FONT_FAMILY_EN,
    NARROW,
    PRINT,
    WIDE,
    ChartStyle,
    render_plotly,
    smallest_font,
    without_captions,
)
from uniondash.format import (
    display_value,
    edition_label,
    join_labels,
    long_date,
    period_label,
    site_title,
    years_list,
)
from uniondash.model import Dataset, Filters, Lang, headline_facts, view_edition
from uniondash.numbers import whole_number
from uniondash.query import Notice, shown, to_query_string
from uniondash.share import dashboard_url

INTERVAL_MIN, INTERVAL_MAX = 5, 600
# Charts per section in the briefing: with the headline tables this keeps the full data within four A4 pages.
BRIEFING_CHARTS_PER_SECTION = 1
# Slides draw charts in the figures' WIDE style (type ×1.5, labels beside the bars: read from the back of a
# room), the briefing in PRINT (×1.25: printed at 62%, ticks come out at 8pt or more).
SLIDE_STYLE = WIDE
BRIEFING_STYLE = PRINT

TEXT = {
    "zh": {
        "briefing_title": "{} · 简报",
        "source": "来源",
        "period": "时期",
        "other_periods": "（个别数字另注时期）",
        "filters": "筛选",
        "generated": "生成日期",
        "years": "年份",
        "report": "报告",
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
        "dashboard": "在仪表盘中查看",
        "dashboard_short": "仪表盘",
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
        "briefing_title": "{} · briefing",
        "source": "Source",
        "period": "Period",
        "other_periods": " (a few figures cover other periods)",
        "filters": "Filters",
        "generated": "Generated",
        "years": "Years",
        "report": "Report",
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
        "dashboard": "Open in the dashboard",
        "dashboard_short": "Dashboard",
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
    # Every fact the chart shows (bars, cards, rates on bars): what a slide need not repeat.
    fact_ids: frozenset[str] = frozenset()
    # Its text alternative (chartspec.describe): every value as the report writes it, for screen readers.
    summary: str = ""
    # The smallest type (px) the drawing sets, before a page scales it.
    min_font: float = 0.0
    # What the chart says, for a page that draws it a second way (the slides on a phone).
    spec: ChartSpec | None = field(default=None, repr=False)


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


def chart_views(
    dataset: Dataset, filters: Filters, charts: Sequence[Chart] | None = None, style: ChartStyle = NARROW
) -> list[ChartView]:
    """The registry's charts that have a comparison to draw for the filters, each drawn once in `style`.

    A chart whose figures are all lone (number cards only) is left out: a page shows those as numbers.
    """
    views = []
    for chart in CHARTS.values() if charts is None else charts:
        if filters.sections and chart.section_id not in filters.sections:
            continue
        spec = chart_spec(chart, dataset, filters)
        if spec.has_comparison:
            views.append(chart_view(chart, spec, dataset, filters, style))
    return views


def chart_view(chart: Chart, spec: ChartSpec, dataset: Dataset, filters: Filters, style: ChartStyle) -> ChartView:
    """One chart's spec drawn in `style`, as a page around it needs it (captions shown as text)."""
    facts = chart.rows(dataset, filters)
    built = render_plotly(spec, style)
    figure, height = figure_json(built, style)
    meta = figure["layout"].get("meta") or {}
    return ChartView(
        chart_id=chart.id,
        section_id=chart.section_id,
        title=spec.title,
        period=spec.period,
        source=source_line(dataset, facts, filters.lang),
        figure=figure,
        facts=facts,
        height=height or 400,
        # Computed totals and comparisons with other reports, as every medium writes them under the chart.
        computed=tuple("\n".join(part for part in caption if part) for caption in spec.captions),
        min_width=int(meta.get("min_width", 0)) if isinstance(meta, dict) else 0,
        fact_ids=frozenset(spec.fact_ids),
        summary=describe(chart, dataset, filters),
        min_font=smallest_font(figure),
        spec=spec,
    )


@dataclass(frozen=True)
class PhoneDrawing:
    """A slide's chart drawn for a phone held upright (NARROW: labels above the bars, the dashboard's phone
    layout) at its own height, beside the slide's WIDE drawing; the page draws whichever reads larger."""

    figure: dict[str, Any]
    height: int
    min_font: float


def phone_drawings(slides: Sequence[Slide]) -> dict[str, PhoneDrawing]:
    """The chart slides' phone drawings, by chart id."""
    drawings = {}
    for slide in slides:
        if slide.chart is not None and slide.chart.spec is not None:
            figure, height = figure_json(render_plotly(slide.chart.spec, NARROW), NARROW)
            drawings[slide.chart.chart_id] = PhoneDrawing(figure, height or 400, smallest_font(figure))
    return drawings


def figure_json(figure: go.Figure, style: ChartStyle = NARROW) -> tuple[dict[str, Any], int | None]:
    """The figure as plain JSON for a page that shows its title, source and computed totals as text, and
    the height in px it is laid out for.

    Its bar labels sit at fixed pixel offsets, so the page draws it at that height and scales the drawing
    to fit (slides) or to the column (briefing), rather than squeezing it into another height.
    """
    spec, height = without_captions(figure, style.font_scale)
    plain: dict[str, Any] = json.loads(json.dumps(spec, cls=PlotlyJSONEncoder))
    return plain, height


def plan_sections(
    dataset: Dataset, filters: Filters, charts_per_section: int | None = None, style: ChartStyle = NARROW
) -> list[SectionPlan]:
    """Per report section (sections.csv order): its headline cards, then its charts with a comparison to
    draw (in `style`); empty sections left out."""
    lang = filters.lang
    cards = headline_cards(headline_facts(dataset, filters), dataset, lang)
    views = chart_views(dataset, filters, style=style)
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


def lone_figure_cards(dataset: Dataset, filters: Filters) -> list[HeadlineCard]:
    """The figures of charts with no comparison to draw (number cards only), as cards, in registry order."""
    cards = []
    for spec in chart_specs(dataset, filters):
        if spec.has_comparison:
            continue
        facts = CHARTS[spec.chart_id].rows(dataset, filters)
        cards += headline_cards(facts[facts["id"].isin({card.fact_id for card in spec.cards})], dataset, filters.lang)
    return cards


def plan_slides(dataset: Dataset, filters: Filters) -> list[Slide]:
    """A title slide, then per section one slide per idea: its headline numbers the charts do not show, the
    lone figures of charts with nothing to compare, then its charts (type for a room, labels beside the
    bars); or one slide saying it is empty.

    A number is never shown twice: a headline value that a chart of its section draws is left to the chart,
    and a card left with no values is no slide.
    """
    lang = filters.lang
    plans = {plan.section_id: plan for plan in plan_sections(dataset, filters, style=SLIDE_STYLE)}
    lone = lone_figure_cards(dataset, filters)
    slides: list[Slide] = []
    shown: list[pd.DataFrame] = []
    for section in dataset.sections.itertuples():
        plan = plans.get(str(section.id))
        label = dataset.label("sections", str(section.id), lang)
        charts = plan.charts if plan else ()
        done = {fact_id for view in charts for fact_id in view.fact_ids}
        cards = [*(plan.cards if plan else ()), *(card for card in lone if card.section_id == section.id)]
        for card in cards:
            rest = card.facts[~card.facts["id"].isin(done)]
            done |= set(rest["id"])
            for kept in headline_cards(rest, dataset, lang):
                slides.append(Slide("card", label, kept.title, kept.period, kept.source, card=kept))
                shown.append(kept.facts)
        slides += [Slide("chart", label, view.title, view.period, view.source, chart=view) for view in charts]
        shown += [view.facts for view in charts]
    if not slides:
        return [Slide("empty", "", TEXT[lang]["empty"], "", source_line(dataset, dataset.facts, lang))]
    facts = pd.concat(shown, ignore_index=True)
    title = Slide(
        "title",
        "",
        deck_title(dataset, filters),
        deck_period(facts, lang),
        source_line(dataset, facts, lang),
        subtitle=source_title(dataset, facts, lang),
    )
    return [title, *slides]


def deck_title(dataset: Dataset, filters: Filters) -> str:
    """The slides' and the briefing's title, from the kind of report shown: '株洲市总工会五年工作成就'."""
    edition = view_edition(dataset, filters)
    return site_title(edition.kind if edition is not None else "", filters.lang)


def _texts(dataset: Dataset, filters: Filters) -> dict[str, str]:
    """The page's words, with the titles taken from the data."""
    title = deck_title(dataset, filters)
    text = TEXT[filters.lang]
    return {**text, "deck_title": title, "briefing_title": text["briefing_title"].format(title)}


def describe_filters(dataset: Dataset, filters: Filters) -> str:
    """The filters in words: '报告：2019–2023年五年报告；板块：职工帮扶；项目：全部' or '年份：2019–2020、2023；…'."""
    text = TEXT[filters.lang]
    colon = text["colon"]
    edition = view_edition(dataset, filters)
    if edition is not None:
        shown = edition_label(edition.start, edition.end, edition.kind, filters.lang)
        return describe_rest(dataset, filters, f"{text['report']}{colon}{shown}")
    return describe_rest(dataset, filters, f"{text['years']}{colon}{years_list(filters.years, filters.lang)}")


def describe_rest(dataset: Dataset, filters: Filters, first: str) -> str:
    """`first` (the period chosen), then the sections and programmes chosen, in words."""
    text = TEXT[filters.lang]
    colon = text["colon"]
    sections = join_labels((dataset.label("sections", s, filters.lang) for s in filters.sections), filters.lang)
    programmes = join_labels((dataset.label("programmes", p, filters.lang) for p in filters.programmes), filters.lang)
    parts = [
        first,
        f"{text['sections']}{colon}{sections or text['all']}",
        f"{text['programmes']}{colon}{programmes or text['all']}",
    ]
    return text["sep"].join(parts)


def parse_interval(values: Sequence[str]) -> tuple[int | None, list[Notice]]:
    """`?interval=30`: seconds between slides, INTERVAL_MIN–INTERVAL_MAX; anything else is ignored with a notice."""
    if not values or not values[-1].strip():
        return None, []
    raw = values[-1].strip()
    interval = whole_number(raw, INTERVAL_MIN, INTERVAL_MAX)
    if interval is not None:
        return interval, []
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
    slide = whole_number(raw, 1, count)
    if slide is not None:
        return slide, []
    quoted = shown(raw, 20)
    return 1, [
        Notice(
            f"幻灯片“{quoted}”不存在（共 {count} 页），已从第 1 页开始。",
            f"Slide {raw[:20]!r} does not exist (there are {count}): starting at slide 1.",
        )
    ]


# Words that belong to the number before them: '520 thousand' is one number, never cut over two lines.
SCALE_WORDS = frozenset({"thousand", "million", "billion", "trillion", "%"})


def value_words(value: str) -> list[str]:
    """A big number's parts that may go on separate lines: 'over 520 thousand person-times' ->
    ['over', '520 thousand', 'person-times']. A Chinese value ('52万余人次') is one part."""
    parts: list[str] = []
    for word in value.split(" "):
        if parts and word in SCALE_WORDS and parts[-1][-1:].isdigit():
            parts[-1] += " " + word
        else:
            parts.append(word)
    return parts


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
_templates.filters["value_words"] = value_words
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
    phone = phone_drawings(slides)
    return _templates.get_template("present.html").render(
        lang=filters.lang,
        text=_texts(dataset, filters),
        slides=slides,
        figures={slide.chart.chart_id: slide.chart.figure for slide in slides if slide.chart},
        phone=phone,
        phone_figures={chart_id: drawing.figure for chart_id, drawing in phone.items()},
        filters_text=describe_filters(dataset, filters) if filters != Filters(lang=filters.lang) else "",
        notices=[notice.text(filters.lang) for notice in notices],
        interval=interval,
        start=min(max(start, 1), len(slides)),
        plotly_url=plotly_url,
        other_lang_url=_url("/present", _other_lang(filters), interval=interval),
        show_all_url=_url("/present", Filters(lang=filters.lang)),
        dashboard_url=dashboard_url(filters),
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
    plans = plan_sections(dataset, filters, charts_per_section=BRIEFING_CHARTS_PER_SECTION, style=BRIEFING_STYLE)
    facts = shown_facts(plans)
    return _templates.get_template("briefing.html").render(
        lang=lang,
        text=_texts(dataset, filters),
        plans=plans,
        figures={view.chart_id: view.figure for plan in plans for view in plan.charts},
        period=deck_period(facts, lang) if not facts.empty else "",
        source=source_line(dataset, facts if not facts.empty else dataset.facts, lang),
        source_title=source_title(dataset, facts, lang),
        filters_text=describe_filters(dataset, filters),
        notices=[notice.text(lang) for notice in notices],
        generated=long_date(generated or date.today(), lang),
        # An inlined script must not close its own <script> element early.
        plotly_js=plotly_js.replace("</script", "<\\/script") if plotly_js is not None else None,
        plotly_url=plotly_url,
        other_lang_url=_url("/briefing", _other_lang(filters)),
        present_url=_url("/present", filters),
        dashboard_url=dashboard_url(filters),
    )
