"""The Excel workbook for analysts: notes, summary, one sheet per section, honours pivot, native charts.

`build_workbook(dataset, filters)` returns an openpyxl `Workbook`; `workbook_bytes` serialises it and
`write_workbook` saves it. Pure: no Flask, no Dash. Every number written is a `value` of one row of
facts, in base units (元, 人, 人次 …), beside the report's own text (`display_value`), so analysts can
compute with the numbers without losing the qualifiers (余, 多, 以上, 接近).

Text from the data is always stored as text: openpyxl would store a string starting with "=" as a
formula, and Excel re-parses text starting with = + - @ when a cell is edited, so such cells are forced
to the string type and get Excel's quotePrefix style.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from uniondash.chartspec import ChartSpec, chart_specs
from uniondash.errors import UniondashError
from uniondash.exports.xlsx_cells import (
    NOTES_VALUE_WIDTH,
    SHANGHAI_NAME,
    TOP_WRAPPED,
    _write_lines,
    body_font,
    name_every_font,
    new_workbook,
    print_setup,
    put,
    sheet_name,
    write_table,
)
from uniondash.exports.xlsx_charts import add_charts
from uniondash.exports.xlsx_data import (
    DATA_SHEET,
    add_data_sheets,
    fit_columns_to_headers,
    import_notes,
    import_sheets,
)
from uniondash.exports.xlsx_tables import (
    TEXT,
    _label,
    _records,
    _section_table,
    _source_of,
    honours_pivot,
    honours_table,
    summary_table,
)
from uniondash.format import join_labels, years_list
from uniondash.model import Dataset, Filters, Lang, filter_facts, headline_facts
from uniondash.query import Notice, format_years, to_query_string

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shanghai() -> tzinfo:
    """Asia/Shanghai from the system's zone data; UTC+8 (China has no daylight saving) without it."""
    try:
        return ZoneInfo(SHANGHAI_NAME)
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=8), SHANGHAI_NAME)


def generated_label(generated_at: datetime, lang: Lang) -> str:
    """'2023-11-30 09:15（北京时间，UTC+8，Asia/Shanghai）': the time in Shanghai, zone stated, whatever the server's."""
    if generated_at.tzinfo is None:
        generated_at = generated_at.astimezone()  # a naive time is the machine's local time
    local = generated_at.astimezone(shanghai())
    return TEXT[lang]["generated_value"].format(time=local.strftime("%Y-%m-%d %H:%M"), zone=SHANGHAI_NAME)


def describe_filters(dataset: Dataset, filters: Filters) -> list[tuple[str, str]]:
    """The filters in words, one (name, value) pair each, in the reader's language."""
    lang = filters.lang
    text = TEXT[lang]
    years = years_list(filters.years, lang) or text["all_years"]
    sections = join_labels((_label(dataset, "sections", s, lang) for s in filters.sections), lang)
    programmes = join_labels((_label(dataset, "programmes", p, lang) for p in filters.programmes), lang)
    query = to_query_string(filters)
    return [
        (text["years"], years),
        (text["sections"], sections or text["all"]),
        (text["programmes"], programmes or text["all"]),
        (text["language"], text["language_value"]),
        (text["query"], f"?{query}" if query else text["query_none"]),
    ]


