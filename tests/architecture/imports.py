"""The package's import graph, read from its source with ``ast`` (nothing is imported)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest_cos_cors

PACKAGE = "pytest_cos_cors"
ROOT = Path(pytest_cos_cors.__file__).resolve().parent


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``line``; ``deferred`` when inside a function."""

    source: str
    target: str
    line: int
    deferred: bool


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([PACKAGE, *parts])] = path
    return found


def _is_package(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


def _absolute(node: ast.ImportFrom, source: str, known: dict[str, Path]) -> str:
    if node.level == 0:
        return node.module or ""
    base = source.split(".")
    if not _is_package(source, known):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(node: ast.stmt, source: str, known: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        module = _absolute(node, source, known)
        yield module
        for alias in node.names:
            candidate = f"{module}.{alias.name}"
            if candidate in known:
                yield candidate


def _walk(tree: ast.AST, deferred: bool = False) -> Iterator[tuple[ast.stmt, bool]]:
    for child in ast.iter_child_nodes(tree):
        inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, deferred
        yield from _walk(child, inner)


def edges() -> list[Edge]:
    """Every import of one package module by another, including those inside functions and
    under ``TYPE_CHECKING``. Importing ``a.b.c`` also imports the packages ``a.b`` and ``a``,
    except the packages the importer itself lives in (already imported before it)."""
    known = modules()
    found = []
    for source, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        own = {".".join(source.split(".")[:i]) for i in range(1, source.count(".") + 2)}
        for node, deferred in _walk(tree):
            for target in _targets(node, source, known):
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    name = ".".join(parts[:i])
                    if name in known and name not in own and name != source:
                        found.append(Edge(source, name, node.lineno, deferred))
    return found


def cycles(graph: list[Edge]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    adjacency: dict[str, set[str]] = {}
    for edge in graph:
        adjacency.setdefault(edge.source, set()).add(edge.target)
        adjacency.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(adjacency[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(adjacency):
        if node not in index:
            visit(node)
    return found
