"""Chart files for the press: CSV (BOM, neutralised cells), standalone HTML, metadata JSON, ZIP; share links.

Every test runs over whatever charts `charts.CHARTS` holds.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.pngtools import png_chunks, png_dpi, png_pixels, tiny_png
from uniondash.charts import CHARTS, Chart
from uniondash.exports import chart_files
from uniondash.exports.chart_files import (
    CSV_COLUMNS,
    chart_csv,
    chart_metadata,
    chart_zip,
    csv_frame,
    export_filename,
    neutralise,
    standalone_html,
)
from uniondash.exports.images import ChartImage, ImageSize
from uniondash.figures import chart_figure
from uniondash.format import display_value, period_label
from uniondash.model import Dataset, Filters
from uniondash.share import (
    EMBED_CHROME,
    EMBED_HEIGHT,
    chart_view_url,
    embed_layout,
    embed_url,
    export_url,
    frame_height,
    iframe_code,
)

CITATION_ZH = "株洲日报 2023年11月30日 第3版"
CITATION_EN = "Zhuzhou Daily, 30 November 2023, page 3"
GENERATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def charts_with_rows(dataset: Dataset, filters: Filters) -> list[Chart]:
    charts = [chart for chart in CHARTS.values() if not chart.rows(dataset, filters).empty]
    assert charts, "no chart has figures for these filters"
    return charts


def with_label(dataset: Dataset, label: str) -> tuple[Dataset, str]:
    """A copy of the dataset whose first charted fact is labelled `label` (zh and en); returns its id."""
    chart = next(iter(CHARTS.values()))
    fact_id = str(chart.rows(dataset, Filters())["id"].iloc[0])
    facts = dataset.facts.copy()
    facts.loc[facts["id"] == fact_id, ["label_zh", "label_en"]] = label
    return replace(dataset, facts=facts), fact_id


# --- CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_reads_back_equal_to_the_chart_rows(dataset: Dataset, lang: str) -> None:
    filters = Filters(lang=lang)
    for chart in charts_with_rows(dataset, filters):
        data = chart_csv(chart, dataset, filters)
        assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)
        rows = chart.rows(dataset, filters)
        assert tuple(frame.columns) == CSV_COLUMNS
        assert frame["id"].tolist() == rows["id"].tolist()
        assert frame["label"].tolist() == rows[f"label_{lang}"].tolist()
        assert [float(value) for value in frame["value"]] == rows["value"].tolist()
        assert frame["value_as_written"].tolist() == rows["as_written"].tolist()
        assert frame["display"].tolist() == [display_value(row, lang) for _, row in rows.iterrows()]
        assert frame["unit"].tolist() == rows[f"unit_{lang}"].tolist()
        assert frame["qualifier"].tolist() == rows["qualifier"].tolist()
        assert frame["source_quote"].tolist() == rows["source_quote"].tolist()
        periods = [period_label(s, e, lang) for s, e in zip(rows["period_start"], rows["period_end"], strict=True)]
        assert frame["period"].tolist() == periods


def test_csv_keeps_the_reports_wording_of_a_known_figure(dataset: Dataset) -> None:
    """One figure checked by hand: the winter-warmth funds, '2.8亿元', 280 million yuan."""
    frame = csv_frame(dataset.facts[dataset.facts["id"] == "aid-winter-funds"], dataset, "zh")
    row = frame.iloc[0]
    assert (row["value"], row["value_as_written"], row["unit"], row["period"]) == (
        280000000,
        "2.8亿元",
        "元",
        "2019–2023年",
    )
    assert row["scope"] == dataset.label("scopes", "city", "zh")


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_neutralise_quotes_formula_starts(dangerous: str) -> None:
    assert neutralise(dangerous) == "'" + dangerous


@pytest.mark.parametrize("safe", ["2.8亿元", "职工帮扶", "", "a=b", "1-2"])
def test_neutralise_leaves_plain_text(safe: str) -> None:
    assert neutralise(safe) == safe


def test_csv_neutralises_a_formula_in_the_data(dataset: Dataset) -> None:
    tampered, fact_id = with_label(dataset, '=HYPERLINK("http://evil.example","点击")')
    chart = next(iter(CHARTS.values()))
    frame = pd.read_csv(io.BytesIO(chart_csv(chart, tampered, Filters())), encoding="utf-8-sig", dtype=str)
    label = frame.loc[frame["id"] == fact_id, "label"].iloc[0]
    assert label == '\'=HYPERLINK("http://evil.example","点击")'
    # Numbers stay numbers.
    assert pd.to_numeric(frame["value"]).notna().all()


# --- HTML -----------------------------------------------------------------------------------------


def test_standalone_html_works_offline_and_cites(dataset: Dataset) -> None:
    chart = next(iter(CHARTS.values()))
    page = standalone_html(chart, dataset, Filters(), base_url="https://data.example.cn")
    assert page.startswith("<!doctype html>")
    assert '<html lang="zh-CN">' in page
    assert "<script src=" not in page, "plotly.js must be inlined, not loaded from a CDN"
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.min.js is ~4.6 MB
    assert '"responsive": true' in page
    assert f"<title>{chart.title('zh')}</title>" in page
    # The source line is inside the figure's JSON: Chinese as \u escapes (json) or as is (orjson, when installed).
    assert json.dumps(CITATION_ZH)[1:-1] in page or json.dumps(CITATION_ZH, ensure_ascii=False)[1:-1] in page
    assert f'href="https://data.example.cn/section/{chart.section_id}#chart-{chart.id}"' in page


def test_standalone_html_escapes_data(dataset: Dataset) -> None:
    tampered, _ = with_label(dataset, "</script><script>alert(1)</script>")
    page = standalone_html(next(iter(CHARTS.values())), tampered, Filters())
    assert "<script>alert" not in page and "</script><s" not in page
    # The label reaches the figure as JSON text, "<" escaped (charts may wrap it over lines).
    assert "alert" in page and "\\u003c" in page
    assert page.count("</script>") == page.count("<script")


# --- metadata and ZIP -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_metadata_names_title_units_periods_filters_source_quotes(dataset: Dataset, lang: str) -> None:
    years = frozenset(range(2019, 2024))
    filters = Filters(years=years, lang=lang)
    for chart in charts_with_rows(dataset, filters):
        rows = chart.rows(dataset, filters)
        meta = json.loads(
            chart_files.metadata_json(chart_metadata(chart, dataset, filters, "https://d.example/", GENERATED))
        )
        assert meta["chart_id"] == chart.id
        assert meta["title"] == chart.title(lang)
        assert meta["units"] == list(dict.fromkeys(rows[f"unit_{lang}"]))
        assert meta["period"] == period_label(int(rows["period_start"].min()), int(rows["period_end"].max()), lang)
        assert meta["filters"]["years"] == [2019, 2020, 2021, 2022, 2023]
        assert meta["citation"] == (CITATION_ZH if lang == "zh" else CITATION_EN)
        assert meta["sources"][0]["published"] == "2023-11-30"
        assert [figure["id"] for figure in meta["figures"]] == rows["id"].tolist()
        assert [figure["source_quote"] for figure in meta["figures"]] == rows["source_quote"].tolist()
        assert meta["generated_at"] == "2026-01-02T03:04:05+00:00"
        query = "years=2019-2023" + ("&lang=en" if lang == "en" else "")
        assert meta["permalink"] == f"https://d.example/section/{chart.section_id}?{query}#chart-{chart.id}"
        assert meta["embed_url"] == f"https://d.example/embed/{chart.id}?{query}"


class FakeImages:
    """Stands in for the renderer: a tiny PNG and a small SVG, remembering what was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ImageSize]] = []

    def image(self, chart: Chart, filters: Filters, fmt: str, size: ImageSize) -> ChartImage:
        self.asked.append((fmt, size))
        data = tiny_png() if fmt == "png" else b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"></svg>'
        return ChartImage(data, f"image/{fmt}", "key", cached=False)


