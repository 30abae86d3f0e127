"""Native Excel charts drawn from the chart specifications (`chartspec.ChartSpec`) the dashboard draws.

`add_charts(charts_sheet, data_sheet, specs)` writes, for every spec with a comparison, one Excel chart
per panel (bars of one unit, or a change across years) on the charts sheet, and its table on the data
sheet; a lone figure (`NumberCard`) is written as a number line, never drawn as a one-bar chart. Rules the
spec already holds (one unit per panel, no totals of lists that may overlap) are kept by drawing it as it
is; what is Excel's own is decided here:

- values are plotted in 万/亿 (thousands/millions in English): the data sheet holds the scaled column,
  labelled computed with its divisor, beside the value in base units, so every app shows the same axis
  (Excel's display units are not read by LibreOffice);
- category labels carry the figure as written ('夏送清凉物资：2600余万元'), so a qualifier is never lost
  to a bare bar length; panels of one unit share one axis maximum;
- every series carries its cached values and labels, so previewers that do not recalculate show them;
- each chart with its lines sits inside one printed A4 page: row breaks go before a block that would not
  fit the rest of the page.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.chart import BarChart
from openpyxl.chart.data_source import (
    AxDataSource,
    NumData,
    NumDataSource,
    NumRef,
    NumVal,
    StrData,
    StrRef,
    StrVal,
)
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.series import Series, SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from uniondash.chartspec import TEXT as SPEC_TEXT
from uniondash.chartspec import ChartSpec, Panel
from uniondash.exports.xlsx_cells import Number, Table, body_font, put, workbook_lang, write_table
from uniondash.exports.xlsx_data import display_width
from uniondash.format import axis_ticks
from uniondash.model import Lang

# The Okabe–Ito colours of the dashboard (figures.LEVEL_COLOURS / SERIES_COLOURS), without importing plotly.
LEVEL_COLOURS = {"national": "0072B2", "provincial": "E69F00", "municipal": "009E73"}
BAR_COLOUR = "0072B2"
SERIES_COLOURS = ("0072B2", "E69F00", "009E73", "D55E00", "CC79A7", "56B4E9", "000000")
ROW_CM = 15 / 72 * 2.54  # every row of the charts sheet is 15 pt
# Rows of 15 pt on a portrait A4 page inside 0.6 in margins (and a header band), with a little to spare.
ROWS_PER_PAGE = 48
CHART_WIDTH_CM = 15.5
CHARTS_COLUMN_WIDTH = 90  # column A of the charts sheet: the chart's width, and its lines wrap inside it
MAX_CHART_CM = 20.0
LINE_UNITS = CHARTS_COLUMN_WIDTH - 6  # a line of text under a chart, in column-width units
TEXT_PT = 9  # axis labels and legend: ≥ 8 pt printed

TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "colon": "：",
        "sep": "；",
        "source": "来源：{}",
        "chart_id": "图表 ID：{}",
        "chart_id_header": "图表 ID",
        "category": "类别",
        "period": "时期",
        "value_base": "数值（{unit}）",
        "value_scaled": "绘图数值（{unit}）= 数值 ÷ {divisor}（计算值）",
        "shown": "原文写法",
        "fact_id": "数字 ID",
        "cards": "单项数字（没有可比较的同类数字，不绘图）：",
        "cards_only": "{title}：本图在所选范围内只有单项数字，不绘图。",
        "computed": "（计算值）",
    },
    "en": {
        "colon": ": ",
        "sep": "; ",
        "source": "Source: {}",
        "chart_id": "Chart id: {}",
        "chart_id_header": "Chart id",
        "category": "Category",
        "period": "Period",
        "value_base": "Value ({unit})",
        "value_scaled": "Plotted value ({unit}) = value ÷ {divisor} (computed)",
        "shown": "As shown",
        "fact_id": "Figure id",
        "cards": "Figures on their own (nothing alike to compare them with, so not drawn):",
        "cards_only": "{title}: only figures on their own for this selection, so no chart.",
        "computed": " (computed)",
    },
}


@dataclass(frozen=True)
class Scale:
    """How a panel's values are plotted: divided by `divisor`, the axis titled `unit`, ticks every `step` to `top`."""

    divisor: float
    unit: str
    top: float
    step: float


