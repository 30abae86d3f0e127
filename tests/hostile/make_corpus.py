"""SYNTHETIC hostile workbooks for `uniondash import-xlsx` (issue 24), generated at test time, never committed.

Every case starts from one honest workbook: the shipped data exported by uniondash, with two SYNTHETIC 2024
figures and their new source typed in (as tests/unit/test_intake_workbook.py does), and a `local_copy` column
in its Sources sheet as older exports had. That workbook imports cleanly; each case changes one thing in it:
a part swapped for a zip bomb, a DOCTYPE, a hidden sheet, a cell's text. So a refusal is the hostile thing's
doing, not some other fault.

Zip bombs are written without ever holding their contents: a block deflated once with a full flush is
self-contained, so repeating its bytes N times is valid deflate for the block repeated N times, and the CRC
of the whole is combined arithmetically (`crc32_combine`, as zlib computes it). The 1.5 GB and 2 GB bombs
take a few milliseconds to make.

    python -m tests.hostile.make_corpus OUTDIR    # writes every case into OUTDIR (for benchmarks/bench_hostile.py)
"""

from __future__ import annotations

import bz2
import random
import re
import struct
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from tests.synthetic import SHIPPED, SYNTHETIC_2024_SOURCE, synthetic_2024_rows
from uniondash.exports.xlsx import write_workbook
from uniondash.exports.xlsx_data import DATA_SHEET
from uniondash.load import load_dataset
from uniondash.model import Filters

MB = 1024 * 1024
DATA_PART_NAME = DATA_SHEET["zh"]
NEW_ROWS = (90, 91)  # the SYNTHETIC 2024 figures' rows in the data sheet (88 figures + header above them)
LABEL_ZH = "D"  # their label_zh column
LABEL_EN = "E"
NOTE = "U"


# ---------------------------------------------------------------------------------------------------
# CRC-32 of repeated data, without reading it (zlib's crc32_combine)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc(A), crc(B) and len(B)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def crc32_repeated(block: bytes, times: int) -> int:
    """crc32(block * times), by doubling."""
    result, result_length = 0, 0
    power, power_length = zlib.crc32(block), len(block)
    while times:
        if times & 1:
            result = crc32_combine(result, power, power_length) if result_length else power
            result_length += power_length
        times >>= 1
        if times:
            power = crc32_combine(power, power, power_length)
            power_length *= 2
    return result


# ---------------------------------------------------------------------------------------------------
# A zip written by hand: members may be bombs, lie about their size, or use any method and flags


@dataclass
class Member:
    name: str
    compressed: bytes
    size: int  # uncompressed
    crc: int
    method: int = 8
    flags: int = 0
    declared_size: int | None = None  # what the headers say, when it is a lie


def deflated(name: str, data: bytes, level: int = 6) -> Member:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Member(name, compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data))


