"""intake/xlsx.py and what workbook.normalise makes of its values: the sheets of an untrusted .xlsx, streamed.

SYNTHETIC workbooks written part by part here, the way Excel, LibreOffice or an attacker may write them
(shared strings with rich text and phonetic runs, prefixes, cells without references, `_x000D_` escapes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.hostile.make_corpus import deflated, write_zip
from tests.synthetic import copy_shipped
from uniondash.exports.xlsx import write_workbook
from uniondash.intake import workbook as importer
from uniondash.intake.archive import ArchiveLimits
from uniondash.intake.problems import ImportProblems
from uniondash.intake.xlsx import CellError, Formula, SheetLimits, TooLong, Unreadable, column_letter, open_xlsx
from uniondash.load import load_dataset
from uniondash.model import Filters

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook_file(
    path: Path,
    sheets: dict[str, str],
    shared: list[str] | None = None,
    states: dict[str, str] | None = None,
    date1904: bool = False,
) -> Path:
    """A workbook of `sheets` (name → the XML inside <sheetData>), with `shared` strings (each an <si> body)."""
    states = states or {}
    entries = "".join(
        f'<sheet name="{name}" sheetId="{n}" state="{states.get(name, "visible")}" r:id="rId{n}"/>'
        for n, name in enumerate(sheets, start=1)
    )
    flag = ' date1904="1"' if date1904 else ""
    workbook = f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr{flag}/><sheets>{entries}</sheets></workbook>'
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    parts = [
        deflated(
            "_rels/.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="r1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode(),
        ),
        deflated("xl/workbook.xml", workbook.encode()),
        deflated(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'.encode(),
        ),
        *(
            deflated(
                f"xl/worksheets/sheet{n}.xml",
                f'<worksheet xmlns="{MAIN}"><sheetData>{xml}</sheetData></worksheet>'.encode(),
            )
            for n, xml in enumerate(sheets.values(), start=1)
        ),
    ]
    if shared is not None:
        items = "".join(f"<si>{item}</si>" for item in shared)
        parts.append(deflated("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{items}</sst>'.encode()))
    return write_zip(path, parts)


def read(path: Path, sheet: str, columns: tuple[str, ...], limits: SheetLimits | None = None):  # type: ignore[no-untyped-def]
    with open_xlsx(path, ArchiveLimits(), limits or SheetLimits()) as book:
        entry = book.entry(sheet)
        assert entry is not None
        return book.read(entry, columns)


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_cells_of_every_type_become_the_values_openpyxl_gives(tmp_path: Path) -> None:
    shared = [
        "<t>id</t>",
        "<t>value</t>",
        "<r><t>全市</t></r><r><t>人才</t></r><rPh><t>ぜんし</t></rPh>",
        "<t>x_x000D_y</t>",
    ]
    cells = row(1, '<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>', inline("C1", "label"))
    cells += row(
        2,
        '<c r="A2" t="s"><v>2</v></c>',  # rich text, its phonetic guide left out
        '<c r="B2"><v>1.5E3</v></c>',  # a number in exponent notation
        '<c r="C2" t="s"><v>3</v></c>',  # _x000D_ is a carriage return
    )
    cells += row(
        3, '<c r="A3" t="b"><v>1</v></c>', '<c r="B3" t="e"><v>#N/A</v></c>', '<c r="C3"><f>A1*2</f><v>4</v></c>'
    )
    cells += row(4, '<c r="A4" t="s"><v>99</v></c>', '<c r="B4"><v>inf</v></c>', '<c r="C4" t="str"><v>text</v></c>')
    sheet = read(workbook_file(tmp_path / "t.xlsx", {"S": cells}, shared), "S", ("id", "value", "label"))
    assert sheet.header == ["id", "value", "label"]
    assert [values for _, values in sheet.rows] == [
        {"id": "全市人才", "value": 1500.0, "label": "x\ry"},
        {"id": True, "value": CellError("#N/A"), "label": Formula()},
        {"id": Unreadable("shared string '99'"), "value": Unreadable("inf"), "label": "text"},
    ]


def test_cells_without_references_and_prefixed_names_are_read_in_place(tmp_path: Path) -> None:
    xml = '<x:row><x:c t="inlineStr"><x:is><x:t>id</x:t></x:is></x:c><x:c/><x:c t="inlineStr"><x:is><x:t>value</x:t></x:is></x:c></x:row>'
    xml += '<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c/><x:c><x:v>7</x:v></x:c></x:row>'
    path = workbook_file(tmp_path / "p.xlsx", {"S": f'<wrap xmlns:x="{MAIN}">{xml}</wrap>'})
    sheet = read(path, "S", ("id", "value"))
    assert sheet.header == ["id", "", "value"] and sheet.rows == [(2, {"id": "a", "value": 7})]


def test_only_the_asked_columns_are_kept_and_empty_rows_are_skipped(tmp_path: Path) -> None:
    xml = row(1, inline("A1", "id"), inline("B1", "other")) + row(2, inline("A2", "a"), inline("B2", "b" * 1000))
    xml += row(3, inline("A3", "  "), inline("B3", "kept?")) + row(5, inline("A5", "c"))
    sheet = read(workbook_file(tmp_path / "c.xlsx", {"S": xml}), "S", ("id",))
    assert sheet.rows == [(2, {"id": "a"}), (5, {"id": "c"})]


def test_a_cell_over_the_limit_is_counted_not_kept(tmp_path: Path) -> None:
    xml = row(1, inline("A1", "id")) + row(2, inline("A2", "x" * 40_000))
    sheet = read(workbook_file(tmp_path / "l.xlsx", {"S": xml}), "S", ("id",))
    assert sheet.rows == [(2, {"id": TooLong(40_000)})]


@pytest.mark.parametrize(
    ("xml", "problem"),
    [
        (row(3, inline("A3", "a")) + row(2, inline("A2", "b")), "行号错乱"),
        (row(1, inline("B1", "a"), inline("A1", "b")), "单元格位置错乱"),
        (row(1, inline("XFE1", "a")), "单元格位置错乱"),
        (row(1, inline("A1", "id")) + row(12, inline("A12", "b")), "行数超过 10"),
    ],
)
def test_rows_and_cells_out_of_place_or_past_the_limits_are_refused(tmp_path: Path, xml: str, problem: str) -> None:
    path = workbook_file(tmp_path / "o.xlsx", {"S": xml})
    with pytest.raises(ImportProblems, match=problem):
        read(path, "S", ("id",), SheetLimits(max_rows=10))


def test_cells_and_text_are_bounded_over_the_whole_sheet(tmp_path: Path) -> None:
    xml = row(1, inline("A1", "id")) + "".join(
        row(n, inline(f"A{n}", "y" * 100), f'<c r="B{n}"/>', f'<c r="C{n}"/>') for n in range(2, 10)
    )
    path = workbook_file(tmp_path / "b.xlsx", {"S": xml})
    with pytest.raises(ImportProblems, match="合计超过 500 个字符"):
        read(path, "S", ("id",), SheetLimits(max_rows=10, max_text_chars=500))
    with pytest.raises(ImportProblems, match="单元格超过 11 个"):
        read(path, "S", ("id",), SheetLimits(max_rows=10, max_cells_per_row=1))
    shared = workbook_file(tmp_path / "s.xlsx", {"S": row(1, inline("A1", "id"))}, ["<t>a</t>"] * 20)
    with pytest.raises(ImportProblems, match="共享字符串超过 10 个"):
        read(shared, "S", ("id",), SheetLimits(max_shared_strings=10))


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 702, 16_384)] == ["A", "Z", "AA", "ZZ", "XFD"]


# ---------------------------------------------------------------------------------------------------
# What normalise makes of the reader's values


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("label_zh", Formula(), "是公式"),
        ("value", CellError("#DIV/0!"), "显示错误值 #DIV/0!"),
        ("label_zh", TooLong(3_495_253), "3,495,253 个字符，超过一个单元格最多可容纳的 32,767 个（此列最多 200 个）"),
        ("note", Unreadable("shared string '99'"), "无法读取"),
        ("label_en", "x" * 201, "文字过长：201 个字符，此列最多 200 个"),
        ("source_quote", "全市\u202e人才", "双向文字控制符 U+202E"),
        ("note", "a\u2066b", "双向文字控制符 U+2066"),
        ("label_zh", "全市\x00人才", "控制字符 U+0000"),
        ("value", "1" * 50, "不是数字"),
        ("value", 1e300, "数值超出范围"),
    ],
)
def test_what_the_reader_could_not_take_is_named(column: str, value: object, problem: str) -> None:
    text, found = importer.normalise(column, value, "zh")
    assert text == "" and found is not None and problem in found[0], found
    assert found[1] and "\n" not in found[0] + found[1]


@pytest.mark.parametrize(
    ("column", "typed", "stored"),
    [
        ("label_en", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("label_zh", "+1+1", "'+1+1"),
        ("note", "@SUM(1+1)", "'@SUM(1+1)"),
        ("note", "-2+3", "'-2+3"),
        ("note", "\t=1+1", "'=1+1"),  # white space around a cell is stripped first
        ("note", "-5", "-5"),  # a plain number is no formula
        ("published", 45672, "2025-01-15"),  # a date typed in Excel is stored as a day number
    ],
)
def test_formula_like_text_is_stored_escaped_and_dates_read(column: str, typed: object, stored: str) -> None:
    assert importer.normalise(column, typed, "zh") == (stored, None)


def test_dates_of_1904_workbooks() -> None:
    assert importer.normalise("published", 44210, "zh", date1904=True) == ("2025-01-15", None)


# ---------------------------------------------------------------------------------------------------
# Whole workbooks


def test_a_workbook_saved_by_libreoffice_reads_back_unchanged(tmp_path: Path) -> None:
    """LibreOffice (like Excel) writes shared strings and its own structure: the round trip still changes nothing."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) not installed")
        pytest.skip("LibreOffice (soffice) not installed")
    data = copy_shipped(tmp_path / "data")
    exported = tmp_path / "in" / "figures.xlsx"
    exported.parent.mkdir()
    write_workbook(load_dataset(data), Filters(), exported)
    profile = (tmp_path / "profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx", "--outdir"]
    subprocess.run([*command, str(tmp_path / "out"), str(exported)], check=True, capture_output=True, timeout=180)
    saved = tmp_path / "out" / "figures.xlsx"
    with open_xlsx(saved, ArchiveLimits(), SheetLimits()) as book:
        assert book.shared_part is not None  # the shared strings path is the one exercised
    plan = importer.plan_import(saved, data)
    assert plan.files == {} and len(plan.diff.unchanged) == 88


def test_a_memory_error_is_a_named_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbook_file(tmp_path / "m.xlsx", {"全部数据": row(1, inline("A1", "id"))})

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(importer, "_read_sheets", exhausted)
    with pytest.raises(ImportProblems, match="读取所需内存超出限制"):
        importer.read_workbook(path)
