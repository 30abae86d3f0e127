"""The dashboard's own words, in Chinese (the default) and English. Data labels come from the data."""

from __future__ import annotations

from uniondash.model import Lang

TEXT: dict[Lang, dict[str, str]] = {
    "zh": {
        "skip": "跳到正文",
        "nav_label": "页面导航",
        "overview": "总览",
        "current_page": "（当前页面）",
        "overview_lead": "{edition}的核心数字，出自{citation}。点击“原文与出处”查看每个数字在报告中的原句。",
        "overview_lead_years": "{years}的核心数字。点击“原文与出处”查看每个数字在报告中的原句。",
        "later_heading": "此后发布的报告",
        "later_note": "以下数字出自{edition}之后发布的报告，与上面的数字分开列出，各注年份。",
        "later_report": "{edition}（{published}发布）",
        "later_series": "{chart}：逐年数字",
        "later_open": "只看这份报告",
        "period_line": "本页数字：{}",
        "other_lang": "English",
        "other_lang_label": "Switch to English",
        "slides": "幻灯片",
        "briefing": "简报",
        "filters": "筛选",
        "years": "年份",
        "from": "从",
        "to": "至",
        "years_default": "{edition}（{count}）",
        "years_default_later": "{edition}（{count}），另列此后报告的数字（{later}）",
        "years_edition": "{edition}（{count}）",
        "years_choice": "{years}（{count}）",
        "years_note": "另含{}。",
        "years_note_later": "此后报告的数字另列于后：{}。",
        "years_later_count": "{edition}的 {} 个数字",
        "years_span_count": "{period}的 {} 个数字",
        "choice_count": "{label}（{count}）",
        "in_section": " · {}",
        "all_years": "全部年份",
        "n_programmes": "{} 个项目",
        "n_sections": "{} 个板块",
        "sections": "板块",
        "programmes": "项目",
        "programmes_here": "本板块项目（不选即全部）",
        "all_programmes": "全部项目",
        "all_sections": "全部板块",
        "reset": "清除筛选",
        "export_excel": "导出 Excel",
        "notices": "以下参数未能识别，已改用默认值：",
        "headlines": "核心数字",
        "no_headlines": "所选板块或项目没有核心数字；它们的 {} 个数字见以下板块页面：{{sections}}。",
        "no_figures": "所选年份、板块和项目下没有任何数字。",
        "list_sep": "、",
        "hidden_headlines": "{total} 个核心数字中有 {hidden} 个未显示：它们涵盖的年份（{periods}）不全在所选年份（{years}）之内。",
        "hidden_headlines_why": "跨越多年的数字（如五年合计）只在所选年份包含其每一年时显示。",
        "show_all_years": "显示全部年份",
        "report_part": "镜头 {}",
        "sections_index": "各板块",
        "figures_count": "{} 个数字",
        "charts_count": "{} 张图表",
        "not_chosen_here": "（所选项目不在本板块）",
        "more_figures": "其他全市数字",
        "more_figures_note": "不便作图的全市汇总数字。",
        "stories": "人物、单位与单项活动",
        "stories_note": "以下数字属于个人、单位或某一次活动，不是全市汇总，也不计入上面的图表。",
        "nothing_here": "所选筛选条件下，本板块没有可显示的数字。",
        "source": "来源",
        "quote_summary": "原文与出处",
        "period": "时期",
        "table": "查看数据表",
        "table_caption": "{}：数据与原文",
        "col_label": "指标",
        "col_value": "数值",
        "col_as_written": "原文数字",
        "col_period": "时期",
        "col_quote": "原文引述",
        "share": "分享与导出",
        "embed": "嵌入页面",
        "embed_code": "嵌入代码（固定为本图所示时期，新报告不会改变它）",
        "embed_code_live": "实时嵌入代码（始终显示最新报告的数字）",
        "embed_live_note": "实时代码嵌入的图表会在导入新报告后改变；报道某一期报告的文章请用上面的固定代码。",
        "embed_code_static": "无脚本嵌入代码（静态图，适用于会删除脚本的网站）",
        "share_link": "本图链接",
        "share_published": "发布版链接（固定版本，永不改变）",
        "copy": "复制",
        "copied": "已复制",
        "qualifiers": "数字均按报告原文，保留“余”“多”“以上”“接近”等限定词；标注“计算值”的数字由本看板计算。",
        "not_found": "页面不存在",
        "not_found_text": "没有这个页面：{}。请从下面的链接进入。",
        "unknown_section": "没有这个板块：{}。请从下面的链接进入。",
        "sep": "；",
        "colon": "：",
    },
    "en": {
        "skip": "Skip to content",
        "nav_label": "Pages",
        "overview": "Overview",
        "current_page": " (current page)",
        "overview_lead": "Headline figures of the {edition} ({citation}). Open “Source quote” to read each "
        "figure's sentence.",
        "overview_lead_years": "Headline figures for {years}. Open “Source quote” to read each figure's sentence.",
        "later_heading": "Reports published since",
        "later_note": "These figures come from reports published after the {edition}. They are listed apart from "
        "the figures above, each with its year.",
        "later_report": "{edition} (published {published})",
        "later_series": "{chart}: year by year",
        "later_open": "Show this report alone",
        "period_line": "Figures on this page: {}",
        "other_lang": "中文",
        "other_lang_label": "切换到中文",
        "slides": "Slides",
        "briefing": "Briefing",
        "filters": "Filters",
        "years": "Years",
        "from": "From",
        "to": "to",
        "years_default": "{edition} ({count})",
        "years_default_later": "{edition} ({count}), later reports' figures beside ({later})",
        "years_edition": "{edition} ({count})",
        "years_choice": "{years} ({count})",
        "years_note": "Also shown: {}.",
        "years_note_later": "Listed apart, below: {}.",
        "years_later_count": "{} figures of the {edition}",
        "years_later_count_one": "{} figure of the {edition}",
        "years_span_count": "{} figures for {period}",
        "years_span_count_one": "{} figure for {period}",
        "choice_count": "{label} ({count})",
        "in_section": " · {}",
        "all_years": "all years",
        "n_programmes": "{} programmes",
        "n_programmes_one": "{} programme",
        "n_sections": "{} sections",
        "n_sections_one": "{} section",
        "sections": "Sections",
        "programmes": "Programmes",
        "programmes_here": "Programmes (tick none for all)",
        "all_programmes": "All programmes",
        "all_sections": "All sections",
        "reset": "Clear filters",
        "export_excel": "Export to Excel",
        "notices": "Some parameters were not understood; defaults are used instead:",
        "headlines": "Headline figures",
        "no_headlines": "The chosen sections or programmes have no headline figures; their {} figures are on "
        "these section pages: {{sections}}.",
        "no_headlines_one": "The chosen sections or programmes have no headline figures; their one figure is on "
        "this section page: {{sections}}.",
        "no_figures": "No figures match the chosen years, sections and programmes.",
        "list_sep": ", ",
        "hidden_headlines": "{hidden} of {total} headline figures are hidden: the years they cover ({periods}) "
        "are not all among the chosen years ({years}).",
        "hidden_headlines_one": "{hidden} of {total} headline figures is hidden: the years it covers ({periods}) "
        "are not all among the chosen years ({years}).",
        "hidden_headlines_why": "A figure that covers several years, such as a five-year total, is shown only "
        "when every one of its years is chosen.",
        "show_all_years": "Show all years",
        "report_part": "Report part {}",
        "sections_index": "Sections",
        "figures_count": "{} figures",
        "figures_count_one": "{} figure",
        "charts_count": "{} charts",
        "charts_count_one": "{} chart",
        "not_chosen_here": " (no chosen programme is in this section)",
        "more_figures": "More city-wide figures",
        "more_figures_note": "City-wide totals that do not make a chart.",
        "stories": "People, companies and single events",
        "stories_note": "These figures are about one person, company or event. They are not city-wide totals "
        "and are not in the charts above.",
        "nothing_here": "No figures of this section for these filters.",
        "source": "Source",
        "quote_summary": "Source quote",
        "period": "Period",
        "table": "Show the data table",
        "table_caption": "{}: data and quotes",
        "col_label": "Figure",
        "col_value": "Value",
        "col_as_written": "As written (zh)",
        "col_period": "Period",
        "col_quote": "Quote from the report (zh)",
        "share": "Share and export",
        "embed": "Embed page",
        "embed_code": "Embed code (fixed to the period shown: new reports never change it)",
        "embed_code_live": "Live embed code (always the newest report's figures)",
        "embed_live_note": "A live code's chart changes when a new report is added: for an article about one "
        "report, use the fixed code above.",
        "embed_code_static": "Embed code without JavaScript (a still chart, for sites that strip scripts)",
        "share_link": "Link to this chart",
        "share_published": "As published (a fixed version that never changes)",
        "copy": "Copy",
        "copied": "Copied",
        "qualifiers": "Figures are as the report writes them, qualifiers (over, nearly, or more) kept; "
        "figures marked “computed” were computed by this dashboard.",
        "not_found": "Page not found",
        "not_found_text": "There is no page {}. Choose one below.",
        "unknown_section": "There is no section {}. Choose one below.",
        "sep": "; ",
        "colon": ": ",
    },
}


