"""The evaluation set's one yardstick: load the texts and their golden rows, match proposed rows to them, score.

Used by `benchmarks/bench_extract.py` (which prints the numbers) and by `tests/test_extract_eval.py` (which
checks the set itself and holds the extractor to the issue's targets). Rules of the set: README.md here.

Matching, per text: a proposal and a golden row pair up when their values are equal (in base units) and their
units are of one family (人 and 名 are people, 人次 is not; 万元 and 元 are money; …). A pair whose
qualifiers agree is a hit; one whose qualifiers differ is a wrong qualifier and counts as neither found nor
right. A golden row left unpaired is a miss, a proposal left unpaired a false positive.
"""

from __future__ import annotations

import csv
import datetime
import importlib
import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVAL_DIR = Path(__file__).resolve().parent
MANIFEST = EVAL_DIR / "texts.csv"
SOURCES = EVAL_DIR / "SOURCES.md"
SETS = ("dev", "test")
GOLDEN_COLUMNS = (
    "number_as_written",
    "unit_as_written",
    "qualifier",
    "value",
    "period_start",
    "period_end",
    "source_quote",
    "form",
)
QUALIFIERS = ("余", "多", "以上", "近", "接近", "约", "超", "超过", "逾", "不少于")
# The hardest form a golden row exercises, hardest first: a row is tagged with the first that applies.
FORMS = (
    "range",
    "chinese-numeral",
    "list",
    "repeated",
    "qualifier",
    "percent",
    "person-times",
    "wan-yi",
    "decimal",
    "duration",
    "part",
    "plain",
)

# Traditional characters that appear in units and qualifiers, read as their simplified forms.
_SIMPLIFIED = str.maketrans(
    "萬億個項場戶餘處條輛節張門類屆團隊點種冊對棟約過於筆間臺歲雙單",
    "万亿个项场户余处条辆节张门类届团队点种册对栋约过于笔间台岁双单",
)
_SCALES = (("万亿", 10**12), ("亿", 10**8), ("万", 10**4), ("千", 10**3))
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}


class EvalSetError(ValueError):
    """The evaluation set itself is malformed: the message names the file, line and column."""


# ---------------------------------------------------------------------------------------------------
# Reading numbers and units.


def simplified(text: str) -> str:
    """Full-width forms folded (NFKC) and the traditional characters of units and qualifiers simplified."""
    return unicodedata.normalize("NFKC", text).translate(_SIMPLIFIED)


def parse_number(written: str) -> float:
    """The number as written: Arabic digits (11192.11) or Chinese numerals (两, 十, 一千二百)."""
    written = simplified(written).replace(",", "").strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", written):
        return float(written)
    if not written or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in written):
        raise ValueError(f"not a number: {written!r}")
    total, current = 0, 0
    for ch in written:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:  # 十 alone is 10, 一千二百 is 1000 + 200
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return float(total + current)


def written_values(written: str) -> tuple[float, ...]:
    """The values a number as written may stand for: one, or both ends of a spoken range (四五百 → 400, 500)."""
    spoken = re.fullmatch(
        r"([一二两兩三四五六七八九])([一二两兩三四五六七八九])([十百千]?)", simplified(written).strip()
    )
    if spoken:
        low, high, unit = spoken.groups()
        factor = _CN_UNITS.get(unit, 1)
        return (float(_CN_DIGITS[low] * factor), float(_CN_DIGITS[high] * factor))
    return (parse_number(written),)


def scale_of(unit: str) -> int:
    """The 万/亿 scale a unit as written starts with (1 when it has none)."""
    unit = simplified(unit).strip()
    return next((factor for prefix, factor in _SCALES if unit.startswith(prefix)), 1)


