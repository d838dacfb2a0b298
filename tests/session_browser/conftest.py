"""pytest-playwright against the fake: one Chromium for the session, a fresh context per test.

The one override users write (docs/browser.md): pytest-playwright's launch options, plus the
session flags of ``cos_cors_browser_args`` and Debian's Chromium. Each test then uses
pytest-playwright's ``page`` with ``cos_cors``; the test's endpoint and the origins it serves
are what the browser reaches during that test.

Locally these tests skip when Chromium, Playwright or pytest-playwright is missing; with ``CI``
set they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import pytest
from browser.harness import CHROMIUM, CHROMIUM_ARGS, require_browser


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], cos_cors_browser_args: list[str]
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS, *cos_cors_browser_args],
    }


@pytest.fixture(autouse=True)
def _browser_available() -> None:
    """Skip (fail in CI) before pytest-playwright's fixtures are looked up."""
    require_browser()
    if importlib.util.find_spec("pytest_playwright") is None:
        why = "pytest-playwright is not installed (pip install pytest-playwright)"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")
