"""`build_site`: the app baked into a static site that any web server, object store or CDN can serve.

Pages are not re-implemented here: each file is the live app's answer to its live URL (Flask's test
client of `create_app(data_dir)`, in process), so the static site shows exactly what the server shows.
`baked_urls` is the list of those URLs and where each goes; a route that another change adds is one
line there (`optional`: baked once the route answers). Then `links` points every URL inside at its file
and fixes what changes from run to run, so the same data gives the same bytes.

Versions are immutable: `version="V"` writes OUT/v/V/ once; a rebuild from the same data finds the same
bytes and leaves it, and one from other data is refused before anything is written. Writing holds even
when OUT is not as this program left it (issue 24): every file is written new and renamed into place (a
hard link into a version, `cp -al v/V/. OUT/`, is replaced, never rewritten); a file of the previous
build is deleted only if its path, resolved, lies inside OUT and outside v/ (an old manifest's text is
never trusted); a symbolic link anywhere inside OUT stops the build before anything is written.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import cast
from urllib.parse import parse_qs, urlsplit

import plotly.graph_objects as go
from flask.testing import FlaskClient

from uniondash.charts import CHARTS, Chart
from uniondash.config import Settings
from uniondash.datastore import read_data_set
from uniondash.errors import UniondashError
from uniondash.exports.chart_files import generated_line
from uniondash.exports.images import (
    IMAGE_FORMATS,
    ChartImages,
    ChartRenderer,
    ImageFormat,
    ImageSize,
    RendererUnavailable,
    cache_from_env,
    parse_image_size,
)
from uniondash.format import edition_label, site_title
from uniondash.load import load_data_set
from uniondash.meeting import render_briefing
from uniondash.model import Dataset, Filters, Lang
from uniondash.publish import links
from uniondash.publish.datapackage import data_package, package_json, published_tables
from uniondash.query import period_text, pinned, to_query_string
from uniondash.share import embed_url, export_url
from uniondash.state import DataState
from uniondash.web import vendor_routes
from uniondash.web.press_routes import (
    EXTENSION_KEY,
    NARROW_WIDTH,
    STATIC_WIDTH,
    STILL_WIDTH,
    embed_view,
    static_svg,
)
from uniondash.web.urls import route

LANGS: tuple[tuple[Lang, str], ...] = (("zh", ""), ("en", "en/"))
EXPORT_FORMATS = ("png", "svg", "csv", "metadata.json", "zip")
# Matched whole (fullmatch): `$` would let a name end in a newline ('v2\n').
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MANIFEST = "manifest.json"
VERSIONS_DIR = "v"
PDF_NAME = "briefing.pdf"
RENDER_ATTEMPTS = 3


@dataclass(frozen=True)
class Bake:
    """One live URL and the file it becomes; '{hash}' in `path` is replaced by the content's hash."""

    url: str
    path: str
    # Baked only when the route answers 200 and `accept` agrees: for routes that may not exist yet.
    optional: bool = False
    accept: Callable[[bytes], bool] | None = None
    # Optional bakes of one kind stand or fall together: the first refusal skips the rest.
    kind: str = ""
    # Other live URLs of the same answer (the embed without a period, which shows the first edition).
    aliases: tuple[str, ...] = ()
    # Other site paths holding the same answer (the first edition's embed, under its period too).
    copies: tuple[str, ...] = ()


def _no_plotly(page: bytes) -> bool:
    # The light static embed draws without plotly.js; until that route exists the interactive page answers.
    return b"plotly" not in page.lower()


LATEST = "latest"


@dataclass(frozen=True)
class BakedView:
    """One view the site holds in one language: an edition's (report=…), or the live code's (`latest`)."""

    filters: Filters
    slug: str  # its folder: 'embed/<id>/<slug>/', 'export/chart/<slug>/<id>.png', 'present/<slug>/'
    first: bool = False  # the first edition: also at the paths without a period (embed/<id>/index.html)


def baked_views(dataset: Dataset, lang: Lang) -> list[BakedView]:
    """What the live site offers in `lang`, each view as its embeds name it: every edition pinned
    (`query.pinned` of report=…: no comparison), in sources.csv order (the first edition first), then
    the live code (report=latest), which is each chart's newest report when the site is built."""
    views = [
        BakedView(
            pinned(Filters(lang=lang, report=edition.period), dataset),
            period_text(edition.period),
            edition == dataset.first_edition,
        )
        for edition in dataset.editions
    ]
    return [*views, BakedView(Filters(lang=lang, latest=True), LATEST)]


