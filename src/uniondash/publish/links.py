"""Pure rewrites that turn a page answered by the live app into a file of the static site.

- `UrlMap`: the live URL of every baked file → its path in the site; `rewrite_html` / `rewrite_text` put
  those paths (relative, or under --base-url) in place of the live URLs inside a file; `without_live_links`
  drops the links to the live dashboard when the site has none;
- `fixed_*`: what the app writes that changes from run to run (a nonce, plotly's random SVG ids, also in
  SVGs drawn inline in a page, a PDF's dates, the time a ZIP or metadata file was made) made fixed, so the same data gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

# The host the site is baked under: every absolute URL the app writes starts with it, and nothing else does.
BAKE_ROOT = "http://uniondash.invalid/"
_BAKE_HOST = urlsplit(BAKE_ROOT).netloc
# href/src attributes (and link href), the only places the pages put URLs a browser follows.
_ATTRIBUTE = re.compile(r'(?P<name>\b(?:href|src))="(?P<value>[^"]*)"')
_ABSOLUTE = re.compile(re.escape(BAKE_ROOT.rstrip("/")) + r"(?P<rest>/[^\s\"'<>\\]*)?")


def url_key(url: str) -> str | None:
    """A live URL as the map's key: path plus its query sorted ('/embed/x?lang=en'); None if not ours."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.netloc != _BAKE_HOST:
            return None
    elif not parts.path.startswith("/") or url.startswith("//"):
        return None  # relative already, or protocol-relative to another host
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + ("?" + query if query else "")


@dataclass
class UrlMap:
    """Live URL → site path ('en/embed/aid-funds/index.html'); `fallback` places a URL not baked (or None)."""

    base_url: str = ""
    paths: dict[str, str] = field(default_factory=dict)
    fallback: Callable[[str], str | None] = lambda key: None

    def add(self, live_url: str, site_path: str) -> None:
        key = url_key(live_url)
        if key is None:
            raise ValueError(f"not a live URL of the app: {live_url!r}")
        self.paths[key] = site_path

    def target(self, url: str, from_path: str) -> str | None:
        """Where `url`, written in the file `from_path`, points in the site; None to leave it as it is."""
        fragment = ""
        if "#" in url:
            url, fragment = url.split("#", 1)
            fragment = "#" + fragment
        key = url_key(url)
        if key is None:
            return None
        site_path = self.paths.get(key)
        if site_path is None:
            placed = self.fallback(key)
            if placed is None:
                return None
            if "://" in placed:
                return placed + fragment
            site_path = placed
        return self.href(site_path, from_path) + fragment

    def href(self, site_path: str, from_path: str) -> str:
        """`site_path` as seen from `from_path`: under base_url if one is set, else relative."""
        if self.base_url:
            return self.base_url.rstrip("/") + "/" + site_path
        return posixpath.relpath(site_path, posixpath.dirname(from_path) or ".")


def rewrite_html(page: str, links: UrlMap, from_path: str) -> str:
    """Every href/src of `page` that names a baked URL, pointed at its file."""

    def replace(match: re.Match[str]) -> str:
        target = links.target(html.unescape(match["value"]), from_path)
        if target is None:
            return match.group(0)
        return f'{match["name"]}="{html.escape(target)}"'

    return _ATTRIBUTE.sub(replace, page)


def rewrite_text(text: str, links: UrlMap, from_path: str) -> str:
    """Absolute URLs of the baking host in text (JSON, README), pointed at their files."""

    def replace(match: re.Match[str]) -> str:
        target = links.target(match.group(0), from_path)
        return match.group(0) if target is None else target

    return _ABSOLUTE.sub(replace, text)


# A link only the live dashboard can answer ("Open in the dashboard"): marked so by the templates.
_LIVE_ONLY = re.compile(r"<a\b[^>]*\sdata-live-only\b[^>]*>.*?</a>", re.DOTALL)


def without_live_links(page: str) -> str:
    """`page` without its links to the live dashboard (`<a … data-live-only>`): a static site published
    with no dashboard address has nowhere for them to go, and a link to its own index would mislead."""
    return _LIVE_ONLY.sub("", page)


def local_references(page: str) -> list[str]:
    """The live URLs a page loads or links to (href/src starting with '/'), in order, once each."""
    found = [html.unescape(match["value"]) for match in _ATTRIBUTE.finditer(page)]
    return list(dict.fromkeys(url for url in found if url_key(url.split("#")[0]) is not None))


# ---------------------------------------------------------------------------------------------------
# Fixed bytes.

