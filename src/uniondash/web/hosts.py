"""Only our own host names (issue 24): the Host names the app answers, and the address every absolute URL it
writes starts with.

Behind a proxy that passes the client's Host on, a request for `Host: evil.example` used to get oEmbed
answers, share codes and embed.js references naming http://evil.example, cacheable for an hour: a shared
cache would hand that script to every CMS. Now Flask's TRUSTED_HOSTS refuses any other Host with a 400
before a route runs, and absolute URLs start with UNIONDASH_PUBLIC_URL. Without a public address (local
use) they start with the request's own address, which TRUSTED_HOSTS then limits to the machine's names.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from uniondash.config import Settings

PUBLIC_URL_KEY = "uniondash_public_url"


def register(server: Flask, settings: Settings) -> None:
    """Answer only `settings.hosts`; absolute URLs from `settings.public_url`."""
    server.config["TRUSTED_HOSTS"] = list(settings.hosts)
    server.extensions[PUBLIC_URL_KEY] = settings.public_url


def public_root() -> str:
    """The address absolute URLs start with, ending in '/' ("" outside a request: links stay relative)."""
    configured = current_app.extensions.get(PUBLIC_URL_KEY)
    if configured:
        return f"{configured}/"
    # Local use: the request's own root, its Host checked against TRUSTED_HOSTS (the machine's names).
    return request.url_root if request.host else ""
