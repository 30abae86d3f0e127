"""Layout pieces of the dashboard: header, filters, figure cards, chart blocks, quotes, tables.

Each function takes plain values (facts, filters, strings) and returns Dash components; no callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from uniondash import share
from uniondash.charts import Chart
from uniondash.chartspec import (
    ChartSpec,
    NumberCard,
    attached_rates,
    chart_spec,
    describe_facts,
    draws_comparison,
    rate_suffix,
)
from uniondash.figures import (
    NARROW,
    PLOTLY_CONFIG,
    chart_table,
    empty_reason,
    render_plotly,
    without_captions,
)
from uniondash.format import (
    as_of_label,
    display_value,
    english_unit,
    join_labels,
    period_label,
    span_label,
    years_label,
)
from uniondash.model import (
    Dataset,
    Filters,
    Lang,
    YearChoice,
    citations,
    filter_facts,
    is_stock,
    other_spans,
    period_span,
    programme_counts,
    remember,
    report_period,
    year_choices,
)
from uniondash.query import Notice, format_years
from uniondash.web import urls
from uniondash.web.i18n import nav_label, t, tn

GRAPH_CONFIG: Any = PLOTLY_CONFIG
# Downloads offered under each chart (format, link text); the zip bundles CSV, metadata and a README.
SHARE_DOWNLOADS = (("png", "PNG"), ("svg", "SVG"), ("html", "HTML"), ("csv", "CSV"), ("zip", "ZIP"))


def attrs(values: dict[str, str]) -> dict[str, Any]:
    """`aria-*` and `data-*` attributes, which Dash takes as keyword arguments."""
    return dict(values)


def aria(label: str) -> dict[str, Any]:
    return {"aria-label": label}


# ---------------------------------------------------------------------------------------------------
# Frame: header, navigation, notices, footer.


def header(filters: Filters, path: str) -> html.Header:
    """Site title, the language switch (a link: the language is part of the URL) and meeting links."""
    lang = filters.lang
    return html.Header(
        dbc.Container(
            [
                dcc.Link(
                    [html.Span(t(lang, "site_title"), className="ud-brand-title"), html.Span(t(lang, "site_period"))],
                    href=urls.href("/", filters),
                    className="ud-brand",
                ),
                html.Div(
                    [
                        html.A(t(lang, "slides"), href=urls.href("/present", filters), className="ud-header-link"),
                        html.A(t(lang, "briefing"), href=urls.href("/briefing", filters), className="ud-header-link"),
                        dcc.Link(
                            html.Span(t(lang, "other_lang"), lang="en" if lang == "zh" else "zh"),
                            href=urls.href(path, urls.other_lang(filters)),
                            id="lang-switch",
                            className="btn btn-light btn-sm ud-lang",
                            title=t(lang, "other_lang_label"),
                        ),
                    ],
                    className="ud-header-actions",
                ),
            ],
            fluid="xxl",
            className="ud-header-inner",
        ),
        className="ud-header",
    )


def navigation(dataset: Dataset, filters: Filters, active: str) -> html.Nav:
    """Overview and one tab per section; every link keeps the filters."""
    lang = filters.lang
    items = [("/", t(lang, "overview"))] + [
        (urls.section_path(str(row.id)), nav_label(lang, str(row.id), str(getattr(row, f"label_{lang}"))))
        for row in dataset.sections.itertuples()
    ]
    links = [
        html.Li(
            dcc.Link(
                # dcc.Link takes no aria-current: the current page is named in words instead.
                [label, html.Span(t(lang, "current_page"), className="visually-hidden")] if path == active else label,
                href=urls.href(path, filters),
                className="nav-link active" if path == active else "nav-link",
            ),
            className="nav-item",
        )
        for path, label in items
    ]
    return html.Nav(
        dbc.Container(html.Ul(links, className="nav nav-pills ud-nav-list"), fluid="xxl"),
        className="ud-nav",
        **aria(t(lang, "nav_label")),
    )


def notices_alert(notices: Sequence[Notice], lang: Lang) -> dbc.Alert | None:
    if not notices:
        return None
    return dbc.Alert(
        [html.P(t(lang, "notices"), className="mb-1"), html.Ul([html.Li(n.text(lang)) for n in notices])],
        color="warning",
        id="notices",
        className="ud-notices",
    )


def footer(dataset: Dataset, lang: Lang) -> html.Footer:
    source = dataset.sources.iloc[0]
    return html.Footer(
        dbc.Container(
            [
                html.P(
                    [
                        f"{t(lang, 'source')}{t(lang, 'colon')}",
                        html.Cite(str(source[f"citation_{lang}"])),
                        f" · {source[f'title_{lang}']}",
                    ]
                ),
                html.P(t(lang, "qualifiers"), className="mb-0"),
            ],
            fluid="xxl",
        ),
        className="ud-footer",
    )


# ---------------------------------------------------------------------------------------------------
# Filters.


def filter_bar(dataset: Dataset, filters: Filters, page_filters: Filters, section_id: str | None) -> html.Section:
    """Years from/to, sections (overview only), programmes, and the reset and Excel links.

    `filters` is what the URL says; `page_filters` what this page shows (a section page narrows it).
    """
    lang = filters.lang
    report = report_period(dataset.facts)
    year_block = html.Div(
        [
            html.Label(t(lang, "years"), htmlFor="filter-years", className="ud-filter-label"),
            # One control for a range or a set of years: the choices the data has, each with its count.
            dbc.Select(
                id="filter-years",
                options=[
                    {"label": year_choice_label(choice, report, lang), "value": year_choice_value(choice.years)}
                    # Counted on what this page shows (a section page: its own figures).
                    for choice in year_choices(dataset, page_filters)
                ],
                value=year_choice_value(filters.years),
                size="sm",
                className="ud-year-select",
            ),
        ],
        className="ud-filter ud-filter-years",
    )
    # A compact multi-select, as the programmes: the filter bar stays on one line, and the first screen
    # is the numbers (seven boxes took two lines in English).
    section_block = html.Fieldset(
        [
            html.Legend(t(lang, "sections"), className="ud-filter-label"),
            dcc.Dropdown(
                id="filter-section",
                options=[
                    {"label": str(getattr(row, f"label_{lang}")), "value": str(row.id)}
                    for row in dataset.sections.itertuples()
                ],
                value=list(filters.sections),
                multi=True,
                searchable=False,
                placeholder=t(lang, "all_sections"),
                labels=DROPDOWN_LABELS[lang],
                className="ud-dropdown ud-section-select",
            ),
        ],
        className="ud-filter ud-filter-sections",
        hidden=section_id is not None,
    )
    actions = html.Div(
        [
            dcc.Link(t(lang, "reset"), href=_reset_href(section_id, lang), id="filter-reset", className="ud-reset"),
            html.A(
                t(lang, "export_excel"),
                href=urls.summary_href(page_filters),
                id="export-excel",
                className="btn btn-outline-primary btn-sm",
                download="",
            ),
        ],
        className="ud-filter-actions",
    )
    # On a phone the controls fold away behind a button that says what is chosen; wider screens show them.
    toggle = html.Button(
        [html.Span(t(lang, "filters"), className="ud-toggle-label"), html.Span(filters_summary(dataset, filters))],
        id="filters-toggle",
        type="button",
        className="btn btn-light d-md-none ud-filters-toggle",
        **attrs({"aria-controls": "filters-body"}),
    )
    body = html.Div(
        [
            year_block,
            section_block,
            programme_block(dataset, filters, section_id),
            actions,
            years_note(dataset, page_filters),
        ],
        className="card-body ud-filters",
    )
    return html.Section(
        [toggle, dbc.Collapse(body, id="filters-body", is_open=False, className="d-md-block")],
        className="card ud-filter-card",
        **aria(t(lang, "filters")),
    )


ALL_YEARS = "all"


def year_choice_value(years: frozenset[int] | None) -> str:
    """The year select's value for a choice: 'all' (the report's view) or the URL's form ('2022-2023')."""
    return format_years(years) if years else ALL_YEARS


