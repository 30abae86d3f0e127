"""The workbook's tables as plain functions from the data to rows (section sheets, summary, honours),
and the workbook's texts in both languages. No openpyxl here."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from uniondash.exports.xlsx_cells import (
    QUOTE_COLUMN_WIDTH,
    CellValue,
    Facts,
    Number,
    Table,
    number,
)
from uniondash.format import QUALIFIERS_EN, display_value, period_label
from uniondash.model import Dataset, Filters, Lang, headline_facts

TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "notes": "说明",
        "summary": "汇总",
        "honours": "荣誉",
        "charts": "图表",
        "chart_data": "图表数据",
        "title": "株洲市总工会五年工作成就（2019–2023）· 数据导出",
        "attention": "注意",
        "empty": "所选范围内没有数据：没有哪一项数字的统计时期完全落在所选年份之内，或所选板块、项目中没有数字。请放宽筛选条件。",
        "source_doc": "来源文件",
        "doc_title": "标题",
        "publication": "刊物",
        "published": "日期",
        "page": "版面",
        "page_value": "第{page}版",
        "authors": "作者",
        "citation": "引用",
        "filters": "筛选条件",
        "years": "年份",
        "sections": "板块",
        "programmes": "项目",
        "language": "语言",
        "language_value": "中文",
        "query": "网址参数",
        "query_none": "（无：全部数据）",
        "all_years": "全部年份",
        "all": "全部",
        "notices": "参数提示",
        "generated": "生成时间",
        "generated_value": "{time}（北京时间，UTC+8，{zone}）",
        "row_count": "数据行数",
        "row_count_value": "{rows} 条数字，来自 {sections} 个板块、{programmes} 个项目；其中主要数字 {headlines} 条。",
        "how_to_read": "如何阅读",
        "periods": "时期",
        "periods_text": "“五年来”指 2019–2023 年。每条数字都有起止年份（起始年、截止年）；不同时期的数字不能相加，也不宜并列比较。按年份筛选时，只保留统计时期完全落在所选年份内的数字。",
        "qualifiers": "限定词",
        "qualifiers_text": "余、多、以上、超、超过、逾、不少于：实际数字高于或等于所写数字；接近、近、约：实际数字约为所写数字。“数值”列是所写的数字本身（不含限定词），请勿当作精确值。",
        "units": "单位",
        "units_text": "“数值”列为基本单位（元、人、人次、个……），可直接计算，例如 2600余万元 记为 26,000,000（元）。比率按百分数存放：93 表示 93%。“原文写法”列保留报告原文。人与人次不同，不能相加；金额与人数不能相加。",
        "kinds": "类型",
        "kinds_text": "“全市汇总”与个人或单位的故事、单项活动分开列出（每个板块表中先列全市汇总），不能相加。",
        "computed": "计算值",
        "computed_text": "本工作簿中的每个数字都来自报告原文，没有计算任何合计或比率。荣誉表不设跨级别或跨类型的合计：同一人可能获得多个级别的荣誉，不同荣誉不能相加。",
        "sheets": "工作表",
        "sheet_notes": "本页：来源、筛选条件与阅读说明。",
        "sheet_summary": "主要数字（按板块）：原文写法、数值（基本单位）、单位、限定词、时期。",
        "sheet_section": "本板块的全部数字，每行一条（整洁数据）。",
        "sheet_honours": "各级荣誉：行为荣誉类型，列为全国、省级、市级（均为报告原数）。",
        "sheet_charts": "原生 Excel 图表，每张图的数据在“{data}”表。",
        "sheet_chart_data": "图表所用的数据表。",
        "no_headlines": "所选范围内没有主要数字。",
        "no_honours": "所选范围内没有分级别的荣誉数字。",
        "no_charts": "所选范围内没有可绘制的图表数据。",
        "charts_heading": "图表（数据见“{data}”表）",
        "source": "来源",
        "unit_label": "单位：{unit}",
        "mixed_units": "个数",
        # column headers
        "id": "ID",
        "section": "板块",
        "programme": "项目",
        "figure": "指标",
        "metric": "指标类别",
        "value": "数值",
        "unit": "单位",
        "shown": "原文写法",
        "as_written": "报告原文写法",
        "qualifier": "限定词",
        "period": "时期",
        "period_start": "起始年",
        "period_end": "截止年",
        "scope": "范围",
        "level": "级别",
        "kind": "类型",
        "part_of": "属于（其中项）",
        "source_quote": "原文摘录",
        "note": "备注",
        "honour": "荣誉类型",
        "chart_label": "图表标签",
        "fact_ids": "数字 ID",
        "sep": "；",
        "colon": "：",
        # charts
        "aid_funds": "职工帮扶资金（按项目）",
        "aid_people": "职工帮扶人数（按项目）",
        "aid_person_times": "职工帮扶人次（按项目）",
        "honours_by_level": "各级荣誉（按级别）",
        "title_sep": "｜",
    },
    "en": {
        "notes": "Notes",
        "summary": "Summary",
        "honours": "Honours",
        "charts": "Charts",
        "chart_data": "Chart data",
        "title": "Zhuzhou city trade union: five years of work (2019–2023) · data export",
        "attention": "Attention",
        "empty": "No figure fits the selection: no figure's reporting period lies wholly within the chosen years, or the chosen sections or programmes hold no figure. Widen the filters.",
        "source_doc": "Source document",
        "doc_title": "Title",
        "publication": "Publication",
        "published": "Date",
        "page": "Page",
        "page_value": "page {page}",
        "authors": "Authors",
        "citation": "Citation",
        "filters": "Filters",
        "years": "Years",
        "sections": "Sections",
        "programmes": "Programmes",
        "language": "Language",
        "language_value": "English",
        "query": "URL parameters",
        "query_none": "(none: all data)",
        "all_years": "all years",
        "all": "all",
        "notices": "Parameter notices",
        "generated": "Generated",
        "generated_value": "{time} (China Standard Time, UTC+8, {zone})",
        "row_count": "Rows of data",
        "row_count_value": "{rows} figures from {sections} sections and {programmes} programmes; {headlines} of them headline figures.",
        "how_to_read": "How to read",
        "periods": "Periods",
        "periods_text": "“In the past five years” (五年来) means 2019–2023. Every figure has its first and last year; figures of different periods must not be added and are best not compared side by side. A year filter keeps the figures whose whole period lies within the chosen years.",
        "qualifiers": "Qualifiers",
        "qualifiers_text": "余, 多, 以上, 超, 超过, 逾, 不少于 (over, or at least): the true figure is above the written one (or equal to it); 接近, 近, 约 (nearly, about): the true figure is about the written one. The Value column holds the written number itself (without the qualifier): do not treat it as exact.",
        "units": "Units",
        "units_text": "The Value column is in base units (yuan, people, person-times, …) so it can be computed with: 2600余万元 is stored as 26,000,000 (yuan). Rates are stored as percentages: 93 means 93%. “As written in the report” keeps the report's Chinese text. People (人) and person-times (人次) differ and must not be added; nor money and people.",
        "kinds": "Kinds",
        "kinds_text": "City-wide totals are kept apart from individual stories and single events (each section sheet lists the city-wide totals first); they must not be added.",
        "computed": "Computed figures",
        "computed_text": "Every number in this workbook comes from the report; no total or ratio was computed. The Honours sheet has no totals across levels or types: one person can hold honours at several levels, and different honours cannot be added.",
        "sheets": "Sheets",
        "sheet_notes": "This sheet: source, filters and how to read.",
        "sheet_summary": "Headline figures by section: as shown, value in base units, unit, qualifier, period.",
        "sheet_section": "Every figure of this section, one per row (tidy data).",
        "sheet_honours": "Honours by type (rows) and level (national, provincial, city), as the report states them.",
        "sheet_charts": "Native Excel charts; their data is on the “{data}” sheet.",
        "sheet_chart_data": "The tables the charts draw.",
        "no_headlines": "No headline figure fits the selection.",
        "no_honours": "No honours by level fit the selection.",
        "no_charts": "No chart data fits the selection.",
        "charts_heading": "Charts (data on the “{data}” sheet)",
        "source": "Source",
        "unit_label": "unit: {unit}",
        "mixed_units": "count",
        "id": "ID",
        "section": "Section",
        "programme": "Programme",
        "figure": "Figure",
        "metric": "Metric",
        "value": "Value",
        "unit": "Unit",
        "shown": "As shown",
        "as_written": "As written in the report",
        "qualifier": "Qualifier",
        "period": "Period",
        "period_start": "First year",
        "period_end": "Last year",
        "scope": "Scope",
        "level": "Level",
        "kind": "Kind",
        "part_of": "Part of (id)",
        "source_quote": "Source quote (Chinese)",
        "note": "Note",
        "honour": "Honour",
        "chart_label": "Chart label",
        "fact_ids": "Figure ids",
        "sep": "; ",
        "colon": ": ",
        "aid_funds": "Aid funds by programme",
        "aid_people": "People helped by programme",
        "aid_person_times": "People helped by programme",
        "honours_by_level": "Honours by level",
        "title_sep": " | ",
    },
}


# ---------------------------------------------------------------------------------------------------
# Tables: plain functions from frames to rows.


def _qualifier(qualifier: str, lang: Lang) -> str:
    if not qualifier or lang == "zh":
        return qualifier
    meaning = QUALIFIERS_EN.get(qualifier, "{}").replace("{}", "").strip()
    return f"{qualifier} ({meaning})" if meaning else qualifier


def _records(facts: Facts) -> list[dict[str, Any]]:
    """Rows as plain dicts (much faster than `iterrows`); a list of records is passed through as it is."""
    if isinstance(facts, pd.DataFrame):
        # Column by column: `to_dict("records")` boxes each cell of pandas' string columns, several times slower.
        columns = [str(column) for column in facts.columns]
        values = [facts[column].tolist() for column in facts.columns]
        return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
    return [dict(fact) for fact in facts] if not isinstance(facts, list) else facts


def _unit(fact: Mapping[str, Any] | pd.Series, lang: Lang) -> str:
    return str(fact[f"unit_{lang}"])


@functools.lru_cache(maxsize=8)
def _labels(dataset: Dataset, lang: Lang) -> dict[str, dict[str, str]]:
    """id → label of every dimension table, looked up once per dataset (a workbook needs thousands)."""
    tables = ("sections", "programmes", "metrics", "measures", "levels", "kinds", "scopes")
    return {
        table: dict(zip(getattr(dataset, table)["id"], getattr(dataset, table)[f"label_{lang}"], strict=True))
        for table in tables
    }


def _label(dataset: Dataset, table: str, item_id: str, lang: Lang) -> str:
    return _labels(dataset, lang)[table].get(item_id, item_id)


@functools.lru_cache(maxsize=16)
def _citations(dataset: Dataset, lang: Lang) -> dict[str, str]:
    return {str(k): str(v) for k, v in dataset.sources.set_index("id")[f"citation_{lang}"].items()}


def section_table(dataset: Dataset, facts: pd.DataFrame, lang: Lang) -> Table:
    """One section's tidy rows, city-wide totals first (the report's order within each kind)."""
    return _section_table(dataset, _records(facts), lang)


def _section_table(dataset: Dataset, records: Sequence[Mapping[str, Any]], lang: Lang) -> Table:
    text = TEXT[lang]
    ordered = [r for r in records if r["kind"] == "aggregate"] + [r for r in records if r["kind"] != "aggregate"]
    citations = _citations(dataset, lang)
    headers = [
        text["id"],
        text["programme"],
        text["figure"],
        text["metric"],
        text["value"],
        text["unit"],
        text["shown"],
        *([text["as_written"]] if lang == "en" else []),
        text["qualifier"],
        text["period_start"],
        text["period_end"],
        text["scope"],
        text["level"],
        text["kind"],
        text["part_of"],
        text["source"],
        text["source_quote"],
        text["note"],
    ]
    rows: list[list[CellValue]] = []
    for fact in ordered:
        level = str(fact["level_id"])
        rows.append(
            [
                str(fact["id"]),
                _label(dataset, "programmes", str(fact["programme_id"]), lang),
                str(fact[f"label_{lang}"]),
                _label(dataset, "metrics", str(fact["metric_id"]), lang),
                number(fact["value"], str(fact["measure_id"])),
                _unit(fact, lang),
                display_value(fact, lang),
                *([str(fact["as_written"])] if lang == "en" else []),
                _qualifier(str(fact["qualifier"]), lang),
                Number(float(fact["period_start"]), "0"),
                Number(float(fact["period_end"]), "0"),
                _label(dataset, "scopes", str(fact["scope_id"]), lang),
                _label(dataset, "levels", level, lang) if level else "",
                _label(dataset, "kinds", str(fact["kind"]), lang),
                str(fact["part_of"]),
                citations.get(str(fact["source_id"]), str(fact["source_id"])),
                str(fact["source_quote"]),
                _note(fact, lang),
            ]
        )
    # Set widths, so the sheet prints the same whatever the selection: text wraps inside them. The Chinese
    # sheet fits one landscape page wide at 80 % (157 units); the English one, with its extra column and
    # longer words, prints each row over two pages: what the figure is, then where it comes from.
    zh = lang == "zh"
    widths = {
        text["id"]: 15 if zh else 16,
        text["programme"]: 10 if zh else 13,
        text["figure"]: 15 if zh else 18,
        text["metric"]: 10 if zh else 12,
        text["value"]: 12,
        text["unit"]: 5 if zh else 9,
        text["shown"]: 10 if zh else 12,
        text["as_written"]: 10,
        text["qualifier"]: 5 if zh else 9,
        text["period_start"]: 5,
        text["period_end"]: 5,
        text["scope"]: 6 if zh else 9,
        text["level"]: 5 if zh else 10,
        text["kind"]: 6 if zh else 11,
        text["part_of"]: 9 if zh else 14,
        text["source"]: 10 if zh else 22,
        text["source_quote"]: 16 if zh else 50,
        text["note"]: 13 if zh else 50,
    }
    wrap = frozenset(set(widths) - {text["value"], text["period_start"], text["period_end"]})
    return Table(
        headers,
        rows,
        wrap,
        widths,
        frozenset({text["period_start"], text["period_end"]}),
        frozenset({text["value"]}),
        print_break=text["part_of"],
    )


def _note(fact: Mapping[str, Any], lang: Lang) -> str:
    """The note in the workbook's language (facts.csv: `note` in English, `note_zh` in Chinese)."""
    if lang == "zh":
        return str(fact.get("note_zh") or "")
    return str(fact.get("note") or "")


