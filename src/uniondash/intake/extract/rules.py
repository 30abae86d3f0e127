"""The extraction rules: where a report states a figure, and what the figure is. Pure functions on text.

`find_figures(text)` returns every statistic written in `text` (a number with its unit, scale and
qualifier: 2600余万元, 52万余人次, 接近70万人, 93%以上, 两面, 3000元至5000元) and what it left out on
purpose, with the reason (a date, a year, an ordinal, a title, a phone number, a vague number).

How each form is read (the README's extract section says the same to users):
- qualifiers before the number (近 接近 约 超 超过 逾 不少于) or after it (余 多 以上, also between
  the scale and the unit: 52万余人次); `as_written` keeps the qualifier, `number_as_written` +
  `unit_as_written` is `as_written` without it, as facts.csv requires;
- 万, 亿 and 万亿 scale the number (1.2万亿元 → 1.2 × 10¹²), with decimals; the scale is part of the written
  unit (万元, 万人次), or the whole written unit when the noun follows (5.1万余待岗职工);
- Chinese numerals through cn2an (两面 → 2, 一千二百 → 1200); a bare 十/百/千/万 (十件实事, 百人以上), a
  lone 一 (一名普通焊工) and idioms (四面八方, 千家万户) are words, not figures; vague numbers (十几种,
  几十个, 数百名, 上千人) are left out and listed, since no number can be given for them;
- a range (3000元至5000元, 3-5万元) gives two rows, its lower and its upper bound, each with its own
  value; the lower bound takes the upper bound's scale and unit when it is written once (3-5万元 → 3万元);
- never a figure: dates and years (2023年, 3月31日, 2023年度), ordinals (第十六次, 第八届), what stands in a
  title 《…》 or a short name in quotation marks (“3+3+2”, “十百千”), phone and hotline numbers, ages,
  times before now (18年前), anniversaries (20周年), period words (五年来, 近三年, 20年里), thresholds
  of a scope (百人以上企业) and bounds of who is served (月收入低于2000元的职工, 工龄满30年的职工), fractions
  (三分之一) and numbers joined to Latin letters (5G, G20);
- a percentage in words (百分之九十以上) is a percentage; an upper bound (不超过5000元) has no qualifier.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PRE_QUALIFIERS = ("不少于", "接近", "超过", "近", "约", "超", "逾")
POST_QUALIFIERS = ("余", "多", "以上")
# Units and measure words, longest first so 人次 wins over 人 and 平方米 over 米.
UNITS = sorted(
    [
        "人(次)",
        "场(次)",
        "户(次)",
        "个年头",
        "集体",
        "大",
        "个百分点",
        "百分点",
        "平方公里",
        "平方米",
        "立方米",
        "个方面",
        "个月",
        "人次",
        "人/次",  # 人次 as many forms write it: 服务职工3000人/次
        "件次",
        "台次",
        "户次",
        "家次",
        "场次",
        "课时",
        "学时",
        "小时",
        "分钟",
        "公里",
        "千米",
        "公斤",
        "千克",
        "斤",
        # What a 送温暖/送清凉 visit hands out, and what a union helps make: 矿泉水500箱, 30多部法律法规.
        "箱",
        "袋",
        "桶",
        "瓶",
        "盒",
        "双",
        "顶",
        "包",
        "罐",
        "床",
        "床位",
        "棵",
        "株",
        "部门",
        "部",
        "元",
        "人",
        "名",
        "位",
        "户",
        "家",
        "个",
        "场",
        "次",
        "项",
        "起",
        "件",
        "所",
        "条",
        "种",
        "批",
        "支",
        "座",
        "处",
        "间",
        "套",
        "台",
        "辆",
        "册",
        "本",
        "份",
        "篇",
        "期",
        "届",
        "年",
        "天",
        "周",
        "岁",
        "亩",
        "米",
        "吨",
        "%",
        "‰",
        "倍",
        "面",
        "张",
        "块",
        "栋",
        "幢",
        "门",
        "节",
        "堂",
        "班",
        "轮",
        "站",
        "笔",
        "单",
        "例",
        "宗",
        "类",
        "首",
        "分",
        "元/人",
    ],
    key=len,
    reverse=True,
)
SCALES = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# A number never starts inside a run of digits, and its digits are never given back (possessive ++): a hostile
# run of 20 000 digits took minutes when every start tried every split of the run.
_AR = r"(?<!\d)(?:\d++(?:,\d{3})++(?:\.\d++)?|\d++(?:\.\d++)?)"
# At most 16 characters (一千二百三十四万五千六百七十八 is 15): a hostile run of 一一一… then costs each start 16
# steps, not the whole run (which made a 20 000-character run take seconds, a longer one minutes).
_CN = f"[{CN_DIGITS}]{{1,16}}"
# Arabic digits with a Chinese place: 5千元, 3千多人, 2万5千元, 3百元 (not the 千 of 千米 or 千克, a unit).
_MIXED = r"(?<!\d)(?:\d++(?:\.\d++)?[千百](?![米克瓦])|\d++万\d[千百])"
_UNIT = "|".join(re.escape(unit) for unit in UNITS)
_PRE = "|".join(PRE_QUALIFIERS)
# One space a web page or a PDF may put between a number and its unit: 慰问职工 300 名, 资金1955 万元, 1.5万 项.
_SP = "[ \u3000\u00a0]"
FIGURE = re.compile(
    rf"(?:(?P<pre>{_PRE}){_SP}?)?(?P<num>{_MIXED}|{_AR}|{_CN})(?P<sp1>{_SP}(?=(?:余|多)?(?:万亿|亿|万|{_UNIT})))?"
    rf"(?P<q1>余|多)?(?P<scale>万亿|亿|万)?(?P<q2>余|多)?(?:(?P<sp2>{_SP})?(?P<unit>{_UNIT}))?(?P<q3>以上)?"
)
# Units never read across a space: 2023 年 is a year, 3 天 and 5 届 as loose as a date.
_NOT_ACROSS_A_SPACE = ("年", "天", "周", "岁", "小时", "分钟", "个月", "分", "届", "期")
# Two neighbouring digits before a place: 四五百元 (400–500), 三四十人, 两三千名: a range, as its two bounds.
APPROXIMATE = re.compile(
    rf"(?P<lo>[一两二三四五六七八])(?P<hi>[二三四五六七八九])(?P<place>[十百千万])(?P<unit>{_UNIT})"
)
# Tenths, a share the writer gives in 成: 超过七成, 占八成以上 (a qualifier or 占/达 before it, nothing after it
# but the qualifier: 八成新, 成立 and 一成不变 are words).
TENTHS = re.compile(
    rf"(?:(?P<pre>{_PRE})|(?<=[占达]))(?P<num>[一二两三四五六七八九])成(?P<q3>以上|多)?(?![\u4e00-\u9fff])"
)
# A percentage written in words: 百分之八十五, 超过百分之九十, 百分之九十五点五以上 (but 百分之百的努力 is a word).
PERCENT_WORDS = re.compile(rf"(?P<pre>{_PRE})?百分之(?P<num>{_CN}(?:点{_CN})?|{_AR})(?P<q3>以上|多)?(?![的地])")
# A list whose unit is written once, after its last number: 分别资助120、150人, 提高1.2和0.8个百分点,
# 提高1.2个和0.8个百分点. Each bare number before the last borrows its scale and unit (as a range's lower bound).
SHARED_UNIT = re.compile(
    rf"(?<![\d.,])(?P<lo>{_AR})(?P<lounit>个)?(?=(?P<sep>、|和|及|与)(?:(?:{_AR})个?(?:、|和|及|与)){{0,8}}"
    rf"(?P<hi>{_AR})(?:余|多)?(?P<hiscale>万亿|亿|万)?(?:余|多)?(?P<hiunit>{_UNIT}))"
)
_NOT_SHARED = ("年", "天", "周", "岁", "届", "期", "个月", "小时", "分钟")
RANGE = re.compile(
    rf"(?P<pre>{_PRE})?(?P<lo>{_AR})(?P<loscale>万亿|亿|万)?(?P<lounit>{_UNIT})?\s*(?:至|到|-|~)\s*"
    rf"(?P<hi>{_AR})(?P<hiq1>余|多)?(?P<hiscale>万亿|亿|万)?(?P<hiunit>{_UNIT})(?P<hiq3>以上)?"
)

# Spans whose numbers are never figures, with the reason given when one is left out.
_EXCLUDED = [
    ("title", re.compile(r"《[^》\n]{0,200}》")),
    ("name in quotation marks", re.compile(r"“[^”\n]{1,15}”|\"[^\"\n]{1,15}\"|「[^」\n]{1,15}」|‘[^’\n]{1,15}’")),
    ("date", re.compile(r"(?:19|20)\d{2}\s*[-~至到]\s*(?:19|20)\d{2}年")),
    ("date", re.compile(r"(?<!\d)(?:19|20)\d{2}[-./年]\d{1,2}(?:[-./月]\d{1,2}[日号]?)?(?:月份|月)?")),
    ("year", re.compile(r"(?<![\d.])(?:19|20)\d{2}(?:年(?:度)?|级|届)")),
    ("date", re.compile(r"(?<![\d.])\d{1,2}月(?:\d{1,2}[日号])?|(?<![\d.])\d{1,2}[日号](?!\d)")),
    ("date", re.compile(f"{_CN}月(?:{_CN}[日号])?")),
    ("ordinal", re.compile(rf"第\s*(?:{_AR}|{_CN})(?:[、和及至到-](?:{_AR}|{_CN}))*")),  # 第1、2名 too
    # A place in a ranking, not a count: 位列前三名, 进入前五强 (but 表彰前20名 honours 20 people).
    (
        "ordinal",
        re.compile(rf"(?:位列|位居|进入|排名|排在|名列|跻身|稳居)[\u4e00-\u9fff]{{0,4}}?前(?:{_AR}|{_CN})(?:名|位|强)"),
    ),
    # A fraction (三分之一, 2/3 in words): a share of something unnamed, not N 分; 百分之 is read as a percentage.
    ("fraction", re.compile(rf"(?!百分之)(?:{_AR}|{_CN})分之(?:{_AR}|{_CN})")),
    # A meeting's number without 第: 十四届七次全委会, 二十届三中全会, 十九届五中六中全会 (session and sitting).
    ("ordinal", re.compile(rf"(?:{_AR}|{_CN})届(?:{_AR}|{_CN})(?:次|中)")),
    # A numbered branch or team: 二分公司, 三分厂 (its name, not a count of 分).
    ("name", re.compile(rf"(?:{_AR}|{_CN})分(?:公司|厂|局|院|场|队|店|行|所|会|中心)")),
    (
        "phone number",
        re.compile(r"(?:电话|热线|拨打|专线|手机|传真)[:：]?\s*[\d-]{3,}|(?<![\d-])[\d-]{5,}+(?:热线|专线|服务热线)"),
    ),
    ("phone number", re.compile(r"(?<!\d)\d{3,4}-\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)")),
    ("time", re.compile(r"(?<!\d)\d{1,2}[:时]\d{2}分?")),
    (
        "event length",  # 为期4天, 历时3个多月, 三天两夜: how long one event lasts
        re.compile(
            rf"(?:为期|历时)(?:{_AR}|{_CN})(?:余|多)?个?(?:余|多)?(?:天|日|周|月|小时)|(?:{_AR}|{_CN})天(?:{_AR}|{_CN})夜"
        ),
    ),
    (
        "service hours",
        re.compile(rf"(?<!\d)24小时|(?:{_AR}|{_CN})小时(?:之外|以外|之内|以内|值班|服务|在线|驿站|营业|开放)"),
    ),
    (
        "festival",
        re.compile(
            r"腊八|初[一二三四五六七八九十]|[五六七八]一(?:节|劳动节|国际|前|期间|假期)?|三八|五四|十一(?:黄金周|假期|期间|国庆)|端午|重阳"
        ),
    ),
    ("place name", re.compile(r"余杭|余姚|余干|余江|余庆|余热")),
    ("period", re.compile(rf"前(?:{_AR}|{_CN})个月|(?:{_AR}|{_CN})个月(?:来|以来|里|间|内)")),
    (
        "slogan",
        re.compile(
            "两个确立|两个维护|四个意识|四个自信|四个全面|三个代表|三个务必|五个必须|两个大局|两个一百年|三会一课|"
            "一岗双责|两学一做|三严三实|五位一体|十四五|十三五|十二五|一带一路|一户一|一企一|一人一|八项规定|"
            "六稳|六保|三新一高"
        ),
    ),
    (
        "idiom",
        re.compile(
            "四面八方|千方百计|千家万户|万千|(?<![0-9])千万|一心一意|三番五次|五湖四海|十全十美|五花八门|七上八下|三心二意|"
            "百花齐放|百家争鸣|一次又一次|一个个|一首首|一批批|一天天|一年年|年如一日|千千万万|万无一失|一五一十|"
            "九牛一毛|两面三刀|三三两两|一举两得|一石二鸟|一分为二|独一无二|两手抓|两手都要硬"
        ),
    ),
]
# After N年: a time before now, a period word, a school year or decade, a campaign's name: never a figure.
# So is N年 before what happened in it: 3年累计投入, 三年共帮扶, 5年时间里, 用3年时间 (the span dates the figures).
_YEAR_AFTER = re.compile(
    r"(?:前|来|以来|里|间|内|中|度|级|代|初|底|末|如一日|行动|计划|规划|攻坚|目标|周年|累计|共|时间|期间)"
)
_PERIOD_BEFORE = ("近", "过去", "最近", "这", "今后", "未来", "前", "后", "每", "本届")
# N人以上 + the noun it bounds: a threshold of the scope (百人以上企业), not a count.
_THRESHOLD_AFTER = re.compile(r"的?(?:企业|单位|规模|已建|非公|用工|公司|工会|家庭|职工|人员)")
_VAGUE = re.compile(
    rf"(?:[一二三四五六七八九]?十几|几[十百千万]+|数[十百千万]+|上[百千万]|成[百千]上[千万]|{_CN}来)"
    rf"(?:{_UNIT})"
)


@dataclass(frozen=True)
class Figure:
    """One figure as the report writes it; [start, end) is `as_written` in the text."""

    start: int
    end: int
    as_written: str
    number_as_written: str
    unit_as_written: str  # with its 万/亿 scale: 万元, 万人次, 万
    qualifier: str  # as facts.csv names it (余, never the traditional 餘 the text may write)
    value: float  # in base units
    unit: str  # the unit without its scale: 元, 人次, % ('' when the noun follows: 5.1万余待岗职工)
    form: str  # plain, scaled, percent, chinese, range-low, range-high
    note: str = ""


@dataclass(frozen=True)
class Skipped:
    """A number left out on purpose (and why), for the proposal's messages."""

    start: int
    end: int
    text: str
    reason: str


