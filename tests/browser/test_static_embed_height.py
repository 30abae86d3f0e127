"""The share panel's embed code without JavaScript (for a CMS that strips scripts): the light embed in a frame
of a fixed height. Measured in Chromium with scripts off, at phone to desktop widths, for every chart in both
languages: the page's content always fits the frame, so nothing is cut."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_static_site import browser  # noqa: F401  (the Playwright Chromium fixture)
from tests.unit.test_web_pages import find
from uniondash.charts import CHARTS
from uniondash.model import Dataset
from uniondash.web.pages import render

pytestmark = pytest.mark.browser

# A phone, a large phone, the widest frame of the phone drawing (at its largest), a tablet column, desktop.
WIDTHS = (320, 390, 478, 520, 640, 768, 1280)
# The page's content: down to the footer's bottom plus the body's padding (what _embed_height.html posts).
CONTENT = """() => {
  const footer = document.querySelector("footer");
  const padding = parseFloat(getComputedStyle(document.body).paddingBottom) || 0;
  return Math.ceil(footer.getBoundingClientRect().bottom + window.scrollY + padding);
}"""


def embed_codes(dataset: Dataset, lang: str) -> dict[str, tuple[str, int]]:
    """Each chart's no-JavaScript embed code as its section page offers it: (src, height)."""
    codes = {}
    for section_id in dict.fromkeys(chart.section_id for chart in CHARTS.values()):
        page = render(dataset, f"/section/{section_id}", f"?lang={lang}")
        for chart in CHARTS.values():
            if chart.section_id != section_id:
                continue
            code = find(page, f"embed-code-static-{chart.id}").to_plotly_json()["props"]["value"]
            assert "<script" not in code
            src = html.unescape(re.search(r'src="([^"]+)"', code)[1])
            codes[chart.id] = (src, int(re.search(r'height="(\d+)"', code)[1]))
    return codes


@pytest.fixture(scope="module")
def no_script(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 300})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_embed_without_script_fits_its_frame_at_every_width(
    dashboard_url: str, dataset: Dataset, no_script: Any, lang: str
) -> None:
    codes = embed_codes(dataset, lang)
    assert set(codes) == set(CHARTS)
    cut = []
    for chart_id, (src, height) in codes.items():
        assert "static=1" in src and "section=" not in src
        tallest = 0
        for width in WIDTHS:
            no_script.set_viewport_size({"width": width, "height": height})
            no_script.goto(dashboard_url + src)
            assert no_script.locator("figure svg").count() == 2, f"{chart_id}: not drawn"
            content = no_script.evaluate(CONTENT)
            tallest = max(tallest, content)
            if content > height:
                cut.append(f"{chart_id} at {width}px: {content}px of content in a {height}px frame")
            # Nothing wider than the frame either.
            assert no_script.evaluate("document.documentElement.scrollWidth") <= width, f"{chart_id} at {width}px"
        # Tall enough, not needlessly so: the frame is within a third of the content at its tallest.
        assert height <= tallest * 4 / 3, f"{chart_id}: a {height}px frame for at most {tallest}px"
    assert cut == []