def noteswrapped_lines(
    dataset: Dataset,
    filters: Filters,
    facts: pd.DataFrame,
    notices: Sequence[Notice],
    generated_at: datetime,
    sheets: Sequence[tuple[str, str]],
) -> list[tuple[str, str, bool]]:
    """Every line of the notes sheet: (key, value, is_heading)."""
    lang = filters.lang
    text = TEXT[lang]
    lines: list[tuple[str, str, bool]] = [(text["title"], "", True)]
    if facts.empty:
        lines.append((text["attention"], text["empty"], False))
    lines.append(("", "", False))
    used = list(dict.fromkeys(facts["source_id"])) or [str(dataset.sources["id"].iloc[0])]
    for _, source in dataset.sources[dataset.sources["id"].isin(used)].iterrows():
        page = text["page_value"].format(page=source["page"])
        if lang == "zh" and source["page_name_zh"]:
            page += f"（{source['page_name_zh']}）"
        lines += [
            (text["source_doc"], "", True),
            (text["doc_title"], str(source[f"title_{lang}"]), False),
            (text["publication"], str(source[f"publication_{lang}"]), False),
            (text["published"], str(source["published"]), False),
            (text["page"], page, False),
            (text["authors"], str(source[f"authors_{lang}"]), False),
            (text["citation"], str(source[f"citation_{lang}"]), False),
        ]
    lines += [("", "", False), (text["filters"], "", True)]
    lines += [(key, value, False) for key, value in describe_filters(dataset, filters)]
    if notices:
        lines += [("", "", False), (text["notices"], "", True)]
        lines += [("", notice.text(lang), False) for notice in notices]
    headlines = headline_facts(dataset, filters)
    count = text["row_count_value"].format(
        rows=len(facts),
        sections=facts["section_id"].nunique(),
        programmes=facts["programme_id"].nunique(),
        headlines=len(headlines),
    )
    lines += [
        ("", "", False),
        (text["generated"], generated_label(generated_at, lang), False),
        (text["row_count"], count if not facts.empty else f"0 — {text['empty']}", False),
        ("", "", False),
        (text["how_to_read"], "", True),
    ]
    lines += [(text[key], text[f"{key}_text"], False) for key in ("periods", "qualifiers", "units", "kinds")]
    lines += [(text["computed"], text["computed_text"], False), ("", "", False), (text["sheets"], "", True)]
    lines += [(name, description, False) for name, description in sheets]
    lines += [("", "", False), *import_notes(lang)]
    return lines


@functools.lru_cache(maxsize=32)
def workbook_chart_specs(dataset: Dataset, filters: Filters) -> tuple[ChartSpec, ...]:
    """`chart_specs` kept per dataset and filters: specs are pure frozen data, and their planning (pandas)
    is most of a workbook's build, so a selection downloaded again is drawn from them at once."""
    return tuple(chart_specs(dataset, filters))


