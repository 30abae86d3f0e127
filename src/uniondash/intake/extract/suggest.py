"""Which programme and metric a proposed figure belongs to, guessed from the data set's own rows.

Next year's report words its figures as this year's did (筹集“冬送温暖”资金2.8亿元 → …3.1亿元), so the
best guide to a new figure's programme and metric is the existing figure whose label and quote read most
alike. Likeness is the Dice coefficient of their Chinese character pairs (the label's weighing 0.6, the quote's 0.4) (digits and punctuation left
out), among the figures whose metric's unit fits the new figure's unit (people, person-times and money
never mix, as `uniondash validate` checks). The likeness is the row's `confidence`, from 0 to 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from uniondash.columns import WRITTEN_UNITS
from uniondash.intake.extract.reference import Published

LABEL_WEIGHT = 0.6
MIN_CONFIDENCE = 0.2  # below it nothing is suggested: an empty cell asks the reviewer, a wrong id misleads
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def bigrams(text: str) -> frozenset[str]:
    """Pairs of consecutive Chinese characters, within runs (digits, Latin letters and punctuation break runs)."""
    pairs: set[str] = set()
    for run in _HAN.findall(text):
        pairs.update(run[index : index + 2] for index in range(len(run) - 1))
    return frozenset(pairs)


def dice(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


@dataclass(frozen=True)
class Exemplar:
    fact_id: str
    programme_id: str
    metric_id: str
    base_unit: str
    label_pairs: frozenset[str]
    quote_pairs: frozenset[str]
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Suggestion:
    programme_id: str
    metric_id: str
    confidence: float
    like: str  # the id of the figure it reads like ('' when none)


def exemplars(dataset: Published) -> list[Exemplar]:
    """The data set's figures, each with its metric's base unit and its character pairs."""
    unit_of = dict(zip(dataset.metrics["id"], dataset.metrics["unit_zh"], strict=True))
    out = []
    for fact_id, programme, metric, label, label_en, quote in zip(
        dataset.facts["id"],
        dataset.facts["programme_id"],
        dataset.facts["metric_id"],
        dataset.facts["label_zh"],
        dataset.facts["label_en"],
        dataset.facts["source_quote"],
        strict=True,
    ):
        unit = str(unit_of.get(metric, ""))
        out.append(
            Exemplar(
                str(fact_id),
                str(programme),
                str(metric),
                unit,
                bigrams(label),
                bigrams(quote),
                str(label),
                str(label_en),
            )
        )
    return out


def unit_fits(written_unit: str, base_unit: str) -> bool:
    """The rule of `uniondash validate`: a written unit (without its 万/亿) fits its metric's base unit."""
    return written_unit in {"", base_unit} | WRITTEN_UNITS.get(base_unit, set())


def suggest(label: str, quote: str, unit: str, candidates: list[Exemplar]) -> Suggestion:
    """The programme and metric of the existing figure that reads most like this one, if any reads alike."""
    label_pairs, quote_pairs = bigrams(label), bigrams(quote)
    best: tuple[float, Exemplar] | None = None
    for exemplar in candidates:
        if not unit_fits(unit, exemplar.base_unit):
            continue
        # The label says what is counted; the quote, where in the report: the label weighs more.
        score = LABEL_WEIGHT * dice(label_pairs, exemplar.label_pairs) + (1 - LABEL_WEIGHT) * dice(
            quote_pairs, exemplar.quote_pairs
        )
        if best is None or score > best[0]:
            best = (score, exemplar)
    if best is None or best[0] < MIN_CONFIDENCE:
        return Suggestion("", "", round(best[0], 2) if best else 0.0, "")
    score, exemplar = best
    return Suggestion(exemplar.programme_id, exemplar.metric_id, round(score, 2), exemplar.fact_id)


def known_english(label: str, unit: str, candidates: list[Exemplar]) -> tuple[str, str]:
    """(label_en, fact id) of an existing figure with this very Chinese label and a fitting unit, else ('', '').

    Only an identical label: a figure that merely reads alike may count something else, and an English label
    that does not say what the Chinese says would be a silent wrong answer."""
    for exemplar in candidates:
        if exemplar.label_zh == label and exemplar.label_en and unit_fits(unit, exemplar.base_unit):
            return exemplar.label_en, exemplar.fact_id
    return "", ""