def _full_flush(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def bomb(name: str, head: bytes, block: bytes, times: int, tail: bytes) -> Member:
    """A part of head + block × times + tail, deflated without building it."""
    finisher = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = _full_flush(head) + _full_flush(block) * times + finisher.compress(tail) + finisher.flush()
    crc = crc32_combine(
        crc32_combine(zlib.crc32(head), crc32_repeated(block, times), len(block) * times), zlib.crc32(tail), len(tail)
    )
    return Member(name, compressed, len(head) + len(block) * times + len(tail), crc)


def streamed(name: str, pieces: Iterable[bytes], level: int = 6) -> Member:
    """A part deflated piece by piece (a large but honest part)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    out, size, crc = [], 0, 0
    for piece in pieces:
        out.append(compressor.compress(piece))
        size += len(piece)
        crc = zlib.crc32(piece, crc)
    out.append(compressor.flush())
    return Member(name, b"".join(out), size, crc)


def write_zip(path: Path, members: Iterable[Member]) -> Path:
    local = struct.Struct("<4s5H3L2H")
    central = struct.Struct("<4s6H3L5H2L")
    directory = []
    with path.open("wb") as out:
        for member in members:
            name = member.name.encode()
            size = member.size if member.declared_size is None else member.declared_size
            offset = out.tell()
            out.write(
                local.pack(
                    b"PK\x03\x04",
                    20,
                    member.flags,
                    member.method,
                    0,
                    0x21,
                    member.crc,
                    len(member.compressed),
                    size,
                    len(name),
                    0,
                )
            )
            out.write(name + member.compressed)
            directory.append(
                central.pack(
                    b"PK\x01\x02",
                    20,
                    20,
                    member.flags,
                    member.method,
                    0,
                    0x21,
                    member.crc,
                    len(member.compressed),
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        start = out.tell()
        out.write(b"".join(directory))
        out.write(
            struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(directory), len(directory), out.tell() - start, start, 0)
        )
    return path


# ---------------------------------------------------------------------------------------------------
# The honest workbook, and what is changed in it


def honest_workbook(path: Path, data_dir: Path = SHIPPED) -> Path:
    """The shipped data exported, the SYNTHETIC 2024 figures and source typed in, a local_copy column kept."""
    write_workbook(load_dataset(data_dir), Filters(), path)
    workbook = load_workbook(path)
    data = workbook[DATA_PART_NAME]
    header = [cell.value for cell in data[1]]
    for number, row in zip(NEW_ROWS, synthetic_2024_rows(), strict=True):
        for column, value in row.items():
            data.cell(row=number, column=header.index(column) + 1, value=value).data_type = "s"
    sources = workbook["来源"]
    header = [cell.value for cell in sources[1]]
    sources.cell(row=1, column=len(header) + 1, value="local_copy")
    header.append("local_copy")
    target = sources.max_row + 1
    for column, value in {**SYNTHETIC_2024_SOURCE, "page": 1, "local_copy": ""}.items():
        sources.cell(row=target, column=header.index(column) + 1, value=value)
    workbook.save(path)
    return path


@dataclass
class Package:
    """The honest workbook's parts by name, in order, with the data and sources sheets' part names."""

    parts: dict[str, bytes]
    data_part: str
    sources_part: str
    extra: list[Member] = field(default_factory=list)

    @classmethod
    def of(cls, path: Path) -> Package:
        import zipfile

        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        rels = parts["xl/_rels/workbook.xml.rels"].decode()
        targets = dict(re.findall(r'Target="/?(?:xl/)?([^"]+)" Id="([^"]+)"', rels))
        targets = {rid: "xl/" + target for target, rid in targets.items()}
        sheets = dict(
            re.findall(r'name="([^"]+)" sheetId="\d+" state="\w+" r:id="([^"]+)"', parts["xl/workbook.xml"].decode())
        )
        return cls(parts, targets[sheets[DATA_PART_NAME]], targets[sheets["来源"]])

    def copy(self) -> Package:
        return Package(dict(self.parts), self.data_part, self.sources_part, list(self.extra))

    def write(self, path: Path) -> Path:
        members = [deflated(name, data) for name, data in self.parts.items()]
        return write_zip(path, [*members, *self.extra])

    # edits
    def text(self, name: str) -> str:
        return self.parts[name].decode("utf-8")

    def set(self, name: str, text: str) -> None:
        self.parts[name] = text.encode("utf-8")

    def replace_cell(self, ref: str, cell_xml: str, part: str | None = None) -> None:
        part = part or self.data_part
        text, count = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell_xml, self.text(part), count=1)
        assert count == 1, ref
        self.set(part, text)

    def inline(self, ref: str, text: str) -> None:
        self.replace_cell(ref, f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')

    def add_shared_strings(self, member: Member) -> None:
        """A shared strings part (openpyxl writes inline strings: it has none), with its relationship."""
        rels = self.text("xl/_rels/workbook.xml.rels").replace(
            "</Relationships>",
            '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml" Id="rIdSST"/></Relationships>',
        )
        self.set("xl/_rels/workbook.xml.rels", rels)
        types = self.text("[Content_Types].xml").replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        self.set("[Content_Types].xml", types)
        self.extra.append(member)

    def drop(self, name: str) -> Member:
        data = self.parts.pop(name)
        return deflated(name, data)


def _sheet_split(package: Package, part: str | None = None) -> tuple[str, str]:
    """The sheet part's XML before and after the end of its sheetData."""
    text = package.text(part or package.data_part)
    head, end, tail = text.partition("</sheetData>")
    return head, end + tail


# ---------------------------------------------------------------------------------------------------
# The cases

XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>'
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)
CJK = [chr(code) for code in range(0x4E00, 0x4E00 + 256)]


@dataclass(frozen=True)
class Case:
    name: str
    what: str  # what the probe did
    build: Callable[[Package, Path], Path]
    refused: bool = True
    expect: tuple[str, ...] = ()  # in the message


def _write(package: Package, path: Path) -> Path:
    return package.write(path)


