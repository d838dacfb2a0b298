"""Fixtures of the serving-engine tests: the engine under test, an endpoint served by it, raw
HTTP over a socket, and a check that every test leaves no thread, socket or descriptor behind.

The engine is :class:`pytest_cos_cors.serving.CosServer`, the server every ``CosCorsEndpoint``
starts. (Each defect's test was shown to fail on the werkzeug-based server it replaced before
that server was removed.)
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rawhttp import RawResponse

from pytest_cos_cors import endpoint as endpoint_module
from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.recording import Problems
from pytest_cos_cors.serving import CosServer
from pytest_cos_cors.wire import internal_error, protocol_error

BUCKET = "examplebucket-1250000000"
HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
ENGINE_THREADS = ("cos-cors",)  # the prefix of every engine thread's name


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


#: Threads alive when the running test started (a session-scoped server's, such as the session
#: browser's front): not this test's engine threads.
_BEFORE: set[threading.Thread] = set()


def engine_threads() -> list[threading.Thread]:
    """The engine threads this test started that are alive."""
    return [
        t for t in threading.enumerate() if t.name.startswith(ENGINE_THREADS) and t not in _BEFORE
    ]


def worker_threads() -> list[threading.Thread]:
    """The engine's worker threads alive now (the driver's thread, shared by every server and
    perhaps held by the session, is not one)."""
    return [t for t in threading.enumerate() if t.name.startswith("cos-cors-worker")]


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """Every test ends with the threads, sockets and descriptors it started with."""
    gc.collect()
    threads, sockets, fds = set(threading.enumerate()), open_sockets(), open_fds()
    _BEFORE.clear()
    _BEFORE.update(threads)
    yield
    gc.collect()
    assert wait_for(lambda: set(threading.enumerate()) <= threads, 3.0), [
        t.name for t in set(threading.enumerate()) - threads
    ]
    assert open_sockets() <= sockets
    assert open_fds() <= fds


# -- the engine under test ---------------------------------------------------------------------


class Engine:
    """Makes servers of the engine under test with the old server's signature; ``settings``
    (timeouts, limits) are set as attributes on each server before it starts."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self.servers: list[Any] = []

    def __call__(
        self,
        host: str,
        port: int,
        app: Any,
        problems: Any,
        *,
        stop_timeout: float = 2.0,
        **answers: Any,
    ) -> Any:
        """``CosServer``'s signature (the endpoint's own ``framing_error`` and ``internal_error``,
        in ``answers``, are replaced by the same functions of :mod:`pytest_cos_cors.wire`;
        its ``quick`` is kept: which requests the selector loop answers itself)."""
        server = CosServer(
            host,
            port,
            app,
            problems,
            stop_timeout=stop_timeout,
            framing_error=protocol_error,
            internal_error=internal_error,
            quick=answers.get("quick"),
        )
        for name, value in self.settings.items():
            setattr(server, name, value)
        self.servers.append(server)
        return server

    def serve(
        self, app: Any, *, stop_timeout: float = 2.0, host: str = "127.0.0.1", quick: Any = None
    ) -> Served:
        problems = Problems()
        server = self(host, 0, app, problems, stop_timeout=stop_timeout, quick=quick)
        server.start()
        return Served(server, problems)


@dataclass
class Served:
    """A started server of the engine under test and its problems."""

    server: Any
    problems: Problems
    stopped: bool = field(default=False)

    @property
    def port(self) -> int:
        return int(self.server.port)

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.server.stop()


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The engine under test; endpoints started in the test serve with it."""
    made = Engine()
    monkeypatch.setattr(endpoint_module, "CosServer", made)
    return made


@pytest.fixture
def serve(engine: Engine) -> Iterator[Callable[..., Served]]:
    """``serve(app, stop_timeout=...)``: a started server, stopped at teardown."""
    started: list[Served] = []

    def start(app: Any, **options: Any) -> Served:
        served = engine.serve(app, **options)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def cos(engine: Engine) -> Iterator[CosCorsEndpoint]:
    """A started endpoint served by the engine under test, stopped at teardown (its problems
    are the test's to check)."""
    endpoint = CosCorsEndpoint()
    endpoint.start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


# -- raw HTTP ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer(RawResponse):
    """One answer on a kept connection (:class:`Client`), with the statuses of the 1xx answers
    that came before it."""

    interim: list[int] = field(default_factory=list)

    def error(self) -> dict[str, str]:
        """The COS ``<Error>`` document as {field: text}, its ids those of the headers."""
        __tracebackhide__ = True
        fields = super().error()
        assert fields["RequestId"] == self.header("x-cos-request-id")
        assert fields["TraceId"] == self.header("x-cos-trace-id")
        return fields


class Client:
    """A raw connection: send bytes, read answers one by one with a strict reader."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.reader = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self, method: str = "GET") -> Answer:
        interim: list[int] = []
        while True:
            line = self.reader.readline(65537)
            if not line:
                raise ConnectionError("the server closed the connection without an answer")
            version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
            assert version == "HTTP/1.1", line
            code_text, _, reason = rest.partition(" ")
            code = int(code_text)
            headers = []
            while True:
                field_line = self.reader.readline(65537).decode("latin-1").rstrip("\r\n")
                if not field_line:
                    break
                name, _, value = field_line.partition(":")
                headers.append((name, value.strip()))
            if 100 <= code < 200:
                interim.append(code)
                continue
            break
        answer = Answer(code, reason, 11, headers, b"", interim)
        body = self._body(answer, method)
        return Answer(code, reason, 11, headers, body, interim)

    def _body(self, answer: Answer, method: str) -> bytes:
        if method == "HEAD" or answer.status in (204, 304):
            return b""
        length = answer.header("Content-Length")
        if length is not None:
            return self._exactly(int(length))
        if (answer.header("Transfer-Encoding") or "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.reader.readline().split(b";")[0], 16)
                if size == 0:
                    while self.reader.readline() not in (b"\r\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self._exactly(size))
                assert self.reader.read(2) == b"\r\n"
        return self.reader.read()

    def _exactly(self, size: int) -> bytes:
        data = self.reader.read(size)
        assert len(data) == size, (len(data), size)
        return data

    def closed_by_server(self, timeout: float = 5.0) -> bool:
        """Whether the server closes the connection (EOF, or a reset) within ``timeout``."""
        self.sock.settimeout(timeout)
        try:
            return self.reader.read(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def request(
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    version: str = "HTTP/1.1",
) -> bytes:
    """A request as bytes: exactly these header fields (no Host unless given)."""
    lines = [f"{method} {target} {version}"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(port: int, data: bytes, method: str = "GET", timeout: float = 5.0) -> Answer:
    with Client(port, timeout) as client:
        client.send(data)
        return client.answer(method)


def http_get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