class SpanIndex:
    """Spans [start, end) with a label, asked "what overlaps [a, b)?" in O(log n) (a report has thousands of
    figures and exclusions: a scan of every span for every figure would be quadratic)."""

    def __init__(self, spans: list[tuple[int, int, str]] | None = None) -> None:
        self.spans = sorted(spans or [])
        self.starts = [span[0] for span in self.spans]
        self.longest = max((end - start for start, end, _ in self.spans), default=0)

    def add(self, start: int, end: int, label: str = "") -> None:
        index = bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.spans.insert(index, (start, end, label))
        self.longest = max(self.longest, end - start)

    def overlap(self, start: int, end: int) -> str | None:
        """The label of a span overlapping [start, end), or None."""
        index = bisect_left(self.starts, end) - 1
        while index >= 0 and self.starts[index] >= start - self.longest:
            low, high, label = self.spans[index]
            if low < end and start < high:
                return label
            index -= 1
        return None


def excluded_spans(twin: str) -> list[tuple[int, int, str]]:
    """Spans of the normalised text whose numbers are not figures, with the reason."""
    spans: list[tuple[int, int, str]] = []
    for reason, pattern in _EXCLUDED:
        spans.extend((match.start(), match.end(), reason) for match in pattern.finditer(twin))
    return spans


