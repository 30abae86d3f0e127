"""The light constants of `uniondash.columns` agree with the loader's schemas, and extract reads the published
tables without the loader, the same rows as from a validated Dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.synthetic import copy_shipped
from uniondash import columns, schema
from uniondash.errors import DataError
from uniondash.intake.extract import extract_text
from uniondash.intake.extract.reference import read_published
from uniondash.load import load_dataset

DATA = Path(__file__).resolve().parents[2] / "data"


def test_fact_columns_are_the_schemas_in_order() -> None:
    parents = dict.fromkeys(("programmes", "metrics", "scopes", "levels", "kinds", "sources"))
    assert tuple(schema.facts_schema(parents, None).columns) == columns.FACT_COLUMNS
    assert schema.WRITTEN_UNITS is columns.WRITTEN_UNITS


def test_extract_reads_the_published_tables_as_a_validated_dataset_does() -> None:
    # SYNTHETIC sentence; the suggestions come from the shipped data either way.
    text = "2024年，开展劳模工匠宣讲300场，筹集“冬送温暖”资金3.1亿元，慰问困难职工2.1万户。"
    light = extract_text(text, report_date="2024-12-31", dataset=read_published(DATA)).rows
    full = extract_text(text, report_date="2024-12-31", dataset=load_dataset(DATA)).rows
    assert light == full and any(row["label_en"] for row in light) and any(row["metric_id"] for row in light)


def test_a_data_folder_that_is_not_a_sealed_set_is_named(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path / "data")
    with (folder / "facts.csv").open("a", encoding="utf-8") as facts:
        facts.write("\n")  # a hand edit, not sealed
    with pytest.raises(DataError, match=r"facts\.csv"):
        read_published(folder)


def test_extract_without_a_workbook_loads_neither_the_loader_nor_openpyxl() -> None:
    import subprocess

    code = (
        "import sys; from uniondash.intake.extract import extract_file; "
        "from uniondash.intake.extract.listing import proposal_csv; "
        "from uniondash.intake.extract.reference import read_published; "
        "print(sorted(m for m in ('pandera', 'openpyxl') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"
