"""The press kit: `/embed/<chart-id>` (a chart alone, for iframes) and `/export/chart/<chart-id>.<format>`.

Thin Flask glue over `exports.images` (PNG/SVG) and `exports.chart_files` (CSV, HTML, metadata, ZIP):
parse the request, call the builder, turn the builder's errors into 400/404/503 with a message in both
languages. The embed page's own text is escaped by Jinja; the figure goes in as JSON through `tojson`.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import secrets
import struct
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import plotly.graph_objects as go
from flask import Flask, Response, request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from uniondash.charts import CHARTS
from uniondash.chartspec import describe
from uniondash.exports import chart_files
from uniondash.exports.images import (
    IMAGE_FORMATS,
    ChartCaption,
    ChartImages,
    ImageSizeError,
    NoFiguresError,
    RendererUnavailable,
    chart_caption,
    image_size,
    parse_image_size,
    print_figure,
)
from uniondash.exports.images import TEXT as IMAGE_TEXT
from uniondash.figures import (
    FONT_FAMILY_EN,
    PLOTLY_CONFIG,
    chart_figure,
)
from uniondash.format import display_value, period_label
from uniondash.model import Dataset, Filters, Lang
from uniondash.numbers import whole_number
from uniondash.query import Notice, parse_filters, pinned, shown
from uniondash.share import (
    EMBED_SCRIPT,
    STATIC_BREAKPOINT,
    STATIC_NARROW_MAX,
    STATIC_NARROW_WIDTH,
    STATIC_WIDE_MAX,
    STATIC_WIDE_WIDTH,
    chart_view_url,
    embed_layout,
    embed_url,
    export_url,
    frame_height,
    iframe_tag,
)
from uniondash.state import DataState, as_state
from uniondash.web import vendor_routes
from uniondash.web.hosts import public_root
from uniondash.web.page_cache import cached_response

logger = logging.getLogger(__name__)

_ENDPOINTS = ("press_embed", "press_export_chart", "press_embed_js", "press_oembed")
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
OEMBED_PATH = "/oembed"
# The light embed's SVG is drawn at these widths (CSS px: a column, a phone) and scales with the frame;
# the still image of the interactive embed (<noscript>, oEmbed thumbnail) at this width, twice for sharp screens.
STATIC_WIDTH = STATIC_WIDE_WIDTH
NARROW_WIDTH = STATIC_NARROW_WIDTH
STILL_WIDTH = 640
# The width an oEmbed answer states for the full-width iframe (a CMS may scale it; ≤ maxwidth).
OEMBED_WIDTH = 640
# /embed.js and the static embed change with a redeploy only; a day fresh, then revalidated by ETag.
SCRIPT_MAX_AGE = 24 * 3600
SCRIPT_STALE = 7 * 24 * 3600
# The embeds' own icon, inline (no /favicon.ico request, works on a static host): three bars.
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect x='1' y='8' width='4' height='7' fill='%230072B2'/%3E"
    "%3Crect x='6' y='4' width='4' height='11' fill='%23D55E00'/%3E"
    "%3Crect x='11' y='1' width='4' height='14' fill='%23009E73'/%3E%3C/svg%3E"
)
TEXT_UNIT = {lang: IMAGE_TEXT[lang]["unit"] for lang in ("zh", "en")}
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
        "data": "数据（CSV）",
        "interactive": "交互版",
        "provider": "株洲市总工会工作成就数据看板",
    },
    "en": {
        "full_view": "Open in the dashboard",
        "empty": "No figures for this chart in the chosen filters.",
        "no_script": "The chart needs JavaScript.",
        "missing_title": "Chart not found",
        "missing_body": "There is no chart called “{}”. Check the link in the embed code.",
        "available": "Charts you can embed:",
        "data": "Data (CSV)",
        "interactive": "Interactive version",
        "provider": "Zhuzhou Federation of Trade Unions: dashboard of its work",
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


def embed_figure(figure: go.Figure, caption: ChartCaption) -> tuple[go.Figure, int]:
    """The chart's figure for the embed page and its height (px), kept however wide or tall the frame.

    A squeezed chart keeps its text size while its panels shrink, so headings ran into tick labels; a
    frame shorter than the chart scrolls instead (/embed.js grows it), and a taller one would only swell
    the bars. The page shows the title and the source line as HTML (they wrap on a phone, SVG text does
    not), so the figure's own title and any annotation citing the source go; everything else the chart
    draws (panel headings, computed totals, legend) stays. Its width follows the frame.
    """
    height, top, bottom = embed_layout(figure)
    styled = print_figure(figure)
    styled.layout.title = None
    # The figure holds the citation as plotly text, escaped ('&' as '&amp;'): look for it in both forms.
    source = (caption.source, html.escape(caption.source, quote=False))
    styled.layout.annotations = [
        annotation
        for annotation in styled.layout.annotations
        if not any(form in str(annotation.text or "") for form in source)
    ]
    styled.update_layout(width=None, height=height, autosize=True, margin={"t": top, "b": bottom})
    return styled, height


def embed_spec(figure: go.Figure) -> dict[str, Any]:
    """The embed figure as the JSON the page draws: no title, no height (the page's box sizes it)."""
    spec: dict[str, Any] = json.loads(figure.to_json())
    spec["layout"].pop("title", None)
    spec["layout"].pop("height", None)
    return spec


def header_meta(caption: ChartCaption, figure: go.Figure) -> str:
    """The line under the embed's title: the period, and the unit unless the chart's panel headings state
    it ('单位：元 · 2019–2023年 · 五年合计'), so a unit is shown once. (A figure of another unit, a rate
    beside case counts, carries its unit on its own label: '95%'.)"""
    prefix = TEXT_UNIT[caption.lang]
    if any(a.name == "heading" and prefix in str(a.text or "") for a in figure.layout.annotations):
        return caption.period
    return caption.period_and_unit


def text_alternative(caption: ChartCaption, rows: list[dict[str, str]]) -> str:
    """One sentence a screen reader or a still image's alt says: the title, then every figure as written."""
    sep = "；" if caption.lang == "zh" else "; "
    colon = "：" if caption.lang == "zh" else ": "
    period = "（{}）" if caption.lang == "zh" else " ({})"
    figures = sep.join(f"{row['label']}{colon}{row['value']}{period.format(row['period'])}" for row in rows)
    return f"{caption.title}{colon}{figures}" if figures else caption.title


@dataclass(frozen=True)
class EmbedView:
    """Everything an embed page (interactive or static) shows, computed once from the query."""

    chart_id: str
    filters: Filters
    notices: list[str]
    caption: ChartCaption
    figure: go.Figure
    height: int
    rows: list[dict[str, str]]


def embed_view(dataset: Dataset, chart_id: str, params: dict[str, list[str]]) -> EmbedView:
    """The embed of a known chart for the query `params`; bad parameters give the defaults and notices.
    Pinned (`query.pinned`): without a period it shows the first edition, whatever reports come later."""
    filters, notices = parse_filters(params, dataset, live=True)
    filters = pinned(filters, dataset)
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
    figure, height = embed_figure(chart_figure(chart, dataset, filters), caption)
    return EmbedView(chart_id, filters, [n.text(lang) for n in notices], caption, figure, height, rows)


def _page_context(view: EmbedView, base_url: str, nonce: str) -> dict[str, Any]:
    """What both embed templates need. Every URL is `base_url` (default '': root-relative) + a path, so a
    static copy of the page works from wherever the dashboard is published."""
    chart = CHARTS[view.chart_id]
    lang = view.filters.lang
    embed = base_url + embed_url(view.chart_id, view.filters)
    return {
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "chart_id": view.chart_id,
        "caption": view.caption,
        "meta": header_meta(view.caption, view.figure),
        "notices": view.notices,
        "rows": view.rows,
        "alt": text_alternative(view.caption, view.rows),
        "text": TEXT[lang],
        "dashboard_url": base_url + chart_view_url(chart.id, chart.section_id, view.filters),
        "csv_url": base_url + export_url(chart.id, "csv", view.filters),
        "oembed_url": base_url + OEMBED_PATH + "?" + urlencode({"url": embed, "format": "json"}),
        "favicon": FAVICON,
        "nonce": nonce,
    }


def render_embed(
    dataset: Dataset, chart_id: str, params: dict[str, list[str]], nonce: str, base_url: str = ""
) -> tuple[str, str]:
    """The embed page of a known chart for the query `params`, and its Content-Security-Policy."""
    view = embed_view(dataset, chart_id, params)
    spec = embed_spec(view.figure)
    page = _templates.get_template("embed.html").render(
        **_page_context(view, base_url, nonce),
        figure=spec,
        min_height=view.height,
        max_height=view.height,
        summary=describe(CHARTS[chart_id], dataset, view.filters),
        image_url=base_url + export_url(chart_id, "png", view.filters, width=STILL_WIDTH, scale=2),
        plotly_url=base_url + vendor_routes.PLOTLY_JS_URL,
        plotly_config=PLOTLY_CONFIG,
    )
    return page, embed_csp(nonce, allow_eval=needs_eval(spec))


def static_svg(view: EmbedView, images: ChartImages, width: int, prefix: str = "") -> str:
    """The embed's chart drawn once by the image renderer as SVG `width` px wide (cached like every image),
    made to scale with the page: a viewBox, width 100%, no fixed height. Text stays text (<text>, in the
    chart's CJK font stack). RendererUnavailable if it cannot be drawn now."""
    chart = CHARTS[view.chart_id]
    size = image_size(width, view.height, 1)
    key = images.cache_key(chart, view.filters, "embed.svg", size)
    data = images.cache.get(key)
    if data is None:
        figure = go.Figure(view.figure)
        figure.update_layout(width=width, height=view.height, autosize=False)
        data = images.renderer.render(figure, "svg", size)
        images.cache.put(key, data)
    return scalable_svg(data.decode("utf-8"), width, view.height, prefix)


# Where an SVG names its ids: id="…", url(#…) (also quoted: plotly fills patterns with url('#…')), href="#…".
_SVG_REFERENCES = re.compile(r'(\bid="|url\([\'"]?#|href="#)')


def scalable_svg(svg: str, width: int, height: int, prefix: str = "") -> str:
    """A plotly SVG of `width`×`height` px that fills its container's width and keeps its proportions;
    `prefix` keeps its ids (clip paths, gradients) apart from another SVG's in the same page."""
    start = svg.find("<svg")
    if start < 0:
        raise RendererUnavailable("the renderer returned no SVG")
    svg = svg[start:]
    if prefix:
        svg = _SVG_REFERENCES.sub(lambda found: found.group(1) + prefix, svg)
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height|viewBox)="[^"]*"', "", svg[:head_end])
    head += f' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" aria-hidden="true"'
    return head + svg[head_end:]


