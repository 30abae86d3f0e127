"""Extraction measured on the evaluation set (issue 26): `uniondash.intake.extract` against a plain regex baseline.

    .venv/bin/python benchmarks/bench_extract.py                    # the held-out test set, both engines
    .venv/bin/python benchmarks/bench_extract.py --set dev --show-errors   # what the extractor gets wrong on dev
    .venv/bin/python benchmarks/bench_extract.py --only baseline --markdown
    .venv/bin/python benchmarks/bench_extract.py --record          # writes the section of RESULTS.md

The set, its rules and its golden rows are in tests/extract_eval/ (README.md there). Matching and scoring are
tests/extract_eval/scoring.py, shared with tests/test_extract_eval.py: a proposal and a golden row pair up on
equal value and unit family; a hit also has the right qualifier. Recall = hits / golden rows, precision =
hits / proposals, per text, summed over the set; per form as tagged in the golden rows (a false positive is
put under the form of the golden row it repeats, else under the form it shows itself).

Exit status 2 when `uniondash.intake.extract` cannot be imported (unless `--only baseline`).
Errors are listed for the dev set only: the test set stays held out, its numbers are all it gives.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the scoring lives beside the set, under tests/

from _common import record  # noqa: E402

from tests.extract_eval import scoring  # noqa: E402

# ---------------------------------------------------------------------------------------------------
# The baseline: number + unit, as a careful person writes it in a few lines (years and ordinals left out,
# the usual qualifiers, 万/亿 and the traditional 萬/億/個/項/場/戶 read).

_BASELINE = re.compile(
    r"(?P<pre>不少于|接近|超过|超過|近|约|約|超|逾)?(?<![\d.第])(?P<num>\d+(?:\.\d+)?)"
    r"(?P<mid1>余|多|餘)?(?P<scale>万亿|亿|万|億|萬)?(?P<mid2>余|多|餘)?"
    r"(?P<unit>人次|户次|场次|件次|个百分点|%|人|名|位|个|個|家|户|戶|场|場|项|項|件|元|次|期|所|处|座|条|篇|本|斤|吨|份|辆|棵|节|部|批|起|年|天)"
    r"(?P<post>以上|余|多)?"
)
_BASELINE_SCALES = {"万亿": 10**12, "亿": 10**8, "億": 10**8, "万": 10**4, "萬": 10**4}


def baseline(text: str) -> list[dict[str, Any]]:
    rows = []
    for found in _BASELINE.finditer(unicodedata.normalize("NFKC", text)):
        if found["unit"] == "年" and not found["scale"] and re.fullmatch(r"\d{4}", found["num"]):
            continue  # 2021年 is a year
        qualifier = found["pre"] or found["mid1"] or found["mid2"] or found["post"] or ""
        scale = _BASELINE_SCALES.get(found["scale"] or "", 1)
        rows.append(
            {
                "value": float(found["num"]) * scale,
                "qualifier": qualifier,
                "number_as_written": found["num"],
                "unit_as_written": (found["scale"] or "") + found["unit"],
                "period_start": "",  # a regex reads no periods
                "period_end": "",
                "source_quote": found[0],
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# Output.


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def summary_rows(results: dict[str, scoring.Totals]) -> list[list[str]]:
    rows = []
    for engine, total in results.items():
        periods = f"{total.wrong_periods} of {total.periods_checked}"
        rows.append(
            [
                engine,
                _pct(total.recall),
                _pct(total.precision),
                f"{total.hits} / {total.golden}",
                str(total.proposed),
                _pct(total.value_recall),
                str(total.wrong_qualifiers),
                periods,
            ]
        )
    return rows


SUMMARY_HEADER = [
    "engine",
    "recall",
    "precision",
    "hits / golden",
    "proposed",
    "value recall",
    "wrong qualifiers",
    "wrong periods",
]


def form_rows(results: dict[str, scoring.Totals]) -> list[list[str]]:
    first = next(iter(results.values()))
    rows = []
    for form in scoring.FORMS:
        if not first.golden_by_form[form]:
            continue
        row = [form, str(first.golden_by_form[form])]
        for total in results.values():
            row += [_pct(total.form_recall(form)), _pct(total.form_precision(form))]
        rows.append(row)
    return rows


def text_rows(per_text: dict[str, list[scoring.TextScore]]) -> list[list[str]]:
    engines = list(per_text)
    rows = []
    for index, score in enumerate(per_text[engines[0]]):
        row = [score.name, str(len(score.golden))]
        for engine in engines:
            other = per_text[engine][index]
            row += [f"{len(other.hits)}", f"{len(other.proposed)}"]
        rows.append(row)
    return rows


def table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def _width(cell: str) -> int:
    """Columns a cell takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in cell)


