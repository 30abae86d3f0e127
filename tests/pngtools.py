"""A small PNG reader for tests (Pillow is not a dependency): size from the header, pixels via zlib + numpy."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


@dataclass(frozen=True)
class PngSize:
    width: int
    height: int


def png_size(data: bytes) -> PngSize:
    """Width and height from the IHDR chunk."""
    assert data[:8] == SIGNATURE, "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return PngSize(width, height)


def png_pixels(data: bytes) -> np.ndarray:
    """The image as a (height, width, channels) uint8 array (8-bit, non-interlaced PNGs)."""
    size = png_size(data)
    bit_depth, colour_type, _, _, interlace = data[24:29]
    assert bit_depth == 8 and interlace == 0 and colour_type in _CHANNELS, "unsupported PNG"
    channels = _CHANNELS[colour_type]
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(data[position + 8 : position + 8 + length])
        position += 12 + length
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8)
    stride = size.width * channels
    rows = raw.reshape(size.height, stride + 1)
    image = np.zeros((size.height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(size.height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            current = line
        elif kind == 2:
            current = (line + previous) % 256
        elif kind == 1:
            current = line.copy()
            for x in range(channels, stride):
                current[x] = (current[x] + current[x - channels]) % 256
        else:
            current = line.copy()
            for x in range(stride):
                left = current[x - channels] if x >= channels else 0
                up = previous[x]
                if kind == 3:
                    current[x] = (current[x] + (left + up) // 2) % 256
                else:
                    corner = previous[x - channels] if x >= channels else 0
                    estimate = left + up - corner
                    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
                    best = (left, up, corner)[distances.index(min(distances))]
                    current[x] = (current[x] + best) % 256
        image[y] = current
        previous = current
    return image.reshape(size.height, size.width, channels).astype(np.uint8)


def ink(data: bytes) -> tuple[int, float]:
    """(distinct colours, share of pixels that are not white): a blank image is (1, 0.0)."""
    pixels = png_pixels(data)[:, :, :3].reshape(-1, 3)
    colours = len(np.unique(pixels, axis=0))
    not_white = float((pixels.min(axis=1) < 245).mean())
    return colours, not_white


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk as (type, data), checking each CRC."""
    assert data[:8] == SIGNATURE, "not a PNG"
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        position += 12 + length
    return chunks


def png_dpi(data: bytes) -> float | None:
    """The print resolution the pHYs chunk records (dots per inch), None without one."""
    for kind, body in png_chunks(data):
        if kind == b"pHYs":
            per_x, _per_y, unit = struct.unpack(">IIB", body)
            return per_x * 0.0254 if unit == 1 else None
    return None


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    """A valid white RGB PNG of `width`×`height` (for tests that need any PNG)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def same_image(data: bytes, expected: bytes) -> bool:
    """The same picture: equal critical chunks (header, palette, pixels), whatever ancillary chunks
    (print resolution, text) the server added. CRCs are not checked (test fakes may not carry real ones)."""

    def critical(png: bytes) -> list[bytes]:
        assert png[:8] == SIGNATURE, "not a PNG"
        found, position = [], 8
        while position < len(png):
            (length,) = struct.unpack(">I", png[position : position + 4])
            if png[position + 4 : position + 8] in (b"IHDR", b"PLTE", b"IDAT", b"IEND"):
                found.append(png[position + 4 : position + 8 + length])
            position += 12 + length
        return found

    return critical(data) == critical(expected)
