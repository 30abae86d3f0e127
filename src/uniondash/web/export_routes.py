"""Flask routes that download what the dashboard shows: `/export/summary.xlsx` (the analysts' workbook).

Thin glue: the query string goes through `query.parse_filters` (the one parser), the workbook comes from
`exports.xlsx`. A bad parameter never fails the download: it falls back to its default, and the notice
is written into the workbook's notes sheet, as the dashboard shows it on the page.
"""

from __future__ import annotations

from io import BytesIO

from flask import Flask, Response, request, send_file

from uniondash.exports.xlsx import XLSX_MIMETYPE, build_workbook, export_filename, workbook_bytes
from uniondash.model import Dataset
from uniondash.query import parse_filters
from uniondash.state import DataState, as_state

_ENDPOINT = "export_summary_xlsx"


def register(server: Flask, data: Dataset | DataState) -> None:
    """Add `GET /export/summary.xlsx?<the dashboard's query string>` to `server`; safe to call twice."""
    if _ENDPOINT in server.view_functions:
        return
    state = as_state(data)

    def summary_xlsx() -> Response:
        dataset = state.current()
        filters, notices = parse_filters(request.args.to_dict(flat=False), dataset)
        data = workbook_bytes(build_workbook(dataset, filters, notices))
        response = send_file(
            BytesIO(data),
            mimetype=XLSX_MIMETYPE,
            as_attachment=True,
            download_name=export_filename(filters),
            max_age=0,
        )
        # The workbook states when it was generated: never serve a stale copy from a cache.
        response.headers["Cache-Control"] = "no-store"
        return response

    server.add_url_rule("/export/summary.xlsx", _ENDPOINT, summary_xlsx, methods=["GET"])
