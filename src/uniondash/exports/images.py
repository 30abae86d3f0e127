"""Charts as print-quality PNG and SVG, rendered on the server by kaleido 1.x and the system Chromium.

Four parts, each usable alone:
- the print look (`print_figure`): white background, CJK font stack, a colour-blind-safe palette and a
  title block naming the chart, its period, unit(s) and source, so an image cut out of context still cites;
- size limits (`parse_image_size`): bounded width, height and scale; anything else is an `ImageSizeError`
  (a `QueryError`, shown as 400);
- a warm renderer (`ChartRenderer`): one Chromium kept open per process, one render at a time, a timeout;
  a missing, failing or hung browser is a `RendererUnavailable` (shown as 503);
- a cache (`MemoryCache`, `DirectoryCache`): identical requests return identical bytes without rendering.

`ChartImages` ties them together for the routes and the CLI.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import html
import importlib.metadata
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
import plotly.graph_objects as go

from uniondash import figures
from uniondash.charts import Chart
from uniondash.errors import QueryError, UniondashError
from uniondash.figures import FONT_FAMILY, chart_figure
from uniondash.format import period_label
from uniondash.model import Dataset, Filters, Lang
from uniondash.numbers import is_decimal, is_whole_number
from uniondash.query import to_query_string

logger = logging.getLogger(__name__)

ImageFormat = Literal["png", "svg"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = ("png", "svg")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}

# Bounds of a request: 300–4000 × 200–4000 CSS pixels at scale 1–4 (an A4 page at 300 dpi is 3508 px wide,
# e.g. width 1200 at scale 3). The pixel cap keeps one request from asking Chromium for a gigapixel bitmap.
WIDTH_RANGE = (300, 4000)
HEIGHT_RANGE = (200, 4000)
SCALE_RANGE = (1.0, 4.0)
MAX_PIXELS = 40_000_000

ENV_CACHE_DIR = "UNIONDASH_CACHE_DIR"
ENV_CHROMIUM = "UNIONDASH_CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
RENDER_TIMEOUT = 20.0
START_TIMEOUT = 20.0
# A start can hang on a lost message of Chromium's pipe (seen once under load after a crash); one more try
# with a new browser nearly always succeeds, so a reader rarely sees a 503 for it.
START_ATTEMPTS = 2
# After Chromium failed to start, fail fast for a while rather than try a broken browser on every request.
RETRY_AFTER = 10.0
# Renders waiting behind the one being drawn, per process. One more is refused at once (RendererBusy, a 503
# with Retry-After): a flood of distinct image requests holds at most 1 + RENDER_QUEUE of a worker's threads
# (gunicorn gives each 4), so pages, callbacks and /healthz keep answering on the others.
RENDER_QUEUE = 1

# Okabe–Ito: distinguishable with every common colour-vision deficiency and in greyscale print.
# Blue first: the trade union's reports print single-series bars in one dark colour.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
TEXT_COLOUR = "#1A1A1A"
MUTED_COLOUR = "#555555"
GRID_COLOUR = "#E3E3E3"

TEXT = {
    "zh": {"unit": "单位：", "source": "数据来源：", "sep": " · ", "list": "、"},
    "en": {"unit": "Unit: ", "source": "Source: ", "sep": " · ", "list": ", "},
}


# ---------------------------------------------------------------------------------------------------
# The caption: what every exported chart says about itself.


@dataclass(frozen=True)
class ChartCaption:
    """A chart's title, the period and units of its figures, and the citation of their source."""

    chart_id: str
    title: str
    period: str
    units: tuple[str, ...]
    source: str
    lang: Lang

    @property
    def unit_line(self) -> str:
        return TEXT[self.lang]["unit"] + TEXT[self.lang]["list"].join(self.units) if self.units else ""

    @property
    def source_line(self) -> str:
        return TEXT[self.lang]["source"] + self.source

    @property
    def period_and_unit(self) -> str:
        return TEXT[self.lang]["sep"].join(part for part in (self.period, self.unit_line) if part)


