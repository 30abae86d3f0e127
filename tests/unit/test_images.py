"""Chart images: size limits, the print look, the caches, and the kaleido renderer with the system Chromium.

Rendering tests use Debian's chromium (through kaleido). Without it they skip, except under CI=true,
where they fail: a press kit that cannot make images must not pass unnoticed.
"""

from __future__ import annotations

import html
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import plotly.graph_objects as go
import pytest

from tests.pngtools import ink, png_size
from uniondash.charts import CHARTS
from uniondash.exports import images
from uniondash.exports.images import (
    PALETTE,
    ChartCaption,
    ChartImages,
    ChartRenderer,
    DirectoryCache,
    ImageSize,
    ImageSizeError,
    MemoryCache,
    RendererUnavailable,
    cache_from_env,
    chart_caption,
    dataset_fingerprint,
    find_browser,
    image_size,
    parse_image_size,
    print_figure,
)
from uniondash.figures import (
    FONT_FAMILY,
    FONT_FAMILY_EN,
    chart_figure,
)
from uniondash.format import period_label
from uniondash.model import Dataset, Filters

CHROMIUM = "/usr/bin/chromium"
CITATION_ZH = "株洲日报 2023年11月30日 第3版"


def require_chromium() -> None:
    if shutil.which(CHROMIUM) is None:
        message = f"{CHROMIUM} not installed: run `make system` (Debian chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def renderer() -> Iterator[ChartRenderer]:
    require_chromium()
    shared = ChartRenderer(CHROMIUM)
    yield shared
    shared.close()


def charted(dataset: Dataset, filters: Filters) -> list[str]:
    ids = [chart_id for chart_id, chart in CHARTS.items() if not chart.rows(dataset, filters).empty]
    assert ids
    return ids


# --- size limits ----------------------------------------------------------------------------------


def test_default_size_is_the_figures_own_height_at_scale_2() -> None:
    size = parse_image_size({})
    assert size == ImageSize(None, None, 2.0)
    figure = go.Figure(layout={"height": 640})
    assert size.resolve(figure) == ImageSize(1200, 640, 2.0)
    assert size.resolve(go.Figure()) == ImageSize(1200, 750, 2.0)


def test_parse_image_size_reads_query_values() -> None:
    assert parse_image_size({"width": ["800"], "height": ["600"], "scale": ["3"]}) == ImageSize(800, 600, 3.0)
    assert parse_image_size({"width": "300", "height": "200", "scale": "1.5"}) == ImageSize(300, 200, 1.5)
    assert parse_image_size({"width": [""], "scale": [" "]}) == ImageSize(None, None, 2.0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"width": "5000"}, "width 5000 is out of range: use 300–4000"),
        ({"width": "299"}, "width 299 is out of range"),
        ({"height": "100"}, "height 100 is out of range: use 200–4000"),
        ({"scale": "0.5"}, "scale 0.5 is out of range: use 1–4"),
        ({"scale": "5"}, "scale 5 is out of range"),
        ({"width": "abc"}, "width='abc' is not a whole number of pixels"),
        ({"width": "12.5"}, "width='12.5' is not a whole number"),
        ({"height": "-300"}, "height='-300' is not a whole number"),
        ({"scale": "1e3"}, "scale='1e3' is not a number such as 2 or 1.5"),
        ({"width": "4000", "height": "4000", "scale": "4"}, "16000×16000 pixels is too large"),
    ],
)
def test_parse_image_size_rejects_out_of_range_and_malformed(params: dict[str, str], message: str) -> None:
    with pytest.raises(ImageSizeError, match=message):
        parse_image_size(params)


