"""Configuration: where the data lives (`--data-dir` > UNIONDASH_DATA_DIR > the shipped `data/`) and
the server settings, read from UNIONDASH_* environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from uniondash.errors import UniondashError
from uniondash.numbers import whole_number

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


# Names a request may carry in its Host header when nothing else is configured: the machine itself.
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# A host name or IPv4 address as werkzeug checks them (lower case); a leading '.' admits every subdomain.
# No IPv6 literals: werkzeug 3.1 cannot match them against a trusted list (give the machine a name).
_HOST_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def public_url(text: str, name: str = "UNIONDASH_PUBLIC_URL") -> str:
    """The public address as given (`https://data.example.cn`, a port allowed), checked, without a final '/'."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or not _HOST_NAME.fullmatch(parts.hostname)
        or (port is not None and not 0 < port < 65536)
    ):
        raise UniondashError(
            f"{name}={text[:80]!r}: expected the address readers use, e.g. https://data.example.cn "
            "(http or https, a host name and an optional port; no path: the app is served at the root of its host)"
        )
    return text.rstrip("/")


def host_of(url: str) -> str:
    """The host name of an address checked by `public_url`, as a trusted-hosts entry."""
    return urlsplit(url).hostname or ""


def trusted_hosts(text: str, name: str = "UNIONDASH_TRUSTED_HOSTS") -> tuple[str, ...]:
    """Host names separated by spaces or commas, checked; ports are not part of a name."""
    hosts = tuple(dict.fromkeys(part.lower() for part in re.split(r"[\s,]+", text.strip()) if part))
    bad = [host for host in hosts if not _HOST_NAME.fullmatch(host)]
    if bad:
        raise UniondashError(
            f"{name}: {bad[0][:80]!r} is not a host name (give names such as data.example.cn or .example.cn, "
            "without scheme, port or path)"
        )
    return hosts


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
    # The address readers use (https://data.example.cn): every absolute URL the app writes (oEmbed, share
    # codes, embed.js) starts with it. Unset: the request's own address, which can then only be a local one.
    public_url: str | None = None
    # The Host names the app answers besides the machine's own (LOCAL_HOSTS, for health checks and local
    # use; Flask's TRUSTED_HOSTS); others get a 400. Unset: the public address's host.
    trusted_hosts: tuple[str, ...] = ()
    # The operator's status endpoint (/-/status) answers only with this bearer token; unset: no endpoint.
    status_token: str | None = None

    def __post_init__(self) -> None:
        if self.public_url is not None:
            object.__setattr__(self, "public_url", public_url(self.public_url))
        extra = [host for host in self.trusted_hosts if host not in LOCAL_HOSTS]
        if extra and self.public_url is None:
            raise UniondashError(
                f"UNIONDASH_TRUSTED_HOSTS names {extra[0]!r}: set UNIONDASH_PUBLIC_URL too (the address readers "
                "use), so that links written into pages, oEmbed answers and share codes never take a request's Host"
            )

    @property
    def hosts(self) -> tuple[str, ...]:
        """The Host names answered: the machine's own, the public address's host and the configured ones."""
        public = (host_of(self.public_url),) if self.public_url else ()
        return tuple(dict.fromkeys((*LOCAL_HOSTS, *public, *self.trusted_hosts)))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def number(name: str, default: int, low: int, high: int) -> int:
            text = env.get(name, "").strip()
            if not text:
                return default
            number = whole_number(text, low, high)
            if number is None:
                raise UniondashError(f"{name}={text[:40]!r}: expected a whole number from {low} to {high}")
            return number

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
            public_url=env.get("UNIONDASH_PUBLIC_URL", "").strip() or None,
            trusted_hosts=trusted_hosts(env.get("UNIONDASH_TRUSTED_HOSTS", "")),
            status_token=_token(env.get("UNIONDASH_STATUS_TOKEN", "")),
        )


def _token(text: str) -> str | None:
    """The operator's token: at least 16 printable ASCII characters (a short one is guessed), or none."""
    text = text.strip()
    if not text:
        return None
    if len(text) < 16 or not text.isascii() or not text.isprintable() or " " in text:
        raise UniondashError("UNIONDASH_STATUS_TOKEN: use at least 16 printable ASCII characters without spaces")
    return text
