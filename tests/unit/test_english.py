"""English a press office can publish as it is: the field's terms as the glossary (docs/glossary.csv) gives
them, wherever the Chinese beside an English text holds one of its terms; and English typography (curly
quotes, en dashes in ranges, no full-width punctuation, dates as '7 December 2026') in every English text:
the data's labels, chart titles and descriptions, the dashboard's, slides', briefing's, workbook's, embeds'
and static site's words, and the pages, alt texts and files they make."""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_web_pages import walk
from uniondash.charts import CHARTS
from uniondash.exports import chart_files, xlsx, xlsx_charts, xlsx_tables
from uniondash.exports import images as image_exports
from uniondash.format import long_date
from uniondash.meeting import TEXT as MEETING_TEXT
from uniondash.meeting import plan_slides, render_briefing, render_present
from uniondash.model import Dataset, Filters
from uniondash.publish import site
from uniondash.web import i18n, press_routes
from uniondash.web.pages import render

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.csv"

# The words of each part of the program, in both languages under the same keys.
TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "web/i18n.py": i18n.TEXT,  # type: ignore[dict-item]
    "chartspec.py": __import__("uniondash.chartspec", fromlist=["TEXT"]).TEXT,
    "meeting.py": MEETING_TEXT,
    "exports/xlsx_tables.py": xlsx_tables.TEXT,  # type: ignore[dict-item]
    "exports/xlsx_charts.py": xlsx_charts.TEXT,  # type: ignore[dict-item]
    "exports/images.py": image_exports.TEXT,
    "web/press_routes.py": press_routes.TEXT,
    "publish/site.py": site.INDEX_TEXT,
}
# The data's labels: (table, zh column, en column).
DATA_LABELS = [
    ("facts", "label_zh", "label_en"),
    ("programmes", "label_zh", "label_en"),
    ("metrics", "label_zh", "label_en"),
    ("sections", "label_zh", "label_en"),
    ("kinds", "label_zh", "label_en"),
    ("levels", "label_zh", "label_en"),
    ("measures", "label_zh", "label_en"),
    ("scopes", "label_zh", "label_en"),
    ("sources", "title_zh", "title_en"),
    ("sources", "publication_zh", "publication_en"),
]


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    forms: tuple[str, ...]  # what counts as the chosen English (a plural, a shorter form)
    exact: bool  # matched with its case (proper names, campaign names in their quotes)
    avoid: tuple[str, ...]  # renderings found wrong, never to come back
    why: str

    def used_in(self, text: str) -> bool:
        if self.exact:
            return any(form in text for form in self.forms)
        return any(form.lower() in text.lower() for form in self.forms)

    def avoided_in(self, text: str) -> list[str]:
        flags = 0 if self.exact else re.IGNORECASE
        return [bad for bad in self.avoid if re.search(rf"(?<!\w){re.escape(bad)}", text, flags)]


def glossary() -> list[Term]:
    with GLOSSARY.open(encoding="utf-8", newline="") as handle:
        return [
            Term(
                row["zh"],
                row["en"],
                tuple(row["forms"].split("|")),
                row["match"] == "exact",
                tuple(bad for bad in row["avoid"].split("|") if bad),
                row["why"],
            )
            for row in csv.DictReader(handle)
        ]


def english_pairs(dataset: Dataset) -> list[tuple[str, str, str]]:
    """Every English text the program writes beside its Chinese: (where, zh, en)."""
    pairs = []
    for table, zh, en in DATA_LABELS:
        frame = getattr(dataset, table)
        pairs += [(f"data/{table}.csv {row['id']} {en}", str(row[zh]), str(row[en])) for _, row in frame.iterrows()]
    for chart in CHARTS.values():
        pairs.append((f"charts.py {chart.id} title", chart.title_zh, chart.title_en))
        pairs.append((f"charts.py {chart.id} description", chart.description_zh, chart.description_en))
    sections = dataset.sections.set_index("id")["label_zh"]
    pairs += [(f"web/i18n.py NAV_LABELS {key}", sections[key], short) for key, short in i18n.NAV_LABELS["en"].items()]
    for where, text in TEXTS.items():
        for key, en in text["en"].items():
            zh = text["zh"].get(key, text["zh"].get(key.removesuffix("_one"), ""))
            pairs.append((f"{where} {key}", zh, en))
    return pairs


