"""Run the app under gunicorn from the CLI (the same as `gunicorn uniondash.wsgi:server`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from uniondash.web.app import create_app


class _Gunicorn(BaseApplication):
    def __init__(self, data_dir: Path, options: dict[str, Any]) -> None:
        self.data_dir = data_dir
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.data_dir).server


def run_gunicorn(data_dir: Path, host: str, port: int, workers: int) -> None:
    """Serve with `workers` processes; the app is built once and forked (preload) to share memory."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads let a worker answer callbacks while another request waits on an export.
        "worker_class": "gthread",
        "threads": 4,
        "preload_app": True,
        "timeout": 60,
        "accesslog": "-",
        "errorlog": "-",
    }
    _Gunicorn(data_dir, options).run()
