"""The years a figure covers, from the words around it and the report's date. Pure functions.

A period word (a *cue*) sets the years of the figures near it:
- 五年来, 这五年, 过去五年, 近五年, N年来, 近N年: the N years up to the report's year (五年来 in a 2023
  report: 2019–2023, as data/README.md reads it); N年里 after "N年前…启动" runs from that start (2003–2023);
- 今年, 本年, 年初, 目前, 如今, 截至目前: the report's year;
- 去年 / 上年: the year before; 前年: two years before; 当年: the year last named before it;
- 2022年以来 / 2022年至今 / 自2007年8月…启动以来 / 从2002年起: 2022 (2007, 2002) to the report's year;
  2019—2023年 / 2019年至2023年: as written;
- 截至2023年(底): 2023; “十四五”以来: 2021 to the report's year; a year itself (2022年, 2023年度): that year;
- 比2012年 and 与5年前相比 set only the figure of their own clause (the change they compare): from that year
  to the end of the figure's own period; 比上年, 较去年同期, 同比: from the year before the figure's own;
- a part of a year without its year (3月, 上半年, 年底, 全年): the year the figure stands in otherwise.

A figure's period comes from, in this order, and the row says which (`Basis`, the `period_basis` column):
1. `clause`: the cue nearest to it in its own clause;
2. `sentence`: the nearest cue of an earlier clause of its sentence, else of a later one;
3. `paragraph`: the cue opening an earlier sentence of its paragraph (今年以来，…);
4. `earlier paragraph`: the last report-period cue (五年来, 2022年以来) of an earlier paragraph of its part;
5. `heading`: a cue in the heading it stands under, or in that heading's parent (一、过去五年的工作回顾;
   2023年工作回顾; 今年以来);
6. `document`: what the text is (`document_period`): an annual report or summary (2023年工作报告) → its year;
   a congress report (代表大会) → the five years up to the report's year, but not for one person's or
   body's story told in it (他带徒40余名: as of the report); a title naming a year (2024年春节送温暖) →
   that year; the year opening the text's first paragraph;
7. `report date`: the report's year.
Levels 6 and 7 are guesses from the text as a whole: the row says so, for the reviewer to confirm.
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
    own_clause: bool = False  # a comparison (比2012年): it sets the period of its own clause's figure only
    years_back: int = 0  # a comparison with the year before the figure's own (比上年, 同比): 1
    within_year: bool = False  # a part of a year without its year (3月, 上半年, 年底): the figure's own year


def _years(text: str) -> int | None:
    value = number_value(text)
    return int(value) if value is not None and value == int(value) and 0 < value < 200 else None


def find_cues(twin: str, report_year: int | None) -> list[Cue]:
    """Every period word of the normalised text, resolved against `report_year` (None: relative cues unresolved)."""
    cues: list[Cue] = []
    taken = SpanIndex()
    anchors: dict[int, int] = {}  # N年前 → the start year, for a later N年里

    def add(
        match: re.Match[str],
        period: tuple[int, int] | None,
        report_period: bool = False,
        own_clause: bool = False,
        years_back: int = 0,
        within_year: bool = False,
    ) -> None:
        start, end = match.span()
        if taken.overlap(start, end) is not None:
            return
        taken.add(start, end, "cue")
        cues.append(Cue(start, end, match.group(0), period, report_period, own_clause, years_back, within_year))

    y = report_year
    for match in re.finditer(r"((?:19|20)\d{2})\s*[-~至到]\s*((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), int(match.group(2))), True)
    # A start named before its verb: 自2007年8月端州区总工会启动…以来, 从2002年启动以来, 自2003年开展以来.
    # It dates one programme's figures, in its sentence: it is not carried to the next paragraphs.
    for match in re.finditer(r"(?:自|从)((?:19|20)\d{2})年[^，,。；;！？\n]{0,24}?(?:以来|至今|起|开始)", twin):
        add(match, (int(match.group(1)), y) if y else None)
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
            add(match, (y - years, y) if y else None, own_clause=True)
    # 比上年增长12%, 较去年同期增加, 同比增长: from the year before the figure's own to its end.
    for match in re.finditer(r"(?:比|较|与)(?:上年|去年|上一年)(?:同期)?(?:相比)?|同比", twin):
        add(match, (y - 1, y) if y else None, own_clause=True, years_back=1)
    for match in re.finditer(r"(?:比|较)((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), y) if y else None, own_clause=True)
    for match in re.finditer(r"去年|上年|上一年", twin):
        add(match, (y - 1, y - 1) if y else None)
    for match in re.finditer(r"前年", twin):
        add(match, (y - 2, y - 2) if y else None)
    # Parts of the year without a year of their own (上半年, 年底, 全年; not 2023年底): the report's year.
    for match in re.finditer(r"(?<![\d年])(?:上半年|下半年|前三季度|全年|年底|年末)", twin):
        add(match, (y, y) if y else None, within_year=True)
    for match in re.finditer(r"今年|本年度|本年|年初|年内|目前|如今|当前|现有|至今|今夏|今冬|今春|今秋", twin):
        add(match, (y, y) if y else None)
    for match in re.finditer(r"(?<![\d年])(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:\d{1,2}[日号])?", twin):
        add(match, (y, y) if y else None, within_year=True)
    named_years = [(match.start(), int(match.group(1))) for match in re.finditer(r"((?:19|20)\d{2})年", twin)]
    for match in re.finditer(r"((?:19|20)\d{2})年", twin):
        add(match, (int(match.group(1)), int(match.group(1))))
    # 当年 (that year): the year last named before it (从2002年启动以来，助学金从当年的每人400元 → 2002).
    for match in re.finditer(r"当年", twin):
        named = [year for start, year in named_years if start < match.start()]
        if named:
            add(match, (named[-1], named[-1]))
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
        self._absolute: CueIndex | None = None

    def within(self, start: int, end: int) -> list[Cue]:
        return self.cues[bisect_left(self.starts, start) : bisect_left(self.starts, end)]

    def absolute(self) -> CueIndex:
        """The cues that set a period by themselves (no comparison, no part of a year), built once."""
        if self._absolute is None:
            self._absolute = CueIndex([cue for cue in self.cues if not (cue.own_clause or cue.within_year)])
        return self._absolute


_HEADING_LEVELS = (
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), 2),
    (re.compile(r"^\d{1,2}[、.．](?!\d)"), 3),
    (re.compile(r"^[（(]\d{1,2}[）)]"), 4),
)


def heading_level(line: str) -> int | None:
    """How deep a numbered heading stands: 一、 is 1, （一） 2, 1. 3, （1） 4; None without a number (a title
    line before the text's first paragraph, else a heading of level 1)."""
    stripped = line.strip()
    return next((level for pattern, level in _HEADING_LEVELS if pattern.match(stripped)), None)


@dataclass(frozen=True)
class DocumentPeriod:
    """The period a text sets for all its figures, and why: the fallback before the report's year."""

    period: tuple[int, int]
    why: str
    spans_years: bool = False  # a congress's five years: not the period of one person's story in it


_ANNUAL = re.compile(
    r"((?:19|20)\d{2})\s*年度?[^。！？\n]{0,30}?(?:工作报告|工作总结|工作回顾|工作情况|述职报告|年度报告|年报)"
)
# The report to a congress itself (在…第N次代表大会上的报告, 代表大会工作报告), not news of one: a news page
# celebrating a congress tells stories as of its date, and its five-year figures carry their own 五年来.
_CONGRESS_REPORT = re.compile(r"代表(?:大会|会议)[^。！？\n]{0,12}报告|报告[^。！？\n]{0,6}代表(?:大会|会议)")
# A year the text is about (2024年春节送温暖, 2021年度一线职工疗休养), not a dateline (2014年8月29日), a start
# (自2003年开展以来, 2022年起), a comparison (比2012年) or an end (截至2023年底).
_TITLE_YEAR = re.compile(
    r"(?<![自从比较至到])(?<!截至)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日)(?!以来|来|起|至今|开始|底|末|前|以前)"
)


def document_period(twin: str, report_year: int | None, head_lines: int = 12) -> DocumentPeriod | None:
    """What the text is, from its head (the short lines before its first paragraph, and that paragraph's
    first sentence): an annual report or summary (2023年工作报告) → that year; a congress report
    (…代表大会上的报告 in its head: the report itself, not news of the congress) → the five years up to the
    report's year; a title naming one year (2024年春节送温暖), else a first sentence naming one (近日，市总工会
    启动2024年春节“送温暖”活动; 2021年，全县…) → that year. None when the head says nothing of a period."""
    lines = [line.strip() for line in twin.split("\n") if line.strip()][:head_lines]
    head: list[str] = []
    opening = ""
    for line in lines:
        if len(line) <= 40 and line[-1] not in _SENTENCE_END:
            head.append(line)
            continue
        opening = re.split(r"[。！？!?]", line, maxsplit=1)[0]
        break
    title = "\n".join(head)
    annual = _ANNUAL.search(title) or _ANNUAL.search(twin[:600])
    if annual:
        year = int(annual.group(1))
        return DocumentPeriod((year, year), f"an annual report: {annual.group(0).strip()}")
    if _CONGRESS_REPORT.search(title + "\n" + opening) and report_year is not None:
        return DocumentPeriod(
            (report_year - 4, report_year), "a congress report: the five years up to its date", spans_years=True
        )
    for where, text in (("its title", title), ("its first sentence", opening)):
        years = [int(match.group(1)) for match in _TITLE_YEAR.finditer(text)]
        if len(set(years)) == 1:
            return DocumentPeriod((years[0], years[0]), f"the year {where} name(s): {years[0]}年")
    return None


@dataclass(frozen=True)
class Basis:
    """How a figure's period was decided: the level of the rule (see the module docstring) and its cue."""

    level: str  # clause | sentence | paragraph | earlier paragraph | heading | document | report date | none
    cue: str = ""

    @property
    def guess(self) -> bool:
        """A period from the text as a whole, not from words about this figure: the reviewer confirms it."""
        return self.level in ("document", "report date", "none")

    def describe(self) -> str:
        if self.level == "none":
            return "none: no period word and no report date (give --report-date)"
        said = f"{self.level}: {self.cue}" if self.cue else self.level
        return said + (" (a guess: confirm)" if self.guess else "")


def resolve(
    position: int,
    clause: tuple[int, int],
    sentence: tuple[int, int],
    cues: CueIndex,
    paragraph_cue: Cue | None,
    carried: Cue | None,
    heading_cue: Cue | None,
    document: DocumentPeriod | None,
    report_year: int | None,
    story: bool = False,
) -> tuple[tuple[int, int] | None, Basis]:
    """The period of a figure at `position`, and how it was decided (the order of the module docstring).
    A cue whose period needs the report's date and has none gives no period, and says so. A `story`'s
    figure (one person's or body's: 他带徒40余名) is as of the report, not over a congress's five years.
    A cue that is relative to the figure's own period (比上年, 比2022年; a part of a year without one: 3月,
    上半年, 年底) takes it from the rest of the order: 上半年 under 一、2023年工作回顾 is 2023."""

    def distance(cue: Cue) -> int:
        return min(abs(cue.start - position), abs(cue.end - position))

    def outer() -> tuple[int, int] | None:
        """The period the figure stands in, the relative cues of its sentence set aside."""

        def absolute(cue: Cue | None) -> Cue | None:
            return None if cue is None or cue.own_clause or cue.within_year else cue

        plain = cues.absolute()
        context = (absolute(paragraph_cue), absolute(carried), absolute(heading_cue), document, report_year, story)
        return resolve(position, (clause[0], clause[0]), sentence, plain, *context)[0]

    def found(cue: Cue, level: str) -> tuple[tuple[int, int] | None, Basis]:
        if cue.period is None:
            return None, Basis(level, f"{cue.text} (needs --report-date)")
        if cue.own_clause or cue.within_year:
            around = outer()
            if around is not None and cue.within_year:
                return (around[1], around[1]), Basis(level, f"{cue.text} of {around[1]}")
            if around is not None:
                # 比2022年增加: from the year compared with to the end of the figure's period; 比上年: from the
                # year before that period's start.
                start = around[0] - cue.years_back if cue.years_back else cue.period[0]
                return (start, max(around[1], start)), Basis(level, cue.text)
        return cue.period, Basis(level, cue.text)

    own = cues.within(*clause)
    if own:
        return found(min(own, key=distance), "clause")
    others = [cue for cue in cues.within(*sentence) if not cue.own_clause]
    before = [cue for cue in others if cue.end <= clause[0]]
    after = [cue for cue in others if cue.start >= clause[1]]
    if before or after:
        return found(min(before or after, key=distance), "sentence")
    for cue, level in ((paragraph_cue, "paragraph"), (carried, "earlier paragraph"), (heading_cue, "heading")):
        if cue is not None:
            return found(cue, level)
    if document is not None and not (story and document.spans_years):
        return document.period, Basis("document", document.why)
    if report_year is not None:
        why = "a story's figure, as of the report" if story and document is not None else "no period word"
        return (report_year, report_year), Basis("report date", f"{report_year}, {why}")
    return None, Basis("none")
