"""A proposal as files: a CSV of the proposed rows, and the import workbook itself.

The workbook is what `uniondash import-xlsx` reads (`intake.workbook`): its 全部数据 / All figures sheet
holds facts.csv's columns with the proposed rows, its 来源 / Sources sheet the data set's sources (and a
row to complete for a new source). Every proposed row is marked for review: filled yellow, with the
sentence it comes from beside it (the quote in bold, the figure in red), the confidence of the suggested
programme and metric, and how the row was read. Those reading columns stand after an empty column, under
headers that are not column ids, so the importer ignores them. Nothing reaches `data/` but through
`import-xlsx`, which validates every row (a proposal with an empty label_en or scope is refused there,
cell by cell).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from uniondash.exports.xlsx_data import (
    DATA_SHEET,
    FACT_COLUMNS,
    SOURCE_COLUMNS,
    SOURCES_SHEET,
    data_sheet_notes,
    put_plain,
)
from uniondash.intake.extract.listing import describe_rows as describe_rows
from uniondash.intake.extract.listing import proposal_csv as proposal_csv
from uniondash.intake.extract.listing import write_atomically as write_atomically
from uniondash.intake.extract.proposal import Proposal
from uniondash.intake.extract.reference import Published
from uniondash.model import Lang

REVIEW_FILL = PatternFill("solid", fgColor="FFF2CC")  # proposed, to review
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_GREY = PatternFill("solid", fgColor="EDEDED")
READING_HEADERS = {
    "zh": (
        "审核（仅供阅读）",
        "原句：引文加粗，数字标红（仅供阅读）",
        "建议的可信度（仅供阅读）",
        "年份依据（仅供阅读）",
        "读取说明（仅供阅读）",
    ),
    "en": (
        "Review (for reading)",
        "Sentence: quote in bold, figure in red (for reading)",
        "Confidence of the suggestion (for reading)",
        "How the years were decided (for reading)",
        "How it was read (for reading)",
    ),
}
_TO_REVIEW = {
    "zh": "待审核：核对原句，删除不是统计数字的行",
    "en": "to review: check against the sentence; delete rows that are not statistics",
}
_NOTE = {
    "zh": (
        "由 uniondash extract 从报告中提取的建议行（黄色）：逐行对照右侧原句核对数值、限定词、单位和年份，"
        "删除不是统计数字的行，补全 label_en、scope_id、programme_id、metric_id 等空单元格，再用 uniondash import-xlsx "
        "--dry-run 试导入。导入会逐格检查，任何问题都不会写入。“年份依据”列说明每行的年份从何而来（子句、句子、段落、"
        "标题、整篇文件或报告日期）；标有 a guess 的年份是按整篇文件或报告日期推测的，请逐一核对。"
    ),
    "en": (
        "Rows proposed by uniondash extract (yellow): check each against its sentence on the right (value, "
        "qualifier, unit, years), delete the rows that are not statistics, fill the empty cells (label_en, "
        "scope_id, programme_id, metric_id…), then try `uniondash import-xlsx --dry-run`. The import checks "
        "every cell and writes nothing on any problem. 'How the years were decided' says where each row's years "
        "come from (its clause, sentence, paragraph, heading, the document as a whole or the report's date); the "
        "years marked 'a guess' come from the document or the date alone: confirm each."
    ),
}
_WIDTHS = {"source_quote": 40, "label_zh": 24, "as_written": 14, "id": 26, "programme_id": 20, "metric_id": 20}


def _sentence_cell(row: dict[str, Any], span: tuple[int, int], text: str) -> CellRichText | str:
    """The row's sentence, its quote in bold and the figure in bold red."""
    context, quote, written = str(row["context"]), str(row["source_quote"]), str(row["as_written"])
    at = context.find(quote)
    if at < 0:
        return context
    inside = quote.find(written)
    bold, red = InlineFont(b=True), InlineFont(b=True, color="C00000")
    parts: list[str | TextBlock] = []
    if at:
        parts.append(context[:at])
    if inside >= 0:
        if inside:
            parts.append(TextBlock(bold, quote[:inside]))
        parts.append(TextBlock(red, written))
        if quote[inside + len(written) :]:
            parts.append(TextBlock(bold, quote[inside + len(written) :]))
    else:
        parts.append(TextBlock(bold, quote))
    if context[at + len(quote) :]:
        parts.append(context[at + len(quote) :])
    return CellRichText(*parts)


