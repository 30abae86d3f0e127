"""intake/archive.py and intake/xmlstream.py: untrusted zip containers and XML, bounded before the work is done.

SYNTHETIC containers made here (tests/hostile/make_corpus.py writes zips by hand, bombs included).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.hostile.make_corpus import Member, bomb, deflated, write_zip
from uniondash.intake.archive import ArchiveError, ArchiveLimits, iter_chunks, open_archive, part_name
from uniondash.intake.xmlstream import XmlError, parse

MB = 1024 * 1024


def small(path: Path, *members: Member) -> Path:
    return write_zip(path, [deflated("a.xml", b"<a/>"), *members])


def refused(path: Path, limits: ArchiveLimits | None = None) -> ArchiveError:
    with pytest.raises(ArchiveError) as raised:
        open_archive(path, limits or ArchiveLimits()).close()
    return raised.value


def test_a_sound_container_opens_and_streams_its_parts(tmp_path: Path) -> None:
    with open_archive(small(tmp_path / "ok.zip", deflated("b/c.xml", b"<c>" + b"x" * 100_000 + b"</c>"))) as archive:
        assert archive.names == ["a.xml", "b/c.xml"] and archive.has("B/C.XML")  # part names ignore case
        with archive.open("b/c.xml") as stream:
            assert b"".join(iter_chunks(stream, 4096)) == b"<c>" + b"x" * 100_000 + b"</c>"


def test_sizes_and_counts_are_checked_before_anything_is_inflated(tmp_path: Path) -> None:
    big = bomb("x.xml", b"<a>", b" " * MB, 100, b"</a>")  # 100 MB of white space in 100 KB
    error = refused(small(tmp_path / "big.zip", big))
    assert error.member == "x.xml" and "expands to 100.0 MB, more than the 64.0 MB" in error.en
    error = refused(small(tmp_path / "ratio.zip", bomb("x.xml", b"<a>", b" " * MB, 10, b"</a>")))
    assert "expands 1,0" in error.en and "times" in error.en  # 10 MB at a ratio of about 1000
    many = [deflated(f"p{n}.xml", b"<a/>") for n in range(20)]
    error = refused(small(tmp_path / "many.zip", *many), ArchiveLimits(max_members=10))
    assert "holds 21 parts, more than the 10 allowed" in error.en
    parts = [deflated(f"p{n}.xml", b"<a>" + bytes(600_000) + b"</a>") for n in range(5)]
    error = refused(small(tmp_path / "total.zip", *parts), ArchiveLimits(max_total_bytes=2 * MB))
    assert "more than 2.0 MB in all" in error.en


def test_the_file_itself_is_checked_first(tmp_path: Path) -> None:
    (tmp_path / "big.xlsx").write_bytes(b"PK\x03\x04" + bytes(11 * MB))
    assert "file of 11.0 MB, larger than the 10.0 MB allowed" in refused(tmp_path / "big.xlsx").en
    (tmp_path / "ole.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert "password-protected" in refused(tmp_path / "ole.xlsx").en
    (tmp_path / "text.xlsx").write_text("a,b\n1,2\n")
    error = refused(tmp_path / "text.xlsx")
    assert error.unreadable and "not a zip container" in error.en
    half = small(tmp_path / "half.zip").read_bytes()
    (tmp_path / "half.zip").write_bytes(half[: len(half) // 2])
    assert "damaged" in refused(tmp_path / "half.zip").en
    (tmp_path / "folder.xlsx").mkdir()
    assert (
        "not a regular file" in refused(tmp_path / "folder.xlsx").en
        or "cannot open" in refused(tmp_path / "folder.xlsx").en
    )


def test_the_member_count_is_read_from_the_end_record_before_zipfile_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small(tmp_path / "many.zip", *[deflated(f"p{n}.xml", b"<a/>") for n in range(30)])

    def no_listing(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile must not list the members of a container refused by its end record")

    monkeypatch.setattr(zipfile, "ZipFile", no_listing)
    assert "holds 31 parts" in refused(path, ArchiveLimits(max_members=10)).en


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        (Member("x.xml", b"<a/>", 4, 0, method=12), "compression method 12"),
        (Member("x.xml", b"<a/>", 4, 0, method=0, flags=1), "encrypted"),
        (deflated("A.XML", b"<b/>"), "appears twice"),
    ],
)
def test_methods_encryption_and_twin_parts_are_refused(tmp_path: Path, member: Member, problem: str) -> None:
    assert problem in refused(small(tmp_path / "x.zip", member)).en


def test_a_part_whose_headers_lie_about_its_size_is_refused_as_damaged_not_inflated(tmp_path: Path) -> None:
    lying = bomb("x.xml", b"<a>", b" " * MB, 200, b"</a>")
    lying.declared_size = 2 * MB  # the headers say 2 MB; it inflates to 200 MB
    with (
        open_archive(small(tmp_path / "lie.zip", lying)) as archive,
        archive.open("x.xml") as stream,
        pytest.raises(ArchiveError, match="damaged") as raised,
    ):
        total = sum(len(chunk) for chunk in iter_chunks(stream))
        raise AssertionError(f"read {total} bytes")
    assert raised.value.member == "x.xml"


@pytest.mark.parametrize(
    ("base", "target", "part"),
    [
        ("xl/workbook.xml", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("xl/workbook.xml", "/xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("xl/workbook.xml", "../customXml/item1.xml", "customXml/item1.xml"),
        ("xl/workbook.xml", "worksheets/sheet%201.xml", "xl/worksheets/sheet 1.xml"),
        ("xl/workbook.xml", "../../../../etc/passwd", None),
        ("xl/workbook.xml", "file:///etc/passwd", None),
        ("xl/workbook.xml", "..\\..\\x", None),
    ],
)
def test_relationship_targets_never_leave_the_package(base: str, target: str, part: str | None) -> None:
    assert part_name(base, target) == part


# ---------------------------------------------------------------------------------------------------
# XML


class Collect:
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.events.append(("start", name, *sorted(attrs.items())))  # type: ignore[arg-type]

    def end(self, name: str) -> None:
        self.events.append(("end", name))

    def text(self, data: str) -> None:
        self.events.append(("text", data))


def xml_error(*chunks: bytes) -> XmlError:
    with pytest.raises(XmlError) as raised:
        parse(chunks, Collect(), member="part.xml")
    return raised.value


def test_names_are_local_whatever_the_prefix() -> None:
    handler = Collect()
    parse([b'<x:c xmlns:x="urn:a" xmlns:r="urn:r" r:id="7" t="s"><x:v>1', b"2</x:v></x:c>"], handler, member="p")
    assert handler.events == [
        ("start", "c", ("id", "7"), ("t", "s")),
        ("start", "v"),
        ("text", "1"),
        ("text", "2"),
        ("end", "v"),
        ("end", "c"),
    ]


@pytest.mark.parametrize(
    ("xml", "problem"),
    [
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "document type"),
        (b'<!DOCTYPE x [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]><x>&b;</x>', "document type"),
        (b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>', "document type"),
        (b"<x>a&#0;b</x>", "&#0;"),
        (b"<x>a&#x1;b</x>", "&#0;"),
        (b"<x>\xff\xfe</x>", "invalid token"),
        (b'<?xml version="1.0" encoding="UTF-16"?><x/>', "encoding"),
        (b'<?xml version="1.0" encoding="utf-7"?><x/>', "encoding"),
        (b'<?xml version="1.0" encoding="nonesuch"?><x/>', "encoding"),
        (b"<x><y></x>", "mismatched tag"),
        (b"<x>&undefined;</x>", "undefined entity"),
        (b"", "no element found"),
        (b"<a>" * 100, "nested more than 64"),
    ],
)
def test_unsafe_or_malformed_xml_is_a_named_problem(xml: bytes, problem: str) -> None:
    error = xml_error(xml)
    assert problem in error.en and error.member == "part.xml" and error.zh


def test_a_tag_or_comment_too_long_to_buffer_is_refused_but_long_text_is_read() -> None:
    assert "longer than 256 KB" in xml_error(b"<a ", *[b"x" * 65536] * 8, b"/>").en
    assert "longer than 256 KB" in xml_error(b"<a><!--", *[b"x" * 65536] * 8, b"--></a>").en
    handler = Collect()
    parse([b"<a>", *[b"x" * 65536] * 64, b"</a>"], handler, member="p")  # 4 MB of text: read as it comes
    assert sum(len(event[1]) for event in handler.events if event[0] == "text") == 4 * MB
