"""The optional dependencies: user-facing extras (``sdk``, ``browser``) apart from this
repository's ``test`` extra, which still installs everything (CI runs ``pip install -e '.[test]'``);
and the README tells users about them before the contributors' set-up."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _extras() -> dict[str, list[str]]:
    """The ``[project.optional-dependencies]`` lists, read as tests/architecture reads the
    dependencies (no TOML parser on Python 3.10)."""
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.optional-dependencies]\n", 1)[1].split("\n[", 1)[0]
    found = {}
    for match in re.finditer(r"^([\w-]+) = \[(.*?)\]$", section, re.M | re.S):
        found[match[1]] = re.findall(r'"([^"]+)"', match[2])
    return found


EXTRAS = _extras()


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


def test_user_extras_hold_what_their_features_import() -> None:
    assert {_name(r) for r in EXTRAS["sdk"]} == {"cos-python-sdk-v5"}
    assert {_name(r) for r in EXTRAS["browser"]} == {"pytest-playwright"}


def test_the_test_extra_still_installs_everything() -> None:
    test = set(EXTRAS["test"])
    for extra in ("sdk", "browser"):
        assert set(EXTRAS[extra]) <= test, extra
    linters = {"mypy", "ruff"}
    for extra in ("sdk", "browser"):
        assert not linters & {_name(r) for r in EXTRAS[extra]}


def test_the_readme_installs_for_users_before_the_set_up() -> None:
    readme = (ROOT / "README.md").read_text()
    install = readme.index("`pip install pytest-cos-cors`")
    assert install < readme.index("## Set-up")
    for extra in ("sdk", "browser"):
        assert f"pip install 'pytest-cos-cors[{extra}]'" in readme[:install + 1000]