_DIGIT_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


def number_value(number: str) -> Decimal | None:
    """An Arabic or Chinese numeral's value, or None when it is not a well-formed number."""
    if number[0].isdigit() and re.search("[万千百]", number):
        import cn2an

        try:  # 5千 → 5000, 2万5千 → 25000
            return Decimal(str(cn2an.cn2an(number, "smart")))
        except (ValueError, KeyError, IndexError, TypeError):
            return None
    if number[0].isdigit():
        try:
            return Decimal(number.replace(",", ""))
        except InvalidOperation:
            return None
    if number in _DIGIT_VALUES:  # one digit (两, 三…九): no need to load cn2an (a tenth of a second) for it
        return Decimal(_DIGIT_VALUES[number])
    if len(number) == 2 and number[0] == "十" and number[1] in _DIGIT_VALUES:
        return Decimal(10 + _DIGIT_VALUES[number[1]])
    import cn2an

    if number[0] in "十百千万亿":  # cn2an reads 十 but not a bare 百 or 千 (逾千名, 近百人): read them as 一百, 一千
        number = "一" + number
    try:
        return Decimal(str(cn2an.cn2an(number, "normal")))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def base_value(number: Decimal, scale: str) -> float:
    """The value in base units: 2600 万 → 26 000 000; exact in decimal, then a float (int-valued when whole)."""
    value = number * SCALES.get(scale, Decimal(1))
    return float(int(value)) if value == value.to_integral_value() else float(value)


