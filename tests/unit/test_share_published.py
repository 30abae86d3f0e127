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
