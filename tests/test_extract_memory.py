"""Peak memory of `uniondash extract` stays under 300 MB for any input up to the 10 MB upload cap: a Word
report filled to the cap, 10 MB of text, and every hostile document of tests/extract/hostile.py. Each is
measured in a subprocess of its own (ru_maxrss); the figures are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.extract.big import CAP, docx_at_cap, peak_memory, txt_at_cap
from tests.extract.hostile import CASES, make_corpus

LIMIT_MB = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("memory")
    files = {path.name: path for path in make_corpus(folder / "hostile")}
    files["cap.docx"] = docx_at_cap(folder / "cap.docx")
    files["cap.txt"] = txt_at_cap(folder / "cap.txt")
    return files


def test_files_at_the_cap_are_at_the_cap(corpus: dict[str, Path]) -> None:
    assert CAP * 0.95 <= corpus["cap.docx"].stat().st_size <= CAP
    assert corpus["cap.txt"].stat().st_size <= CAP


@pytest.mark.parametrize("name", ["cap.docx", "cap.txt", *sorted(CASES)])
def test_peak_memory_stays_under_the_bound(name: str, corpus: dict[str, Path]) -> None:
    measured = peak_memory(corpus[name])
    assert measured["peak_mb"] < LIMIT_MB, measured
    if name == "cap.docx":
        assert str(measured["outcome"]).endswith("rows")  # read whole, not refused
