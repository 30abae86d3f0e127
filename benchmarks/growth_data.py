"""SYNTHETIC data for the growth benchmark: NOT from the report. Written into a temporary directory only.

`grown_data_dir(target, multiplier)` copies the shipped data/ and appends (multiplier − 1) blocks of
invented rows, each block a copy of every fact for one (district, year): districts "synthetic-district-01"
… "-10" (scope kind `district`), one-year periods 2014…2023. So 100× is 10 districts × 10 years of every
metric, the way figures would pile up if the union reported every district every year. Each copy gets
a unique id, its parts and rates point at the copies of their wholes and numerators in the same block
(the loader's consistency checks pass), and it cites the source `synthetic-growth-data`.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from uniondash.datastore import read_files, write_data_set

SHIPPED = Path(__file__).resolve().parents[1] / "data"
SOURCE_ID = "synthetic-growth-data"
DISTRICTS = 10
YEARS = tuple(range(2014, 2024))


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _append(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields).writerows(rows)


def grown_data_dir(target: Path, multiplier: int) -> Path:
    """A data directory with about `multiplier` × the shipped facts (1 = a plain copy)."""
    if SHIPPED.resolve() in (target.resolve(), *target.resolve().parents):
        raise ValueError("synthetic data never goes under data/")
    if not 1 <= multiplier <= DISTRICTS * len(YEARS):
        raise ValueError(f"multiplier must be 1–{DISTRICTS * len(YEARS)}")
    shutil.copytree(SHIPPED, target)
    if multiplier == 1:
        return target
    source_fields, _ = _read(target / "sources.csv")
    source = dict.fromkeys(source_fields, "")
    source.update(
        id=SOURCE_ID,
        publication_zh="合成测试数据",
        publication_en="Synthetic test data",
        title_zh="合成增长测试数据（非报告数据）",
        title_en="Synthetic growth test data (not from the report)",
        published="2026-01-01",
        page="1",
        citation_zh="合成测试数据",
        citation_en="Synthetic test data",
    )
    _append(target / "sources.csv", source_fields, [source])
    blocks = [(district, year) for district in range(1, DISTRICTS + 1) for year in YEARS][: multiplier - 1]
    districts = sorted({district for district, _ in blocks})
    scope_fields, _ = _read(target / "scopes.csv")
    _append(
        target / "scopes.csv",
        scope_fields,
        [
            {
                "id": f"synthetic-district-{d:02d}",
                "label_zh": f"合成区县{d:02d}",
                "label_en": f"District {d:02d}",
                "kind": "district",
            }
            for d in districts
        ],
    )
    fact_fields, facts = _read(target / "facts.csv")
    rows = []
    for district, year in blocks:
        suffix = f"-d{district:02d}-{year}"

        def local(fact_id: str, suffix: str = suffix) -> str:
            return f"{fact_id}{suffix}" if fact_id else ""

        for fact in facts:
            rows.append(
                {
                    **fact,
                    "id": local(fact["id"]),
                    "part_of": local(fact["part_of"]),
                    "numerator_id": local(fact["numerator_id"]),
                    "denominator_id": local(fact["denominator_id"]),
                    "scope_id": f"synthetic-district-{district:02d}",
                    "period_start": str(year),
                    "period_end": str(year),
                    "source_id": SOURCE_ID,
                    "source_quote": f"SYNTHETIC 合成测试数据：{fact['label_zh']}{fact['as_written']}",
                    "note": "SYNTHETIC growth-benchmark row, not from the report",
                }
            )
    _append(target / "facts.csv", fact_fields, rows)
    # Sealed as one data set, as `uniondash validate --seal` would after such an edit (servers take sealed sets).
    write_data_set(target, read_files(target).tables)
    return target
