"""The preview's links stay on the draft: `desk.preview.relink` on HTML and on Dash's callback JSON."""

from __future__ import annotations

import json

from uniondash.desk.preview import prefixed, relink

PREFIX = "/desk/preview/7/"


def test_site_absolute_links_get_the_prefix_others_are_left_alone():
    assert prefixed("/section/workforce?years=2024", PREFIX) == "/desk/preview/7/section/workforce?years=2024"
    assert prefixed("/desk/preview/7/present", PREFIX) == "/desk/preview/7/present"
    for away in ("//cdn.example/x.js", "/\\evil.example", "https://example.org/", "#top", "?lang=en", ""):
        assert prefixed(away, PREFIX) == away


def test_html_attributes_are_relinked_once():
    page = (
        b'<a href="/present?years=2024">s</a><script src="/vendor/plotly.min.js"></script>'
        b"<a href='/briefing'>b</a><link href=\"/desk/preview/7/_dash-component-suites/x.js\">"
        b'<a href="//other.example/">o</a><p>href="/not-an-attribute"</p>'
    )
    out = relink(page, "text/html", PREFIX)
    assert b'href="/desk/preview/7/present?years=2024"' in out
    assert b'src="/desk/preview/7/vendor/plotly.min.js"' in out
    assert b"href='/desk/preview/7/briefing'" in out
    assert b'href="/desk/preview/7/_dash-component-suites/x.js"' in out  # not twice
    assert b'href="//other.example/"' in out
    assert b'<p>href="/not-an-attribute"</p>' in out  # text, not an attribute


def test_dash_json_links_are_relinked_and_text_is_not():
    answer = {"response": {"page": {"children": [{"props": {"href": "/export/summary.xlsx", "children": "/x"}}]}}}
    out = json.loads(relink(json.dumps(answer).encode(), "application/json", PREFIX))
    props = out["response"]["page"]["children"][0]["props"]
    assert props == {"href": "/desk/preview/7/export/summary.xlsx", "children": "/x"}
    assert relink(b"\x89PNG", "image/png", PREFIX) == b"\x89PNG"
