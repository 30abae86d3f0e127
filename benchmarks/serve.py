"""The benchmarks' server: `uniondash serve`'s gunicorn settings (web/production.py), on the app of
`create_app` plus one trivial callback that only the benchmarks call (the framework's floor).

    .venv/bin/python benchmarks/serve.py --port 8123 --workers 2 [--data-dir DIR] [--no-trivial]

Started and stopped by the benchmarks (_common.gunicorn); binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output

from uniondash.web.app import create_app
from uniondash.web.production import run_gunicorn


def add_trivial_callback(app: Dash) -> None:
    """`bench-out.children = bench-in.value`: Dash's request handling with no work of our own."""

    @app.callback(Output("bench-out", "children"), Input("bench-in", "value"))
    def echo(value: Any) -> Any:
        return value


def bench_app(data_dir: Path) -> Dash:
    app = create_app(data_dir)
    add_trivial_callback(app)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    parser.add_argument("--no-trivial", action="store_true", help="the app exactly as shipped")
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args()
    factory = create_app if args.no_trivial else bench_app
    run_gunicorn(args.data_dir, "127.0.0.1", args.port, args.workers, access_log=args.access_log, app_factory=factory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
