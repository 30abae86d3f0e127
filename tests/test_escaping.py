"""Text from the data is shown as text everywhere, never run as markup.

A copy of the data has programme, section, figure and source labels holding `<script>`, `<img onerror>`,
`"'><b>` and `=HYPERLINK(…)`. Every page and download is read back: HTML pages (embeds, slides, briefing,
the chart's HTML file) never hold the markup raw, plotly figures hold it escaped (plotly reads <b>, <a>
and entities in its strings), the Dash pages' JSON holds it only as text props of components that React
renders as text (no Markdown, no `dangerously_allow_html`), and JSON/CSV downloads hold the exact text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import markupsafe
import pytest
from flask.testing import FlaskClient
from jinja2 import Environment

from tests.unit.test_images import CHROMIUM, require_chromium
from tests.unit.test_load import set_cell
from uniondash.charts import CHARTS
from uniondash.exports.images import ChartRenderer
from uniondash.figures import chart_figure
from uniondash.web import press_routes
from uniondash.web.app import create_app

SRC = Path(__file__).resolve().parents[1] / "src" / "uniondash"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = "\"'><b>"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
# (file, row id, column, text): the tampered labels, each shown somewhere on the pages below.
TAMPERED = (
    ("programmes.csv", "winter-warmth", "label_zh", SCRIPT + "冬送温暖"),
    ("programmes.csv", "winter-warmth", "label_en", IMG + "Winter warmth"),
    ("sections.csv", "aid", "label_zh", BREAKOUT + "职工帮扶"),
    ("sections.csv", "aid", "label_en", BREAKOUT + "Help for workers"),
    ("facts.csv", "aid-winter-funds", "label_zh", FORMULA + IMG),
    ("facts.csv", "aid-winter-funds", "label_en", SCRIPT + "Winter funds"),
    ("sources.csv", "zzrb-2023-11-30-p03", "citation_zh", "株洲日报" + IMG),
)
MARKUP = (SCRIPT, IMG, BREAKOUT, "<b>")
CHART = "aid-funds"  # draws aid-winter-funds, under the tampered programme and section


@pytest.fixture(scope="module")
def tampered_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.synthetic import copy_shipped, seal_as_is

    target = copy_shipped(tmp_path_factory.mktemp("tampered") / "data")
    for file, row_id, column, text in TAMPERED:
        set_cell(target / file, row_id, column, text)
    seal_as_is(target)  # served: a server takes sealed sets only
    return target


@pytest.fixture(scope="module")
def client(tampered_dir: Path) -> Iterator[FlaskClient]:
    yield create_app(tampered_dir).server.test_client()


def test_the_chart_shows_the_tampered_rows(tampered_dir: Path) -> None:
    from uniondash.load import load_dataset
    from uniondash.model import Filters

    dataset = load_dataset(tampered_dir)
    assert "aid-winter-funds" in set(CHARTS[CHART].rows(dataset, Filters())["id"])
    assert CHARTS[CHART].section_id == "aid"


# ---------------------------------------------------------------------------------------------------
# HTML pages: the markup never appears raw, the text appears escaped.


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match[1]


def assert_escaped_page(page: str, shown: tuple[str, ...]) -> None:
    for markup in (SCRIPT, IMG, BREAKOUT):
        assert markup not in page, markup
    for text in shown:
        forms = (html.escape(text, quote=False), html.escape(text), str(markupsafe.escape(text)))
        assert any(form in page for form in forms), text
    assert page.count("</script>") == len(re.findall(r"<script[\s>]", page)), "a script element was opened by data"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_embed_page(client: FlaskClient, lang: str) -> None:
    page = client.get(f"/embed/{CHART}?lang={lang}").get_data(as_text=True)
    label = FORMULA + IMG if lang == "zh" else SCRIPT + "Winter funds"
    assert_escaped_page(page, (label,))
    figure = json.loads(found(r'<script id="embed-figure" type="application/json">(.*?)</script>', page))
    assert assert_plotly_strings_escaped(figure), "the tampered label is in the figure, escaped"
    # The page prints the source under the chart; the figure's own source line goes, escaped or not.
    citation = "株洲日报" if lang == "zh" else "Zhuzhou Daily"
    assert not [note for note in figure["layout"].get("annotations", []) if citation in note.get("text", "")]


@pytest.mark.parametrize("path", ["/present", "/briefing"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_meeting_pages(client: FlaskClient, path: str, lang: str) -> None:
    page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    programme = SCRIPT + "冬送温暖" if lang == "zh" else IMG + "Winter warmth"
    section = BREAKOUT + ("职工帮扶" if lang == "zh" else "Help for workers")
    # The slides draw 冬送温暖's figures in charts (no card titled with the programme); the briefing lists them.
    assert_escaped_page(page, (programme, section) if path == "/briefing" else (section,))
    figures = json_scripts(page)
    assert figures
    assert sum(assert_plotly_strings_escaped(figure) for figure in figures), "a tampered label is in a chart"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_html_file(client: FlaskClient, lang: str) -> None:
    page = client.get(f"/export/chart/{CHART}.html?lang={lang}").get_data(as_text=True)
    for markup in (SCRIPT, IMG, BREAKOUT):
        assert markup not in page, markup
    figure = json.loads(
        found(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{[^{}]*\"responsive", page)
    )
    assert assert_plotly_strings_escaped({"data": figure}), "the tampered label is in the figure, escaped"


def test_unknown_ids_in_urls_are_escaped_too(client: FlaskClient) -> None:
    page = client.get("/embed/%22'%3E%3Cb%3E%3Cimg%20src=x%20onerror=alert(1)%3E").get_data(as_text=True)
    assert IMG not in page and BREAKOUT not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# ---------------------------------------------------------------------------------------------------
# Plotly figures: data text escaped (plotly would read <b>, <a href>, <img>? as markup otherwise).


def plotly_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from plotly_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from plotly_strings(item)


def assert_plotly_strings_escaped(figure: dict[str, Any]) -> int:
    """No data markup in the figure's strings; returns how many strings hold escaped markup ('&lt;')."""
    texts = list(plotly_strings(figure))
    for text in texts:
        for markup in MARKUP[:3]:
            assert markup not in text, (markup, text)
        # Our own markup in figures is <b>, <br> and <extra>; data adds none.
        tags = set(re.findall(r"</?([a-zA-Z]+)", text))
        assert tags <= {"b", "br", "extra", "span", "i", "sub", "sup"}, (tags, text)
    return sum("&lt;" in text for text in texts)


