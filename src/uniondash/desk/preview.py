"""A draft's dashboard answers under /desk/preview/<id>/: its in-page links must stay on the draft.

The dashboard's pages, slides and briefing write site-absolute links (`/section/…`, `/export/…`,
`/present`, `/briefing`, `/vendor/…`). In a preview each would lead a reader from the draft to the public
site, showing published figures as if they were the draft's. `relink` puts the preview's prefix before
every such link of an answer, in HTML attributes and in the Dash callbacks' JSON (the page is drawn by a
callback), and leaves alone what already has it and what leaves the site (`//host`, `https:`).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Attributes that hold a link a browser follows or loads.
LINK_ATTRIBUTES = ("href", "src", "action", "poster", "data")
_ATTRIBUTE = re.compile(rb"""(\s(?:%s)\s*=\s*)(["'])/(?![/\\])""" % "|".join(LINK_ATTRIBUTES).encode())


def prefixed(link: str, prefix: str) -> str:
    """`link` under `prefix` (which ends with "/") if it is site-absolute and not already under it."""
    if not link.startswith("/") or link.startswith(("//", "/\\")) or link.startswith(prefix):
        return link
    return prefix.rstrip("/") + link


def relink_tree(node: Any, prefix: str) -> Any:
    """A JSON value (a Dash component tree) with every link property put under `prefix`."""
    if isinstance(node, list):
        return [relink_tree(item, prefix) for item in node]
    if isinstance(node, dict):
        return {
            key: prefixed(value, prefix)
            if key in LINK_ATTRIBUTES and isinstance(value, str)
            else relink_tree(value, prefix)
            for key, value in node.items()
        }
    return node


def relink_html(body: bytes, prefix: str) -> bytes:
    """An HTML page with every site-absolute link attribute put under `prefix`."""
    start = prefix.rstrip("/").encode()

    def one(match: re.Match[bytes]) -> bytes:
        rest = body[match.end() : match.end() + len(start)]
        if (b"/" + rest).startswith(start):  # already under the prefix (Dash's own script URLs)
            return match.group(0)
        return match.group(1) + match.group(2) + start + b"/"

    return _ATTRIBUTE.sub(one, body)


def relink(body: bytes, mimetype: str, prefix: str) -> bytes:
    """An answer of the draft's app with its links kept on the draft (other answers as they are)."""
    if mimetype == "text/html":
        return relink_html(body, prefix)
    if mimetype == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return body
        return json.dumps(relink_tree(data, prefix), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return body