def _with_static(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "static=1"


def baked_urls(dataset: Dataset) -> tuple[list[Bake], list[str]]:
    """Every URL the site holds, and the charts left out (no figures in the data) as 'lang:chart-id'
    (the first edition's; a later report without a chart's figures simply has no page for it).

    Each edition's embeds and files lie in a folder named by its period, as its live URLs name it
    (`/embed/aid-funds?report=2024` → `embed/aid-funds/2024/index.html`); the first edition's are also
    where a URL without a period goes (`embed/aid-funds/index.html`, as before there were editions)."""
    bakes: list[Bake] = [
        Bake(vendor_routes.PLOTLY_JS_URL, "vendor/plotly-{hash}.min.js"),
        Bake("/embed.js", "embed.js", optional=True),
    ]
    skipped: list[str] = []
    for lang, prefix in LANGS:
        plain = Filters(lang=lang)
        for view in baked_views(dataset, lang):
            filters, slug = view.filters, view.slug
            for chart in CHARTS.values():
                if chart.rows(dataset, filters).empty:
                    if view.first:
                        skipped.append(f"{lang}:{chart.id}")
                    continue
                embed = embed_url(chart.id, filters)
                folder = f"{prefix}embed/{chart.id}/"
                for page, url, alias in (
                    ("index.html", embed, embed_url(chart.id, plain)),
                    ("static.html", _with_static(embed), embed_url(chart.id, plain, static=True)),
                ):
                    optional = page == "static.html"
                    accept, kind = (_no_plotly, "static-embed") if optional else (None, "")
                    if view.first:
                        # Named by its period, and without one: two files, one answer.
                        bakes.append(
                            Bake(url, folder + page, optional, accept, kind, (alias,), (folder + f"{slug}/{page}",))
                        )
                    else:
                        bakes.append(Bake(url, folder + f"{slug}/{page}", optional, accept, kind))
                # Its downloads too (the latest's: the files of each chart's newest report at build time).
                exports = f"{prefix}export/chart/" + ("" if view.first else f"{slug}/")
                bakes += [
                    Bake(
                        export_url(chart.id, fmt, filters),
                        f"{exports}{chart.id}.{fmt}",
                        aliases=(export_url(chart.id, fmt, plain),) if view.first else (),
                    )
                    for fmt in EXPORT_FORMATS
                ]
            if view.slug == LATEST:
                continue  # slides and briefing show one report: each report's are baked
            bakes.append(Bake(f"/present?{to_query_string(filters)}", f"{prefix}present/{slug}/index.html"))
        query = "?lang=en" if lang == "en" else ""
        bakes.append(Bake("/present" + query, f"{prefix}present/index.html"))
    return bakes, skipped


def build_moment(environ: Mapping[str, str] | None = None, recorded: datetime | None = None) -> datetime:
    """The time written into the briefing, its PDF, the ZIPs and metadata: the build's own (to the second),
    never a report's date. $SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes it; a rebuild of a
    published version takes the time its manifest recorded (`recorded`), so the same data gives it the
    same bytes again."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    if recorded is not None:
        return recorded
    return datetime.now(UTC).replace(microsecond=0)


def recorded_moment(target: Path) -> datetime | None:
    """The build time a published version's manifest records, if it is readable."""
    try:
        built = json.loads((target / MANIFEST).read_text(encoding="utf-8")).get("built", "")
        return datetime.fromisoformat(str(built)) if built else None
    except (OSError, ValueError, AttributeError):
        return None


def reports_held(dataset: Dataset) -> list[dict[str, str]]:
    """The reports (sources) a build holds, as its manifest records them: id, kind, period, date, citation."""
    return [
        {
            "id": str(source["id"]),
            "report_kind": str(source["report_kind"]),
            "period": f"{source['period_start']}-{source['period_end']}",
            "published": str(source["published"]),
            "citation_zh": str(source["citation_zh"]),
            "citation_en": str(source["citation_en"]),
        }
        for source in dataset.sources.to_dict("records")
    ]


@dataclass
class Site:
    """The baked files (site path → bytes), and what was left out."""

    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def bake_site(
    data_dir: Path,
    *,
    base_url: str = "",
    dashboard_url: str = "",
    environ: Mapping[str, str] | None = None,
    pdf: bool = True,
    renderers: int = 2,
    recorded: datetime | None = None,
) -> Site:
    """Every file of the static site, in memory; UniondashError if a page the site needs does not answer.
    `recorded`: the build time of the version being rebuilt (`build_moment`)."""
    from uniondash.exports.pdf import write_briefing_pdf
    from uniondash.web.app import create_app

    # One data set, read once: every page, image and data file of the site comes from the same bytes.
    data_set = read_data_set(data_dir)
    dataset = load_data_set(data_set, data_dir)
    # Default settings, not the environment's: the site must not depend on where it was built. Its links
    # are made on BAKE_ROOT, then pointed at the site's files (links.py).
    app = create_app(DataState.fixed(dataset), Settings(public_url=links.BAKE_ROOT))
    moment = build_moment(environ, recorded)
    bakes, skipped = baked_urls(dataset)
    site = Site(skipped=skipped)

    # The briefing PDFs are printed by Chromium processes of their own, beside the pages and images.
    printer = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="uniondash-pdf")
    printed: dict[str, concurrent.futures.Future[bytes]] = {}
    work = tempfile.TemporaryDirectory(prefix="uniondash-site-")

    def print_pdf(lang: Lang) -> bytes:
        target = Path(work.name) / f"{lang}.pdf"
        write_briefing_pdf(dataset, Filters(lang=lang), target, generated=moment.date())
        return links.fixed_pdf(target.read_bytes(), moment)

    try:
        if pdf:
            for lang, prefix in LANGS:
                printed[f"{prefix}briefing/{PDF_NAME}"] = printer.submit(print_pdf, lang)
        images = app.server.extensions[EXTENSION_KEY]
        # The environment's image cache (UNIONDASH_CACHE_DIR or Redis), when one is set, and only it: an image is
        # keyed by its chart, view, size, data set and code, so a cached one is the bytes a fresh drawing gives
        # (tests/test_publish.py rebuilds without it to prove so) and the site still does not depend on where
        # it was built. Without one, the build draws into memory.
        env = os.environ if environ is None else environ
        if env.get("UNIONDASH_CACHE_DIR", "").strip() or env.get("UNIONDASH_REDIS_URL", "").strip():
            images.cache = cache_from_env(env)
        prerender_images(images, dataset, renderers)
        client = app.server.test_client()
        answers: dict[str, tuple[bytes, str, str]] = {}  # site path → (body, media type, live url)
        url_map = links.UrlMap(base_url=base_url)
        refused: set[str] = set()
        policies: dict[str, str] = {}  # site path → the nonce policy its page was served with
        for bake in bakes:
            if bake.optional and bake.kind and bake.kind in refused:
                continue
            response = client.get(bake.url, base_url=links.BAKE_ROOT)
            for _ in range(RENDER_ATTEMPTS - 1):
                if response.status_code != 503:
                    break
                response = client.get(bake.url, base_url=links.BAKE_ROOT)  # the renderer was busy: again
            if response.status_code == 503:
                # The route exists but could not draw: a site without the drawing would differ run to run.
                raise UniondashError(f"{bake.url} answered 503 {RENDER_ATTEMPTS} times: the renderer is unavailable")
            if response.status_code != 200 or (bake.accept is not None and not bake.accept(response.data)):
                if bake.optional:
                    refused.add(bake.kind)
                    continue
                raise UniondashError(f"{bake.url} answered {response.status_code}: the site cannot be built without it")
            body = response.data
            path = bake.path.replace("{hash}", hashlib.sha256(body).hexdigest()[:12])
            if path.endswith(".html") and "'nonce-" in response.headers.get("Content-Security-Policy", ""):
                policies[path] = response.headers["Content-Security-Policy"]
            answers[path] = (body, response.mimetype, bake.url)
            for copy in bake.copies:  # finished on its own: its links are relative to where it lies
                answers[copy] = answers[path]
                if path in policies:
                    policies[copy] = policies[path]
            url_map.add(bake.url, path)
            for alias in bake.aliases:
                url_map.add(alias, path)
        for lang, prefix in LANGS:
            # The default view's briefing (as live /briefing), and each report's in its folder.
            briefings = [(Filters(lang=lang), f"{prefix}briefing/index.html")]
            briefings += [
                (view.filters, f"{prefix}briefing/{view.slug}/index.html")
                for view in baked_views(dataset, lang)
                if view.slug != LATEST
            ]
            for filters, path in briefings:
                briefing = render_briefing(
                    dataset, filters, plotly_url=vendor_routes.PLOTLY_JS_URL, generated=moment.date()
                )
                briefing_url = "/briefing" + (f"?{query}" if (query := to_query_string(filters)) else "")
                answers[path] = (briefing.encode("utf-8"), "text/html", briefing_url)
                url_map.add(briefing_url, path)
            url_map.add(f"/index.html{'?lang=en' if lang == 'en' else ''}", f"{prefix}index.html")
        _bake_resources(client, dataset, answers, url_map)
        url_map.fallback = _fallback(dataset, dashboard_url)
        for path, (body, media_type, _) in answers.items():
            site.files[path] = _finish(
                path, body, media_type, url_map, moment, policies.get(path, ""), live=bool(dashboard_url)
            )
        for lang, prefix in LANGS:
            index = f"{prefix}index.html"
            site.files[index] = index_page(dataset, lang, site.files, prefix, bool(pdf)).encode("utf-8")
        site.files.update(data_files(data_set.tables, data_dir, dataset, moment, environ))
        for path, future in printed.items():
            site.files[path] = future.result()
    finally:
        printer.shutdown(wait=True, cancel_futures=True)
        work.cleanup()
    site.files[MANIFEST] = manifest(site.files, moment, reports_held(dataset))
    return site