def test_zip_bundles_images_csv_metadata_and_a_bilingual_readme_with_the_licence(dataset: Dataset) -> None:
    chart = CHARTS["aid-funds"]
    filters = Filters()
    images = FakeImages()
    data = chart_zip(chart, dataset, filters, "https://d.example", GENERATED, images=images, licence="Terms X")  # type: ignore[arg-type]
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert sorted(bundle.namelist()) == sorted(
            ["aid-funds.png", "aid-funds.svg", "aid-funds.csv", "metadata.json", "README.txt"]
        )
        assert bundle.read("aid-funds.csv") == chart_csv(chart, dataset, filters, "Terms X")
        png, svg = bundle.read("aid-funds.png"), bundle.read("aid-funds.svg").decode()
        meta = json.loads(bundle.read("metadata.json"))
        readme = bundle.read("README.txt").decode("utf-8-sig")
    # The print image: 300 dpi recorded in the file, with title, source and licence.
    assert round(png_dpi(png) or 0) == 300
    texts = [body for kind, body in png_chunks(png) if kind == b"iTXt"]
    assert any(b"Copyright" in body and b"Terms X" in body for body in texts)
    assert images.asked[0][1].scale == 3
    assert "<title>职工帮扶资金和物资（按项目）</title>" in svg and "Terms X" in svg
    assert meta["chart_id"] == chart.id and meta["licence"] == "Terms X"
    assert f"数据来源：{CITATION_ZH}" in readme
    assert f"Source: {CITATION_EN}" in readme
    assert chart.title("zh") in readme and chart.title("en") in readme
    assert "300 dpi" in readme and "许可 Licence: Terms X" in readme and "part_of" in readme
    assert "https://d.example/section/aid#chart-aid-funds" in readme
    # Same inputs, same bytes (the ZIP entries carry the generated time, not the clock).
    assert chart_zip(chart, dataset, filters, "https://d.example", GENERATED, images=images, licence="Terms X") == data  # type: ignore[arg-type]