# The overview's heading by the kind of report its view shows ('' for a view by years).
OVERVIEW_HEADINGS: dict[Lang, dict[str, str]] = {
    "zh": {
        "five-year": "五年工作成就一览",
        "annual": "年度工作成就一览",
        "mid-term": "阶段工作成就一览",
        "": "工作成就一览",
    },
    "en": {
        "five-year": "Five years at a glance",
        "annual": "The year at a glance",
        "mid-term": "The term so far at a glance",
        "": "At a glance",
    },
}


# Section tabs in a row of navigation where a section's name is too long for one row at 1920px: a short name
# that is still the section's (the page's heading and title keep the full one). Chinese names are short.
NAV_LABELS: dict[Lang, dict[str, str]] = {
    "zh": {},
    "en": {
        "ideology": "Hearts and minds",
        "models": "Model workers",
        "workforce": "Workforce reform",
        "relations": "Labour relations",
        "new-forms": "New forms of employment",
    },
}


def nav_label(lang: Lang, section_id: str, name: str) -> str:
    """The tab label of section `section_id`, whose full name is `name`: its short name, or the name."""
    return NAV_LABELS[lang].get(section_id, name)


def t(lang: Lang, key: str) -> str:
    """The UI string `key` in `lang`."""
    return TEXT[lang][key]


def tn(lang: Lang, key: str, count: int, **fields: object) -> str:
    """The UI string `key` for `count` things, `count` filled in: '1 chart', '2 charts'; '1 张图表'.

    English has a singular form under `key_one`; Chinese nouns do not change with the number, so it has none.
    """
    singular = f"{key}_one"
    text = TEXT[lang][singular] if count == 1 and singular in TEXT[lang] else TEXT[lang][key]
    return text.format(count, **fields)
