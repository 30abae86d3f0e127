"""Rewrite the README's generated blocks from the real program (like cog, without the dependency).

    python scripts/sync_readme.py          # rewrite README.md in place
    python scripts/sync_readme.py --check  # exit 1 if README.md is out of date (run by the tests)

A block is the text between `<!-- [[[run: ARGS]]] -->` and `<!-- [[[end]]] -->`: the output of
`uniondash ARGS`, in a fenced code block; or between `<!-- [[[charts]]] -->` and `<!-- [[[end]]] -->`:
the table of chart ids from `charts.CHARTS`.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from click.testing import CliRunner

from uniondash.charts import CHARTS
from uniondash.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
CHARTS_BLOCK = re.compile(r"(<!-- \[\[\[charts\]\]\] -->\n)(?P<body>.*?)(<!-- \[\[\[end\]\]\] -->)", re.S)
BLOCK = re.compile(r"(<!-- \[\[\[run: (?P<args>.+?)\]\]\] -->\n)(?P<body>.*?)(<!-- \[\[\[end\]\]\] -->)", re.S)


def render(text: str) -> str:
    def run(match: re.Match[str]) -> str:
        args = shlex.split(match.group("args"))
        output = CliRunner().invoke(cli, args, prog_name="uniondash", terminal_width=100).output
        # Paths differ between machines; show them relative to the checkout.
        output = output.replace(str(README.parent) + "/", "")
        return f"{match.group(1)}```text\n$ uniondash {match.group('args')}\n{output.rstrip()}\n```\n{match.group(4)}"

    rows = ["| chart id | section | 标题 | title |", "|---|---|---|---|"]
    rows += [f"| `{c.id}` | {c.section_id} | {c.title_zh} | {c.title_en} |" for c in CHARTS.values()]
    table = "\n".join(rows) + "\n"
    text = CHARTS_BLOCK.sub(lambda match: match.group(1) + table + match.group(3), text)
    return BLOCK.sub(run, text)


def main() -> int:
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in sys.argv:
        if wanted != current:
            print("README.md is out of date: run `python scripts/sync_readme.py`")
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