def test_zip_without_a_renderer_holds_the_data_files(dataset: Dataset) -> None:
    chart = next(iter(CHARTS.values()))
    with zipfile.ZipFile(io.BytesIO(chart_zip(chart, dataset, Filters(), generated=GENERATED))) as bundle:
        assert sorted(bundle.namelist()) == sorted([f"{chart.id}.csv", "metadata.json", "README.txt"])


def test_licence_comes_from_the_environment_with_a_default() -> None:
    assert chart_files.licence_text({}) == chart_files.DEFAULT_LICENCE
    assert chart_files.licence_text({"UNIONDASH_LICENCE": "  "}) == chart_files.DEFAULT_LICENCE
    assert chart_files.licence_text({"UNIONDASH_LICENCE": "仅供新闻报道使用\n Press use only"}) == (
        "仅供新闻报道使用 Press use only"
    )


def test_csv_and_metadata_say_what_may_be_added(dataset: Dataset) -> None:
    """The aid funds: 258.5万 (其中本级) is part of 2163.5万; summing the value column would count it twice."""
    chart = CHARTS["aid-funds"]
    frame = csv_frame(chart.rows(dataset, Filters()), dataset, "zh", "T")
    part = frame[frame["part_of"] != ""]
    assert len(part) == 1 and part["display"].iloc[0].startswith("258.5万")
    assert part["part_of"].iloc[0] in set(frame["id"])
    assert part["may_add"].tolist() == ["否"] and set(frame.loc[frame["part_of"] == "", "may_add"]) == {"是"}
    assert set(frame["measure"]) == {dataset.label("measures", "money", "zh")}
    assert set(frame["licence"]) == {"T"}
    adding = frame.loc[frame["may_add"] == "是", "value"].astype(float).sum()
    assert adding == chart.rows(dataset, Filters()).query("part_of == ''")["value"].sum()
    meta = chart_metadata(chart, dataset, Filters(lang="en"), generated=GENERATED, licence="T")
    assert [f["may_add"] for f in meta["figures"]] == [p == "" for p in frame["part_of"]]
    assert all(f["measure"] == "money" and f["kind"] == "aggregate" for f in meta["figures"])
    assert "part_of" in meta["adding"]
    # Rates never add up; levels are lists that may overlap.
    rates = csv_frame(CHARTS["labour-relations-rates"].rows(dataset, Filters()), dataset, "en", "T")
    assert set(rates["may_add"]) == {"no"}
    models = chart_metadata(CHARTS["model-workers"], dataset, Filters(lang="en"), generated=GENERATED)
    assert "overlap" in models["adding"] and len({f["level"] for f in models["figures"]}) > 1


