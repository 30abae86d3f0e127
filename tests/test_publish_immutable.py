"""Published means immutable (issue 24): `build-static` against a folder that is not as it left it.

The issue's 6 failed probes, one test each: a planted or stale manifest naming `/abs/path`, `./v/v1/…` or
`../x`; a root build over `cp -al site/v/v1/. site/`; symbolic links inside OUT; the data package's text
and paths; a version name with a trailing newline. The writing is what is probed, so most tests bake a
small SYNTHETIC site in memory (`bake_site` replaced); the hard-link probe also runs a real build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import cached_images
from tests.synthetic import SHIPPED, seal_as_is
from tests.unit.test_load import set_cell
from uniondash.cli import cli
from uniondash.datastore import read_data_set
from uniondash.errors import UniondashError
from uniondash.exports.chart_files import neutralise
from uniondash.load import load_dataset
from uniondash.publish import site
from uniondash.publish.site import Site, build_site, data_files, removable
from uniondash.schema import stored_text

# SYNTHETIC sites: what a build would write, small enough to compare whole.
FIRST = {"index.html": b"<p>first</p>", "embed/a/index.html": b"a1", "gone.html": b"old", "data/facts.csv": b"x"}
OTHER = {"index.html": b"<p>other</p>", "embed/a/index.html": b"a2", "data/facts.csv": b"y"}


def files_of(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def fake_bake(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`bake(files)`: the next builds bake `files` (and their manifest) instead of drawing the app."""
    baked: dict[str, dict[str, bytes]] = {"files": FIRST}

    def bake_site(*args: object, **kwargs: object) -> Site:
        files = dict(baked["files"])
        files[site.MANIFEST] = site.manifest(files)
        return Site(files=files)

    monkeypatch.setattr(site, "bake_site", bake_site)

    def bake(files: dict[str, bytes]) -> None:
        baked["files"] = files

    return bake


def plant_manifest(out: Path, paths: list[str]) -> None:
    (out / site.MANIFEST).write_text(json.dumps({"files": {path: {} for path in paths}}), encoding="utf-8")


# Probe 1: a planted manifest naming a file outside OUT.
def test_a_manifest_naming_an_absolute_path_or_a_parent_deletes_nothing_outside(tmp_path: Path, fake_bake) -> None:  # type: ignore[no-untyped-def]
    out, victim, beside = tmp_path / "site", tmp_path / "victim.txt", tmp_path / "beside.txt"
    out.mkdir()
    victim.write_text("keep")
    beside.write_text("keep")
    plant_manifest(out, [str(victim), "../beside.txt", "embed/../../beside.txt", "", ".", "/"])
    build_site(out, SHIPPED)
    assert victim.read_text() == "keep" and beside.read_text() == "keep"
    assert files_of(out).keys() == {*FIRST, "manifest.json"}


# Probe 2: a stale manifest naming a file of a published version in another spelling.
def test_a_manifest_naming_a_versions_file_deletes_nothing_under_v(tmp_path: Path, fake_bake) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(out, SHIPPED, version="v1")
    published = files_of(out / "v" / "v1")
    plant_manifest(out, ["./v/v1/index.html", "v/v1/embed/a/index.html", "v//v1/gone.html", "x/../v/versions.json"])
    build_site(out, SHIPPED)
    assert files_of(out / "v" / "v1") == published
    assert (out / "v" / "versions.json").is_file()


def test_only_files_the_previous_build_wrote_and_this_one_does_not_are_removed(tmp_path: Path, fake_bake) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(out, SHIPPED)
    (out / "mine.txt").write_text("not the build's")
    fake_bake(OTHER)
    build_site(out, SHIPPED)
    assert files_of(out) == {
        **OTHER,
        "manifest.json": (out / "manifest.json").read_bytes(),
        "mine.txt": b"not the build's",
    }


def test_a_path_is_removable_only_inside_out_and_outside_v(tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "v" / "v1").mkdir(parents=True)
    for path in ("a.html", "v/v1/index.html", "manifest.json"):
        (out / path).write_text("x")
    (tmp_path / "outside.txt").write_text("x")
    assert removable(out, "a.html") == (out / "a.html").resolve()
    assert removable(out, "./a.html") == (out / "a.html").resolve()
    for path in ("v/v1/index.html", "./v/v1/index.html", "../outside.txt", str(tmp_path / "outside.txt"), "v"):
        assert removable(out, path) is None, path
    assert removable(out, "manifest.json") is None and removable(out, "missing.html") is None


# Probe 3: `cp -al site/v/v1/. site/`, then a root build from other data.
def test_a_root_build_over_hard_links_into_a_version_never_rewrites_it(tmp_path: Path, fake_bake) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(out, SHIPPED, version="v1")
    published = files_of(out / "v" / "v1")
    subprocess.run(["cp", "-al", f"{out}/v/v1/.", f"{out}/"], check=True)
    assert (out / "index.html").stat().st_ino == (out / "v" / "v1" / "index.html").stat().st_ino
    fake_bake(OTHER)
    build_site(out, SHIPPED)
    assert files_of(out / "v" / "v1") == published  # before issue 24: 11 files of v/v1 rewritten in place
    assert (out / "index.html").read_bytes() == OTHER["index.html"]
    assert not (out / "gone.html").exists() and (out / "v" / "v1" / "gone.html").exists()


