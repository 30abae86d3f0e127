"""The dashboard's pages, each a function of the dataset and the URL's filters: overview, section, not found.

`render(dataset, pathname, search)` is what the page callback calls; it never raises for a bad URL:
unknown paths get a "not found" page, bad parameters a notice and the default view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from uniondash.charts import CHARTS
from uniondash.format import join_labels, period_label, years_label
from uniondash.meeting import headline_cards
from uniondash.model import Dataset, Filters, Lang, filter_facts, headline_facts
from uniondash.web import urls
from uniondash.web.chart_blocks import chart_block, chart_draws, chart_rows
from uniondash.web.components import aria, figure_card, footer, header, navigation, notices_alert
from uniondash.web.filter_bar import filter_bar
from uniondash.web.i18n import t, tn


def view_attribute(view: str) -> dict[str, Any]:
    return {"data-view": view}


@dataclass(frozen=True)
class Page:
    """What the page callback puts on screen, and the document's language and title."""

    children: list[Any]
    lang: Lang
    title: str

    def meta(self) -> dict[str, str]:
        return {"lang": html_lang(self.lang), "title": self.title}


def html_lang(lang: Lang) -> str:
    """The page language as an HTML `lang` value."""
    return "zh-CN" if lang == "zh" else "en"


def render(dataset: Dataset, pathname: str | None, search: str | None, base_url: str = "") -> Page:
    """The page for a URL: parse the path and the filters, then lay out that page."""
    filters, notices = urls.read_filters(search, dataset)
    where = urls.route(pathname, dataset)
    lang = filters.lang
    section_id = where.section_id if where.page == "section" else None
    if where.page == "overview":
        title, body = t(lang, "overview"), overview(dataset, filters)
    elif section_id:
        title, body = dataset.label("sections", section_id, lang), section(dataset, section_id, filters, base_url)
    else:
        title, body = t(lang, "not_found"), not_found(dataset, filters, where)
    # The tab to mark current, and where the language switch leads (from an unknown page: the overview).
    path = urls.section_path(section_id) if section_id else "/"
    page_filters = urls.section_filters(filters, section_id, dataset) if section_id else filters
    controls = [filter_bar(dataset, filters, page_filters, section_id)] if where.page != "not_found" else []
    children = [
        html.A(t(lang, "skip"), href="#main", className="visually-hidden-focusable ud-skip"),
        header(filters, path),
        navigation(dataset, filters, path if where.page != "not_found" else ""),
        dbc.Container(
            [
                notices_alert(notices, lang),
                *controls,
                # data-view: the URL this page was drawn for (tests and scripts wait for it to match).
                html.Main(body, id="main", tabIndex="-1", **view_attribute(f"{pathname or '/'}{search or ''}")),
            ],
            fluid="xxl",
            className="ud-container",
        ),
        footer(dataset, lang),
    ]
    # The page's language on its own root too: the CSS picks the English font stack by it before (and
    # whether or not) the page script has set <html lang>.
    root = html.Div(children, lang=html_lang(lang), className="ud-root")
    return Page([root], lang, f"{title} · {t(lang, 'site_title')}")


# ---------------------------------------------------------------------------------------------------
# Overview: headline cards and the sections.


@dataclass(frozen=True)
class HiddenHeadlines:
    """Headline figures the chosen years leave out, of those the other filters keep."""

    hidden: int
    total: int
    # The hidden figures' periods (start, end), earliest first: why they are left out.
    periods: tuple[tuple[int, int], ...]


def hidden_headlines(dataset: Dataset, filters: Filters) -> HiddenHeadlines:
    """How many headline figures the year filter hides, and their periods.

    A figure shows only when every year of its period is chosen, so `years=2023` hides the 2019–2023
    five-year totals; the overview says so instead of quietly showing fewer cards.
    """
    every_year = headline_facts(dataset, replace(filters, years=None))
    shown = set(headline_facts(dataset, filters)["id"])
    hidden = every_year[~every_year["id"].isin(shown)]
    spans = hidden[["period_start", "period_end"]].itertuples(index=False, name=None)
    periods = sorted({(int(start), int(end)) for start, end in spans})
    return HiddenHeadlines(len(hidden), len(every_year), tuple(periods))


