"""No import cycle inside the package, and each layer imports only what it may (DESIGN.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .imports import Edge, cycles, edges, modules


def test_the_graph_reader_sees_imports_inside_functions() -> None:
    graph = edges()
    assert any(edge.deferred for edge in graph)
    assert any(not edge.deferred for edge in graph)
    assert len({edge.source for edge in graph}) >= len(modules()) // 2


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = [Edge("a", "b", 1, False), Edge("b", "c", 1, True), Edge("c", "a", 1, False)]
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles(graph[:2]) == []


def test_no_import_cycle_in_the_package() -> None:
    found = cycles(edges())
    detail: list[str] = []
    for component in found:
        inside = set(component)
        detail.extend(
            f"  {e.source} -> {e.target} (line {e.line}{', in a function' if e.deferred else ''})"
            for e in edges()
            if e.source in inside and e.target in inside
        )
    assert not found, "import cycles:\n" + "\n".join(detail)


#: Third-party imports a module may never make, directly or inside a function.
FORBIDDEN = {
    "pytest_cos_cors.constants": ("lxml", "werkzeug", "pytest", "_pytest"),
    "pytest_cos_cors.errors": ("lxml", "werkzeug", "pytest", "_pytest"),
    "pytest_cos_cors.wire": ("werkzeug", "pytest", "_pytest"),
    "pytest_cos_cors.evaluator": ("werkzeug", "pytest", "_pytest"),
    "pytest_cos_cors.rules": ("werkzeug", "pytest", "_pytest"),
    "pytest_cos_cors.cos_app": ("pytest", "_pytest"),
    "pytest_cos_cors.store": ("pytest", "_pytest", "werkzeug"),
}


def _third_party(module: str) -> set[str]:
    import ast

    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_layers_import_nothing_they_must_not(module: str) -> None:
    assert not _third_party(module) & set(FORBIDDEN[module])


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("pytest_cos_cors.plugin", ("lxml", "werkzeug", "pytest_cos_cors.endpoint")),
        ("pytest_cos_cors.serving", ("lxml", "werkzeug", "pytest")),
        ("pytest_cos_cors.recording", ("lxml", "werkzeug", "pytest")),
        ("pytest_cos_cors.constants", ("lxml", "werkzeug", "pytest")),
    ],
)
def test_light_modules_stay_light_at_import_time(module: str, absent: tuple[str, ...]) -> None:
    code = (
        f"import sys, {module}\n"
        f"print(','.join(m for m in {absent!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"importing {module} loads {loaded}"
