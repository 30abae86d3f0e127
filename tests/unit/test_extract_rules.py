"""The extraction rules, form by form: tables of SYNTHETIC sentences (not from any report) → figures.

Each case gives a sentence and every figure it must yield as (as_written, value, qualifier, unit_as_written);
a sentence that yields nothing is an exclusion (dates, ordinals, titles, phone numbers…).
"""

from __future__ import annotations

import pytest

from uniondash.intake.extract import extract_text
from uniondash.intake.extract.rules import find_figures
from uniondash.intake.extract.text import join_wrapped_lines, normalise


def figures(sentence: str) -> list[tuple[str, float, str, str]]:
    found, _ = find_figures(sentence, normalise(sentence))
    return [(f.as_written, f.value, f.qualifier, f.unit_as_written) for f in found]


QUALIFIERS = [
    ("全年开展培训1500余场。", [("1500余场", 1500, "余", "场")]),
    ("帮助职工2600多人。", [("2600多人", 2600, "多", "人")]),
    ("覆盖率保持在93%以上。", [("93%以上", 93, "以上", "%")]),
    ("会员人数接近70万人。", [("接近70万人", 700000, "接近", "万人")]),
    ("服务近3000名职工。", [("近3000名", 3000, "近", "名")]),
    ("投入资金约1.5亿元。", [("约1.5亿元", 150000000, "约", "亿元")]),
    ("参与职工超5万人次。", [("超5万人次", 50000, "超", "万人次")]),
    ("惠及职工超过12万人。", [("超过12万人", 120000, "超过", "万人")]),
    ("累计发放逾800万元。", [("逾800万元", 8000000, "逾", "万元")]),
    ("每年培训不少于200人次。", [("不少于200人次", 200, "不少于", "人次")]),
    ("慰问职工52万余人次。", [("52万余人次", 520000, "余", "万人次")]),
    ("筹集物资2600余万元。", [("2600余万元", 26000000, "余", "万元")]),
    ("已有50多万名产业工人。", [("50多万名", 500000, "多", "万名")]),
    ("帮助5.1万余待岗职工就业。", [("5.1万余", 51000, "余", "万")]),
    ("将近2万人参加。", [("近2万人", 20000, "近", "万人")]),
]
SCALES = [
    ("筹集资金11192.11万元。", [("11192.11万元", 111921100, "", "万元")]),
    ("撬动投资1.2万亿元。", [("1.2万亿元", 1.2e12, "", "万亿元")]),
    ("新增会员3.6亿元的保障。", [("3.6亿元", 360000000, "", "亿元")]),
    ("参赛职工达110万人次。", [("110万人次", 1100000, "", "万人次")]),
    ("走访困难职工2.3万户。", [("2.3万户", 23000, "", "万户")]),
    ("新建工会1.2万家。", [("1.2万家", 12000, "", "万家")]),
    ("调解率为71.6%。", [("71.6%", 71.6, "", "%")]),
    ("入会率98.5%，同比增长12%。", [("98.5%", 98.5, "", "%"), ("12%", 12, "", "%")]),
    ("建会率提高5个百分点。", [("5个百分点", 5, "", "个百分点")]),
    ("覆盖１２３４名职工，筹集２．５万元。", [("１２３４名", 1234, "", "名"), ("２．５万元", 25000, "", "万元")]),
    # Service hours describe the service; they do not measure the union's work.
    ("服务热线24小时在线，共接听来电3000次。", [("3000次", 3000, "", "次")]),
]
# A percentage in words is a percentage; a fraction is not N 分 (三分之一 is not 3 of anything).
PERCENT_IN_WORDS = [
    ("满意率达到百分之九十以上。", [("百分之九十以上", 90, "以上", "%")]),
    ("完成全年目标任务的百分之八十五。", [("百分之八十五", 85, "", "%")]),
    ("覆盖率超过百分之九十五点五。", [("超过百分之九十五点五", 95.5, "超过", "%")]),
    ("以百分之百的热情服务职工。", []),
    ("约三分之一的企业建立了职工书屋，四分之三的职工参加了体检。", []),
    ("二百分之一的职工提出申请，共3人。", [("3人", 3, "", "人")]),
]
# A bound that says who is served (an income line, a length of service, an age) is not a count of them.
BOUNDS_OF_WHO_IS_SERVED = [
    ("对月收入低于2000元的职工给予补助，共补助320人。", [("320人", 320, "", "人")]),
    ("为工龄满30年的职工颁发荣誉证书。", []),
    ("为年满60周岁的退休职工发放慰问品。", []),
    ("家庭人均月收入不足1500元的困难职工纳入帮扶。", []),
    ("推动25人以下的小微企业建立联合工会，共建联合工会45家。", [("45家", 45, "", "家")]),
    ("对住院超过15天的职工给予补助，惠及超过1200名职工。", [("超过1200名", 1200, "超过", "名")]),
    # A place in a ranking is not a count of people (位列前三名), but the top 20 honoured are 20 people.
    ("该项目连续两年位列全省前三名，进入前5位。", []),
    ("评选表彰前20名，此前3名职工已获表彰。", [("20名", 20, "", "名"), ("3名", 3, "", "名")]),
    # An upper bound is a figure of the report, but never with the 超过 of 不超过 (its opposite).
    ("每人每年补助不超过5000元。", [("5000元", 5000, "", "元")]),
]
# A list whose unit is written once, after its last number: each number borrows it; item numbers and
# ordinals (1、2000名职工, 第1、2名) and lists of years (2022、2023年) do not.
SHARED_UNITS = [
    ("分别资助120、150人。", [("120", 120, "", "人"), ("150人", 150, "", "人")]),
    ("较上年分别提高1.2和0.8个百分点。", [("1.2", 1.2, "", "个百分点"), ("0.8个百分点", 0.8, "", "个百分点")]),
    ("较上年分别提高1.2个和0.8个百分点。", [("1.2个", 1.2, "", "个百分点"), ("0.8个百分点", 0.8, "", "个百分点")]),
    ("分别为3.5和4.2万余元。", [("3.5", 35000, "", "万元"), ("4.2万余元", 42000, "余", "万元")]),
    ("2022、2023年连续获评，获第1、2名。", []),
    ("1、2000名职工参加。", [("2000名", 2000, "", "名")]),
    ("新建3个、改建5家。", [("3个", 3, "", "个"), ("5家", 5, "", "家")]),
]
LISTS = [
    (
        "全国劳模7名、省劳模37名、市劳模161名。",
        [("7名", 7, "", "名"), ("37名", 37, "", "名"), ("161名", 161, "", "名")],
    ),
    ("获全国和省五一劳动奖118个、1746个。", [("118个", 118, "", "个"), ("1746个", 1746, "", "个")]),
    (
        "创建2个全国、7个省级、30个市级示范工作室。",
        [("2个", 2, "", "个"), ("7个", 7, "", "个"), ("30个", 30, "", "个")],
    ),
    ("资助学生4399人、发放助学金2163.5万元。", [("4399人", 4399, "", "人"), ("2163.5万元", 21635000, "", "万元")]),
]
CHINESE = [
    ("送来两面锦旗。", [("两面", 2, "", "面")]),
    ("建成一千二百个服务站。", [("一千二百个", 1200, "", "个")]),
    ("新建三家职工书屋。", [("三家", 3, "", "家")]),
    ("表彰二十一名先进个人。", [("二十一名", 21, "", "名")]),
    ("帮扶三千余户困难家庭。", [("三千余户", 3000, "余", "户")]),
    ("举办十五场招聘会。", [("十五场", 15, "", "场")]),
    # A bare 十/百/千 counts when a list's 等 or a verb of the work leads it; elsewhere it is a word.
    ("甲、乙等十件好事受到表彰。", [("十件", 10, "", "件")]),
    ("今年资助百名困难学生。", [("百名", 100, "", "名")]),
    ("大家十分踊跃，做好十件实事。", []),
    # Tenths: 超过七成, 占八成以上; 八成新 and 一成不变 are words.
    ("企业班组占比都超过七成。", [("超过七成", 7, "超过", "成")]),
    ("一线职工占八成以上。", [("八成以上", 8, "以上", "成")]),
    ("设备八成新，制度一成不变。", []),
]
RANGES = [
    ("每人补助3000元至5000元。", [("3000元", 3000, "", "元"), ("5000元", 5000, "", "元")]),
    ("每户补助3-5万元。", [("3", 30000, "", "万元"), ("5万元", 50000, "", "万元")]),
    ("每场邀请200到300人。", [("200", 200, "", "人"), ("300人", 300, "", "人")]),
]
PERSON_TIMES = [
    ("培训职工800人次，其中考证70人。", [("800人次", 800, "", "人次"), ("70人", 70, "", "人")]),
    # 人/次 is how many forms write 人次; 件次 and 台次 keep their 次 (办理实事100件次 is not 100件).
    (
        "服务职工3.5万人/次，办理实事100件次，检修设备120台次。",
        [
            ("3.5万人/次", 35000, "", "万人/次"),
            ("100件次", 100, "", "件次"),
            ("120台次", 120, "", "台次"),
        ],
    ),
]
EXCLUDED = [
    "2023年11月30日，大会胜利召开。",
    "3月31日，活动顺利举行。",
    "2023年度工作要点已经印发。",
    "第十六次代表大会和第八届职工健步行圆满举行。",
    "全省第一届职业技能大赛，首批试点单位名单公布。",
    "出台了《株洲市培育激励“株洲工匠”10条措施》。",
    "职工可拨打12351热线咨询。",
    "咨询电话0731-28888888，手机13812345678。",
    "18年前，他从农村来到城市；3年前，他参加了座谈会。",
    "五年来，工会工作扎实推进；近三年，成效显著。",
    "过去五年，我们砥砺前行；今后五年，我们继续奋斗。",
    "举办20周年盛典。",
    "聚焦“3+3+2”现代产业体系，实施“十百千”工程。",
    "做好十件实事，实施五大工程，深入学习二十大精神。",
    "百人以上企业全部建立工会。",
    "从一名普通焊工成长为大国工匠，一个个困难家庭受益。",
    "他参与了十几种机车的试制，几十个项目。",
    "全市5G基站覆盖，G20峰会期间。",
    "坚定拥护“两个确立”，做到两个维护，增强四个意识。",
    "职工从四面八方赶来，千方百计解决困难，走进千家万户。",
    "2022年以来，工作成效显著。",
    "2019—2023年，工会工作取得新成绩。",
    "年满18岁的职工均可报名。",
    "建成24小时职工驿站，向8小时之外延伸服务。",
    "此次三天两夜的疗养活动为期4天。",
    "腊八节当天，三八节前夕，五一期间，余杭区总工会签约企业。",
    "今年前9个月，工会工作扎实推进。",
    # A meeting's number without 第, a numbered branch, how long one event lasts, the ways a thing is done.
    "在市总工会十四届七次全委会上，学习二十届三中全会精神。",
    "公交二分公司、三分厂的职工参加。",
    "历时3个多月的职工运动会圆满闭幕。",
    "通过走访慰问、现场发放、银行转账三种形式开展慰问。",
    "学习党的十九届五中六中全会精神。",
    "市总工会分两个慰问组走访，表彰分两个层面进行，此次表彰具有三个特点。",
]
MORE = [
    ("与企业签约22家。", [("22家", 22, "", "家")]),
    ("该活动已坚持开展十余年。", [("十余年", 10, "余", "年")]),
    ("逾千名职工参加。", [("逾千名", 1000, "逾", "名")]),
    ("表彰先进四集体一个人。", [("四集体", 4, "", "集体"), ("一个人", 1, "", "个人")]),
    ("给予每人5斤肉、10斤油。", [("5斤", 5, "", "斤"), ("10斤", 10, "", "斤")]),
    ("建成3个人才驿站，两类人群分两批参加，落实八项规定。", [("3个", 3, "", "个")]),
    ("为职工提供帮扶3200人(次)。", [("3200人(次)", 3200, "", "人(次)")]),
    ("每人补助四五百元。", [("四五百元", 400, "", "元"), ("四五百元", 500, "", "元")]),
    ("走访企业最近3年未见此类情况。", []),
    # One space between a number and its unit (a web page's or a PDF's) does not part them; as_written drops it.
    (
        "发放资金1955 万元，慰问职工 300 名，参与职工近 2,000 人次，成果1.5万 项。",
        [
            ("1955万元", 19550000, "", "万元"),
            ("300名", 300, "", "名"),
            ("近2,000人次", 2000, "近", "人次"),
            ("1.5万项", 15000, "", "万项"),
        ],
    ),
    ("2023 年工作为期 3 天，第 3 次会议。", []),
    # The goods a visit hands out and the laws a union helps make are counted with their own measure words.
    (
        "送去矿泉水500箱、大米100袋、食用油200桶、手套1000双，参与制定30多部法律法规。",
        [
            ("500箱", 500, "", "箱"),
            ("100袋", 100, "", "袋"),
            ("200桶", 200, "", "桶"),
            ("1000双", 1000, "", "双"),
            ("30多部", 30, "多", "部"),
        ],
    ),
    ("该书由两部分组成，是工会工作的三部曲。", []),
    ("發放手套1000雙、草帽300頂。", [("1000雙", 1000, "", "雙"), ("300頂", 300, "", "頂")]),
    # Arabic digits with a Chinese place are one number: 5千元 is 5000, not 千 of something; 1.5千米 is a unit.
    (
        "每人补助5千元，慰问职工3千多人，发放2万5千元，投入5千万元，跑步1.5千米。",
        [
            ("5千元", 5000, "", "元"),
            ("3千多人", 3000, "多", "人"),
            ("2万5千元", 25000, "", "元"),
            ("5千万元", 50000000, "", "万元"),
            ("1.5千米", 1.5, "", "千米"),
        ],
    ),
    # A span that only dates the figures after it is a period, not a figure; a programme's own span is one.
    ("3年累计投入资金500万元，本届5年新建工会1200家。", [("500万元", 5000000, "", "万元"), ("1200家", 1200, "", "家")]),
    ("5年时间里发展会员10万名，该活动已连续开展9年。", [("10万名", 100000, "", "万名"), ("9年", 9, "", "年")]),
    ("组织6大产业17个工种开展竞赛，实施五大工程。", [("6大", 6, "", "大"), ("17个", 17, "", "个")]),
]


