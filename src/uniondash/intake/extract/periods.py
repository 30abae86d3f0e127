"""The years a figure covers, from the words around it and the report's date. Pure functions.

A period word (a *cue*) sets the years of the figures near it:
- 五年来, 这五年, 过去五年, 近五年, N年来, 近N年: the N years up to the report's year (五年来 in a 2023
  report: 2019–2023, as data/README.md reads it); N年里 after "N年前…启动" runs from that start (2003–2023);
- 今年, 本年, 年初, 目前, 如今, 截至目前, a month or day without a year (3月31日): the report's year;
- 去年 / 上年: the year before; 前年: two years before;
- 2022年以来 / 2022年至今: 2022 to the report's year; 2019—2023年 / 2019年至2023年: as written;
- 截至2023年(底): 2023; “十四五”以来: 2021 to the report's year; a year itself (2022年, 2023年度): that year.

A figure takes the cue nearest to it in its sentence; else its paragraph's opening cue; else the last
report-period cue (五年来, 2022年以来) of an earlier paragraph of the same part (a heading ends a part);
else the report's year (a story's figure, as of the report), and the row says so.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from uniondash.intake.extract.rules import CN_DIGITS, SpanIndex, number_value

_N = rf"(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})"


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    text: str
    period: tuple[int, int] | None  # None: relative, and the report's year is unknown
    report_period: bool  # a cue of the whole report (五年来, 2022年以来): carried to the next paragraphs


def _years(text: str) -> int | None:
    value = number_value(text)
    return int(value) if value is not None and value == int(value) and 0 < value < 200 else None


def find_cues(twin: str, report_year: int | None) -> list[Cue]:
    """Every period word of the normalised text, resolved against `report_year` (None: relative cues unresolved)."""
    cues: list[Cue] = []
    taken = SpanIndex()
    anchors: dict[int, int] = {}  # N年前 → the start year, for a later N年里

    def add(match: re.Match[str], period: tuple[int, int] | None, report_period: bool = False) -> None:
        start, end = match.span()
        if taken.overlap(start, end) is not None:
            return
        taken.add(start, end, "cue")
        cues.append(Cue(start, end, match.group(0), period, report_period))

    y = report_year
    for match in re.finditer(r"((?:19|20)\d{2})\s*[-~至到]\s*((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), int(match.group(2))), True)
    for match in re.finditer(r"((?:19|20)\d{2})年(?:以来|来|至今|起)", twin):
        add(match, (int(match.group(1)), y) if y else None, True)
    for match in re.finditer(r"截至(?:目前|今年|本年)", twin):
        add(match, (y, y) if y else None)
    for match in re.finditer(r"截至((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), int(match.group(1))))
    for match in re.finditer(r"[“\"]?十([二三四五])五[”\"]?(?:期间|以来|时期)", twin):
        first = {"二": 2011, "三": 2016, "四": 2021, "五": 2026}[match.group(1)]
        ends_now = match.group(0).endswith("以来") and y
        add(match, (first, y if ends_now and y else first + 4), True)
    for match in re.finditer(rf"({_N})年前", twin):
        years = _years(match.group(1))
        if years and y:
            anchors[years] = y - years
    for match in re.finditer(rf"(?:过去|近|最近|这)({_N})年(?:来|以来|里|间|中)?|({_N})年(?:来|以来|里|间)", twin):
        years = _years(match.group(1) or match.group(2))
        if years is None:
            continue
        if match.group(0).endswith("里") and years in anchors:
            add(match, (anchors[years], y) if y else None, False)
        else:
            add(match, (y - years + 1, y) if y else None, True)
    # A programme's own span, a figure that also dates the figures after it: 已经持续开展9年 → 2013–2021,
    # 陪我们走过20年 after "20年前…启动" → 2003–2023.
    for match in re.finditer(
        rf"(?:持续|坚持|连续|已经?|走过了?|开展了?|举办了?)[^，,。；;\n]{{0,6}}?({_N})(?:余|多)?(?:个)?(?:年头|年)(?![前后来里间度级])",
        twin,
    ):
        years = _years(match.group(1))
        if years and y:
            add(match, (anchors.get(years, y - years + 1), y), True)
        elif years:
            add(match, None, True)
    for match in re.finditer(rf"与({_N})年前相比", twin):
        years = _years(match.group(1))
        if years:
            add(match, (y - years, y) if y else None)
    for match in re.finditer(r"比((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), y) if y else None)
    for match in re.finditer(r"去年|上年|上一年", twin):
        add(match, (y - 1, y - 1) if y else None)
    for match in re.finditer(r"前年", twin):
        add(match, (y - 2, y - 2) if y else None)
    for match in re.finditer(r"今年|本年度|本年|年初|年内|目前|如今|当前|现有|至今|今夏|今冬|今春|今秋", twin):
        add(match, (y, y) if y else None)
    for match in re.finditer(r"(?<![\d年])(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:\d{1,2}[日号])?", twin):
        add(match, (y, y) if y else None)
    for match in re.finditer(r"((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), int(match.group(1))))
    cues.sort(key=lambda cue: cue.start)
    return cues


_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def stated_date(twin: str) -> tuple[str, int] | None:
    """The date a report states for itself: the first full date (2023年11月30日) standing on a line of its
    own, or heading the text (within its first 20 lines); (YYYY-MM-DD, line number) or None."""
    for line_number, line in enumerate(twin.split("\n")[:400], start=1):
        match = _FULL_DATE.search(line)
        if match is None:
            continue
        alone = len(line.strip()) <= len(match.group(0)) + 8
        if alone or line_number <= 20:
            year, month, day = (int(part) for part in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}", line_number
    return None


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    heading: bool  # a short line without a sentence end: a heading, a caption, a masthead


_SENTENCE_END = "。！？!?；;…"


def paragraphs(text: str) -> list[Paragraph]:
    out: list[Paragraph] = []
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            heading = len(stripped) <= 30 and stripped[-1] not in _SENTENCE_END + "”」）)"
            out.append(Paragraph(position, position + len(line), heading))
        position += len(line) + 1
    return out


class CueIndex:
    """The cues in text order, asked for those within a span in O(log n)."""

    def __init__(self, cues: list[Cue]) -> None:
        self.cues = sorted(cues, key=lambda cue: cue.start)
        self.starts = [cue.start for cue in self.cues]

    def within(self, start: int, end: int) -> list[Cue]:
        return self.cues[bisect_left(self.starts, start) : bisect_left(self.starts, end)]


def period_of(
    position: int, sentence: tuple[int, int], cues: CueIndex, paragraph_cue: Cue | None, carried: Cue | None
) -> tuple[Cue | None, str]:
    """The cue that sets the period of a figure at `position`, and how it was chosen."""
    in_sentence = cues.within(*sentence)
    if in_sentence:
        nearest = min(in_sentence, key=lambda cue: min(abs(cue.start - position), abs(cue.end - position)))
        return nearest, "sentence"
    if paragraph_cue is not None:
        return paragraph_cue, "paragraph"
    if carried is not None:
        return carried, "earlier paragraph"
    return None, "none"
