"""Configuration: where the data lives (`--data-dir` > UNIONDASH_DATA_DIR > the shipped `data/`) and
the server settings, read from UNIONDASH_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Settings:
    """Server settings, from UNIONDASH_* environment variables (table in docs/deploy.md)."""

    host: str = "127.0.0.1"
    port: int = 8050
    workers: int = 2
    debug: bool = False
    embed_origins: tuple[str, ...] = ("*",)
    cache_dir: str | None = None
    # Rendered dashboard pages kept per worker (web/page_cache.py), in MB of JSON; 0 turns the cache off.
    page_cache_mb: int = 32
    # A Redis shared by every worker and host for chart images and pages (exports/shared_cache.py).
    redis_url: str | None = None
    # The data desk at /desk (UNIONDASH_DESK=1, or a UNIONDASH_DATABASE_URL): see README, "Data desk".
    desk: bool = False
    database_url: str | None = None
    # A desk session unused this long ends (hours).
    desk_idle_hours: int = 8
    # Where the desk bakes static versions (build-static --version); unset: no baking from the desk.
    static_dir: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def number(name: str, default: int, low: int, high: int) -> int:
            text = env.get(name, "").strip()
            if not text:
                return default
            if not text.isdigit() or not low <= int(text) <= high:
                raise UniondashError(f"{name}={text!r}: expected a whole number from {low} to {high}")
            return int(text)

        origins = tuple(env.get("UNIONDASH_EMBED_ORIGINS", "*").split()) or ("*",)
        return cls(
            host=env.get("UNIONDASH_HOST", cls.host),
            port=number("UNIONDASH_PORT", cls.port, 1, 65535),
            workers=number("UNIONDASH_WORKERS", cls.workers, 1, 64),
            debug=env.get("UNIONDASH_DEBUG", "").lower() in ("1", "true", "yes"),
            embed_origins=origins,
            cache_dir=env.get("UNIONDASH_CACHE_DIR") or None,
            page_cache_mb=number("UNIONDASH_PAGE_CACHE_MB", cls.page_cache_mb, 0, 4096),
            redis_url=env.get("UNIONDASH_REDIS_URL", "").strip() or None,
            desk=env.get("UNIONDASH_DESK", "").lower() in ("1", "true", "yes")
            or bool(env.get("UNIONDASH_DATABASE_URL", "").strip()),
            database_url=env.get("UNIONDASH_DATABASE_URL", "").strip() or None,
            desk_idle_hours=number("UNIONDASH_DESK_IDLE_HOURS", cls.desk_idle_hours, 1, 24 * 30),
            static_dir=env.get("UNIONDASH_STATIC_DIR", "").strip() or None,
        )
