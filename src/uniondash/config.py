"""Where the data lives: `--data-dir` beats the UNIONDASH_DATA_DIR variable beats the shipped `data/`."""

from __future__ import annotations

import os
from pathlib import Path

from uniondash.errors import UniondashError

ENV_DATA_DIR = "UNIONDASH_DATA_DIR"
SHIPPED_DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data directory to use, checked to exist."""
    chosen = data_dir or os.environ.get(ENV_DATA_DIR) or SHIPPED_DATA_DIR
    path = Path(chosen).expanduser().resolve()
    if not path.is_dir():
        raise UniondashError(
            f"data directory not found: {path}. Pass --data-dir DIR or set {ENV_DATA_DIR} "
            "to a folder holding facts.csv and its dimension files."
        )
    return path