def summary_table(dataset: Dataset, filters: Filters) -> Table:
    """The headline figures the filters keep, grouped by section (sections.csv order), headline order within."""
    lang = filters.lang
    text = TEXT[lang]
    headlines = headline_facts(dataset, filters)
    order = {section: position for position, section in enumerate(dataset.sections["id"])}
    headlines = headlines.assign(_section_order=headlines["section_id"].map(order)).sort_values(
        "_section_order", kind="stable"
    )
    citations = _citations(dataset, lang)
    headers = [
        text["section"],
        text["figure"],
        text["shown"],
        *([text["as_written"]] if lang == "en" else []),
        text["value"],
        text["unit"],
        text["qualifier"],
        text["period"],
        text["source"],
        text["id"],
    ]
    rows: list[list[CellValue]] = [
        [
            _label(dataset, "sections", str(fact["section_id"]), lang),
            str(fact[f"label_{lang}"]),
            display_value(fact, lang),
            *([str(fact["as_written"])] if lang == "en" else []),
            number(fact["value"], str(fact["measure_id"])),
            _unit(fact, lang),
            _qualifier(str(fact["qualifier"]), lang),
            period_label(int(fact["period_start"]), int(fact["period_end"]), lang),
            citations.get(str(fact["source_id"]), str(fact["source_id"])),
            str(fact["id"]),
        ]
        for fact in _records(headlines)
    ]
    widths = {
        text["section"]: 10 if lang == "zh" else 14,
        text["figure"]: 22,
        text["shown"]: 12 if lang == "zh" else 16,
        text["as_written"]: 12,
        text["value"]: 14,
        text["unit"]: 6 if lang == "zh" else 10,
        text["qualifier"]: 6 if lang == "zh" else 12,
        text["period"]: 16,
        text["source"]: 16,
        text["id"]: 22,
    }
    wrap = frozenset(set(widths) - {text["value"]})
    return Table(headers, rows, wrap, widths, numbers=frozenset({text["value"]}))


