"""intake/sources.py: the sources' texts come from the server's own directory, never from a path an input gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from uniondash.errors import UniondashError
from uniondash.intake.sources import ENV_SOURCE_DIR, MAX_SOURCE_TEXT_BYTES, SourceTexts


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "report-2024.txt").write_text("SYNTHETIC 全市人才总量达到72万人", encoding="utf-8")
    (folder / "zhuzhou-daily.txt").write_text("\ufeffSYNTHETIC 报告原文", encoding="utf-8")
    return folder


def test_a_source_text_is_its_id_or_its_stored_file_name_inside_the_directory(folder: Path) -> None:
    texts = SourceTexts(folder)
    assert texts.text("report-2024") == "SYNTHETIC 全市人才总量达到72万人"
    # An existing source's local_copy (from sources.csv): only its file name counts, looked up in the directory.
    assert texts.text("zzrb", "../shared/source/zhuzhou-daily.txt") == "SYNTHETIC 报告原文"
    assert texts.text("zzrb", "/etc/zhuzhou-daily.txt") == "SYNTHETIC 报告原文"
    assert texts.text("unknown") is None


@pytest.mark.parametrize("local_copy", ["/etc/passwd", "../../etc/passwd", "..", ".", "/", "a/../../passwd"])
def test_no_path_leaves_the_directory(folder: Path, local_copy: str) -> None:
    assert SourceTexts(folder).text("x", local_copy) is None


def test_links_out_of_the_directory_fifos_and_folders_are_not_read(folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    (folder / "linked.txt").symlink_to(outside)
    os.mkfifo(folder / "fifo.txt")  # opening it for reading would wait for a writer: never opened so
    (folder / "dir.txt").mkdir()
    (folder / "inside.txt").symlink_to(folder / "report-2024.txt")  # a link within the directory is fine
    texts = SourceTexts(folder)
    assert texts.text("linked") is None and texts.text("fifo") is None and texts.text("dir") is None
    assert texts.text("inside") == "SYNTHETIC 全市人才总量达到72万人"


def test_a_text_too_large_or_not_utf8_is_an_operators_error(folder: Path) -> None:
    with (folder / "huge.txt").open("wb") as out:
        out.truncate(MAX_SOURCE_TEXT_BYTES + 1)
    with pytest.raises(UniondashError, match=r"huge\.txt is larger than 8 MB"):
        SourceTexts(folder).text("huge")
    (folder / "gbk.txt").write_bytes("全市".encode("gbk"))
    with pytest.raises(UniondashError, match=r"gbk\.txt is not UTF-8") as raised:
        SourceTexts(folder).text("gbk")
    assert str(folder) not in str(raised.value)  # the server's path is never told


def test_the_directory_comes_from_the_option_or_the_environment(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_SOURCE_DIR, raising=False)
    assert SourceTexts.configured().directory is None and SourceTexts.configured().text("report-2024") is None
    monkeypatch.setenv(ENV_SOURCE_DIR, str(folder))
    assert SourceTexts.configured().directory == folder.resolve()
    assert SourceTexts.configured(tmp_path).directory == tmp_path.resolve()
    with pytest.raises(UniondashError, match="not a directory"):
        SourceTexts.configured(folder / "report-2024.txt")
