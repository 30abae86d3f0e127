"""Layout pieces of the dashboard: header, navigation, notices, footer, figure cards and quotes.

Each function takes plain values (facts, filters, strings) and returns Dash components; no callbacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from uniondash.format import (
    as_of_label,
    display_value,
    english_unit,
    period_label,
    span_label,
)
from uniondash.model import (
    Dataset,
    Filters,
    Lang,
    citations,
    is_stock,
    period_span,
)
from uniondash.query import Notice
from uniondash.web import urls
from uniondash.web.i18n import nav_label, t


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
