"""SYNTHETIC hostile reports for `uniondash extract`, written into a folder by `make_corpus(folder)`:
each file is one way a document can be wrong or an attack, with the words its refusal must contain.

Run as a script to write them: `python -m tests.extract.hostile /tmp/hostile`.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(path: Path, document_xml: bytes, extra: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        package.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            package.writestr(name, data)


def _body(paragraphs: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>{paragraphs}</w:body></w:document>'.encode()


def zip_bomb_docx(path: Path) -> None:
    """word/document.xml unpacks to 40 MB of spaces from about 40 KB: refused before it is parsed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        with package.open("word/document.xml", "w") as member:
            member.write(_body("")[:-20])
            chunk = b" " * (1 << 20)
            for _ in range(40):
                member.write(chunk)
            member.write(b"</w:body></w:document>")


def xxe_docx(path: Path) -> None:
    """An external entity reading /etc/passwd into the text: refused (Word never writes a DTD)."""
    xml = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>&xxe;筹集资金2.8亿元</w:t></w:r></w:p></w:body></w:document>'
    ).encode()
    _docx(path, xml)


def billion_laughs_docx(path: Path) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    ).encode()
    _docx(path, xml)


def binary_named_docx(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def pdf_named_docx(path: Path) -> None:
    path.write_bytes(_text_pdf())


def doc_named_docx(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4088))


def workbook_named_docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("xl/workbook.xml", "<workbook/>")


def broken_xml_docx(path: Path) -> None:
    _docx(path, b'<?xml version="1.0"?><w:document xmlns:w="' + _W.encode() + b'"><w:body><w:p>')


def _text_pdf(text: str = "12345") -> bytes:
    """A one-page PDF with a text layer (Helvetica), written by hand."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypted_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_text_pdf())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as handle:
        writer.write(handle)


def image_only_pdf(path: Path) -> None:
    """Three pages without a text layer, as a scanner makes (here blank pages with a drawn rectangle)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)


def truncated_pdf(path: Path) -> None:
    path.write_bytes(_text_pdf()[:200])


def oversized_txt(path: Path) -> None:
    """51 MB (sparse on disk): refused by its size, before a byte is read."""
    with path.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)


def binary_txt(path: Path) -> None:
    path.write_bytes(b"\x00\x01\x02" * 1000)


def latin1_txt(path: Path) -> None:
    path.write_bytes("caf\xe9 \xff\xfe\xfd".encode("latin-1") * 3 + b"\x81\xff")


# name → (writer, words the one-line refusal must contain)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "zip-bomb.docx": (zip_bomb_docx, "zip bomb"),
    "xxe.docx": (xxe_docx, "DTD"),
    "billion-laughs.docx": (billion_laughs_docx, "DTD"),
    "binary.docx": (binary_named_docx, "not a zip package"),
    "pdf-named.docx": (pdf_named_docx, "a PDF named .docx"),
    "old-word.docx": (doc_named_docx, "old Word .doc"),
    "workbook-named.docx": (workbook_named_docx, "without word/document.xml"),
    "broken-xml.docx": (broken_xml_docx, "broken XML"),
    "encrypted.pdf": (encrypted_pdf, "encrypted"),
    "scanned.pdf": (image_only_pdf, "no text layer"),
    "truncated.pdf": (truncated_pdf, "not a readable PDF"),
    "oversized.txt": (oversized_txt, "over the 50 MB limit"),
    "binary.txt": (binary_txt, "binary data"),
    "not-chinese-encoding.txt": (latin1_txt, "neither UTF-8 nor GB18030"),
}


def make_corpus(folder: Path) -> dict[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, (writer, expected) in CASES.items():
        writer(folder / name)
        made[folder / name] = expected
    return made


if __name__ == "__main__":
    for path, expected in make_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")).items():
        print(f"{path}: {expected}")
