"""A figure's number as the report writes it, read: Arabic (2600, 2.8) or Chinese (两, 一千二百, 百, 三四百).

`number_as_written` keeps the report's own writing so the quote can be checked against it; the import checks
that `value` is that number times the unit's scale (万, 亿). A Chinese numeral reads as cn2an reads it, with a
bare 百/千/万 read as 一百/一千/一万 (逾千名, 百名). Two neighbouring digits before a place (三四百, 四五十, 两三千)
are a range: the report gives both ends and the data rules model a range as two rows, one per end, each
writing the whole range (data/README.md), so either end is a reading of it.

Vague counts (十几种, 几十个, 数百名, 上千人) are not numbers: no value can be given without inventing
precision, so `readings` gives none and the import refuses them; `uniondash extract` lists them unproposed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

CHINESE_DIGITS = "零〇一二两兩三四五六七八九"
CHINESE_PLACES = "十百千万亿萬億"
# Strict cn2an refuses 一二 (not a number), and 两 with it: 两 is 二 as a count; traditional forms read alike.
_PLAIN = str.maketrans({"两": "二", "兩": "二", "〇": "零", "萬": "万", "億": "亿"})
_ARABIC = re.compile(r"^\d+(?:\.\d+)?$")
_CHINESE = re.compile(rf"^[{CHINESE_DIGITS}{CHINESE_PLACES}]{{1,20}}$")
# 三四百 (300–400), 两三千, 四五十: the smaller digit first, then its neighbour, then one place.
_RANGE = re.compile(r"^([一二三四五六七八])([二三四五六七八九])([十百千万])$")
_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PLACE = {"十": 10, "百": 100, "千": 1000, "万": 10_000}


def readings(written: str) -> tuple[Decimal, ...]:
    """The values a written number may stand for: one for 2600, 两 or 一千二百, both ends for a range
    (三四百 → 300 and 400), none when it is not a number (十几, 数百, 2.8.1, empty)."""
    text = written.strip().translate(_PLAIN)
    if _ARABIC.match(text):
        try:
            return (Decimal(text),)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            return ()
    if not _CHINESE.match(text):
        return ()
    ranged = _RANGE.match(text)
    if ranged and _DIGIT[ranged.group(2)] == _DIGIT[ranged.group(1)] + 1:
        place = _PLACE[ranged.group(3)]
        return (Decimal(_DIGIT[ranged.group(1)] * place), Decimal(_DIGIT[ranged.group(2)] * place))
    value = _chinese(text)
    return () if value is None else (value,)


@lru_cache(maxsize=1024)
def _chinese(text: str) -> Decimal | None:
    import cn2an  # loaded on first use only: it takes a tenth of a second

    if text[0] in "百千万亿":  # cn2an reads 十 but not a bare 百 or 千 (逾千名, 近百人)
        text = "一" + text
    try:
        value = Decimal(str(cn2an.cn2an(text, "strict")))
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return value if value >= 0 else None


def is_number(written: str) -> bool:
    """Whether `written` is a number the data may hold as `number_as_written` (Arabic or Chinese)."""
    return bool(readings(written))


def matches(written: str, scale: int, value: float, tolerance: float = 1e-6) -> bool:
    """Whether `value` is one reading of `written` times `scale` (10 000 for 万元)."""
    return any(abs(float(reading) * scale - value) < tolerance for reading in readings(written))