def build_workbook(
    dataset: Dataset,
    filters: Filters,
    notices: Sequence[Notice] = (),
    generated_at: datetime | None = None,
) -> Workbook:
    """The analysts' workbook for `filters`: 说明, 汇总, one sheet per section, 荣誉, 图表, 图表数据."""
    lang = filters.lang
    text = TEXT[lang]
    generated_at = generated_at or datetime.now(shanghai())
    facts = filter_facts(dataset.facts, filters)

    workbook = new_workbook(lang)
    notes = workbook.active
    assert notes is not None
    taken: list[str] = []

    def new_sheet(label: str) -> Worksheet:
        name = sheet_name(label, taken)
        taken.append(name)
        return workbook.create_sheet(name)

    notes.title = sheet_name(text["notes"], taken)
    taken.append(notes.title)
    sheets_described: list[tuple[str, str]] = [(notes.title, text["sheet_notes"])]

    summary = new_sheet(text["summary"])
    summary_rows = summary_table(dataset, filters)
    write_table(summary, summary_rows)
    if not summary_rows.rows:
        put(summary.cell(row=2, column=1), text["no_headlines"] if not facts.empty else text["empty"])
    sheets_described.append((summary.title, text["sheet_summary"]))

    records = _records(facts)
    by_section: dict[str, list[dict[str, Any]]] = {}
    for fact in records:
        by_section.setdefault(str(fact["section_id"]), []).append(fact)
    for section_id in dataset.sections["id"]:
        if section_id not in by_section:
            continue
        ws = new_sheet(_label(dataset, "sections", str(section_id), lang))
        write_table(ws, _section_table(dataset, by_section[str(section_id)], lang))
        sheets_described.append((ws.title, text["sheet_section"]))

    honours = new_sheet(text["honours"])
    pivot = honours_pivot(dataset, records, lang)
    write_table(honours, honours_table(dataset, pivot, lang))
    if pivot.empty:
        put(honours.cell(row=2, column=1), text["no_honours"])
    sheets_described.append((honours.title, text["sheet_honours"]))

    charts_sheet = new_sheet(text["charts"])
    data_sheet = new_sheet(text["chart_data"])
    heading = charts_sheet.cell(row=1, column=1)
    put(heading, text["charts_heading"].format(data=data_sheet.title))
    heading.font = body_font(workbook, bold=True, size=12)
    specs = workbook_chart_specs(dataset, filters)
    if not specs:
        put(charts_sheet.cell(row=3, column=1), text["no_charts"] if not facts.empty else text["empty"])
        put(data_sheet.cell(row=1, column=1), text["no_charts"] if not facts.empty else text["empty"])
        data_sheet.column_dimensions["A"].width = NOTES_VALUE_WIDTH
        charts_sheet.column_dimensions["A"].width = NOTES_VALUE_WIDTH
        for cell in (charts_sheet["A3"], data_sheet["A1"]):
            cell.font, cell.alignment = body_font(workbook), TOP_WRAPPED
    add_charts(charts_sheet, data_sheet, specs)
    sheets_described.append((charts_sheet.title, text["sheet_charts"].format(data=data_sheet.title)))
    sheets_described.append((data_sheet.title, text["sheet_chart_data"]))

    # Sheets added here by other modules (全部数据/All figures, 来源/Sources: `xlsx_data.add_data_sheets`)
    # get the print setup and named fonts below like every sheet.
    add_data_sheets(workbook, dataset, facts, lang)  # 全部数据 and 来源: what import-xlsx reads back
    sheets_described += import_sheets(lang)
    headers_only = workbook[DATA_SHEET[lang]] if facts.empty else None
    if headers_only is not None:
        fit_columns_to_headers(headers_only)  # its header row prints on two pages, not five
    _write_lines(notes, noteswrapped_lines(dataset, filters, facts, notices, generated_at, sheets_described))
    workbook.properties.title = text["title"]
    workbook.properties.creator = "uniondash"
    workbook.properties.description = _source_of(dataset, facts["source_id"], lang)
    name_every_font(workbook)
    for ws in workbook.worksheets:
        # Wide sheets landscape, the charts sheet portrait (its charts are sized for it); the first
        # column (ID, label) repeats on pages that continue to the right.
        # A sheet of headers alone has no rows to tell apart by their id.
        print_setup(
            ws,
            landscape=False if ws is charts_sheet else None,
            title_columns=None if ws is headers_only else "A:A",
        )
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(filters: Filters) -> str:
    """An ASCII download name: uniondash-summary[-section…]-2019-2023-zh.xlsx (ids are slugs)."""
    parts = ["uniondash-summary"]
    for ids in (filters.sections, filters.programmes):
        parts += list(ids[:2]) + ([f"and-{len(ids) - 2}-more"] if len(ids) > 2 else [])
    parts.append(format_years(filters.years).replace(",", "_") or "all-years")
    parts.append(filters.lang)
    return "-".join(parts) + ".xlsx"


def write_workbook(
    dataset: Dataset,
    filters: Filters,
    out: str | os.PathLike[str],
    notices: Sequence[Notice] = (),
    generated_at: datetime | None = None,
) -> tuple[Path, Workbook]:
    """Save the workbook to `out` (whole or not at all); returns the path and the workbook written."""
    target = Path(out).expanduser().resolve()
    if not target.parent.is_dir():
        raise UniondashError(f"cannot write {target}: folder {target.parent} does not exist")
    workbook = build_workbook(dataset, filters, notices, generated_at)
    data = workbook_bytes(workbook)
    # Written beside the target, then renamed: a failed write never leaves half a workbook.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UniondashError(f"cannot write {target}: {error.strerror or error}") from error
    return target, workbook


def chart_count(workbook: Workbook) -> int:
    """Native charts in the workbook."""
    return sum(len(ws._charts) for ws in workbook.worksheets)
