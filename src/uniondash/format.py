"""Numbers and labels for readers: Chinese 万/亿 via Babel's CLDR patterns, the report's qualifiers kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal

from uniondash.model import ComputedFigure, Lang
from uniondash.query import format_years

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
# How the report's qualifiers read in English; in Chinese the figure is shown exactly as written.
QUALIFIERS_EN = {
    "余": "over {}",
    "多": "over {}",
    "以上": "{} or more",
    "超": "over {}",
    "超过": "over {}",
    "不少于": "at least {}",
    "逾": "over {}",
    "接近": "nearly {}",
    "近": "nearly {}",
    "约": "about {}",
}
# Written units that carry no noun (e.g. "5.1万余" before "待岗职工"): the metric's unit is added.
_BARE_UNITS = {"", "万", "亿"}
# English units that take no space after the number.
_TIGHT_UNITS_EN = {"%"}


def compact_number(value: float, lang: Lang, fraction_digits: int = 4, short: bool = False) -> str:
    """2.8亿, 4494.49万, 48.3万 (zh) or 280 million (en), from CLDR's compact patterns.

    Up to four fraction digits are kept (trailing zeros dropped) so a figure such as 4494.49万 stays
    exact; `short` gives 'K'/'M' in English, for axis ticks.
    """
    if abs(value) < 10_000:
        return format_decimal(round(value, fraction_digits), locale=LOCALES[lang], group_separator=lang == "en")
    style: Literal["short", "long"] = "short" if lang == "zh" or short else "long"
    return format_compact_decimal(value, format_type=style, locale=LOCALES[lang], fraction_digits=fraction_digits)


def exact_number_en(value: float) -> str:
    """A figure as an English press release prints it, exact: '280 million', '1.1 million', '483,000',
    '44,944,900' (4494.49万 — '44.9449 million' is unreadable and '44.94 million' not what the report says).

    Millions and billions are used only when they stay short and exact (at most one decimal: 2.8亿 = 280
    million, 110万 = 1.1 million); anything else is written in full with thousands separators.
    """
    for size, word in ((1_000_000_000, "billion"), (1_000_000, "million")):
        if abs(value) >= size:
            scaled = value / size
            if round(scaled, 1) == round(scaled, 9):
                return f"{format_decimal(round(scaled, 1), locale='en')} {word}"
    return format_decimal(round(value, 4), locale="en")


def english_unit(value: float, unit_en: str) -> str:
    """The English unit for `value`: '1 person', '1 case', but '2 people', '0 cases'."""
    if value != 1:
        return unit_en
    if unit_en.startswith("people"):
        return "person" + unit_en[len("people") :]
    return unit_en[:-1] if unit_en.endswith("s") else unit_en


def with_unit(number: str, unit_zh: str, unit_en: str, lang: Lang) -> str:
    if lang == "zh":
        return f"{number}{unit_zh}"
    return f"{number}{unit_en}" if unit_en in _TIGHT_UNITS_EN else f"{number} {unit_en}"


def display_value(fact: Mapping[str, Any] | pd.Series, lang: Lang) -> str:
    """A fact's value for a reader: '2600余万元' in Chinese exactly as the report writes it.

    In English the number is exact (`exact_number_en`) and the qualifier is kept in words ('over 26 million
    yuan', 'over 520,000 person-times').
    """
    as_written = str(fact["as_written"])
    unit_zh, unit_en = str(fact["unit_zh"]), str(fact["unit_en"])
    if lang == "zh":
        bare = str(fact["unit_as_written"]) in _BARE_UNITS and unit_zh not in as_written
        return f"{as_written}{unit_zh}" if bare and unit_zh != "%" else as_written
    value = float(str(fact["value"]))
    number = with_unit(exact_number_en(value), "", english_unit(value, unit_en), "en").strip()
    template = QUALIFIERS_EN.get(str(fact["qualifier"]), "{}")
    return template.format(number)


def computed_method(figure: ComputedFigure, lang: Lang) -> str:
    """How a computed figure was computed, each term as the reader sees it: '计算值：7名 + 37名 + 161名'."""
    terms = " + ".join(display_value(part, lang) for part in figure.parts)
    return f"计算值：{terms}" if lang == "zh" else f"computed: {terms}"


def display_computed(figure: ComputedFigure, lang: Lang) -> str:
    """A computed figure, marked as such: '205名（计算值：7名 + 37名 + 161名）'.

    In Chinese the total takes the unit its terms are written in (名, 个) when they share one, so the
    sum does not switch from 名 to 人 under the reader's eyes; a scaled unit (万元) gives way to 万/亿.
    """
    written = {str(part.get("unit_as_written", "")) for part in figure.parts}
    unit_zh = figure.unit_zh
    if len(written) == 1 and (only := written.pop()) not in _BARE_UNITS and not only.startswith(("万", "亿")):
        unit_zh = only
    shown = compact_number(figure.value, lang) if lang == "zh" else exact_number_en(figure.value)
    number = with_unit(shown, unit_zh, english_unit(figure.value, figure.unit_en), lang)
    if lang == "zh":
        bound = {"": "", "lower_bound": "以上", "approximate": "（约）"}[figure.qualifier]
        return f"{number}{bound}（{computed_method(figure, lang)}）"
    bound = {"": "{}", "lower_bound": "{} or more", "approximate": "about {}"}[figure.qualifier]
    return f"{bound.format(number)} ({computed_method(figure, lang)})"


def long_date(day: date, lang: Lang) -> str:
    """A date for readers: '2026年12月7日' / '7 December 2026' (day, month, year: never the US 'December 7, 2026',
    which CLDR's plain English gives)."""
    if lang == "zh":
        return format_date(day, format="long", locale=LOCALES["zh"])
    return format_date(day, format="d MMMM y", locale=LOCALES["en"])


def period_label(start: int, end: int, lang: Lang) -> str:
    """'2019–2023年' / '2019–2023'; one year alone as '2023年' / '2023'."""
    span = str(start) if start == end else f"{start}–{end}"
    return f"{span}年" if lang == "zh" else span


def years_list(years: frozenset[int] | None, lang: Lang) -> str:
    """The chosen years for a reader: '2019–2020、2023' / '2019–2020, 2023'; '' for every year."""
    return format_years(years).replace("-", "–").replace(",", "、" if lang == "zh" else ", ")


def years_label(years: frozenset[int] | None, lang: Lang) -> str:
    """`years_list` as a period: '2019–2023年', '2021、2023年' / '2021, 2023'; '' for every year."""
    text = years_list(years, lang)
    return (text + ("年" if lang == "zh" else "")) if text else ""


def as_of_label(year: int, lang: Lang) -> str:
    """'截至2023年' / 'as of 2023': a story's figure reported that year, often a career total (累计, 先后)."""
    return f"截至{year}年" if lang == "zh" else f"as of {year}"


def axis_ticks(max_value: float, lang: Lang, count: int = 5) -> tuple[list[float], list[str]]:
    """Round tick values from 0 to just above `max_value`, labelled 万/亿 the Chinese way (never k/M/G)."""
    if max_value <= 0:
        return [0.0], ["0"]
    raw_step = max_value / count
    magnitude = 10 ** (len(str(int(raw_step))) - 1) if raw_step >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    values = [step * i for i in range(int(max_value // step) + 2)]
    if lang == "zh" and values[-1] >= 10_000:
        # One unit along the axis (0.8万 · 1万 · 1.2万, not 8000 · 1万 · 1.2万): the largest tick's.
        size, unit = (100_000_000, "亿") if values[-1] >= 100_000_000 else (10_000, "万")
        return values, ["0" if value == 0 else f"{round(value / size, 4):g}{unit}" for value in values]
    return values, [compact_number(value, lang, short=True) for value in values]


def join_labels(labels: Iterable[str], lang: Lang) -> str:
    return ("、" if lang == "zh" else ", ").join(labels)


def span_label(start: int, end: int, summable: bool, lang: Lang) -> str:
    """What a period means for a figure: '2019–2023年 · 五年合计', '2003–2023年 · 累计' ('2019–2023 total'),
    or the period alone.

    A total over several years is named as one, so it is never read as a yearly figure; a rate or other
    figure that cannot be added keeps the bare period.
    """
    period = period_label(start, end, lang)
    years = end - start + 1
    if not summable or years == 1:
        return period
    if lang == "en":
        # Short enough for a panel heading on a phone ("Unit: person-times · 2019–2023 total").
        return f"{period} total"
    return f"{period} · 五年合计" if years == 5 else f"{period} · 累计"


# ---------------------------------------------------------------------------------------------------
# Reports (editions): what kind, on which period, published when.

REPORT_KINDS: dict[str, dict[Lang, str]] = {
    "five-year": {"zh": "五年报告", "en": "five-year report"},
    "annual": {"zh": "年度报告", "en": "annual report"},
    "mid-term": {"zh": "中期报告", "en": "mid-term report"},
}
# The work a report sums up, for titles: '株洲市总工会五年工作成就' / 'five years of work'; '' a view by years.
REPORT_WORK: dict[str, dict[Lang, str]] = {
    "five-year": {"zh": "五年", "en": "five years of work"},
    "annual": {"zh": "年度", "en": "a year of work"},
    "mid-term": {"zh": "阶段", "en": "work so far"},
    "": {"zh": "", "en": "work year by year"},
}
SITE_TITLE: dict[Lang, str] = {"zh": "株洲市总工会{work}工作成就", "en": "Zhuzhou Federation of Trade Unions: {work}"}


def site_title(kind: str, lang: Lang) -> str:
    """The title of what a view shows, by the kind of its report ('' for a view by years):
    '株洲市总工会五年工作成就' / 'Zhuzhou Federation of Trade Unions: five years of work'."""
    work = REPORT_WORK.get(kind, REPORT_WORK[""])[lang]
    return SITE_TITLE[lang].format(work=work)


def report_kind_label(kind: str, lang: Lang) -> str:
    """'五年报告' / 'five-year report' (the kind's id if unknown)."""
    return REPORT_KINDS.get(kind, {}).get(lang, kind)


def edition_label(start: int, end: int, kind: str, lang: Lang) -> str:
    """'2019–2023年五年报告' / '2019–2023 five-year report'; '2024年年度报告' / '2024 annual report'."""
    joiner = "" if lang == "zh" else " "
    return f"{period_label(start, end, lang)}{joiner}{report_kind_label(kind, lang)}"


def date_label(iso_date: str, lang: Lang) -> str:
    """'2025年1月15日' / '15 January 2025' from 'YYYY-MM-DD' (the text itself if it is not a date)."""
    try:
        year, month, day = (int(part) for part in iso_date.split("-"))
    except ValueError:
        return iso_date
    if not 1 <= month <= 12:
        return iso_date
    return f"{year}年{month}月{day}日" if lang == "zh" else f"{day} {_MONTHS_EN[month - 1]} {year}"


_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
