"""Untrusted zip containers (.xlsx, .docx): bound the work before it is done.

`open_archive(path)` checks everything a zip can lie about before a byte of any part is inflated: the
file's own size, what kind of file it is, the member count and the central directory's size (read from the
end record, before `zipfile` builds an entry per member), then each member's declared uncompressed size,
its compression ratio, method and encryption, and the sum of all sizes. `SafeArchive.open(name)` then gives
a stream of one part that never yields more than its declared size (zipfile stops there and checks the
CRC), so a part whose header lies is refused as damaged, not inflated without end.

Problems are `ArchiveError`s: one line in English and Chinese naming the file and the part.
"""

from __future__ import annotations

import os
import posixpath
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from uniondash.errors import UniondashError

MiB = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """What a container may hold. The defaults fit a workbook of 20 000 figures written by openpyxl (its
    largest part about 40 MB, compression ratios below 25) with room to spare."""

    max_file_bytes: int = 10 * MiB  # the upload cap
    max_members: int = 1000
    max_directory_bytes: int = 1 * MiB  # the central directory: about 100 bytes a member
    max_member_bytes: int = 64 * MiB  # one part, uncompressed
    max_total_bytes: int = 256 * MiB  # every part, uncompressed
    max_ratio: float = 100.0  # uncompressed ÷ compressed, for parts of at least ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MiB


class ArchiveError(UniondashError):
    """The container cannot be read safely; says what and where (the file, and the part when there is one)."""

    def __init__(self, file: str, en: str, zh: str, member: str | None = None, *, unreadable: bool = False) -> None:
        self.file = file
        self.member = None if member is None else printable(member)  # a name from the file: shown, never obeyed
        self.en = en
        self.zh = zh
        self.unreadable = unreadable  # not a (sound) container at all, rather than one that holds too much
        where = f"{file}, part {member}" if member else file
        super().__init__(f"{where}: {en}")


def printable(text: str, limit: int = 120) -> str:
    """A name taken from a file, fit to quote in a message: cut short, every character that is not printable
    (a line break, a bidi override) written as an escape, so it cannot forge lines or reorder the message."""
    cut = text[:limit] + ("…" if len(text) > limit else "")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in cut)


def _mb(size: int) -> str:
    return f"{size / MiB:,.1f} MB" if size < 1024 * MiB else f"{size / 1024 / MiB:,.2f} GB"


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a password-protected OOXML file, or an old .xls/.doc
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def _end_record(handle: BinaryIO, size: int) -> tuple[int, int]:
    """(member count, central directory size) from the end record (zip64 too), or ValueError."""
    tail_size = min(size, _EOCD.size + 65_535)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        raise ValueError("no end record")
    _, disk, cd_disk, _, entries, cd_size, _, _ = _EOCD.unpack_from(tail, at)
    if disk or cd_disk:
        raise ValueError("spans several disks")
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator_at = at - _ZIP64_LOCATOR.size
        if locator_at < 0 or tail[locator_at : locator_at + 4] != b"PK\x06\x07":
            raise ValueError("zip64 end record missing")
        _, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, locator_at)
        if offset > size - _ZIP64_EOCD.size:
            raise ValueError("zip64 end record out of the file")
        handle.seek(offset)
        record = handle.read(_ZIP64_EOCD.size)
        if len(record) < _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
            raise ValueError("bad zip64 end record")
        fields = _ZIP64_EOCD.unpack(record)
        entries, cd_size = fields[7], fields[8]
    return entries, cd_size


