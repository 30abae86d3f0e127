"""From a report's text to proposed rows of facts.csv: `extract_text` and `extract_file`.

One pass, top-down: normalise (a twin of the same length), find the figures (`rules`), the period words
(`periods`) and the report's date, then give each figure its quote (the shortest clause holding it), its
sentence, a label, a level, kind and scope, `part_of` for a 其中 part, and a programme and metric from
the data set (`suggest`); a figure stated again later (a headline repeated in the body) is proposed once.
Nothing here writes a file: `Proposal` is the whole answer, and the CLI or the desk decides what to keep.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from uniondash import columns
from uniondash.errors import UniondashError
from uniondash.intake.extract import periods as period_rules
from uniondash.intake.extract.documents import ExtractError, read_document
from uniondash.intake.extract.reference import Published
from uniondash.intake.extract.rules import Figure, Skipped, find_figures
from uniondash.intake.extract.suggest import Exemplar, bigrams, exemplars, known_english, suggest
from uniondash.intake.extract.text import han_share, normalise

# facts.csv's columns in order (the light list: no loader, no workbook library, for a quick command).
FACT_COLUMNS = columns.FACT_COLUMNS
# The columns of a proposed row: facts.csv's, then what the reviewer reads beside them.
EXTRA_COLUMNS = ("context", "confidence", "period_basis", "review")
PROPOSAL_COLUMNS = (*FACT_COLUMNS, *EXTRA_COLUMNS)
# A long annual report states a few hundred figures; import-xlsx takes 20 000 rows at most: the same bound.
MAX_FIGURES = 20_000
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_SENTENCE_END = "。！？!?"
_CLAUSE_MARKS = "，,；;：:。！？!?\n"
_LEADING = (
    "其中有",
    "其中",
    "全市各级工会",
    "全市各级",
    "全市",
    "市总工会",
    "累计",
    "共计",
    "共",
    "先后",
    "已经",
    "已",
    "并",
    "还",
    "为",
    "向",
    "牵头",
    "组织",
    "开展",
    "建成了",
    "建成",
    "建设",
    "创建",
    "培育",
    "发放",
    "筹集",
    "选树",
    "举办",
    "新建",
    "资助",
    "慰问",
    "吸引了",
    "吸引",
    "拥有",
    "建有",
    "帮助",
    "推荐",
    "成功",
)
_TRAILING = ("建有", "拥有", "共有", "已有", "达到", "达", "为", "共", "累计", "的", "约", "近", "超过", "逾", "不少于")
# A label ending in one of these verbs names nothing: the noun after the figure does (建成了1200多平方米的展示馆).
_VERBS = (
    "建成了",
    "建成",
    "建设了",
    "表彰了",
    "表彰",
    "帮助",
    "资助",
    "推动",
    "组织",
    "培养",
    "吸引了",
    "吸引",
    "拥有",
    "建有",
    "创建",
    "培育",
    "选树",
    "慰问",
    "输送",
    "指导",
    "追回了",
    "捐助了",
    "捐助",
    "走过",
    "推荐",
    "将",
    "带动",
    "覆盖",
    "惠及",
    "服务",
    "新建",
    "打造",
    "成立",
    "发展",
    "吸纳",
    "举办",
    "开展",
    "等",
)
_HONOUR = re.compile(r"劳模|劳动模范|工匠|奖状|奖章|奖|先锋号|示范|模范|先进|工作室|基地|能手|标兵|称号|优秀|百佳|十佳")
_LEVEL_WORDS = (
    ("national", re.compile(r"^(?:全国|国家级|国家)")),
    ("provincial", re.compile(r"^(?:全省|省级|省|湖南省|[\u4e00-\u9fff]{2}省)")),
    ("municipal", re.compile(r"^(?:市级|市(?!场))")),
)
_DISTRIBUTED = re.compile(
    r"^(全国|国家级|全省|省级|省|市级|市|县级|县)(?:和|及|、)(全国|国家级|全省|省级|省|市级|市|县级|县)(.+)$"
)
_EVENT_WORDS = re.compile(r"现场|仪式|盛典|论坛|开幕式|启动|当天|举行")
_PRONOUN = re.compile(r"[他她]")
_PERSONS = {"人", "名", "位"}
# A range's two rows are two figures: their labels say which bound (the importer refuses two alike).
_BOUND = {"range-low": "（下限）", "range-high": "（上限）"}
_MAX_PARTS_BACK = 20  # a 其中 part's whole is among the 20 figures before it (bounds a hostile endless sentence)


class NoDatasetError(UniondashError):
    """Raised only when a data set was asked for and cannot be loaded (its own message says why)."""


@dataclass
class Proposal:
    """The proposed rows of a report (facts.csv's columns plus `context`, `confidence` and `review`),
    the report date used and how it was found, and what the reader should know (`messages`)."""

    rows: list[dict[str, Any]]
    report_date: str | None
    report_date_from: str  # "text, line 17" | "--report-date" | "none"
    messages: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    text: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # each row's as_written in `text`
    source_name: str = ""


def extract_file(
    path: str | Path,
    *,
    report_date: str | dt.date | None = None,
    source_id: str | None = None,
    dataset: Published | None = None,
) -> Proposal:
    """Read the report at `path` (.txt, .docx, .pdf, .html; see `documents`) and propose its figures."""
    document = read_document(path)
    try:
        proposal = extract_text(document.text, report_date=report_date, source_id=source_id, dataset=dataset)
    except ExtractError as error:
        raise ExtractError(f"{document.name}: {error}") from error
    proposal.source_name = document.name
    if document.kind == "pdf":
        proposal.messages.insert(0, f"Read {document.pages} page(s) of {document.name}.")
    return proposal


def extract_text(
    text: str,
    *,
    report_date: str | dt.date | None = None,
    source_id: str | None = None,
    dataset: Published | None = None,
) -> Proposal:
    """Propose one row per statistic of `text`; see the module docstring and the README's extract section."""
    given = _parse_date(report_date)
    if source_id is not None and not _SLUG.match(source_id):
        raise UniondashError(f"--source-id {source_id[:60]!r}: use lower-case letters, digits and '-'")
    twin = normalise(text)
    stated = period_rules.stated_date(twin)
    messages: list[str] = []
    if given is not None:
        date, date_from = given, "--report-date"
        if stated and stated[0] != given:
            messages.append(f"Report date {given} from --report-date (the text states {stated[0]}, line {stated[1]}).")
        else:
            messages.append(f"Report date {given} from --report-date.")
    elif stated is not None:
        date, date_from = stated[0], f"text, line {stated[1]}"
        messages.append(f"Report date {date} as the text states it (line {stated[1]}).")
    else:
        date, date_from = None, "none"
        messages.append(
            "The text states no date and none was given: periods relative to the report (今年, 五年来) are left "
            "empty; give --report-date YYYY-MM-DD."
        )
    if not text.strip():
        return Proposal([], date, date_from, [*messages, "0 figures proposed: the text is empty."], text=text)
    if han_share(text) < 0.3:
        return Proposal(
            [],
            date,
            date_from,
            [*messages, "0 figures proposed: the text is not Chinese (uniondash reads Chinese reports)."],
            text=text,
        )
    report_year = int(date[:4]) if date else None
    figures, skipped = find_figures(text, twin, limit=MAX_FIGURES)
    if len(figures) > MAX_FIGURES:
        raise ExtractError(f"more than {MAX_FIGURES} figures: a report states a few hundred; split the text")
    cues = period_rules.find_cues(twin, report_year)
    candidates = exemplars(dataset) if dataset is not None else []
    scopes = _named_scopes(dataset)
    rows, spans, sentences = _rows(text, twin, figures, cues, candidates, scopes, source_id or "", report_year)
    rows, spans, repeats = _drop_repeats(text, rows, spans, sentences)
    prefix = source_id or "proposed"
    ids = {row["id"]: f"{prefix}-{number:03d}" for number, row in enumerate(rows, start=1)}
    for row in rows:
        row["id"] = ids[row["id"]]
        row["part_of"] = ids.get(row["part_of"], "")
    messages.append(
        f"{len(rows)} figure{'' if len(rows) == 1 else 's'} proposed"
        + (f"; {repeats} repeated figure(s) proposed once." if repeats else ".")
    )
    guessed = sum("(a guess: confirm)" in row["period_basis"] or row["period_basis"].startswith("none") for row in rows)
    if guessed:
        messages.append(
            f"Periods: {len(rows) - guessed} from the words around the figure, {guessed} guessed from the document "
            "or the report's date; the period_basis column says which (a guess: confirm)."
        )
    vague = [item.text for item in skipped if item.reason == "vague number"]
    if vague:
        messages.append("Vague numbers not proposed (no number can be given): " + "、".join(dict.fromkeys(vague)) + ".")
    left_out = [item for item in skipped if item.reason in ("title", "threshold of a scope", "phone number")]
    if left_out:
        messages.append(
            "Left out: "
            + "; ".join(f"{item.text} ({item.reason})" for item in left_out[:10])
            + ("; …" if len(left_out) > 10 else "")
            + "."
        )
    if not rows:
        messages.append("0 figures proposed: no number with a unit was found in the text.")
    return Proposal(rows, date, date_from, messages, skipped, text, spans)


def _parse_date(value: str | dt.date | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise UniondashError(f"--report-date {str(value)[:40]!r}: not a date; use YYYY-MM-DD") from None


# ---------------------------------------------------------------------------------------------------
# Spans: sentences, clauses, paragraphs


class Marks:
    """Where the text's sentence or clause marks stand, to find the span around a position in O(log n)."""

    def __init__(self, text: str, marks: str) -> None:
        self.text = text
        self.positions = [match.start() for match in re.finditer(f"[{re.escape(marks)}\n]", text)]

    def around(self, position: int) -> tuple[int, int]:
        """From just after the last mark before `position` to the next mark at or after it."""
        index = bisect_right(self.positions, position - 1)
        start = self.positions[index - 1] + 1 if index else 0
        end = self.positions[index] if index < len(self.positions) else len(self.text)
        return start, end


def sentence_span(sentences: Marks, start: int, end: int) -> tuple[int, int]:
    """The sentence holding [start, end): from the last 。！？ (or line start) to the next, its closing
    quotation marks included."""
    text = sentences.text
    low, _ = sentences.around(start)
    _, high = sentences.around(max(start, end - 1))
    if high < len(text) and text[high] in _SENTENCE_END:
        high += 1
        while high < len(text) and text[high] in '”」’"':
            high += 1
    while low < high and text[low] in " \t”」’":
        low += 1
    return low, high


_CLOSER = {"“": "”", "「": "」"}
_OPENER = {"）": "（", ")": "("}


def clause_span(clauses: Marks, start: int, end: int) -> tuple[int, int]:
    """The shortest clause holding [start, end): between the marks ，；：。！？, or within the brackets
    that hold the figure (（其中市总工会本级258.5万元）); a bracket inside the clause does not end it
    (帮扶救助困难职工（农民工）48.3万人次)."""
    text = clauses.text
    low, _ = clauses.around(start)
    _, high = clauses.around(max(start, end - 1))
    opened = max(text.rfind("（", low, start), text.rfind("(", low, start))
    if opened >= 0 and max(text.find("）", opened, start), text.find(")", opened, start)) < 0:
        low = opened + 1  # the figure stands inside brackets: its clause is the bracketed text
        closing = [i for i in (text.find("）", end, high), text.find(")", end, high)) if i >= 0]
        high = min(closing) if closing else high
    if text[end : end + 1] in ("（", "("):  # a bracket right after the figure is another clause: 2163.5万元（其中…）
        high = end
    # A closing mark left from the clause before goes; an opening mark stays when its phrase closes within the
    # clause (“三员”队伍壮大至1.18万人, not 三员”队伍…).
    while low < start and (
        text[low] in " \t”」" or (text[low] in "“「" and _CLOSER[text[low]] not in text[low + 1 : high])
    ):
        low += 1
    while high > end and text[high - 1] in " \t":
        high -= 1
    # A closing bracket whose opening one stands in an earlier clause goes (县级配套10万元, not 县级配套10万元）).
    while (
        high > end
        and text[high - 1] in "）)"
        and text.count(_OPENER[text[high - 1]], low, high) < text.count(text[high - 1], low, high)
    ):
        high -= 1
    return low, high


# ---------------------------------------------------------------------------------------------------
# Rows


def _named_scopes(dataset: Published | None) -> list[tuple[str, str, str]]:
    """(label, scope id, scope kind) of the data set's named persons and bodies, longest label first."""
    if dataset is None:
        return []
    scopes = dataset.scopes
    named = [
        (str(label), str(scope_id), str(kind))
        for scope_id, label, kind in zip(scopes["id"], scopes["label_zh"], scopes["kind"], strict=True)
        if kind not in ("city", "federation") and len(str(label)) >= 2
    ]
    return sorted(named, key=lambda item: -len(item[0]))


def _clean_label(words: str) -> str:
    """Words before or after a figure, without the subject and verb around them (全市…组织, 达, 为)."""
    label = words.strip(" \t、，,")
    changed = True
    while changed and label:
        changed = False
        for word in _LEADING:
            if label.startswith(word) and len(label) > len(word) + 1:
                label, changed = label[len(word) :], True
    for word in _TRAILING:
        if label.endswith(word) and len(label) > len(word) + 1:
            label = label[: -len(word)]
            break
    if label.count("”") > label.count("“"):
        label = "“" + label
    if label.count("“") > label.count("”"):
        label = label + "”"
    return label.strip(" \t、，,")


def _items(text: str, clause: tuple[int, int]) -> list[tuple[int, int]]:
    """The items of a list clause, split at 、 outside quotation marks and brackets."""
    items: list[tuple[int, int]] = []
    start, depth = clause[0], 0
    for position in range(clause[0], clause[1]):
        char = text[position]
        if char in "“（(《「":
            depth += 1
        elif char in "”）)》」":
            depth = max(0, depth - 1)
        elif char == "、" and depth == 0:
            items.append((start, position))
            start = position + 1
    items.append((start, clause[1]))
    return items


def _labels(text: str, figures: list[Figure], clause: tuple[int, int]) -> list[str]:
    """A label for each figure of one clause: the noun before it within its list item (、), else the noun
    after it; a list that names its parts first (全国和省五一劳动奖118个、1746个) gives each number its
    part, and a list led by level words (2个全国、7个省级、30个市级…工作室) gives each the last one's noun."""
    items = _items(text, clause)
    labels: list[str] = []
    afters: list[bool] = []
    previous_end = clause[0]
    item_starts = [item[0] for item in items]
    for number, figure in enumerate(figures):
        index = max(0, bisect_right(item_starts, figure.start) - 1)
        low, high = items[index]
        if number + 1 < len(figures):
            high = min(high, figures[number + 1].start)
        # 天元、芦淞、炎陵3个县区总工会: the items before hold names, no figure; the list names this one.
        enumerated = index > 0 and number == 0
        before = text[max(low, previous_end) : figure.start]
        after = re.sub(r"^[的之]", "", text[figure.end : high].strip())
        cleaned = _clean_label(before)
        if cleaned in _LEADING or cleaned in _VERBS:
            cleaned = ""
        use_after = len(after) >= 2 and (
            len(cleaned) < 2 or before.rstrip().endswith(_VERBS) or (enumerated and len(cleaned) <= 3)
        )
        if use_after:
            labels.append(_clean_label(after)[:40])
        elif enumerated:  # 全国、省、市三级模范职工之家（小家）113个: the whole list names the figure
            labels.append(_clean_label(text[max(clause[0], previous_end) : figure.start])[:40])
        else:
            labels.append(cleaned[:40] if cleaned else _clean_label(after)[:40])
        afters.append(use_after)
        previous_end = figure.end
    # Distributed parts: 全国和省五一劳动奖 118个、1746个.
    if len(figures) >= 2 and (match := _DISTRIBUTED.match(labels[0])) and not labels[1]:
        labels[0] = match.group(1) + match.group(3)
        labels[1] = match.group(2) + match.group(3)
    for number, figure in enumerate(figures):
        if number and (figure.form == "range-high" or not labels[number]) and labels[number - 1]:
            labels[number] = labels[number - 1]  # 300元至500元, 118个、1746个: the same noun
        if not labels[number]:  # nothing around it names it: the clause without the figure does
            labels[number] = _clean_label(text[clause[0] : figure.start] + text[figure.end : clause[1]])[:40]
    # Level words first, noun last: 2个全国、7个省级、30个市级示范性劳模和工匠人才创新工作室.
    if len(labels) >= 2 and all(afters):
        last = labels[-1]
        for _, pattern in _LEVEL_WORDS:
            found = pattern.match(last)
            if found and len(last) > found.end() + 1:
                noun = last[found.end() :].lstrip("级")
                for position, label in enumerate(labels[:-1]):
                    if len(label) <= 3 and any(p.match(label) for _, p in _LEVEL_WORDS):
                        labels[position] = label + noun
                break
    return labels


def level_of(label: str) -> str:
    """national / provincial / municipal for an honour, base or studio named with its level; else ''."""
    if not _HONOUR.search(label) or re.match(r"^[^、]{1,4}、", label):  # 全国、省、市三级…: several levels
        return ""
    for level, pattern in _LEVEL_WORDS:
        if pattern.match(label):
            return level
    return ""


def _levels(labels: dict[int, str], by_clause: dict[tuple[int, int], list[int]]) -> dict[int, str]:
    """Each figure's honour level; within a list, an honour without its own level word takes the level of
    the item before it (全国五一劳动奖状2个、奖章12人、工人先锋号9个: all three national)."""
    levels: dict[int, str] = {}
    for indexes in by_clause.values():
        current = ""
        for index in indexes:
            own = level_of(labels[index])
            if own:
                current = own
            levels[index] = own or (current if _HONOUR.search(labels[index]) else "")
    return levels


def _unit_family(figure: Figure) -> str:
    return "人" if figure.unit in _PERSONS else figure.unit


def _rows(
    text: str,
    twin: str,
    figures: list[Figure],
    cues: list[period_rules.Cue],
    candidates: list[Exemplar],
    scopes: list[tuple[str, str, str]],
    source_id: str,
    report_year: int | None,
) -> tuple[list[dict[str, Any]], list[tuple[int, int]], list[tuple[int, int]]]:
    rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    by_clause: dict[tuple[int, int], list[int]] = {}
    sentence_marks, clause_marks = Marks(text, _SENTENCE_END), Marks(text, _CLAUSE_MARKS)
    clauses = [clause_span(clause_marks, figure.start, figure.end) for figure in figures]
    for index, clause in enumerate(clauses):
        by_clause.setdefault(clause, []).append(index)
    labels: dict[int, str] = {}
    for clause, indexes in by_clause.items():
        for index, label in zip(indexes, _labels(text, [figures[i] for i in indexes], clause), strict=True):
            labels[index] = label
    levels = _levels(labels, by_clause)
    cue_index = period_rules.CueIndex(cues)
    paragraph_cues = _paragraph_periods(text, twin, cue_index, sentence_marks)
    document = period_rules.document_period(twin, report_year)
    sentence_figures: dict[tuple[int, int], list[int]] = {}
    for index, figure in enumerate(figures):
        sentence = sentence_span(sentence_marks, figure.start, figure.end)
        sentence_figures.setdefault(sentence, []).append(index)
        clause = clauses[index]
        quote = text[clause[0] : clause[1]].strip()
        context = text[sentence[0] : sentence[1]].strip()
        label = labels[index] + _BOUND.get(figure.form, "")
        before = text[text.rfind("\n", 0, sentence[0]) + 1 : sentence[0]]
        story = _scope_and_kind(label, quote, context, before, scopes, "")[1] == "individual"
        period, basis = period_rules.resolve(
            figure.start, clause, sentence, cue_index, *paragraph_cues(figure.start), document, report_year, story
        )
        review: list[str] = []
        if figure.note:
            review.append(figure.note)
        scope_id, kind = _scope_and_kind(label, quote, context, before, scopes, "" if basis.guess else basis.cue)
        suggestion = suggest(label, quote, figure.unit, candidates)
        if suggestion.like:
            review.append(f"reads like {suggestion.like}")
        label_en, named_like = known_english(label, figure.unit, candidates)
        if named_like:
            review.append(f"label_en as {named_like} (the same Chinese label)")
        if twin[figure.end : figure.end + 2] == "左右":
            review.append("左右 (about) follows the figure: no qualifier column holds it; say so in a note")
        part_of = _whole_of(index, figures, sentence_figures[sentence], twin)
        rows.append(
            {
                "id": f"#{index}",
                "programme_id": suggestion.programme_id,
                "metric_id": suggestion.metric_id,
                "label_zh": label,
                "label_en": label_en,
                "value": int(figure.value) if float(figure.value).is_integer() else figure.value,
                "as_written": figure.as_written,
                "number_as_written": figure.number_as_written,
                "unit_as_written": figure.unit_as_written,
                "qualifier": figure.qualifier,
                "period_start": period[0] if period else "",
                "period_end": period[1] if period else "",
                "scope_id": scope_id,
                "level_id": levels[index],
                "kind": kind,
                "part_of": part_of,
                "numerator_id": "",
                "denominator_id": "",
                "source_id": source_id,
                "source_quote": quote,
                "note": "",
                "note_zh": "",
                "context": context,
                "confidence": suggestion.confidence,
                "period_basis": basis.describe(),
                "review": "; ".join(review),
            }
        )
        spans.append((figure.start, figure.end))
        sentences.append(sentence)
    return rows, spans, sentences


def _whole_of(index: int, figures: list[Figure], in_sentence: list[int], twin: str) -> str:
    """'#i' of the figure this one is a 其中 part of: the nearest earlier figure of its sentence with the same
    kind of unit, with 其中 between them and no ；or closing bracket between 其中 and the part."""
    figure = figures[index]
    earlier = [i for i in in_sentence[-_MAX_PARTS_BACK - 1 :] if i < index]
    for candidate in reversed(earlier):
        between = twin[figures[candidate].end : figure.start]
        at = between.rfind("其中")
        if at >= 0 and not re.search(r"[；;）)]", between[at:]):
            return f"#{candidate}" if _unit_family(figures[candidate]) == _unit_family(figure) else ""
    return ""


class _ParagraphCues(NamedTuple):
    opening: period_rules.Cue | None  # the cue opening an earlier sentence of the paragraph
    carried: period_rules.Cue | None  # the report-period cue of an earlier paragraph of the same part
    heading: period_rules.Cue | None  # the cue of the heading the paragraph stands under, or of its parent


def _paragraph_periods(
    text: str, twin: str, cues: period_rules.CueIndex, sentences: Marks
) -> Callable[[int], _ParagraphCues]:
    """position → the cues its paragraph and part give (`_ParagraphCues`). A cue opens a sentence when it
    stands in its first clause (五年来，…); a heading ends a part, and its cue holds under it until a heading
    of its level or above (一、过去五年的工作回顾 over （一）…; a dateline is no heading's period)."""
    paragraphs = period_rules.paragraphs(text)
    openings: list[list[tuple[int, period_rules.Cue]]] = []
    carried: list[period_rules.Cue | None] = []
    headed: list[period_rules.Cue | None] = []
    carry: period_rules.Cue | None = None
    headings: list[tuple[int, period_rules.Cue | None]] = []  # the open headings, outermost first
    in_body = False  # the unnumbered short lines before the first paragraph are the title: the document's
    for paragraph in paragraphs:
        line = twin[paragraph.start : paragraph.end]
        level = period_rules.heading_level(line) if paragraph.heading else None
        in_body = in_body or not paragraph.heading or level is not None
        if paragraph.heading:
            carry = None
        if paragraph.heading and in_body:
            while headings and headings[-1][0] >= (level or 1):
                headings.pop()
            dateline = period_rules.stated_date(line.strip()) is not None
            cue = None if dateline else next(iter(cues.within(paragraph.start, paragraph.end)), None)
            headings.append((level or 1, cue))
        carried.append(carry)
        headed.append(next((cue for _, cue in reversed(headings) if cue is not None), None))
        found: list[tuple[int, period_rules.Cue]] = []
        position = paragraph.start
        while position < paragraph.end and not paragraph.heading:
            sentence = sentence_span(sentences, position, position + 1)
            comma = re.compile("[，,；;]").search(twin, sentence[0], min(sentence[1], paragraph.end))
            first_clause_end = comma.start() if comma else sentence[1]
            cue = next(iter(cues.within(sentence[0], first_clause_end)), None)
            if cue is not None:
                found.append((sentence[0], cue))
            position = max(sentence[1], position + 1)
        openings.append(found)
        if found:
            carry = found[-1][1] if found[-1][1].report_period else None

    starts = [paragraph.start for paragraph in paragraphs]

    def lookup(position: int) -> _ParagraphCues:
        index = bisect_right(starts, position) - 1
        if index < 0 or position > paragraphs[index].end:
            return _ParagraphCues(None, None, None)
        earlier = [cue for start, cue in openings[index] if start <= position]
        return _ParagraphCues(earlier[-1] if earlier else None, carried[index], headed[index])

    return lookup


def _scope_and_kind(
    label: str,
    quote: str,
    context: str,
    before: str,
    scopes: list[tuple[str, str, str]],
    period_word: str,
) -> tuple[str, str]:
    """Whose figure and what kind: the data set's named person or body nearest before the figure in its
    sentence (else earlier in its paragraph) → individual (a group: event); 本级 → the federation; a
    sentence with a month and an event word → event; a sentence about 他/她 → individual; else the city."""
    for text in (context, before):
        named = [(text.rfind(name), scope_id, kind) for name, scope_id, kind in scopes if name in text]
        if named:
            _, scope_id, scope_kind = max(named)
            return scope_id, "event" if scope_kind == "group" else "individual"
    if "本级" in label or "本级" in quote:
        return "federation", "aggregate"
    if "月" in period_word and _EVENT_WORDS.search(context):
        return "city", "event"
    if _PRONOUN.search(context):
        return "", "individual"
    return "city", "aggregate"


# Words that begin a verb or a link, not the noun a figure counts (57人获…, 5个单位的…).
_NOT_A_NOUN = set("获荣参受被是来为在从已将共有的等以及和与或也都均各中占达")
_ROUNDING = ("超", "超过", "逾", "余", "多", "近", "约")


def _unit_key(unit_as_written: str) -> str:
    """The unit as a title's repeat is compared: 名, 位 and 人 count the same people (a title's 57人 is the
    body's 57名; within the body, 10名 and 10人 may be two counts, so they are compared as written)."""
    return re.sub("[名位]", "人", unit_as_written)


def _leads_breakdown(text: str, row: dict[str, Any], span: tuple[int, int]) -> bool:
    """Whether a figure opens a breakdown of itself: 29名…获得者中，一线职工21人 ("among those 29"), 子女40人，
    其中本科生12人. A writer restates the total there; the breakdown's parts follow it."""
    return row["source_quote"].endswith("中") or bool(re.match(r"[，,]其中", text[span[1] : span[1] + 3]))


def _in_title(text: str, span: tuple[int, int]) -> bool:
    """Whether a figure stands in a title or headline: a short line of its own with no sentence in it."""
    low = text.rfind("\n", 0, span[0]) + 1
    high = text.find("\n", span[1])
    line = text[low : high if high >= 0 else len(text)].strip()
    return len(line) <= 40 and not re.search(r"[。，,；;！!？?]", line)


def _noun_after(text: str, end: int) -> str:
    """The two characters after a figure when they begin a noun (19个民族 → 民族), else ''."""
    following = text[end : end + 2]
    if len(following) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in following):
        return "" if following[0] in _NOT_A_NOUN else following
    return ""


def _different_things(
    text: str, row: dict[str, Any], span: tuple[int, int], other: dict[str, Any], its: tuple[int, int]
) -> bool:
    """19个行业大类 and 19个民族: each names what it counts, and neither names the other's noun."""
    mine, theirs = _noun_after(text, span[1]), _noun_after(text, its[1])
    if mine and theirs and mine not in other["source_quote"] and theirs not in row["source_quote"]:
        return True
    # 对象4名，每名3000元 … 子女4名，每名3000元: one rate, paid to two groups, is two figures.
    group, its_group = _per_unit_group(text, span[0]), _per_unit_group(text, its[0])
    return bool(group and its_group and group != its_group)


def _per_unit_group(text: str, start: int) -> str:
    """For an amount per head paid to a counted group (…子女4名，每名助学金3000元; 两户遗属每户2000元), the
    words before its 每 that name the group; '' when the figure is not per head or no count of recipients
    stands before its 每 (每年每人5000元 restates a rate: it names no new group)."""
    head = text.rfind("每", max(0, start - 8), start)
    if head < 0:
        return ""
    before = re.split(r"[。！？!?\n]", text[max(0, head - 12) : head])[-1]
    if not re.search(r"(?:\d+|[一二两三四五六七八九十百千]+)[名人户位]", before):
        return ""
    return "".join(ch for ch in before if "\u4e00" <= ch <= "\u9fff")[-6:]


def _rounds_to(exact: float, row: dict[str, Any]) -> bool:
    """Whether a qualified round figure (超5600家, 近6000人) is `exact` (5624家, 5980人) rounded as its
    qualifier says: below it for 超 超过 逾 余 多, above it for 近, either side for 约, within its last place."""
    value = float(row["value"])
    if value <= 0 or value != int(value):
        return False
    place = 1
    while value % (place * 10) == 0:
        place *= 10
    if place == 1:
        return False  # not a round figure: 57 rounds nothing
    if row["qualifier"] == "近":
        return value - place < exact < value
    if row["qualifier"] == "约":
        return abs(exact - value) < place / 2 and exact != value
    return value < exact < value + place


def _drop_repeats(
    text: str, rows: list[dict[str, Any]], spans: list[tuple[int, int]], sentences: list[tuple[int, int]]
) -> tuple[list[dict[str, Any]], list[tuple[int, int]], int]:
    """A figure stated again in another sentence (same value, unit and qualifier, a noun in common, and
    not a bare count under 10 that many things share) is kept once, where it is first stated. A small
    count is a repeat too when it leads a breakdown (荣获奖状的5个单位中，4个是…: "among those 5"). A round,
    qualified figure in a title that rounds an exact one of the same thing (the headline's 超5600家 and the
    body's 5624家) is the exact one said again: the exact one is kept."""
    pairs_of = [bigrams(row["label_zh"] + row["source_quote"]) for row in rows]
    rounded: set[int] = set()
    for index, row in enumerate(rows):
        if row["qualifier"] not in _ROUNDING or not _in_title(text, spans[index]):
            continue
        for other, its_row in enumerate(rows):
            if (
                other != index
                and not its_row["qualifier"]
                and sentences[other] != sentences[index]
                and _unit_key(its_row["unit_as_written"]) == _unit_key(row["unit_as_written"])
                and pairs_of[index] & pairs_of[other]
                and not its_row["source_quote"].startswith("其中")
                and _rounds_to(float(its_row["value"]), row)
            ):
                rounded.add(index)
                if its_row["review"].count("stated again") < 3:
                    its_row["review"] += f"; stated again, rounded: {row['source_quote']}"
                break
    kept: list[dict[str, Any]] = []
    kept_spans: list[tuple[int, int]] = []
    by_figure: dict[tuple[Any, ...], list[tuple[dict[str, Any], tuple[int, int], tuple[int, int], frozenset[str]]]] = {}
    repeats = len(rounded)
    for index, (row, span, sentence) in enumerate(zip(rows, spans, sentences, strict=True)):
        if index in rounded:
            continue
        distinctive = (
            float(row["value"]) >= 10
            or row["qualifier"]
            or "." in row["number_as_written"]
            or row["unit_as_written"][:1] in "万亿萬億"
            or _leads_breakdown(text, row, span)
        )
        figure = (row["value"], _unit_key(row["unit_as_written"]), row["qualifier"])
        pairs = pairs_of[index]
        titled = _in_title(text, span)
        twin_of = None
        if distinctive:
            twin_of = next(
                (
                    earlier
                    for earlier, its_span, where, its_pairs in by_figure.get(figure, [])
                    if where != sentence
                    and (
                        earlier["unit_as_written"] == row["unit_as_written"]
                        or titled
                        or _in_title(text, its_span)
                        or _leads_breakdown(text, row, span)
                    )
                    and its_pairs & pairs
                    and not _different_things(text, row, span, earlier, its_span)
                ),
                None,
            )
        if twin_of is not None:
            repeats += 1
            if twin_of["review"].count("stated again") < 3:
                twin_of["review"] += f"; stated again: {row['source_quote']}"
            continue
        kept.append(row)
        kept_spans.append(span)
        by_figure.setdefault(figure, []).append((row, span, sentence, pairs))
    return kept, kept_spans, repeats