def render_static_embed(
    dataset: Dataset,
    chart_id: str,
    params: dict[str, list[str]],
    images: ChartImages | None,
    nonce: str,
    base_url: str = "",
) -> tuple[str, str]:
    """The light embed: the chart as inline SVG drawn on the server, its text alternative and a link to its
    data; no plotly.js. Its policy allows one inline script (the height for /embed.js), nothing else.
    Without `images` (the renderer is down) the page shows the figures as a table instead of the chart."""
    view = embed_view(dataset, chart_id, params)
    drawn = bool(view.rows) and images is not None
    # Drawn twice, for a phone and for a wider column, so its text keeps its size (CSS shows one).
    narrow = static_svg(view, images, NARROW_WIDTH, "n-") if drawn and images else ""
    wide = static_svg(view, images, STATIC_WIDTH) if drawn and images else ""
    page = _templates.get_template("embed_static.html").render(
        **_page_context(view, base_url, nonce),
        svg_narrow=Markup(narrow),
        svg_wide=Markup(wide),
        breakpoint=STATIC_BREAKPOINT,
        narrow_max=STATIC_NARROW_MAX,
        wide_max=STATIC_WIDE_MAX,
    )
    return page, static_csp(nonce)


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
        favicon=FAVICON,
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


def static_csp(nonce: str) -> str:
    """The light embed's policy: no scripts but its one nonce'd height message, no requests at all."""
    return (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        "style-src 'unsafe-inline'; "
        "img-src data:; "
        "base-uri 'none'; "
        "form-action 'none'"
    )