def test_a_real_root_build_over_hard_links_into_a_version_leaves_it_byte_for_byte(
    static_site: Path, multi_year_dir: Path, tmp_path: Path, image_cache_dir: Path
) -> None:
    """The probe as the issue ran it: the shipped site as v/v1, `cp -al` to the root, then the root built
    from other (SYNTHETIC) data."""
    out = tmp_path / "site"
    shutil.copytree(static_site, out / "v" / "v1")
    published = files_of(out / "v" / "v1")
    subprocess.run(["cp", "-al", f"{out}/v/v1/.", f"{out}/"], check=True)
    with cached_images(image_cache_dir):
        build_site(out, multi_year_dir)
    assert files_of(out / "v" / "v1") == published
    assert "SYNTHETIC" in (out / "data" / "facts.csv").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in (out / "v" / "v1" / "data" / "facts.csv").read_text(encoding="utf-8")


# Probe 4: symbolic links inside OUT.
@pytest.mark.parametrize("link", ["embed", "index.html", "v", "deep/er"])
def test_a_symbolic_link_inside_out_stops_the_build_before_anything_is_written(
    tmp_path: Path,
    fake_bake,  # type: ignore[no-untyped-def]
    link: str,
) -> None:
    out, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(elsewhere, target_is_directory=True)
    for version in (None, "v2"):
        with pytest.raises(UniondashError, match="is a symbolic link"):
            build_site(out, SHIPPED, version=version)
    assert list(elsewhere.iterdir()) == [] and not (out / "manifest.json").exists()


def test_out_itself_may_be_a_link(tmp_path: Path, fake_bake) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "www"
    real.mkdir()
    (tmp_path / "site").symlink_to(real, target_is_directory=True)
    build_site(tmp_path / "site", SHIPPED)
    assert (real / "index.html").read_bytes() == FIRST["index.html"]


# Probe 5: the data package's text and paths.
def test_the_data_package_carries_the_live_downloads_text_and_no_server_path(data_copy: Path) -> None:
    from uniondash.web.app import create_app

    formula = '=HYPERLINK("http://evil.example","点我")'
    set_cell(data_copy / "facts.csv", "aid-winter-funds", "label_zh", stored_text(formula))  # stored escaped
    set_cell(data_copy / "sources.csv", "zzrb-2023-11-30-p03", "local_copy", "/etc/passwd")
    seal_as_is(data_copy)
    dataset = load_dataset(data_copy)
    files = data_files(read_data_set(data_copy).tables, data_copy, dataset, site.build_moment({}))
    published = b"".join(data for path, data in files.items() if not path.endswith("README.md")).decode("utf-8")
    assert "/etc/passwd" not in published and "local_copy" not in published
    assert formula not in published.replace(neutralise(formula), "")
    live = create_app(data_copy).server.test_client().get("/export/chart/aid-funds.csv").get_data(as_text=True)
    assert neutralise(formula).replace('"', '""') in live  # the live download's cell, as the package has it
    assert neutralise(formula).replace('"', '""') in files["data/facts.csv"].decode("utf-8")
    sources = json.loads(files["data/datapackage.json"])["resources"]
    fields = {
        field["name"] for resource in sources if resource["name"] == "sources" for field in resource["schema"]["fields"]
    }
    assert "local_copy" not in fields and "citation_zh" in fields


def test_a_data_file_with_nothing_to_neutralise_is_published_as_it_is() -> None:
    dataset = load_dataset(SHIPPED)
    tables = read_data_set(SHIPPED).tables
    files = data_files(tables, SHIPPED, dataset, site.build_moment({}))
    assert all(files[f"data/{name}.csv"] == tables[name] for name in tables if name != "sources")


# Probe 6: a version name checked as a whole string.
@pytest.mark.parametrize("name", ["v2\n", "v2\r", "v2\n../x", "", ".v2", "v2/", "v 2", "ｖ2", "v2\x00"])
def test_a_version_name_is_checked_as_a_whole_string(tmp_path: Path, name: str) -> None:
    with pytest.raises(UniondashError, match="--version"):
        site.check_version_name(name)
    if "\x00" not in name:
        result = CliRunner().invoke(cli, ["build-static", str(tmp_path / "site"), "--version", name])
        assert result.exit_code == 1 and "--version" in result.output
    assert not (tmp_path / "site").exists()


def test_a_write_never_follows_a_link_left_where_its_temporary_file_goes(tmp_path: Path) -> None:
    target, elsewhere = tmp_path / "index.html", tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep")
    os.symlink(elsewhere, tmp_path / f".index.html.{os.getpid()}.new")
    site.write_new(target, b"new")
    assert target.read_bytes() == b"new" and elsewhere.read_text() == "keep"