_NONCE_ATTRIBUTE = re.compile(r'\snonce="[^"]*"')
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def fixed_csp_page(page: str, policy: str) -> str:
    """A page served with a nonce policy, made static: nonces dropped, and the policy carried in a <meta>
    with the hashes of the page's inline scripts instead (any web server then enforces it, none needs to
    know it). frame-ancestors cannot be set by a <meta>: the web server's headers do that (docs/deploy.md)."""
    page = _NONCE_ATTRIBUTE.sub("", page)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(page)
        if script.strip()
    )
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    kept = []
    for directive in directives:
        if directive.startswith("frame-ancestors"):
            continue
        directive = re.sub(r"'nonce-[^']*'", hashes, directive).strip()
        kept.append(re.sub(r"\s+", " ", directive))
    content = html.escape("; ".join(kept), quote=False).replace('"', "&quot;")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{content}">'
    for anchor in ('<meta charset="utf-8">', "<head>"):
        if anchor in page:
            return page.replace(anchor, anchor + "\n" + meta, 1)
    return meta + page


def with_icon(page: str) -> str:
    """A page that names no icon, given an empty one: else every reader's browser asks the site for
    /favicon.ico (a 404 on a static host, and outside the site when it is served under a path)."""
    if re.search(r"<link[^>]*\brel=\"(?:shortcut )?icon\"", page):
        return page
    anchor = '<meta charset="utf-8">'
    return page.replace(anchor, anchor + '\n<link rel="icon" href="data:,">', 1) if anchor in page else page


# plotly's <defs id="defs-1c7008">; an SVG inlined in a page may carry a prefix on its ids ('n-defs-…').
_SVG_UID = re.compile(r'id="(?:[\w-]*?-)?defs-([0-9a-f]{6})"')
_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


FIXED_UID = "0a0a0a"


def fixed_svg(svg: bytes, uid: str = FIXED_UID) -> bytes:
    """plotly.js names an SVG's clip paths after a random 6-hex id of the figure, and its patterns and
    gradients after random ids of the traces ('p<figure>-<trace>-1'): fixed ones instead, in order."""
    text = svg.decode("utf-8")
    match = _SVG_UID.search(text)
    if match is None:
        return svg
    text = text.replace(match.group(1), uid)
    traces: dict[str, str] = {}

    def trace_id(found: re.Match[str]) -> str:
        fixed = traces.setdefault(found.group(1), f"{len(traces) + 1:06x}")
        return f"{uid}-{fixed}"

    return re.sub(uid + r"-([0-9a-f]{6})", trace_id, text).encode("utf-8")


def fixed_inline_svgs(page: str) -> str:
    """`fixed_svg` for every plotly SVG drawn inline in an HTML page (the static embed's two drawings):
    each gets its own fixed id, in order, so two drawings of one page never share an id."""
    count = 0

    def replace(found: re.Match[str]) -> str:
        nonlocal count
        if _SVG_UID.search(found.group(0)) is None:
            return found.group(0)
        uid = f"{int(FIXED_UID, 16) + count:06x}"
        count += 1
        return fixed_svg(found.group(0).encode("utf-8"), uid).decode("utf-8")

    return _INLINE_SVG.sub(replace, page)


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})")


def fixed_pdf(pdf: bytes, moment: datetime) -> bytes:
    """Chromium dates a PDF when it prints it: the build's date instead (same length, so offsets hold)."""
    stamp = moment.strftime("%Y%m%d%H%M%S").encode("ascii")
    return _PDF_DATE.sub(lambda match: b"/" + match.group(1) + b" (D:" + stamp, pdf)


def fixed_metadata(data: bytes, moment: datetime) -> tuple[bytes, str]:
    """metadata.json with `generated_at` set to the build's moment; also returns the time it replaced."""
    made = str(json.loads(data.decode("utf-8")).get("generated_at", ""))
    fixed = moment.isoformat(timespec="seconds")
    return (data.decode("utf-8").replace(made, fixed).encode("utf-8") if made else data), made


TEXT_MEMBERS = (".csv", ".json", ".txt", ".html", ".svg", ".md")


def fixed_zip(data: bytes, moment: datetime, edit: Callable[[str, bytes], bytes]) -> bytes:
    """The ZIP again, every member dated `moment` and its text members passed through `edit(name, bytes)`."""
    members: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for info in bundle.infolist():
            members.append((info.filename, bundle.read(info)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, edit(name, content) if name.endswith(TEXT_MEMBERS) else content)
    return buffer.getvalue()
