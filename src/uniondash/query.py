"""URL query strings <-> `Filters`: the one parser every route uses (pages, exports, embeds, slides).

A bad parameter never fails a request: it falls back to the default and comes back as a notice the
page shows (in the reader's language).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from uniondash.model import LANGS, Dataset, Filters, Lang

# Every parameter `parse_filters` reads: a cache of answers keys on these (web.page_cache).
FILTER_PARAMS = ("years", "report", "compare", "programme", "section", "lang")
MAX_VALUE_LENGTH = 200
MAX_VALUES = 100
# ASCII digits ([0-9], not \d, which takes '２０２３' and '٢٠٢٣' too), matched whole (fullmatch, so no '\n' after).
_YEAR_PART = re.compile(r"\s*([0-9]{4})\s*(?:[-–~]\s*([0-9]{4})\s*)?")


@dataclass(frozen=True)
class Notice:
    """A parameter that was not understood, and what was done instead."""

    zh: str
    en: str

    def text(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


def shown(text: str, limit: int = 40) -> str:
    """A value from a request, as a message quotes it: at most `limit` characters, and every character that
    is not printable (newline, CR, NUL, bidi overrides) written as an escape, so a crafted value cannot start
    a line of its own in the message or reorder the text around it. (English messages use repr, which does
    the same.)"""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text[:limit]
    )


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name, [])
    values = [raw] if isinstance(raw, str) else list(raw)
    # "programme=a,b" and "programme=a&programme=b" mean the same.
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def parse_years(text: str) -> frozenset[int]:
    """'2019-2023', '2021,2023' or '2019-2020,2023' as a set of years; ValueError if malformed."""
    years: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            continue
        match = _YEAR_PART.fullmatch(part)
        if not match:
            raise ValueError(part)
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if end < start or end - start > 200:
            raise ValueError(part)
        years.update(range(start, end + 1))
    if not years:
        raise ValueError(text)
    return frozenset(years)


def format_years(years: frozenset[int] | None) -> str:
    """The shortest query form: runs of years as 'a-b', joined by commas."""
    if not years:
        return ""
    ordered = sorted(years)
    runs: list[tuple[int, int]] = []
    for year in ordered:
        if runs and year == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


def parse_filters(
    params: Mapping[str, str | Sequence[str]], dataset: Dataset, *, live: bool = False
) -> tuple[Filters, list[Notice]]:
    """Filters from query parameters; unknown or malformed values are dropped with a notice. `live`: the URL
    is an embed's or a download's, which may ask for each chart's newest report (`report=latest`); a page
    shows one report or years, and takes `report=latest` as its default view, saying so."""
    notices: list[Notice] = []
    too_long = [name for name in FILTER_PARAMS if _too_long(params, name)]
    for name in too_long:
        notices.append(Notice(f"参数 {name} 过长，已忽略。", f"Parameter {name} is too long and was ignored."))

    lang_values = [] if "lang" in too_long else _values(params, "lang")
    lang: Lang = "zh"
    if lang_values:
        if lang_values[-1] in LANGS:
            lang = "en" if lang_values[-1] == "en" else "zh"
        else:
            notices.append(
                Notice("语言参数无效，已使用中文。", f"Unknown language {lang_values[-1]!r}: showing Chinese.")
            )

    years: frozenset[int] | None = None
    year_text = ",".join([] if "years" in too_long else _values(params, "years"))
    if year_text:
        available = set(dataset.available_years())
        try:
            asked = parse_years(year_text)
        except ValueError:
            notices.append(
                Notice(
                    f"年份参数“{shown(year_text)}”无效（示例：2019-2023 或 2021,2023），已显示全部年份。",
                    f"Years {year_text[:40]!r} not understood (try 2019-2023 or 2021,2023): showing all years.",
                )
            )
        else:
            years = asked & available
            if not years:
                notices.append(
                    Notice(
                        "所选年份不在数据范围内，已显示全部年份。",
                        "None of the chosen years is in the data: showing all years.",
                    )
                )
                years = None
            elif years == available and len(dataset.editions) <= 1:
                # One report: every year is its view. With several, every year is a view of its own
                # (all reports' figures by their periods), not the default (the latest five-year report).
                years = None
            elif asked - available:
                notices.append(
                    Notice(
                        "部分所选年份不在数据范围内，已忽略。",
                        "Some chosen years are not in the data and were ignored.",
                    )
                )

    report, latest = _report([] if "report" in too_long else _values(params, "report"), dataset, notices)
    if latest and not live:
        latest = False
        notices.append(
            Notice(
                "“report=latest”用于实时嵌入；本页显示默认内容（最新的五年报告）。",
                "“report=latest” is for live embeds: this page shows the default view (the latest five-year report).",
            )
        )
    if (report is not None or latest) and years is not None:
        notices.append(
            Notice(
                "已按所选报告显示，年份参数被忽略（报告与年份只能选一个）。",
                "Showing the chosen report: the years were ignored (choose a report or years, not both).",
            )
        )
        years = None
    programmes = _known(params, "programme", set(dataset.programmes["id"]), too_long, notices, "项目", "programme")
    sections = _known(params, "section", set(dataset.sections["id"]), too_long, notices, "板块", "section")
    compare = _compare([] if "compare" in too_long else _values(params, "compare"), dataset, notices)
    filters = Filters(
        years=years, programmes=programmes, sections=sections, lang=lang, report=report, latest=latest, compare=compare
    )
    return filters, notices


def period_text(period: tuple[int, int]) -> str:
    """A report's period as URLs name it: '2019-2023', '2024' (report=…, compare=…, a static site's folders)."""
    return format_years(frozenset(range(period[0], period[1] + 1)))


def _compare(values: list[str], dataset: Dataset, notices: list[Notice]) -> tuple[tuple[int, int], ...] | None:
    """`compare=2014-2018` (repeatable): the reports to compare with; None (compare as a page does) if absent."""
    if not values:
        return None
    periods = []
    for text in values[:MAX_VALUES]:
        period = _period(text)
        if period is None or dataset.edition(period) is None:
            notices.append(
                Notice(
                    f"没有报告期为“{shown(text)}”的报告可供比较，已忽略。",
                    f"No report covers {text[:40]!r} to compare with: ignored.",
                )
            )
            continue
        periods.append(period)
    # None when none is understood: the same view as without the parameter (its notice says so).
    return tuple(sorted(set(periods))) or None


def _period(text: str) -> tuple[int, int] | None:
    """'2019-2023' or '2024' as (start, end); None for anything else (a list, a gap)."""
    try:
        years = parse_years(text)
    except ValueError:
        return None
    start, end = min(years), max(years)
    return (start, end) if len(years) == end - start + 1 else None


LATEST = "latest"


def _report(values: list[str], dataset: Dataset, notices: list[Notice]) -> tuple[tuple[int, int] | None, bool]:
    """`report=2019-2023` (the report on that period) or `report=latest` (a chart's newest report)."""
    if not values:
        return None, False
    text = values[-1]
    if text == LATEST:
        return None, True
    period = _period(text)
    if period is None or dataset.edition(period) is None:
        known = "、".join(format_years(frozenset(range(e.start, e.end + 1))) for e in dataset.editions)
        notices.append(
            Notice(
                f"没有报告期为“{shown(text)}”的报告（有：{known}），已显示默认内容。",
                f"No report covers {text[:40]!r} (there are: {known.replace('、', ', ')}): showing the default view.",
            )
        )
        return None, False
    return period, False


def pinned(filters: Filters, dataset: Dataset) -> Filters:
    """An embed's or a download's filters, which never change by themselves: a URL that names no period
    shows the first edition (the report of the first row of sources.csv), not the default view, which moves
    to newer reports; and it compares with the reports it names only (`compare=`), none if it names none,
    so a report added later adds no line to it. Only `report=latest` follows the data, as it says."""
    if filters.latest:
        return filters
    if filters.is_default_view:
        filters = replace(filters, report=dataset.first_edition.period)
    return filters if filters.compare is not None else replace(filters, compare=())


def _too_long(params: Mapping[str, str | Sequence[str]], name: str) -> bool:
    raw = params.get(name, [])
    values = [raw] if isinstance(raw, str) else list(raw)
    return len(values) > MAX_VALUES or any(len(str(value)) > MAX_VALUE_LENGTH for value in values)


def _known(
    params: Mapping[str, str | Sequence[str]],
    name: str,
    known: set[str],
    too_long: list[str],
    notices: list[Notice],
    noun_zh: str,
    noun_en: str,
) -> tuple[str, ...]:
    if name in too_long:
        return ()
    values = list(dict.fromkeys(_values(params, name)))
    unknown = [value for value in values if value not in known]
    if unknown:
        names = ", ".join(value[:40] for value in unknown[:3])
        notices.append(
            Notice(f"未知{noun_zh}“{shown(names, 130)}”，已忽略。", f"Unknown {noun_en} {names!r} was ignored.")
        )
    return tuple(value for value in values if value in known)


def to_query_string(filters: Filters) -> str:
    """The canonical query string for `filters` (defaults left out), without the leading '?'."""
    pairs: list[tuple[str, str]] = []
    if filters.latest:
        pairs.append(("report", LATEST))
    elif filters.report is not None:
        pairs.append(("report", period_text(filters.report)))
    if filters.years is not None:
        pairs.append(("years", format_years(filters.years)))
    pairs += [("compare", period_text(period)) for period in filters.compare or ()]
    pairs += [("programme", programme) for programme in filters.programmes]
    pairs += [("section", section) for section in filters.sections]
    if filters.lang != "zh":
        pairs.append(("lang", filters.lang))
    return urlencode(pairs)
