"""The one fixture to copy into your ``conftest.py`` to test pages with pytest-playwright.

pytest-playwright launches one browser for the session and gives each test a fresh context
(``page``); this override adds the plugin's ``cos_cors_browser_args``, so that during each test
the browser reaches that test's ``cos_cors`` (``*.myqcloud.com``, ``*.tencentcos.cn``) and the
origins it serves (``cos_cors.serve_origin``), over http or https, and nothing else; and it
starts Debian's Chromium rather than a browser Playwright downloads.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], cos_cors_browser_args: list[str]
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *cos_cors_browser_args],
    }


# This repository's own rule, not part of the recipe: skip without a browser, but fail in CI.
@pytest.fixture(autouse=True)
def _browser_available() -> None:
    missing = [
        what
        for what, ok in (
            ("pytest-playwright", importlib.util.find_spec("pytest_playwright") is not None),
            (f"Chromium at {CHROMIUM}", os.access(CHROMIUM, os.X_OK)),
        )
        if not ok
    ]
    if missing:
        why = f"no {' and no '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")
