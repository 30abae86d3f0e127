"""The fuzz suite's app (with the fake image renderer of fakes.py) and the count of inputs tried, written to a
JSON file at the end of the session for SECURITY.md. The properties every answer keeps are in properties.py.

Every test here goes through Flask's test client on the whole app (`create_app`), so what is fuzzed is what
a browser reaches. PNG/SVG go to `FakeRenderer` (no Chromium: fast, and it checks that no request ever
reaches the renderer outside the size bounds).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.fuzz.fakes import FakeRenderer
from tests.fuzz.properties import EMBED_ORIGIN, INPUTS
from tests.synthetic import SHIPPED
from uniondash.config import Settings
from uniondash.exports import images
from uniondash.web.app import create_app

COUNTS_FILE = Path(os.environ.get("UNIONDASH_FUZZ_COUNTS", "/tmp/uniondash-fuzz-counts.json"))


@pytest.fixture(scope="module")
def fake_renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture(scope="module")
def client(fake_renderer: FakeRenderer) -> Iterator[FlaskClient]:
    """The whole app on the shipped data, embeds allowed for one origin, images from the fake renderer."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("UNIONDASH_CACHE_DIR", raising=False)
        patch.delenv("UNIONDASH_REDIS_URL", raising=False)
        patch.setattr(images, "default_renderer", lambda: fake_renderer)
        app = create_app(SHIPPED, Settings(embed_origins=(EMBED_ORIGIN,)))
    yield app.server.test_client()


@pytest.fixture(scope="module")
def public_client(fake_renderer: FakeRenderer) -> Iterator[FlaskClient]:
    """The same app with a public address (UNIONDASH_PUBLIC_URL) and one more trusted name."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("UNIONDASH_CACHE_DIR", raising=False)
        patch.delenv("UNIONDASH_REDIS_URL", raising=False)
        patch.setattr(images, "default_renderer", lambda: fake_renderer)
        settings = Settings(embed_origins=(EMBED_ORIGIN,), public_url="https://data.example.cn")
        app = create_app(SHIPPED, settings)
    yield app.server.test_client()


# ---------------------------------------------------------------------------------------------------
# Counting inputs.


@pytest.fixture(scope="session", autouse=True)
def _write_counts() -> Iterator[None]:
    yield
    if INPUTS:
        counts = {"total": sum(INPUTS.values()), "by_entry_point": dict(sorted(INPUTS.items()))}
        COUNTS_FILE.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