def honours_pivot(dataset: Dataset, facts: Facts, lang: Lang) -> pd.DataFrame:
    """Honours by type (rows) and level (one column per level id), from city-wide facts with a level.

    One row per metric and period. Where one metric has several facts at the same level and period
    (e.g. three kinds of provincial union honours), each fact gets a row of its own, labelled with the
    fact's label: cells are never summed, so every number is one fact's value.
    Columns: label, metric_id, measure_id, unit, period_start, period_end, <level ids…>, as_written, fact_ids.
    """
    levels = list(dataset.levels["id"])
    columns = ["label", "metric_id", "measure_id", "unit", "period_start", "period_end", *levels]
    honours = [fact for fact in _records(facts) if fact["kind"] == "aggregate" and fact["level_id"]]
    if not honours:
        return pd.DataFrame(columns=[*columns, "as_written", "fact_ids"])
    sizes = Counter((f["metric_id"], f["period_start"], f["period_end"], f["level_id"]) for f in honours)
    crowded = {key[:3] for key, size in sizes.items() if size > 1}
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    text = TEXT[lang]
    for fact in honours:
        key3 = (fact["metric_id"], fact["period_start"], fact["period_end"])
        split = key3 in crowded
        row = rows.setdefault(
            (*key3, fact["id"] if split else ""),
            {
                "label": str(fact[f"label_{lang}"])
                if split
                else _label(dataset, "metrics", str(fact["metric_id"]), lang),
                "metric_id": fact["metric_id"],
                "measure_id": fact["measure_id"],
                "unit": _unit(fact, lang),
                "period_start": int(fact["period_start"]),
                "period_end": int(fact["period_end"]),
                **dict.fromkeys(levels),
                "as_written": "",
                "fact_ids": "",
            },
        )
        row[str(fact["level_id"])] = float(fact["value"])
        written = f"{fact[f'label_{lang}']}{text['colon']}{display_value(fact, lang)}"
        row["as_written"] = f"{row['as_written']}{text['sep']}{written}" if row["as_written"] else written
        row["fact_ids"] = f"{row['fact_ids']}, {fact['id']}" if row["fact_ids"] else str(fact["id"])
    # Periods oldest first; within a period the report's order (sorted is stable).
    ordered = sorted(rows.values(), key=lambda row: (row["period_start"], row["period_end"]))
    return pd.DataFrame(ordered, columns=[*columns, "as_written", "fact_ids"])


