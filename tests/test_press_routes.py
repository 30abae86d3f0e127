"""The press routes through Flask's test client: `/embed/<id>`, `/export/chart/<id>.<fmt>`, and the headers.

Apps are built here (a bare Flask app, and the Dash app from `create_app`) with `press_routes.register`
and `security_headers.register`, so the tests do not depend on how `create_app` wires them.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.pngtools import ink, png_dpi, png_size
from tests.synthetic import SHIPPED
from tests.unit.test_images import CHROMIUM, require_chromium
from uniondash import share
from uniondash.charts import CHARTS
from uniondash.chartspec import describe
from uniondash.errors import UniondashError
from uniondash.exports import chart_files
from uniondash.exports.chart_files import CSV_COLUMNS
from uniondash.exports.images import ChartImages, ChartRenderer, MemoryCache
from uniondash.format import period_label
from uniondash.model import Dataset, Filters
from uniondash.web import press_routes, security_headers

CITATION_ZH = "株洲日报 2023年11月30日 第3版"
CITATION_EN = "Zhuzhou Daily, 30 November 2023, page 3"
ORIGINS = ["https://news.example.cn", "https://*.example.org"]


@pytest.fixture(scope="module")
def renderer() -> Iterator[ChartRenderer]:
    require_chromium()
    shared = ChartRenderer(CHROMIUM)
    yield shared
    shared.close()


def press_app(dataset: Dataset, renderer: ChartRenderer, origins: list[str] | None = None) -> Flask:
    app = Flask("press-test")
    press_routes.register(app, dataset, images=ChartImages(dataset, renderer, MemoryCache()))
    security_headers.register(app, ORIGINS if origins is None else origins)

    @app.get("/")
    def home() -> str:
        return "dashboard"

    return app


@pytest.fixture(scope="module")
def client(dataset: Dataset, renderer: ChartRenderer) -> FlaskClient:
    return press_app(dataset, renderer).test_client()


def first_chart(dataset: Dataset) -> str:
    return next(chart_id for chart_id, chart in CHARTS.items() if not chart.rows(dataset, Filters()).empty)


# --- embed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_embed_page_of_every_chart(client: FlaskClient, dataset: Dataset, lang: str) -> None:
    for chart_id, chart in CHARTS.items():
        response = client.get(f"/embed/{chart_id}?lang={lang}")
        assert response.status_code == 200, chart_id
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert f"<h1>{escape(chart.title(lang))}</h1>" in page
        assert (CITATION_ZH if lang == "zh" else CITATION_EN) in page
        figure = json.loads(
            re.search(r'<script id="embed-figure" type="application/json">(.*?)</script>', page, re.S)[1]
        )
        rows = chart.rows(dataset, Filters(lang=lang))
        # A chart with a comparison draws bars; one of lone figures (competitions) draws them as numbers.
        cards = [a for a in figure["layout"].get("annotations", []) if a.get("name") == "card"]
        if not rows.empty and not cards:
            # Each unit is shown once: in the chart's panel headings, or else in the line under the title.
            meta = re.search(r'<p class="meta">(.*?)</p>', page)[1]
            headings = " ".join(a["text"] for a in figure["layout"]["annotations"] if a.get("name") == "heading")
            prefix = "单位：" if lang == "zh" else "Unit: "
            assert (prefix in meta) != (prefix in headings), (chart_id, meta, headings)
            if prefix in meta:
                assert all(prefix + unit in meta for unit in rows[f"unit_{lang}"].unique())
            start, end = int(rows["period_start"].min()), int(rows["period_end"].max())
            assert period_label(start, end, lang) in meta
        # Pinned (issue 25): the link back names the report the embed shows.
        view = share.chart_view_url(chart_id, chart.section_id, Filters(lang=lang, report=(2019, 2023)))
        assert f'href="{escape(view)}" target="_blank" rel="noopener"' in page
        assert '<script src="/vendor/plotly.min.js"></script>' in page
        assert figure["data"] or cards, chart_id
        assert "title" not in figure["layout"] and "height" not in figure["layout"], "the frame sizes the chart"
        # Its own icon (no /favicon.ico request), oEmbed discovery, a still image without JavaScript.
        assert '<link rel="icon" href="data:image/svg+xml,' in page
        pinned = "%3Freport%3D2019-2023" + ("%26lang%3Den" if lang == "en" else "")
        oembed = f"/oembed?url=%2Fembed%2F{chart_id}{pinned}&amp;format=json"
        assert f'<link rel="alternate" type="application/json+oembed" href="{oembed}"' in page
        if not rows.empty:
            assert re.search(rf'<noscript><img class="still" src="/export/chart/{chart_id}\.png\?[^"]*" alt="', page)
            # The drawing is aria-hidden; its text alternative names every value.
            summary = str(escape(describe(chart, dataset, Filters(lang=lang))))
            assert f'<div class="sr-only">\n<p>{summary}</p>' in page and 'aria-hidden="true"' in page


def test_embed_chart_keeps_its_own_height_and_the_iframe_code_fits_it(client: FlaskClient) -> None:
    """In a tall frame the bars do not swell past the chart's own height; the offered iframe is that tall."""

    def heights(chart_id: str) -> tuple[int, int]:
        page = client.get(f"/embed/{chart_id}").get_data(as_text=True)
        found = re.search(r'id="chart" style="min-height: (\d+)px; max-height: (\d+)px"', page)
        assert found, page[:300]
        return int(found.group(1)), int(found.group(2))

    small, large = heights("model-workers"), heights("aid-funds")  # 3 bars, 5 bars
    assert small[0] <= small[1] and large[0] <= large[1]
    assert small[1] < large[1]
    assert share.frame_height(None) == share.EMBED_HEIGHT
    assert share.frame_height(large[1]) == large[1] + share.EMBED_CHROME
    assert f'height="{share.frame_height(large[1])}"' in share.iframe_code(
        "aid-funds", Filters(), "", "t", share.frame_height(large[1])
    )


