"""A chart's data as files a journalist can take away: CSV, standalone HTML, metadata JSON and a ZIP bundle.

Pure builders: (chart, dataset, filters) in, bytes or text out. Nothing here needs a browser; every file
names its source and period, and keeps the report's wording of each figure.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from uniondash import __version__
from uniondash.errors import UniondashError
from uniondash.exports.images import (
    DEFAULT_SIZE,
    IMAGE_FORMATS,
    ChartImages,
    ImageSize,
    RendererUnavailable,
    chart_caption,
    print_figure,
)
from uniondash.figures import CHARTS, FONT_FAMILY_EN, PLOTLY_CONFIG, Chart
from uniondash.format import display_value, period_label
from uniondash.model import Dataset, Filters, Lang
from uniondash.query import format_years, to_query_string
from uniondash.share import dashboard_url, embed_url

CSV_COLUMNS = (
    "id",
    "label",
    "value",
    "value_as_written",
    "display",
    "unit",
    "qualifier",
    "period",
    "period_start",
    "period_end",
    "scope",
    "level",
    "kind",
    "source_quote",
)
# A cell starting with one of these is a formula (or DDE) to Excel and LibreOffice.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` made inert in a spreadsheet: a leading = + - @ tab or CR gets a quote (OWASP's advice)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_filename(chart_id: str, filters: Filters, ext: str) -> str:
    """'aid-funds.png', 'aid-funds_2021-2023_en.csv': the years and language chosen, ASCII only."""
    parts = [chart_id]
    if filters.years is not None:
        parts.append(format_years(filters.years).replace(",", "_"))
    if filters.lang != "zh":
        parts.append(filters.lang)
    return "_".join(parts) + "." + ext


def csv_frame(facts: pd.DataFrame, dataset: Dataset, lang: Lang) -> pd.DataFrame:
    """The chart's facts as the CSV's table (CSV_COLUMNS), labels in `lang`, text cells neutralised."""
    rows = []
    for _, fact in facts.iterrows():
        start, end = int(fact["period_start"]), int(fact["period_end"])
        value = float(fact["value"])
        rows.append(
            {
                "id": fact["id"],
                "label": fact[f"label_{lang}"],
                "value": int(value) if value.is_integer() else value,
                "value_as_written": fact["as_written"],
                "display": display_value(fact, lang),
                "unit": fact[f"unit_{lang}"],
                "qualifier": fact["qualifier"],
                "period": period_label(start, end, lang),
                "period_start": start,
                "period_end": end,
                "scope": dataset.label("scopes", str(fact["scope_id"]), lang),
                "level": dataset.label("levels", str(fact["level_id"]), lang) if fact["level_id"] else "",
                "kind": dataset.label("kinds", str(fact["kind"]), lang),
                "source_quote": fact["source_quote"],
            }
        )
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    for column in frame.columns:
        if column not in ("value", "period_start", "period_end"):
            frame[column] = frame[column].map(lambda cell: neutralise(str(cell)))
    return frame


def chart_csv(chart: Chart, dataset: Dataset, filters: Filters) -> bytes:
    """The chart's figures as CSV, UTF-8 with a BOM so Excel shows the Chinese."""
    frame = csv_frame(chart.rows(dataset, filters), dataset, filters.lang)
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def standalone_html(chart: Chart, dataset: Dataset, filters: Filters, base_url: str = "") -> str:
    """The chart as one HTML file that works offline (plotly.js inlined); the figure names title and source."""
    facts = chart.rows(dataset, filters)
    caption = chart_caption(chart, dataset, filters, facts)
    figure = print_figure(chart.build(dataset, filters), caption)
    # Sized by the browser window, not by the chart's own default size.
    figure.update_layout(width=None, height=None, autosize=True)
    div = figure.to_html(
        full_html=False,
        include_plotlyjs=True,
        config=PLOTLY_CONFIG,
        default_width="100%",
        default_height="100%",
    )
    lang = filters.lang
    link = ""
    if base_url:
        url = base_url.rstrip("/") + dashboard_url(filters)
        label = "在数据看板中查看" if lang == "zh" else "View in the dashboard"
        link = f' · <a href="{escape(url)}">{label}</a>'
    note = "数字均按报告原文，保留限定词。" if lang == "zh" else "Figures as the report writes them, qualifiers kept."
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(caption.title)}</title>
<style>
html, body {{ height: 100%; margin: 0; background: #fff; color: #1a1a1a; }}
body {{ display: flex; flex-direction: column; font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }}
html:lang(en) body {{ font-family: {FONT_FAMILY_EN}; }}
main {{ flex: 1 1 auto; min-height: 320px; }}
footer {{ padding: 6px 24px 10px; font-size: 13px; color: #555; }}
</style>
</head>
<body>
<main>{div}</main>
<footer>{escape(note)}{link}</footer>
</body>
</html>
"""


def chart_metadata(
    chart: Chart, dataset: Dataset, filters: Filters, base_url: str = "", generated: datetime | None = None
) -> dict[str, Any]:
    """Everything needed to cite and check the chart: title, units, periods, filters, source, quotes."""
    lang = filters.lang
    facts = chart.rows(dataset, filters)
    caption = chart_caption(chart, dataset, filters, facts)
    root = base_url.rstrip("/")
    source_ids = list(dict.fromkeys(str(source_id) for source_id in facts["source_id"]))
    sources = dataset.sources[dataset.sources["id"].isin(source_ids)] if source_ids else dataset.sources
    periods = facts[["period_start", "period_end"]].drop_duplicates().itertuples(index=False)
    return {
        "chart_id": chart.id,
        "title": caption.title,
        "title_zh": chart.title("zh"),
        "title_en": chart.title("en"),
        "lang": lang,
        "period": caption.period,
        "periods": [period_label(int(start), int(end), lang) for start, end in periods],
        "units": list(caption.units),
        "filters": {
            "years": sorted(filters.years) if filters.years is not None else None,
            "programmes": [
                {"id": item, "label": dataset.label("programmes", item, lang)} for item in filters.programmes
            ],
            "sections": [{"id": item, "label": dataset.label("sections", item, lang)} for item in filters.sections],
            "query": to_query_string(filters),
        },
        "citation": caption.source,
        "sources": [
            {column: _plain(value) for column, value in source.items() if column != "local_copy"}
            for source in sources.to_dict(orient="records")
        ],
        "figures": [
            {
                "id": fact["id"],
                "label": fact[f"label_{lang}"],
                "value": _plain(fact["value"]),
                "unit": fact[f"unit_{lang}"],
                "as_written": fact["as_written"],
                "display": display_value(fact, lang),
                "period": period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
                "kind": fact["kind"],
                "source_id": fact["source_id"],
                "source_quote": fact["source_quote"],
            }
            for _, fact in facts.iterrows()
        ],
        "note": "数字均按报告原文，保留“余”“多”“接近”等限定词；value 为换算成基本单位的数值。"
        if lang == "zh"
        else "Figures as the report writes them, qualifiers kept; value is in base units.",
        "generated_at": (generated or datetime.now(UTC)).isoformat(timespec="seconds"),
        "generator": f"uniondash {__version__}",
        "permalink": root + dashboard_url(filters),
        "embed_url": root + embed_url(chart.id, filters),
    }


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers; whole floats as ints (2.8e8 → 280000000)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def metadata_json(metadata: dict[str, Any]) -> bytes:
    return json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8")


def readme_text(chart: Chart, dataset: Dataset, filters: Filters, metadata: dict[str, Any]) -> str:
    """README.txt of the bundle: what the files are and how to cite, in Chinese then English."""
    facts = chart.rows(dataset, filters)
    zh = chart_caption(chart, dataset, replace(filters, lang="zh"), facts)
    en = chart_caption(chart, dataset, replace(filters, lang="en"), facts)
    csv_name = export_filename(chart.id, filters, "csv")
    query = metadata["filters"]["query"] or "（无 none）"
    lines = [
        f"{zh.title} / {en.title}",
        "",
        "【中文】",
        f"本数据包包含：{csv_name}（图表数据，UTF-8 编码，可用 Excel 直接打开）、metadata.json（标题、单位、时期、筛选条件、来源及原文引文）。",
        f"时期：{zh.period}　单位：{'、'.join(zh.units)}",
        "数字均按报告原文，保留“余”“多”“接近”等限定词；value 列为换算成基本单位的数值。",
        "引用方式：",
        f"  {zh.source_line}",
        f"  （图表：{zh.title}，{zh.period}；由 uniondash 整理）",
        "",
        "[English]",
        f"This bundle holds {csv_name} (the chart's figures, UTF-8, opens in Excel) and metadata.json "
        "(title, units, period, filters, source and the quoted sentence of each figure).",
        f"Period: {en.period}   Unit: {', '.join(en.units)}",
        "Figures are as the report writes them, qualifiers kept (over, nearly); the value column is in base units.",
        "How to cite:",
        f"  {en.source_line}",
        f"  (chart: {en.title}, {en.period}; compiled with uniondash)",
        "",
        f"筛选 Filters: {query}",
        f"链接 Link: {metadata['permalink']}",
        f"生成时间 Generated: {metadata['generated_at']}",
        "",
    ]
    return "\r\n".join(lines)


def chart_zip(
    chart: Chart, dataset: Dataset, filters: Filters, base_url: str = "", generated: datetime | None = None
) -> bytes:
    """A ZIP of the CSV, metadata.json and README.txt (zh + en), dated `generated`."""
    moment = generated or datetime.now(UTC)
    metadata = chart_metadata(chart, dataset, filters, base_url, moment)
    members = [
        (export_filename(chart.id, filters, "csv"), chart_csv(chart, dataset, filters)),
        ("metadata.json", metadata_json(metadata)),
        ("README.txt", readme_text(chart, dataset, filters, metadata).encode("utf-8-sig")),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)
    return buffer.getvalue()


CHART_FILE_FORMATS = ("png", "svg", "html", "csv")


def write_chart_files(
    dataset: Dataset,
    filters: Filters,
    outdir: Path,
    formats: Sequence[str] = CHART_FILE_FORMATS,
    images: ChartImages | None = None,
    size: ImageSize | None = None,
) -> tuple[list[Path], list[str]]:
    """Every chart of the registry with figures for `filters`, in each format, as files in `outdir`.

    Returns the files written and the ids of the charts skipped (no figures for the filters). PNG and SVG
    need `images` (a renderer); RendererUnavailable stops the run, naming what was already written.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: list[str] = []
    for chart in CHARTS.values():
        if chart.rows(dataset, filters).empty:
            skipped.append(chart.id)
            continue
        for fmt in formats:
            target = outdir / export_filename(chart.id, filters, fmt)
            if fmt == "csv":
                data = chart_csv(chart, dataset, filters)
            elif fmt == "html":
                data = standalone_html(chart, dataset, filters).encode("utf-8")
            elif fmt in IMAGE_FORMATS:
                if images is None:
                    raise UniondashError(f"{fmt} needs the image renderer")
                try:
                    data = images.image(chart, filters, fmt, size or DEFAULT_SIZE).data
                except RendererUnavailable as error:
                    done = f" ({len(written)} file(s) written before it stopped)" if written else ""
                    raise RendererUnavailable(f"{error}{done}") from error
            else:
                raise UniondashError(f"unknown chart file format {fmt!r}: use {', '.join(CHART_FILE_FORMATS)}")
            target.write_bytes(data)
            written.append(target)
    return written, skipped
