"""The data set as a Frictionless Data Package: its CSV files as published, and `datapackage.json`.

Each resource lists its fields with their types, its primary key and its foreign keys, so a reader (or
`frictionless validate`) checks the tables and their joins without uniondash. The types and keys are
those `schema.py` enforces; a CSV the table below does not know is described with text fields.

The files are published as the live CSV downloads are (`published_tables`): a text cell that a spreadsheet
would run as a formula (leading = + - @ tab or CR) is neutralised with the same function
(`chart_files.neutralise`), and the server's own columns (`local_copy`: where a source's text lies on the
server) are left out. A line with nothing to change keeps its exact bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from uniondash import __version__
from uniondash.datastore import FILES
from uniondash.exports.chart_files import neutralise
from uniondash.format import edition_label
from uniondash.model import Dataset

ENV_LICENCE = "UNIONDASH_LICENCE"
# The union decides the terms; until it does, the package says so rather than invent a licence.
DEFAULT_LICENCE = {
    "name": "other-at",
    "title": "Terms of use set by the Zhuzhou Federation of Trade Unions; cite the source. "
    "Figures quoted from Zhuzhou Daily, 30 November 2023, page 3 (株洲日报 2023年11月30日 第3版).",
}

FIELD_TYPES = {
    "value": "number",
    "order": "integer",
    "period_start": "integer",
    "period_end": "integer",
    "page": "integer",
    "summable": "boolean",
    "published": "date",
}
PRIMARY_KEYS = {"headlines": ["fact_id"]}
# Columns for the server alone, never published: a path on the server is no reader's business.
PRIVATE_COLUMNS = {"sources": ("local_copy",)}
# (table, field) → (table it points at, field): the foreign keys schema.py checks.
FOREIGN_KEYS = {
    ("programmes", "section_id"): ("sections", "id"),
    ("metrics", "measure_id"): ("measures", "id"),
    ("facts", "programme_id"): ("programmes", "id"),
    ("facts", "metric_id"): ("metrics", "id"),
    ("facts", "scope_id"): ("scopes", "id"),
    ("facts", "level_id"): ("levels", "id"),
    ("facts", "kind"): ("kinds", "id"),
    ("facts", "part_of"): ("facts", "id"),
    ("facts", "numerator_id"): ("facts", "id"),
    ("facts", "denominator_id"): ("facts", "id"),
    ("facts", "source_id"): ("sources", "id"),
    ("headlines", "fact_id"): ("facts", "id"),
}
DESCRIPTIONS = {
    "facts": "One figure of the report a row: value in base units, the figure as written, period, scope, "
    "level, kind and the report's exact sentence (source_quote).",
    "sources": "The documents the figures are quoted from.",
}


def licence(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The package's licence: $UNIONDASH_LICENCE (an SPDX or Open Definition id, e.g. CC-BY-4.0) or the default."""
    name = (os.environ if environ is None else environ).get(ENV_LICENCE, "").strip()
    return {"name": name, "title": name} if name else dict(DEFAULT_LICENCE)


def published_table(name: str, raw: bytes) -> bytes:
    """One CSV of the data set as published: private columns out, formula-like text cells neutralised.

    Lines are handled one by one (the loader allows no line break inside a cell): a line with nothing to
    change keeps its exact bytes, so a file with nothing to neutralise is published as it is."""
    bom = raw.startswith(b"\xef\xbb\xbf")
    lines = [line for line in re.split(r"(?<=\n)", raw.decode("utf-8-sig")) if line]
    if not lines:
        return raw
    header = [column.strip() for column in next(csv.reader([lines[0]]))]
    private = {index for index, column in enumerate(header) if column in PRIVATE_COLUMNS.get(name, ())}
    numeric = {index for index, column in enumerate(header) if FIELD_TYPES.get(column) in ("number", "integer")}
    out: list[str] = []
    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        cells = next(csv.reader([body]), [])
        kept = [
            cell if number == 0 or index in numeric else _inert(cell)
            for index, cell in enumerate(cells)
            if index not in private
        ]
        if kept == cells:
            out.append(line)
            continue
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(kept)
        out.append(buffer.getvalue() + line[len(body) :])
    return ("\ufeff" if bom else "").encode("utf-8") + "".join(out).encode("utf-8")


def _inert(cell: str) -> str:
    """A cell as the live downloads show it if a spreadsheet would run it (they strip cells, as the loader
    does), else exactly as it is."""
    value = cell.strip()
    safe = neutralise(value)
    return safe if safe != value else cell


def published_tables(tables: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every CSV of a data set (stem → bytes) as the data package publishes it, by file name."""
    return {f"{name}.csv": published_table(name, tables[name]) for name in FILES if name in tables}


def resource(file_name: str, raw: bytes) -> dict[str, Any]:
    """The Data Package resource describing one published CSV file."""
    name = file_name.removesuffix(".csv")
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")), [])
    fields = [{"name": column, "type": FIELD_TYPES.get(column, "string")} for column in header]
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    key = PRIMARY_KEYS.get(name, ["id"] if "id" in header else [])
    if key:
        schema["primaryKey"] = key
    foreign = [
        {"fields": column, "reference": {"resource": "" if target == name else target, "fields": target_field}}
        for column in header
        for (table, field), (target, target_field) in FOREIGN_KEYS.items()
        if table == name and field == column
    ]
    if foreign:
        schema["foreignKeys"] = foreign
    described: dict[str, Any] = {
        "name": name,
        "path": file_name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": encoding,
        "schema": schema,
    }
    if name in DESCRIPTIONS:
        described["description"] = DESCRIPTIONS[name]
    return described


def data_package(
    files: Mapping[str, bytes], dataset: Dataset, created: str, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """`datapackage.json` for the published CSV `files` (name → bytes): resources, sources, licence."""
    sources = [
        {"title": str(source["citation_en"]), "description": f"{source['citation_zh']}：{source['title_zh']}"}
        for source in dataset.sources.to_dict(orient="records")
    ]
    return {
        "profile": "tabular-data-package",
        "name": "zhuzhou-trade-union-five-year-figures",
        # What the data holds, from sources.csv: 'the 2019–2023 five-year report', then any report added.
        "title": "Zhuzhou city trade union: figures of the "
        + ", ".join(edition_label(e.start, e.end, e.kind, "en") for e in dataset.editions),
        "description": "Every figure of the reports as tidy rows, each citing the report's own sentence. "
        f"株洲市总工会工作成就数据（{'、'.join(edition_label(e.start, e.end, e.kind, 'zh') for e in dataset.editions)}），"
        "每一行引用报告原文。",
        "version": __version__,
        "created": created,
        "licenses": [licence(environ)],
        "sources": sources,
        "resources": [resource(name, raw) for name, raw in sorted(files.items())],
    }


def package_json(package: dict[str, Any]) -> bytes:
    """The descriptor as deterministic bytes (sorted keys, two-space indent, UTF-8)."""
    return (json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
