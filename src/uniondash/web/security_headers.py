"""Response headers that say who may frame our pages, and a few safe defaults for every response.

Only `/embed/*` may be framed by other sites: the origins come from $UNIONDASH_EMBED_ORIGINS
(space-separated, e.g. "https://www.zznews.gov.cn https://*.example.cn"). The default is "*", any site:
the embed pages show public, read-only charts (no login, no forms, no actions), so framing them cannot be
used for clickjacking, and a newsroom should not need a server change to embed a chart. Deployments
that want a list set the variable. Every other page (the dashboard, /present, /briefing, downloads) may
only be framed by the dashboard itself (`frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`).

The policy here does not restrict scripts on the Dash pages: Dash 4 renders an inline script and its
clientside callbacks, and plotly.js WebGL traces compile shaders with `new Function`, so a script policy
for Dash needs hashes and 'unsafe-eval' that the dashboard should choose itself. A view that sets its
own Content-Security-Policy (the embed page does, with a nonce) keeps it; `frame-ancestors` is appended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import Flask, Response, request

from uniondash.errors import UniondashError

EMBED_PREFIX = "/embed/"
# The data desk (signed-in staff): never framed by anyone, not even by the dashboard itself.
DESK_PREFIX = "/desk"
_EXTENSION_KEY = "uniondash_security_headers"
# CSP source expressions allowed in the setting: *, 'self', 'none', a scheme ("https:"), or
# [scheme://](*.)host[:port] — never anything that could end the directive (';', ',', quotes, spaces).
_SOURCE = re.compile(
    r"^(\*|'self'|'none'|https?:|(https?://)?(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:([0-9]{1,5}|\*))?/?)$"
)


def frame_ancestors(origins: Sequence[str]) -> str:
    """The `frame-ancestors` sources for embeds from the configured origins; UniondashError if one is malformed."""
    cleaned = [origin.strip() for origin in origins if origin.strip()]
    bad = [origin for origin in cleaned if not _SOURCE.match(origin)]
    if bad:
        raise UniondashError(
            f"UNIONDASH_EMBED_ORIGINS: {', '.join(repr(origin[:60]) for origin in bad)} is not an origin. "
            "Use space-separated origins such as https://news.example.cn or https://*.example.cn, or * for any site."
        )
    if not cleaned:
        return "*"
    if "'none'" in cleaned and len(cleaned) > 1:
        raise UniondashError("UNIONDASH_EMBED_ORIGINS: 'none' cannot be combined with other origins")
    return " ".join(origin.rstrip("/") for origin in cleaned)


def headers_for(route: str | None, embed_sources: str, existing_csp: str | None) -> dict[str, str]:
    """The headers for a response from the URL rule `route` (None: no route matched); pure, the hook applies them.

    The rule, not the path, decides: Dash's catch-all rule answers any path with the dashboard's shell,
    '/embed//x' too, and the dashboard must not become framable by other sites through such a path.
    """
    embed = route is not None and route.startswith(EMBED_PREFIX)
    desk = route is not None and (route == DESK_PREFIX or route.startswith(DESK_PREFIX + "/"))
    ancestors = embed_sources if embed else "'none'" if desk else "'self'"
    directive = f"frame-ancestors {ancestors}"
    if desk and existing_csp:  # the preview's dashboard sets its own policy: its framing rule is replaced
        kept = [part for part in existing_csp.split(";") if part.strip() and "frame-ancestors" not in part]
        existing_csp = ";".join(kept)
    if existing_csp:
        csp = existing_csp if "frame-ancestors" in existing_csp else f"{existing_csp.rstrip('; ')}; {directive}"
    else:
        csp = f"{directive}; base-uri 'self'; object-src 'none'"
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    if not embed:
        # For browsers that predate frame-ancestors. Embeds get none: X-Frame-Options cannot list origins.
        headers["X-Frame-Options"] = "DENY" if desk else "SAMEORIGIN"
    return headers


def register(server: Flask, embed_origins: Sequence[str]) -> None:
    """Add the headers to every response of `server`; safe to call twice (the first origins win)."""
    if _EXTENSION_KEY in server.extensions:
        return
    sources = frame_ancestors(embed_origins)
    server.extensions[_EXTENSION_KEY] = sources

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        existing = response.headers.get("Content-Security-Policy")
        route = request.url_rule.rule if request.url_rule is not None else None
        for name, value in headers_for(route, sources, existing).items():
            response.headers[name] = value
        return response
