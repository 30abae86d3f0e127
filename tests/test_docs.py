"""The documentation keeps up: every data file and column in data/README.md, every command in README.md."""

from __future__ import annotations

import re
from pathlib import Path

from uniondash.cli import cli
from uniondash.load import FILES

ROOT = Path(__file__).resolve().parents[1]


def test_every_data_file_and_column_is_documented():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for name in FILES:
        assert f"### {name}.csv" in readme, f"data/README.md has no section for {name}.csv"
        section = readme.split(f"### {name}.csv", 1)[1].split("\n### ", 1)[0]
        header = (ROOT / "data" / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        for column in header.split(","):
            assert re.search(rf"`{re.escape(column)}`", section), f"{name}.csv column {column} undocumented"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"uniondash {name}" in readme, f"README.md does not mention `uniondash {name}`"


def test_readme_blocks_show_current_output():
    """README's `uniondash …` blocks are the program's real output (scripts/sync_readme.py rewrites them)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_readme", ROOT / "scripts" / "sync_readme.py")
    assert spec and spec.loader
    sync_readme = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync_readme)
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[[[run: validate]]]" in current
    assert sync_readme.render(current) == current, "README.md is out of date: run `python scripts/sync_readme.py`"
