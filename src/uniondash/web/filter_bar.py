"""The filter bar: one select for the years, programmes and sections with their counts, and the notes under it."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from uniondash.format import (
    join_labels,
    period_label,
    years_label,
)
from uniondash.model import (
    Dataset,
    Filters,
    Lang,
    YearChoice,
    filter_facts,
    other_spans,
    programme_counts,
    report_period,
    year_choices,
)
from uniondash.query import format_years
from uniondash.web import urls
from uniondash.web.components import (
    aria,
    attrs,
)
from uniondash.web.i18n import t, tn

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