def json_scripts(page: str) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    for block in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', page, re.S):
        value = json.loads(block)
        figures += [value] if isinstance(value, dict) and "data" in value else list(_figures(value))
    return figures


def _figures(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "data" in value and "layout" in value:
            yield value
        else:
            for item in value.values():
                yield from _figures(item)
    elif isinstance(value, list):
        for item in value:
            yield from _figures(item)


# ---------------------------------------------------------------------------------------------------
# Dash pages: components render props as text; figures escaped.

PAGE_CALLBACK = "..page.children...page-meta.data.."


def draw_page(client: FlaskClient, pathname: str, search: str) -> dict[str, Any]:
    body = {
        "output": PAGE_CALLBACK,
        "outputs": [{"id": "page", "property": "children"}, {"id": "page-meta", "property": "data"}],
        "inputs": [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": search},
        ],
        "changedPropIds": ["url.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    result: dict[str, Any] = response.get_json()["response"]
    return result


def components(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "type" in value and "namespace" in value and "props" in value:
            yield value
        for item in value.values():
            yield from components(item)
    elif isinstance(value, list):
        for item in value:
            yield from components(item)


@pytest.mark.parametrize("pathname", ["/", "/section/aid"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dash_pages_hold_data_as_text(client: FlaskClient, pathname: str, lang: str) -> None:
    result = draw_page(client, pathname, f"?lang={lang}")
    found = list(components(result))
    assert found
    graphs = 0
    for component in found:
        assert component["type"] not in ("Markdown", "Iframe"), component["type"]
        assert "dangerously_allow_html" not in component["props"]
        assert "srcDoc" not in component["props"]
        for name in ("href", "src"):
            link = component["props"].get(name)
            assert link is None or link.startswith(("/", "#", "http://localhost/")), link
        if component["type"] == "Graph":
            graphs += assert_plotly_strings_escaped(component["props"]["figure"])
    text = json.dumps(result, ensure_ascii=False)
    section = BREAKOUT + ("职工帮扶" if lang == "zh" else "Help for workers")
    assert section in text, "the label is on the page, as a text prop"
    assert graphs or pathname == "/", "the tampered label is in a chart of its section, escaped"
    assert result["page-meta"]["data"]["title"].startswith(section) or pathname == "/"


def test_layout_and_shell_hold_no_data(client: FlaskClient) -> None:
    for path in ("/_dash-layout", "/"):
        text = client.get(path).get_data(as_text=True)
        for markup in (SCRIPT, IMG, BREAKOUT):
            assert markup not in text


# ---------------------------------------------------------------------------------------------------
# Data formats hold the exact text, with a type that browsers will not sniff into HTML.


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_metadata_json_holds_the_exact_text(client: FlaskClient, lang: str) -> None:
    response = client.get(f"/export/chart/{CHART}.metadata.json?lang={lang}&programme=winter-warmth")
    assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
    metadata = response.get_json()
    label = {figure["id"]: figure["label"] for figure in metadata["figures"]}["aid-winter-funds"]
    assert label == (FORMULA + IMG if lang == "zh" else SCRIPT + "Winter funds")
    programme = metadata["filters"]["programmes"][0]["label"]
    assert programme == (SCRIPT + "冬送温暖" if lang == "zh" else IMG + "Winter warmth")


# ---------------------------------------------------------------------------------------------------
# The code: no HTML from data by construction.


def test_no_dangerously_allow_html_in_the_source() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "dangerously_allow_html" in line or "dcc.Markdown" in line
    ]
    assert offenders == []


def test_templates_autoescape_and_mark_nothing_safe_but_plotly() -> None:
    from uniondash import meeting

    environments: list[Environment] = [press_routes._templates, meeting._templates]
    for environment in environments:
        assert environment.autoescape("page.html") is True  # type: ignore[operator]
    templates = [*SRC.glob("templates/*.html"), *SRC.glob("web/templates/*.html")]
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert "autoescape false" not in text, template.name
        assert re.findall(r"\|\s*safe", text) in ([], ["|safe"]), template.name
        if "|safe" in text:
            assert "{{ plotly_js|safe }}" in text, f"{template.name}: only the bundled plotly.js is marked safe"


# ---------------------------------------------------------------------------------------------------
# The SVG file (rendered by Chromium): the text is text, no element or attribute from the data.


@pytest.mark.browser
def test_svg_holds_the_labels_as_text(tampered_dir: Path) -> None:
    require_chromium()
    from uniondash.exports.images import ChartImages, ImageSize, MemoryCache
    from uniondash.load import load_dataset
    from uniondash.model import Filters

    dataset = load_dataset(tampered_dir)
    renderer = ChartRenderer(CHROMIUM)
    try:
        for lang in ("zh", "en"):
            image = ChartImages(dataset, renderer, MemoryCache()).image(
                CHARTS[CHART], Filters(lang=lang), "svg", ImageSize(900, None, 1)
            )
            svg = image.data.decode("utf-8")
            assert "<script" not in svg and "onerror=" not in svg.replace("onerror=alert", "")
            assert not re.search(r"<(img|b)[\s>]", svg)
            # The text nodes hold the label (as character references), the way it was written.
            # The text nodes, the lines of a wrapped label joined (wrapping drops the space it breaks at).
            text = html.unescape(re.sub(r"<[^>]+>", "", svg)).replace(" ", "")
            assert (FORMULA + IMG if lang == "zh" else SCRIPT + "Winter funds").replace(" ", "") in text, lang
    finally:
        renderer.close()


def test_a_citation_with_an_ampersand_is_cited_once_in_image_exports(dataset: Any) -> None:
    from dataclasses import replace

    from uniondash.exports.images import chart_caption, figure_texts, print_figure
    from uniondash.model import Filters

    sources = dataset.sources.copy()
    sources["citation_zh"] = "株洲日报 & 新闻网"
    cited = replace(dataset, sources=sources)
    chart = CHARTS[CHART]
    figure = print_figure(chart_figure(chart, cited, Filters()), chart_caption(chart, cited, Filters()))
    assert sum("株洲日报 &amp; 新闻网" in text for text in figure_texts(figure)) == 1
