"""The share panel's "as published" link ($UNIONDASH_PUBLISHED_URL): the chart in the static site."""

from __future__ import annotations

import json

import pytest
from plotly.utils import PlotlyJSONEncoder

from uniondash import share
from uniondash.charts import CHARTS
from uniondash.model import Filters
from uniondash.web.chart_blocks import share_links

SITE = "https://static.example.cn/uniondash/v/2024-01"


@pytest.mark.parametrize(
    ("value", "site"),
    [
        (SITE + "/", SITE),
        ("  " + SITE + " ", SITE),
        ("", ""),
        ("javascript:alert(1)", ""),  # never a link that is not an address
        ("static.example.cn", ""),
    ],
)
def test_published_site_from_the_environment(value: str, site: str) -> None:
    assert share.published_site({share.ENV_PUBLISHED_URL: value}) == site


def test_published_embed_url_in_each_language() -> None:
    assert share.published_embed_url("aid-funds", Filters(), SITE) == f"{SITE}/embed/aid-funds/index.html"
    assert share.published_embed_url("aid-funds", Filters(lang="en"), SITE) == f"{SITE}/en/embed/aid-funds/index.html"


def test_each_report_has_its_published_embed_in_its_folder() -> None:
    # build-static bakes every report's embeds under its period, as its live embeds name it (report=2024).
    report = Filters(lang="en", report=(2024, 2024), compare=())
    assert share.published_embed_url("talent", report, SITE) == f"{SITE}/en/embed/talent/2024/index.html"
    five_years = Filters(report=(2014, 2018))
    assert share.published_embed_url("aid-funds", five_years, SITE) == f"{SITE}/embed/aid-funds/2014-2018/index.html"
    # A comparison is not baked: no published twin rather than one that shows less.
    compared = Filters(report=(2019, 2023), compare=((2014, 2018),))
    assert share.published_embed_url("aid-funds", compared, SITE) is None


def test_no_published_link_for_a_filtered_view_or_without_a_site() -> None:
    # The static site holds each chart's full view only: a filtered view has no published twin.
    assert share.published_embed_url("aid-funds", Filters(years=frozenset({2021})), SITE) is None
    assert share.published_embed_url("aid-funds", Filters(), "") is None


def panel_text(filters: Filters) -> str:
    return json.dumps(share_links(CHARTS["aid-funds"], filters).to_plotly_json(), cls=PlotlyJSONEncoder)


def test_share_panel_offers_the_published_link_beside_the_live_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(share.ENV_PUBLISHED_URL, raising=False)
    assert "share-published" not in panel_text(Filters())
    monkeypatch.setenv(share.ENV_PUBLISHED_URL, SITE)
    text = panel_text(Filters(lang="en"))
    assert "share-published-aid-funds" in text
    assert f"{SITE}/en/embed/aid-funds/index.html" in text
    assert "As published" in text
    assert "share-link-aid-funds" in text  # the live link stays


def test_a_charts_links_never_repeat_the_section_its_path_names() -> None:
    # On /section/aid the page's filters hold section=aid; the chart's own links need not say it again.
    filters = Filters(years=frozenset({2022, 2023}), sections=("aid",), programmes=("winter-warmth",), lang="en")
    query = "years=2022-2023&programme=winter-warmth&lang=en"
    assert share.chart_view_url("aid-funds", "aid", filters) == f"/section/aid?{query}#chart-aid-funds"
    assert share.embed_url("aid-funds", filters, static=True) == f"/embed/aid-funds?{query}&static=1"
    assert share.export_url("aid-funds", "png", filters, width=800) == f"/export/chart/aid-funds.png?{query}&width=800"
    # The published copy is offered on the section page too: its view is the chart's full one.
    site = "https://static.example.cn/ud/v/1"
    assert (
        share.published_embed_url("aid-funds", Filters(sections=("aid",)), site) == f"{site}/embed/aid-funds/index.html"
    )


def test_the_code_without_script_has_a_frame_for_the_phone_drawing_at_its_widest() -> None:
    # A 400px chart: its phone drawing shown at most 1.25× (500px), and the page's title and source around it.
    assert share.static_frame_height(400) == 400 * share.STATIC_NARROW_MAX // share.STATIC_NARROW_WIDTH + 150
    code = share.static_iframe_code("aid-funds", Filters(lang="en"), "https://data.example.cn/", "Aid funds", 400)
    assert code.startswith(
        '<iframe src="https://data.example.cn/embed/aid-funds?lang=en&amp;static=1" title="Aid funds"'
    )
    assert 'height="650"' in code and "<script" not in code