# ---------------------------------------------------------------------------------------------------
# oEmbed: a CMS pastes a link, asks /oembed what to show, gets the iframe code.


class OEmbedError(Exception):
    """A request /oembed cannot answer: `status` 400 (bad request), 404 (not one of our charts) or 501;
    said in Chinese (`zh`) and English (the message), as every 4xx of the app."""

    def __init__(self, status: int, message: str, zh: str = "无法提供该图表的嵌入信息。") -> None:
        super().__init__(message)
        self.status = status
        self.zh = zh


def chart_in_url(url: str, host: str) -> tuple[str, dict[str, list[str]], bool]:
    """The chart id, query and static flag of an embed or dashboard URL of this site (`host`).

    Accepts `/embed/<id>?…` (static=1 for the light one) and a chart's section view
    `/section/<section>?…#chart-<id>`, absolute on `host` or root-relative. Any other host is refused,
    so a foreign URL is never echoed into the answer.
    """
    if not url or len(url) > 2000:
        raise OEmbedError(
            400, "url: give the link of a chart (an /embed/ or /section/…#chart- URL)", "url：请给出图表的链接。"
        )
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # '[' without its ']' (an IPv6 host cut short)
        raise OEmbedError(400, "url: not a link", "url：不是链接。") from None
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc.lower() != host.lower()):
        raise OEmbedError(404, "url: only charts of this site can be embedded", "url：只能嵌入本网站的图表。")
    if not parts.netloc and not parts.path.startswith("/"):
        raise OEmbedError(400, "url: give an absolute link of this site", "url：请给出本网站的完整链接。")
    params = parse_qs(parts.query)
    static = params.pop("static", ["0"])[-1] == "1"
    chart_id = ""
    if parts.path.startswith("/embed/"):
        chart_id = parts.path[len("/embed/") :]
    elif parts.path.startswith("/section/") and parts.fragment.startswith("chart-"):
        chart_id = parts.fragment[len("chart-") :]
    if chart_id not in CHARTS:
        raise OEmbedError(
            404,
            "url: no chart at this link (use an /embed/<chart-id> or a chart's section link)",
            "url：该链接没有图表。",
        )
    return chart_id, params, static