def find_figures(text: str, twin: str, limit: int | None = None) -> tuple[list[Figure], list[Skipped]]:
    """Every figure of `text` (read through `twin`, its normalised twin of the same length) and what was
    left out on purpose. Figures come in text order; each span stands in `text`. With `limit`, it stops
    once it has found more than `limit` figures (the caller refuses such a text: the work stays bounded)."""
    assert len(text) == len(twin)
    excluded = SpanIndex(excluded_spans(twin))
    blocked = excluded.overlap
    figures: list[Figure] = []
    skipped: list[Skipped] = []
    taken = SpanIndex()

    for match in SHARED_UNIT.finditer(twin):
        figure = _shared_unit_figure(text, twin, match)
        if figure is not None and not blocked(match.start(), match.end()):
            figures.append(figure)
            taken.add(match.start(), match.end())
    for match in RANGE.finditer(twin):
        if blocked(match.start("lo"), match.end("hi")) or _glued(twin, match.start("lo"), match.end()):
            continue
        pair = _range_figures(text, match)
        if pair:
            figures.extend(pair)
            taken.add(match.start(), match.end())
    for match in APPROXIMATE.finditer(twin):
        low, high = number_value(match.group("lo")), number_value(match.group("hi"))
        if blocked(match.start(), match.end()) or low is None or high is None or high != low + 1:
            continue
        place = number_value(match.group("place")) or Decimal(1)
        written = text[match.start() : match.end()]
        unit = text[match.start("unit") : match.end("unit")]
        for bound, form in ((low, "range-low"), (high, "range-high")):
            figures.append(
                Figure(
                    start=match.start(),
                    end=match.end(),
                    as_written=written,
                    number_as_written=written[: -len(unit)],
                    unit_as_written=unit,
                    qualifier="",
                    value=base_value(bound * place, ""),
                    unit=match.group("unit"),
                    form=form,
                    note=f"range {written}: {'lower' if form == 'range-low' else 'upper'} bound",
                )
            )
        taken.add(match.start(), match.end())
    for match in PERCENT_WORDS.finditer(twin):
        if blocked(match.start("num"), match.end("num")) or taken.overlap(match.start(), match.end()) is not None:
            continue
        figure = _percent_in_words(text, match)
        if figure is not None:
            figures.append(figure)
            taken.add(match.start(), match.end())
    for match in TENTHS.finditer(twin):
        if blocked(match.start(), match.end()) or taken.overlap(match.start(), match.end()) is not None:
            continue
        figures.append(_tenths(text, match))
        taken.add(match.start(), match.end())
    for match in _VAGUE.finditer(twin):
        if not blocked(match.start(), match.end()):
            skipped.append(Skipped(match.start(), match.end(), text[match.start() : match.end()], "vague number"))
            taken.add(match.start(), match.end())
    for match in FIGURE.finditer(twin):
        start, end = match.start(), match.end()
        if taken.overlap(start, end) is not None:
            continue
        reason = blocked(match.start("num"), match.end("num")) or _not_a_figure(twin, match)
        if reason:
            if reason != "no unit" and match.group("unit"):
                skipped.append(Skipped(start, end, text[start:end], reason))
            continue
        figure = _figure(text, match)
        if figure is not None:
            figures.append(figure)
            if limit is not None and len(figures) > limit:
                break
    figures.sort(key=lambda figure: figure.start)
    return figures, sorted(skipped, key=lambda item: item.start)