def year_choice_label(choice: YearChoice, report: tuple[int, int], lang: Lang) -> str:
    """'2019–2023年 · 报告期（88）', '2023年（19）' / '2019–2023 · report period (88)', '2023 (19)'."""
    if choice.years is None:
        return t(lang, "years_report").format(period=period_label(*report, lang), count=choice.count)
    return t(lang, "years_choice").format(years=years_label(choice.years, lang), count=choice.count)


def years_note(dataset: Dataset, filters: Filters) -> html.Small | None:
    """Under the report's view, which figures of other spans it shows beside the report's own period:
    '另含：2003–2023年的 2 个数字、2023年的 19 个数字' (careers since 2003, single years)."""
    lang = filters.lang
    facts = filter_facts(dataset.facts, filters)
    if filters.years is not None or facts.empty:
        return None
    spans = other_spans(facts, report_period(dataset.facts))
    if not spans:
        return None
    parts = [tn(lang, "years_span_count", count, period=period_label(start, end, lang)) for start, end, count in spans]
    return html.Small(
        t(lang, "years_note").format(join_labels(parts, lang)), className="ud-years-note", id="years-note"
    )


def filters_summary(dataset: Dataset, filters: Filters) -> str:
    """'2019–2023年 · 2 个项目' / 'all years · all programmes': the choice in a few words."""
    lang = filters.lang
    report = period_label(*report_period(dataset.facts), lang) if not dataset.facts.empty else ""
    years = years_label(filters.years, lang) or t(lang, "years_report_short").format(period=report)
    programmes = tn(lang, "n_programmes", len(filters.programmes)) if filters.programmes else ""
    sections = tn(lang, "n_sections", len(filters.sections)) if filters.sections else ""
    return " · ".join(part for part in (years, sections, programmes) if part)