def source_citation(dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> str:
    """The citations of the sources `facts` come from, in order of first use (all sources if none)."""
    citations = dataset.sources.set_index("id")[f"citation_{lang}"]
    ids = list(dict.fromkeys(str(source_id) for source_id in facts["source_id"])) or list(citations.index)
    return ("；" if lang == "zh" else "; ").join(str(citations.get(source_id, source_id)) for source_id in ids)


def chart_caption(chart: Chart, dataset: Dataset, filters: Filters, facts: pd.DataFrame | None = None) -> ChartCaption:
    """The caption of `chart` for `filters`; `facts` are its rows if already computed."""
    lang = filters.lang
    rows = chart.rows(dataset, filters) if facts is None else facts
    period = period_label(int(rows["period_start"].min()), int(rows["period_end"].max()), lang) if len(rows) else ""
    units = tuple(dict.fromkeys(str(unit) for unit in rows[f"unit_{lang}"])) if len(rows) else ()
    return ChartCaption(chart.id, chart.title(lang), period, units, source_citation(dataset, rows, lang), lang)


# ---------------------------------------------------------------------------------------------------
# The print look.


def print_template(base: go.layout.Template | None = None) -> go.layout.Template:
    """`base` (the chart's own template) with the print look laid over it: white, CJK fonts, the palette."""
    template = go.layout.Template(base) if base is not None else go.layout.Template()
    axis = {"gridcolor": GRID_COLOUR, "linecolor": "#888888", "zerolinecolor": "#BBBBBB", "tickcolor": "#888888"}
    template.layout.update(
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT_FAMILY, "color": TEXT_COLOUR, "size": 15},
        colorway=list(PALETTE),
        xaxis=axis,
        yaxis=axis,
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return template


def figure_texts(figure: go.Figure) -> list[str]:
    """Every caption-like text of the figure: title, subtitle and annotations."""
    title = figure.layout.title
    texts = [title.text, title.subtitle.text if title.subtitle else None]
    texts += [annotation.text for annotation in figure.layout.annotations or ()]
    return [str(text) for text in texts if text]


def cites(figure: go.Figure, citation: str) -> bool:
    """True if the figure already names the source (its title or an annotation holds the citation)."""
    # Figure text is HTML-escaped (figures.plain): a citation holding '&' appears there as '&amp;'.
    forms = {citation, html.escape(citation, quote=False)}
    return any(form in text for text in figure_texts(figure) for form in forms)


def print_figure(figure: go.Figure, caption: ChartCaption | None = None) -> go.Figure:
    """A copy of `figure` in the print look; with `caption`, made to name its title, period, unit and source.

    Charts that already carry a title and cite their source inside the figure keep their own captions.
    Otherwise the caption becomes the figure's title block (title + subtitle, anchored to the top of the
    image): plotly moves the plot down to make room for it, whatever the axes and legend need, so the
    source line can never be cut off or overlap tick labels.
    """
    styled = go.Figure(figure)
    # The chart's own face (Latin first for English, see figures.font_family), else the CJK stack.
    family = styled.layout.font.family or FONT_FAMILY
    styled.update_layout(
        template=print_template(styled.layout.template),
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": family},
    )
    if caption is None or (styled.layout.title.text and cites(styled, caption.source)):
        return styled
    # plotly reads <b>, <br> and entities in text: data-derived strings are escaped.
    subtitle = "<br>".join(escape(line) for line in (caption.period_and_unit, caption.source_line) if line)
    styled.update_layout(
        title={
            "text": f"<b>{escape(caption.title)}</b>",
            "font": {"size": 24, "color": TEXT_COLOUR, "family": family},
            "subtitle": {"text": subtitle, "font": {"size": 15, "color": MUTED_COLOUR, "family": family}},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 18, "l": 24, "r": 24},
            "automargin": True,
        },
    )
    return styled


# ---------------------------------------------------------------------------------------------------
# Size limits.