def _bound(params: dict[str, list[str]], name: str, default: int) -> int:
    value = (params.get(name) or [""])[-1]
    if not value:
        return default
    number = whole_number(value, 50, 10000)
    if number is None:  # '²' and '①' pass str.isdigit(), not int(): a 500 before issue 24
        raise OEmbedError(
            400, f"{name}: a whole number of pixels from 50 to 10000", f"{name}：应为 50–10000 的整数（像素）。"
        )
    return min(default, number)


def oembed(dataset: Dataset, params: dict[str, list[str]], root: str, host: str) -> dict[str, Any]:
    """The oEmbed answer (type 'rich') for the chart at params['url']: iframe code, size, title, thumbnail.

    `root` is this site's public address ('https://data.example.cn'), `host` its host[:port] (urls on it are ours).
    """
    fmt = (params.get("format") or ["json"])[-1] or "json"
    if fmt != "json":
        raise OEmbedError(501, "format: only json is offered", "format：只提供 json。")
    chart_id, query, static = chart_in_url((params.get("url") or [""])[-1], host)
    view = embed_view(dataset, chart_id, query)
    chart = CHARTS[chart_id]
    filters = view.filters
    height = frame_height(view.height)
    width = _bound(params, "maxwidth", OEMBED_WIDTH)
    height = _bound(params, "maxheight", height)
    source = root + embed_url(chart_id, filters, static=static)
    script = html.escape(root + EMBED_SCRIPT)
    code = iframe_tag(source, view.caption.title, height) + f'\n<script src="{script}" async></script>'
    thumb = image_size(STILL_WIDTH, None, 2).resolve(chart_figure(chart, dataset, filters))
    return {
        "version": "1.0",
        "type": "rich",
        "title": view.caption.title,
        "provider_name": TEXT[filters.lang]["provider"],
        "provider_url": root + "/",
        "html": code,
        "width": width,
        "height": height,
        "thumbnail_url": root + export_url(chart_id, "png", filters, width=STILL_WIDTH, scale=2),
        "thumbnail_width": thumb.pixels[0],
        "thumbnail_height": thumb.pixels[1],
        "cache_age": MAX_AGE,
    }


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