class SafeArchive:
    """A zip whose members passed the checks; `open` streams one of them, `names` lists them."""

    def __init__(self, path: Path, zip_file: zipfile.ZipFile, handle: BinaryIO) -> None:
        self.path = path
        self._zip = zip_file
        self._handle = handle
        # OPC part names are case-insensitive; duplicates under that rule were refused.
        self._by_name = {info.filename.lower(): info for info in zip_file.infolist()}

    @property
    def names(self) -> list[str]:
        return [info.filename for info in self._zip.infolist()]

    def has(self, name: str) -> bool:
        return name.lower() in self._by_name

    def size(self, name: str) -> int:
        return self._by_name[name.lower()].file_size

    def open(self, name: str) -> PartStream:
        """A stream of the part `name`: read errors (a bad CRC, a broken deflate stream) become `ArchiveError`."""
        info = self._by_name.get(name.lower())
        if info is None:
            raise ArchiveError(
                self.path.name, "a part the file refers to is missing", "文件引用的部分不存在", member=name
            )
        return PartStream(self.path.name, info.filename, self._zip.open(info))

    def close(self) -> None:
        self._zip.close()
        self._handle.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PartStream:
    """One part's stream: at most its declared size (zipfile stops there and checks the CRC), errors named."""

    def __init__(self, file: str, name: str, stream: IO[bytes]) -> None:
        self.file, self.name, self._stream = file, name, stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise ArchiveError(
                self.file,
                f"the part is damaged ({error}): save the file again",
                f"该部分已损坏（{error}），请重新保存文件",
                member=self.name,
                unreadable=True,
            ) from error

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> PartStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_archive(path: str | os.PathLike[str], limits: ArchiveLimits = ArchiveLimits()) -> SafeArchive:
    """Open a zip container after checking, without inflating anything, that it stays within `limits`."""
    path = Path(path)
    name = path.name

    def refuse(en: str, zh: str, member: str | None = None, unreadable: bool = False) -> ArchiveError:
        return ArchiveError(name, en, zh, member, unreadable=unreadable)

    try:
        handle: BinaryIO = open(path, "rb")  # noqa: SIM115 (kept open by SafeArchive)
    except OSError as error:
        raise refuse(f"cannot open: {error.strerror}", f"无法打开：{error.strerror}") from error
    try:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise refuse("not a regular file", "不是普通文件")
        if info.st_size > limits.max_file_bytes:
            raise refuse(
                f"file of {_mb(info.st_size)}, larger than the {_mb(limits.max_file_bytes)} allowed",
                f"文件过大（{_mb(info.st_size)}，上限 {_mb(limits.max_file_bytes)}）",
            )
        head = handle.read(8)
        if head == _OLE_MAGIC:
            raise refuse(
                "a password-protected file or an old binary format (.xls/.doc): remove the password, or save it "
                "as .xlsx/.docx",
                "文件设有密码或为旧的二进制格式（.xls/.doc）：请取消密码，或另存为 .xlsx/.docx",
                unreadable=True,
            )
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise refuse(
                "not a zip container: save it as .xlsx/.docx",
                "不是 zip 容器：请另存为 .xlsx/.docx",
                unreadable=True,
            )
        try:
            entries, directory = _end_record(handle, info.st_size)
        except ValueError as error:
            raise refuse(
                f"a damaged zip container ({error}): save the file again",
                f"zip 容器已损坏（{error}）：请重新保存文件",
                unreadable=True,
            ) from error
        if entries > limits.max_members:
            raise refuse(
                f"holds {entries:,} parts, more than the {limits.max_members:,} allowed",
                f"包含 {entries:,} 个部分，超过上限 {limits.max_members:,}",
            )
        if directory > limits.max_directory_bytes:
            raise refuse(
                f"its list of parts takes {_mb(directory)}, more than the {_mb(limits.max_directory_bytes)} allowed",
                f"部分清单占 {_mb(directory)}，超过上限 {_mb(limits.max_directory_bytes)}",
            )
        handle.seek(0)
        try:
            zip_file = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, OSError) as error:
            raise refuse(
                f"a damaged zip container ({error}): save the file again",
                f"zip 容器已损坏（{error}）：请重新保存文件",
                unreadable=True,
            ) from error
        try:
            _check_members(zip_file, limits, name)
        except ArchiveError:
            zip_file.close()
            raise
    except BaseException:
        handle.close()
        raise
    return SafeArchive(path, zip_file, handle)


def _check_members(zip_file: zipfile.ZipFile, limits: ArchiveLimits, name: str) -> None:
    """Every member's declared size, ratio, method and encryption, and their sum, before any is inflated."""
    members = zip_file.infolist()
    if len(members) > limits.max_members:
        raise ArchiveError(
            name,
            f"holds {len(members):,} parts, more than the {limits.max_members:,} allowed",
            f"包含 {len(members):,} 个部分，超过上限 {limits.max_members:,}",
        )
    seen: set[str] = set()
    total = 0
    for member in members:
        key = posixpath.normpath(member.filename).lower()
        if key in seen:
            raise ArchiveError(
                name,
                "the part appears twice (programs would disagree on which one to read)",
                "该部分出现了两次（不同程序会读取不同的一份）",
                member.filename,
            )
        seen.add(key)
        if member.flag_bits & 0x1:
            raise ArchiveError(name, "the part is encrypted", "该部分已加密", member.filename)
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveError(
                name,
                f"the part uses compression method {member.compress_type}; only deflate is read",
                f"该部分使用压缩方法 {member.compress_type}，只能读取 deflate",
                member.filename,
            )
        if member.file_size > limits.max_member_bytes:
            raise ArchiveError(
                name,
                f"the part expands to {_mb(member.file_size)}, more than the {_mb(limits.max_member_bytes)} a "
                "part may hold (a zip bomb?)",
                f"该部分解压后为 {_mb(member.file_size)}，超过每部分上限 {_mb(limits.max_member_bytes)}（压缩炸弹？）",
                member.filename,
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise ArchiveError(
                name,
                f"the part expands {ratio:,.0f} times ({_mb(member.compress_size)} to {_mb(member.file_size)}), "
                f"more than the {limits.max_ratio:,.0f} times a real document does (a zip bomb?)",
                f"该部分压缩比为 {ratio:,.0f} 倍（{_mb(member.compress_size)} 解压为 {_mb(member.file_size)}），"
                f"超过正常文件的 {limits.max_ratio:,.0f} 倍（压缩炸弹？）",
                member.filename,
            )
        total += member.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(
                name,
                f"its parts expand to more than {_mb(limits.max_total_bytes)} in all (a zip bomb?)",
                f"各部分解压后合计超过 {_mb(limits.max_total_bytes)}（压缩炸弹？）",
            )


def part_name(base: str, target: str) -> str | None:
    """The part a relationship `target` names, relative to the part `base` (OPC rules); None if it leaves the
    package (`../../x`) or is not a plain part name."""
    from urllib.parse import unquote

    target = unquote(target)
    if "\\" in target or "\x00" in target or "://" in target:
        return None
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(posixpath.dirname(base), target)
    name = posixpath.normpath(joined)
    if name in (".", "") or name.startswith("../") or name == "..":
        return None
    return name


def iter_chunks(stream: PartStream, size: int = 64 * 1024) -> Iterator[bytes]:
    """A stream in chunks of at most `size` bytes."""
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk
