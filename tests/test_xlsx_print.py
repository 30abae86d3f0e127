"""The workbook printed by LibreOffice Calc (headless) to PDF: text of at least 8 pt on every page, every
cell of the data sheets whole in its column, every chart whole on one page under a heading in its axis's
unit, and Notes that list every sheet and the import round trip.

LibreOffice is what `make test` installs (libreoffice-calc-nogui) and what an analyst on Linux prints with;
its PDF is read with poppler's `pdftotext -bbox` (each word with its box) and with pypdf (each piece of
text with its font size and the matrices that scale it on the page). Calc leaves out the glyphs of text
cut at a cell's edge, so a cut value is missing its end in the PDF. Under CI=true a missing LibreOffice
fails the test instead of skipping it.
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from uniondash.chartspec import comparisons_and_cards
from uniondash.exports.xlsx import write_workbook
from uniondash.exports.xlsx_cells import COLUMN_UNIT_PT, PAGE_WIDTH_UNITS, print_scale
from uniondash.exports.xlsx_charts import panel_heading, scale_for
from uniondash.exports.xlsx_data import DATA_SHEET, FACT_COLUMNS, SOURCE_COLUMNS, SOURCES_SHEET
from uniondash.model import Dataset, Filters

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
SELECTIONS = {
    "full-zh": Filters(),
    "full-en": Filters(lang="en"),
    "2023-zh": Filters(years=frozenset({2023})),
    "empty-zh": Filters(years=frozenset({2021})),
    "empty-en": Filters(years=frozenset({2021}), lang="en"),
}
# A word box is a little taller than the type (ascent + descent): 10 pt text measures about 10.2.
MIN_TEXT_PT = 8.0
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Word:
    x: float  # left edge, pt from the page's left
    top: float
    text: str


@dataclass(frozen=True)
class Printed:
    pages: list[list[tuple[float, str]]]  # per page: (height in pt, word)
    words: list[list[Word]]  # per page: each word with its place
    sizes: list[list[float]]  # per page: the printed size (pt) of each piece of text

    def text(self, page: int) -> str:
        return "".join(word for _, word in self.pages[page])


def needs_tools() -> None:
    if SOFFICE and PDFTOTEXT:
        return
    message = "LibreOffice (soffice) or poppler-utils (pdftotext) not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def read_pdf(path: Path) -> Printed:
    assert PDFTOTEXT
    xml = subprocess.run([PDFTOTEXT, "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages, words = [], []
    for page in xml.split("<page ")[1:]:
        # The words are XML-escaped (&apos; &amp;).
        found = [(float(x), float(y1), float(y2), html.unescape(word)) for x, y1, y2, word in WORD.findall(page)]
        pages.append([(y2 - y1, word) for _, y1, y2, word in found])
        words.append([Word(x, y1, word) for x, y1, _, word in found])
    return Printed(pages, words, printed_sizes(path))


def printed_sizes(path: Path) -> list[list[float]]:
    """The size each piece of text prints at, page by page: its font size (Tf) times the vertical scale of
    the text matrix and the page's transformation (a sheet printed at 80 % draws 10 pt text at 8 pt)."""
    sizes: list[list[float]] = []
    for page in PdfReader(path).pages:
        found: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float, found=found) -> None:
            if text.strip():
                # The y axis of text space on the page: the second row of tm × cm.
                c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
                found.append(size * math.hypot(c, d))

        page.extract_text(visitor_text=visit)
        sizes.append(found)
    return sizes