def scale_for(panel: Panel, lang: Lang) -> Scale:
    """万/亿 in Chinese, thousand/million in English, from the largest value of the panel's unit.

    Rates stay in %; a count below 10,000 keeps its own unit. The axis runs to the dashboard's top tick.
    """
    largest = panel.scale_max or max(
        [bar.value for bar in panel.bars] + [p.value for s in panel.series for p in s.points] or [0.0]
    )
    # The dashboard's ticks (round steps, 4–6 of them): Excel's own crowd '1,0002,000…' on a narrow chart.
    ticks = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0] if panel.unit_zh == "%" else axis_ticks(largest, lang)[0]
    top, step = (ticks[-1] or 1.0), (ticks[1] - ticks[0] if len(ticks) > 1 else 1.0)
    unit = panel.unit
    if panel.unit_zh == "%" or largest < 10_000:
        return Scale(1, unit, top, step)
    if lang == "zh":
        divisor, prefix = (100_000_000, "亿") if largest >= 100_000_000 else (10_000, "万")
        return Scale(divisor, f"{prefix}{unit}", top / divisor, step / divisor)
    divisor, word = (1_000_000, "million") if largest >= 1_000_000 else (1_000, "thousand")
    return Scale(divisor, f"{word} {unit}", top / divisor, step / divisor)


def panel_heading(panel: Panel, scale: Scale, lang: Lang) -> str:
    """The panel's heading in the unit its axis is drawn in: '单位：亿元 · 2019–2023年 · 五年合计' over an
    axis of 亿元 (the spec says 元: the dashboard's ticks carry their 万/亿, Excel's plain numbers do not)."""
    unit_text = SPEC_TEXT[lang]["unit"]
    stated, drawn = unit_text.format(panel.unit), unit_text.format(scale.unit)
    if stated == drawn:
        return panel.heading
    if stated in panel.heading:
        return panel.heading.replace(stated, drawn, 1)
    return f"{panel.heading} · {drawn}"


@functools.lru_cache(maxsize=8)
def _text_properties(font_name: str, size_pt: int = TEXT_PT, bold: bool = False) -> RichText:
    """Axis and legend text (one object shared by every chart: openpyxl only reads it when saving)."""
    props = CharacterProperties(sz=size_pt * 100, b=bold, latin=Font(typeface=font_name), ea=Font(typeface=font_name))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def chart_title(lines: Sequence[str], font_name: str) -> Title:
    """The spec's title (11 pt, bold) and under it the panel's heading (9 pt)."""
    paragraphs = []
    for number, line in enumerate(lines):
        props = CharacterProperties(
            sz=(11 if number == 0 else TEXT_PT) * 100,
            b=number == 0,
            latin=Font(typeface=font_name),
            ea=Font(typeface=font_name),
        )
        paragraphs.append(Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=line)]))
    return Title(tx=Text(rich=RichText(p=paragraphs)), overlay=False)


def _series(
    data_sheet: Worksheet,
    column: int,
    first_row: int,
    categories: Sequence[str],
    values: Sequence[float | None],
    name: str,
    index: int,
) -> Series:
    """A series referring to the data sheet, with its values, categories and name cached."""
    sheet = quote_sheetname(data_sheet.title)
    last_row = first_row + len(values) - 1
    letter = get_column_letter(column)
    value_ref = f"{sheet}!${letter}${first_row}:${letter}${last_row}"
    category_ref = f"{sheet}!$B${first_row}:$B${last_row}"
    numbers = NumData(
        formatCode="General",
        ptCount=len(values),
        pt=[NumVal(idx=i, v=value) for i, value in enumerate(values) if value is not None],
    )
    labels = StrData(ptCount=len(categories), pt=[StrVal(idx=i, v=label) for i, label in enumerate(categories)])
    title = StrData(ptCount=1, pt=[StrVal(idx=0, v=name)])
    return Series(
        idx=index,
        order=index,
        tx=SeriesLabel(strRef=StrRef(f=f"{sheet}!${letter}${first_row - 1}", strCache=title)),
        val=NumDataSource(numRef=NumRef(f=value_ref, numCache=numbers)),
        cat=AxDataSource(strRef=StrRef(f=category_ref, strCache=labels)),
    )


def _put(ws: Worksheet, row: int, column: int, value: str | float | None) -> None:
    put(ws.cell(row=row, column=column), Number(float(value), "General") if isinstance(value, float) else value)


