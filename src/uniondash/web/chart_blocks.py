"""A chart on a page: its plot, its lone figures as number cards, data table with quotes, and share panel.

Built once per (chart, rows, language) and kept (`chart_parts`): many URLs draw the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
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
    chart_comparisons,
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
    period_label,
)
from uniondash.model import (
    Dataset,
    Filters,
    Lang,
    citations,
    period_span,
    remember,
)
from uniondash.web.components import attrs, quote_details, value_parts
from uniondash.web.i18n import t

# ---------------------------------------------------------------------------------------------------
# Charts.

GRAPH_CONFIG: Any = PLOTLY_CONFIG
# Downloads offered under each chart (format, link text); the zip bundles CSV, metadata and a README.
SHARE_DOWNLOADS = (("png", "PNG"), ("svg", "SVG"), ("html", "HTML"), ("csv", "CSV"), ("zip", "ZIP"))


@dataclass(frozen=True)
class ChartParts:
    """What a chart block shows that depends only on the chart's rows and language (the costly part)."""

    subheading: html.P
    body: list[Any]  # number cards, text alternative, plot, computed totals, source
    table: html.Details
    figure_height: int | None  # the chart's height in its embed page (the share panel's iframe code)
    draws: bool  # a comparison is drawn; False: the chart's figures are all lone, shown as number cards
    compared: tuple[tuple[int, int], ...] = ()  # the reports its comparisons draw on (a pinned code names them)


# Chart parts by (chart, dataset, the rows it draws, language). Many URLs draw the same rows (a year choice
# or another section's programme changes nothing in this chart), so a view never drawn before mostly
# reuses charts already built; building a figure is most of the cost of drawing a page. Bounded, oldest
# out first; the components in it are never changed once made.
_CHART_PARTS: dict[tuple[str, int, tuple[str, ...], Lang, str, Any], tuple[Dataset, ChartParts]] = {}
_CHART_PARTS_MAX = 1024


_CHART_ROWS: dict[tuple[str, int, Filters], tuple[Dataset, pd.DataFrame]] = {}


def chart_rows(chart: Chart, dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """`chart.rows`, remembered per (chart, dataset, filters but language): pages ask it of every chart,
    for the chart and for the section cards' counts. The frames are never changed (pandas copy-on-write)."""
    key = (chart.id, id(dataset), replace(filters, lang="zh", compare=None))  # rows: whatever is compared
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


def chart_block(chart: Chart, dataset: Dataset, filters: Filters, base_url: str = "", suffix: str = "") -> html.Section:
    """One chart: heading (what, when), the plot with a text alternative, totals, source, table, share links.

    Its lone figures are number cards above the plot; a chart of lone figures only (competitions: 10000余场,
    110万人次) is a block of number cards with no plot (`ud-chart-numbers`), its table and share panel kept.
    `suffix` tells apart the ids of a second block of the same chart on a page (later reports' figures)."""
    lang = filters.lang
    facts = chart_rows(chart, dataset, filters)
    key = f"{chart.id}-{suffix}" if suffix else chart.id
    # h2: a chart comes straight under the page's h1 (headings go down one level at a time).
    heading: list[Any] = [html.H2(chart.title(lang), className="ud-card-title", id=f"chart-title-{key}")]
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
            id=f"chart-{key}",
            **attrs({"data-chart": chart.id}),
        )
    parts = chart_parts(chart, dataset, filters, facts, suffix)
    shared = share_filters(dataset, filters, parts.compared)
    # The static site holds each chart's embed without a period (the first edition, no comparison), and
    # each report's own without comparison (`share.published_embed_url`).
    first = Filters(lang=lang, report=dataset.first_edition.period, compare=())
    published = Filters(lang=lang) if replace(shared, compare=()) == first else shared
    return html.Section(
        [
            html.Div([*heading, parts.subheading], className="card-header"),
            html.Div(
                [
                    *parts.body,
                    html.Div(
                        [parts.table, share_links(chart, shared, base_url, parts.figure_height, suffix, published)],
                        className="ud-chart-tools",
                    ),
                ],
                className="card-body",
            ),
        ],
        className="card ud-chart" if parts.draws else "card ud-chart-numbers",
        id=f"chart-{key}",
        **attrs({"data-chart": chart.id, "aria-labelledby": f"chart-title-{key}"}),
    )