@pytest.fixture(scope="module")
def printed(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, Printed]]]:
    needs_tools()
    assert SOFFICE
    folder = tmp_path_factory.mktemp("print")
    books = []
    for name, filters in SELECTIONS.items():
        path, _ = write_workbook(dataset, filters, folder / f"{name}.xlsx")
        books.append(path)
    # A profile of its own: a LibreOffice already running with the default profile would swallow the job.
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(folder)]
        + [str(book) for book in books],
        capture_output=True,
        timeout=600,
        check=True,
    )
    yield {name: (folder / f"{name}.xlsx", read_pdf(folder / f"{name}.pdf")) for name in SELECTIONS}


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_printed_text_is_8pt_or_more(printed, name):
    _, pdf = printed[name]
    heights = [height for page in pdf.pages for height, word in page if word.strip()]
    assert heights
    assert min(heights) >= MIN_TEXT_PT, sorted(heights)[:5]


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_every_page_prints_its_text_at_8pt_or_more(printed, name):
    """Measured as the PDF draws it (font size × the page's scale), page by page: no sheet is shrunk to fit
    (Calc's "fit to width" printed 来源 at 65 % and the section sheets at 74 %: 6.5 and 7.4 pt)."""
    _, pdf = printed[name]
    assert len(pdf.sizes) == len(pdf.pages)
    small = {page + 1: round(min(sizes), 2) for page, sizes in enumerate(pdf.sizes) if round(min(sizes), 1) < 8.0}
    assert not small, f"pages printing text under 8 pt (page: size): {small}"
    assert all(pdf.sizes)  # every page has text, so every page was measured


def column_texts(ws: Worksheet, pdf: Printed, columns: tuple[str, ...]) -> dict[str, str]:
    """What each column of a machine sheet (全部数据, 来源) prints, page by page, read down the column.

    A page is the sheet's when its first line is a header of its columns. The column ids head every page
    and column A repeats on pages continuing to the right, so the page's columns are known; each starts
    `width × 6.35 pt × scale` right of column A (the unit Calc prints a column-width unit at). A word is
    its column's when it starts there; the words of a column, line by line, are its cells' texts."""
    scale = ws.page_setup.scale / 100
    widths = [ws.column_dimensions[get_column_letter(i + 1)].width for i in range(len(columns))]
    read: dict[str, list[str]] = {column: [] for column in columns}
    for words in pdf.words:
        if not words or words[0].text != "id":
            continue
        top = words[0].top
        header = [word for word in words if abs(word.top - top) < 2]
        indices = [columns.index(word.text) for word in header if word.text in columns]
        if len(indices) != len(header) or not set(indices) - {0}:
            continue  # another sheet's page
        shown = [0, *range(min(set(indices) - {0}), max(indices) + 1)]
        starts, x = [], words[0].x
        for index in shown:
            starts.append(x)
            x += widths[index] * COLUMN_UNIT_PT * scale
        for word in header:  # left-aligned headers stand where the widths put them
            place = starts[shown.index(columns.index(word.text))]
            assert word.text in ("value", "period_start", "period_end", "page") or abs(word.x - place) < 2, word
        lines: dict[float, list[Word]] = {}
        for word in words:
            if word.top > top + 2:
                line = next((y for y in lines if abs(y - word.top) < 2), word.top)
                lines.setdefault(line, []).append(word)
        for line in sorted(lines):
            for word in sorted(lines[line], key=lambda word: word.x):
                column = max((i for i, start in enumerate(starts) if word.x >= start - 2), default=0)
                read[columns[shown[column]]].append(word.text)
    return {column: squeeze("".join(texts)) for column, texts in read.items()}


@pytest.mark.parametrize("name", ["full-zh", "full-en"])
@pytest.mark.parametrize("sheet", ["data", "sources"])
def test_every_cell_of_the_data_and_sources_sheets_prints_whole_in_its_column(printed, name, sheet):
    """全部数据 and 来源 on paper: every text cell whole, in its own column. `source_id` was cut and ran into
    the quote ('zzrb-2023-11-3' then the quote); `local_copy` was cut at the page's edge."""
    path, pdf = printed[name]
    lang = SELECTIONS[name].lang
    ws = load_workbook(path)[(DATA_SHEET if sheet == "data" else SOURCES_SHEET)[lang]]
    columns = FACT_COLUMNS if sheet == "data" else SOURCE_COLUMNS
    texts = column_texts(ws, pdf, columns)
    assert all(texts.values()), [column for column, text in texts.items() if not text]  # every column printed
    cut = []
    for row in ws.iter_rows(min_row=2, max_col=len(columns)):
        for column, cell in zip(columns, row, strict=True):
            if isinstance(cell.value, str) and cell.value.strip() and squeeze(cell.value) not in texts[column]:
                cut.append((column, cell.row, cell.value[:40]))
    assert not cut, cut[:5]
    assert ws.max_row > 1