class ImageSizeError(QueryError):
    """A width, height or scale out of bounds or not a number (HTTP 400)."""


DEFAULT_WIDTH = 1200
DEFAULT_HEIGHT = 750
DEFAULT_SCALE = 2.0


@dataclass(frozen=True)
class ImageSize:
    """CSS pixels and a device scale: a PNG is (width × scale) × (height × scale) pixels.

    A width or height left as None is the figure's own (charts size their height to their bars), else
    DEFAULT_WIDTH × DEFAULT_HEIGHT; `resolve` fills them in.
    """

    width: int | None = None
    height: int | None = None
    scale: float = DEFAULT_SCALE

    @property
    def pixels(self) -> tuple[int, int]:
        return round((self.width or DEFAULT_WIDTH) * self.scale), round((self.height or DEFAULT_HEIGHT) * self.scale)

    def key(self, fmt: str) -> str:
        # An SVG is vector: its scale changes nothing, so it must not split the cache.
        size = f"{self.width or 'auto'}x{self.height or 'auto'}"
        return size if fmt == "svg" else f"{size}@{self.scale:g}"

    def resolve(self, figure: go.Figure) -> ImageSize:
        """Both sides set: asked for, else the figure's own (kept within bounds), else the defaults."""

        def own(value: Any, default: int, bounds: tuple[int, int]) -> int:
            return min(max(int(value), bounds[0]), bounds[1]) if value else default

        width = self.width or own(figure.layout.width, DEFAULT_WIDTH, WIDTH_RANGE)
        height = self.height or own(figure.layout.height, DEFAULT_HEIGHT, HEIGHT_RANGE)
        return image_size(width, height, self.scale)


DEFAULT_SIZE = ImageSize()
_ZH_NAMES = {"width": "宽度", "height": "高度", "scale": "缩放倍数"}


def image_size(width: int | None = None, height: int | None = None, scale: float | None = None) -> ImageSize:
    """An `ImageSize` from numbers (None = the figure's own, or the default scale), checked against the bounds."""
    size = ImageSize(width, height, DEFAULT_SCALE if scale is None else float(scale))
    for name, value, (low, high), unit in (
        ("width", size.width, WIDTH_RANGE, "px"),
        ("height", size.height, HEIGHT_RANGE, "px"),
        ("scale", size.scale, SCALE_RANGE, "×"),
    ):
        if value is not None and not low <= value <= high:
            raise ImageSizeError(
                f"{name} {value:g} is out of range: use {low:g}–{high:g}{unit} "
                f"（{_ZH_NAMES[name]} {value:g} 超出范围，应为 {low:g}–{high:g}）"
            )
    columns, rows = size.pixels
    if columns * rows > MAX_PIXELS:
        raise ImageSizeError(
            f"{columns}×{rows} pixels is too large (at most {MAX_PIXELS // 1_000_000} million): lower the scale "
            f"（图片过大：{columns}×{rows} 像素，上限 {MAX_PIXELS // 1_000_000} 百万像素，请减小 scale）"
        )
    return size


def parse_image_size(params: Mapping[str, str | Sequence[str]], fmt: ImageFormat = "png") -> ImageSize:
    """`width`, `height`, `scale` from query parameters (absent or empty = default); malformed → ImageSizeError.

    An SVG has no pixels: its scale is checked, then set to 1, so the pixel cap is never met (4000 × 4000 is
    16 million at scale 1) and the scale of a PNG cannot refuse a vector image.
    """
    numbers: dict[str, float | None] = {}
    for name, form in (("width", is_whole_number), ("height", is_whole_number), ("scale", is_decimal)):
        raw = params.get(name, "")
        text = (raw if isinstance(raw, str) else (raw[-1] if raw else "")).strip()
        if not text:
            numbers[name] = None
        elif form(text):
            numbers[name] = float(text)
        else:
            kind = "a whole number of pixels" if name != "scale" else "a number such as 2 or 1.5"
            raise ImageSizeError(f"{name}={text[:20]!r} is not {kind} （参数 {name} 无效）")
    width = None if numbers["width"] is None else int(numbers["width"])
    height = None if numbers["height"] is None else int(numbers["height"])
    if fmt == "svg":
        image_size(scale=numbers["scale"])  # the scale's own bounds still hold
        return image_size(width, height, 1.0)
    return image_size(width, height, numbers["scale"])