def register(server: Flask, data: Dataset | DataState, *, images: ChartImages | None = None) -> None:
    """Add `/embed/<chart-id>` (`?static=1`: the light SVG page), `/export/chart/<chart-id>.<format>`,
    `/embed.js`, `/oembed` (and /vendor/plotly.min.js); idempotent.

    `images` is the PNG/SVG service (default: the process's shared renderer and a cache from
    $UNIONDASH_CACHE_DIR, else in memory); tests pass their own.
    """
    vendor_routes.register(server)
    if _ENDPOINTS[0] in server.view_functions:
        return
    state = as_state(data)
    service = images or ChartImages(state.current())
    server.extensions[EXTENSION_KEY] = service

    def images_of(dataset: Dataset) -> ChartImages:
        # New data, new image keys (they carry its fingerprint): same renderer and cache store.
        if dataset is service.dataset:
            return service
        return state.derived("chart-images", lambda new: ChartImages(new, service.renderer, service.cache))

    def embed(chart_id: str) -> Response:
        dataset = state.current()
        params = request.args.to_dict(flat=False)
        if chart_id not in CHARTS:
            filters, _ = parse_filters({"lang": params.get("lang", [])}, dataset)
            response = Response(render_missing(chart_id, filters.lang), status=404, mimetype="text/html")
            response.cache_control.no_store = True
            return response
        nonce = secrets.token_urlsafe(16)
        status = 200
        if request.args.get("static") == "1":
            params.pop("static", None)
            try:
                page, policy = render_static_embed(dataset, chart_id, params, images_of(dataset), nonce)
            except RendererUnavailable as error:
                # The page still says everything: title, the figures as a table, source, data link.
                logger.warning("static embed %s without its chart: %s", chart_id, error)
                page, policy = render_static_embed(dataset, chart_id, params, None, nonce)
                status = 503
        else:
            page, policy = render_embed(dataset, chart_id, params, nonce)
        response = Response(page, status=status, mimetype="text/html")
        response.headers["Content-Security-Policy"] = policy
        response.cache_control.no_cache = True
        if status == 503:
            response.headers["Retry-After"] = "30"
        return response

    embed_script = files("uniondash.web").joinpath("static", "embed.js").read_bytes()

    def embed_js() -> Response:
        response = Response(embed_script, mimetype="text/javascript")
        # Any site includes it: readable cross-origin (CORS, CORP), cached a day, then revalidated.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        response.cache_control.public = True
        response.cache_control.max_age = SCRIPT_MAX_AGE
        response.cache_control.stale_while_revalidate = SCRIPT_STALE
        response.add_etag()
        response.make_conditional(request)
        return response

    def oembed_answer() -> Response:
        params = request.args.to_dict(flat=False)
        root = public_root().rstrip("/")  # never the request's Host: the answer is cached and shared
        try:
            answer = oembed(state.current(), params, root, urlsplit(root).netloc)
        except OEmbedError as error:
            what = {400: "Bad request", 404: "Not found", 501: "Not offered"}[error.status]
            response = Response(f"{error.zh}\n{what}: {error}\n", status=error.status, mimetype="text/plain")
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response
        response = Response(json.dumps(answer, ensure_ascii=False), mimetype="application/json")
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
        return response

    def export_chart(name: str) -> Response:
        parsed = split_export_name(name)
        if parsed is None:
            formats = ", ".join((*IMAGE_FORMATS, *FILE_FORMATS))
            return _problem(
                _Problem(404, f"未知的下载格式，可用：{formats}。", f"Unknown download format: use one of {formats}.")
            )
        chart_id, fmt = parsed
        dataset = state.current()
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
        filters, notices = parse_filters(params, dataset, live=True)
        # A download's URL is pasted and cited as an embed's is: pinned the same way.
        filters = pinned(filters, dataset)
        filename = chart_files.export_filename(chart.id, filters, fmt)
        base_url = public_root()
        try:
            if fmt in IMAGE_FORMATS:
                size = parse_image_size(params, fmt)
                image = images_of(dataset).image(chart, filters, fmt, size)
                body = image.data
                if fmt == "png":
                    # Its print resolution recorded: scale=3 is 300 dpi (a PNG not understood goes as made).
                    with contextlib.suppress(ValueError, struct.error):
                        body = chart_files.png_with_dpi(body, size.scale * chart_files.PNG_DPI_PER_SCALE)
                response = Response(body, mimetype=image.media_type)
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
                bundle = chart_files.chart_zip(chart, dataset, filters, base_url, images=images_of(dataset))
                response = Response(bundle, mimetype="application/zip")
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
    # Kept once drawn (web/page_cache.py): a route that reads another query parameter must name it here.
    server.add_url_rule(
        "/embed/<path:chart_id>", _ENDPOINTS[0], cached_response(server, state, embed, params=("static",))
    )
    server.add_url_rule("/export/chart/<path:name>", _ENDPOINTS[1], export_chart)
    server.add_url_rule(EMBED_SCRIPT, _ENDPOINTS[2], embed_js)
    server.add_url_rule(OEMBED_PATH, _ENDPOINTS[3], oembed_answer)