@pytest.mark.parametrize("name", ["full-zh", "full-en"])
def test_no_sheet_loses_a_character_on_paper(printed, name):
    """Every sheet but the charts: each character of the text cells in the print areas is printed at least as
    often as the cells hold it. A necessary condition only (text repeated elsewhere can hide a loss), but
    over every sheet, section sheets included, where a cut cell or a row too short for its wrapped text
    loses characters. NFKC: the PDF names some CJK glyphs by their Kangxi radicals (⼯ for 工)."""
    path, pdf = printed[name]
    printed_chars = Counter(unicodedata.normalize("NFKC", "".join(pdf.text(page) for page in range(len(pdf.pages)))))
    expected: Counter[str] = Counter()
    for ws in load_workbook(path).worksheets:
        if ws._charts:
            continue
        last = range_boundaries(ws.print_area.rpartition("!")[2].replace("$", ""))[2]
        for row in ws.iter_rows(max_col=last):
            for cell in row:
                if isinstance(cell.value, str):
                    expected.update(unicodedata.normalize("NFKC", squeeze(cell.value)))  # its characters
    short = {char: count - printed_chars[char] for char, count in expected.items() if printed_chars[char] < count}
    assert not short, short


@pytest.mark.parametrize("name", ["full-zh", "full-en"])
def test_the_notes_list_every_sheet_and_the_import_round_trip(printed, name):
    """说明 / Notes, as printed: every sheet of the workbook by name (全部数据 and 来源 too, the sheets analysts
    edit for import), then how: edit, `uniondash import-xlsx … --dry-run`, `uniondash import-xlsx …`."""
    path, pdf = printed[name]
    workbook = load_workbook(path)
    notes = workbook.worksheets[0]
    pages = [page for page in range(len(pdf.pages)) if squeeze(str(notes["A1"].value)) in pdf.text(page)]
    assert pages == [0]
    text = ""
    for page in range(len(pdf.pages)):
        if page and pdf.text(page).startswith(squeeze(str(workbook.worksheets[1]["A1"].value))):
            break  # the summary's first page: the notes end before it
        text += pdf.text(page)
    listed = text[text.index(squeeze("工作表" if SELECTIONS[name].lang == "zh" else "Sheets")) :]
    for sheet in workbook.sheetnames:
        assert squeeze(sheet) in listed, sheet
    dry_run = listed.index(squeeze("uniondash import-xlsx")), listed.index("--dry-run")
    assert dry_run[0] < dry_run[1] < listed.rindex(squeeze("uniondash import-xlsx"))  # check, then import
    assert "--remove-missing" in listed
    for column in FACT_COLUMNS:  # what each column of 全部数据 holds
        assert column in listed, column


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", ["full-zh", "full-en", "2023-zh"])
def test_every_chart_prints_whole_on_one_page(printed, dataset, name):
    """Each chart's title, heading and last bar label are on one page, in the order of the charts."""
    path, pdf = printed[name]
    workbook = load_workbook(path)
    charts_sheet = next(ws for ws in workbook.worksheets if ws._charts)
    charts = charts_sheet._charts
    specs = comparisons_and_cards(dataset, SELECTIONS[name])[0]
    panels = [(spec, panel) for spec in specs for panel in spec.panels]
    assert len(charts) == len(panels) > 0
    page = next(i for i in range(len(pdf.pages)) if squeeze(charts_sheet["A1"].value) in pdf.text(i))
    for spec, panel in panels:
        last = (
            f"{panel.bars[-1].label}{'：' if spec.lang == 'zh' else ': '}{panel.bars[-1].value_text}"
            if panel.kind == "bars"
            else panel.series[-1].label
        )
        # The chart is on the first page from here that shows its title and heading; its last label is there too.
        # The heading names the unit the axis is drawn in (单位：亿元 over an axis of 亿元), and so does the axis.
        scale = scale_for(panel, spec.lang)
        title, heading = squeeze(spec.title), squeeze(panel_heading(panel, scale, spec.lang))
        assert squeeze(scale.unit) in heading
        while not (title in pdf.text(page) and heading in pdf.text(page)):
            page += 1
            assert page < len(pdf.pages), (spec.chart_id, panel.heading)
        assert squeeze(last)[:12] in pdf.text(page), (spec.chart_id, panel.heading, page)
        assert squeeze(scale.unit) in pdf.text(page).replace(heading, ""), (spec.chart_id, "axis title")