def unit_family(unit: str) -> str | None:
    """What a unit counts, whatever its scale or script: None for a bare scale (近3亿会员), which fits any family.

    人次 stays apart from 人 (and 户次 from 户); 人, 名, 位 and 个人 are all people; otherwise the first
    character decides, so 场 and 场次, 个 and 个工种, 件 and 件次 are one family.
    """
    unit = re.sub(r"[\s()（）/]", "", simplified(unit))  # 人(次) and 人/次 are 人次
    if unit.startswith(("个百分点", "百分点")):
        return "percentage-points"
    for prefix, _ in _SCALES:
        if unit.startswith(prefix):
            unit = unit[len(prefix) :]
            break
    unit = unit.lstrip("余多")  # 52万余人次 written into the unit
    if not unit:
        return None
    if unit.startswith("%"):
        return "percent"
    if unit.startswith(("人次", "名次")):
        return "person-times"
    if unit.startswith("户次"):
        return "household-times"
    if unit.startswith(("人", "名", "位", "个人")):
        return "people"
    if unit.startswith("元"):
        return "money"
    return unit[0]


def same_family(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def year_of(value: Any) -> int | None:
    """A period bound as a year: 2019, "2019", "2019-01-01" or a date all give 2019; empty gives None."""
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.year
    match = re.match(r"\s*(\d{4})", str(value))
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------------
# The set: texts (texts.csv) and golden rows (golden/SET/NAME.csv).


@dataclass(frozen=True)
class Text:
    set: str
    name: str
    report_date: str  # as in texts.csv: YYYY-MM-DD, YYYY-MM, YYYY or empty
    date_basis: str

    @property
    def path(self) -> Path:
        return EVAL_DIR / "texts" / self.set / f"{self.name}.txt"

    @property
    def golden_path(self) -> Path:
        return EVAL_DIR / "golden" / self.set / f"{self.name}.csv"

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def report_day(self) -> datetime.date | None:
        """The date handed to the extractor: a month or a year alone is given as its first day."""
        if not self.report_date:
            return None
        parts = [int(part) for part in self.report_date.split("-")] + [1, 1]
        return datetime.date(parts[0], parts[1], parts[2])


@dataclass(frozen=True)
class GoldenRow:
    number_as_written: str
    unit_as_written: str
    qualifier: str
    value: float
    period_start: int | None
    period_end: int | None
    source_quote: str
    form: str
    line: int  # in the CSV as an editor shows it (header = 1)

    @property
    def family(self) -> str | None:
        return unit_family(self.unit_as_written)


def load_texts(set_name: str) -> list[Text]:
    if set_name not in SETS:
        raise EvalSetError(f"unknown set {set_name!r}: use one of {', '.join(SETS)}")
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Text(row["set"], row["name"], row["report_date"], row["date_basis"]) for row in rows if row["set"] == set_name
    ]


def load_golden(text: Text) -> list[GoldenRow]:
    """The golden rows of one text; a malformed cell raises EvalSetError naming file, line and column."""
    path = text.golden_path
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != GOLDEN_COLUMNS:
            raise EvalSetError(f"{path.name}: the header must be {','.join(GOLDEN_COLUMNS)}")
        rows = []
        for line, raw in enumerate(reader, start=2):

            def bad(column: str, problem: str, line: int = line) -> EvalSetError:
                return EvalSetError(f"{path.name}, line {line}, column {column}: {problem}")

            try:
                value = float(raw["value"])
            except ValueError:
                raise bad("value", f"not a number: {raw['value']!r}") from None
            years = []
            for column in ("period_start", "period_end"):
                cell = raw[column].strip()
                if cell and not re.fullmatch(r"\d{4}", cell):
                    raise bad(column, f"not a year: {cell!r}")
                years.append(int(cell) if cell else None)
            if raw["qualifier"] and raw["qualifier"] not in QUALIFIERS:
                raise bad("qualifier", f"{raw['qualifier']!r} is not one of {' '.join(QUALIFIERS)}")
            if raw["form"] not in FORMS:
                raise bad("form", f"{raw['form']!r} is not one of {', '.join(FORMS)}")
            rows.append(
                GoldenRow(
                    raw["number_as_written"],
                    raw["unit_as_written"],
                    raw["qualifier"],
                    value,
                    years[0],
                    years[1],
                    raw["source_quote"],
                    raw["form"],
                    line,
                )
            )
    return rows


# ---------------------------------------------------------------------------------------------------
# Proposals and matching.


