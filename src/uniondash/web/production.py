"""Run the app under gunicorn from the CLI (the same as `gunicorn uniondash.wsgi:server` with the options
below; docs/deploy.md gives that command line).

Workers hold no per-user state (the URL is the whole view), so more workers, or more hosts behind a
reverse proxy, simply add capacity. Each worker keeps its own cache of drawn pages; with
UNIONDASH_REDIS_URL they also share pages and chart images.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from uniondash.exports.images import ENV_CACHE_DIR
from uniondash.exports.shared_cache import ENV_REDIS_URL
from uniondash.web import serving
from uniondash.web.app import create_app

AppFactory = Callable[[Path], Any]
# gunicorn's largest request line (its default is 4094, below the app's own limit on query strings).
MAX_REQUEST_LINE = 8190


def gunicorn_options(host: str, port: int, workers: int, *, access_log: bool = True) -> dict[str, Any]:
    """The gunicorn settings `uniondash serve` uses."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads let a worker answer callbacks while another request waits on an export or a render.
        "worker_class": "gthread",
        "threads": 4,
        # The app (data, charts, Dash) is built once in the master and forked: workers share its memory
        # and start in milliseconds; a data error stops the server before any worker starts.
        "preload_app": True,
        "timeout": 60,
        # Browsers and a reverse proxy reuse connections for the page's callbacks.
        "keepalive": 5,
        # What gunicorn refuses itself, before the app (a 400/414/431 in plain text, without the app's
        # security headers): a request line over 8190 bytes (its maximum; the app reads query strings up to
        # urls.MAX_SEARCH = 8000 characters and answers longer ones itself), more than 100 header fields,
        # or a header line over 8190 bytes. The shipped nginx refuses the same first (deploy/nginx.conf).
        "limit_request_line": MAX_REQUEST_LINE,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        # Each worker, once started, compresses the script bundles and draws the overview in the background.
        "post_worker_init": _warm_up_worker,
        # gunicorn 25+ opens a control socket at one fixed path per user: a second server on the host
        # (a staging instance, a benchmark) would take it over. Not needed to run or stop the service.
        "control_socket_disable": True,
    }


def _warm_up_worker(worker: Any) -> None:
    threading.Thread(target=serving.warm_up, args=(worker.wsgi,), name="uniondash-warm-up", daemon=True).start()


def ensure_shared_cache(environ: MutableMapping[str, str] = os.environ) -> Path | None:
    """Without Redis or a cache directory configured, a private temporary one for this server's workers.

    So the workers share drawn pages and chart images (each is made once per host, not once per worker)
    with no setting at all. Set in `environ` before the app is built; removed when the server stops.
    """
    if environ.get(ENV_REDIS_URL, "").strip() or environ.get(ENV_CACHE_DIR, "").strip():
        return None
    path = Path(tempfile.mkdtemp(prefix="uniondash-cache-"))
    environ[ENV_CACHE_DIR] = str(path)
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # forked workers inherit this hook: only the master removes the directory
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    return path


class _Gunicorn(BaseApplication):
    def __init__(self, data_dir: Path, options: dict[str, Any], app_factory: AppFactory) -> None:
        self.data_dir = data_dir
        self.options = options
        self.app_factory = app_factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app = self.app_factory(self.data_dir)
        # What is built so far (data, app, libraries) lives as long as the process: the collector need not
        # walk it (shorter pauses) nor write to it (the forked workers keep sharing its memory pages).
        gc.freeze()
        return app.server


def run_gunicorn(
    data_dir: Path,
    host: str,
    port: int,
    workers: int,
    *,
    access_log: bool = True,
    app_factory: AppFactory = create_app,
) -> None:
    """Serve with `workers` processes; `app_factory(data_dir)` builds the Dash app (benchmarks add to it)."""
    ensure_shared_cache()
    _Gunicorn(data_dir, gunicorn_options(host, port, workers, access_log=access_log), app_factory).run()