def _glued(twin: str, start: int, end: int) -> bool:
    """A number joined to Latin letters or to '+' (5G, G20, 3+3+2, App2): a name, not a figure."""
    before = twin[start - 1] if start else ""
    after = twin[end] if end < len(twin) else ""
    return bool(re.match(r"[A-Za-z+#_]", before) or re.match(r"[A-Za-z+#_]", after))


def _not_a_figure(twin: str, match: re.Match[str]) -> str | None:
    """Why a match of FIGURE is not a figure, or None when it is one."""
    number, unit = match.group("num"), match.group("unit") or ""
    start, end = match.start("num"), match.end()
    if _glued(twin, match.start("num"), match.end("num") if not unit else end):
        return "name"
    chinese = not number[0].isdigit()
    if (match.group("sp1") or match.group("sp2")) and (chinese or unit in _NOT_ACROSS_A_SPACE):
        return "no unit"
    qualified = bool(match.group("pre") or match.group("q1") or match.group("q2") or match.group("q3"))
    if not unit and not match.group("scale"):
        # A number without unit or scale is a figure only with a qualifier before a noun (2000余职工).
        nxt = twin[end : end + 1]
        if not (qualified and nxt and "\u4e00" <= nxt <= "\u9fff" and not chinese):
            return "no unit"
    if chinese:
        if len(number) == 1 and number in "十百千万亿" and not qualified and not _round_count(twin, match):
            return "a word, not a number"
        if number == "一" and not re.search(f"[{CN_DIGITS}](?:{_UNIT})$", twin[max(0, start - 4) : start]):
            return "a word, not a number"  # 一名普通焊工, 一批; but 四集体一个人 counts
        if number[0] in "万亿" or twin[end : end + 1] == "几" or twin[max(0, start - 1) : start] in ("几", "数"):
            return "vague number"
    before = twin[max(0, start - 2) : start]
    if match.group("pre"):
        before = twin[max(0, match.start("pre") - 2) : match.start("pre")]
    after = twin[end : end + 4]
    if unit == "年":
        if _YEAR_AFTER.match(after):
            return "period or time, not a figure"
        if before.endswith(_PERIOD_BEFORE) or match.group("pre") == "近":
            return "period word"
        if chinese and not qualified:
            return "period word"
    if unit == "周" and after.startswith("年"):
        return "anniversary"
    if unit == "周" and after.startswith("岁"):
        return "age"  # 年满60周岁
    if unit == "岁":
        return "age"
    if (unit == "部" and after[:1] in "分曲") or (unit == "包" and after[:1] in "括含"):
        return "a word, not a unit"  # 两部分, 三部曲, 3包括

    if unit == "大" and (chinese or not re.match(r"[\u4e00-\u9fff]", after[:1]) or after[:1] in "类型学幅力会"):
        return "name"  # 五大工程, 十八大; but 6大产业 counts
    if unit in ("天", "小时") and before.endswith("第"):
        return "ordinal"
    if match.group("q3") and _THRESHOLD_AFTER.match(after):
        return "threshold of a scope"
    if _bounds_who_is_served(twin, match):
        return "threshold of a scope"
    value = number_value(number)
    if value is None:
        return "not a number"
    if chinese and unit == "节":
        return "festival"  # 三八节, 腊八节
    if chinese and unit in ("类", "批") and not qualified:
        return "a kind or a way, not a count"  # 两类人群, 分两批
    if chinese and unit == "种" and _WAYS.match(after):
        return "a kind or a way, not a count"  # 通过走访、现场发放、银行转账三种形式
    if chinese and not qualified and before.endswith("分"):
        return "a kind or a way, not a count"  # 分两个慰问组, 分三批: how the work was divided
    if chinese and unit == "个" and _OUTLINE.match(after):
        return "the text's outline, not a count"  # 具有三个特点：一是…, 分两个层面
    return None


