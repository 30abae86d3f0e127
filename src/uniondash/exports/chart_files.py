"""A chart's data as files a journalist can take away: CSV, standalone HTML, metadata JSON and a ZIP bundle.

Pure builders: (chart, dataset, filters) in, bytes or text out. Nothing here needs a browser; every file
names its source and period, and keeps the report's wording of each figure.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from uniondash import __version__
from uniondash.charts import CHARTS, Chart
from uniondash.errors import UniondashError
from uniondash.exports.images import (
    DEFAULT_SIZE,
    IMAGE_FORMATS,
    ChartImages,
    ImageSize,
    RendererUnavailable,
    chart_caption,
    image_size,
    print_figure,
)
from uniondash.figures import (
    FONT_FAMILY_EN,
    PLOTLY_CONFIG,
    chart_figure,
)
from uniondash.format import display_value, long_date, period_label
from uniondash.model import Dataset, Filters, Lang
from uniondash.query import format_years, to_query_string
from uniondash.share import chart_view_url, embed_url

CSV_COLUMNS = (
    "id",
    "label",
    "value",
    "value_as_written",
    "display",
    "unit",
    "measure",
    "qualifier",
    "period",
    "period_start",
    "period_end",
    "scope",
    "level",
    "kind",
    "part_of",
    "may_add",
    "source_quote",
    "licence",
)
ENV_LICENCE = "UNIONDASH_LICENCE"
# The terms every file states unless the union sets its own in $UNIONDASH_LICENCE (README, 新闻素材).
DEFAULT_LICENCE = (
    "署名 4.0 国际（CC BY 4.0）：可转载、改编，须注明出处。 "
    "CC BY 4.0: you may republish and adapt with attribution. https://creativecommons.org/licenses/by/4.0/"
)
# The bundle's print image: 800 CSS px wide at scale 3, recorded as 300 dpi (PNG_DPI_PER_SCALE × scale):
# 2400 px, 20.3 cm wide in print, its 15 px text about 11 pt.
BUNDLE_IMAGE = image_size(800, None, 3)
PNG_DPI_PER_SCALE = 100
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


def licence_text(environ: Mapping[str, str] | None = None) -> str:
    """The licence or terms of use stated in every file: $UNIONDASH_LICENCE, else DEFAULT_LICENCE."""
    env = os.environ if environ is None else environ
    return " ".join(env.get(ENV_LICENCE, "").split()) or DEFAULT_LICENCE


def may_add(fact: Any, summable: Mapping[Any, bool]) -> bool:
    """True if the figure may go into a sum with others of its unit and period: its measure is a flow
    (money, persons, events…, not a rate or a list), and it is not a part (其中) of another figure."""
    return bool(summable.get(str(fact["measure_id"]), False)) and not str(fact["part_of"] or "")


def csv_frame(facts: pd.DataFrame, dataset: Dataset, lang: Lang, licence: str | None = None) -> pd.DataFrame:
    """The chart's facts as the CSV's table (CSV_COLUMNS), labels in `lang`, text cells neutralised."""
    summable = dataset.measures.set_index("id")["summable"].astype(bool).to_dict()
    terms = licence_text() if licence is None else licence
    yes_no = ("是", "否") if lang == "zh" else ("yes", "no")
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
                "measure": dataset.label("measures", str(fact["measure_id"]), lang),
                "qualifier": fact["qualifier"],
                "period": period_label(start, end, lang),
                "period_start": start,
                "period_end": end,
                "scope": dataset.label("scopes", str(fact["scope_id"]), lang),
                "level": dataset.label("levels", str(fact["level_id"]), lang) if fact["level_id"] else "",
                "kind": dataset.label("kinds", str(fact["kind"]), lang),
                "part_of": fact["part_of"],
                "may_add": yes_no[0] if may_add(fact, summable) else yes_no[1],
                "source_quote": fact["source_quote"],
                "licence": terms,
            }
        )
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    for column in frame.columns:
        if column not in ("value", "period_start", "period_end"):
            frame[column] = frame[column].map(lambda cell: neutralise(str(cell)))
    return frame


def adding_note(facts: pd.DataFrame, lang: Lang) -> str:
    """What may be added up, in words, for the CSV's readers (metadata.json and README.txt)."""
    overlap = facts["level_id"].replace("", pd.NA).dropna().nunique() > 1
    if lang == "zh":
        text = (
            "may_add 为“是”的数字，单位和时期相同时可以相加（结果请注明“计算值”）；为“否”的不可相加："
            "比率、名单等不能相加，part_of 不为空的是其所属数字的一部分（其中），已含在该数字中；"
            "人与人次、金额与人数不可相加。"
        )
        return text + (
            "各级荣誉是分别的名单，可能重叠（获全国表彰者也可能获省级表彰），相加会把同一人算两次。" if overlap else ""
        )
    text = (
        "Figures with may_add = yes may be added when unit and period are the same (label the result as "
        "computed); may_add = no may not: rates and lists do not add up, and a figure with part_of is "
        "part of that figure (of which), already inside it. Never add persons to person-times or money to people."
    )
    return text + (
        " Levels are separate lists that may overlap (a national honouree may also be a provincial one): a sum may count one person twice."
        if overlap
        else ""
    )