def _panel_table(
    data_sheet: Worksheet, top: int, spec: ChartSpec, panel: Panel, scale: Scale
) -> tuple[int, list[str], list[tuple[str, list[float | None]]]]:
    """The panel's rows on the data sheet from row `top` (header row); returns the first data row,
    the categories and each series (name, plotted values)."""
    text = TEXT[spec.lang]
    scaled_header = (
        text["value_scaled"].format(unit=scale.unit, divisor=f"{scale.divisor:,.0f}")
        if scale.divisor != 1
        else text["value_base"].format(unit=scale.unit)
    )
    if panel.kind == "bars":
        categories = [f"{bar.label}{text['colon']}{bar.value_text}{bar.rate_text}" for bar in panel.bars]
        plotted: list[float | None] = [bar.value / scale.divisor for bar in panel.bars]
        headers = [text["chart_id_header"], text["category"], scaled_header]
        headers += [text["value_base"].format(unit=panel.unit), text["shown"], text["fact_id"]]
        rows = [
            [spec.chart_id, category, value, bar.value, f"{bar.value_text}{bar.rate_text}", bar.fact_id]
            for category, value, bar in zip(categories, plotted, panel.bars, strict=True)
        ]
        series = [(scaled_header, plotted)]
    else:
        periods = list(dict.fromkeys(point.period for s in panel.series for point in s.points))
        by_series = [{point.period: point for point in s.points} for s in panel.series]
        categories = periods
        if len(panel.series) == 1:
            # One series: each period's label carries its figure as written, qualifier and all.
            points = by_series[0]
            categories = [f"{period}{text['colon']}{points[period].value_text}" for period in periods]
        series = [
            (s.label, [(points[p].value / scale.divisor) if p in points else None for p in periods])
            for s, points in zip(panel.series, by_series, strict=True)
        ]
        headers = [text["chart_id_header"], text["period"], *(s.label for s in panel.series), text["shown"]]
        rows = []
        for number, period in enumerate(periods):
            shown = text["sep"].join(
                f"{s.label}{text['colon']}{points[period].value_text}"
                for s, points in zip(panel.series, by_series, strict=True)
                if period in points
            )
            rows.append([spec.chart_id, categories[number], *(values[number] for _, values in series), shown])
    cells = [[Number(float(value), "General") if isinstance(value, float) else value for value in row] for row in rows]
    widths = {headers[0]: 18, headers[1]: 36}
    write_table(
        data_sheet, Table(headers, cells, frozenset(headers[1:2]), widths), top=top, freeze=False, autofilter=False
    )
    data_sheet.cell(row=top, column=1).font = body_font(data_sheet.parent, bold=True)
    return top + 1, categories, series


def bar_chart(
    spec: ChartSpec,
    panel: Panel,
    scale: Scale,
    data_sheet: Worksheet,
    first_row: int,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    font_name: str,
) -> BarChart:
    """One panel as an Excel chart: horizontal bars in the report's order, or columns by period."""
    chart = BarChart()
    chart.grouping = "clustered"
    chart.title = chart_title([spec.title, panel_heading(panel, scale, spec.lang)], font_name)
    chart.style = 10
    for number, (name, values) in enumerate(series):
        column = 3 + number
        item = _series(data_sheet, column, first_row, categories, values, name, number)
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)] if panel.kind == "change" else BAR_COLOUR
        item.graphicalProperties = GraphicalProperties(solidFill=colour)
        if panel.kind == "bars":
            # Colour by level, as on the dashboard (national blue, provincial orange, city green).
            item.dPt = [
                DataPoint(
                    idx=i, invertIfNegative=False, spPr=GraphicalProperties(solidFill=LEVEL_COLOURS[bar.level_id])
                )
                for i, bar in enumerate(panel.bars)
                if bar.level_id in LEVEL_COLOURS
            ]
        chart.series.append(item)
    if panel.kind == "bars":
        chart.type = "bar"  # horizontal: long Chinese labels stay readable
        # First bar at the top, as in the table and on the dashboard; the value axis stays at the bottom.
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
        chart.legend = None
        count = len(categories)
        chart.height = min(MAX_CHART_CM, 3.2 + 1.1 * count)
    else:
        chart.type = "col"  # periods left to right; the legend below lists the series in reading order
        chart.legend.position = "b"
        chart.legend.txPr = _text_properties(font_name)
        chart.height = 8.5
    chart.width = CHART_WIDTH_CM
    chart.gapWidth = 60
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = scale.top
    chart.y_axis.majorUnit = scale.step
    chart.y_axis.number_format = '0"%"' if panel.unit_zh == "%" else "#,##0.##" if scale.divisor != 1 else "#,##0"
    chart.y_axis.title = _axis_title(scale.unit, font_name)
    # openpyxl 3.1 leaves `delete` unset, and Excel then hides the axes.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = _text_properties(font_name)
    chart.y_axis.txPr = _text_properties(font_name)
    return chart


