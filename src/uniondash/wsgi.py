"""WSGI entry point for production: `gunicorn uniondash.wsgi:server` (settings from UNIONDASH_* variables)."""

from uniondash.config import resolve_data_dir
from uniondash.web.app import create_app

app = create_app(resolve_data_dir())
server = app.server