def proposal_workbook(proposal: Proposal, dataset: Published, lang: Lang = "zh") -> Workbook:
    """The import workbook holding the proposal: notes, 全部数据 / All figures (proposed rows, marked for
    review, each beside its sentence) and 来源 / Sources (the data set's, and a new source to complete)."""
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "说明" if lang == "zh" else "Notes"
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 100
    lines = [("uniondash extract", _NOTE[lang]), *_summary(proposal, lang), *data_sheet_notes(lang)]
    for number, (key, value) in enumerate(lines, start=1):
        put_plain(notes.cell(row=number, column=1), key)
        notes.cell(row=number, column=1).font = Font(bold=True)
        put_plain(notes.cell(row=number, column=2), value)
        notes.cell(row=number, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet = workbook.create_sheet(DATA_SHEET[lang])
    reading_start = len(FACT_COLUMNS) + 2
    _header(sheet, FACT_COLUMNS, 1, _HEADER_FILL)
    _header(sheet, READING_HEADERS[lang], reading_start, _GREY)
    for width_column, width in (
        (reading_start, 16),
        (reading_start + 1, 70),
        (reading_start + 2, 12),
        (reading_start + 3, 36),
        (reading_start + 4, 50),
    ):
        sheet.column_dimensions[get_column_letter(width_column)].width = width
    for number, (row, span) in enumerate(zip(proposal.rows, proposal.spans, strict=True), start=2):
        for column_number, column in enumerate(FACT_COLUMNS, start=1):
            cell = sheet.cell(row=number, column=column_number)
            put_plain(cell, row[column] if row[column] != "" else None)
            cell.fill = REVIEW_FILL
            cell.alignment = Alignment(vertical="top")
        reading = [_TO_REVIEW[lang], None, row["confidence"], row["period_basis"], row["review"]]
        for offset, value in enumerate(reading):
            cell = sheet.cell(row=number, column=reading_start + offset)
            if offset == 1:
                rich = _sentence_cell(row, span, proposal.text)
                if isinstance(rich, CellRichText):
                    cell.value = rich
                else:
                    put_plain(cell, rich)
            else:
                put_plain(cell, value)
            cell.alignment = Alignment(vertical="top", wrap_text=offset in (1, 3, 4))
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FACT_COLUMNS))}{max(1, len(proposal.rows) + 1)}"
    _sources(workbook.create_sheet(SOURCES_SHEET[lang]), proposal, dataset)
    workbook.properties.creator = "uniondash extract"
    return workbook


def _summary(proposal: Proposal, lang: Lang) -> list[tuple[str, str]]:
    head = "读取结果" if lang == "zh" else "What was read"
    return [(head if number == 0 else "", message) for number, message in enumerate(proposal.messages)]


def _header(sheet: Any, columns: Sequence[str], start: int, fill: PatternFill) -> None:
    for index, column in enumerate(columns, start=start):
        cell = sheet.cell(row=1, column=index)
        put_plain(cell, column)
        cell.font = Font(bold=True)
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, 12)


REPORT_KINDS = ("annual", "mid-term", "mid-term", "mid-term", "five-year")  # by length in years, 1 to 5


def report_guess(proposal: Proposal) -> dict[str, str]:
    """The report's kind and period as its figures suggest them, for the reviewer to confirm: the longest
    period among the figures that end in the latest year any figure ends (五年来 of a congress report: five
    years, a five-year report; 今年 of an annual report: one year). Empty where no figure's period fits a kind."""
    periods = {(int(row["period_start"]), int(row["period_end"])) for row in proposal.rows if row.get("period_end")}
    if not periods:
        return {}
    end = max(last for _, last in periods)
    # Careers since 2003 end in the report's year too: only spans a report can have (one to five years) count.
    starts = [first for first, last in periods if last == end and 1 <= end - first + 1 <= len(REPORT_KINDS)]
    if not starts:
        return {}
    start = min(starts)
    return {"report_kind": REPORT_KINDS[end - start], "period_start": str(start), "period_end": str(end)}


def _sources(sheet: Any, proposal: Proposal, dataset: Published) -> None:
    """The data set's sources, then a row for the proposal's source when it is new (what is known filled in:
    its id and date; the reviewer completes the rest, and the import names any empty required cell)."""
    _header(sheet, SOURCE_COLUMNS, 1, _HEADER_FILL)
    rows = [
        [str(value) for value in values] for values in zip(*(dataset.sources[c] for c in SOURCE_COLUMNS), strict=True)
    ]
    source_ids = {row["source_id"] for row in proposal.rows if row["source_id"]}
    known = set(dataset.sources["id"])
    for source_id in sorted(source_ids - known):
        new = dict.fromkeys(SOURCE_COLUMNS, "")
        new.update(id=source_id, published=proposal.report_date or "", **report_guess(proposal))
        rows.append([new[column] for column in SOURCE_COLUMNS])
    for number, values in enumerate(rows, start=2):
        for column_number, (column, value) in enumerate(zip(SOURCE_COLUMNS, values, strict=True), start=1):
            cell = sheet.cell(row=number, column=column_number)
            put_plain(cell, (int(value) if column == "page" and value.isdigit() else value) or None)
            if values[0] not in known:
                cell.fill = REVIEW_FILL
    sheet.freeze_panes = "B2"


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
