"""The declared run-time dependencies are exactly what the package imports from outside the
standard library."""

from __future__ import annotations

import ast
import re
import sys

from .imports import PACKAGE, ROOT, modules

#: Distribution name -> the module it is imported as, where they differ.
IMPORT_NAMES = {"cos-python-sdk-v5": "qcloud_cos", "pytest": "pytest"}
#: Imported only where an optional extra is installed, inside a function that says so.
OPTIONAL = {"qcloud_cos", "typing_extensions", "_typeshed"}


def _declared() -> set[str]:
    text = (ROOT.parent / "pyproject.toml").read_text()
    listed = re.search(r"^dependencies = \[(.*?)\]", text, flags=re.M | re.S)
    assert listed is not None, "pyproject.toml has no dependencies list"
    names: set[str] = set()
    for requirement in re.findall(r'"([^"]+)"', listed.group(1)):
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
        names.add(IMPORT_NAMES.get(name, name.replace("-", "_")))
    return names


def _imported() -> set[str]:
    found: set[str] = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {
        name
        for name in found
        if name not in sys.stdlib_module_names and name != PACKAGE and name != "_pytest"
    }


def test_every_declared_dependency_is_imported() -> None:
    unused = _declared() - _imported()
    assert not unused, f"declared in pyproject.toml but never imported by the package: {unused}"


def test_every_import_is_declared() -> None:
    undeclared = _imported() - _declared() - OPTIONAL
    assert not undeclared, f"imported by the package but not declared: {undeclared}"