def share_filters(dataset: Dataset, filters: Filters, compared: tuple[tuple[int, int], ...]) -> Filters:
    """What the share panel hands out for a chart of this view: the same figures named for ever. The
    default view is named by its report's period (report=2019-2023), and the comparisons by the reports
    they draw on (compare=2014-2018): a code pasted into an article shows the same when reports are added.
    (The live code, `report=latest`, is a second choice, named as such.)"""
    if filters.is_default_view:
        filters = replace(filters, report=dataset.default_edition.period)
    return filters if filters.compare is not None else replace(filters, compare=compared)


def chart_parts(chart: Chart, dataset: Dataset, filters: Filters, facts: pd.DataFrame, suffix: str = "") -> ChartParts:
    """The chart's figure and texts for `facts` (its rows under `filters`, not empty), built once per rows
    (and comparisons asked for: a page compares as it can, a pinned view with the reports it names)."""
    # Keyed by the comparisons made, not by how the URL asked for them: an embed code's compare=2014-2018 is
    # the page's own comparison, drawn once.
    compared = tuple(comparison.text for comparison in chart_comparisons(chart, dataset, filters))
    key = (chart.id, id(dataset), tuple(str(fact_id) for fact_id in facts["id"]), filters.lang, suffix, compared)
    hit = _CHART_PARTS.get(key)
    if hit is not None and hit[0] is dataset:
        return hit[1]
    parts = _build_chart_parts(chart, dataset, filters, facts, suffix)
    remember(_CHART_PARTS, key, (dataset, parts), _CHART_PARTS_MAX)
    return parts


def _build_chart_parts(
    chart: Chart, dataset: Dataset, filters: Filters, facts: pd.DataFrame, suffix: str = ""
) -> ChartParts:
    lang = filters.lang
    key = f"{chart.id}-{suffix}" if suffix else chart.id
    spec = chart_spec(chart, dataset, filters)
    # The embed page still draws lone figures in plotly (an embedded chart must show something); the page
    # shows them as HTML number cards and draws only the comparison.
    embedded = render_plotly(spec, NARROW)
    lone = {card.fact_id for card in spec.cards}
    drawn = facts[~facts["id"].isin(lone) & ~facts["numerator_id"].isin(lone)]
    start, end = period_span(drawn if spec.has_comparison else facts)
    # The box is headed with every period it holds: a number card of a longer span (金秋助学 since 2003)
    # is named beside the bars' period, never left under a heading that does not cover it.
    others = sorted(
        {
            (int(s), int(e))
            for s, e in zip(facts["period_start"], facts["period_end"], strict=True)
            if int(s) < start or int(e) > end
        }
    )
    period = t(lang, "sep").join(period_label(s, e, lang) for s, e in [(start, end), *others])
    subheading = html.P(
        [html.Span(period, className="ud-period"), " · ", chart.description(lang)],
        className="ud-chart-sub",
    )
    body: list[Any] = [number_cards(spec, facts, dataset, key)] if spec.cards else []
    if spec.has_comparison:
        figure, height = without_captions(render_plotly(replace(spec, cards=())) if spec.cards else embedded)
        body += [
            html.P(describe_facts(chart.title(lang), drawn, dataset, lang), className="visually-hidden"),
            html.Div(
                dcc.Graph(
                    id=f"graph-{key}",
                    figure=figure,
                    config=GRAPH_CONFIG,
                    style={"height": f"{height or 400}px"},
                    responsive=True,
                ),
                **attrs({"aria-hidden": "true"}),
            ),
        ]
    # Computed totals and the comparisons with other reports (computed too), under the plot or the cards; a
    # comparison refused is a note saying why, not a figure.
    body += [
        line for total in spec.computed for line in computed_lines("\n".join(p for p in (total.text, total.how) if p))
    ]
    for comparison in spec.comparisons:
        if comparison.comparable:
            body += computed_lines(f"{comparison.text}\n{comparison.how}")
        else:
            body.append(html.P(comparison.text, className="ud-computed-note ud-not-compared"))
    body.append(
        html.P(
            [f"{t(lang, 'source')}{t(lang, 'colon')}", html.Cite(t(lang, "sep").join(citations(dataset, facts, lang)))],
            className="ud-source",
        )
    )
    table = data_table(chart, facts, dataset, lang)
    height = share.embed_layout(embedded)[0]
    return ChartParts(subheading, body, table, height, spec.has_comparison, spec.compared_reports)


