"""Numbers typed into URLs, settings and options: ASCII digits of bounded length only.

`str.isdigit()` is true for '²', '①' and '٣'; `int()` refuses the first two (a 500 where a 400 was due) and
reads the third as 3, a number nobody typed; and `int()` refuses more than 4300 digits. So every numeric
parameter is matched whole against ASCII digits of a bounded length before `int()` or `float()` sees it.
"""

from __future__ import annotations

import re

# At most 9 digits: every bound the app uses is far below a billion.
_WHOLE = re.compile(r"[0-9]{1,9}")
# At most 3 digits before and 3 after the point (scales such as 1.5).
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3})?")


def whole_number(text: str, low: int, high: int) -> int | None:
    """`text` as an int if it is ASCII digits only (no sign, no space) within [low, high]; else None."""
    if not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def is_whole_number(text: str) -> bool:
    """ASCII digits only, at most 9 of them (whatever their value)."""
    return _WHOLE.fullmatch(text) is not None


def is_decimal(text: str) -> bool:
    """ASCII digits, at most 3, with an optional point and at most 3 more."""
    return _DECIMAL.fullmatch(text) is not None