# ---------------------------------------------------------------------------------------------------
# The renderer: one warm Chromium per process.


class RendererUnavailable(UniondashError):
    """Chromium is missing, failed, hung or busy: images cannot be made now (HTTP 503)."""


class RendererBusy(RendererUnavailable):
    """The render queue is full: refused at once rather than waited for (HTTP 503 with Retry-After)."""


def find_browser(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The browser to render with: `explicit`, else $UNIONDASH_CHROMIUM, else $BROWSER_PATH (kaleido's own
    variable), else Debian's /usr/bin/chromium or one on PATH."""
    env = os.environ if environ is None else environ
    wanted = explicit or env.get(ENV_CHROMIUM) or env.get("BROWSER_PATH")
    for candidate in (wanted,) if wanted else CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    looked = wanted or ", ".join(CHROMIUM_CANDIDATES)
    raise RendererUnavailable(
        f"Chromium not found (looked for {looked}): chart images cannot be made on the server. "
        f"Install it (Debian: apt-get install chromium) or set {ENV_CHROMIUM} to the browser's path."
    )


class ChartRenderer:
    """kaleido's browser, opened on first use and kept warm; thread-safe (one render at a time).

    kaleido 1.x is asyncio-based. Its own sync server (`kaleido.start_sync_server`) cannot time out a
    render and blocks for ever if Chromium fails to start, so this class runs a `kaleido.Kaleido` on an
    event loop in its own thread and waits on each render with a timeout.

    Faults: a render that fails or hangs is a 503 at once (the browser is closed in the background) and the
    next request starts a new browser; so does a browser that died between requests (crashed, killed by
    the OOM killer), found dead before the next render. A start that fails is tried once more; only a
    browser that cannot start at all makes requests fail fast for RETRY_AFTER seconds. After a fork
    (gunicorn workers) the child starts its own browser.
    """

    def __init__(
        self,
        browser_path: str | None = None,
        *,
        timeout: float = RENDER_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
        retry_after: float = RETRY_AFTER,
        queue: int = RENDER_QUEUE,
    ) -> None:
        self.browser_path = browser_path
        self.queue = queue
        self._admitted = 0  # renders drawing or waiting
        self._admit_lock = threading.Lock()
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._starting: Any = None  # the browser being opened, so a start that times out can be killed
        self._pid = 0
        self._failed_at = 0.0
        self._failure = ""
        self.renders = 0

    @property
    def running(self) -> bool:
        return self._kaleido is not None and self._pid == os.getpid()

    @property
    def full(self) -> bool:
        """True if a render asked for now would be refused (one drawing and the queue full)."""
        return self._admitted > self.queue

    @contextlib.contextmanager
    def _admission(self) -> Iterator[None]:
        with self._admit_lock:
            if self._admitted > self.queue:
                raise RendererBusy(f"the image renderer is busy ({self._admitted} renders drawing or waiting)")
            self._admitted += 1
        try:
            yield
        finally:
            with self._admit_lock:
                self._admitted -= 1

    def render(self, figure: go.Figure, fmt: ImageFormat, size: ImageSize) -> bytes:
        """The figure as PNG or SVG bytes at `size`; RendererUnavailable if that cannot be done now, and its
        subclass RendererBusy at once if RENDER_QUEUE renders already wait."""
        with self._admission():
            return self._render(figure, fmt, size)

    def _render(self, figure: go.Figure, fmt: ImageFormat, size: ImageSize) -> bytes:
        size = size.resolve(figure)
        spec = figure.to_dict()
        opts = {"format": fmt, "width": size.width, "height": size.height, "scale": size.scale}
        # Waiting behind a render that is itself bounded by the timeout; past that, the queue is stuck.
        if not self._lock.acquire(timeout=self.timeout + self.start_timeout * START_ATTEMPTS):
            raise RendererUnavailable("the image renderer is busy: try again in a minute")
        try:
            self._start()
            assert self._loop is not None
            future = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(spec, opts=opts), self._loop)
            try:
                data: bytes = future.result(timeout=self.timeout)
            except concurrent.futures.TimeoutError:
                future.cancel()
                self._fail(f"rendering took longer than {self.timeout:g} s", back_off=False)
                raise RendererUnavailable(f"the image renderer timed out after {self.timeout:g} s") from None
            except Exception as error:
                exited = "" if self._browser_alive() else " (Chromium exited)"
                self._fail(f"rendering failed{exited}: {error}", back_off=False)
                raise RendererUnavailable(f"the image renderer failed{exited}: {error}") from error
            self.renders += 1
            return data
        finally:
            self._lock.release()

    def _browser_alive(self) -> bool:
        process = getattr(self._kaleido, "subprocess", None)
        return process is None or process.poll() is None

    def _start(self) -> None:
        if self.running:
            if self._browser_alive():
                return
            # Died since the last render: replace it now rather than fail this request on a dead browser.
            process = self._kaleido.subprocess
            logger.warning("kaleido renderer: Chromium exited (status %s); starting a new one", process.poll())
            self._shutdown()
        if self._pid and self._pid != os.getpid():
            # Forked: the parent's loop thread and browser do not exist here.
            self._loop, self._thread, self._kaleido = None, None, None
        if self._failed_at and time.monotonic() - self._failed_at < self.retry_after:
            raise RendererUnavailable(f"the image renderer is unavailable ({self._failure}); retrying shortly")
        try:
            path = find_browser(self.browser_path)
        except RendererUnavailable as error:
            self._failed_at, self._failure = time.monotonic(), "Chromium not found"
            raise error
        for attempt in range(1, START_ATTEMPTS + 1):
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="uniondash-kaleido", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
            future = asyncio.run_coroutine_threadsafe(self._open(path), loop)
            try:
                self._kaleido = future.result(timeout=self.start_timeout)
                break
            except Exception as error:
                future.cancel()
                reason = "timed out" if isinstance(error, concurrent.futures.TimeoutError) else str(error)
                last = attempt == START_ATTEMPTS
                self._fail(f"Chromium did not start: {reason}" + ("" if last else "; trying again"), back_off=last)
                if last:
                    raise RendererUnavailable(f"Chromium at {path} did not start: {reason}") from None
        self._pid = os.getpid()
        self._failed_at = 0.0
        logger.info("kaleido renderer started with %s", path)

    async def _open(self, path: str) -> Any:
        import kaleido  # imported here: it starts logging and checks versions, only needed to render

        # mathjax=False: the default loads MathJax from a CDN, and the charts use no TeX.
        browser = kaleido.Kaleido(path=path, n=1, timeout=self.timeout, mathjax=False)
        self._starting = browser
        try:
            await browser.open()
        except Exception:
            if self._starting is not browser:
                return None  # given up on (start timed out) and killed: already reported
            raise
        self._starting = None
        return browser

    def _fail(self, reason: str, *, back_off: bool) -> None:
        logger.warning("kaleido renderer: %s; closing it", reason)
        if back_off:
            self._failed_at, self._failure = time.monotonic(), reason
        # Closed in the background: the reader gets the 503 now, not after a hung Chromium has been shut down.
        detached = self._detach()
        threading.Thread(target=_close_browser, args=detached, name="uniondash-kaleido-close", daemon=True).start()

    def _detach(self) -> tuple[asyncio.AbstractEventLoop | None, threading.Thread | None, Any]:
        """Forget the browser, its loop and thread (a later render starts new ones); returns them to close."""
        detached = (self._loop, self._thread, self._kaleido or self._starting)
        self._loop, self._thread, self._kaleido, self._starting = None, None, None, None
        return detached

    def _shutdown(self) -> None:
        _close_browser(*self._detach())

    def close(self) -> None:
        """Close the browser (a later render starts a new one)."""
        with self._lock:
            if self._pid == os.getpid():
                self._shutdown()
            self._failed_at = 0.0


