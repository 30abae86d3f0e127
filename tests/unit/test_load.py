"""The loader: the shipped data loads typed, and every kind of broken input stops it with file/row/column.

The files are edited in place and checked as they are (`load_files`, what `uniondash validate` does before
sealing); that servers and commands take only sealed sets is tested in test_datastore.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.synthetic import read_rows
from uniondash.errors import DataError
from uniondash.load import FILES, load_files


def rewrite(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    """Apply `edit(rows)` to a CSV's rows (list of dicts) and write it back."""
    rows = read_rows(path)
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    rows = edit(rows) or rows
    header = list(rows[0].keys()) if rows else header
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def set_cell(path: Path, row_id: str, column: str, value: str) -> None:
    def edit(rows):  # type: ignore[no-untyped-def]
        for row in rows:
            if row.get("id") == row_id:
                row[column] = value

    rewrite(path, edit)


def problems_of(data_dir: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_files(data_dir)
    return [str(problem) for problem in caught.value.problems]


def line_of(path: Path, row_id: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"{row_id},"):
            return number
    raise AssertionError(row_id)


# ---- the shipped data ------------------------------------------------------------------------


def test_shipped_data_loads_typed(dataset):
    facts = dataset.facts
    assert len(facts) == len(read_rows(Path(dataset.data_dir) / "facts.csv"))
    assert str(facts["value"].dtype) == "float64"
    assert str(facts["period_start"].dtype) == "int64"
    assert facts["id"].is_unique
    # joined from the dimension files
    assert set(facts["section_id"]) == set(dataset.sections["id"])
    assert facts.loc[facts["id"] == "aid-winter-funds", "unit_zh"].item() == "元"
    assert dataset.measures["summable"].dtype == bool


def test_every_section_of_the_report_has_figures(dataset):
    counts = dataset.facts.groupby("section_id").size()
    assert set(counts.index) == {"intro", "ideology", "aid", "models", "workforce", "relations", "new-forms"}
    assert (counts > 0).all()


def test_report_consistency_holds(dataset):
    facts = dataset.facts.set_index("id")
    cases, mediated = facts.loc["relations-dispute-cases", "value"], facts.loc["relations-disputes-mediated", "value"]
    assert round(100 * mediated / cases, 1) == facts.loc["relations-mediation-rate", "value"] == 71.6
    assert facts.loc["aid-autumn-funds-federation", "part_of"] == "aid-autumn-funds"


@pytest.mark.parametrize("with_bom", [True, False])
def test_utf8_with_or_without_bom_loads(data_copy, with_bom):
    for name in FILES:
        path = data_copy / f"{name}.csv"
        text = path.read_text(encoding="utf-8-sig")
        path.write_bytes(("\ufeff" if with_bom else "").encode() + text.encode("utf-8"))
    assert len(load_files(data_copy).facts) > 80


# ---- each kind of bad input --------------------------------------------------------------------


def test_missing_file(data_copy):
    (data_copy / "metrics.csv").unlink()
    assert "metrics.csv: file is missing" in problems_of(data_copy)


def test_missing_column(data_copy):
    rewrite(data_copy / "facts.csv", lambda rows: [{k: v for k, v in row.items() if k != "qualifier"} for row in rows])
    assert "facts.csv: column 'qualifier': column is missing" in problems_of(data_copy)


def test_unexpected_column(data_copy):
    rewrite(data_copy / "levels.csv", lambda rows: [{**row, "colour": "red"} for row in rows])
    assert any("levels.csv: column 'colour': unexpected column" in p for p in problems_of(data_copy))


def test_non_number(data_copy):
    facts = data_copy / "facts.csv"
    set_cell(facts, "aid-winter-funds", "value", "2.8亿")
    line = line_of(facts, "aid-winter-funds")
    assert f"facts.csv:{line}: column 'value': not a number: '2.8亿'" in problems_of(data_copy)


def test_non_integer_year(data_copy):
    facts = data_copy / "facts.csv"
    set_cell(facts, "aid-winter-funds", "period_start", "二〇一九")
    line = line_of(facts, "aid-winter-funds")
    assert any(
        p.startswith(f"facts.csv:{line}: column 'period_start': not a whole number") for p in problems_of(data_copy)
    )


def test_duplicate_id(data_copy):
    facts = data_copy / "facts.csv"
    rewrite(facts, lambda rows: [*rows, dict(rows[1])])
    problems = problems_of(data_copy)
    duplicate = read_rows(facts)[1]["id"]
    assert any(f"column 'id': duplicate id '{duplicate}'" in p for p in problems)


def test_unknown_programme(data_copy):
    facts = data_copy / "facts.csv"
    set_cell(facts, "aid-winter-funds", "programme_id", "winter-warmt")
    line = line_of(facts, "aid-winter-funds")
    expected = f"facts.csv:{line}: column 'programme_id': unknown id, not in programmes.csv: 'winter-warmt'"
    assert expected in problems_of(data_copy)


def test_unknown_section_in_programmes(data_copy):
    set_cell(data_copy / "programmes.csv", "spring-jobs", "section_id", "nowhere")
    assert any("programmes.csv" in p and "not in sections.csv" in p for p in problems_of(data_copy))


def test_bad_encoding_names_the_line(data_copy):
    facts = data_copy / "facts.csv"
    text = facts.read_text(encoding="utf-8")
    facts.write_bytes(text.encode("gbk"))
    problems = problems_of(data_copy)
    assert len(problems) == 1
    assert problems[0].startswith("facts.csv:2: not UTF-8 text")


def test_wrong_number_of_fields(data_copy):
    facts = data_copy / "facts.csv"
    with facts.open("a", encoding="utf-8") as handle:
        handle.write("broken-row,winter-warmth,funds-raised\n")
    lines = facts.read_text(encoding="utf-8").count("\n")
    assert any(p.startswith(f"facts.csv:{lines}: has 3 fields") for p in problems_of(data_copy))


def test_empty_required_cell(data_copy):
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "source_quote", "")
    assert any("column 'source_quote': empty; a value is required" in p for p in problems_of(data_copy))


