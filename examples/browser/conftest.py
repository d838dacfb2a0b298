"""Fixtures to copy into your suite: a headless Chromium whose COS host names reach ``cos_cors``.

``cos_cors.browser_args()`` maps ``*.myqcloud.com`` and ``*.tencentcos.cn`` to this test's fake
endpoint (every other name, except ``localhost`` and ``*.localhost``, to nothing). Chromium reads
that flag only at launch and the endpoint's port changes with every test, so ``cos_browser``
starts one Chromium per test (about 0.3 s); see docs/browser.md for one browser per session.

Your page is served by pytest-httpserver (a dependency of pytest-cos-cors) under
``http://app.localhost:PORT``: Chromium resolves ``*.localhost`` to 127.0.0.1 by itself.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright
    from pytest_httpserver import HTTPServer

    from pytest_cos_cors import CosCorsEndpoint

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The page under test: your application's upload code, reduced to its fetch().
APP_HTML = """<!doctype html>
<title>app</title>
<script>
async function uploadAvatar(url, text) {
  try {
    const response = await fetch(url, {
      method: "PUT",
      headers: {"Content-Type": "image/png", "x-cos-meta-author": "alice"},
      body: text,
    });
    return {status: response.status, etag: response.headers.get("ETag"), error: null};
  } catch (error) {
    return {status: null, etag: null, error: String(error)};
  }
}
</script>
"""


# Module scope, so that it never overlaps another sync Playwright in the same process (one
# sync Playwright at a time); make it session-scoped if it is the only one in your suite.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright; skips without a browser, but fails when ``CI`` is set."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright for Python is not installed"
    else:
        missing = "" if os.access(CHROMIUM, os.X_OK) else f"no Chromium at {CHROMIUM}"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {missing}", pytrace=False)
        pytest.skip(f"browser tests skipped: {missing}")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture
def cos_browser(playwright: Playwright, cos_cors: CosCorsEndpoint) -> Iterator[Browser]:
    """Headless Chromium whose COS host names reach this test's ``cos_cors`` (function scope)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_FLAGS, *cos_cors.browser_args()]
    )
    yield browser
    browser.close()


@pytest.fixture
def app_page(cos_browser: Browser, httpserver: HTTPServer) -> Iterator[Page]:
    """Your page, loaded from ``http://app.localhost:PORT`` in a fresh context."""
    httpserver.expect_request("/").respond_with_data(APP_HTML, content_type="text/html")
    context = cos_browser.new_context()
    page = context.new_page()
    page.goto(f"http://app.localhost:{httpserver.port}/")
    yield page
    context.close()