def hidden_headlines_alert(dataset: Dataset, filters: Filters) -> dbc.Alert | None:
    """The overview's word on headline figures the chosen years hide, with a link back to every year."""
    lang = filters.lang
    left_out = hidden_headlines(dataset, filters)
    if not left_out.hidden or filters.years is None:
        return None
    periods = join_labels([period_label(start, end, lang) for start, end in left_out.periods], lang)
    years = years_label(filters.years, lang)
    message = tn(
        lang,
        "hidden_headlines",
        left_out.hidden,
        hidden=left_out.hidden,
        total=left_out.total,
        periods=periods,
        years=years,
    )
    return dbc.Alert(
        [
            html.P(message, className="mb-1"),
            html.P(t(lang, "hidden_headlines_why"), className="mb-1"),
            dcc.Link(
                t(lang, "show_all_years"),
                href=urls.href("/", replace(filters, years=None)),
                id="show-all-years",
                className="alert-link",
            ),
        ],
        color="info",
        id="hidden-headlines",
    )


def overview(dataset: Dataset, filters: Filters) -> list[Any]:
    lang = filters.lang
    cards = headline_cards(headline_facts(dataset, filters), dataset, lang)
    sections = dataset.sections.set_index("id")[f"label_{lang}"]
    # A grid of six columns on a wide screen; a card spans as many as it has figures (at most three), so
    # no card is tall and empty beside another and the first screen holds the most numbers.
    grid = [
        html.Div(
            figure_card(
                card.title,
                card.facts,
                dataset,
                lang,
                kicker=dcc.Link(
                    sections[card.section_id],
                    href=urls.href(urls.section_path(card.section_id), filters),
                    className="ud-kicker",
                ),
                card_id=f"headline-{card.programme_id}",
            ),
            className=f"ud-headline ud-span-{min(len(card.values), 3)}",
        )
        for card in cards
    ]
    hidden = hidden_headlines_alert(dataset, filters)
    return [
        html.Div(
            [
                html.H1(t(lang, "overview_heading"), className="ud-page-title"),
                html.P(t(lang, "overview_lead"), className="ud-lead"),
            ],
            className="ud-overview-head",
        ),
        html.Section(
            [
                html.H2(t(lang, "headlines"), className="visually-hidden"),
                hidden,
                html.Div(grid, className="ud-headlines")
                if grid
                else None
                if hidden
                else dbc.Alert(t(lang, "no_headlines"), color="info", id="no-headlines"),
            ],
            **aria(t(lang, "headlines")),
        ),
        html.Section(
            [html.H2(t(lang, "sections_index"), className="ud-section-title"), section_index(dataset, filters)],
        ),
    ]


