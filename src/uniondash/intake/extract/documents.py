"""Read a report into text: .txt, .docx, .pdf (with a text layer) and saved .html, each within bounds.

Every refusal is an `ExtractError` with one line naming the file and what is wrong (and the page, for a
PDF). The bounds are checked before the work they bound: the file's size before it is read, a .docx's
zip members (uncompressed sizes and ratios, no DTD) before any XML is parsed, a PDF page by page so a
300-page PDF is never held whole as objects.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from uniondash.errors import UniondashError
from uniondash.intake.archive import ArchiveError, ArchiveLimits, SafeArchive, open_archive, printable
from uniondash.intake.extract.text import join_wrapped_lines

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# What a report's text may grow to once unpacked: a 300-page report is about 400 000 characters.
MAX_TEXT_CHARS = 2_000_000
MAX_PDF_PAGES = 2_000
# A .docx's parts: a 300-page report's document.xml is a few MB; parsed, XML takes several times its size,
# so a part is refused above 30 MB unpacked (the 300 MB memory bound holds at the 10 MB upload cap). Word
# compresses its XML 5–15 times, repetitive tables up to ~150; a zip bomb, a thousand: a large part that
# unpacks to more than 200 times its packed size is refused too.
DOCX_LIMITS = ArchiveLimits(
    max_file_bytes=MAX_DOCUMENT_BYTES,
    max_members=2_000,
    max_member_bytes=30 * 1024 * 1024,
    max_total_bytes=100 * 1024 * 1024,
    max_ratio=200,
    ratio_floor_bytes=5 * 1024 * 1024,
)
SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
# Invisible characters a quote must never carry: C0 controls (but tab and line end), bidirectional
# overrides and isolates (a quote that reads otherwise than it is stored), zero-width marks.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class ExtractError(UniondashError):
    """A report cannot be read; the message is one line naming the file and what to do."""


@dataclass(frozen=True)
class Document:
    """A report's text (wrapped lines joined) and what it was read from."""

    text: str
    name: str
    kind: str  # txt, docx, pdf, html
    pages: int = 0  # PDF pages read


