"""The press routes through Flask's test client: `/embed/<id>`, `/export/chart/<id>.<fmt>`, and the headers.

Apps are built here (a bare Flask app, and the Dash app from `create_app`) with `press_routes.register`
and `security_headers.register`, so the tests do not depend on how `create_app` wires them.
"""

from __future__ import annotations

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
from markupsafe import escape

from tests.pngtools import ink, png_size
from tests.synthetic import SHIPPED
from tests.unit.test_images import CHROMIUM, require_chromium
from uniondash import share
from uniondash.errors import UniondashError
from uniondash.exports.chart_files import CSV_COLUMNS
from uniondash.exports.images import ChartImages, ChartRenderer, MemoryCache
from uniondash.figures import CHARTS, describe
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
        rows = chart.rows(dataset, Filters(lang=lang))
        if not rows.empty:
            unit = rows[f"unit_{lang}"].iloc[0]
            assert ("单位：" if lang == "zh" else "Unit: ") + unit in page
            start, end = int(rows["period_start"].min()), int(rows["period_end"].max())
            assert period_label(start, end, lang) in page
        back = "/" if lang == "zh" else "/?lang=en"
        assert f'href="{back}" target="_blank" rel="noopener"' in page
        assert '<script src="/vendor/plotly.min.js"></script>' in page
        figure = json.loads(
            re.search(r'<script id="embed-figure" type="application/json">(.*?)</script>', page, re.S)[1]
        )
        assert figure["data"], chart_id
        assert "title" not in figure["layout"] and "height" not in figure["layout"], "the frame sizes the chart"
        if not rows.empty:  # the drawing is aria-hidden; its text alternative names every value
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
    assert 'href="/?years=2019-2023&amp;lang=en" target="_blank"' in page


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
    assert body["permalink"] == "http://localhost/?years=2019-2023&lang=en"
    assert body["notices"] == []
    bundle = client.get(f"/export/chart/{chart_id}.zip")
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert sorted(archive.namelist()) == sorted([f"{chart_id}.csv", "metadata.json", "README.txt"])


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
