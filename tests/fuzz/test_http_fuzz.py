"""Every GET entry point with hostile query strings, ids, formats and sizes: never a 5xx or a stack trace,
a clear 4xx when the request cannot be served, the security headers on every answer (see conftest.check).

Each test also states what a good answer is for its entry point (the status it may have, and what it holds).
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from flask.testing import FlaskClient
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from tests.dash_requests import page_callback
from tests.fuzz.fakes import FakeRenderer
from tests.fuzz.properties import FUZZ, check
from tests.fuzz.strategies import (
    FORMATS,
    THOUSANDS_OF_DIGITS,
    chart_ids,
    encode,
    number_text,
    query_strings,
    values,
)
from uniondash.charts import CHARTS
from uniondash.exports.xlsx import XLSX_MIMETYPE
from uniondash.model import Dataset

SECTIONS = ("aid", "models", "rights", "services", "nope", "", "%00", "..%2f..", "<b>")


@FUZZ
@given(path=st.sampled_from(["/", "/section/"]), section=st.sampled_from(SECTIONS), query=query_strings())
@example(path="/", section="", query="years=" + "x" * 20_000)
def test_dashboard_pages_serve_the_shell(
    client: FlaskClient, dataset: Dataset, path: str, section: str, query: str
) -> None:
    """The Dash pages are one HTML shell whatever the URL, drawn by the callback; a path with no page
    (an unknown section) is the same shell with the status 404, whatever the query."""
    url = (path + section if path == "/section/" else path) + "?" + query
    response = check(client.get(url), "GET / and /section/<id>")
    pages = {"/", *(f"/section/{section_id}" for section_id in dataset.sections["id"])}
    assert response.status_code == (200 if response.request.path in pages else 404)
    assert "dash-renderer" in response.get_data(as_text=True)


@settings(FUZZ, max_examples=40)
@given(chart_id=chart_ids(), query=query_strings())
@example(chart_id="aid-funds", query="years=%ff&lang=%00&programme=" + "x" * 300)
@example(chart_id="..%2f..%2fetc%2fpasswd", query="")
def test_embed(client: FlaskClient, chart_id: str, query: str) -> None:
    response = check(client.get(f"/embed/{chart_id}?{query}"), "GET /embed/<chart-id>")
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    if response.status_code == 200 and "dash-renderer" in page:
        # A path the embed route does not match ('/embed//etc/passwd'): the dashboard's shell, framed by no one.
        assert response.request.path.startswith("/embed//")
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    elif response.status_code == 200:
        assert response.request.path.removeprefix("/embed/") in CHARTS
        assert '<script id="embed-figure" type="application/json">' in page
    else:
        # The friendly page of an unknown chart, or werkzeug's 404 when no route matches at all (a control
        # character in the path: the path converter stops at a newline).
        assert response.status_code == 404
        assert "找不到该图表" in page or "Chart not found" in page or "<h1>Not Found</h1>" in page


@settings(FUZZ, max_examples=50)
@given(
    chart_id=chart_ids(), fmt=st.one_of(st.sampled_from(FORMATS[:6]), st.sampled_from(FORMATS)), query=query_strings()
)
@example(chart_id="..%2f..%2fetc%2fpasswd", fmt="png", query="")
@example(chart_id="aid-funds", fmt="csv", query="programme=%0d%0aSet-Cookie:%20a=b")
def test_chart_exports(client: FlaskClient, chart_id: str, fmt: str, query: str) -> None:
    response = check(client.get(f"/export/chart/{chart_id}.{fmt}?{query}"), "GET /export/chart/<id>.<format>")
    status = response.status_code
    event(f"{status} {response.mimetype}")  # the spread of answers: --hypothesis-show-statistics
    if status == 200 and b"dash-renderer" in response.get_data():
        # '/export/chart//x.png': no route of ours matches an empty segment; Dash's catch-all serves its shell.
        assert response.request.path.startswith("/export/chart//")
    elif status == 200:
        assert response.headers["Content-Disposition"].startswith('attachment; filename="')
        assert response.headers["Content-Disposition"].isascii()
        if response.mimetype == "application/zip":
            with zipfile.ZipFile(io.BytesIO(response.get_data())) as bundle:
                assert bundle.testzip() is None and "metadata.json" in bundle.namelist()
        elif response.mimetype == "application/json":
            assert json.loads(response.get_data())["chart_id"] in CHARTS
    else:
        # 400: a bad size; 404: unknown chart or format, or no figures for these filters.
        assert status in (400, 404), status


@settings(FUZZ, max_examples=100)
@given(
    chart_id=st.sampled_from([*CHARTS]),
    fmt=st.sampled_from(["png", "svg"]),
    sizes=st.dictionaries(st.sampled_from(["width", "height", "scale"]), number_text, max_size=3),
    raw=st.booleans(),
)
@example(chart_id="aid-funds", fmt="png", sizes={"width": "4000", "height": "4000", "scale": "4"}, raw=False)
@example(chart_id="aid-funds", fmt="png", sizes={"width": "1e309", "scale": "nan"}, raw=True)
def test_image_sizes_are_bounded(
    client: FlaskClient, fake_renderer: FakeRenderer, chart_id: str, fmt: str, sizes: dict[str, str], raw: bool
) -> None:
    """Any width/height/scale: an image within the bounds (the fake renderer checks), or a 400 saying why."""
    query = "&".join(f"{name}={encode(value, raw)}" for name, value in sizes.items())
    response = check(client.get(f"/export/chart/{chart_id}.{fmt}?{query}"), "GET /export/chart/<id>.png|svg sizes")
    if response.status_code == 400:
        assert "图片尺寸参数无效" in response.get_data(as_text=True)
    else:
        assert response.status_code in (200, 404), response.status_code  # 404: a chart without figures


@settings(FUZZ, max_examples=12)
@given(query=query_strings())
@example(query="years=abc&programme=" + "x" * 5000 + "&lang=xx")
def test_summary_workbook(client: FlaskClient, query: str) -> None:
    """Bad filters never fail the download: they fall back to their defaults (noted in the workbook)."""
    response = check(client.get(f"/export/summary.xlsx?{query}"), "GET /export/summary.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    assert zipfile.is_zipfile(io.BytesIO(response.get_data()))


@settings(FUZZ, max_examples=4)
@given(path=st.sampled_from(["/present", "/briefing"]), query=query_strings())
@example(path="/present", query="slide=-1&interval=1e400&years=0000-9999")
def test_meeting_pages(client: FlaskClient, path: str, query: str) -> None:
    response = check(client.get(f"{path}?{query}"), "GET /present and /briefing")
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize("name", ["slide", "interval"])
def test_meeting_slide_and_interval_with_thousands_of_digits(client: FlaskClient, name: str) -> None:
    check(client.get(f"/present?{name}={THOUSANDS_OF_DIGITS}"), "GET /present and /briefing")


@settings(FUZZ, max_examples=24)
@given(
    name=st.sampled_from(["slide", "interval"]),
    number=number_text,
    raw=st.booleans(),
)
@example(name="slide", number="①", raw=False)
@example(name="interval", number="²", raw=False)
@example(name="interval", number="٣٠", raw=False)
def test_meeting_numbers_are_ascii_digits_or_a_notice(client: FlaskClient, name: str, number: str, raw: bool) -> None:
    """`slide` and `interval`: a number in range opens that slide / sets that pace; anything else (non-ASCII
    digits, thousands of digits) is ignored with a notice, never a 500."""
    response = check(client.get(f"/present?{name}={encode(number, raw)}"), "GET /present numbers")
    assert response.status_code == 200
    if not re.fullmatch(r"[0-9]{1,9}", number.strip()):
        page = response.get_data(as_text=True)
        assert "无效" in page or "不存在" in page or "not understood" in page or "does not exist" in page or not number


@settings(FUZZ, max_examples=60)
@given(
    maxwidth=st.one_of(st.none(), number_text),
    maxheight=st.one_of(st.none(), number_text),
    url=st.one_of(
        st.sampled_from(
            [
                "http://localhost/embed/aid-funds",
                "/embed/aid-funds?lang=en",
                "/section/aid#chart-aid-funds",
                "http://evil.example/embed/aid-funds",
                "javascript:alert(1)",
                "",
            ]
        ),
        values,
    ),
    # Not 'xml': the oEmbed spec answers 501 (test_press_routes), and no 5xx passes `check`.
    fmt=st.sampled_from(["json", ""]),
    raw=st.booleans(),
)
@example(maxwidth="²", maxheight=None, url="http://localhost/embed/aid-funds", fmt="json", raw=False)
@example(maxwidth="①", maxheight="①", url="http://localhost/embed/aid-funds", fmt="json", raw=False)
@example(maxwidth=None, maxheight=THOUSANDS_OF_DIGITS, url="http://localhost/embed/aid-funds", fmt="json", raw=False)
def test_oembed(
    client: FlaskClient, maxwidth: str | None, maxheight: str | None, url: str, fmt: str, raw: bool
) -> None:
    """/oembed: an answer only for a chart of this site and sizes of ASCII digits within bounds, else a 4xx
    that says which parameter (issue 24: '²', '①' and 5,000 digits were a 500)."""
    params = {"url": url, "format": fmt, "maxwidth": maxwidth, "maxheight": maxheight}
    query = "&".join(f"{name}={encode(value, raw)}" for name, value in params.items() if value is not None)
    response = check(client.get(f"/oembed?{query}"), "GET /oembed")
    status = response.status_code
    event(f"oembed {status}")
    if status == 200:
        answer = response.get_json()
        assert answer["type"] == "rich" and answer["html"].startswith('<iframe src="http://localhost/embed/')
        for name, value in (("maxwidth", maxwidth), ("maxheight", maxheight)):
            if value:
                assert re.fullmatch(r"[0-9]{1,9}", value) and 50 <= int(value) <= 10000, (name, value)
                assert answer[name.removeprefix("max")] <= int(value)
    else:
        assert status in (400, 404), status


@settings(FUZZ, max_examples=30)
@given(
    path=st.sampled_from(
        ["/healthz", "/vendor/plotly.min.js", "/_dash-layout", "/_dash-dependencies", "/_favicon.ico", "/_reload-hash"]
    ),
    query=query_strings(),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
    headers=st.dictionaries(
        st.sampled_from(["Range", "If-None-Match", "If-Modified-Since", "Accept-Encoding", "Accept-Language"]),
        st.sampled_from(["bytes=999999999-", "bytes=-0", "bytes=0-0,0-0,0-0", "*", '"x"', "garbage", "\u00e9", ""]),
        max_size=3,
    ),
)
def test_fixed_routes_with_any_method_query_and_headers(
    client: FlaskClient, path: str, query: str, method: str, headers: dict[str, str]
) -> None:
    response = check(client.open(f"{path}?{query}", method=method, headers=headers), "fixed routes, any method")
    assert response.status_code in (200, 204, 206, 304, 405, 416), response.status_code


@settings(FUZZ, max_examples=25)
@given(
    path=st.sampled_from(["/export/chart/aid-funds.csv", "/embed/aid-funds", "/export/summary.xlsx", "/"]),
    value=values,
)
def test_query_values_in_every_position(client: FlaskClient, path: str, value: str) -> None:
    """One hostile value as every parameter at once, raw and encoded."""
    query = "&".join(
        f"{name}={encode(value, raw)}" for name in ("years", "programme", "section", "lang") for raw in (False, True)
    )
    response = check(client.get(f"{path}?{query}"), f"GET {path} (every parameter)")
    assert response.status_code in (200, 404), response.status_code


HOSTS = st.one_of(
    st.sampled_from(
        [
            "evil.example",
            'a"><img src=x onerror=alert(1)>',
            "x:99999",
            "[::1]",
            "a b",
            "é.example",
            "localhost",
            "localhost:8050",
            "127.0.0.1:1",
            "LOCALHOST",
            "localhost.evil.example",
            "evil.example:80@localhost",
            "127.0.0.1.evil.example",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)
# Werkzeug matches host names as browsers send them, in lower case: 'LOCALHOST' is refused too.
LOCAL = re.compile(r"(localhost|127\.0\.0\.1)(:([1-9][0-9]{0,4}))?")


@settings(FUZZ, max_examples=40)
@given(
    host=HOSTS,
    path=st.sampled_from(
        [
            "/export/chart/aid-funds.metadata.json",
            "/export/chart/aid-funds.html",
            "/embed/aid-funds",
            "/oembed?url=/embed/aid-funds",
            "/",
        ]
    ),
)
def test_only_our_own_host_names_are_answered(client: FlaskClient, host: str, path: str) -> None:
    """Issue 24: the app answers only the names it is configured for (here the default, the machine's own);
    any other Host is a 400 before a route runs, so no absolute link ever names it."""
    response = check(client.get(path, headers={"Host": host}), "GET with any Host header")
    match = LOCAL.fullmatch(host)
    if match is None or int(match.group(3) or 80) > 65535:
        assert response.status_code == 400, (host, response.status_code)
        assert "does not answer for that host name" in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    if path.endswith(".json"):
        permalink = response.get_json()["permalink"]
        assert permalink.startswith(f"http://{host}/"), permalink


@settings(FUZZ, max_examples=30)
@given(host=st.sampled_from(["localhost", "127.0.0.1:8050", "data.example.cn", "data.example.cn:443"]))
def test_with_a_public_address_every_absolute_link_names_it(public_client: FlaskClient, host: str) -> None:
    """With UNIONDASH_PUBLIC_URL, links in oEmbed answers, downloads and share codes start with it, whichever
    of the trusted names the request came by."""
    answers = [
        public_client.get("/oembed?url=https://data.example.cn/embed/aid-funds", headers={"Host": host}),
        public_client.get("/export/chart/aid-funds.metadata.json", headers={"Host": host}),
        public_client.get("/export/chart/aid-funds.html", headers={"Host": host}),
    ]
    for response in answers:
        check(response, "GET with a public address")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        links = re.findall(r"https?://[A-Za-z0-9.:-]+", text)
        ours = [link for link in links if "localhost" in link or "127.0.0.1" in link or "example.cn" in link.lower()]
        assert ours and all(link == "https://data.example.cn" for link in ours), ours
    page = page_callback("/section/aid", "", changed="url.pathname")
    shared = public_client.post("/_dash-update-component", json=page, headers={"Host": host}).get_json()
    text = json.dumps(shared).replace("\\u002f", "/")
    assert "https://data.example.cn/embed/aid-funds" in text and "localhost" not in text


def test_share_links_with_a_refused_host_header(client: FlaskClient) -> None:
    body = page_callback("/section/aid", "", changed="url.pathname")
    response = check(
        client.post("/_dash-update-component", json=body, headers={"Host": 'a"><b>'}),
        "POST callback: page (refused Host)",
    )
    assert response.status_code == 400 and "http:/section" not in response.get_data(as_text=True)