def _with_doctype(part: str, doctype: str) -> Callable[[Package, Path], Path]:
    """`doctype` in the data sheet, workbook.xml or a shared strings part, its entity used in a cell."""
    entity = "&lol9;" if "lol" in doctype else "&xxe;&net;"

    def build(package: Package, path: Path) -> Path:
        if part == "shared":
            sst = (
                f'<?xml version="1.0"?>{doctype}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"<si><t>{entity}</t></si></sst>"
            )
            package.add_shared_strings(deflated("xl/sharedStrings.xml", sst.encode()))
            package.replace_cell(f"{LABEL_ZH}{NEW_ROWS[0]}", f'<c r="{LABEL_ZH}{NEW_ROWS[0]}" t="s"><v>0</v></c>')
            return package.write(path)
        name = package.data_part if part == "sheet" else "xl/workbook.xml"
        text = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + doctype, package.text(name), count=1)
        package.set(name, text)
        if part == "sheet":
            package.inline(f"{LABEL_ZH}{NEW_ROWS[0]}", entity)
        return package.write(path)

    return build


def _sst_bomb(lying: bool) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        block = b"<si><t>" + b"A" * (MB - 16) + b"</t></si>"
        member = bomb("xl/sharedStrings.xml", head, block, 1536, b"</sst>")
        if lying:
            member.declared_size = 32 * MB  # the headers say 32 MB; it inflates to 1.5 GB
        package.add_shared_strings(member)
        return package.write(path)

    return build


def _whitespace_bomb(lying: bool) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        head, tail = _sheet_split(package)
        member = bomb(package.data_part, head.encode(), b" " * MB, 2048, tail.encode())
        if lying:
            member.declared_size = 48 * MB
        package.parts.pop(package.data_part)
        package.extra.append(member)
        return package.write(path)

    return build


def _tiny_cells(package: Package, path: Path) -> Path:
    """22 million empty cells on 16 384-column rows (a 2.5 MB file)."""
    head, tail = _sheet_split(package)
    row = b'<row r="%d">' + b"<c/>" * 16_384 + b"</row>"
    rows = 1_343  # 22 million cells
    pieces = (row % number for number in range(NEW_ROWS[1] + 1, NEW_ROWS[1] + 1 + rows))
    package.parts.pop(package.data_part)
    package.extra.append(streamed(package.data_part, _chain([head.encode()], pieces, [tail.encode()]), level=9))
    return package.write(path)


def _cells_within_the_caps(package: Package, path: Path) -> Path:
    """1.3 million cells holding random digits: a part under every size and ratio cap, refused by its cell count."""
    head, tail = _sheet_split(package)
    generator = random.Random(24)

    def rows() -> Iterator[bytes]:
        for number in range(NEW_ROWS[1] + 1, NEW_ROWS[1] + 81):
            digits = generator.choices("123456789", k=16_384)
            yield (f'<row r="{number}">' + "".join(f"<c><v>{digit}</v></c>" for digit in digits) + "</row>").encode()

    package.parts.pop(package.data_part)
    package.extra.append(streamed(package.data_part, _chain([head.encode()], rows(), [tail.encode()])))
    return package.write(path)


def _million_rows(package: Package, path: Path) -> Path:
    head, tail = _sheet_split(package)
    pieces = (b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (n, n) for n in range(NEW_ROWS[1] + 1, 1_000_001))
    package.parts.pop(package.data_part)
    package.extra.append(streamed(package.data_part, _chain([head.encode()], pieces, [tail.encode()])))
    return package.write(path)


def _chain(*iterables: Iterable[bytes]) -> Iterator[bytes]:
    for iterable in iterables:
        yield from iterable


def _cell(ref: str, text: str) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        package.inline(ref, text)
        return package.write(path)

    return build