def _reset_href(section_id: str | None, lang: Lang) -> str:
    path = urls.section_path(section_id) if section_id else "/"
    return urls.href(path, Filters(lang=lang))


def programme_option(label: str, programme_id: str, count: int, chosen: bool, lang: Lang) -> dict[str, Any]:
    """A programme choice with how many figures it shows for the chosen years: '冬送温暖（2）'. One that would
    show nothing is offered disabled (and says 0), unless it is chosen: then it can still be unticked."""
    return {
        "label": t(lang, "choice_count").format(label=label, count=count),
        "value": programme_id,
        "disabled": count == 0 and not chosen,
    }


def programme_block(dataset: Dataset, filters: Filters, section_id: str | None) -> html.Fieldset:
    """On a section page: a box per programme of the section; on the overview: a searchable list of all.
    Each choice carries its count of figures under the chosen years."""
    lang = filters.lang
    programmes = dataset.programmes
    counts = programme_counts(dataset, filters)
    chosen = set(filters.programmes)
    if section_id is not None:
        own = programmes[programmes["section_id"] == section_id]
        control: Any = dbc.Checklist(
            id="filter-programme",
            options=[
                programme_option(
                    str(row[f"label_{lang}"]), str(row["id"]), counts[row["id"]], row["id"] in chosen, lang
                )
                for _, row in own.iterrows()
            ],
            value=[p for p in filters.programmes if p in set(own["id"])],
            inline=True,
            className="ud-checks",
        )
        legend = t(lang, "programmes_here")
    else:
        sections = dataset.sections.set_index("id")[f"label_{lang}"]
        control = dcc.Dropdown(
            id="filter-programme",
            options=[
                programme_option(
                    f"{row[f'label_{lang}']}{t(lang, 'in_section').format(sections[row['section_id']])}",
                    str(row["id"]),
                    counts[row["id"]],
                    row["id"] in chosen,
                    lang,
                )
                for _, row in programmes.iterrows()
            ],
            value=list(filters.programmes),
            multi=True,
            placeholder=t(lang, "all_programmes"),
            labels=DROPDOWN_LABELS[lang],
            className="ud-dropdown",
        )
        legend = t(lang, "programmes")
    return html.Fieldset([html.Legend(legend, className="ud-filter-label"), control], className="ud-filter ud-grow")


DROPDOWN_LABELS: dict[Lang, Any] = {
    "zh": {
        "select_all": "全选",
        "deselect_all": "全不选",
        "selected_count": "已选 {num_selected} 项",
        "search": "搜索",
        "clear_search": "清除搜索",
        "clear_selection": "清除选择",
        "no_options_found": "没有匹配的项目",
    },
    "en": {
        "select_all": "Select all",
        "deselect_all": "Deselect all",
        "selected_count": "{num_selected} selected",
        "search": "Search",
        "clear_search": "Clear search",
        "clear_selection": "Clear selection",
        "no_options_found": "No programmes found",
    },
}


# ---------------------------------------------------------------------------------------------------
# Figures: values as written, with period and source quote.


