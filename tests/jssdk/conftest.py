"""The browser SDK ``cos-js-sdk-v5`` (from npm, ``package-lock.json``) in headless Chromium, against
a ``CosCorsEndpoint``.

Each test gets a started endpoint, a page server on ``http://app.localhost:PORT`` that serves a
blank page and the SDK's browser build (``node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js``),
and a Chromium launched with the endpoint's own ``browser_args()``: the SDK then reaches
``http://<bucket>.cos.<region>.myqcloud.com`` exactly as in production, cross-origin to the page.

Locally the tests skip when Playwright, Chromium or the npm package is missing (``npm ci`` installs
the package); with ``CI`` set they fail instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_cos_cors import CosCorsEndpoint

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SDK_DIST = ROOT / "node_modules" / "cos-js-sdk-v5" / "dist" / "cos-js-sdk-v5.min.js"
SDK_PATH = "/cos-js-sdk-v5.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The configuration Tencent recommends for the browser SDK (AllowedHeader ``*``; ExposeHeader
#: ``ETag``, ``Content-Length``, ``x-cos-request-id``), for the page's origin only.
EXPOSE_HEADERS = ["ETag", "Content-Length", "x-cos-request-id"]
#: How long one SDK call may take in the page before the test gives up on it (milliseconds).
CALL_TIMEOUT_MS = 30_000


def jssdk_unavailable() -> str | None:
    """Why the JS SDK tests cannot run here, or ``None`` when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if not SDK_DIST.is_file():
        return f"cos-js-sdk-v5 is not installed: {SDK_DIST} is missing (run `npm ci` in {ROOT})"
    return None


def require_jssdk(environ: Mapping[str, str] = os.environ) -> None:
    """Skip locally, fail in CI (``CI`` set), when the JS SDK tests cannot run."""
    __tracebackhide__ = True
    why = jssdk_unavailable()
    if why is None:
        return
    if environ.get("CI"):
        pytest.fail(f"JS SDK tests must run in CI: {why}", pytrace=False)
    pytest.skip(f"JS SDK tests skipped: {why}")


# --- the page server ----------------------------------------------------------------------------

PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>jssdk</title>"
    f"<script src='{SDK_PATH}'></script></head><body>jssdk</body></html>"
).encode()


class _Handler(BaseHTTPRequestHandler):
    sdk: bytes = b""

    def do_GET(self) -> None:
        if self.path == SDK_PATH:
            body, content_type = self.sdk, "application/javascript; charset=utf-8"
        else:
            body, content_type = PAGE, "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass


class PageServer:
    """Serves the page and the SDK's browser build on 127.0.0.1, for any ``*.localhost`` name."""

    def __init__(self, sdk: bytes) -> None:
        handler = type("Handler", (_Handler,), {"sdk": sdk})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = False
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="jssdk-pages"
        )
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://app.localhost:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()


# --- what a test drives ---------------------------------------------------------------------------

#: Runs ``cos[method](params, callback)`` in the page and resolves with ``{err, data}``: ``err`` is
#: the SDK's own error (a string when the SDK made one up, such as its ETag/ExposeHeader message;
#: otherwise the interesting fields of its Error object), ``data`` the result without Blobs.
CALL = """
async ({method, params, bodyBytes, timeoutMs}) => {
    const cos = window.__cos || (window.__cos = new COS({
        SecretId: 'x', SecretKey: 'y', Protocol: 'http:',
    }));
    if (bodyBytes !== null) {
        const bytes = new Uint8Array(bodyBytes);
        for (let i = 0; i < bodyBytes; i++) bytes[i] = i % 251;
        params = {...params, Body: new Blob([bytes], {type: 'application/octet-stream'})};
    }
    const plain = (value) => JSON.parse(JSON.stringify(value === undefined ? null : value,
        (key, v) => (v instanceof Blob ? `[Blob ${v.size}]` : v)));
    const describe = (err) => {
        if (err === null || err === undefined) return null;
        if (typeof err === 'string') return {message: err, code: null, statusCode: null};
        return {message: err.message || String(err), code: err.code || null,
                statusCode: err.statusCode || null, url: err.url || null,
                method: err.method || null};
    };
    const call = new Promise((resolve) => {
        cos[method](params, (err, data) => resolve({err: describe(err), data: plain(data)}));
    });
    const timeout = new Promise((resolve) => setTimeout(
        () => resolve({err: {message: `timeout: no callback from ${method}`}, data: null}),
        timeoutMs));
    return Promise.race([call, timeout]);
}
"""


def pattern(size: int) -> bytes:
    """The bytes the page builds for ``body_bytes=size``: ``i % 251`` for each offset ``i``."""
    return bytes(i % 251 for i in range(size))


@dataclass(frozen=True)
class SdkResult:
    """What the SDK's callback got: ``err`` (``None`` on success) and ``data``."""

    err: Mapping[str, Any] | None
    data: Any

    def describe(self) -> str:
        return json.dumps({"err": self.err, "data": self.data}, ensure_ascii=False)[:2000]


@dataclass
class SdkPage:
    """A page of ``http://app.localhost:PORT`` with ``COS`` loaded, and the endpoint it talks to."""

    page: Page
    endpoint: CosCorsEndpoint
    origin: str

    def call(
        self, method: str, params: Mapping[str, Any], *, body_bytes: int | None = None
    ) -> SdkResult:
        """``cos.<method>({Bucket, Region, ...params}, callback)`` in the page; ``body_bytes``
        makes ``Body`` a Blob of that many :func:`pattern` bytes."""
        full = {"Bucket": self.endpoint.bucket, "Region": self.endpoint.region, **params}
        value = self.page.evaluate(
            CALL,
            {
                "method": method,
                "params": full,
                "bodyBytes": body_bytes,
                "timeoutMs": CALL_TIMEOUT_MS,
            },
        )
        return SdkResult(err=value["err"], data=value["data"])

    def exchanges(self) -> str:
        """The endpoint's log, one line per exchange (for assertion messages)."""
        return "\n".join(f"  {e.describe()}" for e in self.endpoint.exchanges)


@pytest.fixture
def sdk_page() -> Iterator[SdkPage]:
    """A started endpoint whose bucket allows the page's origin (Tencent's recommended browser
    rule), a page server, and Chromium launched with the endpoint's ``browser_args()``."""
    require_jssdk()
    from playwright.sync_api import sync_playwright

    pages = PageServer(SDK_DIST.read_bytes())
    try:
        with CosCorsEndpoint() as endpoint:
            endpoint.set_rules(
                {
                    "AllowedOrigin": [pages.origin],
                    "AllowedMethod": ["GET", "PUT", "POST", "DELETE", "HEAD"],
                    "AllowedHeader": ["*"],
                    "ExposeHeader": EXPOSE_HEADERS,
                    "MaxAgeSeconds": 600,
                }
            )
            args = [*CHROMIUM_ARGS, *endpoint.browser_args()]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=args
                )
                try:
                    page = browser.new_context().new_page()
                    page.goto(pages.origin + "/")
                    assert page.evaluate("typeof COS") == "function", "the SDK did not load"
                    yield SdkPage(page, endpoint, pages.origin)
                finally:
                    browser.close()
    finally:
        pages.close()
