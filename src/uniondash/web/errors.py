"""How the server answers a request it cannot serve: a short message in both languages, never a stack trace.

The routes turn the errors they expect into 4xx themselves (bad filters give notices, bad sizes 400,
unknown charts 404, no renderer 503). This module catches what reaches Flask anyway:

- a `QueryError` (a request out of bounds) → 400 with its message;
- a Host header the app does not answer (TRUSTED_HOSTS, web/hosts.py) → 400 saying so, never cached;
- a path under `/_dash-component-suites/` that Dash does not serve (`DependencyException`) → 404;
- any error while answering `POST /_dash-update-component`: the browser's dashboard only sends callbacks
  that `/_dash-dependencies` lists, with values its controls hold, so a body Dash or a callback cannot
  handle (missing keys, wrong types, unknown outputs) was forged or corrupted → 400 JSON;
- anything else is a bug → 500 with a plain message. The traceback goes to the server log in every case.

Werkzeug's own HTTP errors (404, 405, 415, a JSON body that does not parse → 400) pass through unchanged:
their pages already say what went wrong and hold no server detail.

`register_unknown_pages` gives a dashboard path with no page (`/section/nope`) the status 404 with the
same friendly page: Dash answers every path it has no route for with its one HTML page, 200.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, SecurityError

from uniondash.errors import QueryError

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
_EXTENSION_KEY = "uniondash_error_handlers"

CALLBACK_REFUSED = {
    "zh": "无法处理该请求：它不是看板页面发送的格式。请刷新页面后重试。",
    "en": "This request is not one the dashboard sends, so it was not processed. Reload the page and try again.",
}
NO_SUCH_FILE = ("找不到该文件。", "No such file.")
NO_SUCH_PAGE = (
    '<noscript lang="zh-CN"><h1>页面不存在</h1><p>没有这个页面。请从<a href="/">总览</a>进入。</p></noscript>'
    '<noscript lang="en"><h1>Page not found</h1><p>There is no such page. Start from the '
    '<a href="/">overview</a>.</p></noscript>'
)
SERVER_ERROR = (
    "服务器出错，错误已记录。请稍后再试。",
    "Something went wrong on the server; it has been logged. Try again later.",
)


def _text(status: int, zh: str, en: str, detail: str = "") -> Response:
    body = f"{zh}\n{en}\n" + (f"\n{detail}\n" if detail else "")
    response = Response(body, status=status, mimetype="text/plain")
    response.cache_control.no_store = True
    return response


def register(server: Flask) -> None:
    """Install the handlers on `server`; safe to call twice."""
    if _EXTENSION_KEY in server.extensions:
        return
    server.extensions[_EXTENSION_KEY] = True

    @server.errorhandler(QueryError)
    def out_of_bounds(error: QueryError) -> Response:
        return _text(400, "请求参数无效。", "Bad request.", str(error)[:500])

    @server.errorhandler(SecurityError)
    def unknown_host(error: SecurityError) -> Response:
        return _text(400, "本服务器不接受该网址（主机名）。", "This server does not answer for that host name.")

    @server.errorhandler(DependencyException)
    def unknown_component_file(error: DependencyException) -> Response:
        logger.info("no component file at %s", request.path[:200])
        return _text(404, *NO_SUCH_FILE)

    @server.errorhandler(Exception)
    def unexpected(error: Exception) -> Response | HTTPException:
        if isinstance(error, HTTPException):
            return error
        if request.path == CALLBACK_PATH:
            logger.warning("refused a malformed callback request: %s", error, exc_info=error)
            response = jsonify(error="bad-callback-request", message=CALLBACK_REFUSED)
            response.status_code = 400
            response.cache_control.no_store = True
            return response
        logger.error("unhandled error on %s %s", request.method, request.path[:200], exc_info=error)
        return _text(500, *SERVER_ERROR)


def register_unknown_pages(server: Flask, catch_all_rule: str, is_page: Callable[[str], bool]) -> None:
    """Answer 404 where Dash's catch-all route (`catch_all_rule`, '/<path:path>') serves a path with no page.

    The body stays Dash's page, which draws the "page not found" text and links in the reader's language;
    only the status changes, so link checkers and search engines see the dead link. Every other route
    (the overview '/', assets, `/_dash-*`, exports, embeds, meetings, `/healthz`) is left as it answered.
    """

    @server.after_request
    def unknown_page_status(response: Response) -> Response:
        rule = request.url_rule
        at_catch_all = rule is not None and rule.rule == catch_all_rule
        if at_catch_all and response.status_code == 200 and not is_page(request.path):
            response.status_code = 404
            if response.mimetype == "text/html" and not response.direct_passthrough:
                # Said in the page itself too, for a reader or checker that runs no script.
                body = response.get_data(as_text=True).replace("<body>", "<body>" + NO_SUCH_PAGE, 1)
                response.set_data(body)
        return response
