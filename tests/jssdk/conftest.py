"""The browser SDK ``cos-js-sdk-v5`` (from npm, ``package-lock.json``) in headless Chromium, against
the test's ``cos_cors`` endpoint.

One Chromium for the package, as in ``tests/browser``: it is launched with the plugin's
``cos_cors_browser_args`` (every host name to the session's front, which routes to the endpoints
of the test running now); each test opens a fresh context (its own preflight cache, HTTP cache and
localStorage). A small page server serves a
blank page and the SDK's browser build (``node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.min.js``)
on ``http://<name>.localhost:PORT``, so the SDK reaches
``http://<bucket>.cos.<region>.myqcloud.com`` exactly as in production, cross-origin to the page.

``sdk_page`` configures the bucket as Tencent recommends for the browser SDK, for the page's
origin only (:func:`browser_rule`); a test that wants another rule sets it again.

Locally the tests skip when Playwright, Chromium or the npm package is missing (``npm ci``
installs the package); with ``CI`` set they fail instead.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser.harness import CHROMIUM, CHROMIUM_ARGS, PageHandler, PageServer, browser_unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from pytest_cos_cors import CosCorsEndpoint
    from pytest_cos_cors.recording import Exchange

ROOT = Path(__file__).resolve().parents[2]
SDK_DIST = ROOT / "node_modules" / "cos-js-sdk-v5" / "dist" / "cos-js-sdk-v5.min.js"
SDK_PATH = "/cos-js-sdk-v5.min.js"
MIB = 1024 * 1024
#: The ``ExposeHeader`` list Tencent recommends for the browser SDK.
EXPOSE_HEADERS = ("ETag", "Content-Length", "x-cos-request-id")
#: How long one SDK call may take in the page before the test gives up on it (milliseconds).
CALL_TIMEOUT_MS = 30_000
#: The SDK's own message when a part's ``ETag`` header is not readable (docs/cos-operations.md
#: section 3.1; ``uploadSliceList`` in ``src/advance.js``).
ETAG_ERROR = (
    'get ETag error, please add "ETag" to CORS ExposeHeader setting.'
    "( 获取ETag失败，请在CORS ExposeHeader设置中添加ETag，"
    "请参考文档：https://cloud.tencent.com/document/product/436/13318 )"
)
#: What the SDK reports when the browser refused an answer (``lib/request.js``).
CORS_ERROR = "CORS blocked or network error"


def browser_rule(origin: str, expose: Sequence[str] = EXPOSE_HEADERS) -> dict[str, Any]:
    """Tencent's recommended CORS rule for the browser SDK, for ``origin`` only."""
    return {
        "AllowedOrigin": [origin],
        "AllowedMethod": ["PUT", "GET", "POST", "DELETE", "HEAD"],
        "AllowedHeader": ["*"],
        "ExposeHeader": list(expose),
        "MaxAgeSeconds": 600,
    }


def jssdk_unavailable() -> str | None:
    """Why the JS SDK tests cannot run here, or ``None`` when they can."""
    why = browser_unavailable()
    if why is None and not SDK_DIST.is_file():
        why = f"cos-js-sdk-v5 is not installed: {SDK_DIST} is missing (run `npm ci` in {ROOT})"
    return why


def require_jssdk(environ: Mapping[str, str] = os.environ) -> None:
    """Skip locally, fail in CI (``CI`` set), when the JS SDK tests cannot run."""
    __tracebackhide__ = True
    why = jssdk_unavailable()
    if why is None:
        return
    if environ.get("CI"):
        pytest.fail(f"JS SDK tests must run in CI: {why}", pytrace=False)
    pytest.skip(f"JS SDK tests skipped: {why}")