def test_negative_value(data_copy):
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "value", "-280000000")
    assert any("column 'value': negative" in p for p in problems_of(data_copy))


def test_unknown_qualifier(data_copy):
    set_cell(data_copy / "facts.csv", "aid-summer-goods", "qualifier", "左右")
    assert any("column 'qualifier': unknown qualifier" in p for p in problems_of(data_copy))


def test_rate_above_100(data_copy):
    facts = data_copy / "facts.csv"
    for column, value in [("value", "930"), ("as_written", "930%以上"), ("number_as_written", "930")]:
        set_cell(facts, "relations-bargaining-rate", column, value)
    set_cell(facts, "relations-bargaining-rate", "source_quote", "930%以上")
    problems = problems_of(data_copy)
    assert any("column 'value': a rate must lie between 0 and 100" in p for p in problems)


def test_part_larger_than_whole(data_copy):
    facts = data_copy / "facts.csv"
    for column, value in [("value", "700"), ("as_written", "700起"), ("number_as_written", "700")]:
        set_cell(facts, "relations-disputes-mediated", column, value)
    set_cell(facts, "relations-disputes-mediated", "source_quote", "其中调解撤诉结案700起")
    problems = problems_of(data_copy)
    line = line_of(facts, "relations-disputes-mediated")
    assert any(p.startswith(f"facts.csv:{line}: column 'part_of': a part must share") for p in problems)


def test_stated_rate_must_match_its_parts(data_copy):
    facts = data_copy / "facts.csv"
    for column, value in [("value", "335"), ("as_written", "335起"), ("number_as_written", "335")]:
        set_cell(facts, "relations-dispute-cases", column, value)
    set_cell(facts, "relations-dispute-cases", "source_quote", "累计受理劳动争议案件335起")
    assert any("column 'numerator_id': the stated rate does not equal numerator" in p for p in problems_of(data_copy))


def test_value_must_match_figure_as_written(data_copy):
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "value", "28000000")  # 2.8亿 is 280 000 000
    assert any("column 'value': is not number_as_written times the scale" in p for p in problems_of(data_copy))


def test_as_written_must_stand_in_the_quote(data_copy):
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "source_quote", "筹集“冬送温暖”资金")
    assert any("column 'as_written': does not appear in source_quote" in p for p in problems_of(data_copy))


def test_person_times_never_read_as_persons(data_copy):
    # 48.3万人次 filed under a metric counted in people (人) is refused.
    set_cell(data_copy / "facts.csv", "aid-winter-people", "metric_id", "people-helped")
    assert any("column 'unit_as_written': does not fit the metric's unit" in p for p in problems_of(data_copy))


def test_period_order(data_copy):
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "period_start", "2024")
    assert any("column 'period_start': is after period_end" in p for p in problems_of(data_copy))


def test_every_problem_is_reported_not_just_the_first(data_copy):
    facts = data_copy / "facts.csv"
    set_cell(facts, "aid-winter-funds", "value", "lots")
    set_cell(facts, "aid-summer-goods", "programme_id", "nope")
    (data_copy / "scopes.csv").unlink()
    problems = problems_of(data_copy)
    assert any("column 'value'" in p for p in problems)
    assert any("column 'programme_id'" in p for p in problems)
    assert "scopes.csv: file is missing" in problems