def quote_details(facts: pd.DataFrame, dataset: Dataset, lang: Lang, with_labels: bool = True) -> html.Details:
    """An expandable block with each figure's sentence in the report and the citation."""
    quotes = [
        html.Blockquote(
            [
                html.Span(f"{row[f'label_{lang}']}{t(lang, 'colon')}", className="ud-quote-label")
                if with_labels
                else None,
                html.Q(str(row["source_quote"]), lang="zh"),
            ],
            className="ud-quote",
        )
        for _, row in facts.iterrows()
    ]
    cited = t(lang, "sep").join(citations(dataset, facts, lang))
    return html.Details(
        [html.Summary(t(lang, "quote_summary")), *quotes, html.P(html.Cite(cited), className="ud-cite")],
        className="ud-details",
    )


def value_parts(fact: pd.Series, lang: Lang) -> Any:
    """The figure as `display_value` writes it; in English the number (with its qualifier) and the unit as two
    unbreakable pieces, the unit smaller: 'over 520,000' above 'person-times', never 'person-' | 'times'."""
    shown = display_value(fact, lang)
    if lang == "zh":
        return shown
    unit = english_unit(float(str(fact["value"])), str(fact["unit_en"]))
    if not unit or not shown.endswith(f" {unit}"):
        return html.Span(shown, className="ud-nobreak")
    number = shown[: -len(unit) - 1]
    return [html.Span(number, className="ud-nobreak"), " ", html.Span(unit, className="ud-nobreak ud-value-unit")]


def value_block(fact: pd.Series, lang: Lang, show_period: bool) -> html.Div:
    """One figure, large, as written; its label; its period when the card's figures differ in period."""
    period = period_label(int(fact["period_start"]), int(fact["period_end"]), lang)
    return html.Div(
        [
            html.Div(value_parts(fact, lang), className="ud-value"),
            html.Div(str(fact[f"label_{lang}"]), className="ud-value-label"),
            html.Div(period, className="ud-value-period") if show_period else None,
        ],
        className="ud-value-cell",
        **attrs({"data-fact": str(fact["id"])}),
    )


def figure_card(
    title: str,
    facts: pd.DataFrame,
    dataset: Dataset,
    lang: Lang,
    *,
    kicker: Any = None,
    card_id: str | None = None,
) -> dbc.Card:
    """A card of figures as written (headline cards, figures too small to chart, stories)."""
    mixed = len(facts[["period_start", "period_end"]].drop_duplicates()) > 1
    return dbc.Card(
        [
            dbc.CardHeader([kicker, html.H3(title, className="ud-card-title")]),
            dbc.CardBody(
                [value_block(fact, lang, mixed) for _, fact in facts.iterrows()],
                className="ud-values",
            ),
            dbc.CardFooter(
                [
                    html.Div(html.Span(card_period(facts, dataset, lang), className="ud-period"))
                    if not mixed
                    else None,
                    quote_details(facts, dataset, lang, with_labels=len(facts) > 1),
                ]
            ),
        ],
        className="ud-figure-card h-100",
        id=card_id or "",
    )