def chart_csv(chart: Chart, dataset: Dataset, filters: Filters, licence: str | None = None) -> bytes:
    """The chart's figures as CSV, UTF-8 with a BOM so Excel shows the Chinese."""
    frame = csv_frame(chart.rows(dataset, filters), dataset, filters.lang, licence)
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def standalone_html(chart: Chart, dataset: Dataset, filters: Filters, base_url: str = "") -> str:
    """The chart as one HTML file that works offline (plotly.js inlined); the figure names title and source."""
    facts = chart.rows(dataset, filters)
    caption = chart_caption(chart, dataset, filters, facts)
    figure = print_figure(chart_figure(chart, dataset, filters), caption)
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
        url = base_url.rstrip("/") + chart_view_url(chart.id, chart.section_id, filters)
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
    chart: Chart,
    dataset: Dataset,
    filters: Filters,
    base_url: str = "",
    generated: datetime | None = None,
    licence: str | None = None,
) -> dict[str, Any]:
    """Everything needed to cite and check the chart: title, units, periods, filters, source, quotes, and
    for each figure its measure, level, kind, part_of and whether it may be added; the licence."""
    lang = filters.lang
    facts = chart.rows(dataset, filters)
    caption = chart_caption(chart, dataset, filters, facts)
    root = base_url.rstrip("/")
    summable = dataset.measures.set_index("id")["summable"].astype(bool).to_dict()
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
        "licence": licence_text() if licence is None else licence,
        "sources": [
            {column: _plain(value) for column, value in source.items() if column != "local_copy"}
            for source in sources.to_dict(orient="records")
        ],
        "adding": adding_note(facts, lang),
        "figures": [
            {
                "id": fact["id"],
                "label": fact[f"label_{lang}"],
                "value": _plain(fact["value"]),
                "unit": fact[f"unit_{lang}"],
                "measure": fact["measure_id"],
                "as_written": fact["as_written"],
                "display": display_value(fact, lang),
                "period": period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
                "period_start": int(fact["period_start"]),
                "period_end": int(fact["period_end"]),
                "level": fact["level_id"] or None,
                "kind": fact["kind"],
                "part_of": fact["part_of"] or None,
                "may_add": may_add(fact, summable),
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
        "permalink": root + chart_view_url(chart.id, chart.section_id, filters),
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


def readme_text(
    chart: Chart, dataset: Dataset, filters: Filters, metadata: dict[str, Any], images: Sequence[str] = ()
) -> str:
    """README.txt of the bundle: what the files are, how to cite, what may be added, the licence (zh, en)."""
    facts = chart.rows(dataset, filters)
    zh = chart_caption(chart, dataset, replace(filters, lang="zh"), facts)
    en = chart_caption(chart, dataset, replace(filters, lang="en"), facts)
    csv_name = export_filename(chart.id, filters, "csv")
    query = metadata["filters"]["query"] or "（无 none）"
    png = [name for name in images if name.endswith(".png")]
    svg = [name for name in images if name.endswith(".svg")]
    dpi = round(BUNDLE_IMAGE.scale * PNG_DPI_PER_SCALE)
    width_cm = BUNDLE_IMAGE.pixels[0] / dpi * 2.54
    files_zh = (
        ([f"{png[0]}（印刷用图片，{dpi} dpi，宽 {width_cm:.1f} 厘米）"] if png else [])
        + ([f"{svg[0]}（矢量图，可缩放，文字可编辑）"] if svg else [])
        + [
            f"{csv_name}（图表数据，UTF-8 编码，可用 Excel 直接打开）",
            "metadata.json（标题、单位、时期、筛选条件、来源及原文引文）",
        ]
    )
    files_en = (
        ([f"{png[0]} (print image, {dpi} dpi, {width_cm:.1f} cm wide)"] if png else [])
        + ([f"{svg[0]} (vector image, scales, live text)"] if svg else [])
        + [
            f"{csv_name} (the chart's figures, UTF-8, opens in Excel)",
            "metadata.json (title, units, period, filters, source and the quoted sentence of each figure)",
        ]
    )
    lines = [
        f"{zh.title} / {en.title}",
        "",
        "【中文】",
        "本数据包包含：" + "；".join(files_zh) + "。",
        f"时期：{zh.period}　单位：{'、'.join(zh.units)}",
        "数字均按报告原文，保留“余”“多”“接近”等限定词；value 列为换算成基本单位的数值。",
        "相加：" + adding_note(facts, "zh"),
        "引用方式：",
        f"  {zh.source_line}",
        f"  （图表：{zh.title}，{zh.period}；由 uniondash 整理）",
        "",
        "[English]",
        "This bundle holds " + "; ".join(files_en) + ".",
        f"Period: {en.period}   Unit: {', '.join(en.units)}",
        "Figures are as the report writes them, qualifiers kept (over, nearly); the value column is in base units.",
        "Adding up: " + adding_note(facts, "en"),
        "How to cite:",
        f"  {en.source_line}",
        f"  (chart: {en.title}, {en.period}; compiled with uniondash)",
        "",
        f"许可 Licence: {metadata['licence']}",
        f"筛选 Filters: {query}",
        f"链接 Link: {metadata['permalink']}",
        generated_line(str(metadata["generated_at"])),
        "",
    ]
    return "\r\n".join(lines)


def generated_line(generated_at: str) -> str:
    """The README's date line for an ISO time ('2026-12-07T06:30:00+00:00'): the day in China (UTC+8, no
    daylight saving) in both languages, '生成日期 Generated: 2026年12月7日 / 7 December 2026'."""
    moment = datetime.fromisoformat(generated_at)
    day = (moment.astimezone(UTC) + timedelta(hours=8)).date() if moment.tzinfo else moment.date()
    return f"生成日期 Generated: {long_date(day, 'zh')} / {long_date(day, 'en')}"


def png_with_dpi(png: bytes, dpi: float, texts: Mapping[str, str] | None = None) -> bytes:
    """`png` recording its print resolution (a pHYs chunk, replacing any) and `texts` as iTXt chunks
    (UTF-8: title, source, licence), both right after the header chunk."""
    signature, header_end = png[:8], 8 + 8 + 13 + 4
    if signature != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_metre = round(dpi / 0.0254)
    extra = chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    for key, text in (texts or {}).items():
        extra += chunk(b"iTXt", key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))
    rest, position = b"", header_end
    while position < len(png):
        length = struct.unpack(">I", png[position : position + 4])[0]
        kind = png[position + 4 : position + 8]
        end = position + 12 + length
        if kind != b"pHYs":
            rest += png[position:end]
        position = end
    return png[:header_end] + extra + rest


def svg_with_terms(svg: bytes, title: str, terms: str) -> bytes:
    """`svg` with a <title> and a <desc> (source and licence) first inside its root element."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    end = text.find(">", start)
    if start < 0 or end < 0:
        raise ValueError("not an SVG")
    inserted = f"<title>{escape(title)}</title><desc>{escape(terms)}</desc>"
    return (text[: end + 1] + inserted + text[end + 1 :]).encode("utf-8")


def bundle_images(
    chart: Chart, dataset: Dataset, filters: Filters, images: ChartImages, licence: str
) -> list[tuple[str, bytes]]:
    """The bundle's PNG (300 dpi, recorded) and SVG, each stating title, source and licence."""
    caption = chart_caption(chart, dataset, filters)
    png = images.image(chart, filters, "png", BUNDLE_IMAGE).data
    svg = images.image(chart, filters, "svg", BUNDLE_IMAGE).data
    texts = {"Title": caption.title, "Source": caption.source_line, "Copyright": licence}
    dpi = BUNDLE_IMAGE.scale * PNG_DPI_PER_SCALE
    return [
        (export_filename(chart.id, filters, "png"), png_with_dpi(png, dpi, texts)),
        (
            export_filename(chart.id, filters, "svg"),
            svg_with_terms(svg, caption.title, f"{caption.source_line} · {licence}"),
        ),
    ]


def chart_zip(
    chart: Chart,
    dataset: Dataset,
    filters: Filters,
    base_url: str = "",
    generated: datetime | None = None,
    images: ChartImages | None = None,
    licence: str | None = None,
) -> bytes:
    """A ZIP of the PNG and SVG (with `images`, the renderer), the CSV, metadata.json and README.txt (zh + en),
    dated `generated`. RendererUnavailable if the images cannot be drawn now."""
    moment = generated or datetime.now(UTC)
    terms = licence_text() if licence is None else licence
    metadata = chart_metadata(chart, dataset, filters, base_url, moment, terms)
    pictures = bundle_images(chart, dataset, filters, images, terms) if images is not None else []
    readme = readme_text(chart, dataset, filters, metadata, [name for name, _ in pictures])
    members = [
        *pictures,
        (export_filename(chart.id, filters, "csv"), chart_csv(chart, dataset, filters, terms)),
        ("metadata.json", metadata_json(metadata)),
        ("README.txt", readme.encode("utf-8-sig")),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            # PNG is compressed already.
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
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
                    drawn = size or DEFAULT_SIZE
                    data = images.image(chart, filters, fmt, drawn).data
                    if fmt == "png":
                        data = png_with_dpi(data, drawn.scale * PNG_DPI_PER_SCALE)
                except RendererUnavailable as error:
                    done = f" ({len(written)} file(s) written before it stopped)" if written else ""
                    raise RendererUnavailable(f"{error}{done}") from error
            else:
                raise UniondashError(f"unknown chart file format {fmt!r}: use {', '.join(CHART_FILE_FORMATS)}")
            target.write_bytes(data)
            written.append(target)
    return written, skipped