def test_the_glossary_is_complete_and_explains_each_choice():
    terms = glossary()
    assert len(terms) >= 30
    for term in terms:
        assert term.zh and term.en and term.forms and len(term.why) > 20, term.zh
        # The chosen English is itself one of the forms accepted, and none of the forms is one to avoid.
        assert term.used_in(term.en), term.zh
        assert not any(term.avoided_in(form) for form in term.forms), term.zh
    assert len({term.zh for term in terms}) == len(terms)
    # The terms the reviewers named, as they asked.
    chosen = {term.zh: term.en for term in terms}
    assert chosen["工人先锋号"] == "Workers' Pioneer title"
    assert chosen["乡村振兴"] == "rural revitalisation"
    assert chosen["奖状"] == "award certificate"
    assert chosen["新就业形态劳动者"] == "workers in new forms of employment"


def test_every_english_text_uses_the_glossarys_english_for_the_terms_its_chinese_holds(dataset: Dataset):
    pairs = english_pairs(dataset)
    assert len(pairs) > 450
    missing, avoided = [], []
    for where, zh, en in pairs:
        for term in glossary():
            if term.zh in zh:
                if not term.used_in(en):
                    missing.append(f"{where}: {zh!r} holds {term.zh} ({term.en}), but {en!r} does not say so")
                avoided += [f"{where}: {en!r} says {bad!r} for {term.zh}" for bad in term.avoided_in(en)]
    assert missing == []
    assert avoided == []


def test_the_terms_the_reviewers_named_read_as_they_asked(dataset: Dataset):
    labels = dataset.facts.set_index("id")["label_en"]
    assert labels["workforce-xu-xianjie-award-winners"] == "Mentees who won prizes at city-level or higher competitions"
    assert labels["workforce-competitors"] == "Participants (person-times)"
    assert CHARTS["honours-by-level"].title_en == "May Day Labour awards and Workers' Pioneer titles by level and type"
    assert "rural revitalisation" in labels["models-rural-revival-bases"]
    programmes = dataset.programmes.set_index("id")["label_en"]
    # Campaign names one way: in curly quotes, title case, glossed once (in the programme's own name).
    for programme, name in [
        ("spring-jobs", "“Spring Jobs”"),
        ("summer-cool", "“Summer Cool”"),
        ("golden-autumn", "“Golden Autumn”"),
        ("winter-warmth", "“Winter Warmth”"),
    ]:
        assert programmes[programme].startswith(name + " ") and len(programmes[programme]) > len(name) + 4
        for label in labels[dataset.facts.set_index("id")["programme_id"] == programme]:
            assert name in label or not any(word in label for word in name.strip("“”").split()), label
    assert MEETING_TEXT["en"]["other_periods"] == " (a few figures cover other periods)"


# ---------------------------------------------------------------------------------------------------
# Typography.

FULL_WIDTH = re.compile(r"[（）【】［］｛｝〈〉《》「」『』、。，：；！？｜]")
STRAIGHT_QUOTES = re.compile(r'"|(?:^|(?<=[\s(]))\'[^\']*\'(?=[\s).,;:!?]|$)')
# A range of numbers written with a hyphen; a URL's own syntax (years=2019-2023) is not prose.
HYPHEN_RANGE = re.compile(r"(?<![=\w-])\d+-\d+(?![\w-])")
US_DATE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}"
)


def typography_problems(where: str, text: str) -> list[str]:
    problems = []
    for name, pattern in [
        ("full-width punctuation", FULL_WIDTH),
        ("straight quotes", STRAIGHT_QUOTES),
        ("a range with a hyphen", HYPHEN_RANGE),
        ("a US-style date", US_DATE),
    ]:
        problems += [f"{where}: {name} {match.group(0)!r} in {text[:120]!r}" for match in pattern.finditer(text)]
    return problems