def section_index(dataset: Dataset, filters: Filters) -> dbc.Row:
    """A card per section (those chosen, if any): its heading, and how many figures and charts it has now."""
    lang = filters.lang
    columns = []
    for row in dataset.sections.itertuples():
        section_id = str(row.id)
        if filters.sections and section_id not in filters.sections:
            continue
        # The card counts what the filters keep of the section: with programme=winter-warmth, 树模铸匠 has 0.
        own = set(dataset.programmes.loc[dataset.programmes["section_id"] == section_id, "id"])
        other_programmes = bool(filters.programmes) and not own & set(filters.programmes)
        shown = replace(urls.section_filters(filters, section_id, dataset), programmes=filters.programmes)
        count = 0 if other_programmes else len(filter_facts(dataset.facts, shown))
        # Charts are those with a comparison to draw; lone figures are number cards, counted as figures only.
        charts = (
            0
            if other_programmes
            else sum(
                1 for chart in CHARTS.values() if chart.section_id == section_id and chart_draws(chart, dataset, shown)
            )
        )
        counts = f"{tn(lang, 'figures_count', count)} · {tn(lang, 'charts_count', charts)}"
        if other_programmes:
            counts += t(lang, "not_chosen_here")
        link = urls.href(urls.section_path(section_id), filters)
        columns.append(
            dbc.Col(
                dcc.Link(
                    dbc.Card(
                        dbc.CardBody(
                            [
                                html.H3(str(getattr(row, f"label_{lang}")), className="ud-card-title"),
                                *part_heading_lines(part_heading(dataset, section_id, lang), "ud-section-heading"),
                                html.P(counts, className="ud-section-count mb-0"),
                            ]
                        ),
                        className="ud-section-card h-100" + (" ud-section-card-empty" if not count else ""),
                    ),
                    href=link,
                    className="ud-section-link",
                ),
                xs=12,
                sm=6,
                lg=4,
                xl=3,
                className="mb-3",
            )
        )
    return dbc.Row(columns)


@dataclass(frozen=True)
class PartHeading:
    """Where a section stands in the report, in the page's language: '镜头 2. 职工帮扶' / 'Report part 2'."""

    text: str
    lang: Lang  # the language `text` is in
    # The Chinese beside an English translation of the report's own title (empty otherwise).
    original: str = ""


# The report numbers its parts "镜头 1." … "镜头 6."; the number is all an English reader needs from it.
_REPORT_PART = re.compile(r"^镜头\s*(\d+)")


def part_heading(dataset: Dataset, section_id: str, lang: Lang) -> PartHeading:
    """The section's heading from sections.csv, in Chinese as written; in English the report part's number,
    or the report's English title where the heading is the report's title (the introduction).

    A heading with no English form gives an empty text: an English page shows nothing rather than Chinese.
    """
    heading = str(dataset.sections.set_index("id").loc[section_id, "heading_zh"])
    if lang == "zh":
        return PartHeading(heading, "zh")
    part = _REPORT_PART.match(heading)
    if part:
        return PartHeading(t(lang, "report_part").format(part.group(1)), lang)
    title = report_title_en(dataset, heading)
    return PartHeading(title, lang, original=heading) if title else PartHeading("", lang)


def report_title_en(dataset: Dataset, heading_zh: str) -> str:
    """The English of a source's title (sources.csv) that `heading_zh` is: its main title
    ('唱响…之歌' before '——', 'Singing the song…' before ': ') or the whole; '' if it is none."""
    for source in dataset.sources.itertuples():
        title_zh, title_en = str(source.title_zh), str(source.title_en)
        if heading_zh == title_zh:
            return title_en
        main_zh, main_en = title_zh.split("——", 1), title_en.split(": ", 1)
        if len(main_zh) == len(main_en) == 2 and heading_zh == main_zh[0]:
            return main_en[0]
    return ""


def part_heading_lines(heading: PartHeading, class_name: str) -> list[html.P]:
    """The heading as a line in its language. (The Chinese original of a translated title is not shown: an
    English page carries no Chinese but the report's own quotes, which a press office cites.)"""
    return [html.P(heading.text, className=class_name, lang=heading.lang)] if heading.text else []


# ---------------------------------------------------------------------------------------------------
# A section: its charts, its other city-wide figures, and (apart) its stories.