def test_png_with_dpi_records_the_resolution_once_and_keeps_the_pixels() -> None:
    original = tiny_png(3, 2)
    marked = chart_files.png_with_dpi(original, 300, {"Title": "职工帮扶"})
    assert round(png_dpi(marked) or 0) == 300 and png_dpi(original) is None
    again = chart_files.png_with_dpi(marked, 150)
    assert [kind for kind, _ in png_chunks(again)].count(b"pHYs") == 1 and round(png_dpi(again) or 0) == 150
    assert (png_pixels(again) == png_pixels(original)).all()
    with pytest.raises(ValueError, match="not a PNG"):
        chart_files.png_with_dpi(b"GIF89a", 300)


def test_export_filename_names_years_and_language() -> None:
    assert export_filename("aid-funds", Filters(), "png") == "aid-funds.png"
    years = frozenset({2019, 2020, 2023})
    assert export_filename("aid-funds", Filters(years=years, lang="en"), "csv") == "aid-funds_2019-2020_2023_en.csv"


# --- share links ----------------------------------------------------------------------------------


def test_share_urls_use_the_canonical_query() -> None:
    filters = Filters(years=frozenset({2021, 2022, 2023}), programmes=("winter-warmth",), lang="en")
    assert embed_url("aid-funds", Filters()) == "/embed/aid-funds"
    assert embed_url("aid-funds", filters) == "/embed/aid-funds?years=2021-2023&programme=winter-warmth&lang=en"
    assert export_url("aid-funds", "csv", Filters()) == "/export/chart/aid-funds.csv"
    assert (
        export_url("aid-funds", "png", filters, width=1200, height=800, scale=3)
        == "/export/chart/aid-funds.png?years=2021-2023&programme=winter-warmth&lang=en&width=1200&height=800&scale=3"
    )
    with pytest.raises(ValueError, match="unknown export format"):
        export_url("aid-funds", "gif", Filters())


def test_iframe_code_escapes_title_and_url_and_includes_the_sizing_script() -> None:
    code = iframe_code("aid-funds", Filters(lang="en"), "https://d.example/", 'Aid "funds" <b>', 700)
    assert code.startswith('<iframe src="https://d.example/embed/aid-funds?lang=en"')
    assert 'title="Aid &quot;funds&quot; &lt;b&gt;"' in code
    assert 'width="100%"' in code and 'loading="lazy"' in code and 'height="700"' in code
    assert " data-uniondash>" in code
    assert code.endswith('\n<script src="https://d.example/embed.js" async></script>')


def test_share_links_to_the_charts_own_view_and_static_embed() -> None:
    filters = Filters(years=frozenset({2021, 2022, 2023}), lang="en")
    assert chart_view_url("aid-funds", "aid", filters) == "/section/aid?years=2021-2023&lang=en#chart-aid-funds"
    assert chart_view_url("aid-funds", "aid", Filters()) == "/section/aid#chart-aid-funds"
    assert embed_url("aid-funds", Filters(), static=True) == "/embed/aid-funds?static=1"
    assert embed_url("aid-funds", filters, static=True) == "/embed/aid-funds?years=2021-2023&lang=en&static=1"


def test_fallback_frame_height_is_the_embedded_chart_and_its_page(dataset: Dataset) -> None:
    figure = chart_figure(CHARTS["aid-funds"], dataset, Filters())
    height, top, bottom = embed_layout(figure)
    # Title and source moved out of the figure into the page: the chart is shorter by their room, never squeezed.
    margin = figure.layout.margin
    assert top < margin.t and bottom < margin.b
    assert height == figure.layout.height - (margin.t - top) - (margin.b - bottom)
    assert frame_height(height) == height + EMBED_CHROME and frame_height(None) == EMBED_HEIGHT