def test_embed_keeps_filters_in_the_link_back(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    page = client.get(f"/embed/{chart_id}?years=2019-2023&lang=en").get_data(as_text=True)
    section = CHARTS[chart_id].section_id
    assert f'href="/section/{section}?years=2019-2023&amp;lang=en#chart-{chart_id}" target="_blank"' in page


def test_embed_with_bad_filters_renders_defaults_with_a_notice(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    response = client.get(f"/embed/{chart_id}?years=abc&programme=nope")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "年份参数“abc”无效" in page and "未知项目“nope”，已忽略。" in page
    assert escape(CHARTS[chart_id].title("zh")) in page


def test_unknown_chart_embed_is_a_friendly_404(client: FlaskClient) -> None:
    response = client.get("/embed/no-such-chart")
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "找不到该图表" in page and "没有编号为“no-such-chart”的图表" in page
    for chart_id in CHARTS:
        assert f'href="/embed/{chart_id}"' in page
    english = client.get("/embed/no-such-chart?lang=en").get_data(as_text=True)
    assert "Chart not found" in english and f'href="/embed/{next(iter(CHARTS))}?lang=en"' in english


def test_unknown_chart_id_is_escaped_on_the_404_page(client: FlaskClient) -> None:
    response = client.get("/embed/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "找不到该图表" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_embed_escapes_text_from_the_data(dataset: Dataset, renderer: ChartRenderer) -> None:
    chart_id = first_chart(dataset)
    fact_id = str(CHARTS[chart_id].rows(dataset, Filters())["id"].iloc[0])
    facts = dataset.facts.copy()
    facts.loc[facts["id"] == fact_id, "label_zh"] = "<script>alert(1)</script>"
    page = (
        press_app(replace(dataset, facts=facts), renderer)
        .test_client()
        .get(f"/embed/{chart_id}")
        .get_data(as_text=True)
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the screen-reader table shows it as text
    assert page.count("</script>") == page.count("<script")


def test_embed_page_allows_only_its_own_scripts(client: FlaskClient, dataset: Dataset) -> None:
    response = client.get(f"/embed/{first_chart(dataset)}")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)[1]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    assert "script-src 'self' 'nonce-" in policy and "unsafe-eval" not in policy
    assert policy.endswith("frame-ancestors https://news.example.cn https://*.example.org")


def test_static_embed_is_light_and_needs_no_script(client: FlaskClient) -> None:
    for lang in ("zh", "en"):
        response = client.get(f"/embed/honours-by-level?static=1&lang={lang}")
        assert response.status_code == 200 and response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert len(response.data) <= 120 * 1024
        assert "plotly" not in page.lower().replace('class="main-svg"', "")
        # Drawn for a phone and for a column; each scales with the frame; ids kept apart.
        narrow, wide = re.findall(r"<svg\b[^>]*>", page)
        assert 'viewBox="0 0 360 ' in narrow and 'viewBox="0 0 640 ' in wide and 'width="100%"' in wide
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids))
        for svg in re.findall(r"<svg\b.*?</svg>", page, re.DOTALL):  # each names only its own ids
            named = re.findall(r"url\(['\"]?#([^'\")]+)|href=\"#([^\"]+)", svg)
            assert {url or href for url, href in named} <= set(re.findall(r'\bid="([^"]+)"', svg))
        assert CHARTS["honours-by-level"].title(lang) in html.unescape(page)
        assert page.count("<text") > 10, "the chart's text is live text"
        assert 'href="/export/chart/honours-by-level.csv' in page
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'nonce-" in policy and "'self'" not in policy.split("frame-ancestors")[0]
    # The same view twice: the SVG comes from the image cache.
    assert client.get("/embed/honours-by-level?static=1").data.count(b"<svg") >= 1


def test_scalable_svg_prefixes_every_reference_to_its_ids_quoted_or_not() -> None:
    svg = (
        '<?xml version="1.0"?><svg width="360" height="300"><defs id="defs-1c7008"><clipPath id="clip1c7008xy"/>'
        '<pattern id="p1c7008-60d8f3-2"/></defs><g clip-path="url(#clip1c7008xy)"/>'
        """<path style="fill: url('#p1c7008-60d8f3-2')"/><path style='fill: url("#p1c7008-60d8f3-2")'/>"""
        '<use href="#clip1c7008xy"/></svg>'
    )
    out = press_routes.scalable_svg(svg, 360, 300, "n-")
    assert out.startswith("<svg") and 'viewBox="0 0 360 300"' in out
    assert "url(#n-clip1c7008xy)" in out and 'href="#n-clip1c7008xy"' in out
    assert "url('#n-p1c7008-60d8f3-2')" in out and 'url("#n-p1c7008-60d8f3-2")' in out
    assert 'id="n-p1c7008-60d8f3-2"' in out and 'id="n-defs-1c7008"' in out


def test_interactive_and_static_embeds_of_one_view_are_kept_apart(client: FlaskClient) -> None:
    """Embed pages are cached by view: `static=1` is part of the view, never served the other's page."""
    for _ in range(2):
        interactive = client.get("/embed/model-workers?years=2019-2023").get_data(as_text=True)
        static = client.get("/embed/model-workers?years=2019-2023&static=1").get_data(as_text=True)
        assert "plotly" in interactive.lower()
        assert "plotly" not in static.lower().replace('class="main-svg"', "")


def test_static_embed_without_the_renderer_shows_the_figures_as_a_table(dataset: Dataset, tmp_path: Path) -> None:
    app = Flask("no-browser")
    missing = ChartImages(dataset, ChartRenderer(str(tmp_path / "no-chromium")), MemoryCache())
    press_routes.register(app, dataset, images=missing)
    response = app.test_client().get("/embed/aid-funds?static=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "<svg" not in page and "2.8亿元" in page and "<figcaption>" in page


def test_embed_js_is_small_cached_and_readable_from_any_site(client: FlaskClient) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert len(response.data) < 4096
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age=86400" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    again = client.get("/embed.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    script = response.get_data(as_text=True)
    assert "uniondash:embed-height" in script and "event.origin" in script and "event.source" in script


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/embed/aid-funds?lang=en",
        "/embed/aid-funds?lang=en",
        "http://localhost/section/aid?lang=en#chart-aid-funds",
    ],
)
def test_oembed_answers_rich_with_the_iframe_code(client: FlaskClient, url: str) -> None:
    response = client.get("/oembed", query_string={"url": url, "format": "json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    answer = response.get_json()
    assert answer["type"] == "rich" and answer["version"] == "1.0"
    assert answer["title"] == "Aid funds and goods by programme"
    assert answer["provider_url"] == "http://localhost/"
    # Pinned (issue 25): the code names the period the link showed, which nothing added later changes.
    assert '<iframe src="http://localhost/embed/aid-funds?report=2019-2023&amp;lang=en"' in answer["html"]
    assert '<script src="http://localhost/embed.js" async></script>' in answer["html"]
    assert answer["thumbnail_url"].startswith("http://localhost/export/chart/aid-funds.png?report=2019-2023&lang=en")
    assert f'height="{answer["height"]}"' in answer["html"] and answer["width"] > 0
    thumbnail = client.get(answer["thumbnail_url"])
    assert thumbnail.status_code == 200
    size = png_size(thumbnail.data)
    assert (size.width, size.height) == (answer["thumbnail_width"], answer["thumbnail_height"])


def test_oembed_of_the_static_embed_and_maxwidth(client: FlaskClient) -> None:
    answer = client.get(
        "/oembed", query_string={"url": "/embed/model-workers?static=1", "maxwidth": "400", "maxheight": "300"}
    ).get_json()
    assert 'src="http://localhost/embed/model-workers?report=2019-2023&amp;static=1"' in answer["html"]
    assert answer["width"] == 400 and answer["height"] == 300


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"url": "https://evil.example/embed/aid-funds"}, 404),
        ({"url": "//evil.example/embed/aid-funds"}, 404),
        ({"url": "javascript:alert(1)"}, 404),
        ({"url": "http://localhost/embed/no-such-chart"}, 404),
        ({"url": "http://localhost/section/aid"}, 404),
        ({"url": ""}, 400),
        ({}, 400),
        ({"url": "embed/aid-funds"}, 400),
        ({"url": "/embed/aid-funds", "format": "xml"}, 501),
        ({"url": "/embed/aid-funds", "maxwidth": "abc"}, 400),
        ({"url": "/embed/aid-funds" + "x" * 3000}, 400),
    ],
)
def test_oembed_refuses_what_it_cannot_answer(client: FlaskClient, query: dict[str, str], status: int) -> None:
    response = client.get("/oembed", query_string=query)
    assert response.status_code == status and response.mimetype == "text/plain"
    assert "evil.example" not in response.get_data(as_text=True), "a foreign URL is never echoed"


