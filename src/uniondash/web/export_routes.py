"""Flask routes that download what the dashboard shows (Excel now; charts in the press-kit issue)."""

from __future__ import annotations

from flask import Flask

from uniondash.model import Dataset


def register(server: Flask, dataset: Dataset) -> None:
    """Add the export routes to `server`. Placeholder until the Excel export lands."""
