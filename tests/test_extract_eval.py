"""The extraction evaluation set (issue 26): the set itself is sound, the yardstick measures what it says, and the
extractor meets the issue's targets on the held-out texts.

The set and its rules: tests/extract_eval/README.md. The scoring: tests/extract_eval/scoring.py (the benchmark,
benchmarks/bench_extract.py, uses the same code).
"""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from tests.extract_eval import scoring
from tests.extract_eval.scoring import GoldenRow, Proposed, Text, simplified

TEXTS = [text for set_name in scoring.SETS for text in scoring.load_texts(set_name)]
NOT_STATISTICS = scoring.EVAL_DIR / "not_statistics.csv"
PRE_QUALIFIERS = ("不少于", "接近", "超过", "近", "约", "超", "逾")
# Where a qualifier's character stands next to a figure without qualifying it: (text, quote, the word it belongs to).
NOT_QUALIFIERS = {("mouping-2023-district", "区总工会签约22家特约商户"): "签约 (sign a contract)"}


def text_id(text: Text) -> str:
    return f"{text.set}/{text.name}"


def squeeze(text: str) -> str:
    """As the checks compare: simplified, white space dropped (1.5万 项 is 1.5万项)."""
    return squeeze_with_positions(text)[0]


def squeeze_with_positions(text: str) -> tuple[str, list[int]]:
    """`squeeze(text)` and, for each of its characters, the index of the character of `text` it comes from."""
    chars, positions = [], []
    for index, ch in enumerate(text):
        for kept in re.sub(r"\s", "", simplified(ch)):
            chars.append(kept)
            positions.append(index)
    return "".join(chars), positions


def as_written_pattern(row: GoldenRow) -> re.Pattern[str]:
    """The figure as the text must write it, qualifier in its place: 近6500名, 5.7万余名, 8万多元, 80万人次以上.

    A range's ends are found by their number alone (the 3 of 3—150人 has no unit of its own).
    """
    number = r"(?<![\d.])" + re.escape(squeeze(row.number_as_written))
    if row.form == "range":
        return re.compile(number)
    unit = squeeze(row.unit_as_written)
    scale = next((prefix for prefix in ("万亿", "亿", "万") if unit.startswith(prefix)), "")
    scale, rest = re.escape(scale), re.escape(unit[len(scale) :])
    qualifier = row.qualifier
    if qualifier in ("余", "多"):
        return re.compile(f"{number}(?:{qualifier}{scale}|{scale}{qualifier}){rest}")
    if qualifier == "以上":
        return re.compile(f"{number}{scale}{rest}以上")
    if qualifier == "近":  # not the 近 of 接近
        return re.compile(f"(?<!接)近{number}{scale}{rest}")
    if qualifier == "超":  # not the 超 of 超过
        return re.compile(f"超{number}{scale}{rest}")
    if qualifier:
        return re.compile(f"{re.escape(qualifier)}{number}{scale}{rest}")
    return re.compile(f"{number}{scale}{rest}")


# ---------------------------------------------------------------------------------------------------
# The set.


def test_every_text_is_listed_once_and_has_its_golden_rows():
    listed = Counter((text.set, text.name) for text in TEXTS)
    assert [key for key, count in listed.items() if count > 1] == [], "texts.csv lists a text twice"
    on_disk = {(path.parent.name, path.stem) for path in (scoring.EVAL_DIR / "texts").glob("*/*.txt")}
    golden = {(path.parent.name, path.stem) for path in (scoring.EVAL_DIR / "golden").glob("*/*.csv")}
    assert on_disk == set(listed), f"texts/ and texts.csv differ: {sorted(on_disk ^ set(listed))}"
    assert golden == set(listed), f"golden/ and texts.csv differ: {sorted(golden ^ set(listed))}"


def test_the_split_is_forty_four_dev_texts_and_a_big_enough_held_out_set():
    assert len(scoring.load_texts("dev")) == 44  # 13, then 21 more in the third round, 10 in the fourth
    test_texts = scoring.load_texts("test")
    assert len(test_texts) >= 6
    assert sum(len(scoring.load_golden(text)) for text in test_texts) >= 120