def report(
    set_name: str, results: dict[str, scoring.Totals], per_text: dict[str, list[scoring.TextScore]], markdown: bool
) -> str:
    first = next(iter(results.values()))
    engines = list(results)
    form_header = ["form", "golden"] + [f"{engine} {what}" for engine in engines for what in ("recall", "precision")]
    text_header = ["text", "golden"] + [f"{engine} {what}" for engine in engines for what in ("hits", "proposed")]
    parts = [
        f"Set `{set_name}`: {first.texts} texts, {first.golden} golden rows (tests/extract_eval/golden/{set_name}/).",
        table(SUMMARY_HEADER, summary_rows(results), markdown),
        "By form (the hardest form a golden row exercises):",
        table(form_header, form_rows(results), markdown),
        "By text:",
        table(text_header, text_rows(per_text), markdown),
    ]
    return "\n\n".join(parts)


def errors(scores: list[scoring.TextScore]) -> str:
    lines = []
    for score in scores:
        if not (score.misses or score.false_positives or score.wrong_qualifiers or score.wrong_periods):
            continue
        lines.append(f"\n{score.name}:")
        lines += [f"  miss        {_golden(row)}" for row in score.misses]
        lines += [f"  false pos.  {_proposed(row)}" for row in score.false_positives]
        for pair in score.wrong_qualifiers:
            lines.append(f"  qualifier   {_golden(pair.golden)}  proposed {pair.proposed.qualifier or '(none)'}")
        for pair in score.wrong_periods:
            got = f"{pair.proposed.period_start}–{pair.proposed.period_end}"
            lines.append(f"  period      {_golden(pair.golden)}  proposed {got}")
    return "\n".join(lines) if lines else "\nno errors"


def _golden(row: scoring.GoldenRow) -> str:
    written = f"{row.qualifier if row.qualifier in ('近', '接近', '约', '超', '超过', '逾', '不少于') else ''}"
    written += row.number_as_written + (row.qualifier if row.qualifier in ("余", "多", "以上") else "")
    return f"{written}{row.unit_as_written} ({row.form}, {row.period_start}–{row.period_end}) «{row.source_quote}»"


def _proposed(row: scoring.Proposed) -> str:
    return f"{row.value:g} {row.unit_as_written} {row.qualifier or ''} «{row.source_quote}»"


DEV_NOTE = """### The `dev` set (tuned on: not a measure of unseen texts)

The rules were tuned on these texts (`--show-errors` lists their misses), so their scores say what the rules
handle, not how they do on a text they have not seen; the `test` set above says that. Of the dev set, 11 texts
(54 golden rows) were read and scored *after* the third round's tuning, before any rule changed for them: the
extractor found 51 of the 54 and 51 of its 57 proposals were right (its misses: 5斤, 10斤, 10斤, no unit 斤 yet;
its false positives: 十九届, 分两个慰问组, 两个层面, 三个特点, and a rate said again, 每年每人5000元及3000元, twice).
The generic fixes they prompted are in tests/unit/test_extract_rules.py. The fourth round added 10 more texts (75
golden rows: 送温暖 and aid news of 万秀, 大丰, 长宁, 望花, 密云, 湟中, 延庆, 郏县 and a 2010 district, 乐陵's honours) and
measured them once before any rule changed (`--set dev --texts …`): fresh check, before tuning: 75/75 golden
rows found, 75/76 proposals right, 0 wrong qualifiers (the false positive: 实行了两次调整, a count that only points
back to two dates; the baseline: 71/75, 71/73). Their periods were right for 38 of 55: a text dated 2016-03-01
about 2015年 read its undated clauses as 2016 (periods, outside the extraction rules). The fourth round's
rule fixes came from forms common in work reports, tried on SYNTHETIC sentences, not from these texts (which
gave none to fix): percentages in words (百分之九十以上), fractions (三分之一, not 3 分), bounds of who is served
(月收入低于2000元的职工), 不超过 (never the qualifier 超过), 人/次 as 人次, places in a ranking (位列前三名),
digits with a Chinese place (5千元, 3千多人: 3000, not 千), one space between number and unit (300 名), the
measure words of goods (矿泉水500箱, 手套1000双), a unit written once for a list (120、150人; 1.2和0.8个百分点),
spans that only date figures (3年累计), and a quote's stray closing bracket. They left the dev set's scores as
they were (341/341 found; the same two false positives: 先锋号3个 said again, 两次调整). Reading hostile runs found
the rules' patterns backtracking: `find_figures` on a run of 20 000 digits took 153 s, on 20 000 一 7.5 s;
numbers no longer start inside a digit run nor give digits back, and a Chinese numeral is at most 16
characters: 0.02 s and 0.04 s (200 000 of each: 0.16 s, 0.4 s). Same machine, one run each, by hand."""


