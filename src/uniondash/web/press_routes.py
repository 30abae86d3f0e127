"""The press kit: `/embed/<chart-id>` (a chart alone, for iframes) and `/export/chart/<chart-id>.<format>`.

Thin Flask glue over `exports.images` (PNG/SVG) and `exports.chart_files` (CSV, HTML, metadata, ZIP):
parse the request, call the builder, turn the builder's errors into 400/404/503 with a message in both
languages. The embed page's own text is escaped by Jinja; the figure goes in as JSON through `tojson`.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from flask import Flask, Response, request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from uniondash.exports import chart_files
from uniondash.exports.images import (
    IMAGE_FORMATS,
    ChartCaption,
    ChartImages,
    ImageSizeError,
    NoFiguresError,
    RendererUnavailable,
    chart_caption,
    parse_image_size,
    print_figure,
)
from uniondash.figures import CHARTS, FONT_FAMILY_EN, PLOTLY_CONFIG, describe, top_heading_room
from uniondash.format import display_value, period_label
from uniondash.model import Dataset, Filters, Lang
from uniondash.query import Notice, parse_filters, shown
from uniondash.share import dashboard_url, embed_url
from uniondash.web import vendor_routes

logger = logging.getLogger(__name__)

_ENDPOINTS = ("press_embed", "press_export_chart")
EXTENSION_KEY = "uniondash_chart_images"
FILE_FORMATS = ("html", "csv", "metadata.json", "zip")
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html",
    "csv": "text/csv",
    "metadata.json": "application/json",
    "zip": "application/zip",
}
# Room above the plot once the title has moved into the page: enough for a panel heading.
EMBED_TOP = 40
EMBED_MIN_HEIGHT = 220
# Images and files of one URL change only when the data or the code does (a redeploy).
MAX_AGE = 3600

TEXT = {
    "zh": {
        "full_view": "在数据看板中查看",
        "empty": "所选范围内没有该图表的数据。",
        "no_script": "图表需要 JavaScript 才能显示。",
        "missing_title": "找不到该图表",
        "missing_body": "没有编号为“{}”的图表。请检查嵌入代码中的链接。",
        "available": "可嵌入的图表：",
    },
    "en": {
        "full_view": "Open in the dashboard",
        "empty": "No figures for this chart in the chosen filters.",
        "no_script": "The chart needs JavaScript.",
        "missing_title": "Chart not found",
        "missing_body": "There is no chart called “{}”. Check the link in the embed code.",
        "available": "Charts you can embed:",
    },
}

_templates = Environment(
    loader=PackageLoader("uniondash.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The English font stack of the charts, for the page around them: a constant, as CSS (not escaped).
_templates.globals["font_family_en"] = Markup(FONT_FAMILY_EN)


# ---------------------------------------------------------------------------------------------------
# Pure parts: names, the embed page.


def split_export_name(name: str) -> tuple[str, str] | None:
    """'aid-funds.png' → ('aid-funds', 'png'); 'aid-funds.metadata.json' → (…, 'metadata.json'); else None."""
    for fmt in (*IMAGE_FORMATS, *FILE_FORMATS):
        suffix = "." + fmt
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], fmt
    return None


def embed_figure(figure: go.Figure, caption: ChartCaption) -> tuple[dict[str, Any], int, int]:
    """The chart's figure for the embed page, the least height (px) it keeps however small the frame, and
    the most it grows to in a tall frame: both its own height. A squeezed chart keeps its text size while
    its panels shrink, so headings ran into tick labels; a frame shorter than the chart scrolls instead,
    and a taller one would only swell the bars. The offered iframe code is as tall as the chart.

    The page shows the title and the source line as HTML (they wrap on a phone, SVG text does not), so
    the figure's own title and any annotation citing the source go; everything else the chart draws
    (panel headings, computed totals, legend) stays. Width and height follow the frame.
    """
    styled = print_figure(figure)
    natural = int(styled.layout.height or 0)
    old_top = int(styled.layout.margin.t if styled.layout.margin.t is not None else 100)
    room = top_heading_room([annotation.to_plotly_json() for annotation in styled.layout.annotations])
    top = min(old_top, EMBED_TOP + room)
    styled.layout.title = None
    # The figure holds the citation as plotly text, escaped ('&' as '&amp;'): look for it in both forms.
    source = (caption.source, html.escape(caption.source, quote=False))
    styled.layout.annotations = [
        annotation
        for annotation in styled.layout.annotations
        if not any(form in str(annotation.text or "") for form in source)
    ]
    styled.update_layout(width=None, height=None, autosize=True, margin={"t": top})
    spec: dict[str, Any] = json.loads(styled.to_json())
    spec["layout"].pop("title", None)
    wanted = max(EMBED_MIN_HEIGHT, natural - (old_top - top))
    return spec, wanted, wanted


def render_embed(dataset: Dataset, chart_id: str, params: dict[str, list[str]], nonce: str) -> tuple[str, str]:
    """The embed page of a known chart for the query `params`, and its Content-Security-Policy.

    Bad parameters give the defaults and a notice on the page.
    """
    filters, notices = parse_filters(params, dataset)
    lang = filters.lang
    chart = CHARTS[chart_id]
    facts = chart.rows(dataset, filters)
    caption = chart_caption(chart, dataset, filters, facts)
    rows = [
        {
            "label": str(fact[f"label_{lang}"]),
            "value": display_value(fact, lang),
            "period": period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
        }
        for _, fact in facts.iterrows()
    ]
    figure, min_height, max_height = embed_figure(chart.build(dataset, filters), caption)
    page = _templates.get_template("embed.html").render(
        html_lang="zh-CN" if lang == "zh" else "en",
        chart_id=chart_id,
        caption=caption,
        notices=[notice.text(lang) for notice in notices],
        figure=figure,
        min_height=min_height,
        max_height=max_height,
        rows=rows,
        summary=describe(chart, dataset, filters),
        text=TEXT[lang],
        dashboard_url=dashboard_url(filters),
        plotly_url=vendor_routes.PLOTLY_JS_URL,
        plotly_config=PLOTLY_CONFIG,
        nonce=nonce,
    )
    return page, embed_csp(nonce, allow_eval=needs_eval(figure))


def render_missing(chart_id: str, lang: Lang) -> str:
    """The friendly 404 page of an unknown chart id, listing the charts that exist."""
    charts = [
        {"id": chart.id, "title": chart.title(lang), "url": embed_url(chart.id, Filters(lang=lang))}
        for chart in CHARTS.values()
    ]
    return _templates.get_template("embed_missing.html").render(
        html_lang="zh-CN" if lang == "zh" else "en",
        text=TEXT[lang],
        message=TEXT[lang]["missing_body"].format(shown(chart_id, 80)),
        charts=charts,
        dashboard_url="/" if lang == "zh" else "/?lang=en",
    )


# Traces plotly.js draws with WebGL: its regl library compiles shaders with `Function`, which needs 'unsafe-eval'.
_WEBGL_TRACES = frozenset({"splom", "parcoords", "scatter3d", "surface", "mesh3d", "cone", "streamtube", "volume"})


def needs_eval(figure: dict[str, Any]) -> bool:
    """True if a trace of the figure is drawn with WebGL."""
    types = {str(trace.get("type", "scatter")) for trace in figure.get("data", [])}
    return any(kind.endswith("gl") or kind in _WEBGL_TRACES for kind in types)


def embed_csp(nonce: str, allow_eval: bool = False) -> str:
    """The embed page's script policy: its own scripts only (plotly.js from /vendor/, one nonce'd inline script).

    plotly.js adds <style> elements as it draws, hence 'unsafe-inline' for styles only; 'unsafe-eval' only
    for WebGL charts. `frame-ancestors` is added by `security_headers` (a deployment setting).
    """
    evaluate = " 'unsafe-eval'" if allow_eval else ""
    return (
        "default-src 'none'; "
        f"script-src 'self' 'nonce-{nonce}'{evaluate}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; "
        "font-src 'self' data:; "
        "connect-src 'self'; "
        "base-uri 'none'; "
        "form-action 'none'"
    )


# ---------------------------------------------------------------------------------------------------
# Flask glue.


@dataclass(frozen=True)
class _Problem:
    status: int
    zh: str
    en: str


_RENDERER_DOWN = _Problem(
    503,
    "服务器暂时无法生成图片，请稍后再试。网页中的图表仍可通过图表右上角的相机按钮下载 PNG。",
    "Images cannot be made on the server right now; try again later. "
    "The chart in the page can still be saved as PNG with its camera button.",
)


def _problem(problem: _Problem, detail: str = "") -> Response:
    body = f"{problem.zh}\n{problem.en}\n" + (f"\n{detail}\n" if detail else "")
    response = Response(body, status=problem.status, mimetype="text/plain")
    response.cache_control.no_store = True
    if problem.status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _notice_header(notices: list[Notice]) -> str:
    # Headers are latin-1: the English text, anything else escaped.
    return " | ".join(notice.en for notice in notices).encode("ascii", "backslashreplace").decode("ascii")[:500]


def register(server: Flask, dataset: Dataset, *, images: ChartImages | None = None) -> None:
    """Add `/embed/<chart-id>` and `/export/chart/<chart-id>.<format>` (and /vendor/plotly.min.js); idempotent.

    `images` is the PNG/SVG service (default: the process's shared renderer and a cache from
    $UNIONDASH_CACHE_DIR, else in memory); tests pass their own.
    """
    vendor_routes.register(server)
    if _ENDPOINTS[0] in server.view_functions:
        return
    service = images or ChartImages(dataset)
    server.extensions[EXTENSION_KEY] = service

    def embed(chart_id: str) -> Response:
        params = request.args.to_dict(flat=False)
        if chart_id not in CHARTS:
            filters, _ = parse_filters({"lang": params.get("lang", [])}, dataset)
            response = Response(render_missing(chart_id, filters.lang), status=404, mimetype="text/html")
            response.cache_control.no_store = True
            return response
        nonce = secrets.token_urlsafe(16)
        page, policy = render_embed(dataset, chart_id, params, nonce)
        response = Response(page, mimetype="text/html")
        response.headers["Content-Security-Policy"] = policy
        response.cache_control.no_cache = True
        return response

    def export_chart(name: str) -> Response:
        parsed = split_export_name(name)
        if parsed is None:
            formats = ", ".join((*IMAGE_FORMATS, *FILE_FORMATS))
            return _problem(
                _Problem(404, f"未知的下载格式，可用：{formats}。", f"Unknown download format: use one of {formats}.")
            )
        chart_id, fmt = parsed
        chart = CHARTS.get(chart_id)
        if chart is None:
            known = ", ".join(CHARTS)
            return _problem(
                _Problem(
                    404,
                    f"没有编号为“{shown(chart_id, 80)}”的图表。可用：{known}",
                    f"No chart called {chart_id[:80]!r}. Charts: {known}",
                )
            )
        params = request.args.to_dict(flat=False)
        filters, notices = parse_filters(params, dataset)
        filename = chart_files.export_filename(chart.id, filters, fmt)
        # A Host header werkzeug refuses reads as empty: relative links then, not 'http:/?…'.
        base_url = request.url_root if request.host else ""
        try:
            if fmt in IMAGE_FORMATS:
                size = parse_image_size(params)
                image = service.image(chart, filters, fmt, size)
                response = Response(image.data, mimetype=image.media_type)
                response.set_etag(image.key)
                response.headers["X-Uniondash-Cache"] = "hit" if image.cached else "miss"
            elif chart.rows(dataset, filters).empty:
                raise NoFiguresError(
                    f"chart {chart.id!r} has no figures for these filters （所选范围内没有该图表的数据）"
                )
            elif fmt == "csv":
                response = Response(chart_files.chart_csv(chart, dataset, filters), mimetype=MEDIA_TYPES["csv"])
                response.add_etag()
            elif fmt == "html":
                page = chart_files.standalone_html(chart, dataset, filters, base_url)
                response = Response(page, mimetype="text/html")
                response.add_etag()
            elif fmt == "metadata.json":
                metadata = chart_files.chart_metadata(chart, dataset, filters, base_url)
                metadata["notices"] = [notice.text(filters.lang) for notice in notices]
                response = Response(chart_files.metadata_json(metadata), mimetype=MEDIA_TYPES["metadata.json"])
            else:
                response = Response(
                    chart_files.chart_zip(chart, dataset, filters, base_url), mimetype="application/zip"
                )
        except ImageSizeError as error:
            return _problem(_Problem(400, "图片尺寸参数无效。", "Bad image size."), str(error))
        except NoFiguresError as error:
            return _problem(_Problem(404, "所选范围内没有该图表的数据。", "No figures for these filters."), str(error))
        except RendererUnavailable as error:
            logger.warning("chart image %s not made: %s", name, error)
            return _problem(_RENDERER_DOWN)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        if notices:
            response.headers["X-Uniondash-Notices"] = _notice_header(notices)
        if fmt in ("metadata.json", "zip"):
            # They carry the time they were made: not worth caching.
            response.cache_control.no_cache = True
        else:
            response.cache_control.public = True
            response.cache_control.max_age = MAX_AGE
            response.make_conditional(request)
        return response

    # <path:…> so that an id holding a slash ('../../etc/passwd.png', %2F decoded) still gets the clear 404
    # of an unknown chart here, not the dashboard's catch-all page. Ids are looked up in CHARTS, never
    # joined to a file path.
    server.add_url_rule("/embed/<path:chart_id>", _ENDPOINTS[0], embed)
    server.add_url_rule("/export/chart/<path:name>", _ENDPOINTS[1], export_chart)
