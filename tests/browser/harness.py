"""The browser suite's machinery: a page server, the page's ``fetch()`` and the comparison of
the browser's verdict with the fake's recorded one (fixtures: ``conftest.py``).

The session browser reaches each test's endpoints through the plugin's front
(``cos_cors_browser_args``), as ``tests/jssdk``'s browser does."""

from __future__ import annotations

import importlib.util
import os
import threading
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from pytest_cos_cors import CosCorsEndpoint
    from pytest_cos_cors.recording import Exchange

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


def browser_unavailable(chromium: str = CHROMIUM) -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright)"
    if not os.access(chromium, os.X_OK):
        return f"Chromium is not installed at {chromium} (apt-get install chromium)"
    return None


def require_browser(chromium: str = CHROMIUM, environ: Mapping[str, str] = os.environ) -> None:
    """Skip locally, fail in CI (``CI`` set), when the browser cannot run."""
    __tracebackhide__ = True
    why = browser_unavailable(chromium)
    if why is None:
        return
    if environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {why}", pytrace=False)
    pytest.skip(f"browser tests skipped: {why}")


PAGE = b"<!doctype html><html><head><title>app</title></head><body>app</body></html>"


class PageHandler(BaseHTTPRequestHandler):
    """``page`` (HTML) at every path but those of ``files`` (path -> body, content type)."""

    page: ClassVar[bytes] = PAGE
    files: ClassVar[dict[str, tuple[bytes, str]]] = {}

    def do_GET(self) -> None:
        body, content_type = self.files.get(self.path, (self.page, "text/html; charset=utf-8"))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass


class PageServer:
    """Serves pages on 127.0.0.1, for any ``*.localhost`` host name: one blank HTML page, or
    what ``handler`` answers."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler] = PageHandler, name: str = "pages"
    ) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = False
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=name
        )
        self._thread.start()

    def origin(self, name: str = "app") -> str:
        return f"http://{name}.localhost:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()


# --- the session browser ----------------------------------------------------------------------


@dataclass
class BrowserSession:
    playwright: Playwright
    browser: Browser
    pages: PageServer
    args: list[str]


# --- what a test drives -----------------------------------------------------------------------

FETCH = """
async ({url, method, headers, body, credentials}) => {
    const init = {method, headers, credentials, mode: "cors"};
    if (body !== null) init.body = body;
    try {
        const response = await fetch(url, init);
        const text = await response.text();
        return {ok: true, status: response.status, headers: [...response.headers.entries()],
                body: text, error: null};
    } catch (error) {
        return {ok: false, status: null, headers: [], body: null, error: String(error)};
    }
}
"""

FORM_UPLOAD = """
async ({url, fields, filename, content, contentType}) => {
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    form.append("file", new Blob([content], {type: contentType}), filename);
    try {
        const response = await fetch(url, {method: "POST", body: form});
        const text = await response.text();
        return {ok: true, status: response.status, headers: [...response.headers.entries()],
                body: text, error: null};
    } catch (error) {
        return {ok: false, status: null, headers: [], body: null, error: String(error)};
    }
}
"""


@dataclass(frozen=True)
class FetchResult:
    """What the page saw: ``ok`` is False when ``fetch()`` rejected (a CORS or network error)."""

    ok: bool
    status: int | None
    headers: Mapping[str, str]
    body: str | None
    error: str | None

    @classmethod
    def from_page(cls, value: Any) -> FetchResult:
        return cls(
            ok=bool(value["ok"]),
            status=value["status"],
            headers={str(k).lower(): str(v) for k, v in value["headers"]},
            body=value["body"],
            error=value["error"],
        )

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def describe(self) -> str:
        if not self.ok:
            return f"fetch() rejected ({self.error})"
        return f"fetch() resolved with {self.status}"


@dataclass
class AppPage:
    """A page of ``http://app.localhost:PORT`` in a fresh browser context."""

    page: Page
    context: BrowserContext
    pages: PageServer
    cos_cors: CosCorsEndpoint
    origin: str = field(init=False, default="")

    def open(self, name: str = "app") -> str:
        """Load the page of ``http://<name>.localhost:PORT``; return that origin."""
        self.origin = self.pages.origin(name)
        self.page.goto(self.origin + "/")
        return self.origin

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        credentials: str = "same-origin",
    ) -> FetchResult:
        value = self.page.evaluate(
            FETCH,
            {
                "url": url,
                "method": method,
                "headers": dict(headers or {}),
                "body": body,
                "credentials": credentials,
            },
        )
        return FetchResult.from_page(value)

    def form_upload(
        self,
        url: str,
        *,
        key: str,
        filename: str,
        content: str,
        content_type: str = "text/plain",
        fields: Sequence[tuple[str, str]] = (),
    ) -> FetchResult:
        value = self.page.evaluate(
            FORM_UPLOAD,
            {
                "url": url,
                "fields": [["key", key], *[list(f) for f in fields]],
                "filename": filename,
                "content": content,
                "contentType": content_type,
            },
        )
        return FetchResult.from_page(value)


