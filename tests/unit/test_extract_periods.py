"""How `uniondash extract` decides a figure's period, rule by rule, on SYNTHETIC texts (invented, not from any
report): its own clause, its sentence, its paragraph, an earlier paragraph, the heading it stands under, the
document's kind and date, the report's date; and the `period_basis` column says which, marking the guesses."""

from __future__ import annotations

from typing import Any

import pytest

from uniondash.intake.extract import PROPOSAL_COLUMNS, extract_text
from uniondash.intake.extract.periods import document_period, heading_level


def periods(text: str, report_date: str | None = "2023-11-30") -> dict[str, tuple[Any, Any, str]]:
    """as_written → (period_start, period_end, period_basis) for each proposed row."""
    rows = extract_text(text, report_date=report_date).rows
    return {row["as_written"]: (row["period_start"], row["period_end"], row["period_basis"]) for row in rows}


def years(text: str, report_date: str | None = "2023-11-30") -> dict[str, tuple[Any, Any]]:
    return {written: (start, end) for written, (start, end, _) in periods(text, report_date).items()}


def test_the_basis_is_a_column_of_the_proposal() -> None:
    assert "period_basis" in PROPOSAL_COLUMNS


def test_own_clause_first_then_an_earlier_clause_of_the_sentence() -> None:
    found = periods("今年，全市培训职工1200人，去年为1000人。")
    assert found["1200人"][:2] == (2023, 2023) and found["1200人"][2] == "sentence: 今年"
    assert found["1000人"] == (2022, 2022, "clause: 去年")


def test_a_comparison_sets_only_its_own_clause() -> None:
    found = years("2022年以来，全市建成职工驿站320个，比2019年增加150个。")
    assert found == {"320个": (2022, 2023), "150个": (2019, 2023)}


def test_a_start_named_before_its_verb_runs_to_the_report() -> None:
    found = years("自2007年8月区总工会启动助学活动以来，累计资助学生573名，发放助学金145.9万元。", "2020-09-01")
    assert found == {"573名": (2007, 2020), "145.9万元": (2007, 2020)}


def test_dang_nian_is_the_year_named_before_it() -> None:
    found = years("助学活动从2002年启动以来，助学金从当年的每人400元增加到如今每人3000元。", "2014-08-29")
    assert found["400元"] == (2002, 2002)
    assert found["3000元"] == (2014, 2014)


def test_a_paragraph_opening_and_a_five_year_cue_carried_to_later_paragraphs() -> None:
    text = "五年来，全市工会筹集资金3.1亿元。\n\n全市建成职工书屋860个。\n\n二、主要做法\n\n建成驿站40个。"
    found = periods(text)
    assert found["3.1亿元"][:2] == (2019, 2023)
    assert found["860个"] == (2019, 2023, "earlier paragraph: 五年来")
    assert found["40个"][2] != "earlier paragraph: 五年来"  # a heading ends the part


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("一、过去五年的工作回顾", 1),
        ("（二）帮扶服务", 2),
        ("3. 劳模工匠", 3),
        ("（4）职工书屋", 4),
        ("2023年工作回顾", None),
    ],
)
def test_heading_levels(line: str, level: int | None) -> None:
    assert heading_level(line) == level


def test_the_heading_and_its_parent_set_the_period_of_what_stands_under_them() -> None:
    text = (
        "2024年1月10日\n\n"
        "一、2023年工作回顾\n\n"
        "（一）帮扶服务\n\n"
        "全市工会慰问困难职工2600户，发放慰问金180万元。\n\n"
        "二、2024年工作安排\n\n"
        "计划新建职工驿站50个。"
    )
    found = periods(text, None)
    assert found["2600户"] == (2023, 2023, "heading: 2023年")
    assert found["180万元"][:2] == (2023, 2023)
    assert found["50个"] == (2024, 2024, "heading: 2024年")


def test_a_congress_report_heading_of_five_years() -> None:
    text = (
        "在市工会第九次代表大会上的报告\n\n"
        "一、过去五年的工作回顾\n\n"
        "全市工会组建基层工会1.2万家，发展会员86万人。\n\n"
        "二、今后五年的主要任务\n\n"
        "全市建成职工之家300个。"
    )
    found = periods(text, "2023-05-10")
    assert found["1.2万家"] == (2019, 2023, "heading: 过去五年")
    # No cue under the second heading: the congress report's five years, a guess the row says is one.
    start, end, basis = found["300个"]
    assert (start, end) == (2019, 2023)
    assert basis.startswith("document: a congress report") and basis.endswith("(a guess: confirm)")


def test_a_story_in_a_congress_report_is_as_of_the_report() -> None:
    text = "在市工会第九次代表大会上的报告\n\n他扎根一线，带徒40余名。"
    found = periods(text, "2023-05-10")
    assert found["40余名"][:2] == (2023, 2023)
    assert found["40余名"][2].startswith("report date: 2023, a story's figure")