def prerender_images(service: ChartImages, dataset: Dataset, renderers: int = 2) -> None:
    """Every baked view's chart images into the routes' image cache (PNG and SVG at the routes' default
    size, the embed's still image, the static embed's two drawings), drawn by `renderers` warm Chromiums
    side by side (a render mostly waits on the browser, so two overlap well even on two cores); the routes
    then answer from the cache. A figure drawn already (the same chart in another view: `latest` is some
    report's) is drawn once (`OnceDrawn`)."""
    size = parse_image_size({})
    still = parse_image_size({"width": str(STILL_WIDTH), "scale": "2"})
    # One job per chart and view, all its drawings in turn: two threads never build plotly figures from one
    # shared figure at once (copying a figure another thread copies can mistake a bar's marker for a line's).
    work: list[Callable[[ChartImages], object]] = [
        partial(_draw_view, dataset, chart, view.filters, size, still)
        for lang, _ in LANGS
        for view in baked_views(dataset, lang)
        for chart in CHARTS.values()
        if not chart.rows(dataset, view.filters).empty
    ]
    drawn: dict[str, bytes] = {}
    # OnceDrawn has the renderer's interface (render, full, close): it stands in for it.
    service.renderer = cast(ChartRenderer, OnceDrawn(service.renderer, drawn))
    extra = [ChartRenderer() for _ in range(max(0, renderers - 1))]
    drawers = [
        service,
        *(ChartImages(dataset, cast(ChartRenderer, OnceDrawn(renderer, drawn)), service.cache) for renderer in extra),
    ]

    def draw(share: int) -> None:
        for job in work[share :: len(drawers)]:
            for attempt in range(1, RENDER_ATTEMPTS + 1):
                try:
                    job(drawers[share])
                    break
                except RendererUnavailable:
                    # A busy machine can fail a render (kaleido's page not ready yet); the renderer starts
                    # a new browser on the next one. Only a renderer that keeps failing stops the build.
                    if attempt == RENDER_ATTEMPTS:
                        raise

    try:
        with concurrent.futures.ThreadPoolExecutor(len(drawers), thread_name_prefix="uniondash-images") as pool:
            for done in [pool.submit(draw, share) for share in range(len(drawers))]:
                done.result()
    finally:
        for renderer in extra:
            renderer.close()