def pattern(size: int) -> bytes:
    """The bytes the page builds for a body of ``size``: ``i % 251`` at each offset ``i``."""
    return (bytes(range(251)) * (size // 251 + 1))[:size]


# --- the page server ----------------------------------------------------------------------------

PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>jssdk</title>"
    f"<script src='{SDK_PATH}'></script></head><body>jssdk</body></html>"
).encode()


class SdkPageServer(PageServer):
    """Serves the page and the SDK's browser build on 127.0.0.1, for any ``*.localhost`` name."""

    def __init__(self, sdk: bytes) -> None:
        files = {SDK_PATH: (sdk, "application/javascript; charset=utf-8")}
        handler = type("Handler", (PageHandler,), {"page": PAGE, "files": files})
        super().__init__(handler, "jssdk-pages")


@dataclass
class JsSdkSession:
    playwright: Playwright
    browser: Browser
    pages: SdkPageServer


# Package scope: one sync Playwright at a time, and tests/browser has its own.
@pytest.fixture(scope="package")
def jssdk_session(request: pytest.FixtureRequest) -> Iterator[JsSdkSession]:
    """pytest-playwright's Playwright, one headless Chromium on the session's front, and the
    page server (package scope). A process runs one sync Playwright at a time: every suite
    takes the session's."""
    require_jssdk()
    playwright = request.getfixturevalue("playwright")
    front_args: list[str] = request.getfixturevalue("cos_cors_browser_args")
    pages = SdkPageServer(SDK_DIST.read_bytes())
    try:
        args = [*CHROMIUM_ARGS, *front_args]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield JsSdkSession(playwright, browser, pages)
        finally:
            browser.close()
    finally:
        pages.close()


# --- what a test drives ---------------------------------------------------------------------------

#: The page's side of :meth:`SdkPage.call`: ``cos[method](params, callback)``, resolving with
#: ``{err, data}``. ``err`` is the SDK's own error: a string when the SDK made one up (its
#: ETag/ExposeHeader message), otherwise the interesting fields of its Error object; ``data`` is
#: the result with Blobs replaced by their size. ``body`` makes ``Body`` a Blob (or a File, as an
#: ``<input type=file>`` gives) of pattern bytes. With ``cancelAtPart``, the task is cancelled
#: (``cos.cancelTask``) as the request for that part is sent, and the call resolves once the
#: page has been quiet for ``settleMs`` (a cancelled task never calls back).
CALL = """
async ({method, params, body, timeoutMs, cancelAtPart, settleMs}) => {
    const cos = window.__cos || (window.__cos = new COS({SecretId: 'x', SecretKey: 'y'}));
    if (body !== null) {
        const bytes = new Uint8Array(body.size);
        for (let i = 0; i < body.size; i++) bytes[i] = i % 251;
        const type = 'application/octet-stream';
        params = {...params, Body: body.fileName === null ? new Blob([bytes], {type})
            : new File([bytes], body.fileName, {type, lastModified: 1700000000000})};
    }
    const plain = (value) => JSON.parse(JSON.stringify(value === undefined ? null : value,
        (key, v) => (v instanceof Blob ? `[Blob ${v.size}]` : v)));
    const describe = (err) => {
        if (err === null || err === undefined) return null;
        if (typeof err === 'string') return {message: err, code: null, statusCode: null};
        return {message: err.message || String(err), code: err.code || null,
                statusCode: err.statusCode === undefined ? null : err.statusCode,
                url: err.url || null, method: err.method || null};
    };
    let cancelled = null;
    if (cancelAtPart !== null) {
        let taskId = null;
        params = {...params, onTaskReady: (id) => { taskId = id; }};
        const open = XMLHttpRequest.prototype.open;
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.open = function (verb, url, ...rest) {
            this.__url = String(url);
            return open.call(this, verb, url, ...rest);
        };
        cancelled = new Promise((resolve) => {
            XMLHttpRequest.prototype.send = function (...args) {
                if (taskId !== null && this.__url.includes(`partNumber=${cancelAtPart}&`)) {
                    cos.cancelTask(taskId);
                    taskId = null;
                    setTimeout(() => resolve({err: null, data: {cancelled: true}}), settleMs);
                }
                return send.apply(this, args);
            };
        });
    }
    const call = new Promise((resolve) => {
        cos[method](params, (err, data) => resolve({err: describe(err), data: plain(data)}));
    });
    const timeout = new Promise((resolve) => setTimeout(
        () => resolve({err: {message: `timeout: no callback from ${method}`}, data: null}),
        timeoutMs));
    return Promise.race(cancelled === null ? [call, timeout] : [call, cancelled, timeout]);
}
"""


@dataclass(frozen=True)
class SdkResult:
    """What the SDK's callback got: ``err`` (``None`` on success) and ``data``."""

    err: Mapping[str, Any] | None
    data: Any

    @property
    def message(self) -> str | None:
        return None if self.err is None else str(self.err["message"])

    def describe(self) -> str:
        return json.dumps({"err": self.err, "data": self.data}, ensure_ascii=False)[:2000]


@dataclass
class SdkPage:
    """A page with ``COS`` loaded, in a fresh context, and the endpoint its COS host names reach."""

    page: Page
    context: BrowserContext
    pages: SdkPageServer
    cos_cors: CosCorsEndpoint
    origin: str = field(init=False, default="")

    def open(self, name: str = "app") -> str:
        """Load the page of ``http://<name>.localhost:PORT``; return that origin."""
        self.origin = self.pages.origin(name)
        self.page.goto(self.origin + "/")
        assert self.page.evaluate("typeof COS") == "function", "the SDK did not load"
        return self.origin

    def call(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        body_bytes: int | None = None,
        file_name: str | None = None,
        cancel_at_part: int | None = None,
    ) -> SdkResult:
        """``cos.<method>({Bucket, Region, ...params}, callback)`` in the page. ``body_bytes``
        makes ``Body`` a Blob of that many :func:`pattern` bytes (a File named ``file_name``);
        ``cancel_at_part`` cancels the task as that part's request is sent."""
        full = {"Bucket": self.cos_cors.bucket, "Region": self.cos_cors.region, **params}
        body = None if body_bytes is None else {"size": body_bytes, "fileName": file_name}
        value = self.page.evaluate(
            CALL,
            {
                "method": method,
                "params": full,
                "body": body,
                "timeoutMs": CALL_TIMEOUT_MS,
                "cancelAtPart": cancel_at_part,
                "settleMs": 300,
            },
        )
        return SdkResult(err=value["err"], data=value["data"])

    def actual(self) -> list[Exchange]:
        """The requests that reached the fake, preflights left out (once it is quiet)."""
        wait_quiet(self.cos_cors)
        return [e for e in self.cos_cors.exchanges if not e.is_preflight]

    def operations(self) -> list[str | None]:
        """COS's names for what the fake did, in order, preflights left out."""
        return [e.operation for e in self.actual()]

    def log(self) -> str:
        """The endpoint's log, one line per exchange (for assertion messages)."""
        return "\n".join(f"  {e.describe()}" for e in self.cos_cors.exchanges)


def wait_quiet(cos_cors: CosCorsEndpoint, quiet: float = 0.2, limit: float = 5.0) -> None:
    """Return once the endpoint has answered everything and logged nothing new for ``quiet``
    seconds: requests a page cancelled or left in flight may still be arriving."""
    deadline = time.monotonic() + limit
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(cos_cors.exchanges)
        if count != seen or cos_cors.requests_in_progress():
            seen, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.02)
    raise AssertionError(f"the endpoint did not become quiet within {limit} s")


def counted(operations: Sequence[str | None]) -> dict[str | None, int]:
    return dict(Counter(operations))


@pytest.fixture
def sdk_page(jssdk_session: JsSdkSession, cos_cors: CosCorsEndpoint) -> Iterator[SdkPage]:
    """A page of ``http://app.localhost:PORT`` with the SDK loaded, in a fresh browser context,
    whose COS host names reach this test's ``cos_cors`` (the plugin attaches it to the front);
    the bucket has Tencent's recommended browser rule for that origin.

    Teardown closes the context (its connections and caches go with it) before ``cos_cors``
    stops and is detached from the front.
    """
    context = jssdk_session.browser.new_context()
    try:
        sdk = SdkPage(context.new_page(), context, jssdk_session.pages, cos_cors)
        cos_cors.set_rules(browser_rule(jssdk_session.pages.origin("app")))
        sdk.open("app")
        yield sdk
    finally:
        context.close()