# --- exports --------------------------------------------------------------------------------------


def test_csv_export_reads_back_equal_to_the_data(client: FlaskClient, dataset: Dataset) -> None:
    for chart_id, chart in CHARTS.items():
        rows = chart.rows(dataset, Filters())
        if rows.empty:
            continue
        response = client.get(f"/export/chart/{chart_id}.csv")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{chart_id}.csv"'
        frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert tuple(frame.columns) == CSV_COLUMNS
        assert frame["id"].tolist() == rows["id"].tolist()
        assert [float(value) for value in frame["value"]] == rows["value"].tolist()
        assert frame["value_as_written"].tolist() == rows["as_written"].tolist()


def test_png_export_has_the_asked_size_and_is_cached(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    url = f"/export/chart/{chart_id}.png?width=600&height=400&scale=2"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert png_size(first.data) == type(png_size(first.data))(1200, 800)
    colours, covered = ink(first.data)
    assert colours >= 16 and covered > 0.02
    assert first.headers["Content-Disposition"] == f'attachment; filename="{chart_id}.png"'
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    second = client.get(url)
    assert (first.headers["X-Uniondash-Cache"], second.headers["X-Uniondash-Cache"]) == ("miss", "hit")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_svg_export_holds_the_chinese_title(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    response = client.get(f"/export/chart/{chart_id}.svg?years=2019-2023")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert CHARTS[chart_id].title("zh") in response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{chart_id}_2019-2023.svg"'


def test_html_metadata_and_zip_exports(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    page = client.get(f"/export/chart/{chart_id}.html")
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Content-Disposition"] == f'attachment; filename="{chart_id}.html"'
    assert b"<script src=" not in page.data
    meta = client.get(f"/export/chart/{chart_id}.metadata.json?lang=en&years=2019-2023")
    assert meta.status_code == 200 and meta.mimetype == "application/json"
    assert meta.headers["Content-Disposition"] == f'attachment; filename="{chart_id}_2019-2023_en.metadata.json"'
    body = meta.get_json()
    assert body["citation"] == CITATION_EN
    assert body["notices"] == []
    assert body["licence"] == chart_files.DEFAULT_LICENCE
    section = CHARTS[chart_id].section_id
    assert body["permalink"] == f"http://localhost/section/{section}?years=2019-2023&lang=en#chart-{chart_id}"


def test_zip_bundle_holds_print_png_svg_csv_metadata_and_readme(client: FlaskClient) -> None:
    bundle = client.get("/export/chart/aid-funds.zip?lang=en")
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        names = ["aid-funds_en.png", "aid-funds_en.svg", "aid-funds_en.csv", "metadata.json", "README.txt"]
        assert sorted(archive.namelist()) == sorted(names)
        png = archive.read("aid-funds_en.png")
        frame = pd.read_csv(io.BytesIO(archive.read("aid-funds_en.csv")), encoding="utf-8-sig", dtype=str)
        readme = archive.read("README.txt").decode("utf-8-sig")
        svg = archive.read("aid-funds_en.svg").decode()
    assert round(png_dpi(png) or 0) == 300 and png_size(png).width == 2400
    assert "<title>Aid funds and goods by programme</title>" in svg
    assert tuple(frame.columns) == CSV_COLUMNS
    assert {"part_of", "measure", "unit", "level", "kind", "period", "may_add", "licence"} <= set(frame.columns)
    assert frame["part_of"].notna().sum() == 1 and frame.loc[frame["part_of"].notna(), "may_add"].tolist() == ["no"]
    assert "Licence: " + chart_files.DEFAULT_LICENCE in readme


def test_png_download_records_its_print_resolution(client: FlaskClient, dataset: Dataset) -> None:
    response = client.get(f"/export/chart/{first_chart(dataset)}.png?width=600&height=400&scale=3")
    assert round(png_dpi(response.data) or 0) == 300


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("width=5000", "width 5000 is out of range"),
        ("width=abc", "width='abc' is not a whole number"),
        ("height=10", "height 10 is out of range"),
        ("scale=9", "scale 9 is out of range"),
        ("width=4000&height=4000&scale=4", "too large"),
    ],
)
def test_bad_image_size_is_400_with_a_message(client: FlaskClient, dataset: Dataset, query: str, message: str) -> None:
    response = client.get(f"/export/chart/{first_chart(dataset)}.png?{query}")
    assert response.status_code == 400 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "图片尺寸参数无效" in text and message in text


@pytest.mark.parametrize("path", ["/export/chart/no-such-chart.png", "/export/chart/no-such-chart.csv"])
def test_unknown_chart_export_is_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "No chart called 'no-such-chart'" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["x.pdf", "x.gif", "x", ".png", "x.metadata.xml"])
def test_unknown_format_is_404(client: FlaskClient, dataset: Dataset, name: str) -> None:
    response = client.get(f"/export/chart/{name.replace('x', first_chart(dataset), 1)}")
    assert response.status_code == 404
    assert "Unknown download format" in response.get_data(as_text=True) or "No chart called" in response.get_data(
        as_text=True
    )