def card_period(facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> str:
    """The card's one period, named a five-year total when every figure on it is one: '2019–2023年 · 五年合计';
    a card of stocks (headcounts, 已建成) is dated '截至2023年'.

    A person's or company's figures dated by the report's year are what they had reached by then ('截至2023年'):
    许贤杰's 800人次 is a career total, not 2023's.
    """
    start, end = period_span(facts)
    if start == end and (facts["kind"] == "individual").all():
        return as_of_label(end, lang)
    # A headcount or a standing count (已建成 586个) is what there was by the period's end, not a total over it.
    if is_stock(facts).all():
        return as_of_label(end, lang)
    summable = bool(facts["measure_id"].map(dataset.measures.set_index("id")["summable"]).all())
    return span_label(start, end, summable, lang)


# ---------------------------------------------------------------------------------------------------
# Charts.


@dataclass(frozen=True)
class ChartParts:
    """What a chart block shows that depends only on the chart's rows and language (the costly part)."""

    subheading: html.P
    body: list[Any]  # number cards, text alternative, plot, computed totals, source
    table: html.Details
    figure_height: int | None  # the chart's height in its embed page (the share panel's iframe code)
    draws: bool  # a comparison is drawn; False: the chart's figures are all lone, shown as number cards


# Chart parts by (chart, dataset, the rows it draws, language). Many URLs draw the same rows (a year choice
# or another section's programme changes nothing in this chart), so a view never drawn before mostly
# reuses charts already built; building a figure is most of the cost of drawing a page. Bounded, oldest
# out first; the components in it are never changed once made.
_CHART_PARTS: dict[tuple[str, int, tuple[str, ...], Lang], tuple[Dataset, ChartParts]] = {}
_CHART_PARTS_MAX = 1024


_CHART_ROWS: dict[tuple[str, int, Filters], tuple[Dataset, pd.DataFrame]] = {}


def chart_rows(chart: Chart, dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """`chart.rows`, remembered per (chart, dataset, filters but language): pages ask it of every chart,
    for the chart and for the section cards' counts. The frames are never changed (pandas copy-on-write)."""
    key = (chart.id, id(dataset), replace(filters, lang="zh"))
    hit = _CHART_ROWS.get(key)
    if hit is not None and hit[0] is dataset:
        return hit[1]
    rows = chart.rows(dataset, filters)
    remember(_CHART_ROWS, key, (dataset, rows), _CHART_PARTS_MAX)
    return rows


_DRAWS: dict[tuple[str, int, tuple[str, ...]], tuple[Dataset, bool]] = {}


def chart_draws(chart: Chart, dataset: Dataset, filters: Filters) -> bool:
    """Whether the chart has a comparison to draw for the filters (not empty, not lone figures only): what
    the overview counts as a chart. Remembered per rows, as the chart parts are."""
    facts = chart_rows(chart, dataset, filters)
    if facts.empty:
        return False
    key = (chart.id, id(dataset), tuple(str(fact_id) for fact_id in facts["id"]))
    hit = _DRAWS.get(key)
    if hit is not None and hit[0] is dataset:
        return hit[1]
    draws = draws_comparison(facts, dataset)
    remember(_DRAWS, key, (dataset, draws), _CHART_PARTS_MAX)
    return draws


def chart_block(chart: Chart, dataset: Dataset, filters: Filters, base_url: str = "") -> html.Section:
    """One chart: heading (what, when), the plot with a text alternative, totals, source, table, share links.

    Its lone figures are number cards above the plot; a chart of lone figures only (competitions: 10000余场,
    110万人次) is a block of number cards with no plot (`ud-chart-numbers`), its table and share panel kept."""
    lang = filters.lang
    facts = chart_rows(chart, dataset, filters)
    # h2: a chart comes straight under the page's h1 (headings go down one level at a time).
    heading: list[Any] = [html.H2(chart.title(lang), className="ud-card-title", id=f"chart-title-{chart.id}")]
    if facts.empty:
        return html.Section(
            [
                html.Div(heading, className="card-header"),
                html.Div(
                    dbc.Alert(empty_reason(chart, dataset, filters), color="info", className="mb-0 ud-empty"),
                    className="card-body",
                ),
            ],
            className="card ud-chart ud-chart-empty",
            id=f"chart-{chart.id}",
            **attrs({"data-chart": chart.id}),
        )
    parts = chart_parts(chart, dataset, filters, facts)
    return html.Section(
        [
            html.Div([*heading, parts.subheading], className="card-header"),
            html.Div(
                [
                    *parts.body,
                    html.Div(
                        [parts.table, share_links(chart, filters, base_url, parts.figure_height)],
                        className="ud-chart-tools",
                    ),
                ],
                className="card-body",
            ),
        ],
        className="card ud-chart" if parts.draws else "card ud-chart-numbers",
        id=f"chart-{chart.id}",
        **attrs({"data-chart": chart.id, "aria-labelledby": f"chart-title-{chart.id}"}),
    )


def chart_parts(chart: Chart, dataset: Dataset, filters: Filters, facts: pd.DataFrame) -> ChartParts:
    """The chart's figure and texts for `facts` (its rows under `filters`, not empty), built once per rows."""
    key = (chart.id, id(dataset), tuple(str(fact_id) for fact_id in facts["id"]), filters.lang)
    hit = _CHART_PARTS.get(key)
    if hit is not None and hit[0] is dataset:
        return hit[1]
    parts = _build_chart_parts(chart, dataset, filters, facts)
    remember(_CHART_PARTS, key, (dataset, parts), _CHART_PARTS_MAX)
    return parts


def _build_chart_parts(chart: Chart, dataset: Dataset, filters: Filters, facts: pd.DataFrame) -> ChartParts:
    lang = filters.lang
    spec = chart_spec(chart, dataset, filters)
    # The embed page still draws lone figures in plotly (an embedded chart must show something); the page
    # shows them as HTML number cards and draws only the comparison.
    embedded = render_plotly(spec, NARROW)
    lone = {card.fact_id for card in spec.cards}
    drawn = facts[~facts["id"].isin(lone) & ~facts["numerator_id"].isin(lone)]
    start, end = period_span(drawn if spec.has_comparison else facts)
    subheading = html.P(
        [html.Span(period_label(start, end, lang), className="ud-period"), " · ", chart.description(lang)],
        className="ud-chart-sub",
    )
    body: list[Any] = [number_cards(spec, facts, dataset, chart.id)] if spec.cards else []
    if spec.has_comparison:
        figure, height = without_captions(render_plotly(replace(spec, cards=())) if spec.cards else embedded)
        body += [
            html.P(describe_facts(chart.title(lang), drawn, dataset, lang), className="visually-hidden"),
            html.Div(
                dcc.Graph(
                    id=f"graph-{chart.id}",
                    figure=figure,
                    config=GRAPH_CONFIG,
                    style={"height": f"{height or 400}px"},
                    responsive=True,
                ),
                **attrs({"aria-hidden": "true"}),
            ),
            *[
                line
                for total in spec.computed
                for line in computed_lines("\n".join(part for part in (total.text, total.how) if part))
            ],
        ]
    body.append(
        html.P(
            [f"{t(lang, 'source')}{t(lang, 'colon')}", html.Cite(t(lang, "sep").join(citations(dataset, facts, lang)))],
            className="ud-source",
        )
    )
    table = data_table(chart, facts, dataset, lang)
    return ChartParts(subheading, body, table, share.embed_layout(embedded)[0], spec.has_comparison)


def number_cards(spec: ChartSpec, facts: pd.DataFrame, dataset: Dataset, chart_id: str) -> dbc.Row:
    """The chart's lone figures (`ChartSpec.cards`) as number cards, side by side where there is room."""
    return dbc.Row(
        [dbc.Col(number_card(card, facts, dataset, spec.lang), xs=12, md=6, className="mb-3") for card in spec.cards],
        className="ud-number-cards",
        id=f"numbers-{chart_id}",
    )


def number_card(card: NumberCard, facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> dbc.Card:
    """A figure with nothing alike to compare it with, as the headline cards show figures: the number as the
    report writes it (qualifier kept), its label (with a rate the report gives on it), its period as the
    chart's spec names it ('2019–2023年 · 五年合计', '截至2023年', '2003–2023年 · 累计'), and the quote."""
    rates = attached_rates(facts)
    rates = rates[rates["numerator_id"] == card.fact_id]
    quoted = facts[(facts["id"] == card.fact_id) | facts["id"].isin(rates["id"])]
    fact = quoted[quoted["id"] == card.fact_id].iloc[0]
    label: list[Any] = [card.label]
    for _, rate in rates.iterrows():  # ' · 调解率 71.6%': a figure of its own, written with its numerator
        own = quoted[quoted["id"].isin([card.fact_id, rate["id"]])]
        label.append(html.Span(rate_suffix(fact, own, lang), **attrs({"data-fact": str(rate["id"])})))
    return dbc.Card(
        [
            dbc.CardBody(
                html.Div(
                    [
                        html.Div(value_parts(fact, lang), className="ud-value"),
                        html.Div(label, className="ud-value-label"),
                    ],
                    className="ud-value-cell",
                    **attrs({"data-fact": card.fact_id}),
                ),
                className="ud-values",
            ),
            dbc.CardFooter(
                [
                    html.Div(html.Span(card.period, className="ud-period")),
                    quote_details(quoted, dataset, lang, with_labels=len(quoted) > 1),
                ]
            ),
        ],
        className="ud-figure-card ud-number-card h-100",
        id=f"number-{card.fact_id}",
    )


def computed_lines(text: str) -> list[html.P]:
    """A computed total ('合计 205名（计算值：…）') in bold, and any caveat after a newline as a note under it."""
    total, *notes = text.split("\n")
    return [html.P(total, className="ud-computed"), *(html.P(note, className="ud-computed-note") for note in notes)]


def published_field(
    chart: Chart, filters: Filters, copyable: Callable[[str, str, str, int], html.Div]
) -> list[html.Div]:
    """Beside the live link, the chart as published in the static site ($UNIONDASH_PUBLISHED_URL): a
    version that never changes, for articles that cite it. Nothing when no site is configured."""
    url = share.published_embed_url(chart.id, filters, share.published_site())
    return [copyable("share_published", "share-published", url, 1)] if url else []


ZH_COLUMNS = ("as_written", "source_quote")


def data_table(chart: Chart, facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> html.Details:
    """The chart's data as a table: label, value as written, period and the report's sentence."""
    table = chart_table(facts, dataset, lang)
    columns = [("label", "col_label"), ("value", "col_value")]
    if lang == "en":  # in Chinese the value is shown as written already
        columns.append(("as_written", "col_as_written"))
    columns += [("period", "col_period"), ("source_quote", "col_quote")]
    head = html.Thead(html.Tr([html.Th(t(lang, key), scope="col") for _, key in columns]))
    # On a phone each row is stacked as a small card (uniondash.css); `data-label` names each cell there,
    # where the column headings are out of sight.
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Th(row[name], scope="row")
                    if name == "label"
                    else html.Td(
                        # The report's own words are Chinese whatever the page language.
                        html.Span(row[name], lang="zh") if name in ZH_COLUMNS else row[name],
                        **attrs({"data-label": t(lang, key)}),
                    )
                    for name, key in columns
                ]
            )
            for row in table.to_dict("records")
        ]
    )
    return html.Details(
        [
            html.Summary(t(lang, "table")),
            dbc.Table(
                [html.Caption(t(lang, "table_caption").format(chart.title(lang))), head, body],
                bordered=False,
                striped=True,
                size="sm",
                responsive=True,
                className="ud-table",
            ),
        ],
        className="ud-details",
    )