@pytest.mark.parametrize(("name", "message"), [("empty-zh", "所选范围内没有数据"), ("empty-en", "No figure fits")])
def test_empty_selection_prints_on_few_pages(printed, name, message):
    path, pdf = printed[name]
    # 说明 on two pages (its second: the import round trip and the columns of 全部数据); one page each for
    # 汇总, 荣誉, 图表 and 图表数据; the header row of 全部数据 (its 22 column ids, read back by import-xlsx)
    # on two landscape pages; 来源 on one page, or two while its 13 columns are too wide for one at 80 %
    # (its local path column is on its way out).
    sources = load_workbook(path).worksheets[-1]
    sources_width = sum(sources.column_dimensions[get_column_letter(i + 1)].width for i in range(len(SOURCE_COLUMNS)))
    sources_pages = 1 if print_scale(sources_width, PAGE_WIDTH_UNITS["landscape"]) else 2
    assert len(pdf.pages) == 2 + 4 + 2 + sources_pages
    text = "".join(pdf.text(page) for page in range(len(pdf.pages)))
    assert squeeze(message) in text
    # Every column id of the 全部数据 header is printed whole, on the two pages after the chart data's.
    headers = pdf.text(6) + pdf.text(7)
    assert headers.startswith("id") and pdf.text(8).startswith("id")  # then 来源's
    for column in ("id", "programme_id", "number_as_written", "denominator_id", "source_quote", "note_zh"):
        assert column in headers, column


@pytest.mark.parametrize("name", ["full-zh", "full-en"])
def test_the_data_sheet_prints_every_label_and_quote_whole(printed, dataset, name):
    """全部数据 / All figures on paper: long texts wrap in their column (rows as tall as they need), so every
    label and source quote is printed whole, not cut at the next cell."""
    _, pdf = printed[name]
    # Its pages begin with the column id "id" (the first column repeats on pages continuing to the right);
    # the 来源 / Sources pages too, which hold "publication_zh". Other sheets begin with a title or "ID".
    texts = [pdf.text(page) for page in range(len(pdf.pages))]
    data_pages = [text for text in texts if text.startswith("id") and "publication_zh" not in text]
    assert len(data_pages) >= 2
    printed_data = "".join(data_pages)
    facts = dataset.facts
    for column in ("label_zh", "label_en", "source_quote"):
        cut = [text for text in facts[column] if not printed_whole(squeeze(text), printed_data)]
        assert not cut, (column, cut[:3])


def printed_whole(text: str, printed: str, window: int = 400) -> bool:
    """`text` is printed whole: its beginning, then each of its characters in order soon after. A wrapped cell's
    lines are read in turn with the next column's lines on the same baselines, so they need not be adjacent;
    a cut cell's hidden end is missing."""
    start = printed.find(text[:6])
    while start != -1:
        rest = iter(printed[start : start + len(text) + window])
        if all(char in rest for char in text):  # a subsequence: `in` consumes the iterator up to the match
            return True
        start = printed.find(text[:6], start + 1)
    return False
