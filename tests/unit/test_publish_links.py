"""publish.links: the pure rewrites that turn the app's answers into files of the static site."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from datetime import UTC, datetime

import pytest

from uniondash.publish.links import (
    BAKE_ROOT,
    UrlMap,
    fixed_csp_page,
    fixed_inline_svgs,
    fixed_pdf,
    fixed_svg,
    fixed_zip,
    local_references,
    rewrite_html,
    rewrite_text,
    url_key,
    with_icon,
    without_live_links,
)

MOMENT = datetime(2023, 11, 30, tzinfo=UTC)


def site_map(base_url: str = "") -> UrlMap:
    links = UrlMap(base_url=base_url)
    links.add("/embed/aid-funds?lang=en", "en/embed/aid-funds/index.html")
    links.add("/vendor/plotly.min.js", "vendor/plotly-abc.min.js")
    links.add("/present", "present/index.html")
    return links


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/present?lang=en&years=2021", "/present?lang=en&years=2021"),
        ("/present?years=2021&lang=en", "/present?lang=en&years=2021"),  # one key whatever the order
        (BAKE_ROOT + "embed/x", "/embed/x"),
        ("https://example.com/embed/x", None),  # another site: never rewritten
        ("//example.com/x", None),
        ("../x.html", None),
        ("data:,", None),
    ],
)
def test_url_key(url: str, key: str | None) -> None:
    assert url_key(url) == key


def test_links_become_relative_to_the_file_that_holds_them() -> None:
    page = '<script src="/vendor/plotly.min.js"></script><a href="/present#3">x</a>'
    out = rewrite_html(page, site_map(), "en/embed/aid-funds/index.html")
    assert (
        out == '<script src="../../../vendor/plotly-abc.min.js"></script><a href="../../../present/index.html#3">x</a>'
    )


def test_links_go_under_the_base_url_when_one_is_given() -> None:
    out = rewrite_html('<a href="/embed/aid-funds?lang=en">', site_map("https://s.example.cn/v/1/"), "index.html")
    assert out == '<a href="https://s.example.cn/v/1/en/embed/aid-funds/index.html">'


def test_escaped_ampersands_are_read_as_the_browser_reads_them() -> None:
    links = UrlMap()
    links.add("/present?lang=en&years=2021", "en/present-2021.html")
    out = rewrite_html('<a href="/present?years=2021&amp;lang=en">', links, "index.html")
    assert out == '<a href="en/present-2021.html">'


def test_a_link_not_baked_goes_where_the_fallback_says_or_stays() -> None:
    links = site_map()
    links.fallback = lambda key: "https://dash.example.cn" + key if key.startswith("/section/") else None
    page = '<a href="/section/aid?lang=en">a</a> <a href="/nowhere">b</a>'
    out = rewrite_html(page, links, "embed/x/index.html")
    assert out == '<a href="https://dash.example.cn/section/aid?lang=en">a</a> <a href="/nowhere">b</a>'


def test_absolute_urls_in_text_are_rewritten_and_other_sites_kept() -> None:
    text = f'{{"embed_url": "{BAKE_ROOT}embed/aid-funds?lang=en", "other": "https://example.com/x"}}'
    out = rewrite_text(text, site_map(), "en/export/chart/aid-funds.metadata.json")
    assert out == '{"embed_url": "../../embed/aid-funds/index.html", "other": "https://example.com/x"}'


def test_local_references_are_found_once_each() -> None:
    page = '<link rel="icon" href="/favicon.ico"><img src="/favicon.ico"><a href="https://x.org/">'
    assert local_references(page) == ["/favicon.ico"]


def test_a_nonce_policy_becomes_a_meta_policy_with_the_script_hashes() -> None:
    script = "console.log(1)"
    page = f'<html><head><meta charset="utf-8"></head><body><script nonce="abc">{script}</script></body></html>'
    policy = "default-src 'none'; script-src 'self' 'nonce-abc'; frame-ancestors *"
    out = fixed_csp_page(page, policy)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert "nonce" not in out
    assert f"script-src 'self' 'sha256-{digest}'" in out
    assert "frame-ancestors" not in out
    assert out.index('<meta charset="utf-8">') < out.index("Content-Security-Policy")


def test_plotly_random_svg_id_is_made_fixed() -> None:
    first = (
        b'<svg><defs id="defs-1c7008"><clipPath id="clip1c7008xyplot"/></defs><g clip-path="url(#clip1c7008xy)"/></svg>'
    )
    second = first.replace(b"1c7008", b"c3a1e9")
    assert fixed_svg(first) == fixed_svg(second)
    assert b"1c7008" not in fixed_svg(first)


def test_plotly_random_trace_ids_in_patterns_are_made_fixed_in_order() -> None:
    svg = (
        b'<svg><defs id="defs-1c7008"><pattern id="p1c7008-60d8f3-1"/><pattern id="p1c7008-aaaaaa-1"/></defs>'
        b'<path style="fill: url(#p1c7008-60d8f3-1)"/></svg>'
    )
    other = svg.replace(b"1c7008", b"c3a1e9").replace(b"60d8f3", b"10fdf1").replace(b"aaaaaa", b"bbbbbb")
    assert fixed_svg(svg) == fixed_svg(other)
    assert b'id="p0a0a0a-000001-1"' in fixed_svg(svg) and b"url(#p0a0a0a-000001-1)" in fixed_svg(svg)
    assert b'id="p0a0a0a-000002-1"' in fixed_svg(svg)


def test_svgs_inline_in_a_page_are_made_fixed_each_with_its_own_id() -> None:
    """The static embed: two drawings in one page (the phone's with prefixed ids), random ids each."""

    def page(narrow: str, wide: str, trace: str) -> str:
        return (
            '<html><body><script>var x = 1;</script><div class="svg-narrow">'
            f'<svg class="main-svg"><defs id="n-defs-{narrow}"><clipPath id="n-clip{narrow}xyplot"/>'
            f'<pattern id="n-p{narrow}-{trace}-2"/></defs><path style="fill: url(\'#n-p{narrow}-{trace}-2\')"/></svg>'
            f'</div><div class="svg-wide"><svg class="main-svg"><defs id="defs-{wide}">'
            f'<clipPath id="clip{wide}xyplot"/></defs><g clip-path="url(#clip{wide}xyplot)"/></svg></div></body></html>'
        )

    first = fixed_inline_svgs(page("5dd270", "e5d7ba", "fc39c8"))
    assert first == fixed_inline_svgs(page("b6de25", "8d220b", "035986"))
    assert "5dd270" not in first and "e5d7ba" not in first and "fc39c8" not in first
    assert 'id="n-p0a0a0a-000001-2"' in first and "url('#n-p0a0a0a-000001-2')" in first
    assert 'id="clip0a0a0bxyplot"' in first and "url(#clip0a0a0bxyplot)" in first
    assert "<script>var x = 1;</script>" in first
    assert fixed_inline_svgs("<p>no drawing</p><svg><rect/></svg>") == "<p>no drawing</p><svg><rect/></svg>"


def test_pdf_dates_are_the_build_date_and_the_length_holds() -> None:
    pdf = b"%PDF-1.4\n<</CreationDate (D:20261202011405+00'00')\n/ModDate (D:20261202011405+00'00')>>"
    out = fixed_pdf(pdf, MOMENT)
    assert len(out) == len(pdf)
    assert out.count(b"(D:20231130000000+00'00')") == 2


def test_zip_members_are_dated_and_text_edited_binary_kept() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(zipfile.ZipInfo("a.csv", (2026, 12, 2, 1, 2, 3)), b"x,y")
        bundle.writestr(zipfile.ZipInfo("b.png", (2026, 12, 2, 1, 2, 3)), b"\x89PNG x,y")
    out = fixed_zip(buffer.getvalue(), MOMENT, lambda name, data: data.replace(b"x", b"z"))
    with zipfile.ZipFile(io.BytesIO(out)) as bundle:
        assert [(info.filename, info.date_time) for info in bundle.infolist()] == [
            ("a.csv", (2023, 11, 30, 0, 0, 0)),
            ("b.png", (2023, 11, 30, 0, 0, 0)),
        ]
        assert bundle.read("a.csv") == b"z,y" and bundle.read("b.png") == b"\x89PNG x,y"
    assert fixed_zip(buffer.getvalue(), MOMENT, lambda name, data: data) == fixed_zip(
        buffer.getvalue(), MOMENT, lambda name, data: data
    )


def test_a_page_without_an_icon_gets_an_empty_one_and_one_with_keeps_it() -> None:
    bare = '<head><meta charset="utf-8"><title>x</title></head>'
    assert '<link rel="icon" href="data:,">' in with_icon(bare)
    own = '<head><meta charset="utf-8"><link rel="icon" href="/embed/favicon.svg"></head>'
    assert with_icon(own) == own


def test_links_to_a_live_dashboard_are_left_out_of_a_site_that_has_none():
    footer = (
        '<footer><span class="links"><a class="data" href="/export/chart/x.csv" download>Data (CSV)</a>\n'
        '<a class="full-view" href="/section/aid#chart-x" target="_blank" rel="noopener" data-live-only>'
        "Open in the dashboard ↗</a></span></footer>"
    )
    assert without_live_links(footer) == (
        '<footer><span class="links"><a class="data" href="/export/chart/x.csv" download>Data (CSV)</a>\n'
        "</span></footer>"
    )
    # Each such link goes alone, however many; others stay.
    two = '<a href="/" data-live-only>A</a> · <a href="/present">Slides</a> · <a data-live-only href="/">B</a>'
    assert without_live_links(two) == ' · <a href="/present">Slides</a> · '
