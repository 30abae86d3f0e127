"""The chart registry: which charts exist, under which stable id, and which facts each is about.

Every chart is listed in `CHARTS` under a stable id (used in URLs: /embed/<id>, /export/chart/<id>.png) with
its section, titles, one-sentence description and a row selector. What a chart *says* for a Dataset and
Filters is `chartspec.chart_spec` (plain data); how a medium draws it is a renderer's (`figures` for plotly,
`exports.xlsx_charts` for Excel). Nothing here draws, and nothing here imports a renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from uniondash.model import Dataset, Filters, filter_facts, remember

# A chart's city-wide facts of the whole data, by (frame, selector): the filters then only narrow these.
_CHART_UNIVERSE: dict[tuple[int, Callable[..., Any]], tuple[pd.DataFrame, pd.DataFrame]] = {}
_CHART_UNIVERSE_MAX = 256


def chart_facts(facts: pd.DataFrame, filters: Filters, select: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """The city-wide totals the filters keep and `select` picks, in the report's order.

    The rows are picked as `select(kept) & aggregate` of the kept facts would pick them; the selection (row by
    row) is made once per frame, and the filters then narrow those few rows (`filter_facts`, kept per filters).
    """
    key = (id(facts), select)
    hit = _CHART_UNIVERSE.get(key)
    if hit is not None and hit[0] is facts:
        universe = hit[1]
    else:
        universe = facts[select(facts) & (facts["kind"] == "aggregate")]
        remember(_CHART_UNIVERSE, key, (facts, universe), _CHART_UNIVERSE_MAX)
    if filters.latest:
        filters = replace(filters, latest=False, report=newest_report(universe))
    return filter_facts(universe, filters)


def newest_report(facts: pd.DataFrame) -> tuple[int, int] | None:
    """The period of the newest report among `facts` (a chart's figures): the live embed's 'latest'. Of two
    ending together, the longer (the five-year report over the annual report of its last year)."""
    if facts.empty:
        return None
    periods = set(zip(facts["edition_start"].astype(int), facts["edition_end"].astype(int), strict=True))
    start, end = max(periods, key=lambda period: (period[1], period[1] - period[0]))
    return int(start), int(end)


@dataclass(frozen=True)
class Chart:
    id: str
    section_id: str
    title_zh: str
    title_en: str
    # Which facts of the whole data the chart is about (a row mask); `rows` narrows them to the filters.
    select: Callable[[pd.DataFrame], pd.Series]
    # One sentence on what the chart shows (subtitle, text alternative).
    description_zh: str = ""
    description_en: str = ""

    def rows(self, dataset: Dataset, filters: Filters) -> pd.DataFrame:
        """The city-wide facts behind the chart for the filters: the rows a data table or CSV shows."""
        return chart_facts(dataset.facts, filters, self.select)

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def description(self, lang: str) -> str:
        return self.description_zh if lang == "zh" else self.description_en


def _chart(
    chart_id: str,
    section_id: str,
    titles: tuple[str, str],
    descriptions: tuple[str, str],
    select: Callable[[pd.DataFrame], pd.Series],
) -> Chart:
    return Chart(chart_id, section_id, titles[0], titles[1], select, descriptions[0], descriptions[1])


def _where(
    *,
    section: str | None = None,
    programmes: Sequence[str] = (),
    metrics: Sequence[str] = (),
    measures: Sequence[str] = (),
) -> Callable[[pd.DataFrame], pd.Series]:
    """A row selector: facts of the section, and of any listed programme or metric, and of the measures."""

    def select(facts: pd.DataFrame) -> pd.Series:
        keep = pd.Series(True, index=facts.index)
        if section:
            keep &= facts["section_id"] == section
        if programmes or metrics:
            keep &= facts["programme_id"].isin(programmes) | facts["metric_id"].isin(metrics)
        if measures:
            keep &= facts["measure_id"].isin(measures)
        return keep

    return select


# Registry order is the page order; the first chart of each section is its key chart (briefing, slides).
CHARTS: dict[str, Chart] = {
    chart.id: chart
    for chart in [
        _chart(
            "education-activities",
            "ideology",
            ("职工思想政治教育活动场次", "Education and outreach activities"),
            (
                "主题教育、劳模工匠宣讲与职工阅读活动，场次",
                "Themed education, talks by model workers and craftsmen, and workers' reading: events held",
            ),
            _where(section="ideology", measures=("events",)),
        ),
        _chart(
            "aid-funds",
            "aid",
            ("职工帮扶资金和物资（按项目）", "Aid funds and goods by programme"),
            (
                "各帮扶项目筹集或发放的金额；斜纹为其中一部分",
                "Money raised or paid per programme; hatched: part of the bar above",
            ),
            _where(section="aid", measures=("money",)),
        ),
        _chart(
            "people-helped",
            "aid",
            ("职工帮扶受助人数（按项目）", "People helped by programme (persons)"),
            (
                "按人数统计；按人次统计的见另一图，两者不相加",
                "Counted in persons; person-times are in a separate chart and never added",
            ),
            _where(section="aid", measures=("persons",)),
        ),
        _chart(
            "people-helped-times",
            "aid",
            ("职工帮扶受助人次（按项目）", "People helped by programme (person-times)"),
            (
                "按人次统计（同一人可多次受助）；不与人数相加",
                "Counted in person-times (one person may be helped often); never added to persons",
            ),
            _where(section="aid", measures=("person_times",)),
        ),
        _chart(
            "model-workers",
            "models",
            ("劳动模范（按级别）", "Model workers by level"),
            ("全国、省、市三级劳模人数", "National, provincial and city model workers"),
            _where(metrics=("model-workers",)),
        ),
        _chart(
            "honours-by-level",
            "models",
            (
                "五一劳动奖与工人先锋号（按级别和类型）",
                "May Day Labour awards and Workers' Pioneer titles by level and type",
            ),
            (
                "奖章按人计，奖状和先锋号按集体计，分开绘制",
                "Medals go to people, award certificates and Workers' Pioneer titles to collectives: drawn apart",
            ),
            _where(programmes=("may-day-honours",)),
        ),
        _chart(
            "craftsmen",
            "models",
            ("工匠与提名人选（按级别）", "Craftsmen and nominees by level"),
            (
                "大国工匠、湖湘工匠、株洲工匠及其提名",
                "Great Craftsmen of the Nation, Huxiang Craftsmen, Zhuzhou Craftsmen and their nominees",
            ),
            _where(metrics=("craftsmen", "craftsman-nominees")),
        ),
        _chart(
            "innovation-studios",
            "models",
            ("劳模和工匠人才创新工作室（按级别）", "Model worker and craftsman innovation studios by level"),
            ("示范性创新工作室个数", "Demonstration innovation studios"),
            _where(programmes=("innovation-studios",)),
        ),
        _chart(
            "competitions",
            "workforce",
            ("劳动和技能竞赛", "Labour and skills competitions"),
            ("竞赛场次与参赛人次，分开绘制", "Competitions held and participants (person-times), drawn apart"),
            _where(programmes=("competitions",)),
        ),
        _chart(
            "industry-education",
            "workforce",
            ("产教融合：产业学院、实训基地与“双师”工作室", "Industry–education integration"),
            ("产业学院（所）与实训基地、工作室（个）", "Industry colleges, training bases and dual-teacher studios"),
            _where(programmes=("industry-education",), measures=("organisations",)),
        ),
        _chart(
            "talent",
            "workforce",
            ("全市人才总量与高技能人才", "Talent pool and high-skilled talent"),
            ("高技能人才是人才总量的一部分（斜纹）", "High-skilled talent is part of the total (hatched)"),
            _where(programmes=("talent",)),
        ),
        _chart(
            "labour-disputes",
            "relations",
            ("劳动争议调处与法律援助案件", "Labour disputes and legal aid cases"),
            (
                "受理与调解撤诉结案的劳动争议，及法律援助案件",
                "Labour disputes accepted and closed by mediation or withdrawal; legal aid cases",
            ),
            _where(programmes=("dispute-resolution",), metrics=("legal-aid-cases",)),
        ),
        _chart(
            "labour-relations-rates",
            "relations",
            ("工资集体协商与职代会建制率", "Collective bargaining and workers' congress coverage"),
            ("已建工会企业中的建制率", "Share of unionised enterprises with the system in place"),
            _where(metrics=("coverage-rate",)),
        ),
        _chart(
            "organisations",
            "new-forms",
            ("工会组织与职工之家建设", "Union organisations and workers' homes"),
            (
                "新业态劳动者工会、职工之家与示范点个数",
                "Unions for workers in new forms of employment, Workers' Homes and demonstration sites",
            ),
            _where(programmes=("new-form-unions", "worker-homes"), metrics=("demonstration-sites",)),
        ),
        _chart(
            "unions-honoured",
            "new-forms",
            ("获评全省先进的基层工会", "Grassroots unions honoured by the province"),
            ("县区、乡镇（街道）和园区工会", "County, township, sub-district and development-zone unions"),
            _where(metrics=("unions-honoured",)),
        ),
    ]
}
