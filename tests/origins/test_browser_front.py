"""The session browser's front, without a browser: one port for every host name, routed by
``Host`` to the endpoint attached now; nothing for anything else, or after the test ended."""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from pytester_runs import RunInner

from pytest_cos_cors import CosCorsEndpoint, tls
from pytest_cos_cors.browser_front import BrowserFront

BUCKET_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
RULE = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]}


class Connection:
    """One client connection to the front (TLS with SNI ``name`` when ``secure``)."""

    def __init__(self, port: int, name: str = "", secure: bool = False) -> None:
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock: socket.socket = raw
        if secure:
            try:
                self.sock = tls.client_context().wrap_socket(raw, server_hostname=name)
            except BaseException:
                raw.close()
                raise
        self.reader = self.sock.makefile("rb")

    def ask(self, method: str, host: str, path: str = "/", extra: str = "") -> tuple[int, bytes]:
        """Send a request; ``(status, body)``, or ``(0, b"")`` when the connection was closed
        without an answer."""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
        try:
            line = self.reader.readline()
        except ConnectionResetError:
            return 0, b""
        if not line:
            return 0, b""
        status = int(line.split()[1])
        length = 0
        while (header := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, self.reader.read(length) if method != "HEAD" else b""

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def reaches_nothing(port: int, host: str, method: str = "GET", path: str = "/") -> bool:
    """Whether a plain request for ``host`` gets its connection closed without an answer."""
    connection = Connection(port)
    try:
        return connection.ask(method, host, path) == (0, b"")
    finally:
        connection.close()


@pytest.fixture
def front() -> Iterator[BrowserFront]:
    made = BrowserFront()
    made.start()
    try:
        yield made
    finally:
        made.stop()
    assert made.problems.snapshot() == ()


@pytest.fixture
def two() -> Iterator[tuple[CosCorsEndpoint, CosCorsEndpoint]]:
    first, second = CosCorsEndpoint(), CosCorsEndpoint()
    with first, second:
        yield first, second


def preflight(connection: Connection, origin: str = "https://app.example.com") -> int:
    extra = f"Origin: {origin}\r\nAccess-Control-Request-Method: PUT\r\n"
    return connection.ask("OPTIONS", BUCKET_HOST, "/a.png", extra)[0]


def test_browser_args_send_every_name_to_the_front(front: BrowserFront) -> None:
    assert front.browser_args() == [
        f"--host-resolver-rules=MAP * 127.0.0.1:{front.port}, EXCLUDE localhost, "
        "EXCLUDE *.localhost, EXCLUDE 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={tls.spki_pin()}",
    ]


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_routes_to_the_attached_endpoint(
    front: BrowserFront, two: tuple[CosCorsEndpoint, CosCorsEndpoint], secure: bool
) -> None:
    first, second = two
    first.set_rules(RULE)
    first.serve_origin(f"{'https' if secure else 'http'}://app.example.com", "<p>app</p>")
    front.attach(first)
    cos = Connection(front.port, BUCKET_HOST, secure)
    site = Connection(front.port, "app.example.com", secure)
    try:
        assert preflight(cos) == 200
        assert site.ask("GET", "app.example.com") == (200, b"<p>app</p>")
        assert cos.ask("PUT", BUCKET_HOST, "/a.png", "Content-Length: 0\r\n")[0] == 200
    finally:
        cos.close()
        site.close()
    assert [(e.method, e.path) for e in first.exchanges] == [
        ("OPTIONS", "/a.png"),
        ("PUT", "/a.png"),
    ]
    assert second.exchanges == ()


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_any_other_name_reaches_nothing(
    front: BrowserFront, two: tuple[CosCorsEndpoint, CosCorsEndpoint], secure: bool
) -> None:
    first, _ = two
    first.serve_origin("https://app.example.com", "<p>app</p>")
    front.attach(first)
    if secure:
        with pytest.raises(ssl.SSLError):
            Connection(front.port, "example.com", secure=True)
    assert reaches_nothing(front.port, "example.com")
    # The served host under another scheme reaches nothing either (not a 421 of some endpoint).
    assert reaches_nothing(front.port, "app.example.com")
    assert first.exchanges == ()


def test_nothing_attached_reaches_nothing(front: BrowserFront) -> None:
    with pytest.raises(ssl.SSLError):
        Connection(front.port, BUCKET_HOST, secure=True)
    connection = Connection(front.port)
    try:
        assert preflight(connection) == 0
    finally:
        connection.close()


def test_a_late_request_reaches_nothing(
    front: BrowserFront, two: tuple[CosCorsEndpoint, CosCorsEndpoint]
) -> None:
    first, second = two
    for endpoint in two:
        endpoint.set_rules(RULE)
    front.attach(first)
    kept = Connection(front.port, BUCKET_HOST, secure=True)
    plain = Connection(front.port)
    try:
        assert preflight(kept) == 200
        assert preflight(plain) == 200
        front.detach(first)  # the test ended
        assert preflight(kept) == 0, "a kept-alive connection of the test is closed"
        late = Connection(front.port)
        assert preflight(late) == 0, "a new connection reaches nothing"
        front.attach(second)  # the next test
        assert preflight(plain) == 0, "a connection from the first test is closed for good"
        late.close()
        fresh = Connection(front.port, BUCKET_HOST, secure=True)
        assert preflight(fresh) == 200
        fresh.close()
    finally:
        kept.close()
        plain.close()
    assert len(first.preflights) == 2
    assert len(second.preflights) == 1


def test_detach_lets_requests_in_progress_finish(
    front: BrowserFront, two: tuple[CosCorsEndpoint, CosCorsEndpoint]
) -> None:
    first, _ = two
    entered, gate = threading.Event(), threading.Event()

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        entered.set()
        gate.wait(5)
        start_response("200 OK", [("Content-Length", "4")])
        return [b"done"]

    first.serve_origin("http://app.example.com", slow)
    front.attach(first)
    connection = Connection(front.port)
    answers: list[tuple[int, bytes]] = []
    asking = threading.Thread(
        target=lambda: answers.append(connection.ask("GET", "app.example.com"))
    )
    asking.start()
    try:
        assert entered.wait(5)
        threading.Timer(0.2, gate.set).start()
        started = time.monotonic()
        front.detach(first)
        assert time.monotonic() - started >= 0.15, "detach waited for the request"
        asking.join(5)
        assert answers == [(200, b"done")]
    finally:
        gate.set()
        asking.join(5)
        connection.close()


def test_a_request_running_past_stop_timeout_is_the_tests_problem(front: BrowserFront) -> None:
    gate = threading.Event()

    def stuck(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        gate.wait(5)
        start_response("200 OK", [("Content-Length", "0")])
        return []

    endpoint = CosCorsEndpoint()
    endpoint.stop_timeout = 0.2
    endpoint.start()
    endpoint.serve_origin("http://app.example.com", stuck)
    front.attach(endpoint)
    connection = Connection(front.port)
    asking = threading.Thread(target=lambda: connection.ask("GET", "app.example.com"))
    asking.start()
    try:
        assert front.target is endpoint
        time.sleep(0.05)
        front.detach(endpoint)
        assert front.target is None
        [problem] = endpoint.problems
        assert "still in progress when the test ended" in problem
    finally:
        gate.set()
        asking.join(5)
        connection.close()
        endpoint.stop()


OTHER = "other-1250000000"
OTHER_HOST = f"{OTHER}.cos.ap-beijing.myqcloud.com"


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_routes_to_every_attached_endpoint(front: BrowserFront, secure: bool) -> None:
    """The test's endpoint and an extra one (``make_cos_cors``): each bucket's host name reaches
    the endpoint that has the bucket, each served origin its endpoint; detaching one leaves the
    other reachable."""
    with CosCorsEndpoint() as first, CosCorsEndpoint(bucket=OTHER) as second:
        scheme = "https" if secure else "http"
        first.serve_origin(f"{scheme}://app.example.com", "<p>app</p>")
        second.serve_origin(f"{scheme}://admin.example.com", "<p>admin</p>")
        front.attach(first)
        front.attach(second)
        assert front.targets == (first, second)
        connections = [
            Connection(front.port, name, secure)
            for name in (BUCKET_HOST, OTHER_HOST, "app.example.com", "admin.example.com")
        ]
        try:
            mine, other, app, admin = connections
            assert mine.ask("PUT", BUCKET_HOST, "/a.png", "Content-Length: 0\r\n")[0] == 200
            assert other.ask("PUT", OTHER_HOST, "/b.png", "Content-Length: 0\r\n")[0] == 200
            assert app.ask("GET", "app.example.com") == (200, b"<p>app</p>")
            assert admin.ask("GET", "admin.example.com") == (200, b"<p>admin</p>")
        finally:
            for connection in connections:
                connection.close()
        assert list(first.objects()) == ["a.png"]
        assert list(second.objects()) == ["b.png"]
        front.detach(second)
        assert list(front.targets) == [first]
        still = Connection(front.port, BUCKET_HOST, secure)
        try:
            assert still.ask("HEAD", BUCKET_HOST, "/a.png")[0] == 200
            # The other bucket's host now reaches the first endpoint, which does not have it.
            assert still.ask("HEAD", OTHER_HOST, "/b.png")[0] == 404
        finally:
            still.close()
        assert reaches_nothing(front.port, "admin.example.com")
        front.detach(first)


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_what_reached_nothing_is_remembered_for_the_test(
    front: BrowserFront, two: tuple[CosCorsEndpoint, CosCorsEndpoint], secure: bool
) -> None:
    first, second = two
    front.attach(first)
    if secure:
        with pytest.raises(ssl.SSLError):
            Connection(front.port, "api.example.com", secure=True)
        expected = ("TLS to api.example.com",)
    else:
        assert reaches_nothing(front.port, "api.example.com", "POST", "/v1/upload")
        expected = ("POST http://api.example.com/v1/upload",)
    cos = Connection(front.port, BUCKET_HOST, secure)
    try:
        assert preflight(cos) == 403  # routed: not remembered
    finally:
        cos.close()
    assert front.unrouted == expected
    front.detach(first)
    assert front.unrouted == expected  # still there for the failed test's report
    front.attach(second)  # the next test
    assert not front.unrouted
    front.detach(second)


INNER = """
import socket, re
import pytest

ARGS = []

def ask(port, origin, bucket="examplebucket-1250000000"):
    host = f"{bucket}.cos.ap-beijing.myqcloud.com"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall((f"OPTIONS /a HTTP/1.1\\r\\nHost: {host}\\r\\nOrigin: {origin}\\r\\n"
                   "Access-Control-Request-Method: PUT\\r\\n"
                   "Connection: close\\r\\n\\r\\n").encode())
        return s.recv(100).split(b" ")[1:2]

HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"

@pytest.fixture(scope="session")
def front_port(cos_cors_browser_args):
    ARGS.append(cos_cors_browser_args)
    return int(re.search(r"MAP \\* 127.0.0.1:(\\d+)", cos_cors_browser_args[0]).group(1))

@pytest.mark.cors_rules({"AllowedOrigin": ["https://one.example"], "AllowedMethod": ["PUT"]})
def test_one(front_port, cos_cors):
    assert ask(front_port, "https://one.example") == [b"200"]
    assert ask(front_port, "https://two.example") == [b"403"]
    assert len(cos_cors.preflights) == 2

@pytest.mark.cors_rules({"AllowedOrigin": ["https://two.example"], "AllowedMethod": ["PUT"]})
def test_two(front_port, cos_cors):
    assert ask(front_port, "https://two.example") == [b"200"]
    assert [p.headers["Origin"] for p in cos_cors.preflights] == ["https://two.example"]

def test_without_an_endpoint(front_port):
    assert ask(front_port, "https://two.example") == []

def test_same_args(cos_cors_browser_args):
    assert ARGS == [cos_cors_browser_args]

@pytest.mark.cors_rules({"AllowedOrigin": ["https://one.example"], "AllowedMethod": ["PUT"]})
def test_extra_endpoints_too(front_port, cos_cors, make_cos_cors):
    other = make_cos_cors(bucket="other-1250000000")
    other.set_rules({"AllowedOrigin": ["https://two.example"], "AllowedMethod": ["PUT"]})
    assert ask(front_port, "https://one.example") == [b"200"]
    assert ask(front_port, "https://two.example", "other-1250000000") == [b"200"]
    assert len(cos_cors.preflights) == 1
    assert len(other.preflights) == 1

def test_after_the_extra_endpoint(front_port):
    assert ask(front_port, "https://two.example", "other-1250000000") == []
"""


def test_the_fixtures_attach_each_tests_endpoint(
    run_inner: RunInner, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(INNER)
    result = run_inner("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=6)
    assert re.search(r"6 passed", result.stdout.str())


UNROUTED = """
import re, socket

def test_page_asks_an_api_nobody_serves(cos_cors_browser_args, cos_cors):
    port = int(re.search(r"MAP \\* 127.0.0.1:(\\d+)", cos_cors_browser_args[0]).group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /v1/token HTTP/1.1\\r\\nHost: api.example.com\\r\\n\\r\\n")
        assert s.recv(100) == b""
    assert False, "the page got a network error"
"""


def test_a_failed_tests_report_lists_what_reached_nothing(
    run_inner: RunInner, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(UNROUTED)
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- cos_cors -*",
            "endpoint http://127.0.0.1:*: 0 exchange(s)",
            "the session browser asked for 1 thing(s) no endpoint of this test serves (the page "
            "saw a network error, not an answer):",
            "  GET http://api.example.com/v1/token",
            "  (a page's origin is served with serve_origin(); a bucket's host name reaches the "
            "endpoint that has the bucket, from cos_cors or make_cos_cors)",
        ]
    )