def section(dataset: Dataset, section_id: str, filters: Filters, base_url: str = "") -> list[Any]:
    lang = filters.lang
    shown = urls.section_filters(filters, section_id, dataset)
    facts = filter_facts(dataset.facts, shown)
    charts = [chart for chart in CHARTS.values() if chart.section_id == section_id]
    charted = {fact_id for chart in charts for fact_id in chart_rows(chart, dataset, shown)["id"]}
    totals = facts[(facts["kind"] == "aggregate") & ~facts["id"].isin(charted)]
    stories = facts[facts["kind"] != "aggregate"]
    # Beside the stories the charts stack; without stories a wide screen shows them two abreast.
    wide = {"xs": 12} if not stories.empty else {"xs": 12, "xxl": 6}
    main: list[Any] = [dbc.Row([dbc.Col(chart_block(chart, dataset, shown, base_url), **wide) for chart in charts])]
    if not totals.empty:
        main.append(
            html.Section(
                [
                    html.H2(t(lang, "more_figures") if charts else t(lang, "headlines"), className="ud-section-title"),
                    html.P(t(lang, "more_figures_note"), className="ud-note") if charts else None,
                    dbc.Row(
                        [
                            dbc.Col(
                                figure_card(
                                    dataset.label("programmes", str(programme_id), lang),
                                    group,
                                    dataset,
                                    lang,
                                    card_id=f"figures-{programme_id}",
                                ),
                                xs=12,
                                sm=6,
                                className="mb-3",
                            )
                            # One card per programme, in the report's order.
                            for programme_id, group in totals.groupby("programme_id", sort=False)
                        ]
                    ),
                ],
                id="more-figures",
            )
        )
    if facts.empty:  # each chart also says why it is empty; this says it once for the page
        main.insert(0, dbc.Alert(t(lang, "nothing_here"), color="info", id="nothing-here"))
    return [
        html.Div(part_heading_lines(part_heading(dataset, section_id, lang), "ud-kicker"), className="ud-kickers"),
        html.H1(dataset.label("sections", section_id, lang), className="ud-page-title"),
        dbc.Row(
            [
                dbc.Col(main, xs=12, lg=8 if not stories.empty else 12, className="ud-main-col"),
                dbc.Col(story_panel(stories, dataset, lang), xs=12, lg=4) if not stories.empty else None,
            ]
        ),
    ]


def story_panel(stories: pd.DataFrame, dataset: Dataset, lang: Lang) -> html.Aside:
    """Figures about one person, company or event, one card each, kept apart from the city totals."""
    scopes = dataset.scopes.set_index("id")
    kinds = dataset.kinds.set_index("id")[f"label_{lang}"]

    def subject(fact: pd.Series) -> str:
        # A named person or body is the subject; a city-wide single event is known by its programme.
        return str(fact["scope_id"]) if scopes.loc[fact["scope_id"], "kind"] != "city" else str(fact["programme_id"])

    keys = [subject(fact) for _, fact in stories.iterrows()]
    cards = []
    for key in dict.fromkeys(keys):
        group = stories[[k == key for k in keys]]
        table = "scopes" if key in scopes.index else "programmes"
        cards.append(
            html.Div(
                figure_card(
                    dataset.label(table, key, lang),
                    group,
                    dataset,
                    lang,
                    kicker=html.Span(str(kinds[group["kind"].iloc[0]]), className="ud-kicker"),
                    card_id=f"story-{key}",
                ),
                className="mb-3",
            )
        )
    return html.Aside(
        [
            html.H2(t(lang, "stories"), className="ud-section-title"),
            html.P(t(lang, "stories_note"), className="ud-note"),
            *cards,
        ],
        className="ud-stories",
        id="stories",
        **aria(t(lang, "stories")),
    )


def not_found(dataset: Dataset, filters: Filters, where: urls.Route) -> list[Any]:
    lang = filters.lang
    message = t(lang, "unknown_section" if where.section_id else "not_found_text").format(
        where.section_id or where.path
    )
    links = [html.Li(dcc.Link(t(lang, "overview"), href=urls.href("/", filters)))] + [
        html.Li(dcc.Link(str(getattr(row, f"label_{lang}")), href=urls.href(urls.section_path(str(row.id)), filters)))
        for row in dataset.sections.itertuples()
    ]
    return [
        html.H1(t(lang, "not_found"), className="ud-page-title"),
        dbc.Alert(message, color="warning", id="not-found"),
        html.Ul(links),
    ]
