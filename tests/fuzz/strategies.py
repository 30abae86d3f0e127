"""Hypothesis strategies for hostile requests: query strings, path segments, sizes and JSON payloads.

Known-nasty values (traversal, markup, formulas, encodings, numbers Python parses but people do not write)
are mixed with random text, so each run tries both what an attacker would type and what nobody thought of.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from uniondash.charts import CHARTS

NASTY = (
    "",
    " ",
    "\x00",
    "%00",
    "%",
    "%%",
    "%zz",
    "%ff%fe",
    "%c0%ae%c0%ae/",
    "../",
    "..%2f..%2f",
    "%2e%2e%2f",
    "..\\..\\",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "<script>alert(1)</script>",
    "\"'><b>",
    '=HYPERLINK("http://x.example","x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\r\nSet-Cookie: a=b",
    "\u202e",
    "\ufeff",
    "２０１９",
    "٢٠١٩",
    # Digits str.isdigit() accepts and int() refuses or misreads (issue 24: /oembed?maxwidth=² was a 500).
    "²",
    "①",
    "¹²³",
    "٣",
    "३००",
    "𝟗𝟗",
    "Ⅻ",
    "１２０",
    "2019-2023",
    "2023-2019",
    "2019–2023",
    "2019~2021,2023",
    "0000-9999",
    "2019-2023,",
    ",,,",
    "1e309",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e3",
    "0x10",
    "0",
    "-0",
    "1.5",
    "4.0001",
    "300",
    "4000",
    "4001",
    "99999999",
    "zh",
    "en",
    "ZH",
    "fr",
    "aid",
    "models",
    "winter-warmth",
    "null",
    "undefined",
    "[]",
    "{}",
    "true",
)
# Long values; the parsers bound them (query.MAX_VALUE_LENGTH, urls.MAX_SEARCH) and say so.
HUGE = ("x" * 10_000, ",".join(["2019"] * 3_000), "%" * 3_000, "\u4e2d" * 5_000, "a," * 2_000)
# A number with more digits than Python's int() accepts from a string (4300): see test_http_fuzz.
THOUSANDS_OF_DIGITS = "9" * 5_000
# Every numeric parameter of every route, and the others.
NUMERIC_PARAMS = ("width", "height", "scale", "slide", "interval", "maxwidth", "maxheight")
PARAMS = ("years", "report", "compare", "programme", "section", "lang", "static", "url", "format", *NUMERIC_PARAMS)
# Unescaped in a "raw" query string, so values can split into extra parameters and %-escapes stay malformed.
_RAW_SAFE = "%&=+;,/?:@!$'()*~[]"

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet="0123456789-,.e+ ", max_size=16),
    st.sampled_from([*CHARTS]),
    st.sampled_from(HUGE),
)
names = st.one_of(st.sampled_from(PARAMS), st.text(max_size=12))


@st.composite
def query_strings(draw: st.DrawFn, value: st.SearchStrategy[str] = values) -> str:
    """A query string (no '?'): repeated keys, raw or %-encoded values, stray '&' and '='."""
    pairs = draw(st.lists(st.tuples(names, value, st.booleans()), max_size=8))
    parts = [f"{encode(name, raw)}={encode(text, raw)}" for name, text, raw in pairs]
    parts += draw(st.lists(st.sampled_from(["", "=", "&", "==", "a=b=c", "lang", "years="]), max_size=2))
    return "&".join(parts)


def encode(text: str, raw: bool) -> str:
    """`raw`: printable ASCII as typed (so '&', '=' and '%' keep their meaning); otherwise fully %-encoded."""
    return quote(text, safe=_RAW_SAFE) if raw else quote(text, safe="")


TRAVERSALS = (
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "....//....//etc/passwd",
    "..\\..\\pyproject.toml",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "//etc/passwd",
    "../../../../src/uniondash/web/app.py",
    "..%c0%af..%c0%afetc%c0%afpasswd",
    "%00../../etc/passwd",
    "aid-funds/../../../pyproject.toml",
)


@st.composite
def chart_ids(draw: st.DrawFn) -> str:
    """A chart id as it appears in a URL path: known, traversal, or random (%-encoded, slashes kept or not)."""
    kind = draw(st.sampled_from(["known", "known", "traversal", "random", "nasty"]))
    if kind == "known":
        return draw(st.sampled_from([*CHARTS]))
    if kind == "traversal":
        return draw(st.sampled_from(TRAVERSALS))
    text = draw(st.text(min_size=1, max_size=40) if kind == "random" else st.sampled_from(NASTY[1:]))
    return quote(text, safe=draw(st.sampled_from(["", "/", "%/."])))


FORMATS = (
    "png",
    "svg",
    "html",
    "csv",
    "metadata.json",
    "zip",
    "PNG",
    "pdf",
    "json",
    "metadata",
    "",
    ".png",
    "png.png",
    "csv%00.png",
    "xlsx",
    "png/",
    "svg?x",
)

number_text = st.one_of(
    st.sampled_from(
        ["", "0", "-1", "1", "299", "300", "1200", "4000", "4001", "1e3", "nan", "inf", "-inf", "NaN", "1_000"]
    ),
    st.sampled_from(["0.5", "1", "1.0", "2", "3.999", "4", "4.0001", "1e0", "+2", " 2", "２", "٣", "9" * 30]),
    # Non-ASCII digits (isdigit() true; int() refuses '²' and '①', reads '٣' and '３' as 3) and very long numbers.
    st.sampled_from(["²", "①", "³⁰⁰", "٣٠٠", "३००", "𝟑𝟎𝟎", "３００", "2\n", "300\n", "0" * 5000 + "300"]),
    st.sampled_from([THOUSANDS_OF_DIGITS, "1" * 4301, "9" * 10, "1" + "0" * 9, "300" + "0" * 20]),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=6000).map(lambda digits: "7" * digits),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