def share_links(chart: Chart, filters: Filters, base_url: str = "", chart_height: int | None = None) -> html.Details:
    """The chart's share panel: its link and iframe code (with copy buttons) and every download.

    `chart_height` is the chart's height in the embed page (`share.embed_layout`): the iframe code's
    fallback height; its /embed.js then sizes the frame exactly."""
    lang = filters.lang
    embed = share.embed_url(chart.id, filters)
    link = base_url.rstrip("/") + share.chart_view_url(chart.id, chart.section_id, filters)
    iframe = share.iframe_code(chart.id, filters, base_url, chart.title(lang), share.frame_height(chart_height))
    downloads = [html.A(t(lang, "embed"), href=embed, target="_blank", rel="noopener", className="ud-share-link")] + [
        html.A(
            label,
            href=share.export_url(chart.id, fmt, filters),
            className="ud-share-link",
            download="",
        )
        for fmt, label in SHARE_DOWNLOADS
    ]

    def copyable(key: str, field: str, value: str, rows: int) -> html.Div:
        field_id = f"{field}-{chart.id}"
        return html.Div(
            [
                html.Label(t(lang, key), htmlFor=field_id, className="ud-embed-label"),
                html.Div(
                    [
                        dcc.Textarea(id=field_id, value=value, readOnly=True, className="ud-embed-code", rows=rows),
                        copy_button(field_id, f"{t(lang, 'copy')}{t(lang, 'colon')}{t(lang, key)}", lang),
                    ],
                    className="ud-copy-row",
                ),
                # Announced by screen readers when the copy is done (uniondash.js writes "已复制 / Copied").
                html.Span(className="ud-copy-status", role="status", **attrs({"aria-live": "polite"})),
            ]
        )

    return html.Details(
        [
            html.Summary(t(lang, "share")),
            html.Div(downloads, className="ud-share-links"),
            copyable("share_link", "share-link", link, 1),
            *published_field(chart, filters, copyable),
            copyable("embed_code", "embed-code", iframe, 4),
        ],
        className="ud-details",
    )


def copy_button(target_id: str, name: str, lang: Lang) -> html.Button:
    """A real button that copies the field `target_id` (uniondash.js); its name starts with its visible word."""
    return html.Button(
        t(lang, "copy"),
        type="button",
        className="ud-copy",
        **attrs({"data-copy": target_id, "data-copied": t(lang, "copied"), "aria-label": name}),
    )