@pytest.mark.parametrize("text", TEXTS, ids=text_id)
def test_text_is_utf8_and_its_date_reads(text):
    body = text.path.read_bytes().decode("utf-8")  # raises on anything else
    assert body.strip() and "\ufffd" not in body
    assert re.fullmatch(r"(\d{4}(-\d{2}(-\d{2})?)?)?", text.report_date), f"texts.csv: bad date for {text.name}"
    assert text.date_basis, f"texts.csv: say how the date of {text.name} was found"
    text.report_day()  # a real calendar date


def test_sources_name_every_text():
    sources = scoring.SOURCES.read_text(encoding="utf-8")
    missing = [text.name for text in TEXTS if f"`{text.name}`" not in sources]
    assert missing == [], f"SOURCES.md does not say where these came from: {missing}"


def row_problems(text: Text, body: str, row: GoldenRow) -> list[str]:
    """What is wrong with one golden row, if anything: its quote, its figure, its value, its period."""
    where = f"{text.name} line {row.line}"
    problems = []
    if row.source_quote not in body:
        problems.append(f"{where}: the quote {row.source_quote!r} is not in the text word for word")
    quote = squeeze(row.source_quote)
    found = list(as_written_pattern(row).finditer(quote))
    written = f"{row.qualifier}|{row.number_as_written}|{row.unit_as_written}"
    if not found:
        problems.append(f"{where}: {row.source_quote!r} does not write the figure {written}")
    elif not row.qualifier and row.form != "range" and (text.name, row.source_quote) not in NOT_QUALIFIERS:
        # A row without a qualifier needs an occurrence with none next to it (catches a qualifier left out).
        bare = [
            match
            for match in found
            if not quote[: match.start()].endswith(PRE_QUALIFIERS)
            and not quote[match.end() :].startswith(("余", "多", "以上"))
        ]
        if not bare:
            problems.append(f"{where}: {row.source_quote!r} qualifies the figure; the row has no qualifier")
    scale = scoring.scale_of(row.unit_as_written)
    try:
        expected = [number * scale for number in scoring.written_values(row.number_as_written)]
    except ValueError as error:
        expected = []
        problems.append(f"{where}: {error}")
    if expected and not any(scoring.same_value(row.value, value) for value in expected):
        problems.append(f"{where}: value {row.value:g} is not {row.number_as_written} × {scale}")
    if (row.period_start is None) != (row.period_end is None):
        problems.append(f"{where}: half a period")
    elif (
        row.period_start is not None
        and row.period_end is not None
        and not (1900 < row.period_start <= row.period_end < 2100)
    ):
        problems.append(f"{where}: period {row.period_start}–{row.period_end} out of order")
    return problems


@pytest.mark.parametrize("text", TEXTS, ids=text_id)
def test_golden_rows_quote_the_text_and_agree_with_it(text):
    """Each quote stands in the text word for word and writes the row's figure, qualifier in its place; each
    value is the number times its 万/亿 scale; each period runs forward."""
    body = text.read()
    problems = [problem for row in scoring.load_golden(text) for problem in row_problems(text, body, row)]
    assert problems == []


@pytest.mark.parametrize("text", TEXTS, ids=text_id)
def test_no_row_is_written_twice(text):
    """Two rows may share a value (1人 … 1人) but not a value, family, qualifier and quote: that is a copy."""
    keys = Counter((row.value, row.family, row.qualifier, row.source_quote) for row in scoring.load_golden(text))
    assert [key for key, count in keys.items() if count > 1] == []


def _not_statistics() -> dict[tuple[str, str], list[tuple[str, str]]]:
    entries: dict[tuple[str, str], list[tuple[str, str]]] = {}
    with NOT_STATISTICS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entries.setdefault((row["set"], row["name"]), []).append((row["context"], row["reason"]))
    return entries


NOT_STATISTIC_REASONS = {
    "date",
    "time",
    "year",
    "ordinal",
    "name",
    "title",
    "anniversary",
    "period",
    "repeat",
    "event-length",
    "service-hours",
    "page",
    "age",
}