def test_filters_without_figures_are_404_with_a_reason(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    response = client.get(f"/export/chart/{chart_id}.csv?years=2023")
    if CHARTS[chart_id].rows(dataset, Filters(years=frozenset({2023}))).empty:
        assert response.status_code == 404
        assert "No figures for these filters" in response.get_data(as_text=True)


def test_bad_filters_in_an_export_fall_back_with_a_notice_header(client: FlaskClient, dataset: Dataset) -> None:
    response = client.get(f"/export/chart/{first_chart(dataset)}.csv?programme=%E6%B5%8B")
    assert response.status_code == 200
    assert response.headers["X-Uniondash-Notices"] == "Unknown programme '\\u6d4b' was ignored."


def test_missing_renderer_is_503_and_other_formats_still_work(dataset: Dataset, tmp_path: Path) -> None:
    app = Flask("no-browser")
    missing = ChartImages(dataset, ChartRenderer(str(tmp_path / "no-chromium")), MemoryCache())
    press_routes.register(app, dataset, images=missing)
    client = app.test_client()
    chart_id = first_chart(dataset)
    for fmt in ("png", "svg"):
        response = client.get(f"/export/chart/{chart_id}.{fmt}")
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        text = response.get_data(as_text=True)
        assert "服务器暂时无法生成图片" in text and "camera button" in text
        assert str(tmp_path) not in text, "server paths stay in the log"
    assert client.get(f"/export/chart/{chart_id}.csv").status_code == 200
    assert client.get(f"/embed/{chart_id}").status_code == 200


def test_register_is_idempotent(dataset: Dataset, renderer: ChartRenderer) -> None:
    app = press_app(dataset, renderer)
    press_routes.register(app, dataset)
    security_headers.register(app, ["*"])
    assert app.test_client().get(f"/embed/{first_chart(dataset)}").status_code == 200


# --- security headers -----------------------------------------------------------------------------


def test_only_embeds_may_be_framed_by_other_sites(client: FlaskClient, dataset: Dataset) -> None:
    chart_id = first_chart(dataset)
    embed = client.get(f"/embed/{chart_id}")
    assert "frame-ancestors https://news.example.cn https://*.example.org" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    missing = client.get("/embed/nope")
    assert "frame-ancestors https://news.example.cn" in missing.headers["Content-Security-Policy"]
    for path in ("/", f"/export/chart/{chart_id}.csv", "/vendor/plotly.min.js", "/no-such-page"):
        response = client.get(path)
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
    for response in (embed, missing, client.get("/")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_default_origins_let_any_site_embed(dataset: Dataset, renderer: ChartRenderer) -> None:
    app = press_app(dataset, renderer, origins=[])
    assert (
        app.test_client()
        .get(f"/embed/{first_chart(dataset)}")
        .headers["Content-Security-Policy"]
        .endswith("frame-ancestors *")
    )


@pytest.mark.parametrize(
    "origin", ["https://a.cn; script-src *", "javascript:alert(1)", "https://a.cn,https://b.cn", "'unsafe-inline'"]
)
def test_malformed_embed_origins_are_refused(origin: str) -> None:
    with pytest.raises(UniondashError, match="UNIONDASH_EMBED_ORIGINS"):
        security_headers.frame_ancestors([origin])


def test_embed_origin_forms() -> None:
    assert security_headers.frame_ancestors(["*"]) == "*"
    assert security_headers.frame_ancestors(["'self'", "https://a.example.cn/", "http://localhost:8080"]) == (
        "'self' https://a.example.cn http://localhost:8080"
    )
    assert security_headers.frame_ancestors(["https:"]) == "https:"


def test_dash_app_gets_the_press_routes_and_headers(dataset: Dataset, renderer: ChartRenderer) -> None:
    from uniondash.web.app import create_app

    app = create_app(SHIPPED)
    press_routes.register(app.server, dataset, images=ChartImages(dataset, renderer, MemoryCache()))
    security_headers.register(app.server, ["*"])
    client = app.server.test_client()
    home = client.get("/")
    assert home.status_code == 200
    assert home.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in home.headers["Content-Security-Policy"]
    embed = client.get(f"/embed/{first_chart(dataset)}")
    assert embed.status_code == 200 and "frame-ancestors *" in embed.headers["Content-Security-Policy"]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    url=st.one_of(
        st.text(max_size=120),
        st.builds(
            lambda host, path: f"https://{host}{path}",
            st.sampled_from(["evil.example", "localhost.evil"]),
            st.text(max_size=40),
        ),
        st.sampled_from(["/embed/aid-funds?years=abc", "/section/x#chart-aid-funds", "http://localhost/embed/%2e%2e"]),
    ),
    maxwidth=st.one_of(st.none(), st.text(max_size=8)),
)
def test_oembed_never_fails_and_never_echoes_another_host(client: FlaskClient, url: str, maxwidth: str | None) -> None:
    query = {"url": url, **({"maxwidth": maxwidth} if maxwidth is not None else {})}
    response = client.get("/oembed", query_string=query)
    assert response.status_code in (200, 400, 404), response.status_code
    if "evil" in url:
        assert response.status_code in (400, 404) and "evil" not in response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.get_json()["html"].startswith('<iframe src="http://localhost/embed/')