PLACEHOLDER = (
    "Extractor: not measured yet. `uniondash.intake.extract` is not on this branch; the lead runs "
    "`benchmarks/bench_extract.py --record` after merging it, which replaces this line with its numbers."
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set", choices=scoring.SETS, default="test", help="which texts (default: the held-out test set)"
    )
    parser.add_argument("--only", choices=("extractor", "baseline"), help="run one engine only")
    parser.add_argument("--markdown", action="store_true", help="print tables for benchmarks/RESULTS.md")
    parser.add_argument("--show-errors", action="store_true", help="list misses and false positives (dev set only)")
    parser.add_argument("--record", action="store_true", help="write the tables into benchmarks/RESULTS.md")
    parser.add_argument(
        "--texts", metavar="NAME,…", help="only these texts of the set (dev only: a fresh check on texts just added)"
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.texts.split(",") if name.strip()] if args.texts else None
    if names is not None and args.set != "dev":
        parser.error("--texts picks dev texts: the test set is measured whole")
    if names is not None and args.record:
        parser.error("--record measures whole sets: drop --texts")
    if args.show_errors and args.set != "dev":
        parser.error("--show-errors lists the golden rows: only for --set dev (the test set stays held out)")
    if args.record and args.set != "test":
        parser.error("--record writes the held-out test set's numbers: use it with --set test")

    engines: dict[str, Callable[[scoring.Text], Iterable[Mapping[str, Any]]]] = {}
    if args.only != "baseline":
        if not scoring.extractor_available():
            print(f"{scoring.EXTRACTOR_MODULE} is missing: nothing to measure (--only baseline runs the baseline).")
            return 2
        engines["extractor"] = scoring.extractor_rows
    if args.only != "extractor":
        engines["baseline"] = lambda text: baseline(text.read())

    results: dict[str, scoring.Totals] = {}
    per_text: dict[str, list[scoring.TextScore]] = {}
    for engine, propose in engines.items():
        try:
            per_text[engine], results[engine] = scoring.score_set(args.set, propose, names)
        except scoring.EvalSetError as error:
            parser.error(str(error))

    print(report(args.set, results, per_text, args.markdown or args.record))
    if args.show_errors:
        for engine, scores in per_text.items():
            print(f"\n## {engine}: errors on {args.set}{errors(scores)}")
    if args.record:
        body = report(args.set, results, per_text, markdown=True)
        if "extractor" not in results:
            body = PLACEHOLDER + "\n\n" + body
        if "baseline" in results:
            body += "\n\n" + BASELINE_NOTE
        dev_results: dict[str, scoring.Totals] = {}
        dev_per_text: dict[str, list[scoring.TextScore]] = {}
        for engine, propose in engines.items():
            dev_per_text[engine], dev_results[engine] = scoring.score_set("dev", propose)
        body += "\n\n" + DEV_NOTE + "\n\n" + report("dev", dev_results, dev_per_text, markdown=True)
        run = f"Run {datetime.date.today().isoformat()}, `{' '.join(['bench_extract.py', *sys.argv[1:]])}`."
        record("bench_extract", "Extraction: evaluation set", RECORD_INTRO + "\n\n" + run + "\n\n" + body)
    return 0


RECORD_INTRO = """The held-out `test` set of tests/extract_eval/ (real union
texts from other cities and years; golden rows written by reading, rules in tests/extract_eval/README.md).
A hit is a proposal with the golden row's value (base units), unit family and qualifier; recall = hits / golden
rows, precision = hits / proposals. "Value recall" ignores the qualifier. "Wrong periods" counts the value
matches whose period years differ (the baseline proposes no periods). Issue 26's targets on this set:
recall ≥ 0.98, precision ≥ 0.97, 0 wrong qualifiers (`tests/test_extract_eval.py` holds the extractor to them)."""


BASELINE_NOTE = """Where the baseline (a 20-line regular expression: number, 万/亿, unit, the usual qualifiers) loses: it reads
no Chinese numeral (兩個, 十余年, 逾千名, 四集体) and only the written end of a range (150 of 3—150人; nothing of
四五百元); it proposes a headline figure again at each repeat (precision of `repeated` rows); it misses a figure
whose unit is parted by a space (1.5万 项, 1955 万元) or whose noun follows a bare 万/亿 (近3亿会员, 30多万农民工,
20多万成立); it reads 56万多人(次) as people and 9757万户(次) as households; it takes the 约 of 签约22家 for a
qualifier and the 9个 of 前9个月 for a count; it counts the spans that only date other figures (5年來, 17年来,
20年来). It proposes no period."""


if __name__ == "__main__":
    sys.exit(main())