@pytest.mark.parametrize("text", TEXTS, ids=text_id)
def test_every_number_in_the_text_is_a_golden_row_or_said_not_to_be_one(text):
    """Count every figure: each run of digits is inside a golden row's figure, or not_statistics.csv says why not
    (a date, a year, an ordinal, a repeat of a counted figure…). Chinese numerals are read, not checked here."""
    body = text.read()
    covered = [False] * len(body)
    for row in scoring.load_golden(text):
        start = body.find(row.source_quote)
        if start < 0:
            continue  # test_golden_rows_quote_the_text_and_agree_with_it names it
        squeezed, positions = squeeze_with_positions(row.source_quote)
        match = as_written_pattern(row).search(squeezed)
        for i in range(match.start(), match.end()) if match else ():
            covered[start + positions[i]] = True
    for context, reason in _not_statistics().get((text.set, text.name), []):
        assert reason in NOT_STATISTIC_REASONS, f"not_statistics.csv: unknown reason {reason!r}"
        assert context in body, f"not_statistics.csv: {context!r} is not in {text.name}"
        for found in re.finditer(re.escape(context), body):
            for i in range(found.start(), found.end()):
                covered[i] = True
    unaccounted = [
        body[max(0, m.start() - 8) : m.end() + 8].replace("\n", " ")
        for m in re.finditer(r"\d+(?:\.\d+)?", body)
        if not all(covered[m.start() : m.end()])
    ]
    assert unaccounted == [], f"{text.name}: numbers neither golden nor excluded: {unaccounted}"


# ---------------------------------------------------------------------------------------------------
# The yardstick: units, values and matching.


def golden(value: float, unit: str, qualifier: str = "", form: str = "plain", years=(2021, 2021)) -> GoldenRow:
    return GoldenRow(str(value), unit, qualifier, value, years[0], years[1], f"quote {value}{unit}", form, 2)


def proposed(value: float, unit: str, qualifier: str = "", years=(2021, 2021), number: str = "") -> Proposed:
    return Proposed(value, qualifier, number or f"{value:g}", unit, years[0], years[1], f"quote {value}{unit}")


@pytest.mark.parametrize(
    ("unit", "family"),
    [
        ("万人", "people"),
        ("名", "people"),
        ("个人", "people"),
        ("萬人次", "person-times"),
        ("万人/次", "person-times"),
        ("万人(次)", "person-times"),
        ("万户(次)", "household-times"),
        ("户", "户"),
        ("亿元", "money"),
        ("萬元", "money"),
        ("%", "percent"),
        ("％", "percent"),
        ("个百分点", "percentage-points"),
        ("场次", "场"),
        ("万场(次)", "场"),
        ("個", "个"),
        ("个工种", "个"),
        ("万余人次", "person-times"),
        ("亿", None),
        ("", None),
    ],
)
def test_unit_family(unit, family):
    assert scoring.unit_family(unit) == family


@pytest.mark.parametrize(
    ("written", "values"),
    [
        ("11192.11", (11192.11,)),
        ("兩", (2,)),
        ("十", (10,)),
        ("一千二百", (1200,)),
        ("四五百", (400, 500)),
        ("千", (1000,)),
    ],
)
def test_written_values(written, values):
    assert scoring.written_values(written) == values


def test_parse_number_refuses_what_is_not_a_number():
    with pytest.raises(ValueError, match="not a number"):
        scoring.parse_number("十几")


def test_people_and_person_times_never_pair():
    score = scoring.match("t", [golden(5000, "人次")], [proposed(5000, "人")])
    assert (len(score.pairs), len(score.misses), len(score.false_positives)) == (0, 1, 1)


def test_scale_and_script_do_not_matter_but_value_does():
    score = scoring.match(
        "t",
        [golden(11192.11e4, "万元"), golden(294000, "萬個")],
        [proposed(111921100.00000001, "元"), proposed(294000, "万个"), proposed(29400, "万个")],
    )
    assert len(score.hits) == 2 and len(score.false_positives) == 1


def test_a_wrong_qualifier_is_neither_a_hit_nor_unmatched():
    score = scoring.match("t", [golden(60, "万人次", "近")], [proposed(60, "万人次", "余")])
    assert (len(score.hits), len(score.wrong_qualifiers), len(score.misses), len(score.false_positives)) == (0, 1, 0, 0)
    total = scoring.totals([score])
    assert (total.recall, total.precision, total.value_recall) == (0.0, 0.0, 1.0)


def test_rows_of_equal_value_pair_by_qualifier_first():
    """近2万名 and 2万多名 in one text: each proposal goes to the row whose qualifier it has."""
    rows = [golden(20000, "万名", "多"), golden(20000, "万名", "近")]
    score = scoring.match("t", rows, [proposed(20000, "万名", "近"), proposed(20000, "万名", "多")])
    assert len(score.hits) == 2 and score.wrong_qualifiers == []