def read_document(path: str | Path) -> Document:
    """The text of the report at `path`, by its suffix; `ExtractError` for anything unreadable or too big."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExtractError(f"{name}: not a report uniondash reads (.txt, .docx, .pdf with a text layer, or .html)")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ExtractError(f"{name}: cannot open: {error.strerror or error}") from error
    if not path.is_file():
        raise ExtractError(f"{name}: not a file")
    if size > MAX_DOCUMENT_BYTES:
        raise ExtractError(
            f"{name}: {size / 1024 / 1024:.1f} MB is over the 50 MB limit for a report; split it or save only the text"
        )
    pages = 0
    try:
        if suffix == ".txt":
            kind, text = "txt", _bounded(decode_text(path.read_bytes(), name), name)
        elif suffix == ".docx":
            kind, text = "docx", read_docx(path)
        elif suffix == ".pdf":
            kind, (text, pages) = "pdf", read_pdf(path)
        else:
            kind, text = "html", read_html(path.read_bytes(), name)
    except MemoryError as error:  # a last guard: the bounds above should make this unreachable
        raise ExtractError(f"{name}: too large to read within memory") from error
    except OSError as error:
        raise ExtractError(f"{name}: cannot read: {error.strerror or error}") from error
    # Every format the same way, so a report gives the same rows as .txt, .docx or PDF: a PDF wraps lines
    # inside sentences, and a newspaper's text breaks them across columns (考 / 取技师) whatever the format.
    return Document(join_wrapped_lines(_CONTROLS.sub("", text), across_blank=True), name, kind, pages)


def _bounded(text: str, name: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractError(f"{name}: more than {MAX_TEXT_CHARS:,} characters of text; split the report")
    return text


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (which covers GBK and GB2312)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in raw[:8192]:
        raise ExtractError(f"{name}: binary data, not text: save the report as plain text (UTF-8)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise ExtractError(f"{name}: neither UTF-8 nor GB18030 text: save the report as UTF-8 text")


# ---------------------------------------------------------------------------------------------------
# .docx


def check_docx_package(path: Path) -> None:
    """Refuse what is not a Word package, or a zip bomb, before any XML of it is parsed."""
    name = path.name
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExtractError(f"{name}: an old Word .doc (or an encrypted document), not .docx: save it as .docx")
    if head.startswith(b"%PDF"):
        raise ExtractError(f"{name}: a PDF named .docx: rename it to .pdf")
    if not zipfile.is_zipfile(path):
        raise ExtractError(f"{name}: not a Word .docx file (not a zip package): save it as .docx in Word or WPS")
    try:
        # The container's sizes, ratios and parts checked before anything is inflated: the workbook importer's
        # check (intake.archive), with a Word document's bounds.
        with open_archive(path, DOCX_LIMITS) as package:
            if not (package.has("word/document.xml") and package.has("[Content_Types].xml")):
                raise ExtractError(f"{name}: a zip package without word/document.xml, not a Word document")
            for member in package.names:
                if member.endswith((".xml", ".rels")) and _has_dtd(package, member):
                    raise ExtractError(
                        f"{name}: part {printable(member)} declares a DTD or entities, which Word never writes: refused"
                    )
    except ArchiveError as error:
        part = f" (part {error.member})" if error.member else ""
        raise ExtractError(f"{name}: {error.en}{part}") from error


def _has_dtd(package: SafeArchive, member: str) -> bool:
    """Whether an XML part declares a DOCTYPE or an ENTITY (read in chunks: never the whole part at once)."""
    tail = b""
    with package.open(member) as stream:
        while chunk := stream.read(1 << 16):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = window[-16:]
    return False


def read_docx(path: Path) -> str:
    """The paragraphs and table cells of a .docx in document order, one paragraph a line."""
    check_docx_package(path)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ExtractError(f"{path.name}: not a readable Word document ({type(error).__name__})") from error
    except SyntaxError as error:  # lxml's XMLSyntaxError
        raise ExtractError(f"{path.name}: broken XML in the document ({error})") from error
    lines: list[str] = []
    size = 0
    for paragraph in _docx_paragraphs(document.element.body):
        lines.append(paragraph)
        size += len(paragraph) + 1
        if size > MAX_TEXT_CHARS:
            raise ExtractError(f"{path.name}: more than {MAX_TEXT_CHARS:,} characters of text; split the report")
    return "\n".join(lines)


def _docx_paragraphs(body: object) -> Iterator[str]:
    """Text of each w:p under the body (tables included, in order); w:br and w:tab kept as line and space."""
    word = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for paragraph in body.iter(f"{word}p"):  # type: ignore[attr-defined]
        parts: list[str] = []
        for node in paragraph.iter(f"{word}t", f"{word}br", f"{word}tab", f"{word}cr"):
            if node.tag == f"{word}t":
                parts.append(node.text or "")
            elif node.tag == f"{word}tab":
                parts.append(" ")
            else:
                parts.append("\n")
        yield "".join(parts)


# ---------------------------------------------------------------------------------------------------
# .pdf


def read_pdf(path: Path) -> tuple[str, int]:
    """The text layer of a PDF, page by page (each page's objects freed before the next), lines joined."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    name = path.name
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise ExtractError(f"{name}: not a PDF file")
    pages: list[str] = []
    size = 0
    try:
        with pdfplumber.open(path) as pdf:
            count = len(pdf.pages)
            if count > MAX_PDF_PAGES:
                raise ExtractError(f"{name}: {count} pages, over the limit of {MAX_PDF_PAGES}: split the report")
            for number, page in enumerate(pdf.pages, start=1):
                try:
                    text = page.extract_text() or ""
                except Exception as error:  # pdfminer raises many kinds on a broken page
                    raise ExtractError(f"{name}: page {number} cannot be read ({type(error).__name__})") from error
                finally:
                    page.close()  # drop the page's parsed objects: memory stays one page deep
                size += len(text)
                if size > MAX_TEXT_CHARS:
                    raise ExtractError(f"{name}: more than {MAX_TEXT_CHARS:,} characters of text by page {number}")
                pages.append(text)
    except ExtractError:
        raise
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise ExtractError(f"{name}: the PDF is encrypted (needs a password): save an unprotected copy") from error
        raise ExtractError(f"{name}: not a readable PDF ({type(cause).__name__})") from error
    except (PDFSyntaxError, PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise ExtractError(f"{name}: not a readable PDF ({type(error).__name__})") from error
    text = "\n".join(pages)
    if sum(1 for char in text if not char.isspace()) < 20 * max(1, len(pages)) // 10 + 10:
        raise ExtractError(
            f"{name}: no text layer ({len(pages)} page(s) of images: a scan?); uniondash does no OCR: "
            "use the PDF the text was printed to, or the Word file"
        )
    return text, len(pages)


# ---------------------------------------------------------------------------------------------------
# .html

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "table",
        "ul",
        "ol",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "title",
        "td",
        "th",
    ]
)
_DROPPED = frozenset({"script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "head"})


class _TextParser(HTMLParser):
    """Text of a saved web page: block elements end lines; script, style, nav and the head are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.skipping.append(tag)
        elif tag in _BLOCKS and not self.skipping:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS and not self.skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif tag in _BLOCKS and not self.skipping:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)
            self.size += len(data)


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def read_html(raw: bytes, name: str) -> str:
    """The visible text of a saved page, in its declared charset (else UTF-8, else GB18030)."""
    declared = _CHARSET.search(raw[:4096])
    text: str | None = None
    if declared:
        charset = declared.group(1).decode("ascii").lower()
        charset = "gb18030" if charset in ("gb2312", "gbk") else charset
        try:
            text = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode_text(raw, name)
    parser = _TextParser()
    parser.feed(text)
    parser.close()
    lines = (re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return _bounded("\n".join(line for line in lines if line), name)