def test_an_annual_report_gives_its_year_though_delivered_the_next() -> None:
    text = "县总工会2021年工作报告\n\n全县工会发放助学金52万元，资助学生260名。\n\n建成职工书屋12个。"
    found = periods(text, "2022-04-29")
    assert {written: value[:2] for written, value in found.items()} == {
        "52万元": (2021, 2021),
        "260名": (2021, 2021),
        "12个": (2021, 2021),
    }
    assert found["12个"][2] == "document: an annual report: 2021年工作报告 (a guess: confirm)"


def test_a_campaign_title_gives_its_year() -> None:
    text = "2024年春节“送温暖”活动启动\n\n市总工会筹集资金170万元，走访慰问162家企业。"
    found = periods(text, "2023-12-28")
    assert {written: value[:2] for written, value in found.items()} == {"170万元": (2024, 2024), "162家": (2024, 2024)}
    assert found["170万元"][2].startswith("document: the year its title name")


def test_the_text_opening_with_a_year_sets_it() -> None:
    assert document_period("2021年，全县各级工会围绕中心工作。\n\n建成驿站12个。", 2022) is not None
    assert years("2021年，全县各级工会建成驿站12个。\n\n发放慰问金30万元。", "2022-04-29")["30万元"] == (2021, 2021)


def test_no_period_word_is_the_reports_year_and_says_it_is_a_guess() -> None:
    found = periods("市总工会为职工发放慰问金30万元。")
    assert found["30万元"] == (2023, 2023, "report date: 2023, no period word (a guess: confirm)")


def test_no_period_word_and_no_date_leaves_the_period_empty_and_says_so() -> None:
    found = periods("市总工会为职工发放慰问金30万元。\n\n五年来，建成驿站40个。", None)
    assert found["30万元"] == ("", "", "none: no period word and no report date (give --report-date)")
    assert found["40个"] == ("", "", "sentence: 五年来 (needs --report-date)")


def test_the_workbook_shows_the_basis_beside_each_row(dataset: Any) -> None:
    from uniondash.exports.xlsx_data import DATA_SHEET
    from uniondash.intake.extract.output import READING_HEADERS, proposal_workbook

    proposal = extract_text(
        "县总工会2021年工作报告\n\n今年发放助学金52万元。\n\n建成职工书屋12个。", report_date="2022-04-29"
    )
    sheet = proposal_workbook(proposal, dataset)[DATA_SHEET["zh"]]
    header = [cell.value for cell in sheet[1]]
    column = header.index(READING_HEADERS["zh"][3]) + 1
    assert READING_HEADERS["zh"][3].startswith("年份依据")
    assert [sheet.cell(row=row, column=column).value for row in (2, 3)] == [
        "clause: 今年",
        "document: an annual report: 2021年工作报告 (a guess: confirm)",
    ]


def test_a_comparison_with_the_year_before_runs_from_the_year_before_the_figures_own() -> None:
    found = periods("去年，劳动争议调解成功率为78.4%，比上年提高5个百分点。", "2024-12-20")
    assert found["78.4%"] == (2023, 2023, "sentence: 去年")
    assert found["5个百分点"] == (2022, 2023, "clause: 比上年")
    text = "县总工会2023年工作报告\n\n全县会员12.3万人，同比增长6.2%，比2020年增加2.1万人。"
    found = periods(text, "2024-03-01")
    assert found["6.2%"] == (2022, 2023, "clause: 同比")
    assert found["2.1万人"] == (2020, 2023, "clause: 比2020年")


def test_a_part_of_a_year_takes_the_year_the_figure_stands_in() -> None:
    text = (
        "县总工会2023年工作报告\n\n上半年发放慰问金30万元，年底建成驿站10个。\n\n3月，举办招聘会5场。\n\n"
        "一、2024年工作安排\n\n全年培训职工800人。"
    )
    found = periods(text, "2024-03-01")  # delivered in 2024, about 2023
    assert found["30万元"] == (2023, 2023, "clause: 上半年 of 2023")
    assert found["10个"] == (2023, 2023, "clause: 年底 of 2023")
    assert found["5场"] == (2023, 2023, "sentence: 3月 of 2023")
    assert found["800人"] == (2024, 2024, "clause: 全年 of 2024")


def test_a_first_sentence_naming_the_campaigns_year_sets_it_but_not_a_start_or_a_dateline() -> None:
    found = periods("近日，市总工会启动2024年春节“送温暖”活动。\n\n共慰问困难职工1200户。", "2023-12-28")
    assert found["1200户"] == (2024, 2024, "document: the year its first sentence name(s): 2024年 (a guess: confirm)")
    assert document_period("“金秋助学”活动自2003年开展以来，惠及学子千余名。", 2005) is None
    assert document_period("2014年8月29日上午，市工会举行助学金发放仪式。", 2014) is None


def test_the_guesses_are_counted_and_marked_in_the_terminal() -> None:
    from uniondash.intake.extract.output import describe_rows

    proposal = extract_text("市总工会为职工发放慰问金30万元。五年来，建成驿站40个。", report_date="2023-12-01")
    assert any(
        message.startswith("Periods: 1 from the words around the figure, 1 guessed") for message in proposal.messages
    )
    lines = describe_rows(proposal)
    assert "  2023?  " in lines[0] and "  2019–2023  " in lines[1]