def _close_browser(loop: asyncio.AbstractEventLoop | None, thread: threading.Thread | None, browser: Any) -> None:
    """Close a browser and stop its loop: politely, else kill Chromium; leave no task behind on the loop."""
    if loop is None:
        return
    if not loop.is_closed() and loop.is_running():
        if browser is not None:
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=10)
            except Exception as error:  # a hung browser: killed below rather than leaked
                logger.warning("kaleido renderer: close failed (%s); killing Chromium", error)
        # The browser's watchdog may still be pending (it wakes when Chromium exits): cancel it, or closing
        # the loop destroys a pending task ("Task was destroyed but it is pending!").
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_cancel_other_tasks(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
    if browser is not None:
        kill_browser_group(getattr(browser, "subprocess", None))
    if thread is not None:
        thread.join(timeout=10)
    if not loop.is_running() and not loop.is_closed():
        loop.close()


def kill_browser_group(process: Any) -> None:
    """Kill Chromium's whole process group (SIGKILL), whatever state it is in.

    kaleido's browser runs in a session of its own (choreographer starts it with start_new_session), its
    group led by the process kaleido holds, which may be only a wrapper: killing that one process left a
    hung browser's 8 other processes (about 225 MB) behind. A stopped process is killed by SIGKILL too.
    Done after every close, polite or not: a renderer that hung may outlive its browser's own shutdown.
    """
    pid = getattr(process, "pid", None)
    if not isinstance(pid, int) or pid <= 1 or os.name != "posix":
        return
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        group = pid  # the leader is gone; its session's group keeps its id while any member lives
    if group != pid or group == os.getpgrp():
        # Not a group of its own (never so with kaleido): kill the process only, never our own group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.wait(timeout=5)  # reap the leader (no zombie)


async def _cancel_other_tasks() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


_default_renderer: ChartRenderer | None = None
_default_lock = threading.Lock()


def default_renderer() -> ChartRenderer:
    """The process-wide renderer: every app and command in a process shares one Chromium."""
    global _default_renderer
    with _default_lock:
        if _default_renderer is None:
            _default_renderer = ChartRenderer()
            import atexit

            atexit.register(_default_renderer.close)
        return _default_renderer


# ---------------------------------------------------------------------------------------------------
# Caches: identical requests, identical bytes.


class ImageCache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


class MemoryCache:
    """An in-process LRU bounded by total bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._items[key] = data
            self._size += len(data)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


class DirectoryCache:
    """Files in a directory (shared by every worker process and kept across restarts), bounded by total bytes.

    A directory that is full or read-only degrades to serving without a cache: a write that fails is
    logged once and skipped, never an error for the reader.
    """

    def __init__(self, path: str | os.PathLike[str], max_bytes: int = 512 * 1024 * 1024) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._warned = False
        self._lock = threading.Lock()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._warn(error)

    def _file(self, key: str) -> Path:
        return self.path / f"{key}.bin"

    def get(self, key: str) -> bytes | None:
        try:
            return self._file(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        temporary: str | None = None
        try:
            # Write then rename: a reader (another worker) never sees half a file.
            with tempfile.NamedTemporaryFile(dir=self.path, prefix=".tmp-", delete=False) as handle:
                temporary = handle.name
                handle.write(data)
            os.replace(temporary, self._file(key))
        except OSError as error:
            self._warn(error)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            return
        self._prune()

    def _prune(self) -> None:
        with self._lock:
            try:
                files = [(entry.stat().st_mtime, entry.stat().st_size, entry) for entry in self.path.glob("*.bin")]
            except OSError:
                return
            total = sum(size for _, size, _ in files)
            for _, size, entry in sorted(files, key=lambda item: item[0]):
                if total <= self.max_bytes:
                    break
                try:
                    entry.unlink()
                    total -= size
                except OSError:
                    pass

    def _warn(self, error: OSError) -> None:
        if not self._warned:
            logger.warning("image cache %s not writable (%s): serving images without caching them", self.path, error)
            self._warned = True


def cache_from_env(environ: Mapping[str, str] | None = None) -> ImageCache:
    """Redis at $UNIONDASH_REDIS_URL if set (shared by every worker and host), else a `DirectoryCache` at
    $UNIONDASH_CACHE_DIR if set, else an in-memory LRU."""
    from uniondash.exports.shared_cache import redis_cache_from_env  # redis itself only when configured

    env = os.environ if environ is None else environ
    shared = redis_cache_from_env(env)
    if shared is not None:
        return shared
    directory = env.get(ENV_CACHE_DIR, "").strip()
    return DirectoryCache(Path(directory).expanduser()) if directory else MemoryCache()


# ---------------------------------------------------------------------------------------------------
# The service: chart + filters + format + size -> bytes, cached.


class NoFiguresError(QueryError):
    """The filters leave the chart without a single figure: there is nothing to draw."""


@dataclass(frozen=True)
class ChartImage:
    data: bytes
    media_type: str
    key: str
    cached: bool


def dataset_fingerprint(dataset: Dataset) -> str:
    """A short hash of every table (labels too): new data never gets an old image or page from a cache."""
    digest = hashlib.sha256()
    tables = ("facts", "sources", "sections", "programmes", "metrics", "measures", "levels", "kinds", "scopes")
    for frame in (getattr(dataset, table) for table in (*tables, "headlines")):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _code_fingerprint() -> str:
    # The chart code and this module decide what an image looks like; so do plotly and kaleido. Read once,
    # at import, so it describes the code this process runs (not a file edited since).
    digest = hashlib.sha256()
    for module_file in (figures.__file__, __file__):
        digest.update(Path(module_file).read_bytes())
    for package in ("plotly", "kaleido"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(importlib.metadata.version(package).encode())
    return digest.hexdigest()[:16]


_CODE_VERSION = _code_fingerprint()


class ChartImages:
    """PNG/SVG of the registry's charts for one dataset, through a cache and a shared renderer."""

    def __init__(
        self, dataset: Dataset, renderer: ChartRenderer | None = None, cache: ImageCache | None = None
    ) -> None:
        self.dataset = dataset
        self.renderer = renderer or default_renderer()
        self.cache = cache if cache is not None else cache_from_env()
        self._version = f"{dataset_fingerprint(dataset)}-{_CODE_VERSION}"

    def cache_key(self, chart: Chart, filters: Filters, fmt: str, size: ImageSize) -> str:
        """chart id + canonical query + format + size (+ data and code version), hashed."""
        parts = (chart.id, to_query_string(filters), fmt, size.key(fmt), self._version)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def image(self, chart: Chart, filters: Filters, fmt: ImageFormat, size: ImageSize = DEFAULT_SIZE) -> ChartImage:
        """The chart drawn for `filters`; NoFiguresError if they leave it empty, RendererUnavailable on 503."""
        key = self.cache_key(chart, filters, fmt, size)
        cached = self.cache.get(key)
        if cached is not None:
            return ChartImage(cached, MEDIA_TYPES[fmt], key, cached=True)
        if getattr(self.renderer, "full", False):  # refused before the figure is built: a flood costs nothing
            raise RendererBusy("the image renderer is busy")
        facts = chart.rows(self.dataset, filters)
        if facts.empty:
            raise NoFiguresError(f"chart {chart.id!r} has no figures for these filters （所选范围内没有该图表的数据）")
        figure = print_figure(
            chart_figure(chart, self.dataset, filters), chart_caption(chart, self.dataset, filters, facts)
        )
        data = self.renderer.render(figure, fmt, size)
        self.cache.put(key, data)
        return ChartImage(data, MEDIA_TYPES[fmt], key, cached=False)