class OnceDrawn:
    """A renderer that draws each distinct figure once per build: the routes' cache is keyed by the URL's
    filters, and several views of a site can draw the same figure (`report=latest` is some report's;
    a chart with the same figures in two languages is not, its texts differ). Keyed by what is drawn:
    the figure's JSON, the format and the size. `drawn` is shared by the build's renderers."""

    def __init__(self, renderer: ChartRenderer, drawn: dict[str, bytes]) -> None:
        self.renderer = renderer
        self.drawn = drawn
        self._lock = threading.Lock()

    @property
    def full(self) -> bool:
        return bool(getattr(self.renderer, "full", False))

    def render(self, figure: go.Figure, fmt: ImageFormat, size: ImageSize) -> bytes:
        key = hashlib.sha256("\n".join((figure.to_json(), fmt, size.key(fmt))).encode("utf-8")).hexdigest()
        with self._lock:
            known = self.drawn.get(key)
        if known is not None:
            return known
        data = self.renderer.render(figure, fmt, size)
        with self._lock:
            self.drawn[key] = data
        return data

    def close(self) -> None:
        self.renderer.close()


def _draw_view(
    dataset: Dataset, chart: Chart, filters: Filters, size: ImageSize, still: ImageSize, drawer: ChartImages
) -> None:
    """A chart's drawings for one view: PNG and SVG (the downloads), the embed's still image, and the static
    embed's phone and column drawings."""
    for fmt in IMAGE_FORMATS:
        drawer.image(chart, filters, fmt, size)
    drawer.image(chart, filters, "png", still)
    view = embed_view(dataset, chart.id, parse_qs(urlsplit(embed_url(chart.id, filters)).query))
    for width in (NARROW_WIDTH, STATIC_WIDTH):
        static_svg(view, drawer, width)


