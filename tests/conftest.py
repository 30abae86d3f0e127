"""Shared fixtures: the shipped dataset, writable copies of the data, and synthetic multi-year data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.synthetic import SHIPPED, copy_shipped, multi_year_data_dir
from uniondash.load import load_dataset
from uniondash.model import Dataset

REPORT = Path(__file__).resolve().parents[1].parent / "shared" / "source" / "zhuzhou-daily-2023-11-30-p03.txt"


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    """The shipped data, loaded once (treat as read-only)."""
    return load_dataset(SHIPPED)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data directory, for tests that break it on purpose."""
    return copy_shipped(tmp_path / "data")


@pytest.fixture(scope="session")
def multi_year_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SYNTHETIC: the shipped data plus invented 2024–2025 rows (see tests/synthetic.py)."""
    return multi_year_data_dir(tmp_path_factory.mktemp("synthetic") / "data")


@pytest.fixture(scope="session")
def multi_year_dataset(multi_year_dir: Path) -> Dataset:
    return load_dataset(multi_year_dir)


@pytest.fixture(scope="session")
def image_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One chart-image cache for the session's static builds: a rebuild of the same data draws no image twice."""
    return tmp_path_factory.mktemp("image-cache")


@contextmanager
def cached_images(path: Path) -> Iterator[None]:
    """UNIONDASH_CACHE_DIR=`path` for one build only: other tests keep their own (in-memory) image caches."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UNIONDASH_CACHE_DIR", str(path))
        yield


@pytest.fixture(scope="session")
def static_site(tmp_path_factory: pytest.TempPathFactory, image_cache_dir: Path) -> Path:
    """`uniondash build-static` of the shipped data, built once per session (treat as read-only)."""
    from uniondash.publish.site import build_site

    out = tmp_path_factory.mktemp("static") / "site"
    with cached_images(image_cache_dir):
        build_site(out, SHIPPED)
    return out
