"""Text as the rules read it: one character for one character, so every span found stands in the original.

A report arrives with full-width digits (２６００), full-width punctuation (，；：（）％), traditional
characters (萬 億 餘 兩 個) and, from a PDF, line breaks in the middle of sentences. The rules read a
*normalised twin* of the text of exactly the same length: a span [start, end) found in the twin is the
same span of the original, so `source_quote` and `as_written` are cut from the original and stand in it
word for word. Only the joining of wrapped lines (`join_wrapped_lines`) changes the text itself, and it
runs before anything is quoted, on what the document reader returns.
"""

from __future__ import annotations

import re

# Traditional → simplified, one character each: every character that matters to a number, its unit, its
# qualifier or its period, and the common words around them. Not a converter (OpenCC changes phrases and
# lengths); enough for the rules, which only need these.
_TRADITIONAL = (
    "萬万 億亿 餘余 約约 兩两 個个 於于 來来 歲岁 場场 項项 條条 種种 點点 屆届 臺台 處处 間间 張张 塊块 筆笔 "
    "週周 對对 數数 幾几 資资 會会 員员 級级 國国 計计 總总 額额 達达 過过 與与 參参 結结 導导 時时 後后 "
    "內内 裡里 裏里 將将 戶户 頁页 線线 熱热 電电 話话 號号 區区 縣县 鎮镇 廠厂 業业 勞劳 動动 職职 協协 "
    "調调 獎奖 狀状 範范 練练 競竞 賽赛 補补 貼贴 務务 類类 貳贰 陸陆 圓元 億亿 隊队 幫帮 開开 "
    "學学 體体 實实 現现 產产 經经 濟济 際际 減减 並并 為为 們们 這这 單单 門门 關关 東东 車车 築筑 "
    "設设 區区 組组 織织 務务 選选 樹树 創创 訓训 講讲 讀读 書书 動动 療疗 養养 傳传 廣广 權权 糾纠 "
    "紛纷 訴诉 審审 億亿 興兴 鄉乡 鄰邻 銀银 錢钱 萬万 幣币 餘余 僅仅 約约 逾逾 超超 近近 達达 約约 "
    "歷历 屆届 屬属 團团 黨党 會会 議议 聯联 莊庄 園园 嚴严 難难 醫医 險险 齡龄 歲岁 離离 義义 紀纪 "
    "帶带 長长 覆覆 蓋盖 無无 層层 應应 報报 屆届 倉仓 庫库 價价 億亿 據据 顯显 較较 漲涨 額额 萬万 "
    "續续 維维 護护 盡尽 輕轻 嘗尝 兒儿 氣气 溫温 暖暖 涼凉 寶宝 貧贫 困困 濟济 殘残 疾疾 優优 秀秀 "
    "雙双 頂顶 斤斤 套套 輛辆 臺台 冊册 篇篇 棟栋 幢幢 節节 輪轮 站站 筆笔 單单 例例 宗宗 首首"
)
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ！…～ → ASCII
_TABLE: dict[int, int] = {**_FULL_WIDTH, 0x3000: 0x20}  # ideographic space
for _pair in _TRADITIONAL.split():
    _TABLE[ord(_pair[0])] = ord(_pair[1])
# Dashes and tildes of ranges, all one hyphen for the rules: 3000—5000元, 3000～5000元.
for _dash in "‐‑‒–—―−～〜":
    _TABLE[ord(_dash)] = ord("-") if _dash not in "～〜" else ord("~")


def normalise(text: str) -> str:
    """The twin the rules read: full-width forms as ASCII, traditional characters as simplified, same length."""
    twin = text.translate(_TABLE)
    assert len(twin) == len(text)  # one-to-one: spans of the twin are spans of the original
    return twin


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SENTENCE_END = "。！？!?；;：:…”」』）)"
# A wrapped line: ends in a CJK character, digit, or comma-like mark (never a sentence end), and the next
# line goes on with text. Headings and captions are short; a wrapped line of body text is long.
_WRAP_MIN = 16


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def join_wrapped_lines(text: str, *, across_blank: bool = False, min_length: int = _WRAP_MIN) -> str:
    """Join the line breaks that fall inside a sentence: CJK text wraps without hyphens and without spaces.

    A break is joined when the line before is long enough to be body text (not a heading), does not end a
    sentence, and the next line starts with a CJK character, a digit or a closing/continuing mark.
    `across_blank` also joins over one empty line (a newspaper's column break inside a word: 考\\n\\n取技师).
    Spaces that a PDF's text layer puts between CJK characters are removed too.
    """
    text = re.sub(f"(?<=[{_CJK}]) +(?=[{_CJK}0-9])|(?<=[0-9]) +(?=[{_CJK}])", "", text)
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        while True:
            nxt = index + 1
            if across_blank and nxt + 1 < len(lines) and not lines[nxt].strip():
                nxt += 1
            if nxt >= len(lines):
                break
            follow = lines[nxt].strip()
            stripped = line.strip()
            if not (stripped and follow and _wrapped(stripped, follow, min_length)):
                break
            line = line + follow
            index = nxt
        out.append(line)
        index += 1
    return "\n".join(out)


def _wrapped(line: str, follow: str, min_length: int) -> bool:
    if len(line) < min_length or line[-1] in _SENTENCE_END:
        return False
    last_ok = _is_cjk(line[-1]) or line[-1].isdigit() or line[-1] in "，,、“《（(%"
    first_ok = _is_cjk(follow[0]) or follow[0].isdigit() or follow[0] in "，,。、；;：:”》）)%"
    return last_ok and first_ok


def han_share(text: str) -> float:
    """The share of CJK characters among the letters of `text` (0 for empty or non-Chinese text)."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for char in letters if _is_cjk(char)) / len(letters)