def _bake_resources(
    client: FlaskClient, dataset: Dataset, answers: dict[str, tuple[bytes, str, str]], url_map: links.UrlMap
) -> None:
    """Files the pages load that no Bake names (a favicon, a stylesheet): baked under their content hash."""
    wanted: list[str] = []
    for body, media_type, _ in answers.values():
        if media_type == "text/html":
            wanted += [url for url in links.local_references(body.decode("utf-8")) if url_map.target(url, "") is None]
    for url in dict.fromkeys(wanted):
        if route(url.split("?")[0].split("#")[0], dataset).page != "not_found":
            continue  # a dashboard page: linked, not baked
        response = client.get(url, base_url=links.BAKE_ROOT)
        if response.status_code != 200 or response.mimetype == "text/html":
            continue
        suffix = PurePosixPath(url.split("?")[0]).suffix[:8]
        path = f"assets/{hashlib.sha256(response.data).hexdigest()[:12]}{suffix}"
        answers[path] = (response.data, response.mimetype or "", url)
        url_map.add(url, path)


def _fallback(dataset: Dataset, dashboard_url: str) -> Callable[[str], str | None]:
    """Where a link to a page that is not baked goes: the live dashboard if its address is known, else
    the site's own index page (a static site has no dashboard; it never links to a page it does not hold).
    The "open in the dashboard" links are not there to place without a dashboard (`links.without_live_links`)."""

    def place(key: str) -> str | None:
        path = key.split("?")[0]
        if route(path, dataset).page == "not_found":
            return None
        if dashboard_url:
            return dashboard_url.rstrip("/") + key
        return "en/index.html" if "lang=en" in key else "index.html"

    return place


def _finish(
    path: str,
    body: bytes,
    media_type: str,
    url_map: links.UrlMap,
    moment: datetime,
    policy: str = "",
    *,
    live: bool = False,
) -> bytes:
    """A baked answer as its file: URLs pointed at the site, run-to-run differences fixed; a page served
    with a nonce `policy` carries it as a <meta> with the hashes of its inline scripts as finally written.
    Without a `live` dashboard to send readers to, its "open in the dashboard" links are left out."""
    if path.endswith(".html"):
        page = body.decode("utf-8") if live else links.without_live_links(body.decode("utf-8"))
        page = links.fixed_inline_svgs(links.rewrite_html(page, url_map, path))
        if policy:
            page = links.fixed_csp_page(page, policy)
        return links.with_icon(page).encode("utf-8")
    if path.endswith(".svg"):
        return links.fixed_svg(body)
    if path.endswith(".metadata.json"):
        fixed, _ = links.fixed_metadata(body, moment)
        return links.rewrite_text(fixed.decode("utf-8"), url_map, path).encode("utf-8")
    if path.endswith(".zip"):
        with zipfile.ZipFile(BytesIO(body)) as bundle:
            made = (
                json.loads(bundle.read("metadata.json")).get("generated_at", "")
                if "metadata.json" in bundle.namelist()
                else ""
            )
        stamp = moment.isoformat(timespec="seconds")

        def edit(name: str, content: bytes) -> bytes:
            if name.endswith(".svg"):
                content = links.fixed_svg(content)  # the chart's SVG, as the export beside it
            text = content.decode("utf-8")
            if made:  # the time it was made, in metadata.json and as the README's dates: the build's own
                text = text.replace(made, stamp).replace(generated_line(made), generated_line(stamp))
            return links.rewrite_text(text, url_map, path).encode("utf-8")

        return links.fixed_zip(body, moment, edit)
    return body