def test_an_svg_has_no_pixels_so_the_largest_size_is_allowed() -> None:
    # Before: 4000 × 4000 at the default scale 2 was 64 million "pixels" and refused, for a vector image.
    with pytest.raises(ImageSizeError, match="too large"):
        parse_image_size({"width": "4000", "height": "4000"}, "png")
    assert parse_image_size({"width": "4000", "height": "4000"}, "svg") == ImageSize(4000, 4000, 1.0)
    assert parse_image_size({"width": "4000", "height": "4000", "scale": "4"}, "svg") == ImageSize(4000, 4000, 1.0)
    # The sides and the scale keep their own bounds.
    with pytest.raises(ImageSizeError, match="scale 9 is out of range"):
        parse_image_size({"scale": "9"}, "svg")
    with pytest.raises(ImageSizeError, match="width 4001 is out of range"):
        parse_image_size({"width": "4001"}, "svg")


def test_300_dpi_a4_fits_within_the_limits() -> None:
    size = image_size(1170, 827, 3)  # A4 landscape at 300 dpi: 3508 × 2480 px
    assert size.pixels == (3510, 2481)


def test_cache_key_part_ignores_scale_for_svg() -> None:
    assert ImageSize(800, 600, 2).key("svg") == ImageSize(800, 600, 3).key("svg") == "800x600"
    assert ImageSize(800, None, 2).key("png") == "800xauto@2"


# --- caption and print look -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_caption_of_every_chart_names_title_period_units_and_source(dataset: Dataset, lang: str) -> None:
    filters = Filters(lang=lang)
    for chart_id in charted(dataset, filters):
        chart = CHARTS[chart_id]
        rows = chart.rows(dataset, filters)
        caption = chart_caption(chart, dataset, filters)
        assert caption.title == chart.title(lang)
        assert caption.period == period_label(int(rows["period_start"].min()), int(rows["period_end"].max()), lang)
        assert caption.units == tuple(dict.fromkeys(rows[f"unit_{lang}"]))
        assert caption.source == (CITATION_ZH if lang == "zh" else "Zhuzhou Daily, 30 November 2023, page 3")


def test_print_figure_is_white_with_cjk_fonts_and_the_palette() -> None:
    styled = print_figure(go.Figure(go.Bar(x=[1, 2], y=["a", "b"]), layout={"plot_bgcolor": "#e5ecf6"}))
    assert styled.layout.paper_bgcolor == styled.layout.plot_bgcolor == "white"
    assert styled.layout.font.family == FONT_FAMILY
    assert tuple(styled.layout.template.layout.colorway) == PALETTE


def test_print_figure_keeps_an_english_charts_latin_face(dataset: Dataset) -> None:
    """An English chart keeps its Latin-first face (a CJK face sets “quotes” full-width); CJK follows it."""
    chart = CHARTS[charted(dataset, Filters())[0]]
    styled = print_figure(chart_figure(chart, dataset, Filters(lang="en")))
    family = styled.layout.font.family
    assert family == FONT_FAMILY_EN and family.index("DejaVu Sans") < family.index("Noto Sans CJK SC")
    assert print_figure(chart_figure(chart, dataset, Filters())).layout.font.family == FONT_FAMILY


def test_print_figure_adds_an_escaped_caption_to_a_bare_figure() -> None:
    caption = ChartCaption("x", "帮扶<资金>", "2019–2023年", ("元", "人"), "株洲日报 & 第3版", "zh")
    styled = print_figure(go.Figure(go.Bar(x=[1], y=["a"])), caption)
    assert styled.layout.title.text == "<b>帮扶&lt;资金&gt;</b>"
    assert styled.layout.title.subtitle.text == "2019–2023年 · 单位：元、人<br>数据来源：株洲日报 &amp; 第3版"
    assert styled.layout.title.automargin is True


def test_print_figure_keeps_a_charts_own_caption(dataset: Dataset) -> None:
    """Charts that title themselves and cite the source inside keep their captions: no second source line."""
    for chart_id in charted(dataset, Filters()):
        chart = CHARTS[chart_id]
        figure = chart_figure(chart, dataset, Filters())
        caption = chart_caption(chart, dataset, Filters())
        styled = print_figure(figure, caption)
        texts = images.figure_texts(styled)
        assert sum(CITATION_ZH in text for text in texts) >= 1
        if images.cites(figure, caption.source) and figure.layout.title.text:
            assert texts == images.figure_texts(figure)


