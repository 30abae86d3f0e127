"""One function per chart: Dataset + Filters in, plotly Figure out. No Dash here.

Every chart is listed in `CHARTS` under a stable id (used in URLs: /embed/<id>, /export/chart/<id>.png).
`Chart.build` draws it for the filters (language in `filters.lang`); `Chart.rows` returns the facts
behind it, the same rows a data table or CSV download shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from uniondash.format import display_value
from uniondash.model import Dataset, Filters, filter_facts

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'


@dataclass(frozen=True)
class Chart:
    id: str
    section_id: str
    title_zh: str
    title_en: str
    rows: Callable[[Dataset, Filters], pd.DataFrame]
    build: Callable[[Dataset, Filters], go.Figure]

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


def _aid_funds_rows(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    facts = filter_facts(dataset.facts, filters)
    return facts[(facts["section_id"] == "aid") & (facts["measure_id"] == "money") & (facts["kind"] == "aggregate")]


def aid_funds_figure(dataset: Dataset, filters: Filters) -> go.Figure:
    """Placeholder (to be replaced by the dashboard work): aid money by programme."""
    rows = _aid_funds_rows(dataset, filters)
    lang = filters.lang
    figure = go.Figure(
        go.Bar(
            x=rows["value"],
            y=rows[f"label_{lang}"],
            orientation="h",
            text=[display_value(row, lang) for _, row in rows.iterrows()],
        )
    )
    figure.update_layout(font_family=FONT_FAMILY, title=CHARTS["aid-funds"].title(lang))
    return figure


CHARTS: dict[str, Chart] = {
    chart.id: chart
    for chart in [
        Chart(
            "aid-funds", "aid", "职工帮扶资金（按项目）", "Aid funds by programme", _aid_funds_rows, aid_funds_figure
        ),
    ]
}