def test_a_repeated_figure_proposed_twice_costs_precision_under_its_form():
    score = scoring.match(
        "t",
        [golden(231000000, "亿元", form="repeated")],
        [proposed(231000000, "亿元"), proposed(231000000, "亿元")],
    )
    total = scoring.totals([score])
    assert (total.recall, total.precision) == (1.0, 0.5)
    assert total.form_precision("repeated") == 0.5


def test_a_bare_scale_fits_any_family_and_periods_are_compared_by_year():
    score = scoring.match(
        "t",
        [golden(300000000, "亿", "近", years=(2022, 2022))],
        [
            Proposed.from_row(
                {
                    "value": "300000000",
                    "qualifier": "近",
                    "unit_as_written": "亿会员",
                    "period_start": "2022-01-01",
                    "period_end": 2022,
                }
            )
        ],
    )
    assert len(score.hits) == 1 and score.wrong_periods == []


def test_a_proposal_without_a_value_is_refused_by_name():
    with pytest.raises(ValueError, match="a proposed row has no numeric value"):
        Proposed.from_row({"value": None, "unit_as_written": "人"})


def test_a_false_positive_shows_its_own_form():
    score = scoring.match("t", [], [proposed(2, "个", number="兩"), proposed(6.3, "个百分点"), proposed(5, "万元")])
    assert scoring.totals([score]).proposed_by_form == Counter({"chinese-numeral": 1, "percent": 1, "wan-yi": 1})


def test_a_malformed_golden_row_is_named_by_file_line_and_column(tmp_path, monkeypatch):
    monkeypatch.setattr(scoring, "EVAL_DIR", tmp_path)
    (tmp_path / "golden" / "test").mkdir(parents=True)
    header = ",".join(scoring.GOLDEN_COLUMNS)
    (tmp_path / "golden" / "test" / "x.csv").write_text(
        f"{header}\n5,名,大约,5,2021,2021,5名,plain\n", encoding="utf-8"
    )
    with pytest.raises(scoring.EvalSetError, match=r"x\.csv, line 2, column qualifier: '大约' is not one of"):
        scoring.load_golden(Text("test", "x", "", ""))


# ---------------------------------------------------------------------------------------------------
# The extractor against the issue's targets, on the held-out set.

RECALL_TARGET, PRECISION_TARGET = 0.98, 0.97
# What the extractor was last measured at on the held-out set (benchmarks/RESULTS.md: recall 0.989 = 269/272,
# precision 0.971 = 269/277, after the fourth round's rules tuned on 44 dev texts), less one figure each: a rule
# change that loses a figure anywhere fails here.
RECALL_FLOOR, PRECISION_FLOOR = 268 / 272, 268 / 277

needs_extractor = pytest.mark.skipif(
    not scoring.extractor_available(),
    reason=f"{scoring.EXTRACTOR_MODULE} does not exist on this branch yet (it comes with branch `extract`)",
)


def held_out_summary() -> tuple[scoring.Totals, str]:
    scores, total = scoring.score_set("test", scoring.extractor_rows)
    by_text = ", ".join(f"{s.name} {len(s.hits)}/{len(s.golden)} of {len(s.proposed)}" for s in scores)
    summary = (
        f"recall {total.recall:.3f} (target {RECALL_TARGET}), precision {total.precision:.3f} "
        f"(target {PRECISION_TARGET}), wrong qualifiers {total.wrong_qualifiers}; hits/golden of proposed: {by_text}. "
        "Numbers by form: benchmarks/bench_extract.py"
    )
    return total, summary


@needs_extractor
def test_extractor_holds_its_measured_level_on_the_held_out_set():
    total, summary = held_out_summary()
    assert total.recall >= RECALL_FLOOR, summary
    assert total.precision >= PRECISION_FLOOR, summary
    assert total.wrong_qualifiers == 0, summary


@needs_extractor
def test_extractor_meets_the_issue_targets_on_the_held_out_set():
    total, summary = held_out_summary()
    assert total.recall >= RECALL_TARGET, summary
    assert total.precision >= PRECISION_TARGET, summary
    assert total.wrong_qualifiers == 0, summary