def _ten_mb_cell(package: Package, path: Path) -> Path:
    generator = random.Random(10)
    text = "".join(generator.choices(CJK, k=10 * MB // 3))  # 10 MB of UTF-8, little to compress
    package.inline(f"{LABEL_ZH}{NEW_ROWS[0]}", text)
    return package.write(path)


def _state(sheet: str, state: str) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        text, count = re.subn(
            rf'(name="{sheet}" sheetId="\d+" state=")visible"', rf'\g<1>{state}"', package.text("xl/workbook.xml")
        )
        assert count == 1
        package.set("xl/workbook.xml", text)
        return package.write(path)

    return build


def _two_languages(package: Package, path: Path) -> Path:
    """An 'All figures' sheet beside 全部数据, a copy saying 92万 where 全部数据 says 72万."""
    copy = package.copy()
    copy.inline(f"F{NEW_ROWS[0]}", "92万")
    package.parts["xl/worksheets/sheet99.xml"] = copy.parts[package.data_part]
    rels = package.text("xl/_rels/workbook.xml.rels").replace(
        "</Relationships>",
        '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="/xl/worksheets/sheet99.xml" Id="rId99"/></Relationships>',
    )
    package.set("xl/_rels/workbook.xml.rels", rels)
    workbook = package.text("xl/workbook.xml").replace(
        "</sheets>",
        '<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="All figures" '
        'sheetId="99" state="visible" r:id="rId99"/></sheets>',
    )
    package.set("xl/workbook.xml", workbook)
    return package.write(path)


def _local_copy(value: str, row: str = "new") -> Callable[[Package, Path], Path]:
    """The Sources sheet's local_copy cell of the new source (or of the shipped one) set to `value`."""

    def build(package: Package, path: Path) -> Path:
        text = package.text(package.sources_part)
        number = 3 if row == "new" else 2
        column = re.search(r'<c r="([A-Z]+)1"[^>]*><is><t>local_copy</t>', text)
        assert column is not None
        ref = f"{column.group(1)}{number}"
        cell = f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
        if f'r="{ref}"' in text:
            package.replace_cell(ref, cell, package.sources_part)
        else:
            text = re.sub(
                rf'(<row r="{number}"[^>]*>.*?)</row>',
                lambda m: m.group(1) + cell + "</row>",
                text,
                count=1,
                flags=re.S,
            )
            package.set(package.sources_part, text)
        return package.write(path)

    return build


def _parts(members: int) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        package.extra.extend(deflated(f"customXml/item{n}.xml", b"<a/>") for n in range(members))
        return package.write(path)

    return build


def _duplicate_part(package: Package, path: Path) -> Path:
    package.extra.append(deflated(package.data_part.upper(), package.parts[package.data_part]))
    return package.write(path)


def _method(method: int, flags: int = 0) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        data = package.parts.pop(package.data_part)
        compressed = bz2.compress(data) if method == 12 else data
        package.extra.append(
            Member(package.data_part, compressed, len(data), zlib.crc32(data), method=method, flags=flags)
        )
        return package.write(path)

    return build


def _bytes(content: Callable[[Package], bytes]) -> Callable[[Package, Path], Path]:
    def build(package: Package, path: Path) -> Path:
        path.write_bytes(content(package))
        return path

    return build


def _truncated(package: Package, path: Path) -> Path:
    package.write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _external_sheet(package: Package, path: Path) -> Path:
    rels = package.text("xl/_rels/workbook.xml.rels")
    data_id = re.search(rf'Target="/{re.escape(package.data_part)}" Id="([^"]+)"', rels)
    assert data_id is not None
    rels = rels.replace(
        f'Target="/{package.data_part}" Id="{data_id.group(1)}"',
        f'Target="../../../../etc/passwd" Id="{data_id.group(1)}"',
    )
    package.set("xl/_rels/workbook.xml.rels", rels)
    return package.write(path)


def _sheet_encoding(package: Package, path: Path) -> Path:
    text = package.text(package.data_part)
    package.parts[package.data_part] = ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-8")
    return package.write(path)


def _invalid_utf8(package: Package, path: Path) -> Path:
    package.inline(f"{LABEL_ZH}{NEW_ROWS[0]}", "SENTINEL")
    package.parts[package.data_part] = package.parts[package.data_part].replace(b"SENTINEL", b"\xff\xfe\xfd")
    return package.write(path)


NEW = NEW_ROWS[0]
CASES: tuple[Case, ...] = (
    Case("honest", "the honest workbook every case starts from", _write, refused=False, expect=("新增 2 个数字",)),
    # --- zip bombs and sizes
    Case(
        "sst-bomb-1.5GB",
        "shared strings expanding to 1.5 GB (1.6 MB file)",
        _sst_bomb(lying=False),
        expect=("xl/sharedStrings.xml", "1.50 GB", "压缩炸弹"),
    ),
    Case(
        "sst-bomb-lying-header",
        "the same bomb, its headers claiming 32 MB",
        _sst_bomb(lying=True),
        expect=("xl/sharedStrings.xml", "已损坏", "CRC"),
    ),
    Case(
        "sheetdata-whitespace-2GB",
        "2 GB of white space in sheetData (2 MB file)",
        _whitespace_bomb(lying=False),
        expect=("2.00 GB", "压缩炸弹"),
    ),
    Case(
        "sheetdata-whitespace-lying-header",
        "the same, its headers claiming 48 MB",
        _whitespace_bomb(lying=True),
        expect=("已损坏", "CRC"),
    ),
    Case("cells-22-million", "22 million tiny cells (a 2.5 MB file)", _tiny_cells, expect=("压缩炸弹",)),
    Case(
        "cells-within-the-caps",
        "1.3 million cells of random digits, under every size and ratio cap",
        _cells_within_the_caps,
        expect=("工作表“全部数据”", "单元格超过 1,280,064 个"),
    ),
    Case("rows-1-million", "a million rows", _million_rows, expect=("工作表“全部数据” 第 20002 行", "行数超过 20000")),
    Case("parts-2000", "2000 parts", _parts(2000), expect=("个部分，超过上限 1,000",)),
    Case("part-twice", "the data sheet's part twice (the copy in capitals)", _duplicate_part, expect=("出现了两次",)),
    Case("part-bzip2", "the data sheet's part compressed with bzip2", _method(12), expect=("压缩方法 12",)),
    Case("part-encrypted", "the data sheet's part flagged encrypted", _method(0, flags=1), expect=("已加密",)),
    Case(
        "file-11MB",
        "an 11 MB file",
        _bytes(lambda package: b"PK\x03\x04" + bytes(11 * MB)),
        expect=("文件过大", "11.0 MB"),
    ),
    Case(
        "password-protected",
        "a password-protected workbook (an OLE file)",
        _bytes(lambda package: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)),
        expect=("设有密码",),
    ),
    Case(
        "not-a-zip",
        "a text file named .xlsx",
        _bytes(lambda package: b"id,label\n1,2\n"),
        expect=("不是可读的 Excel 工作簿",),
    ),
    Case("truncated", "a workbook cut in half", _truncated, expect=("不是可读的 Excel 工作簿",)),
    # --- XML
    Case(
        "xxe-sheet",
        "external entities in the data sheet",
        _with_doctype("sheet", XXE),
        expect=("工作表“全部数据”", "文档类型"),
    ),
    Case(
        "xxe-workbook",
        "external entities in workbook.xml",
        _with_doctype("workbook", XXE),
        expect=("xl/workbook.xml", "文档类型"),
    ),
    Case(
        "xxe-shared-strings",
        "external entities in the shared strings",
        _with_doctype("shared", XXE),
        expect=("xl/sharedStrings.xml", "文档类型"),
    ),
    Case(
        "laughs-sheet",
        "billion laughs in the data sheet",
        _with_doctype("sheet", LAUGHS),
        expect=("工作表“全部数据”", "文档类型"),
    ),
    Case(
        "laughs-workbook",
        "billion laughs in workbook.xml",
        _with_doctype("workbook", LAUGHS),
        expect=("xl/workbook.xml", "文档类型"),
    ),
    Case(
        "laughs-shared-strings",
        "billion laughs in the shared strings",
        _with_doctype("shared", LAUGHS),
        expect=("xl/sharedStrings.xml", "文档类型"),
    ),
    Case(
        "nul-reference",
        "a NUL character reference (&#0;) in a cell",
        _cell(f"{LABEL_ZH}{NEW}", "全市&#0;人才"),
        expect=(f"工作表“全部数据” 第 {NEW} 行", "&#0;"),
    ),
    Case(
        "nul-escape",
        "a NUL written as _x0000_ in a cell",
        _cell(f"{LABEL_ZH}{NEW}", "全市_x0000_人才"),
        expect=(f"第 {NEW} 行，列 label_zh", "控制字符 U+0000"),
    ),
    Case(
        "encoding-declared-wrong",
        "a sheet declaring UTF-16, written in UTF-8",
        _sheet_encoding,
        expect=("工作表“全部数据”", "编码错误"),
    ),
    Case(
        "encoding-invalid-bytes",
        "bytes that are not UTF-8 in a cell",
        _invalid_utf8,
        expect=(f"工作表“全部数据” 第 {NEW} 行", "invalid token"),
    ),
    Case(
        "sheet-outside-the-file",
        "the data sheet's relationship pointing at ../../../../etc/passwd",
        _external_sheet,
        expect=("工作表的内容不在文件中",),
    ),
    # --- text
    Case("cell-10MB", "a 10 MB cell", _ten_mb_cell, expect=(f"第 {NEW} 行，列 label_zh", "3,495,253 个字符", "32,767")),
    Case(
        "label-100000",
        "a 100,000-character label",
        _cell(f"{LABEL_EN}{NEW}", "A" * 100_000),
        expect=(f"第 {NEW} 行，列 label_en", "100,000 个字符"),
    ),
    Case(
        "label-5000",
        "a 5,000-character label",
        _cell(f"{LABEL_EN}{NEW}", "A" * 5_000),
        expect=(f"第 {NEW} 行，列 label_en", "5,000 个字符，此列最多 200 个"),
    ),
    Case(
        "bidi-rlo",
        "U+202E (right-to-left override) in a label",
        _cell(f"{LABEL_ZH}{NEW}", "全市\u202e人才总量"),
        expect=(f"第 {NEW} 行，列 label_zh", "U+202E"),
    ),
    Case(
        "bidi-isolate",
        "U+2066 (left-to-right isolate) in a note",
        _cell(f"{NOTE}{NEW}", "note \u2066x\u2069"),
        expect=(f"第 {NEW} 行，列 note", "U+2066"),
    ),
    Case(
        "bidi-mark",
        "U+061C (Arabic letter mark) in a label",
        _cell(f"{LABEL_EN}{NEW}", "Talent\u061c pool"),
        expect=(f"第 {NEW} 行，列 label_en", "U+061C"),
    ),
    Case("hidden", "a hidden 全部数据 sheet", _state(DATA_PART_NAME, "hidden"), expect=("工作表“全部数据”", "被隐藏")),
    Case(
        "very-hidden",
        "a veryHidden 全部数据 sheet",
        _state(DATA_PART_NAME, "veryHidden"),
        expect=("工作表“全部数据”", "深度隐藏"),
    ),
    Case("hidden-sources", "a hidden 来源 sheet", _state("来源", "hidden"), expect=("工作表“来源”", "被隐藏")),
    Case(
        "two-languages",
        "全部数据 and All figures holding different rows",
        _two_languages,
        expect=("工作表“All figures”", "内容不同", "value"),
    ),
    Case(
        "formula-dde",
        "=cmd|' /C calc'!A0 as a label",
        _cell(f"{LABEL_EN}{NEW}", "=cmd|' /C calc'!A0"),
        refused=False,
        expect=("新增 2 个数字",),
    ),
    Case(
        "formula-plus", "+1+1 as a label", _cell(f"{LABEL_ZH}{NEW}", "+1+1"), refused=False, expect=("新增 2 个数字",)
    ),
    Case(
        "formula-at",
        "@SUM(1+1) as a note",
        _cell(f"{NOTE}{NEW}", "@SUM(1+1)"),
        refused=False,
        expect=("新增 2 个数字",),
    ),
    Case("formula-minus", "-2+3 as a note", _cell(f"{NOTE}{NEW}", "-2+3"), refused=False, expect=("新增 2 个数字",)),
    # --- local_copy: never read, never stored
    Case(
        "local-copy-passwd",
        "local_copy=/etc/passwd on the new source",
        _local_copy("/etc/passwd"),
        refused=False,
        expect=("local_copy 列未采用", "synthetic-report-2024"),
    ),
    Case(
        "local-copy-traversal",
        "local_copy=../../x on the new source",
        _local_copy("../../x"),
        refused=False,
        expect=("local_copy 列未采用",),
    ),
    Case(
        "local-copy-existing-source",
        "local_copy=/etc/passwd on the shipped source",
        _local_copy("/etc/passwd", row="shipped"),
        refused=False,
        expect=("local_copy 列未采用", "zzrb-2023-11-30-p03"),
    ),
)
BY_NAME = {case.name: case for case in CASES}


def build_case(case: Case, honest: Package, directory: Path) -> Path:
    return case.build(honest.copy(), directory / f"{case.name}.xlsx")


def build_corpus(directory: Path, data_dir: Path = SHIPPED) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    honest = Package.of(honest_workbook(directory / "base.xlsx", data_dir))
    return {case.name: build_case(case, honest, directory) for case in CASES}


if __name__ == "__main__":
    for name, path in build_corpus(Path(sys.argv[1])).items():
        print(f"{name:36} {path.stat().st_size:>12,} bytes")