@dataclass(frozen=True)
class Proposed:
    """A proposed row as the scorer reads it (the extractor's dicts carry more columns)."""

    value: float
    qualifier: str
    number_as_written: str
    unit_as_written: str
    period_start: int | None
    period_end: int | None
    source_quote: str

    @property
    def family(self) -> str | None:
        return unit_family(self.unit_as_written)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Proposed:
        try:
            value = float(row["value"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"a proposed row has no numeric value: {dict(row)!r}") from None
        return cls(
            value=value,
            qualifier=simplified(str(row.get("qualifier") or "")),
            number_as_written=str(row.get("number_as_written") or ""),
            unit_as_written=str(row.get("unit_as_written") or ""),
            period_start=year_of(row.get("period_start")),
            period_end=year_of(row.get("period_end")),
            source_quote=str(row.get("source_quote") or ""),
        )


@dataclass(frozen=True)
class Pair:
    golden: GoldenRow
    proposed: Proposed

    @property
    def qualifier_right(self) -> bool:
        return self.golden.qualifier == self.proposed.qualifier

    @property
    def period_right(self) -> bool:
        return (self.golden.period_start, self.golden.period_end) == (
            self.proposed.period_start,
            self.proposed.period_end,
        )

    @property
    def period_checked(self) -> bool:
        return self.golden.period_start is not None


@dataclass
class TextScore:
    name: str
    golden: list[GoldenRow]
    proposed: list[Proposed]
    pairs: list[Pair]
    misses: list[GoldenRow]
    false_positives: list[Proposed]

    @property
    def hits(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.qualifier_right]

    @property
    def wrong_qualifiers(self) -> list[Pair]:
        return [pair for pair in self.pairs if not pair.qualifier_right]

    @property
    def wrong_periods(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.period_checked and not pair.period_right]

    def proposal_forms(self) -> Counter[str]:
        """Each proposal under a form: a paired one under its golden row's, a false positive under the form of
        the golden row it repeats (same value and family), else under the form its own surface shows."""
        forms: Counter[str] = Counter(pair.golden.form for pair in self.pairs)
        for proposed in self.false_positives:
            twin = next((row for row in self.golden if _fits(row, proposed)), None)
            forms[twin.form if twin else surface_form(proposed)] += 1
        return forms


def surface_form(proposed: Proposed) -> str:
    """The form a proposal shows by itself (for a false positive, which has no golden row)."""
    family = proposed.family
    if proposed.number_as_written and not re.search(r"\d", simplified(proposed.number_as_written)):
        return "chinese-numeral"
    if proposed.qualifier:
        return "qualifier"
    if family in ("percent", "percentage-points"):
        return "percent"
    if family == "person-times":
        return "person-times"
    if scale_of(proposed.unit_as_written) > 1:
        return "wan-yi"
    if "." in proposed.number_as_written:
        return "decimal"
    return "plain"


def _fits(golden: GoldenRow, proposed: Proposed) -> bool:
    return same_value(golden.value, proposed.value) and same_family(golden.family, proposed.family)


def match(name: str, golden: Sequence[GoldenRow], proposed: Sequence[Proposed]) -> TextScore:
    """Pair proposals with golden rows of equal value and unit family.

    Several rows of a text may share a value (1人 … 1人; 近2万名 and 2万多名), so pairs are made in passes:
    first those that agree on qualifier and period too, then on qualifier, then on value and family alone,
    and within a pass the proposal whose quote overlaps the golden quote most.
    """
    passes: list[Callable[[GoldenRow, Proposed], bool]] = [
        lambda g, p: g.qualifier == p.qualifier and (g.period_start, g.period_end) == (p.period_start, p.period_end),
        lambda g, p: g.qualifier == p.qualifier,
        lambda g, p: True,
    ]
    free = list(range(len(proposed)))
    paired: dict[int, Pair] = {}
    for agrees in passes:
        for index, row in enumerate(golden):
            if index in paired:
                continue
            candidates = [i for i in free if _fits(row, proposed[i]) and agrees(row, proposed[i])]
            if not candidates:
                continue
            best = max(candidates, key=lambda i: _overlap(row.source_quote, proposed[i].source_quote))
            free.remove(best)
            paired[index] = Pair(row, proposed[best])
    return TextScore(
        name=name,
        golden=list(golden),
        proposed=list(proposed),
        pairs=[paired[i] for i in sorted(paired)],
        misses=[row for i, row in enumerate(golden) if i not in paired],
        false_positives=[proposed[i] for i in free],
    )


def _overlap(a: str, b: str) -> int:
    """Characters the two quotes share (a cheap tie-break between equal candidates)."""
    return sum((Counter(a) & Counter(b)).values())


# ---------------------------------------------------------------------------------------------------
# The extractor under test (issue 26), called as the benchmark and the test both call it.

EXTRACTOR_MODULE = "uniondash.intake.extract"


def extractor_available() -> bool:
    """Whether the extractor exists (on this branch it does not yet: branch `extract` brings it)."""
    return importlib.util.find_spec(EXTRACTOR_MODULE) is not None


def extractor_rows(text: Text) -> list[Mapping[str, Any]]:
    """The extractor's proposed rows for one text, given the text's report date where one is known."""
    extract_text = importlib.import_module(EXTRACTOR_MODULE).extract_text
    day = text.report_day()
    try:
        proposal = extract_text(text.read(), report_date=day, source_id=text.name)
    except TypeError:
        if day is None:
            raise
        # The API does not pin the date's type: a date first, its ISO text if that is refused.
        proposal = extract_text(text.read(), report_date=day.isoformat(), source_id=text.name)
    return list(proposal.rows)


# ---------------------------------------------------------------------------------------------------
# Totals.


@dataclass
class Totals:
    texts: int = 0
    golden: int = 0
    proposed: int = 0
    hits: int = 0
    paired: int = 0
    wrong_qualifiers: int = 0
    wrong_periods: int = 0
    periods_checked: int = 0
    golden_by_form: Counter[str] = field(default_factory=Counter)
    hits_by_form: Counter[str] = field(default_factory=Counter)
    proposed_by_form: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.hits / self.golden if self.golden else 0.0

    @property
    def precision(self) -> float:
        return self.hits / self.proposed if self.proposed else 0.0

    @property
    def value_recall(self) -> float:
        """Found with the right value and unit, whatever the qualifier."""
        return self.paired / self.golden if self.golden else 0.0

    def form_recall(self, form: str) -> float | None:
        return self.hits_by_form[form] / self.golden_by_form[form] if self.golden_by_form[form] else None

    def form_precision(self, form: str) -> float | None:
        return self.hits_by_form[form] / self.proposed_by_form[form] if self.proposed_by_form[form] else None


def totals(scores: Iterable[TextScore]) -> Totals:
    result = Totals()
    for score in scores:
        result.texts += 1
        result.golden += len(score.golden)
        result.proposed += len(score.proposed)
        result.hits += len(score.hits)
        result.paired += len(score.pairs)
        result.wrong_qualifiers += len(score.wrong_qualifiers)
        result.wrong_periods += len(score.wrong_periods)
        result.periods_checked += sum(pair.period_checked for pair in score.pairs)
        result.golden_by_form.update(row.form for row in score.golden)
        result.hits_by_form.update(pair.golden.form for pair in score.hits)
        result.proposed_by_form.update(score.proposal_forms())
    return result


def score_set(
    set_name: str,
    propose: Callable[[Text], Iterable[Mapping[str, Any]]],
    names: Collection[str] | None = None,
) -> tuple[list[TextScore], Totals]:
    """Run `propose` (text → proposed rows as dicts) over a set and score every text (or only those `names`)."""
    texts = load_texts(set_name)
    if names is not None:
        unknown = sorted(set(names) - {text.name for text in texts})
        if unknown:
            raise EvalSetError(f"texts.csv: no {set_name} text named {', '.join(unknown)}")
        texts = [text for text in texts if text.name in names]
    scores = []
    for text in texts:
        proposed = [Proposed.from_row(row) for row in propose(text)]
        scores.append(match(text.name, load_golden(text), proposed))
    return scores, totals(scores)