# --- reading what the fake recorded -----------------------------------------------------------


def exchanges(cos_cors: CosCorsEndpoint) -> tuple[Exchange, ...]:
    return tuple(cos_cors.exchanges)


@dataclass(frozen=True)
class Recorded:
    """The exchanges one browser action produced, as the fake recorded them."""

    exchanges: tuple[Exchange, ...]

    @property
    def preflights(self) -> tuple[Exchange, ...]:
        return tuple(e for e in self.exchanges if e.is_preflight)

    @property
    def actual(self) -> tuple[Exchange, ...]:
        return tuple(e for e in self.exchanges if not e.is_preflight)

    def describe(self) -> str:
        if not self.exchanges:
            return "nothing recorded"
        return "; ".join(e.describe() for e in self.exchanges)


class Watch:
    """Marks the log, so that a test reads only what its next browser action produced."""

    def __init__(self, cos_cors: CosCorsEndpoint) -> None:
        self.cos_cors = cos_cors
        self.mark = len(exchanges(cos_cors))

    def since(self) -> Recorded:
        recorded = Recorded(exchanges(self.cos_cors)[self.mark :])
        self.mark += len(recorded.exchanges)
        return recorded


def fake_verdict(recorded: Recorded, *, credentials: bool = False) -> tuple[bool, str]:
    """Would a browser accept the fake's answers? ``(verdict, why)``, from the records alone.

    Every preflight must be allowed, and the actual request must have reached the fake and been
    decorated for its origin (``allowed``); with credentials, an answer whose
    ``Access-Control-Allow-Origin`` is ``*`` is refused (Fetch standard, CORS check).
    """
    for preflight in recorded.preflights:
        if not preflight.allowed:
            return False, f"preflight refused: {preflight.reason}"
        if credentials and preflight.response_headers.get("Access-Control-Allow-Origin") == "*":
            return False, "the preflight answered Access-Control-Allow-Origin: * to credentials"
    if not recorded.actual:
        return False, "no actual request reached the fake"
    actual = recorded.actual[-1]
    if not actual.allowed:
        return False, f"actual {actual.method} not decorated: {actual.reason}"
    if credentials and actual.response_headers.get("Access-Control-Allow-Origin") == "*":
        return False, f"{actual.method} answered Access-Control-Allow-Origin: * to credentials"
    before = "".join(f"preflight {p.reason}; " for p in recorded.preflights)
    return True, f"{before}actual {actual.method} {actual.reason}"


def assert_agree(result: FetchResult, recorded: Recorded, *, credentials: bool = False) -> None:
    """The browser's verdict and the fake's recorded verdict are the same."""
    __tracebackhide__ = True
    verdict, why = fake_verdict(recorded, credentials=credentials)
    assert result.ok == verdict, (
        f"browser said {result.describe()}, fake said {'allowed' if verdict else 'refused'}: "
        f"{why}\n  recorded: {recorded.describe()}"
    )


# --- objects, outside the browser -------------------------------------------------------------


def put_object(cos_cors: CosCorsEndpoint, key: str, data: bytes, bucket: str | None = None) -> None:
    """Store an object through the endpoint's path-style URL (no Origin: not a CORS request)."""
    request = urllib.request.Request(cos_cors.url_for(key, bucket), data=data, method="PUT")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200, response.status


def object_headers(cos_cors: CosCorsEndpoint, key: str) -> Mapping[str, str]:
    """The headers of ``HEAD`` on a stored object, names lower-cased."""
    request = urllib.request.Request(cos_cors.url_for(key), method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as response:
        return {name.lower(): value for name, value in response.headers.items()}
