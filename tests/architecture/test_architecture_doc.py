"""``docs/architecture.md`` stays true: every module it names exists, and it names every module."""

from __future__ import annotations

import re

from .imports import ROOT, modules

DOC = ROOT.parent / "docs" / "architecture.md"
TESTS = ROOT.parent / "tests"


def _named() -> set[str]:
    """The module and folder names the page writes in backticks (``x.py`` or ``x/``)."""
    text = DOC.read_text(encoding="utf-8")
    return set(re.findall(r"`([A-Za-z_/]+(?:\.py|/))`", text))


def _exists(name: str) -> bool:
    candidates = [ROOT / name, ROOT.parent / name]
    candidates += [path / name.split("/")[-1] for path in ROOT.glob("*/") if path.is_dir()]
    return any(path.exists() for path in candidates)


def test_every_module_named_exists() -> None:
    missing = sorted(name for name in _named() if not _exists(name))
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_every_module_of_the_package_is_named() -> None:
    named = _named()
    unnamed = []
    for dotted, path in modules().items():
        parts = dotted.split(".")[1:]
        if not parts:
            continue  # the package itself
        top = parts[0] + ("/" if (ROOT / parts[0]).is_dir() else ".py")
        if top not in named and path.name not in named:
            unnamed.append(dotted)
    assert not unnamed, f"docs/architecture.md does not say where these live: {unnamed}"


def test_the_checker_notices_a_missing_module() -> None:
    assert not _exists("no_such_module.py")
    assert _exists("wire.py")
    assert _exists("tests/")
