"""Fakes for the image renderer: fast, and strict about what they are asked to draw."""

from __future__ import annotations

import threading

import plotly.graph_objects as go

from uniondash.exports.images import HEIGHT_RANGE, MAX_PIXELS, SCALE_RANGE, WIDTH_RANGE, ImageSize

# 1×1 white PNG: the fake renderer's answer (the routes only pass bytes through).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8ffff3f0005fe02fea7d5a0f20000000049454e44ae426082"
)


class FakeRenderer:
    """Stands in for `ChartRenderer`: checks the size it is asked for is within bounds, returns tiny bytes."""

    def __init__(self) -> None:
        self.renders = 0
        self.largest = 0
        self._lock = threading.Lock()

    def render(self, figure: go.Figure, fmt: str, size: ImageSize) -> bytes:
        resolved = size.resolve(figure)
        assert resolved.width is not None and resolved.height is not None
        assert WIDTH_RANGE[0] <= resolved.width <= WIDTH_RANGE[1], resolved
        assert HEIGHT_RANGE[0] <= resolved.height <= HEIGHT_RANGE[1], resolved
        assert SCALE_RANGE[0] <= resolved.scale <= SCALE_RANGE[1], resolved
        columns, rows = resolved.pixels
        assert columns * rows <= MAX_PIXELS, resolved
        with self._lock:
            self.renders += 1
            self.largest = max(self.largest, columns * rows)
        return TINY_PNG if fmt == "png" else b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
