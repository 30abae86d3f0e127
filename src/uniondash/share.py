"""Links for the dashboard's share panel: the embed page, the downloads and the `<iframe>` code of a chart.

Pure functions of a chart id and `Filters`; the query string is always the canonical one
(`query.to_query_string`), so one view has one URL and one cache entry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

import plotly.graph_objects as go

from uniondash.figures import BOTTOM as SOURCE_ROOM
from uniondash.figures import top_heading_room
from uniondash.model import Filters
from uniondash.query import period_text, to_query_string

EXPORT_FORMATS = ("png", "svg", "html", "csv", "metadata.json", "zip")
EMBED_HEIGHT = 480
# The embed page around its chart: title, period line, source line and padding. Measured in Chromium
# for every chart: 84 px at 600 px wide, 88 px at 1000, 100 px at 360 (121 for the longest title, on
# two lines). /embed.js then sets the exact height; this is the fallback without it.
EMBED_CHROME = 100
# Room above the plot once the title has moved into the embed page: enough for a panel heading.
EMBED_TOP = 40
EMBED_MIN_HEIGHT = 220
# The light embed (`static=1`) draws its chart as SVG twice, for a phone and for a column, each scaling with
# the frame: the phone drawing up to STATIC_BREAKPOINT px of frame, the column drawing beyond. Each is shown
# at most so wide (the column's at its own size, the phone's at 1.25×), so the page has a greatest height
# whatever the frame's width, and a frame of that height cuts nothing when no script sizes it.
STATIC_NARROW_WIDTH = 360
STATIC_WIDE_WIDTH = 640
STATIC_BREAKPOINT = 520
STATIC_NARROW_MAX = 450
STATIC_WIDE_MAX = STATIC_WIDE_WIDTH
# The light embed's page around its drawing (title, period, source and links, paddings): measured in
# Chromium for every chart in both languages at frame widths from 320 to 1280 px (tests/browser/
# test_static_embed_height.py), the most it takes where the drawing is widest (1.25×), plus a line of
# room for a notice or a longer title.
STATIC_CHROME = 150
# The section pages of the dashboard (web.urls.SECTION_PREFIX): a chart's own view is its section.
SECTION_PREFIX = "/section/"
EMBED_SCRIPT = "/embed.js"


def embed_layout(figure: go.Figure) -> tuple[int, int, int]:
    """The chart's height (px) in the embed page, and its top and bottom margins there.

    The page shows the title and the source line as HTML, so the figure's top margin (title room) shrinks
    to what its panel headings need and its bottom margin loses the source line's room (computed totals
    and legend stay); the plot keeps its own height, which is the chart's height in any frame.
    """
    natural = int(figure.layout.height or 0)
    margin = figure.layout.margin
    old_top = int(margin.t if margin.t is not None else 100)
    old_bottom = int(margin.b if margin.b is not None else 80)
    annotations: list[dict[str, Any]] = [annotation.to_plotly_json() for annotation in figure.layout.annotations]
    top = min(old_top, EMBED_TOP + top_heading_room(annotations))
    cites = any(annotation.get("name") == "source" for annotation in annotations)
    bottom = max(0, old_bottom - SOURCE_ROOM) if cites else old_bottom
    return max(EMBED_MIN_HEIGHT, natural - (old_top - top) - (old_bottom - bottom)), top, bottom


def frame_height(chart_height: int | None) -> int:
    """The fallback iframe height that shows an embedded chart of `chart_height` px whole, with the page's
    title and source at a common article width (/embed.js sets the exact height)."""
    return EMBED_HEIGHT if not chart_height else int(chart_height) + EMBED_CHROME


def static_frame_height(chart_height: int | None) -> int:
    """The height of a frame that shows the light embed of a chart `chart_height` px tall whole at any
    width, with no script to size it (a CMS that strips scripts): its phone drawing at its widest, and the
    page around it."""
    drawn = chart_height or EMBED_HEIGHT
    return -(-drawn * STATIC_NARROW_MAX // STATIC_NARROW_WIDTH) + STATIC_CHROME


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def dashboard_url(filters: Filters) -> str:
    """The dashboard view for `filters`: '/?years=2021-2023'."""
    return _with_query("/", to_query_string(filters))


def chart_query(filters: Filters) -> str:
    """The query string of a chart's links: the filters but the sections. A chart is of one section, which
    its path already says (/section/aid, /embed/aid-funds): 'section=aid' there would only repeat it."""
    return to_query_string(replace(filters, sections=()))


def chart_view_url(chart_id: str, section_id: str, filters: Filters) -> str:
    """The chart in its own section view, with the filters: '/section/aid?years=2021-2023#chart-aid-funds'."""
    path = SECTION_PREFIX + quote(section_id, safe="")
    return _with_query(path, chart_query(filters)) + f"#chart-{quote(chart_id, safe='')}"


def embed_url(chart_id: str, filters: Filters, *, static: bool = False) -> str:
    """The chart-only page for iframes: '/embed/aid-funds?years=2021-2023&lang=en'; `static`: the light
    SVG page ('…&static=1')."""
    query = "&".join(part for part in (chart_query(filters), "static=1" if static else "") if part)
    return _with_query(f"/embed/{quote(chart_id, safe='')}", query)


def export_url(
    chart_id: str,
    fmt: str,
    filters: Filters,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float | None = None,
) -> str:
    """A download: fmt is one of EXPORT_FORMATS; size only matters for png/svg ('/export/chart/aid-funds.png?…')."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    size = [(name, f"{value:g}") for name, value in (("width", width), ("height", height), ("scale", scale)) if value]
    query = "&".join(part for part in (chart_query(filters), urlencode(size)) if part)
    return _with_query(f"/export/chart/{quote(chart_id, safe='')}.{fmt}", query)


