"""How the server answers a request it cannot serve: a short message in both languages, never a stack trace.

The routes turn the errors they expect into 4xx themselves (bad filters give notices, bad sizes 400,
unknown charts 404, no renderer 503). This module catches what reaches Flask anyway:

- a `QueryError` (a request out of bounds) → 400 with its message;
- a path under `/_dash-component-suites/` that Dash does not serve (`DependencyException`) → 404;
- any error while answering `POST /_dash-update-component`: the browser's dashboard only sends callbacks
  that `/_dash-dependencies` lists, with values its controls hold, so a body Dash or a callback cannot
  handle (missing keys, wrong types, unknown outputs) was forged or corrupted → 400 JSON;
- anything else is a bug → 500 with a plain message. The traceback goes to the server log in every case.

Werkzeug's own HTTP errors (404, 405, 415, a JSON body that does not parse → 400) pass through unchanged:
their pages already say what went wrong and hold no server detail.
"""

from __future__ import annotations

import logging

from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from uniondash.errors import QueryError

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
_EXTENSION_KEY = "uniondash_error_handlers"

CALLBACK_REFUSED = {
    "zh": "无法处理该请求：它不是看板页面发送的格式。请刷新页面后重试。",
    "en": "This request is not one the dashboard sends, so it was not processed. Reload the page and try again.",
}
NO_SUCH_FILE = ("找不到该文件。", "No such file.")
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