@functools.lru_cache(maxsize=64)
def _axis_title(unit: str, font_name: str) -> Title:
    props = CharacterProperties(sz=TEXT_PT * 100, latin=Font(typeface=font_name), ea=Font(typeface=font_name))
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=unit)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def card_line(card_label: str, value_text: str, rate_text: str, period: str, lang: Lang) -> str:
    text = TEXT[lang]
    return f"{card_label}{text['colon']}{value_text}{rate_text}" + (
        f"（{period}）" if lang == "zh" else f" ({period})"
    ) * bool(period)


def add_charts(charts_sheet: Worksheet, data_sheet: Worksheet, specs: Sequence[ChartSpec], top: int = 3) -> int:
    """Draw every spec from row `top` of the charts sheet, tables on the data sheet; returns charts drawn.

    A block (a chart, or the lines under a spec's charts) that would run past the printed page starts a
    new page, so no chart straddles two pages.
    """
    workbook = charts_sheet.parent
    lang = workbook_lang(workbook)
    font_name = body_font(workbook).name or ""
    text = TEXT[lang]
    charts_sheet.column_dimensions["A"].width = CHARTS_COLUMN_WIDTH
    row, data_top, drawn, page_top = top, 1, 0, 1

    def fit(rows: int) -> None:
        """Start a new page (a row break above `row`) when `rows` more rows would not fit on this one."""
        nonlocal page_top
        used = row - page_top
        if used and used + rows > ROWS_PER_PAGE:
            charts_sheet.row_breaks.append(Break(id=row - 1))
            page_top = row

    def line(value: str, bold: bool = False, muted: bool = False) -> None:
        nonlocal row
        _put(charts_sheet, row, 1, value)
        cell = charts_sheet.cell(row=row, column=1)
        cell.font = body_font(workbook, bold=bold, color="555555" if muted else None)
        row += 1

    for spec in specs:
        lines: list[tuple[str, bool, bool]] = []
        if spec.cards:
            if not spec.has_comparison:
                lines.append((text["cards_only"].format(title=spec.title), True, False))
            lines.append((text["cards"], False, False))
            lines += [
                ("· " + card_line(c.label, c.value_text, c.rate_text, c.period, lang), False, False) for c in spec.cards
            ]
        lines += [(total.text + (f" {total.how}" if total.how else ""), False, False) for total in spec.computed]
        lines += [(note, False, True) for note in spec.notes]
        lines.append((text["source"].format(spec.source) + " · " + text["chart_id"].format(spec.chart_id), False, True))
        # One printed line a row (a long line cut in two), so every row is 15 pt and the page count exact.
        lines = [(part, bold, muted) for value, bold, muted in lines for part in split_line(value, LINE_UNITS)]
        for number, panel in enumerate(spec.panels):
            scale = scale_for(panel, lang)
            first, categories, series = _panel_table(data_sheet, data_top, spec, panel, scale)
            data_top = first + len(categories) + 1
            chart = bar_chart(spec, panel, scale, data_sheet, first, categories, series, font_name)
            rows = math.ceil(chart.height / ROW_CM) + 1
            # The last panel keeps the spec's lines with it on its page.
            fit(rows + (len(lines) + 1 if number == len(spec.panels) - 1 else 0))
            charts_sheet.add_chart(chart, f"A{row}")
            row += rows
            drawn += 1
        if not spec.panels:
            fit(len(lines) + 1)
        for value, bold, muted in lines:
            line(value, bold, muted)
        row += 1
    # Every row 15 pt, set on each row: Calc ignores a sheet's default height and sizes rows by the font.
    for number in range(1, row + 1):
        charts_sheet.row_dimensions[number].height = 15
    return drawn


def split_line(text: str, width: int) -> list[str]:
    """`text` cut into pieces at most `width` columns wide (CJK characters count two), at spaces where it can."""
    pieces: list[str] = []
    current, used = "", 0
    for char in text:
        size = display_width(char)
        if used + size > width:
            cut = current.rfind(" ")
            if cut > width // 2:
                pieces.append(current[:cut])
                current = current[cut + 1 :]
            else:
                pieces.append(current)
                current = ""
            used = display_width(current)
        current += char
        used += size
    return [*pieces, current] if current or not pieces else pieces
