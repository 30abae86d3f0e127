"""`uniondash build-static`: the static site from the shipped data and from SYNTHETIC data, its data
package, and immutable versions. Sites are built once per session (fixtures `static_site`, `published`)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import frictionless
import pytest
from click.testing import CliRunner

from tests.conftest import cached_images
from tests.synthetic import SHIPPED
from uniondash.charts import CHARTS
from uniondash.cli import cli
from uniondash.datastore import read_data_set
from uniondash.errors import UniondashError
from uniondash.exports.chart_files import generated_line
from uniondash.publish import site
from uniondash.publish.datapackage import published_tables
from uniondash.publish.links import BAKE_ROOT
from uniondash.publish.site import EXPORT_FORMATS, BuildReport, build_moment, build_site

PREFIXES = ("", "en/")
TEXT_SUFFIXES = (".html", ".json", ".js", ".csv", ".svg", ".md")
ATTRIBUTE = re.compile(r'\b(?:href|src)="([^"]*)"')


def site_files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_every_chart_has_its_embed_and_files_in_both_languages(static_site: Path) -> None:
    for prefix in PREFIXES:
        for chart in CHARTS.values():
            page = (static_site / f"{prefix}embed/{chart.id}/index.html").read_text(encoding="utf-8")
            assert chart.title("zh" if not prefix else "en") in html.unescape(page)
            for fmt in EXPORT_FORMATS:
                assert (static_site / f"{prefix}export/chart/{chart.id}.{fmt}").stat().st_size > 0
        assert (static_site / f"{prefix}present/index.html").is_file()
        assert (static_site / f"{prefix}briefing/index.html").is_file()
        assert (static_site / f"{prefix}briefing/briefing.pdf").read_bytes().startswith(b"%PDF-")
        assert (static_site / f"{prefix}index.html").is_file()
    assert (static_site / "export/chart/aid-funds.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (static_site / "en/export/chart/aid-funds.svg").read_bytes()[:500]


def test_plotly_js_is_there_once_under_its_content_hash(static_site: Path) -> None:
    vendor = list((static_site / "vendor").iterdir())
    assert len(vendor) == 1
    script = vendor[0].read_bytes()
    assert vendor[0].name == f"plotly-{hashlib.sha256(script).hexdigest()[:12]}.min.js"
    # Not inlined or copied anywhere else: every page loads that one file.
    head = script[:200]
    others = [path for path, data in site_files(static_site).items() if head in data and not path.startswith("vendor/")]
    assert others == []
    embed = (static_site / "en/embed/talent/index.html").read_text(encoding="utf-8")
    assert f'src="../../../vendor/{vendor[0].name}"' in embed


def test_no_file_points_at_the_app(static_site: Path) -> None:
    for path, data in site_files(static_site).items():
        if path.endswith(TEXT_SUFFIXES) and not path.startswith(("vendor/", "data/")):
            text = data.decode("utf-8")
            assert urlsplit(BAKE_ROOT).netloc not in text, path
            assert not re.search(r'\b(?:href|src)="/(?!/)', text), path


def test_every_link_inside_the_site_finds_its_file(static_site: Path) -> None:
    checked = 0
    for path in static_site.rglob("*.html"):
        for url in ATTRIBUTE.findall(path.read_text(encoding="utf-8")):
            url = html.unescape(url).split("#")[0]
            if not url or url.startswith(("data:", "https:", "http:", "mailto:")):
                continue
            target = (path.parent / urlsplit(url).path).resolve()
            assert target.is_file(), f"{path.relative_to(static_site)} links to {url}, which is not in the site"
            checked += 1
    assert checked > 100


def test_embed_carries_its_script_policy_with_hashes_not_a_nonce(static_site: Path) -> None:
    page = (static_site / "embed/aid-funds/index.html").read_text(encoding="utf-8")
    assert "nonce" not in page
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    assert "'sha256-" in html.unescape(policy.group(1))
    assert "frame-ancestors" not in policy.group(1)  # ignored in a <meta>: the web server's header sets it


def test_every_static_embed_is_baked_with_its_drawings_and_a_policy_that_allows_its_script(static_site: Path) -> None:
    for prefix in PREFIXES:
        for chart in CHARTS.values():
            page = (static_site / f"{prefix}embed/{chart.id}/static.html").read_text(encoding="utf-8")
            assert page.count("<svg") == 2 and "nonce=" not in page and "'nonce-" not in page
            policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)[1])
            for script in re.findall(r"<script>(.*?)</script>", page, re.DOTALL):
                digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
                assert f"script-src 'sha256-{digest}'" in policy
            assert "style-src 'unsafe-inline'" in policy
            assert re.search(r'id="(?:n-)?defs-0a0a0[ab]"', page)


def test_metadata_zip_and_briefing_are_dated_by_the_build_not_the_report(static_site: Path) -> None:
    # The build's own time (issue 25; "Generated November 30, 2023" was the report's date), recorded once in
    # the manifest and stamped everywhere from it.
    manifest = json.loads((static_site / "manifest.json").read_bytes())
    built = datetime.fromisoformat(manifest["built"])
    assert built.date() > date(2023, 11, 30) and abs((datetime.now(UTC) - built).days) <= 1
    metadata = json.loads((static_site / "export/chart/aid-funds.metadata.json").read_bytes())
    assert metadata["generated_at"] == manifest["built"]
    assert metadata["embed_url"] == "../../embed/aid-funds/index.html"
    with zipfile.ZipFile(static_site / "en/export/chart/aid-funds.zip") as bundle:
        assert {info.date_time[:3] for info in bundle.infolist()} == {(built.year, built.month, built.day)}
        readme = bundle.read("README.txt").decode("utf-8-sig")
    # Dated as people write dates (the day in China), from the build's own time.
    assert generated_line(manifest["built"]) in readme and "Generated: 2023年11月30日" not in readme
    assert "uniondash.invalid" not in readme
    briefing = (static_site / "briefing/index.html").read_text(encoding="utf-8")
    assert f"{built.year}年{built.month}月{built.day}日" in briefing
    english = (static_site / "en/briefing/index.html").read_text(encoding="utf-8")
    assert str(built.year) in english and "November 30, 2023" not in english
    # Which reports the build holds.
    assert manifest["reports"] == [
        {
            "id": "zzrb-2023-11-30-p03",
            "report_kind": "five-year",
            "period": "2019-2023",
            "published": "2023-11-30",
            "citation_zh": "株洲日报 2023年11月30日 第3版",
            "citation_en": "Zhuzhou Daily, 30 November 2023, page 3",
        }
    ]
    assert "2019–2023年五年报告" in (static_site / "index.html").read_text(encoding="utf-8")


def test_a_fixed_build_time_gives_fixed_dates() -> None:
    assert build_moment({"SOURCE_DATE_EPOCH": "1700000000"}).isoformat() == "2023-11-14T22:13:20+00:00"
    recorded = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert build_moment({}, recorded) == recorded


def test_manifest_lists_every_file_with_its_hash(static_site: Path) -> None:
    files = site_files(static_site)
    listed = json.loads(files.pop("manifest.json"))["files"]
    assert set(listed) == set(files)
    assert all(hashlib.sha256(files[path]).hexdigest() == entry["sha256"] for path, entry in listed.items())


def test_data_package_describes_every_csv_and_validates(static_site: Path) -> None:
    descriptor = json.loads((static_site / "data/datapackage.json").read_bytes())
    assert {resource["path"] for resource in descriptor["resources"]} == {path.name for path in SHIPPED.glob("*.csv")}
    facts = next(resource for resource in descriptor["resources"] if resource["name"] == "facts")
    assert facts["schema"]["primaryKey"] == ["id"]
    assert {"fields": "programme_id", "reference": {"resource": "programmes", "fields": "id"}} in facts["schema"][
        "foreignKeys"
    ]
    assert descriptor["licenses"] and descriptor["sources"][0]["title"] == "Zhuzhou Daily, 30 November 2023, page 3"
    report = frictionless.validate(str(static_site / "data/datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_data_package_validation_catches_a_broken_foreign_key(static_site: Path, tmp_path: Path) -> None:
    data = shutil.copytree(static_site / "data", tmp_path / "data")
    facts = data / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8").replace(",winter-warmth,", ",no-such-programme,", 1), "utf-8")
    report = frictionless.validate(str(data / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


# ---------------------------------------------------------------------------------------------------
# Versions: built into one folder, `published`, in this order.


@dataclass(frozen=True)
class Published:
    root: Path
    first: dict[str, bytes]  # v/2023 as first written (a copy of the shipped site built by `static_site`)
    rebuilt: BuildReport  # v/2023 built again from the shipped data
    refusal: str  # v/2023 built from SYNTHETIC data
    after_refusal: dict[str, bytes]
    beside: BuildReport  # v/2024 from SYNTHETIC data


@pytest.fixture(scope="session")
def published(
    static_site: Path, multi_year_dir: Path, tmp_path_factory: pytest.TempPathFactory, image_cache_dir: Path
) -> Published:
    root = tmp_path_factory.mktemp("published") / "site"
    # The session's first build stands as version 2023: a second build must reproduce it byte for byte.
    shutil.copytree(static_site, root / "v" / "2023")
    first = site_files(root / "v" / "2023")
    # Drawn afresh, not from the session's image cache: the images too must come out byte for byte.
    rebuilt = build_site(root, SHIPPED, version="2023")
    with cached_images(image_cache_dir):
        beside = build_site(root, multi_year_dir, version="2024")
        with pytest.raises(UniondashError) as refused:
            build_site(root, multi_year_dir, version="2023")
    return Published(root, first, rebuilt, str(refused.value), site_files(root / "v" / "2023"), beside)


def test_rebuilding_a_version_from_the_same_data_gives_the_same_bytes(published: Published) -> None:
    assert published.rebuilt.unchanged
    assert published.rebuilt.files == len(published.first)


def test_a_version_is_never_changed_by_other_data(published: Published) -> None:
    assert "version 2023 is already published" in published.refusal
    assert "new --version" in published.refusal
    assert "data/facts.csv" in published.refusal or "file(s)" in published.refusal
    assert published.after_refusal == published.first
    leftovers = [path.name for path in (published.root / "v").iterdir() if path.name.startswith(".")]
    assert leftovers == []


def test_other_data_is_refused_before_anything_is_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A published version whose data/ holds other figures (one CSV changed, one missing); the others as the
    # data package publishes them (issue 24: sources.csv without the server's local_copy column).
    version = tmp_path / "v" / "2023" / "data"
    version.mkdir(parents=True)
    for name, data in published_tables(read_data_set(SHIPPED).tables).items():
        (version / name).write_bytes(data)
    (version / "facts.csv").write_bytes((SHIPPED / "facts.csv").read_bytes().replace(b"2.8", b"2.9", 1))
    (version / "levels.csv").unlink()

    def no_drawing(*args: object, **kwargs: object) -> None:
        raise AssertionError("baked although the data differs")

    monkeypatch.setattr(site, "bake_site", no_drawing)
    with pytest.raises(UniondashError) as refused:
        build_site(tmp_path, SHIPPED, version="2023")
    assert "2 file(s) (data/facts.csv, data/levels.csv)" in str(refused.value)
    assert sorted(path.name for path in version.iterdir()) == sorted(
        path.name for path in SHIPPED.glob("*.csv") if path.name != "levels.csv"
    )


def test_a_new_version_goes_beside_the_old_one(published: Published) -> None:
    assert not published.beside.unchanged
    newer = published.root / "v" / "2024"
    facts = (newer / "data/facts.csv").read_text(encoding="utf-8")
    assert "SYNTHETIC" in facts and "SYNTHETIC" not in (published.root / "v/2023/data/facts.csv").read_text("utf-8")
    versions = json.loads((published.root / "v/versions.json").read_text(encoding="utf-8"))
    assert versions["newest"] == "2024" and "2024" in versions["versions"]
    assert not (published.root / "index.html").exists()  # a version build leaves the site root alone


def test_site_from_synthetic_data_has_every_chart_and_a_valid_package(published: Published) -> None:
    newer = published.root / "v" / "2024"
    for prefix in PREFIXES:
        for chart in CHARTS.values():
            assert (newer / f"{prefix}embed/{chart.id}/index.html").is_file()
            assert all((newer / f"{prefix}export/chart/{chart.id}.{fmt}").is_file() for fmt in EXPORT_FORMATS)
    # The charts without a period show the first edition (issue 25); the invented report is in the data and
    # the manifest names it.
    assert "0.61亿元" not in (newer / "export/chart/aid-funds.csv").read_text(encoding="utf-8-sig")
    assert "0.61亿元" in (newer / "data/facts.csv").read_text(encoding="utf-8")
    manifest = json.loads((newer / "manifest.json").read_bytes())
    assert [report["id"] for report in manifest["reports"]] == ["zzrb-2023-11-30-p03", "synthetic-test-data"]
    metadata = json.loads((newer / "export/chart/aid-funds.metadata.json").read_bytes())
    assert metadata["generated_at"] == manifest["built"]  # the build's time
    assert frictionless.validate(str(newer / "data/datapackage.json")).valid


def test_links_go_under_the_base_url_of_the_version(static_site: Path, tmp_path: Path, image_cache_dir: Path) -> None:
    # The pages only, no PDF: a check of the links, not of the build.
    with cached_images(image_cache_dir):
        report = build_site(
            tmp_path,
            SHIPPED,
            version="x1",
            base_url="https://static.example.cn/ud/",
            dashboard_url="https://data.example.cn/",
            pdf=False,
        )
    page = (report.target / "en/embed/aid-funds/index.html").read_text(encoding="utf-8")
    vendor = next((static_site / "vendor").iterdir()).name
    assert f'src="https://static.example.cn/ud/v/x1/vendor/{vendor}"' in page
    metadata = json.loads((report.target / "export/chart/aid-funds.metadata.json").read_bytes())
    assert metadata["embed_url"] == "https://static.example.cn/ud/v/x1/embed/aid-funds/index.html"
    # With the live dashboard's address, "open in the dashboard" goes there, to the same view.
    assert 'href="https://data.example.cn/section/aid?lang=en&amp;report=2019-2023#chart-aid-funds"' in page
    static = (report.target / "embed/aid-funds/static.html").read_text(encoding="utf-8")
    assert 'href="https://data.example.cn/section/aid?report=2019-2023#chart-aid-funds"' in static
    slides = (report.target / "en/present/index.html").read_text(encoding="utf-8")
    assert 'class="dashboard" href="https://data.example.cn/?lang=en"' in slides


def test_without_a_dashboard_address_no_page_offers_to_open_it(static_site: Path) -> None:
    # The site was built with no --dashboard-url: a link "to the dashboard" could only open the file index.
    pages = {
        path.relative_to(static_site).as_posix(): path.read_text(encoding="utf-8")
        for path in static_site.rglob("*.html")
    }
    assert len(pages) > 60
    for path, page in pages.items():
        assert "data-live-only" not in page, path
        for label in ("Open in the dashboard", "在数据看板中查看", "在仪表盘中查看", ">Dashboard<", ">仪表盘<"):
            assert label not in page, f"{path}: {label}"
    # The static embed keeps its data link, alone: no dot left dangling after it.
    footer = re.search(r'<span class="links">(.*?)</span>', pages["en/embed/aid-funds/static.html"], re.DOTALL)
    assert footer and re.fullmatch(r'\s*<a class="data" href="[^"]+" download>Data \(CSV\)</a>\s*', footer[1])


# ---------------------------------------------------------------------------------------------------
# The command.


def test_cli_refuses_a_version_name_that_could_leave_the_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build-static", str(tmp_path / "site"), "--version", "../../etc"])
    assert result.exit_code == 1
    assert "--version '../../etc'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_cli_refuses_a_base_url_that_is_not_an_address(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build-static", str(tmp_path), "--base-url", "javascript:alert(1)"])
    assert result.exit_code == 2
    assert "https://" in result.output


def test_cli_takes_the_dashboard_address_from_the_environment(tmp_path: Path) -> None:
    # UNIONDASH_PUBLIC_URL is the live app's public address (as `serve` reads it): checked as the option is.
    result = CliRunner().invoke(
        cli, ["build-static", str(tmp_path / "site")], env={"UNIONDASH_PUBLIC_URL": "data.example.cn"}
    )
    assert result.exit_code == 2
    assert "--dashboard-url" in result.output and "https://" in result.output
    assert not (tmp_path / "site").exists()


def test_cli_names_a_missing_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build-static", str(tmp_path / "site"), "--data-dir", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "data directory not found" in result.output


def test_site_paths_mirror_the_live_paths(static_site: Path) -> None:
    # /embed/<id> → embed/<id>/index.html, /export/chart/<file> → export/chart/<file>, under en/ for English.
    paths = {PurePosixPath(path) for path in site_files(static_site)}
    assert PurePosixPath("embed/aid-funds/index.html") in paths
    assert PurePosixPath("en/export/chart/honours-by-level.metadata.json") in paths
    assert not any(part.startswith("?") or "=" in part for path in paths for part in path.parts)


# ---------------------------------------------------------------------------------------------------
# Every report (edition) baked, as its live embeds pin it.


def visible_text(page: str) -> str:
    """A page's text as a reader sees it (no scripts, styles or drawings)."""
    page = re.sub(r"<(script|style|svg|noscript)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def test_each_report_has_its_embeds_and_files_in_a_folder_named_by_its_period(published: Published) -> None:
    newer = published.root / "v" / "2024"  # the shipped report and a SYNTHETIC mid-term report on 2024–2025
    for prefix in PREFIXES:
        first = visible_text((newer / f"{prefix}embed/aid-funds/index.html").read_text(encoding="utf-8"))
        pinned = visible_text((newer / f"{prefix}embed/aid-funds/2019-2023/index.html").read_text(encoding="utf-8"))
        assert first == pinned  # the first edition, with a period and without
        mid_term = visible_text((newer / f"{prefix}embed/aid-funds/2024-2025/index.html").read_text(encoding="utf-8"))
        latest = visible_text((newer / f"{prefix}embed/aid-funds/latest/index.html").read_text(encoding="utf-8"))
        for text in (mid_term, latest):
            assert ("0.61亿元" if not prefix else "61 million yuan") in text and "2019–2023" not in text
        assert "0.61亿元" not in first and "61 million" not in first
        assert (newer / f"{prefix}embed/aid-funds/2024-2025/static.html").is_file()
        for fmt in EXPORT_FORMATS:
            assert (newer / f"{prefix}export/chart/2024-2025/aid-funds.{fmt}").stat().st_size > 0
        assert (newer / f"{prefix}present/2024-2025/index.html").is_file()
        assert (newer / f"{prefix}briefing/2024-2025/index.html").is_file()
    assert "0.61亿元" in (newer / "export/chart/2024-2025/aid-funds.csv").read_text(encoding="utf-8-sig")
    # A report draws only the charts it has figures for: the mid-term report has no talent figures.
    assert not (newer / "embed/talent/2024-2025").exists()
    assert (newer / "embed/talent/latest/index.html").is_file()  # the talent chart's newest report: 2019–2023


def test_the_index_lists_each_report_with_its_charts(published: Published) -> None:
    newer = published.root / "v" / "2024"
    index = (newer / "index.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="report-([^"]+)">\s*<h2>([^<]+)</h2>', index)
    assert sections == [
        ("2019-2023", "2019–2023年五年报告"),
        ("2024-2025", "2024–2025年中期报告"),
        ("latest", "始终显示最新数字（report=latest）"),
    ]
    assert 'href="embed/aid-funds/2024-2025/index.html"' in index
    assert 'href="export/chart/2024-2025/aid-funds.csv"' in index
    assert 'href="present/2024-2025/index.html"' in index
    english = (newer / "en/index.html").read_text(encoding="utf-8")
    assert "2024–2025 mid-term report" in english and 'href="embed/aid-funds/latest/index.html"' in english


def test_every_link_of_a_site_with_several_reports_finds_its_file(published: Published) -> None:
    newer = published.root / "v" / "2024"
    checked = 0
    for path in newer.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'\b(?:href|src)="/(?!/)', text), path
        for url in ATTRIBUTE.findall(text):
            url = html.unescape(url).split("#")[0]
            if not url or url.startswith(("data:", "https:", "http:", "mailto:")):
                continue
            target = (path.parent / urlsplit(url).path).resolve()
            assert target.is_file(), f"{path.relative_to(newer)} links to {url}, which is not in the site"
            checked += 1
    assert checked > 300


def test_a_figure_is_drawn_once_whatever_views_ask_for_it() -> None:
    import plotly.graph_objects as go

    from uniondash.exports.images import ImageSize

    class Counting:
        full = False

        def __init__(self) -> None:
            self.calls = 0

        def render(self, figure: go.Figure, fmt: str, size: ImageSize) -> bytes:
            self.calls += 1
            return f"{fmt}:{self.calls}".encode()

        def close(self) -> None:
            pass

    drawn: dict[str, bytes] = {}
    renderer = Counting()
    first, second = site.OnceDrawn(renderer, drawn), site.OnceDrawn(renderer, drawn)
    bars = go.Figure(go.Bar(x=["a"], y=[1]))
    same = go.Figure(go.Bar(x=["a"], y=[1]))  # built again for another view: the same drawing
    assert first.render(bars, "svg", ImageSize(600)) == second.render(same, "svg", ImageSize(600))
    assert renderer.calls == 1
    second.render(bars, "png", ImageSize(600))  # another format, size or figure is drawn
    second.render(bars, "svg", ImageSize(800))
    second.render(go.Figure(go.Bar(x=["a"], y=[2])), "svg", ImageSize(600))
    assert renderer.calls == 4