# --- caches ---------------------------------------------------------------------------------------


def test_memory_cache_evicts_least_recently_used() -> None:
    cache = MemoryCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("c", b"90ab")
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"90ab"
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None


def test_directory_cache_round_trip_and_size_bound(tmp_path: Path) -> None:
    cache = DirectoryCache(tmp_path / "cache", max_bytes=10)
    cache.put("a", b"123456")
    assert cache.get("a") == b"123456"
    assert DirectoryCache(tmp_path / "cache").get("a") == b"123456", "another worker sees the same file"
    cache.put("b", b"789012")
    assert len(list((tmp_path / "cache").glob("*.bin"))) == 1
    assert cache.get("b") == b"789012"


def test_unwritable_cache_dir_degrades_to_no_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = DirectoryCache(blocker / "cache")
    cache.put("a", b"data")
    assert cache.get("a") is None
    assert "not writable" in caplog.text


def test_full_cache_dir_degrades_to_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DirectoryCache(tmp_path)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(images.tempfile, "NamedTemporaryFile", disk_full)
    cache.put("a", b"data")
    assert cache.get("a") is None


def test_cache_from_env(tmp_path: Path) -> None:
    assert isinstance(cache_from_env({}), MemoryCache)
    chosen = cache_from_env({"UNIONDASH_CACHE_DIR": str(tmp_path / "c")})
    assert isinstance(chosen, DirectoryCache) and chosen.path == tmp_path / "c"


def test_dataset_fingerprint_changes_with_a_figure(dataset: Dataset) -> None:
    facts = dataset.facts.copy()
    facts.loc[0, "value"] = facts.loc[0, "value"] + 1
    assert dataset_fingerprint(replace(dataset, facts=facts)) != dataset_fingerprint(dataset)
    assert dataset_fingerprint(dataset) == dataset_fingerprint(dataset)


# --- renderer -------------------------------------------------------------------------------------


def test_png_of_every_chart_has_the_asked_size_and_is_not_blank(dataset: Dataset, renderer: ChartRenderer) -> None:
    service = ChartImages(dataset, renderer, MemoryCache())
    for chart_id in charted(dataset, Filters()):
        chart = CHARTS[chart_id]
        natural = chart_figure(chart, dataset, Filters()).layout.height
        image = service.image(chart, Filters(), "png", ImageSize(500, None, 1))
        size = png_size(image.data)
        assert (size.width, size.height) == (500, natural or 750), chart_id
        colours, covered = ink(image.data)
        assert colours >= 16 and covered > 0.02, f"{chart_id}: looks blank ({colours} colours, {covered:.1%} ink)"


def test_png_size_is_multiplied_by_scale(dataset: Dataset, renderer: ChartRenderer) -> None:
    chart = CHARTS[charted(dataset, Filters())[0]]
    data = ChartImages(dataset, renderer, MemoryCache()).image(chart, Filters(), "png", ImageSize(640, 420, 2)).data
    assert png_size(data) == type(png_size(data))(1280, 840)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_svg_of_every_chart_holds_its_title_as_text(dataset: Dataset, renderer: ChartRenderer, lang: str) -> None:
    filters = Filters(lang=lang)
    service = ChartImages(dataset, renderer, MemoryCache())
    for chart_id in charted(dataset, filters):
        image = service.image(CHARTS[chart_id], filters, "svg", ImageSize(900, None, 1))
        assert image.media_type == "image/svg+xml"
        svg = html.unescape(image.data.decode("utf-8"))
        assert svg.startswith("<svg")
        assert CHARTS[chart_id].title(lang) in svg, chart_id
        assert ("株洲日报" if lang == "zh" else "Zhuzhou Daily") in svg


