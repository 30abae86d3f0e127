"""The package's import graph: no cycles, and data flows one way (the README's architecture section).

Every `import` counts, at module level or inside a function (a lazy import is still a dependency), and under
`TYPE_CHECKING` too: a cycle hidden behind any of them is still a tangle a reader has to hold in mind.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "uniondash"

# The data core and what a chart says: nothing here may import a renderer, an export, the intake or the web.
CORE = (
    "uniondash.errors",
    "uniondash.config",
    "uniondash.schema",
    "uniondash.load",
    "uniondash.model",
    "uniondash.query",
    "uniondash.format",
    "uniondash.state",
    "uniondash.charts",
    "uniondash.chartspec",
)
DOWNSTREAM = ("uniondash.figures", "uniondash.exports", "uniondash.intake", "uniondash.web", "uniondash.publish")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (`from uniondash.web import urls` names uniondash.web.urls)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    deps.add(sub if sub in known else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        # A module's own package (`import uniondash` for the version) is not a dependency on its siblings.
        graph[name] = {dep for dep in deps if dep in known and dep != name and not name.startswith(dep + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_imports_and_submodules() -> None:
    graph = import_graph()
    assert "uniondash.web.urls" in graph["uniondash.web.callbacks"]  # from uniondash.web import urls
    assert "uniondash.web.app" in graph["uniondash.cli"]  # imported inside a command function


def test_the_package_has_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("module", CORE)
def test_the_data_core_imports_no_renderer_export_intake_or_web(module: str) -> None:
    graph = import_graph()
    assert module in graph, f"{module} is named in CORE but does not exist"
    downstream = sorted(dep for dep in graph[module] if dep.startswith(DOWNSTREAM))
    assert downstream == []


def test_renderers_are_leaves_of_the_chart_layer() -> None:
    """The plotly renderer and the Excel charts draw specs; the registry and the specs never import them."""
    graph = import_graph()
    for renderer in ("uniondash.figures", "uniondash.exports.xlsx_charts"):
        importers = sorted(name for name, deps in graph.items() if renderer in deps)
        assert not [name for name in importers if name in CORE], importers
