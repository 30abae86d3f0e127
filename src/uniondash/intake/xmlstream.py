"""Untrusted XML, streamed: expat fed in chunks, with everything that could make it work without bound refused.

- A document type (`<!DOCTYPE`) is refused where it starts, so no entity is ever declared: external entities
  (XXE) are never fetched and "billion laughs" never expands. Office files never carry one.
- Markup is bounded: expat buffers a whole tag (or comment) before reporting it, so a tag of 50 MB of
  attributes would be held whole; the parser is stopped when more than `max_markup` bytes pass without an
  event. Text is reported in pieces as it comes and never buffered here.
- Elements nest at most `max_depth` deep.
- Every expat error (malformed XML, a reference to a character XML forbids such as `&#0;`, an unknown or
  wrong encoding) becomes an `XmlError` naming the part, line and column: never a traceback.

Handlers see local names only (`c`, `row`, `t`): prefixes and namespaces vary between producers (Excel,
LibreOffice, WPS, strict OOXML) and mean nothing to what is read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from xml.parsers import expat

from uniondash.errors import UniondashError
from uniondash.intake.archive import printable


class XmlError(UniondashError):
    """A part is not XML that can be read safely: `en`/`zh` say why, `member` which part and where."""

    def __init__(self, member: str, en: str, zh: str, line: int | None = None, column: int | None = None) -> None:
        self.member = printable(member)
        self.en = en
        self.zh = zh
        self.line = line
        self.column = column
        where = member if line is None else f"{member}, line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {en}")


class Handler(Protocol):
    def start(self, name: str, attrs: dict[str, str]) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...


_ENCODING_ERRORS = {
    expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING],
    expat.errors.codes[expat.errors.XML_ERROR_INCORRECT_ENCODING],
}
_BAD_CHARACTER_REFERENCE = expat.errors.codes[expat.errors.XML_ERROR_BAD_CHAR_REF]
_INVALID_TOKEN = expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]


def _explain(code: int, message: str) -> tuple[str, str]:
    if code in _ENCODING_ERRORS:
        return (
            f"an encoding error ({message}): the part is not written in the encoding it declares, or declares one "
            "that cannot be read",
            f"编码错误（{message}）：该部分的实际编码与声明不符，或声明了无法读取的编码",
        )
    if code == _BAD_CHARACTER_REFERENCE:
        return (
            f"a reference to a character XML does not allow, such as &#0; ({message})",
            f"引用了 XML 不允许的字符，如 &#0;（{message}）",
        )
    if code == _INVALID_TOKEN:
        return (
            f"XML {message}: a byte or character that cannot stand here (bytes that are not text in its "
            "encoding, a control character, or broken markup)",
            f"XML 格式错误（{message}）：此处有不应出现的字节或字符（不符合编码的字节、控制字符或损坏的标记）",
        )
    return f"XML {message}", f"XML 格式错误（{message}）"


def parse(
    chunks: Iterable[bytes],
    handler: Handler,
    *,
    member: str,
    max_depth: int = 64,
    max_markup: int = 256 * 1024,
) -> None:
    """Feed `chunks` of one XML part to `handler`; `XmlError` on anything unsafe or malformed.

    Exceptions raised by the handler (to stop early, or to report a problem of its own) pass through.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    last_event = 0  # byte offset of the last event seen: expat is buffering everything after it

    def where() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def refuse_doctype(*_: object) -> int:
        raise XmlError(
            member,
            "declares a document type (<!DOCTYPE …>): refused, since entities (external or nested) could be "
            "declared there; office files never carry one",
            "声明了文档类型（<!DOCTYPE …>），已拒绝：其中可声明实体（外部实体或嵌套实体）；正常的 Office 文件从不包含",
            *where(),
        )

    names: dict[str, str] = {}  # qualified name → local name, for the few names a part uses (bounded)
    on_start, on_end, on_text = handler.start, handler.end, handler.text

    def local(name: str) -> str:
        found = names.get(name)
        if found is None:
            found = name.rpartition(" ")[2]
            if len(names) < 4096:
                names[name] = found
        return found

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, last_event
        last_event = parser.CurrentByteIndex
        depth += 1
        if depth > max_depth:
            raise XmlError(
                member,
                f"elements nested more than {max_depth} deep",
                f"元素嵌套超过 {max_depth} 层",
                *where(),
            )
        on_start(local(name), {local(key): value for key, value in attrs.items()} if attrs else attrs)

    def end(name: str) -> None:
        nonlocal depth, last_event
        last_event = parser.CurrentByteIndex
        depth -= 1
        on_end(local(name))

    def text(data: str) -> None:
        nonlocal last_event
        last_event = parser.CurrentByteIndex
        on_text(data)

    def progress(*_: object) -> None:
        nonlocal last_event
        last_event = parser.CurrentByteIndex

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.CommentHandler = progress
    parser.ProcessingInstructionHandler = progress
    parser.DefaultHandlerExpand = progress
    fed = 0
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            fed += len(chunk)
            if fed - max(last_event, 0) > max_markup:
                line, _ = where()
                raise XmlError(
                    member,
                    f"a tag, comment or stretch of markup longer than {max_markup // 1024} KB after line {line}: "
                    "refused (office files write short tags)",
                    f"第 {line} 行之后有超过 {max_markup // 1024} KB 的标签、注释或标记，已拒绝（正常的 Office 文件标签很短）",
                )
        parser.Parse(b"", True)
    except (ValueError, LookupError) as error:
        if "encoding" not in str(error):
            raise
        raise XmlError(
            member,
            f"an encoding error ({error}): save the file again from Excel, WPS or LibreOffice",
            f"编码错误（{error}）：请用 Excel、WPS 或 LibreOffice 重新保存",
            parser.CurrentLineNumber,
        ) from None
    except expat.ExpatError as error:
        message = expat.errors.messages[error.code] if error.code else str(error)
        en, zh = _explain(error.code, message)
        raise XmlError(member, en, zh, error.lineno, error.offset + 1) from None