@pytest.mark.parametrize(("sentence", "expected"), QUALIFIERS, ids=[case[0] for case in QUALIFIERS])
def test_qualifiers(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), SCALES, ids=[case[0] for case in SCALES])
def test_scales_decimals_and_percentages(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), PERCENT_IN_WORDS, ids=[case[0] for case in PERCENT_IN_WORDS])
def test_percentages_in_words_and_fractions(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


def test_a_percentage_in_words_is_proposed_as_percent_for_review() -> None:
    proposal = extract_text("全市职工满意率达到百分之九十以上。", report_date="2024-12-31")  # SYNTHETIC
    [row] = proposal.rows
    assert (row["value"], row["unit_as_written"], row["qualifier"]) == (90, "%", "以上")
    assert "percentage in words" in row["review"]


@pytest.mark.parametrize(
    ("sentence", "expected"), BOUNDS_OF_WHO_IS_SERVED, ids=[case[0] for case in BOUNDS_OF_WHO_IS_SERVED]
)
def test_bounds_of_who_is_served(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


def test_an_upper_bound_is_said_in_the_review_column() -> None:
    proposal = extract_text("每人每年补助不超过5000元，参与率不足30%。", report_date="2024-12-31")  # SYNTHETIC
    assert [(row["as_written"], row["qualifier"]) for row in proposal.rows] == [("5000元", ""), ("30%", "")]
    assert "不超过 (an upper bound)" in proposal.rows[0]["review"]
    assert "不足 (an upper bound)" in proposal.rows[1]["review"]
    [row] = extract_text("每年至少500人参加。", report_date="2024-12-31").rows  # SYNTHETIC
    assert (row["as_written"], row["qualifier"]) == ("500人", "")
    assert "至少 (a lower bound)" in row["review"]


@pytest.mark.parametrize(("sentence", "expected"), SHARED_UNITS, ids=[case[0] for case in SHARED_UNITS])
def test_a_unit_written_once_serves_the_whole_list(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), LISTS, ids=[case[0] for case in LISTS])
def test_lists_give_one_figure_each(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), CHINESE, ids=[case[0] for case in CHINESE])
def test_chinese_numerals(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), RANGES, ids=[case[0] for case in RANGES])
def test_ranges_give_both_bounds(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), PERSON_TIMES, ids=[case[0] for case in PERSON_TIMES])
def test_person_times_never_read_as_persons(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), MORE, ids=[case[0] for case in MORE])
def test_words_around_numbers(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize("sentence", EXCLUDED)
def test_not_statistics(sentence: str) -> None:
    assert figures(sentence) == []


def test_vague_numbers_are_listed_not_proposed() -> None:
    proposal = extract_text("他参与了十几种机车的试制。", report_date="2023-11-30")
    assert proposal.rows == []
    assert any("十几种" in message for message in proposal.messages)


def test_traditional_characters_are_read_and_quoted_as_printed() -> None:
    text = "五年來，籌集資金2.8億元，幫扶職工48.3萬餘人次，兩面錦旗。"
    found = figures(text)
    assert found == [
        ("2.8億元", 280000000, "", "億元"),
        ("48.3萬餘人次", 483000, "余", "萬人次"),
        ("兩面", 2, "", "面"),
    ]
    proposal = extract_text(text, report_date="2023-11-30")
    for row in proposal.rows:
        assert row["as_written"] in text and row["source_quote"] in text
        assert row["period_start"] == 2019


def test_normalise_keeps_every_position() -> None:
    text = "筹集１２３４．５万元，５０％（全角）；萬億餘"
    twin = normalise(text)
    assert len(twin) == len(text)
    assert twin == "筹集1234.5万元,50%(全角);万亿余"


def test_wrapped_lines_are_joined_inside_sentences_only() -> None:
    text = "镜头 1. 凝心铸魂\n全市各级工会开展主题教育活动1500余场、劳模工匠宣\n讲7000场。\n\n下一段。"
    # The space a PDF's text layer leaves between a CJK character and a digit goes too (quotes ignore spaces).
    assert (
        join_wrapped_lines(text)
        == "镜头1. 凝心铸魂\n全市各级工会开展主题教育活动1500余场、劳模工匠宣讲7000场。\n\n下一段。"
    )


def test_a_repeated_headline_figure_is_proposed_once() -> None:
    text = "今年3月，5000余名职工参加健步行。\n\n3月31日，健步行活动吸引了5000余名职工参加。"
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["5000余名"]
    assert "stated again" in proposal.rows[0]["review"]


def test_equal_small_counts_of_different_things_are_all_kept() -> None:
    text = "培育大国工匠1人、提名人选1人。\n\n创建示范基地2个。\n\n新建职工书屋2个。"
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["1人", "1人", "2个", "2个"]


def test_a_title_figure_written_with_another_person_word_is_proposed_once() -> None:
    text = "某市120人获评优秀工会干部\n\n今年，全市120名同志获评优秀工会干部，名单已公示。"  # SYNTHETIC
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["120人"]
    assert "stated again" in proposal.rows[0]["review"]


def test_a_rounded_title_figure_yields_to_the_exact_body_figure() -> None:
    text = "某市基层工会超3200家\n\n截至目前，全市基层工会已达3246家，会员20.5万人。"  # SYNTHETIC
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["3246家", "20.5万人"]
    assert "rounded: 某市基层工会超3200家" in proposal.rows[0]["review"]


def test_a_rounded_figure_in_the_body_is_its_own_figure() -> None:
    text = "全市发放补助金2100余万元。\n\n五年来，累计发放助学金2163.5万元。"  # SYNTHETIC
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["2100余万元", "2163.5万元"]


def test_a_total_restated_to_open_its_breakdown_is_proposed_once() -> None:
    text = (  # SYNTHETIC
        "今年全省5个单位获评示范单位，29人获评先进个人。"
        "获评示范的5个单位中，4个是非公企业；29名先进个人中，一线职工21人。"
    )
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["5个", "29人", "4个", "21人"]


def test_equal_counts_of_different_nouns_are_both_kept() -> None:
    text = "表彰对象覆盖了19个行业大类。表彰人选覆盖了19个民族。"  # SYNTHETIC
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["19个", "19个"]


def test_one_rate_paid_to_two_groups_is_two_figures() -> None:
    text = "资助困难职工4名，每名助学金3000元。资助劳模子女4名，每名助学金3000元。"  # SYNTHETIC
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["4名", "3000元", "4名", "3000元"]


def test_a_rate_said_again_for_no_new_group_is_proposed_once() -> None:
    text = "为考入大学的子女每人发放助学金5000元。今后将资助每年每人5000元，至其毕业。"  # SYNTHETIC
    proposal = extract_text(text, report_date="2023-11-30")
    assert [row["as_written"] for row in proposal.rows] == ["5000元"]


def test_a_quote_keeps_the_opening_mark_of_a_phrase_it_closes() -> None:
    # SYNTHETIC sentence.
    text = "2024年，全市工会扎实抓好“三员”队伍建设，“三员”队伍壮大至1.18万人，“五小”活动开展300场。"
    quotes = [row["source_quote"] for row in extract_text(text, report_date="2024-12-31").rows]
    assert quotes == ["“三员”队伍壮大至1.18万人", "“五小”活动开展300场"]


def test_an_english_label_is_proposed_only_for_the_very_same_chinese_label() -> None:
    # SYNTHETIC sentences; the English comes from the shipped data set's figure with the same Chinese label.
    from pathlib import Path

    from uniondash.load import load_dataset

    dataset = load_dataset(Path(__file__).resolve().parents[2] / "data")
    known = dict(zip(dataset.facts["label_zh"], dataset.facts["label_en"], strict=True))
    text = "2024年，开展劳模工匠宣讲300场，开展劳模工匠巡回宣讲80场。"
    rows = extract_text(text, report_date="2024-12-31", dataset=dataset).rows
    assert [(row["label_zh"], row["label_en"]) for row in rows] == [
        ("劳模工匠宣讲", known["劳模工匠宣讲"]),
        ("劳模工匠巡回宣讲", ""),  # reads alike, says something else: left for the reviewer
    ]
    assert "the same Chinese label" in rows[0]["review"]


def test_a_quote_drops_a_closing_bracket_opened_in_an_earlier_clause() -> None:
    # SYNTHETIC sentence.
    text = "共筹集资金170.5万元(其中争取省级资金162.5万元,县级配套10万元),慰问682名职工。"
    quotes = [row["source_quote"] for row in extract_text(text, report_date="2018-12-31").rows]
    assert quotes == ["共筹集资金170.5万元", "其中争取省级资金162.5万元", "县级配套10万元", "慰问682名职工"]
