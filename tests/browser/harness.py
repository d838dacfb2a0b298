"""The browser suite's machinery: a page server, the page's ``fetch()`` and the comparison of
the browser's verdict with the fake's recorded one (fixtures: ``conftest.py``).

The session browser reaches each test's endpoint through the plugin's front
(``cos_cors_browser_args``). :class:`TcpRelay` and :func:`session_resolver_args`, the relay it
replaced, stay only for ``tests/jssdk`` until that suite moves to the front too."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import selectors
import socket
import threading
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

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


# --- the relay (tests/jssdk only; superseded by cos_cors_browser_args) ------------------------


class _Link:
    """One relayed connection: two sockets, two pump threads; the last pump closes both."""

    def __init__(self, relay: TcpRelay, down: socket.socket, up: socket.socket) -> None:
        self.relay = relay
        self.sockets = (down, up)
        self._lock = threading.Lock()
        self._running = 2
        self.threads = (
            threading.Thread(target=self._pump, args=(down, up), name="relay-to-endpoint"),
            threading.Thread(target=self._pump, args=(up, down), name="relay-to-browser"),
        )

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            self.shutdown()
        with self._lock:
            self._running -= 1
            last = self._running == 0
        if last:
            for sock in self.sockets:
                sock.close()
            self.relay._forget(self)

    def shutdown(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class TcpRelay:
    """Forward each connection accepted on ``127.0.0.1:<port>`` to ``127.0.0.1:<target>``.

    ``retarget(port)`` sets where new connections go (``None``: they are closed at once, which the
    browser reports as a network error); ``cut()`` closes every open connection and joins its
    threads; ``close()`` stops the relay: no thread or socket survives it.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._lock = threading.Lock()
        self._target: int | None = None
        self._links: set[_Link] = set()
        self.accepted = 0
        self._closed = False
        self._acceptor = threading.Thread(target=self._accept_loop, name="relay-accept")
        self._acceptor.start()

    def retarget(self, port: int | None) -> None:
        with self._lock:
            self._target = port

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                try:
                    down, _ = self._listener.accept()
                except OSError:
                    continue
                self._relay(down)

    def _relay(self, down: socket.socket) -> None:
        with self._lock:
            target = self._target
            self.accepted += 1
        try:
            if target is None:
                raise ConnectionRefusedError("the relay has no target")
            up = socket.create_connection(("127.0.0.1", target), timeout=5)
        except OSError:
            down.close()
            return
        up.settimeout(None)
        down.settimeout(None)
        for sock in (down, up):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = _Link(self, down, up)
        with self._lock:
            self._links.add(link)
        link.start()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def cut(self) -> int:
        """Close every open connection and join its threads; return how many were open."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.shutdown()
        for link in links:
            for thread in link.threads:
                thread.join(timeout=5)
                if thread.is_alive():
                    raise RuntimeError(f"relay thread {thread.name} did not stop")
        return len(links)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.retarget(None)
        self._wake_w.send(b"x")
        self._acceptor.join(timeout=5)
        self.cut()
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()


# --- the pages --------------------------------------------------------------------------------

PAGE = b"<!doctype html><html><head><title>app</title></head><body>app</body></html>"


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass


class PageServer:
    """Serves pages on 127.0.0.1, for any ``*.localhost`` host name: one blank HTML page, or
    what ``handler`` answers."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler] = _PageHandler, name: str = "pages"
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


def session_resolver_args(relay_port: int) -> list[str]:
    """``CosCorsEndpoint.browser_args()`` of an endpoint, its port swapped for the relay's."""
    from pytest_cos_cors import CosCorsEndpoint

    with CosCorsEndpoint() as template:
        args = template.browser_args()
        target = f"127.0.0.1:{template.port}"
    swapped = [arg.replace(target, f"127.0.0.1:{relay_port}") for arg in args]
    if swapped == args:
        raise AssertionError(f"browser_args() does not name 127.0.0.1:{template.port}: {args}")
    return swapped


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