def number_cards(spec: ChartSpec, facts: pd.DataFrame, dataset: Dataset, key: str) -> dbc.Row:
    """The chart's lone figures (`ChartSpec.cards`) as number cards, side by side where there is room.
    `key`: the block's id key (the chart id, with a suffix for a second block of it on the page)."""
    suffix = key.removeprefix(spec.chart_id)
    return dbc.Row(
        [
            dbc.Col(number_card(card, facts, dataset, spec.lang, suffix), xs=12, md=6, className="mb-3")
            for card in spec.cards
        ],
        className="ud-number-cards",
        id=f"numbers-{key}",
    )


def number_card(card: NumberCard, facts: pd.DataFrame, dataset: Dataset, lang: Lang, suffix: str = "") -> dbc.Card:
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
        id=f"number-{card.fact_id}{suffix}",
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


def share_links(
    chart: Chart,
    filters: Filters,
    base_url: str = "",
    chart_height: int | None = None,
    suffix: str = "",
    published: Filters | None = None,
) -> html.Details:
    """The chart's share panel: its link and iframe code (with copy buttons) and every download.

    `filters` name the period shown (`share_filters`): the embed code is pinned to it. A second code, named
    as such, always shows the chart's newest report (`report=latest`): it changes when one is added.
    `chart_height` is the chart's height in the embed page (`share.embed_layout`): the iframe code's
    fallback height; its /embed.js then sizes the frame exactly. The code without script (the light embed,
    for a CMS that strips scripts) has a frame tall enough at any width."""
    lang = filters.lang
    key = f"{chart.id}-{suffix}" if suffix else chart.id
    embed = share.embed_url(chart.id, filters)
    link = base_url.rstrip("/") + share.chart_view_url(chart.id, chart.section_id, filters)
    iframe = share.iframe_code(chart.id, filters, base_url, chart.title(lang), share.frame_height(chart_height))
    live = replace(filters, years=None, report=None, latest=True, compare=None)
    live_code = share.iframe_code(chart.id, live, base_url, chart.title(lang), share.frame_height(chart_height))
    static_iframe = share.static_iframe_code(chart.id, filters, base_url, chart.title(lang), chart_height)
    downloads = [html.A(t(lang, "embed"), href=embed, target="_blank", rel="noopener", className="ud-share-link")] + [
        html.A(
            label,
            href=share.export_url(chart.id, fmt, filters),
            className="ud-share-link",
            download="",
        )
        for fmt, label in SHARE_DOWNLOADS
    ]

    def copyable(text_key: str, field: str, value: str, rows: int) -> html.Div:
        field_id = f"{field}-{key}"
        return html.Div(
            [
                html.Label(t(lang, text_key), htmlFor=field_id, className="ud-embed-label"),
                html.Div(
                    [
                        dcc.Textarea(id=field_id, value=value, readOnly=True, className="ud-embed-code", rows=rows),
                        copy_button(field_id, f"{t(lang, 'copy')}{t(lang, 'colon')}{t(lang, text_key)}", lang),
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
            *published_field(chart, filters if published is None else published, copyable),
            copyable("embed_code", "embed-code", iframe, 4),
            copyable("embed_code_live", "embed-code-live", live_code, 4),
            html.P(t(lang, "embed_live_note"), className="ud-note ud-embed-live-note"),
            copyable("embed_code_static", "embed-code-static", static_iframe, 4),
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
