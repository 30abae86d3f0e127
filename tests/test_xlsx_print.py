"""The workbook printed by LibreOffice Calc (headless) to PDF: text of at least 8 pt, and every chart whole on
one page.

LibreOffice is what `make test` installs (libreoffice-calc-nogui) and what an analyst on Linux prints with;
its PDF is read with poppler's `pdftotext -bbox` (each word with its box: a word's height is its printed
size in pt). Under CI=true a missing LibreOffice fails the test instead of skipping it.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from uniondash.chartspec import comparisons_and_cards
from uniondash.exports.xlsx import write_workbook
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
WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Printed:
    pages: list[list[tuple[float, str]]]  # per page: (height in pt, word)

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
    pages = []
    for page in xml.split("<page ")[1:]:
        # The words are XML-escaped (&apos; &amp;).
        pages.append([(float(y2) - float(y1), html.unescape(word)) for y1, y2, word in WORD.findall(page)])
    return Printed(pages)


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
        title, heading = squeeze(spec.title), squeeze(panel.heading)
        while not (title in pdf.text(page) and heading in pdf.text(page)):
            page += 1
            assert page < len(pdf.pages), (spec.chart_id, panel.heading)
        assert squeeze(last)[:12] in pdf.text(page), (spec.chart_id, panel.heading, page)


@pytest.mark.parametrize(("name", "message"), [("empty-zh", "所选范围内没有数据"), ("empty-en", "No figure fits")])
def test_empty_selection_prints_on_few_pages(printed, name, message):
    _, pdf = printed[name]
    # One page each for 说明, 汇总, 荣誉, 图表 and 图表数据; the header row of 全部数据 (22 column ids and 5
    # labels, read back by import-xlsx) on two landscape pages; 来源 on two since each report declares its
    # kind and period (report_kind, period_start, period_end: issue 25).
    assert len(pdf.pages) == 9
    text = "".join(pdf.text(page) for page in range(len(pdf.pages)))
    assert squeeze(message) in text
    # Every column id of the 全部数据 header is printed whole, on the two pages after the chart data's.
    headers = pdf.text(5) + pdf.text(6)
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