# A bound that says who is served, not how many: 月收入低于2000元的职工, 工龄满30年的职工, 25人以下的小微企业,
# 住院超过15天的职工. A bound word before the figure (or 以下/以内/以外 after it), then 的 and the people or bodies.
_BOUND_BEFORE = ("满", "低于", "不足", "不到", "不超过", "高于", "少于", "多于", "超过", "不低于")
_BOUND_AFTER = re.compile(r"(?:及以下|以下|以内|以外)")
_SERVED_AFTER = re.compile(
    r"(?:及以下|以下|以内|以外)?的[\u4e00-\u9fff]{0,4}?(?:企业|单位|公司|家庭|职工|员工|人员|会员|劳模|农民工|患者|学生|子女|群众)"
)


def _bounds_who_is_served(twin: str, match: re.Match[str]) -> bool:
    after = twin[match.end() : match.end() + 12]
    if not _SERVED_AFTER.match(after):
        return False
    head = match.start("pre") if match.group("pre") else match.start("num")
    before = twin[max(0, head - 3) : head] + (match.group("pre") or "")
    return before.endswith(_BOUND_BEFORE) or bool(_BOUND_AFTER.match(after))


# After N种: the ways something is done (三种形式), which name a mode, not a count.
_WAYS = re.compile(r"(?:形式|方式|途径|渠道|模式|办法|手段)")
# After N个: the points a writer is about to list (三个特点：一是…), not things the union counted.
_OUTLINE = re.compile(r"(?:特点|亮点|特色|原则|步骤|层面|环节)")
# A bare 十, 百 or 千 counts when a list's 等 or a verb of the union's work leads it: 等十件好事, 资助百名学生
# (elsewhere it is a word: 十分, 百花齐放, 做好十件实事).
_ROUND_COUNT_BEFORE = re.compile(r"(?:等|资助|表彰|慰问|帮扶|救助|走访|惠及|吸引|选树|命名|培训)$")
_COUNT_WORDS = ("名", "人", "件", "个", "家", "户", "项", "场", "位")


