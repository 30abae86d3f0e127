"""Helpers for the data desk's tests: a desk app on a copy of the data, accounts, a signed-in client, and a
SYNTHETIC 2024 import workbook (tests/synthetic.py's rows: not from the report)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask.testing import FlaskClient

from tests.synthetic import (
    SHIPPED,
    SYNTHETIC_2024_SOURCE,
    append_rows,
    copy_shipped,
    seal_as_is,
    synthetic_2024_rows,
)
from uniondash.config import Settings
from uniondash.desk import accounts
from uniondash.desk.commands import add_user
from uniondash.desk.store import DeskStore
from uniondash.exports.xlsx import workbook_bytes
from uniondash.exports.xlsx_data import DATA_SHEET, SOURCES_SHEET, template_workbook
from uniondash.load import load_dataset

PASSWORD = "correct horse battery"
# Tests hash with cheap argon2 parameters (the real ones take about 0.5 s a hash on a busy CI machine).
accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
ACCOUNTS = {"ann": "editor", "bob": "publisher", "cai": "publisher"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def synthetic_workbook(data_dir: Path = SHIPPED, rows: list[dict[str, Any]] | None = None) -> bytes:
    """SYNTHETIC: the import template of `data_dir` with two invented 2024 talent figures and their source."""
    workbook = template_workbook(load_dataset(data_dir), "zh")
    data = workbook[DATA_SHEET["zh"]]
    header = [cell.value for cell in data[1]]
    for values in synthetic_2024_rows() if rows is None else rows:
        target = data.max_row + 1
        for column, value in values.items():
            cell = data.cell(row=target, column=header.index(column) + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    sources = workbook[SOURCES_SHEET["zh"]]
    source_header = [cell.value for cell in sources[1]]
    row = sources.max_row + 1
    for column, value in {**SYNTHETIC_2024_SOURCE, "page": 1}.items():
        if column in source_header:  # local_copy is never taken from a workbook (the server's own setting)
            sources.cell(row=row, column=source_header.index(column) + 1, value=value)
    return workbook_bytes(workbook)


@dataclass
class Desk:
    """A desk app on its own copy of the data, with its own SQLite database."""

    app: Any
    data_dir: Path
    store: DeskStore

    @property
    def server(self) -> Any:
        return self.app.server

    def client(self, name: str | None = None, password: str = PASSWORD) -> FlaskClient:
        client = self.server.test_client()
        if name:
            response = sign_in(client, name, password)
            assert response.status_code == 303, response.get_data(as_text=True)
        return client


def make_desk(
    tmp_path: Path,
    database_url: str | None = None,
    accounts: dict[str, str] = ACCOUNTS,
    *,
    annual_source: bool = False,
) -> Desk:
    """A desk on a copy of the shipped data (version 1); with `annual_source`, the SYNTHETIC 2024 annual
    report's source is in it already, as a report's review needs a source its figures' year fits."""
    from uniondash.web.app import create_app

    data_dir = copy_shipped(tmp_path / "data")
    if annual_source:
        append_rows(data_dir / "sources.csv", [{**SYNTHETIC_2024_SOURCE, "page": "1"}])
        seal_as_is(data_dir)
    url = database_url or f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    app = create_app(data_dir, Settings(desk=True, database_url=url, page_cache_mb=4))
    store = DeskStore.open(url)
    for name, role in accounts.items():
        add_user(store, name, role, PASSWORD)
    return Desk(app, data_dir, store)


def csrf_of(client: FlaskClient, path: str = "/desk/login") -> str:
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD, **headers: str) -> Any:
    return client.post(
        "/desk/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(client)},
        headers=headers or None,
    )


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, page: str = "/desk/") -> Any:
    """A desk form POST with the CSRF token of a page the client has open."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_of(client, page)})


def approve(client: FlaskClient, change_id: int) -> Any:
    """Approve from the change's page, as its form does: the CSRF token and the mark of the data shown."""
    page = client.get(f"/desk/changes/{change_id}").get_data(as_text=True)
    token, reviewed = _CSRF.search(page), re.search(r'name="reviewed" value="([^"]*)"', page)
    data = {"csrf_token": token.group(1) if token else "", "reviewed": reviewed.group(1) if reviewed else ""}
    return client.post(f"/desk/changes/{change_id}/approve", data=data)


def upload(client: FlaskClient, data: bytes, name: str = "figures-2024.xlsx") -> int:
    """Upload a file; the new change's id (from the redirect)."""
    from io import BytesIO

    token = csrf_of(client)
    # The multipart body built here: the test client would spool a large one to a temporary file it never closes.
    body = (
        (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--b\r\nContent-Disposition: form-data; name="file"; filename="{name.replace(chr(34), "")}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + b"\r\n--b--\r\n"
    )
    response = client.post(
        "/desk/upload",
        input_stream=BytesIO(body),
        content_length=len(body),
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/desk/changes/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))
