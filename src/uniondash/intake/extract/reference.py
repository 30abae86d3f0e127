"""What `uniondash extract` reads of the published data: the tables its suggestions and its workbook use.

The suggestions (programme, metric, English label) come from the published figures, and the workbook lists
the published sources. Extract writes nothing to the data, and `import-xlsx` validates every row it will
write, so the command reads the sealed data set (`datastore.read_data_set`: one version, each file checked
against the manifest's SHA-256) without running the loader's checks on it: that keeps the command quicker
than `uniondash validate`, the issue's bound. A validated `Dataset` (the desk's) has the same tables.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from uniondash.datastore import read_data_set
from uniondash.errors import DataError, DataProblem


class Published(Protocol):
    """The published tables extract reads (a `model.Dataset` is one)."""

    @property
    def facts(self) -> pd.DataFrame: ...

    @property
    def metrics(self) -> pd.DataFrame: ...

    @property
    def scopes(self) -> pd.DataFrame: ...

    @property
    def sources(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class PublishedTables:
    facts: pd.DataFrame
    metrics: pd.DataFrame
    scopes: pd.DataFrame
    sources: pd.DataFrame


_NEEDED = {
    "facts": ("id", "programme_id", "metric_id", "label_zh", "label_en", "source_quote"),
    "metrics": ("id", "unit_zh"),
    "scopes": ("id", "label_zh", "kind"),
    "sources": ("id",),
}


def read_published(data_dir: str | Path) -> PublishedTables:
    """The sealed data set of `data_dir`, its four tables as text; `DataError` naming a file that is not one
    of the set, or a table without a column extract needs."""
    data_set = read_data_set(Path(data_dir))
    frames = {}
    for name, needed in _NEEDED.items():
        try:
            frame = pd.read_csv(io.BytesIO(data_set.tables[name]), dtype=str, keep_default_na=False)
        except (KeyError, ValueError) as error:  # no such file in the set, or not CSV (pandas' errors are ValueErrors)
            problem = "file missing" if isinstance(error, KeyError) else f"not readable as CSV ({error})"
            raise DataError([DataProblem(f"{name}.csv", None, None, problem)], str(data_dir)) from None
        missing = [column for column in needed if column not in frame.columns]
        if missing:
            raise DataError([DataProblem(f"{name}.csv", 1, missing[0], "column missing")], str(data_dir))
        frames[name] = frame
    return PublishedTables(**frames)
