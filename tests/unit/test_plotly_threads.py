"""plotly builds its validators from shared parameters it changes in place: uniondash.figures makes those
first builds one at a time, so threads drawing figures at once never get each other's validators."""

from __future__ import annotations

import threading
import time

import plotly.graph_objects as go
from plotly.validator_cache import ValidatorCache

import uniondash.figures  # noqa: F401  (installs the lock)


def test_first_builds_of_validators_never_overlap(monkeypatch) -> None:
    inside, overlaps = [0], []
    build = ValidatorCache.get_validator.__closure__  # the wrapped original is in the wrapper's closure
    assert build is not None and getattr(ValidatorCache.get_validator, "serialised", False)
    original = next(cell.cell_contents for cell in build if callable(cell.cell_contents))

    def slow_build(parent_path: str, prop_name: str):
        inside[0] += 1
        if inside[0] > 1:
            overlaps.append((parent_path, prop_name))
        time.sleep(0.001)  # widen the window a racing thread would use
        try:
            return original(parent_path, prop_name)
        finally:
            inside[0] -= 1

    cells = [cell for cell in build if callable(cell.cell_contents)]
    monkeypatch.setattr(cells[0], "cell_contents", slow_build)
    monkeypatch.setattr(ValidatorCache, "_cache", {})
    errors: list[BaseException] = []

    def draw() -> None:
        try:
            for _ in range(3):
                go.Figure([go.Bar(x=["a"], y=[1], marker={"color": "#0072B2"}), go.Scatter(x=[1], y=[2])])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and overlaps == []
    assert ValidatorCache._cache  # the validators were built, through the wrapper