def _round_count(twin: str, match: re.Match[str]) -> bool:
    number, unit = match.group("num"), match.group("unit") or ""
    return (
        number in "十百千"
        and unit in _COUNT_WORDS
        and bool(_ROUND_COUNT_BEFORE.search(twin[max(0, match.start("num") - 2) : match.start("num")]))
    )


def _tenths(text: str, match: re.Match[str]) -> Figure:
    """七成 → 7 (成, tenths), with its qualifier; the number is a single digit, so it always reads."""
    pre, post = match.group("pre") or "", match.group("q3") or ""
    start = match.start("pre") if pre else match.start("num")
    end = match.end()  # 占八成以上: the qualifier after it is written with it
    number = text[match.start("num") : match.end("num")]
    return Figure(
        start=start,
        end=end,
        as_written=text[start:end],
        number_as_written=number,
        unit_as_written=text[match.end("num") : match.end("num") + 1],
        qualifier=pre or post,
        value=float(_DIGIT_VALUES[match.group("num")]),
        unit="成",
        form="chinese",
        note="a share in tenths (成)",
    )


def _percent_in_words(text: str, match: re.Match[str]) -> Figure | None:
    """百分之八十五 → 85 (%), with its qualifier; `unit_as_written` is % since the sign stands for 百分之."""
    number = match.group("num")
    value = number_value(number)
    if value is None:
        return None
    pre, post = match.group("pre") or "", match.group("q3") or ""
    start = match.start("pre") if pre else match.start()
    return Figure(
        start=start,
        end=match.end(),
        as_written=text[start : match.end()],
        number_as_written=text[match.start("num") : match.end("num")],
        unit_as_written="%",
        qualifier=pre or post,
        value=base_value(value, ""),
        unit="%",
        form="percent",
        note=f"a percentage in words ({text[match.start() : match.end()]}): written here as %",
    )


# Characters before a qualifier that make it part of another word (签约 预约 相约, 附近 最近 接近 is whole).
# Words before a figure that make it an upper bound (at most, less than), which no qualifier column holds…
_UPPER_BOUNDS = ("不超过", "不超", "不足", "不到", "低于", "少于", "不高于", "不多于")
# …and a lower bound other than 不少于 (which is a qualifier): 至少500人, 不低于1000元.
_LOWER_BOUNDS = ("至少", "不低于")
_BOUNDS = _UPPER_BOUNDS + _LOWER_BOUNDS
_VERB_BEFORE = {"约": "签簽预預相制节節邀公契合条條大", "近": "最附邻就亲贴", "超": "高赶", "逾": ""}


def _figure(text: str, match: re.Match[str]) -> Figure | None:
    number = match.group("num")
    value = number_value(number)
    if value is None:
        return None
    scale, unit = match.group("scale") or "", match.group("unit") or ""
    pre, post = match.group("pre") or "", match.group("q1") or match.group("q2") or match.group("q3") or ""
    before = text[max(0, match.start("pre") - 1) : match.start("pre")] if pre else ""
    note = ""
    if before and before in _VERB_BEFORE.get(pre, ""):
        pre = ""  # 签约22家, 预约, 最近: a verb or word, not a qualifier
    elif before == "不" and pre in ("超过", "超"):
        pre = ""  # 不超过5000元 is at most, the opposite of 超过: no qualifier column holds it
    head = match.start("num") if not pre else match.start("pre")
    bound = next((word for word in _BOUNDS if text[max(0, head - len(word)) : head] == word), "")
    if bound and not pre:
        kind = "a lower bound" if bound in _LOWER_BOUNDS else "an upper bound"
        note = f"{bound} ({kind}) stands before the figure: no qualifier column holds it; say so in a note"
    qualifier = pre or post
    if pre and post:
        note = f"two qualifiers ({pre} … {post}): {pre} kept"
    start = match.start("pre") if pre else match.start("num")
    if not pre and match.group("pre"):
        qualifier = post
    end = match.end()
    if pre and post:  # keep as_written = qualifier + number + unit: cut the second qualifier off
        end = match.end("unit") if match.group("unit") else match.end("scale") if scale else match.end("num")
    if unit == "个" and twin_after(text, end) == "人":
        end += 1  # 四集体一个人: 个人 is people, not 个 of something
        unit = "个人"
    as_written = re.sub(_SP, "", text[start:end])  # 300 名 is written 300名: number and unit, as facts.csv has them
    if unit == "%" or unit.endswith("百分点"):
        form = "percent"
    elif not number[0].isdigit() or re.search("[万千百]", number):  # 两面, 5千
        form = "chinese"
    elif scale:
        form = "scaled"
    else:
        form = "plain"
    return Figure(
        start=start,
        end=end,
        as_written=as_written,
        number_as_written=text[match.start("num") : match.end("num")],
        unit_as_written=_written(text, match, "scale")
        + (text[match.start("unit") : end] if unit == "个人" else _written(text, match, "unit")),
        qualifier=qualifier,
        value=base_value(value, scale),
        unit=unit,
        form=form,
        note=note,
    )