def test_english_texts_have_curly_quotes_en_dashes_and_no_full_width_punctuation(dataset: Dataset):
    problems = []
    for where, _, en in english_pairs(dataset):
        problems += typography_problems(where, en)
    for column in ("note", "description_en"):
        for table in ("facts", "kinds"):
            frame = getattr(dataset, table)
            if column in frame:
                for _, row in frame.iterrows():
                    problems += typography_problems(f"data/{table}.csv {row['id']} {column}", str(row[column]))
    assert problems == []


def english_html_text(page: str) -> str:
    """What an English page says: its text and the texts of alt, title and aria-label attributes, without its
    scripts and styles and without what is marked Chinese (the report's own words, the language switch)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    page = re.sub(r'<(\w+)\b[^>]*\blang="zh[^"]*"[^>]*>.*?</\1>', " ", page, flags=re.DOTALL)
    attributes = re.findall(r'\b(?:alt|title|aria-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attributes]))


@pytest.fixture(scope="module")
def english_pages(dataset: Dataset) -> dict[str, str]:
    filters = Filters(lang="en")
    pages = {
        "/present?lang=en": render_present(dataset, filters, plan_slides(dataset, filters)),
        "/briefing?lang=en": render_briefing(dataset, filters, generated=date(2026, 12, 7), plotly_js=""),
    }
    for chart in CHARTS.values():
        query = {"lang": ["en"]}
        pages[f"/embed/{chart.id}?lang=en"] = press_routes.render_embed(dataset, chart.id, query, "n")[0]
        pages[f"/embed/{chart.id}?lang=en&static=1"] = press_routes.render_static_embed(
            dataset, chart.id, query, None, "n"
        )[0]
    return pages


def test_english_pages_embeds_and_their_alt_texts_are_typeset_in_english(english_pages: dict[str, str]):
    problems = []
    for where, page in english_pages.items():
        problems += typography_problems(where, english_html_text(page))
    assert problems == []
    # The still image's text alternative gives each figure's period in English brackets.
    assert (
        'alt="Aid funds and goods by programme: “Summer Cool” goods raised (value): over 26 million yuan (2019–2023)'
        in (english_pages["/embed/aid-funds?lang=en"])
    )


def component_text(node: Any) -> list[str]:
    """The texts of the dashboard's components, but those marked Chinese (the report's quotes)."""
    texts = []
    for component in walk(node):
        if str(getattr(component, "lang", "") or "").startswith("zh"):
            continue
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str):
                texts.append(child)
        for name in ("title", "alt", "placeholder", "aria-label"):
            value = component.to_plotly_json()["props"].get(name)
            if isinstance(value, str):
                texts.append(value)
    return texts


@pytest.mark.parametrize(
    "path", ["/", *(f"/section/{section}" for section in ("aid", "models", "workforce", "new-forms"))]
)
def test_the_dashboards_english_pages_are_typeset_in_english(dataset: Dataset, path: str):
    page = render(dataset, path, "?lang=en")
    problems = []
    for text in component_text(page.children):
        if not re.search(r"[\u4e00-\u9fff]", text):  # a report's phrase in a quote block is Chinese as written
            problems += typography_problems(path, text)
    assert problems == []


# ---------------------------------------------------------------------------------------------------
# Dates.


def test_dates_are_written_day_month_year_in_english_and_as_chinese_in_chinese():
    assert long_date(date(2026, 12, 7), "en") == "7 December 2026"
    assert long_date(date(2026, 12, 7), "zh") == "2026年12月7日"
    assert long_date(date(2023, 11, 30), "en") == "30 November 2023"


def test_the_briefing_the_workbook_and_the_chart_bundle_date_themselves_in_english(
    english_pages: dict[str, str], dataset: Dataset
):
    assert "7 December 2026" in english_pages["/briefing?lang=en"]
    moment = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
    assert xlsx.generated_label(moment, "en") == "7 December 2026, 14:30 (China Standard Time, UTC+8, Asia/Shanghai)"
    chart = CHARTS["aid-funds"]
    filters = Filters(lang="en")
    metadata = chart_files.chart_metadata(chart, dataset, filters, "https://data.example.cn", moment, "CC BY 4.0")
    readme = chart_files.readme_text(chart, dataset, filters, metadata)
    assert "生成日期 Generated: 2026年12月7日 / 7 December 2026" in readme
    assert not US_DATE.search(readme)
