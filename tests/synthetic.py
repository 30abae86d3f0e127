"""SYNTHETIC test data: NOT from the report. Builds data directories for tests in a temporary folder.

`multi_year_data_dir` copies the shipped data/ and appends invented rows for 2024 and 2025, the way
an analyst would append next year's figures, so that year filters and trends can be tested. Every
invented row cites the source `synthetic-test-data` and says SYNTHETIC in its note. Nothing here
is ever written into data/.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "data"
SYNTHETIC_SOURCE = {
    "id": "synthetic-test-data",
    "publication_zh": "合成测试数据",
    "publication_en": "Synthetic test data",
    "title_zh": "合成测试数据（非报告数据）",
    "title_en": "Synthetic test data (not from the report)",
    "published": "2026-01-01",
    "page": "1",
    "page_name_zh": "",
    "authors_zh": "",
    "authors_en": "",
    "citation_zh": "合成测试数据",
    "citation_en": "Synthetic test data",
    "local_copy": "",
}

# (base fact id, year, number as written, unit as written): invented yearly figures.
SYNTHETIC_YEARS = [
    ("aid-winter-funds", 2024, "0.61", "亿元"),
    ("aid-winter-funds", 2025, "0.65", "亿元"),
    ("aid-winter-people", 2024, "10.2", "万人次"),
    ("aid-winter-people", 2025, "11.4", "万人次"),
    ("aid-autumn-students", 2024, "930", "人"),
    ("aid-autumn-students", 2025, "987", "人"),
    ("models-model-workers-municipal", 2024, "35", "名"),
]


def copy_shipped(target: Path) -> Path:
    shutil.copytree(SHIPPED, target)
    return target


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        for row in rows:
            writer.writerow(row)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def multi_year_data_dir(target: Path) -> Path:
    """A data directory with the report's rows plus SYNTHETIC rows for 2024 and 2025."""
    copy_shipped(target)
    append_rows(target / "sources.csv", [SYNTHETIC_SOURCE])
    facts = {row["id"]: row for row in read_rows(target / "facts.csv")}
    new_rows = []
    for base_id, year, number, unit in SYNTHETIC_YEARS:
        base = facts[base_id]
        scale = 100_000_000 if unit.startswith("亿") else 10_000 if unit.startswith("万") else 1
        value = round(float(number) * scale, 6)
        as_written = f"{number}{unit}"
        new_rows.append(
            {
                **base,
                "id": f"{base_id}-{year}",
                "value": f"{value:g}" if value < 1e15 else str(value),
                "as_written": as_written,
                "number_as_written": number,
                "unit_as_written": unit,
                "qualifier": "",
                "period_start": str(year),
                "period_end": str(year),
                "part_of": "",
                "source_id": SYNTHETIC_SOURCE["id"],
                "source_quote": f"SYNTHETIC 合成测试数据：{base['label_zh']}{as_written}",
                "note": "SYNTHETIC test row, not from the report",
            }
        )
    append_rows(target / "facts.csv", new_rows)
    return target


# ---- SYNTHETIC next-year figures, typed into a workbook the way an analyst would (tests/unit/test_intake_workbook.py).
# A new source with a local copy of its (invented) text, so its quotes are checked on import.
SYNTHETIC_2024_TEXT = "SYNTHETIC 合成测试文本，非报告原文：2024年，全市人才总量达到72万人，其中高技能人才14万人。\n"
SYNTHETIC_2024_SOURCE = {
    **SYNTHETIC_SOURCE,
    "id": "synthetic-report-2024",
    "title_zh": "合成测试：2024年度数据（非报告数据）",
    "title_en": "SYNTHETIC: 2024 figures (not from the report)",
    "published": "2025-01-15",
    "citation_zh": "合成测试数据 2025年1月15日",
    "citation_en": "Synthetic test data, 15 January 2025",
}


def synthetic_2024_rows() -> list[dict[str, str]]:
    """Two SYNTHETIC 2024 figures continuing the 2023 talent figures (so a change across years appears),
    with what people type: 万 in a value cell, full-width digits, a number stored as text."""
    common = {
        "programme_id": "talent",
        "metric_id": "talent",
        "qualifier": "",
        "period_start": "2024",
        "period_end": "2024",
        "scope_id": "city",
        "level_id": "",
        "kind": "aggregate",
        "numerator_id": "",
        "denominator_id": "",
        "source_id": SYNTHETIC_2024_SOURCE["id"],
        "note": "SYNTHETIC test row, not from the report",
    }
    return [
        {
            **common,
            "id": "workforce-talent-total-2024",
            "label_zh": "全市人才总量",
            "label_en": "Talent pool, whole city",
            "value": "72万",
            "as_written": "72万人",
            "number_as_written": "72",
            "unit_as_written": "万人",
            "part_of": "",
            "source_quote": "全市人才总量达到72万人",
        },
        {
            **common,
            "id": "workforce-high-skilled-2024",
            "label_zh": "高技能人才",
            "label_en": "High-skilled talent",
            "value": "１４００００",
            "as_written": "14万人",
            "number_as_written": "14",
            "unit_as_written": "万人",
            "part_of": "workforce-talent-total-2024",
            "source_quote": "其中高技能人才14万人",
        },
    ]
