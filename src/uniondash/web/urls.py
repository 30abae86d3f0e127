"""The dashboard's URLs: routes, links that carry the filters, and the filter a control change makes.

Filter state lives in the query string. It is read only with `query.parse_filters` and written only
with `query.to_query_string`, so every link reproduces its view. Pure functions, no Dash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import parse_qs, quote

from uniondash.model import Dataset, Filters
from uniondash.query import Notice, parse_filters, parse_years, to_query_string

# A query string longer than this is not read at all (parse_filters also bounds each value).
MAX_SEARCH = 8_000
MAX_FIELDS = 500
# An unknown path is quoted in the "not found" page (and so in its cache key) cut to this many characters:
# a path of a megabyte must not make a page, or a key, of a megabyte.
MAX_PATH = 200
SECTION_PREFIX = "/section/"
# The period select's value for a report (filter_bar.year_choice_value): 'report:2019-2023'.
REPORT_VALUE = "report:"


@dataclass(frozen=True)
class Route:
    page: Literal["overview", "section", "not_found"]
    section_id: str = ""
    path: str = "/"


def route(pathname: object, dataset: Dataset) -> Route:
    """Which page a path shows: '/' the overview, '/section/<id>' a section, anything else not found.

    `pathname` is whatever the callback request holds: a forged one may send any JSON (not a string = '/').
    """
    path = (pathname if isinstance(pathname, str) and pathname else "/").rstrip("/") or "/"
    if len(path) > MAX_PATH:  # never a known page: the longest is a section's path
        path = path[:MAX_PATH] + "…"
    if path == "/":
        return Route("overview")
    if path.startswith(SECTION_PREFIX):
        section_id = path[len(SECTION_PREFIX) :]
        if section_id in set(dataset.sections["id"]):
            return Route("section", section_id, path)
        return Route("not_found", section_id, path)
    return Route("not_found", "", path)


def query_params(search: object) -> tuple[dict[str, list[str]], list[Notice]]:
    """The query string as parameters (repeatable), or nothing with a notice if it is absurdly long.

    Anything but a string (a forged callback request) reads as no query at all.
    """
    text = search.lstrip("?") if isinstance(search, str) else ""
    too_long = [Notice("网址参数过长，已忽略。", "The address's parameters are too long and were ignored.")]
    if len(text) > MAX_SEARCH:
        return {}, too_long
    try:
        return parse_qs(text, max_num_fields=MAX_FIELDS), []
    except ValueError:  # more fields than MAX_FIELDS
        return {}, too_long


def read_filters(search: object, dataset: Dataset) -> tuple[Filters, list[Notice]]:
    """The filters a page's query string asks for, and notices for whatever was not understood."""
    params, notices = query_params(search)
    filters, parse_notices = parse_filters(params, dataset)
    return filters, [*notices, *parse_notices]


def href(path: str, filters: Filters) -> str:
    """`path` with the filters' canonical query string."""
    query = to_query_string(filters)
    return f"{path}?{query}" if query else path


def section_path(section_id: str) -> str:
    return SECTION_PREFIX + quote(section_id)


def other_lang(filters: Filters) -> Filters:
    return replace(filters, lang="en" if filters.lang == "zh" else "zh")


def section_filters(filters: Filters, section_id: str, dataset: Dataset) -> Filters:
    """What a section page shows: its own section, and of the chosen programmes only its own.

    Programme choices are kept per section in the URL, so choosing 冬送温暖 on 职工帮扶 does not
    empty the 树模铸匠 page; a section with none of its programmes chosen shows all of them.
    """
    own = set(dataset.programmes.loc[dataset.programmes["section_id"] == section_id, "id"])
    return replace(filters, sections=(section_id,), programmes=tuple(p for p in filters.programmes if p in own))


def summary_href(filters: Filters) -> str:
    return href("/export/summary.xlsx", filters)


Control = Literal["years", "section", "programme"]


def changed_search(
    search: object,
    control: Control,
    value: object,
    dataset: Dataset,
    options: Sequence[str] = (),
) -> str | None:
    """The query string after a control changed, or None if the view does not change.

    `options` are the values the control offers: the control's value replaces those of the URL's
    values, the others are kept (a section page's programme boxes leave other sections' choices alone).
    A control that merely shows what the URL says (as when a page is drawn) changes nothing. A value no
    control can hold (a forged callback request: not a year choice, not a list of strings) changes
    nothing either.
    """
    params, _ = query_params(search)
    current, _ = parse_filters(params, dataset)
    if control == "years":
        # The period select's value: 'all' (the default view), 'report:2019-2023' (a report) or years as the
        # URL writes them. Another period drops the comparisons a pinned link named.
        if not isinstance(value, str) or len(value) > 100:
            return None
        for name in ("years", "report", "compare"):
            params.pop(name, None)
        if value.startswith(REPORT_VALUE):
            params["report"] = [value[len(REPORT_VALUE) :]]
        elif value != "all":
            try:
                parse_years(value)
            except ValueError:
                return None
            params["years"] = [value]
    else:
        chosen = _strings(value)
        if chosen is None:
            return None
        offered = set(options)
        # "programme=a,b" means the same as "programme=a&programme=b" (see query.parse_filters).
        asked = [part.strip() for item in params.get(control, []) for part in item.split(",")]
        kept = [item for item in asked if item and item not in offered]
        params[control] = kept + chosen
    updated, _ = parse_filters(params, dataset)
    if updated == current:
        return None
    query = to_query_string(updated)
    return f"?{query}" if query else ""


def enabled_choice(value: object, options: object) -> tuple[object, bool]:
    """A choice control's value without the options it offers disabled, and whether any was dropped.

    An option is offered disabled ("冬送温暖（0）") when it would show nothing and is not chosen, so a
    disabled option in the value was just added: by a key or a "select all" that did not respect it
    (dcc.Dropdown's search selects its first match on Enter, disabled or not). It is taken out again.
    Anything that is not a list of options (a forged request) is left to `changed_search` to refuse.
    """
    chosen = _strings(value)
    if chosen is None or not isinstance(options, list):
        return value, False
    disabled = {
        option.get("value") for option in options if isinstance(option, dict) and option.get("disabled") is True
    }
    kept = [item for item in chosen if item not in disabled]
    return (kept, True) if len(kept) < len(chosen) else (value, False)


def _strings(value: object) -> list[str] | None:
    """A checklist's value: a list of strings (None or one string also do); None for anything else."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    return None