def data_files(
    tables: Mapping[str, bytes],
    data_dir: Path,
    dataset: Dataset,
    moment: datetime,
    environ: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """data/: every CSV of the data set as the live downloads show its text (`published_tables`: formula-like
    text neutralised, no server path), the folder's README, and datapackage.json describing them."""
    published = published_tables(tables)
    files = {f"data/{name}": data for name, data in published.items()}
    readme = data_dir / "README.md"
    if readme.is_file():
        files["data/README.md"] = readme.read_bytes()
    env = dict(os.environ if environ is None else environ)
    package = data_package(published, dataset, moment.isoformat(timespec="seconds"), env)
    files["data/datapackage.json"] = package_json(package)
    return files


def manifest(
    files: Mapping[str, bytes], moment: datetime | None = None, reports: list[dict[str, str]] | None = None
) -> bytes:
    """Every file with its size and SHA-256, sorted: what a CDN upload or a comparison of versions needs;
    when it was built, and which reports (sources) it holds."""
    entries = {path: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for path, data in files.items()}
    described: dict[str, object] = {"files": dict(sorted(entries.items()))}
    if moment is not None:
        described["built"] = moment.isoformat(timespec="seconds")
    if reports is not None:
        described["reports"] = reports
    return (json.dumps(described, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


INDEX_TEXT = {
    "zh": {
        "title": "{} · 图表与数据（静态发布）",
        "reports": "本版包含的报告：",
        "intro": "每个图表的嵌入页、图片与数据，以及幻灯片、简报和全部数据（Frictionless 数据包）。",
        "embed": "嵌入页",
        "static": "静态嵌入",
        "slides": "幻灯片",
        "briefing": "简报",
        "pdf": "简报 PDF",
        "data": "数据（datapackage.json）",
        "other": "English",
        "missing": "数据中没有该图表的数字，未发布：",
        "default": "看板默认内容：",
        "first_note": "首个报告：不注明报告期的链接（如 embed/<图表>/index.html）也显示它，永不改变。",
        "edition_note": "该报告的文件位于以报告期命名的文件夹中（{}），与实时链接 report={} 对应。",
        "latest": "始终显示最新数字（report=latest）",
        "latest_note": "每个图表显示构建时其最新的报告；重新构建站点时随之更新（已发布的版本不变）。",
    },
    "en": {
        "title": "{} · charts and data (static edition)",
        "reports": "Reports in this version: ",
        "intro": "Each chart's embed page, images and data, the slides, the briefing and all the data "
        "(a Frictionless Data Package).",
        "embed": "embed",
        "static": "static embed",
        "slides": "Slides",
        "briefing": "Briefing",
        "pdf": "Briefing (PDF)",
        "data": "Data (datapackage.json)",
        "other": "中文",
        "missing": "No figures in the data for these charts, not published: ",
        "default": "The dashboard's default view:",
        "first_note": "The first report: links that name no period (such as embed/<chart>/index.html) show it "
        "too, and never change.",
        "edition_note": "This report's files are in folders named by its period ({}), as its live links name it "
        "(report={}).",
        "latest": "Always the latest figures (report=latest)",
        "latest_note": "Each chart shows its newest report when the site is built; it changes when the site is "
        "rebuilt (a published version never does).",
    },
}


def index_page(dataset: Dataset, lang: Lang, files: Mapping[str, bytes], prefix: str, with_pdf: bool) -> str:
    """The site's front page in `lang`: each report (edition) with every chart's embeds and downloads, then
    the live code's embeds (report=latest); only files that exist."""
    text = INDEX_TEXT[lang]
    up = "../" if prefix else ""

    def link(path: str, label: str) -> str:
        return f'<a href="{html.escape(posixpath.relpath(path, prefix or "."))}">{html.escape(label)}</a>'

    sections, missing = [], []
    for view in baked_views(dataset, lang):
        rows = []
        for chart in CHARTS.values():
            # The first edition's files are where a URL without a period goes (the same bytes as its folder's).
            folder = f"{prefix}embed/{chart.id}/" + ("" if view.first else f"{view.slug}/")
            if folder + "index.html" not in files:
                if view.first:
                    missing.append(chart.title(lang))
                continue
            parts = [link(folder + "index.html", text["embed"])]
            if folder + "static.html" in files:
                parts.append(link(folder + "static.html", text["static"]))
            exports = f"{prefix}export/chart/" + ("" if view.first else f"{view.slug}/")
            parts += [
                link(f"{exports}{chart.id}.{fmt}", fmt.upper())
                for fmt in EXPORT_FORMATS
                if f"{exports}{chart.id}.{fmt}" in files
            ]
            rows.append(f"<li><strong>{html.escape(chart.title(lang))}</strong> · {' · '.join(parts)}</li>")
        if not rows:
            continue
        edition = dataset.edition(view.filters.report) if view.filters.report else None
        if edition is None:
            heading, note = text["latest"], text["latest_note"]
        else:
            heading = edition_label(edition.start, edition.end, edition.kind, lang)
            note = text["first_note"] if view.first else text["edition_note"].format(view.slug, view.slug)
        pages = [
            link(path, label)
            for path, label in (
                (f"{prefix}present/{view.slug}/index.html", text["slides"]),
                (f"{prefix}briefing/{view.slug}/index.html", text["briefing"]),
            )
            if path in files
        ]
        sections.append(
            f'<section id="report-{html.escape(view.slug)}">\n<h2>{html.escape(heading)}</h2>\n'
            f"<p>{html.escape(note)}</p>\n"
            + (f"<p>{' · '.join(pages)}</p>\n" if pages else "")
            + "<ul>\n"
            + "\n".join(rows)
            + "\n</ul>\n</section>"
        )
    meetings = [
        link(f"{prefix}present/index.html", text["slides"]),
        link(f"{prefix}briefing/index.html", text["briefing"]),
    ]
    if with_pdf:
        meetings.append(link(f"{prefix}briefing/{PDF_NAME}", text["pdf"]))
    other = "en/index.html" if lang == "zh" else "../index.html"
    note = f"<p>{html.escape(text['missing'] + '、'.join(missing))}</p>" if missing else ""
    # The embeds without a period show the first edition; every report the data holds is named.
    first = dataset.first_edition
    title = text["title"].format(site_title(first.kind, lang))
    held = ("；" if lang == "zh" else "; ").join(
        f"{edition_label(int(row['period_start']), int(row['period_end']), str(row['report_kind']), lang)}"
        f" ({row[f'citation_{lang}']})"
        for row in dataset.sources.to_dict("records")
    )
    source = html.escape(text["reports"] + held)
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>
body {{ max-width: 60rem; margin: 0 auto; padding: 1rem; color: #1a1a1a; line-height: 1.6;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }}
a {{ color: #0072b2; }}
li {{ margin: 0.3rem 0; }}
</style>
</head>
<body>
<p><a href="{other}">{html.escape(text["other"])}</a></p>
<h1>{html.escape(title)}</h1>
<p>{html.escape(text["intro"])}</p>
<p>{html.escape(text["default"])} {" · ".join(meetings)} · <a href="{up}data/datapackage.json">{html.escape(text["data"])}</a></p>
{chr(10).join(sections)}
{note}
<footer><small>{source}</small></footer>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------------
# Writing: the site root, or an immutable version.


@dataclass(frozen=True)
class BuildReport:
    target: Path
    files: int
    bytes: int
    skipped: tuple[str, ...]
    seconds: float
    unchanged: bool = False


def check_version_name(version: str) -> str:
    if not VERSION_NAME.fullmatch(version):
        raise UniondashError(
            f"--version {version[:70]!r}: use letters, digits, '.', '_' and '-' (at most 64), e.g. 2024-01 or 2023.1"
        )
    return version


def build_site(
    out: Path,
    data_dir: Path,
    *,
    version: str | None = None,
    base_url: str = "",
    dashboard_url: str = "",
    environ: Mapping[str, str] | None = None,
    pdf: bool = True,
) -> BuildReport:
    """Bake the site into `out` (or `out`/v/`version`, which is never changed once written)."""
    started = time.perf_counter()
    # OUT itself may be a link (to a web server's folder); it is resolved once, and nothing inside it may be.
    out = Path(out).resolve()
    if version is not None:
        check_version_name(version)
        target = out / VERSIONS_DIR / version
        if base_url:
            base_url = base_url.rstrip("/") + f"/{VERSIONS_DIR}/{version}"
    else:
        target = out
    if out.exists() and not out.is_dir():
        raise UniondashError(f"{out} exists and is not a folder")
    refuse_links(out)
    if target.exists() and not target.is_dir():
        raise UniondashError(f"{target} exists and is not a folder")
    recorded = None
    if version is not None and target.exists():
        # Other data can only make other files: refused before a minute of drawing, not after.
        _refuse_changed(version, target, data_differences(target, data_dir))
        recorded = recorded_moment(target)
    site = bake_site(
        data_dir, base_url=base_url, dashboard_url=dashboard_url, environ=environ, pdf=pdf, recorded=recorded
    )
    size = sum(len(data) for data in site.files.values())

    def report(unchanged: bool = False) -> BuildReport:
        return BuildReport(target, len(site.files), size, tuple(site.skipped), time.perf_counter() - started, unchanged)

    refuse_links(out)  # again: the baking took minutes
    try:
        if version is None:
            write_root(target, site.files)
            return report()
        if target.exists():
            _refuse_changed(version, target, differences(target, site.files))
            return report(unchanged=True)
        write_version(out, version, site.files)
        record_version(out / VERSIONS_DIR, version)
    except OSError as error:
        raise UniondashError(
            f"cannot write the site into {out}: {error.strerror or error} ({error.filename})"
        ) from error
    return report()


def refuse_links(out: Path) -> None:
    """UniondashError if anything inside `out` is a symbolic link: a link would carry the writes (or the
    deletions) of a build out of OUT, or into a published version."""
    if not out.exists():
        return
    for folder, folders, names in os.walk(out):  # links to folders are listed, not followed
        for name in sorted([*folders, *names]):
            path = Path(folder) / name
            if path.is_symlink():
                raise UniondashError(
                    f"{path} is a symbolic link: build-static writes only real files and folders inside {out} "
                    "(a link would take its writes elsewhere). Remove the link; nothing was written."
                )


def _refuse_changed(version: str, target: Path, differing: list[str]) -> None:
    if differing:
        shown = ", ".join(differing[:5]) + (" …" if len(differing) > 5 else "")
        raise UniondashError(
            f"version {version} is already published at {target} and this build differs in "
            f"{len(differing)} file(s) ({shown}): a published version never changes. "
            "Publish the new data under a new --version; nothing was written."
        )


def data_differences(target: Path, data_dir: Path) -> list[str]:
    """The data CSVs (published under data/, as `published_tables` makes them) that differ between a
    version and the sealed data set of `data_dir`."""
    local = published_tables(read_data_set(data_dir).tables)
    published = {path.name for path in (target / "data").glob("*.csv")}
    changed = {name for name in published & set(local) if (target / "data" / name).read_bytes() != local[name]}
    return [f"data/{name}" for name in sorted((published ^ set(local)) | changed)]


def differences(target: Path, files: Mapping[str, bytes]) -> list[str]:
    """The site paths whose bytes differ between the folder `target` and `files` (missing or extra too)."""
    on_disk = {path.relative_to(target).as_posix() for path in target.rglob("*") if path.is_file()}
    differing = sorted(on_disk ^ set(files))
    differing += sorted(path for path in on_disk & set(files) if (target / path).read_bytes() != files[path])
    return differing


def _site_path(root: Path, path: str) -> Path:
    """Where a baked file goes: `path` is the bake's own (relative, no '..'); checked all the same."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or any(part in ("", ".", "..") for part in parts):
        raise UniondashError(f"not a site path: {path[:80]!r}")
    return root.joinpath(*parts)


def write_new(target: Path, data: bytes) -> None:
    """`data` into a new file beside `target`, renamed over it: whatever `target` was (a hard link into a
    published version) is replaced as a name, never written into."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.new")
    temporary.unlink(missing_ok=True)  # left by a build that was killed
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write(root: Path, files: Mapping[str, bytes]) -> None:
    for path, data in sorted(files.items()):
        write_new(_site_path(root, path), data)


def write_version(out: Path, version: str, files: Mapping[str, bytes]) -> None:
    """Write beside v/ (in OUT, so a failed build removes only its own folder, outside v/), then rename
    into v/`version`: a version appears whole or not at all."""
    target = out / VERSIONS_DIR / version
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{version}.partial-", dir=out))
    try:
        _write(partial, files)
        partial.chmod(0o755)
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def write_root(out: Path, files: Mapping[str, bytes]) -> None:
    """Write the latest site into `out`; then remove what the previous build wrote and this one does not
    (listed by its manifest, never by listing the folder), each only if it is proved removable."""
    previous: list[str] = []
    old_manifest = out / MANIFEST
    if old_manifest.is_file():
        try:
            listed = json.loads(old_manifest.read_text(encoding="utf-8")).get("files", {})
            previous = [path for path in listed if isinstance(path, str)]
        except (ValueError, AttributeError, UnicodeDecodeError):
            previous = []
    _write(out, files)
    written = {_site_path(out, path).resolve() for path in files}
    for path in sorted(previous):
        stale = removable(out, path)
        if stale is not None and stale not in written:
            stale.unlink(missing_ok=True)


def removable(out: Path, path: str) -> Path | None:
    """The file an old manifest's `path` names, if it is proved deletable: resolved (links followed, '..'
    applied), it lies inside `out` and outside v/ and the manifest, and is a regular file. Else None:
    '/abs/path', '../x' and './v/v1/index.html' name nothing a build may delete."""
    root = out.resolve()
    try:
        resolved = (root / path).resolve(strict=True)  # an absolute `path` replaces root: refused below
    except (OSError, RuntimeError, ValueError):
        return None
    if not resolved.is_relative_to(root) or resolved == root:
        return None
    relative = resolved.relative_to(root)
    if relative.parts[0] == VERSIONS_DIR or relative.as_posix() == MANIFEST or not resolved.is_file():
        return None
    return resolved


def record_version(versions_dir: Path, version: str) -> None:
    """v/versions.json: the published versions in the order they were published, the newest last."""
    listing = versions_dir / "versions.json"
    known: list[str] = []
    if listing.is_file():
        try:
            known = [str(name) for name in json.loads(listing.read_text(encoding="utf-8")).get("versions", [])]
        except (ValueError, AttributeError, UnicodeDecodeError):
            known = []
    known = [name for name in known if name != version] + [version]
    write_new(listing, (json.dumps({"versions": known, "newest": version}, indent=1) + "\n").encode("utf-8"))