def twin_after(text: str, end: int) -> str:
    """The character after a figure's 个 when 个人 means people (一个人，…); '' when 人 begins a word (个人才…)."""
    if text[end : end + 1] != "人":
        return ""
    following = text[end + 1 : end + 2]
    return "人" if not following or following in "，。、；,;:：)）获被受荣和及与" else ""


def _written(text: str, match: re.Match[str], group: str) -> str:
    """A group as the original text writes it (萬, not the 万 of the twin), or '' when it did not match."""
    return text[match.start(group) : match.end(group)] if match.group(group) else ""


def _shared_unit_figure(text: str, twin: str, match: re.Match[str]) -> Figure | None:
    """A bare number of a list that borrows the unit written after the list's last number, or None."""
    unit, scale = match.group("hiunit"), match.group("hiscale") or ""
    if unit in _NOT_SHARED or (match.group("lounit") and unit not in ("个百分点", "百分点")):
        return None  # 2022、2023年 are years; 3个、5家 have their own units
    before = twin[max(0, match.start() - 1) : match.start()]
    if match.group("sep") == "、" and (not before or before in "\n。；;：:（(") and "." not in match.group("lo"):
        return None  # 1、2000名职工…: the item number of a list, not a figure
    value = number_value(match.group("lo"))
    if value is None or _glued(twin, match.start(), match.end()):
        return None
    return Figure(
        start=match.start(),
        end=match.end(),
        as_written=text[match.start() : match.end()],
        number_as_written=text[match.start("lo") : match.end("lo")],
        unit_as_written=_written(text, match, "hiscale") + _written(text, match, "hiunit"),
        qualifier="",
        value=base_value(value, scale),
        unit=unit,
        form="scaled" if scale else "percent" if unit.endswith("百分点") or unit == "%" else "plain",
        note=f"a list whose unit is written once: {text[match.start() : match.end('hiunit')]}",
    )


def _range_figures(text: str, match: re.Match[str]) -> list[Figure]:
    """The two bounds of a range; the lower bound borrows the upper bound's scale and unit where it has none."""
    low, high = number_value(match.group("lo")), number_value(match.group("hi"))
    if low is None or high is None:
        return []
    lo_scale, lo_unit = match.group("loscale") or "", match.group("lounit") or ""
    hi_scale, hi_unit = match.group("hiscale") or "", match.group("hiunit")
    if (lo_unit and lo_unit != hi_unit) or hi_unit in ("年", "岁", "周"):
        return []
    shared = not lo_unit and not lo_scale
    lo_scale_used = hi_scale if shared else lo_scale
    lo_unit_used = hi_unit if shared else lo_unit
    if base_value(low, lo_scale_used) >= base_value(high, hi_scale):
        return []  # 3-2 is not a range (a score, a date)
    whole = text[match.start("lo") : match.end()]
    pre = match.group("pre") or ""
    lo_start = match.start("pre") if pre else match.start("lo")
    lo_end = match.end("lounit") if lo_unit else match.end("loscale") if lo_scale else match.end("lo")
    hi_post = match.group("hiq1") or match.group("hiq3") or ""
    note = f"range {whole}: lower bound" + ("; the unit is written once, after the upper bound" if shared else "")
    lower = Figure(
        start=lo_start,
        end=lo_end,
        as_written=text[lo_start:lo_end],
        number_as_written=text[match.start("lo") : match.end("lo")],
        unit_as_written=(_written(text, match, "hiscale") + _written(text, match, "hiunit"))
        if shared
        else _written(text, match, "loscale") + _written(text, match, "lounit"),
        qualifier=pre,
        value=base_value(low, lo_scale_used),
        unit=lo_unit_used,
        form="range-low",
        note=note,
    )
    upper = Figure(
        start=match.start("hi"),
        end=match.end(),
        as_written=text[match.start("hi") : match.end()],
        number_as_written=text[match.start("hi") : match.end("hi")],
        unit_as_written=_written(text, match, "hiscale") + _written(text, match, "hiunit"),
        qualifier=hi_post,
        value=base_value(high, hi_scale),
        unit=hi_unit,
        form="range-high",
        note=f"range {whole}: upper bound",
    )
    return [lower, upper]