def test_second_request_is_served_from_the_cache_with_identical_bytes(
    dataset: Dataset, renderer: ChartRenderer
) -> None:
    chart = CHARTS[charted(dataset, Filters())[0]]
    service = ChartImages(dataset, renderer, MemoryCache())
    first = service.image(chart, Filters(), "png", ImageSize(400, 300, 1))
    renders = renderer.renders
    second = service.image(chart, Filters(), "png", ImageSize(400, 300, 1))
    assert (first.cached, second.cached) == (False, True)
    assert second.data == first.data and second.key == first.key
    assert renderer.renders == renders, "a cached image must not be rendered again"
    other = service.image(chart, Filters(lang="en"), "png", ImageSize(400, 300, 1))
    assert other.key != first.key and not other.cached


def test_directory_cache_serves_another_service(dataset: Dataset, renderer: ChartRenderer, tmp_path: Path) -> None:
    chart = CHARTS[charted(dataset, Filters())[0]]
    first = ChartImages(dataset, renderer, DirectoryCache(tmp_path)).image(chart, Filters(), "svg", ImageSize(400, 300))
    again = ChartImages(dataset, renderer, DirectoryCache(tmp_path)).image(chart, Filters(), "svg", ImageSize(400, 300))
    assert again.cached and again.data == first.data


def test_concurrent_renders_share_one_browser(dataset: Dataset, renderer: ChartRenderer) -> None:
    chart = CHARTS[charted(dataset, Filters())[0]]
    service = ChartImages(dataset, renderer, MemoryCache())
    results: dict[int, bytes] = {}

    def render(width: int) -> None:
        results[width] = service.image(chart, Filters(), "png", ImageSize(width, 300, 1)).data

    # As many as the renderer admits (one drawing, the queue waiting); beyond it, see test_faults' flood test.
    widths = [400 + 100 * index for index in range(1 + renderer.queue)]
    threads = [threading.Thread(target=render, args=(width,)) for width in widths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {width: png_size(data).width for width, data in results.items()} == {width: width for width in widths}


def test_missing_browser_is_renderer_unavailable(dataset: Dataset, tmp_path: Path) -> None:
    missing = ChartRenderer(str(tmp_path / "no-chromium"))
    service = ChartImages(dataset, missing, MemoryCache())
    chart = CHARTS[charted(dataset, Filters())[0]]
    with pytest.raises(RendererUnavailable, match="Chromium not found"):
        service.image(chart, Filters(), "png")
    # The next request fails fast, without looking again.
    with pytest.raises(RendererUnavailable, match="retrying shortly"):
        service.image(chart, Filters(), "png")


def test_find_browser_reads_the_environment(tmp_path: Path) -> None:
    require_chromium()
    assert find_browser(environ={"UNIONDASH_CHROMIUM": CHROMIUM}) == CHROMIUM
    assert find_browser(environ={"BROWSER_PATH": CHROMIUM}) == CHROMIUM
    with pytest.raises(RendererUnavailable, match="UNIONDASH_CHROMIUM"):
        find_browser(environ={"UNIONDASH_CHROMIUM": str(tmp_path / "nothing")})


def test_a_hung_render_times_out_and_the_renderer_recovers(dataset: Dataset) -> None:
    require_chromium()
    chart = CHARTS[charted(dataset, Filters())[0]]
    slow = ChartRenderer(CHROMIUM, timeout=0.001, retry_after=0)
    try:
        with pytest.raises(RendererUnavailable, match="timed out"):
            slow.render(chart_figure(chart, dataset, Filters()), "png", ImageSize(400, 300, 1))
        assert not slow.running, "a timed-out browser is closed"
        slow.timeout = 30
        data = slow.render(chart_figure(chart, dataset, Filters()), "png", ImageSize(400, 300, 1))
        assert png_size(data).width == 400
    finally:
        slow.close()


def test_a_browser_that_does_not_start_in_time_is_unavailable(dataset: Dataset) -> None:
    require_chromium()
    chart = CHARTS[charted(dataset, Filters())[0]]
    slow_start = ChartRenderer(CHROMIUM, start_timeout=0.2, retry_after=0)
    try:
        with pytest.raises(RendererUnavailable, match="did not start: timed out"):
            slow_start.render(chart_figure(chart, dataset, Filters()), "png", ImageSize(400, 300, 1))
        assert not slow_start.running
    finally:
        slow_start.close()
