"""Fixtures for a page that uploads with the browser SDK, cos-js-sdk-v5 (from npm).

As in examples/browser: one headless Chromium per test, started with ``cos_cors.browser_args()``
so that ``<bucket>.cos.<region>.myqcloud.com`` reaches this test's fake endpoint, and your page
served by pytest-httpserver under ``http://app.localhost:PORT``. The page loads the SDK's
browser build from the same server, as your app would load it from its own origin or a CDN.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright
    from pytest_httpserver import HTTPServer

    from pytest_cos_cors import CosCorsEndpoint

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
# `npm install cos-js-sdk-v5` puts the browser build here.
SDK = Path(__file__).parents[2] / "node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js"

# The page under test: your application's upload code, reduced to the SDK call.
APP_HTML = """<!doctype html>
<meta charset="utf-8">
<title>videos</title>
<script src="/cos-js-sdk-v5.min.js"></script>
<script>
function uploadVideo(bucket, region, key, size) {
  // In production the keys come from your server (getAuthorization); the fake ignores them.
  const cos = new COS({SecretId: "test", SecretKey: "test"});
  const file = new File([new Uint8Array(size)], "intro.mp4", {type: "video/mp4"});
  return new Promise((resolve) => cos.uploadFile(
    {Bucket: bucket, Region: region, Key: key, Body: file, SliceSize: 1024 * 1024},
    (err, data) => resolve(err ? {error: err.message || String(err)} : {etag: data.ETag}),
  ));
}
</script>
"""


@pytest.fixture(scope="module")
def playwright(playwright: Playwright) -> Playwright:
    """pytest-playwright's Playwright; skips without Chromium or the SDK, but fails when ``CI``
    is set."""
    missing = "" if os.access(CHROMIUM, os.X_OK) else f"no Chromium at {CHROMIUM}"
    if not missing and not SDK.is_file():
        missing = f"cos-js-sdk-v5 is not installed (npm ci): no {SDK}"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {missing}", pytrace=False)
        pytest.skip(f"browser tests skipped: {missing}")
    return playwright


@pytest.fixture
def cos_browser(playwright: Playwright, cos_cors: CosCorsEndpoint) -> Iterator[Browser]:
    """Headless Chromium whose COS host names reach this test's ``cos_cors``."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_FLAGS, *cos_cors.browser_args()]
    )
    yield browser
    browser.close()


@pytest.fixture
def app_page(cos_browser: Browser, httpserver: HTTPServer) -> Iterator[Page]:
    """Your page, with the SDK, loaded from ``http://app.localhost:PORT`` in a fresh context."""
    httpserver.expect_request("/").respond_with_data(APP_HTML, content_type="text/html")
    httpserver.expect_request("/cos-js-sdk-v5.min.js").respond_with_data(
        SDK.read_bytes(), content_type="application/javascript"
    )
    context = cos_browser.new_context()
    page = context.new_page()
    page.goto(f"http://app.localhost:{httpserver.port}/")
    yield page
    context.close()