def iframe_tag(src: str, title: str, height: int = EMBED_HEIGHT) -> str:
    """A full-width iframe of an embed page at `src`; `data-uniondash` marks it for /embed.js."""
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="{int(height)}" '
        'style="border:0;max-width:100%" loading="lazy" referrerpolicy="strict-origin-when-cross-origin" '
        "data-uniondash></iframe>"
    )


def iframe_code(chart_id: str, filters: Filters, base_url: str, title: str, height: int = EMBED_HEIGHT) -> str:
    """The HTML a newsroom pastes into its page: a full-width iframe of the embed page, then the script that
    sizes it to its chart (included once per article; a second copy does nothing).

    `base_url` is the dashboard's public address ('https://data.example.cn'); `title` names the frame for
    screen readers (the chart's title in the reader's language); `height` is the fallback without script.
    """
    root = base_url.rstrip("/")
    frame = iframe_tag(root + embed_url(chart_id, filters), title, height)
    return f'{frame}\n<script src="{escape(root + EMBED_SCRIPT)}" async></script>'


def static_iframe_code(chart_id: str, filters: Filters, base_url: str, title: str, chart_height: int | None) -> str:
    """The HTML for an article whose CMS strips scripts: the light embed (an SVG drawn on the server, no
    plotly.js) in a frame tall enough for it at any width (`static_frame_height`). /embed.js, if the
    article has it for another chart, sizes this frame exactly too."""
    src = base_url.rstrip("/") + embed_url(chart_id, filters, static=True)
    return iframe_tag(src, title, static_frame_height(chart_height))


ENV_PUBLISHED_URL = "UNIONDASH_PUBLISHED_URL"


def published_site(environ: Mapping[str, str] | None = None) -> str:
    """$UNIONDASH_PUBLISHED_URL: the address of the newest published static version (as given to
    `build-static --base-url`, with its v/<version>), or '' when none is configured or it is not http(s)."""
    url = (os.environ if environ is None else environ).get(ENV_PUBLISHED_URL, "").strip()
    return url.rstrip("/") if url.startswith(("https://", "http://")) else ""


def published_embed_url(chart_id: str, filters: Filters, site: str) -> str | None:
    """The chart's embed in the published static site, which never changes once cited: the embed without a
    period (the first edition) or a report's own (`embed/<id>/<period>/`, as `build-static` bakes each
    report, with no comparison). None without a site, or for a view the site does not hold (years,
    programmes, a comparison)."""
    view = replace(filters, sections=(), compare=None if filters.compare == () else filters.compare)
    if not site or view not in (Filters(lang=filters.lang), Filters(lang=filters.lang, report=filters.report)):
        return None
    prefix = "en/" if filters.lang == "en" else ""
    folder = f"{period_text(filters.report)}/" if filters.report is not None else ""
    return f"{site}/{prefix}embed/{quote(chart_id, safe='')}/{folder}index.html"
