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
    # A report on 2024–2025 (two years: a mid-term report), giving figures for each year.
    "report_kind": "mid-term",
    "period_start": "2024",
    "period_end": "2025",
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
    """A copy of the shipped data directory, sealed as shipped (its manifest.json comes along)."""
    shutil.copytree(SHIPPED, target)
    return target


def seal_as_is(data_dir: Path) -> str:
    """Seal the files of `data_dir` as they are, valid or not (tests that give a server broken data on
    purpose: `uniondash validate --seal` refuses to seal invalid files). The set's version id."""
    from uniondash.datastore import read_files, write_data_set

    return write_data_set(data_dir, read_files(data_dir).tables)


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
    seal_as_is(target)  # as `uniondash validate --seal` after a hand edit (the rows are valid)
    return target


# ---- SYNTHETIC next-year figures, typed into a workbook the way an analyst would (tests/unit/test_intake_workbook.py).
# A new source; its (invented) text goes into the server's source directory as `<id>.txt`, so its quotes are checked.
SYNTHETIC_2024_TEXT = "SYNTHETIC 合成测试文本，非报告原文：2024年，全市人才总量达到72万人，其中高技能人才14万人。\n"
SYNTHETIC_2024_SOURCE = {
    **SYNTHETIC_SOURCE,
    "id": "synthetic-report-2024",
    "title_zh": "合成测试：2024年度数据（非报告数据）",
    "title_en": "SYNTHETIC: 2024 figures (not from the report)",
    "published": "2025-01-15",
    "report_kind": "annual",
    "period_start": "2024",
    "period_end": "2024",
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


# ---- SYNTHETIC second edition (issue 25): a 2024 annual report and a 2014–2018 five-year report, for
# some metrics, beside the shipped 2019–2023 five-year report. Invented numbers, marked SYNTHETIC in every
# source title, quote and note. The rows are chosen so that comparisons are drawn (2014–2018 against
# 2019–2023, 2023 against 2024) and refused (persons against person-times, the city against the
# federation alone, one year against a five-year total).
EDITION_2024 = {
    **SYNTHETIC_SOURCE,
    "id": "synthetic-annual-2024",
    "publication_zh": "合成测试年报",
    "publication_en": "Synthetic annual report",
    "title_zh": "合成测试：2024年度工作报告（非真实数据）",
    "title_en": "SYNTHETIC: annual report 2024 (not real figures)",
    "published": "2025-01-15",
    "report_kind": "annual",
    "period_start": "2024",
    "period_end": "2024",
    "citation_zh": "合成测试年报 2025年1月15日",
    "citation_en": "Synthetic annual report, 15 January 2025",
}
EDITION_2014_2018 = {
    **SYNTHETIC_SOURCE,
    "id": "synthetic-five-year-2018",
    "publication_zh": "合成测试日报",
    "publication_en": "Synthetic Daily",
    "title_zh": "合成测试：2014–2018年五年工作报告（非真实数据）",
    "title_en": "SYNTHETIC: five-year report 2014–2018 (not real figures)",
    "published": "2018-11-28",
    "report_kind": "five-year",
    "period_start": "2014",
    "period_end": "2018",
    "citation_zh": "合成测试日报 2018年11月28日",
    "citation_en": "Synthetic Daily, 28 November 2018",
}

# (id, base fact id, metric, scope, number, unit as written, qualifier, part_of): each row copies its
# base fact's programme, labels, level and kind, with the edition's period and source.
EDITION_ROWS: dict[str, list[tuple[str, str, str, str, str, str, str, str]]] = {
    "synthetic-annual-2024": [
        ("aid-winter-funds-2024", "aid-winter-funds", "funds-raised", "city", "6100", "万元", "", ""),
        ("aid-summer-visits-2024", "aid-summer-visits", "person-times-helped", "city", "11", "万人次", "余", ""),
        ("workforce-talent-total-2024", "workforce-talent-total", "talent", "city", "72", "万人", "", ""),
        (
            "workforce-high-skilled-2024",
            "workforce-high-skilled",
            "talent",
            "city",
            "14",
            "万人",
            "",
            "workforce-talent-total-2024",
        ),
    ],
    "synthetic-five-year-2018": [
        ("aid-winter-funds-2014-2018", "aid-winter-funds", "funds-raised", "city", "2.1", "亿元", "", ""),
        # Persons, where 2019–2023 counts person-times: never compared.
        ("aid-winter-people-2014-2018", "aid-winter-people", "people-helped", "city", "31", "万人", "", ""),
        # The federation's own funds only: compared with its own 258.5万元, never with the city's 2163.5万元.
        (
            "aid-autumn-funds-federation-2014-2018",
            "aid-autumn-funds-federation",
            "funds-raised",
            "federation",
            "180",
            "万元",
            "",
            "",
        ),
        (
            "models-model-workers-municipal-2014-2018",
            "models-model-workers-municipal",
            "model-workers",
            "city",
            "150",
            "名",
            "",
            "",
        ),
    ],
}


def edition_rows(source: dict[str, str], base_facts: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """The SYNTHETIC facts.csv rows of one invented edition."""
    rows = []
    for fact_id, base_id, metric, scope, number, unit, qualifier, part_of in EDITION_ROWS[source["id"]]:
        base = base_facts[base_id]
        scale = 100_000_000 if unit.startswith("亿") else 10_000 if unit.startswith("万") else 1
        # '11万余人次', as the report writes its 52万余人次: the qualifier after the scale.
        as_written = f"{number}{unit[:1]}{qualifier}{unit[1:]}" if qualifier else f"{number}{unit}"
        rows.append(
            {
                **base,
                "id": fact_id,
                "metric_id": metric,
                "scope_id": scope,
                "value": f"{float(number) * scale:.6f}".rstrip("0").rstrip("."),
                "as_written": as_written,
                "number_as_written": number,
                "unit_as_written": unit,
                "qualifier": qualifier,
                "period_start": source["period_start"],
                "period_end": source["period_end"],
                "part_of": part_of,
                "numerator_id": "",
                "denominator_id": "",
                "source_id": source["id"],
                "source_quote": f"SYNTHETIC 合成测试：{base['label_zh']}{as_written}",
                "note": "SYNTHETIC test row, not from the report",
                "note_zh": "合成测试数据，非报告原文",
            }
        )
    return rows


def second_edition_data_dir(
    target: Path, editions: tuple[dict[str, str], ...] = (EDITION_2024, EDITION_2014_2018)
) -> Path:
    """SYNTHETIC: the shipped data with the rows of a 2024 annual report and a 2014–2018 five-year report
    appended (sources at the end of sources.csv, as an analyst or `import-xlsx` adds them)."""
    if not target.exists():
        copy_shipped(target)
    append_edition(target, *editions)
    return target


def append_edition(target: Path, *sources: dict[str, str]) -> None:
    """Append SYNTHETIC editions (their sources and rows) to the data directory `target`, as CSV edits, and
    seal the files as the new data set (as `import-xlsx` writes one)."""
    facts = {row["id"]: row for row in read_rows(target / "facts.csv")}
    append_rows(target / "sources.csv", list(sources))
    append_rows(target / "facts.csv", [row for source in sources for row in edition_rows(source, facts)])
    seal_as_is(target)