def test_error_message_says_what_to_do(data_copy):
    (data_copy / "facts.csv").unlink()
    with pytest.raises(DataError) as caught:
        load_files(data_copy)
    message = str(caught.value)
    assert str(data_copy) in message
    assert "Nothing was loaded" in message and "uniondash validate" in message


def test_a_parent_file_failing_does_not_flood_foreign_keys(data_copy):
    (data_copy / "programmes.csv").write_text("id,section_id\n", encoding="utf-8")
    problems = problems_of(data_copy)
    assert not any("not in programmes.csv" in p for p in problems)
    assert any(p.startswith("programmes.csv") for p in problems)


# ---- CSV that parses but would lose or distort data ---------------------------------------------


def insert_quote(path: Path, row_id: str, column: str) -> int:
    """Put a stray '"' at the start of a cell of the row `row_id`, as a slip of the keyboard would; its line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    number = line_of(path, row_id)
    cells = lines[number - 1].split(",")
    cells[header.index(column)] = '"' + cells[header.index(column)]
    lines[number - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return number


def test_a_stray_quote_that_swallows_records_is_refused_at_its_line(data_copy):
    # Before: the quote ran on to the next '"' of the file, swallowed the records between, and the file
    # validated as "OK: 87 figures".
    facts = data_copy / "facts.csv"
    number = insert_quote(facts, "aid-household-employment", "source_quote")
    problems = problems_of(data_copy)
    assert problems == [
        f"facts.csv:{number}: not valid CSV: ',' expected after '\"'; a stray or unclosed \" on line {number}? "
        "Close the quote on that line or remove it"
    ]


@pytest.mark.parametrize("column", ["id", "as_written", "source_quote"])
def test_a_stray_quote_anywhere_is_refused_at_its_line(data_copy, column: str):
    # Every row, a quote at the start of a cell: always refused, always at that file and line.
    facts = data_copy / "facts.csv"
    original = facts.read_text(encoding="utf-8")
    ids = [row["id"] for row in read_rows(facts)]
    for row_id in ids[:: max(1, len(ids) // 10)]:
        facts.write_text(original, encoding="utf-8")
        number = insert_quote(facts, row_id, column)
        problems = problems_of(data_copy)
        assert any(p.startswith(f"facts.csv:{number}:") and "stray" in p for p in problems), (row_id, problems[:3])


def test_a_quote_closed_inside_a_cell_is_refused(data_copy):
    facts = data_copy / "facts.csv"
    set_cell(facts, "aid-household-employment", "label_en", "People")
    text = facts.read_text(encoding="utf-8").replace(",People,", ',"People"helped,', 1)
    facts.write_text(text, encoding="utf-8")
    number = line_of(facts, "aid-household-employment")
    assert any(p.startswith(f"facts.csv:{number}: not valid CSV") for p in problems_of(data_copy))


def test_a_line_break_inside_a_quoted_cell_is_refused(data_copy):
    set_cell(data_copy / "facts.csv", "aid-household-employment", "note", "first line\nsecond line")
    number = line_of(data_copy / "facts.csv", "aid-household-employment")
    problems = problems_of(data_copy)
    assert problems == [
        f"facts.csv:{number}: a quoted cell runs on from line {number} to line {number + 1}: a stray or unclosed "
        f'" on line {number}? Close the quote on that line or remove it (a cell may not hold a line break)'
    ]


def test_a_quote_in_the_header_that_runs_on_is_refused(data_copy):
    sections = data_copy / "sections.csv"
    sections.write_text('"' + sections.read_text(encoding="utf-8"), encoding="utf-8")
    problems = problems_of(data_copy)
    assert any(p.startswith("sections.csv:1: ") and 'stray or unclosed " on line 1' in p for p in problems)


@pytest.mark.parametrize("char", ["\x07", "\x00", "\t", "\x1b", "\x7f", "\x85", "\u2028"])
def test_control_characters_are_refused_in_any_text_cell(data_copy, char: str):
    set_cell(data_copy / "facts.csv", "aid-household-employment", "label_zh", f"推动{char}就业创业")
    set_cell(data_copy / "sections.csv", "aid", "label_en", f"A{char}id")
    number = line_of(data_copy / "facts.csv", "aid-household-employment")
    problems = problems_of(data_copy)
    code = f"U+{ord(char):04X}"
    assert f"facts.csv:{number}: column 'label_zh': holds the control character {code} at character 3" in " ".join(
        problems
    )
    assert any(
        p.startswith(f"sections.csv:{line_of(data_copy / 'sections.csv', 'aid')}: column 'label_en'") for p in problems
    )


def test_the_same_figure_under_a_second_id_is_refused_naming_both_rows(data_copy):
    facts = data_copy / "facts.csv"

    def copy_row(rows):  # type: ignore[no-untyped-def]
        twin = dict(next(row for row in rows if row["id"] == "aid-household-employment"), id="aid-jobs-again")
        return [*rows, twin]

    rewrite(facts, copy_row)
    first, second = line_of(facts, "aid-household-employment"), line_of(facts, "aid-jobs-again")
    assert problems_of(data_copy) == [
        f"facts.csv:{second}: column 'id': 'aid-jobs-again' repeats the figure of line {first} "
        "('aid-household-employment'): the same metric, programme, scope, level and period, and the same label_zh. "
        "Delete one of the two rows, or, if they are different figures, say how in their labels"
    ]


def test_a_second_row_from_the_same_phrase_is_refused_though_relabelled(data_copy):
    facts = data_copy / "facts.csv"

    def copy_row(rows):  # type: ignore[no-untyped-def]
        twin = next(row for row in rows if row["id"] == "aid-household-employment")
        return [*rows, dict(twin, id="aid-jobs-again", label_zh="就业", label_en="Jobs")]

    rewrite(facts, copy_row)
    problems = problems_of(data_copy)
    assert len(problems) == 1 and "the same as_written and source_quote" in problems[0]


def test_figures_alike_but_for_their_labels_are_different_figures(dataset):
    # County, township and park unions honoured: one metric, programme, scope, level and period, three figures.
    from uniondash.schema import duplicate_figures

    assert duplicate_figures(dataset.facts) == []
    honoured = dataset.facts[dataset.facts["metric_id"] == "unions-honoured"]
    assert len(honoured) >= 3


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"])
def test_bidirectional_controls_are_refused_in_any_text_cell(data_copy, char: str):
    set_cell(data_copy / "facts.csv", "aid-household-employment", "label_en", f"Jobs{char} helped")
    number = line_of(data_copy / "facts.csv", "aid-household-employment")
    code = f"U+{ord(char):04X}"
    assert problems_of(data_copy) == [
        f"facts.csv:{number}: column 'label_en': holds the bidirectional control character {code} at character 5: "
        "delete it (it is invisible and makes the text around it display in another order; retype the cell)"
    ]


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1+1)", "-2+3"])
def test_formula_like_text_is_refused_raw_and_read_back_when_stored_escaped(data_copy, text: str):
    facts = data_copy / "facts.csv"
    set_cell(facts, "aid-household-employment", "note", text)
    number = line_of(facts, "aid-household-employment")
    assert problems_of(data_copy) == [
        f"facts.csv:{number}: column 'note': starts with {text[0]!r}, which a spreadsheet would run as a formula: "
        f"store it with a leading apostrophe ('{text[0]}…), as uniondash import-xlsx does, or reword it"
    ]
    set_cell(facts, "aid-household-employment", "note", "'" + text)
    facts_frame = load_files(data_copy).facts.set_index("id")
    assert facts_frame.loc["aid-household-employment", "note"] == text  # the text as written, apostrophe off


def test_an_apostrophe_before_other_text_is_kept(data_copy):
    set_cell(data_copy / "facts.csv", "aid-household-employment", "note", "'quoted' reading")
    assert load_files(data_copy).facts.set_index("id").loc["aid-household-employment", "note"] == "'quoted' reading"


def test_text_longer_than_its_column_allows_is_refused(data_copy):
    from uniondash.schema import TEXT_BOUNDS

    set_cell(data_copy / "facts.csv", "aid-household-employment", "label_zh", "字" * 201)
    set_cell(data_copy / "facts.csv", "aid-household-employment", "note", "n" * 2000)  # at its bound: fine
    number = line_of(data_copy / "facts.csv", "aid-household-employment")
    assert TEXT_BOUNDS["label_zh"] == 200
    assert problems_of(data_copy) == [
        f"facts.csv:{number}: column 'label_zh': too long: 201 characters, at most 200 in this column "
        "(see data/README.md)"
    ]


def test_a_cell_over_the_csv_field_limit_is_named_too_long_not_a_stray_quote(data_copy):
    set_cell(data_copy / "facts.csv", "aid-household-employment", "note", "n" * 200_000)
    number = line_of(data_copy / "facts.csv", "aid-household-employment")
    (problem,) = problems_of(data_copy)
    # Named too long at its line, whether the csv module's field limit (131072, unless another module of the
    # process raised it) or the column's own bound stops it first; never "a stray quote".
    assert problem.startswith(f"facts.csv:{number}: ") and "stray quote" not in problem
    assert "longer than 131072 characters" in problem or "too long: 200000 characters, at most 2000" in problem
    assert "stray" not in problem
