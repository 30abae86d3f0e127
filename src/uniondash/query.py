"""URL query strings <-> `Filters`: the one parser every route uses (pages, exports, embeds, slides).

A bad parameter never fails a request: it falls back to the default and comes back as a notice the
page shows (in the reader's language).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from uniondash.model import LANGS, Dataset, Filters, Lang

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


def parse_filters(params: Mapping[str, str | Sequence[str]], dataset: Dataset) -> tuple[Filters, list[Notice]]:
    """Filters from query parameters; unknown or malformed values are dropped with a notice."""
    notices: list[Notice] = []
    too_long = [name for name in ("years", "programme", "section", "lang") if _too_long(params, name)]
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
            elif years == available:
                years = None
            elif asked - available:
                notices.append(
                    Notice(
                        "部分所选年份不在数据范围内，已忽略。",
                        "Some chosen years are not in the data and were ignored.",
                    )
                )

    programmes = _known(params, "programme", set(dataset.programmes["id"]), too_long, notices, "项目", "programme")
    sections = _known(params, "section", set(dataset.sections["id"]), too_long, notices, "板块", "section")
    return Filters(years=years, programmes=programmes, sections=sections, lang=lang), notices


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
    if filters.years is not None:
        pairs.append(("years", format_years(filters.years)))
    pairs += [("programme", programme) for programme in filters.programmes]
    pairs += [("section", section) for section in filters.sections]
    if filters.lang != "zh":
        pairs.append(("lang", filters.lang))
    return urlencode(pairs)