def honours_table(dataset: Dataset, pivot: pd.DataFrame, lang: Lang) -> Table:
    text = TEXT[lang]
    levels = list(dataset.levels["id"])
    headers = [
        text["honour"],
        text["unit"],
        text["period"],
        *(_label(dataset, "levels", level, lang) for level in levels),
        text["shown"],
        text["fact_ids"],
    ]
    rows: list[list[CellValue]] = []
    for row in _records(pivot):
        cells: list[CellValue] = [
            str(row["label"]),
            str(row["unit"]),
            period_label(int(row["period_start"]), int(row["period_end"]), lang),
        ]
        cells += [None if pd.isna(row[level]) else number(row[level], str(row["measure_id"])) for level in levels]
        cells += [str(row["as_written"]), str(row["fact_ids"])]
        rows.append(cells)
    wrap = frozenset({text["honour"], text["shown"], text["fact_ids"]})
    widths = {text["honour"]: 24, text["unit"]: 8, text["period"]: 16, text["shown"]: QUOTE_COLUMN_WIDTH}
    widths |= {_label(dataset, "levels", level, lang): 10 for level in levels}
    numbers = frozenset(_label(dataset, "levels", level, lang) for level in levels)
    return Table(headers, rows, wrap | {text["period"]}, widths | {text["fact_ids"]: 24}, numbers=numbers)


def _source_of(dataset: Dataset, source_ids: Iterable[str], lang: Lang) -> str:
    """The citations of the sources named, in order of first use."""
    citations = _citations(dataset, lang)
    ids = dict.fromkeys(str(source_id) for source_id in source_ids)
    return TEXT[lang]["sep"].join(citations.get(source_id, source_id) for source_id in ids)
