"""Defect 2 and the lifecycle: ``stop()`` is bounded by ``stop_timeout`` (plus a small constant)
whatever the connections do, returns with no engine thread alive and every socket closed, and
reports what it cut; idle connections are closed at once; start+stop is fast."""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
from typing import Any

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import (
    BUCKET,
    Client,
    Engine,
    engine_threads,
    open_sockets,
    request,
    wait_for,
)

SLACK = 0.5  # what stop() may take beyond stop_timeout


def test_stop_is_bounded_with_32_readers_that_never_read_their_answer(engine: Engine) -> None:
    """A loopback connection buffers about 2 MB in the kernel (both sides), so a 1 MiB answer
    would be written whole at once: the object is 8 MiB, so that every write blocks."""
    endpoint = CosCorsEndpoint()
    endpoint.stop_timeout = 0.5
    endpoint.start()
    sockets_before = open_sockets()
    readers: list[socket.socket] = []
    try:
        size = 8 << 20
        put = request("PUT", f"/{BUCKET}/big", [("Host", "h"), ("Content-Length", str(size))])
        with Client(endpoint.port) as client:
            client.send(put + b"x" * size)
            assert client.answer("PUT").status == 200
        get = request("GET", f"/{BUCKET}/big", [("Host", "h")])
        for _ in range(32):
            reader = socket.socket()
            reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
            reader.connect(("127.0.0.1", endpoint.port))
            reader.sendall(get)
            readers.append(reader)
        time.sleep(0.5)  # every answer is being written, and stuck
        started = time.monotonic()
        endpoint.stop()
        took = time.monotonic() - started
        assert took < 0.5 + SLACK, f"stop() took {took:.2f} s"
        assert engine_threads() == []
        # the server's own sockets are closed: only the readers' remain
        assert open_sockets() <= sockets_before + len(readers) - 0
    finally:
        for reader in readers:
            reader.close()
        endpoint.stop()
    cut = [p for p in endpoint.problems if "cut off at stop" in p]
    assert len(cut) == 32, endpoint.problems
    assert all("GET /examplebucket-1250000000/big" in p for p in cut)


def test_stop_closes_idle_keep_alive_connections_at_once(engine: Engine) -> None:
    endpoint = CosCorsEndpoint()
    endpoint.start()
    clients = [Client(endpoint.port) for _ in range(20)]
    try:
        for client in clients:
            client.send(request("GET", f"/{BUCKET}/nothing", [("Host", "h")]))
            assert client.answer().status == 404
        started = time.monotonic()
        endpoint.stop()
        assert time.monotonic() - started < 0.2
        assert all(client.closed_by_server(1.0) for client in clients)
    finally:
        for client in clients:
            client.close()
    assert endpoint.problems == ()


def test_a_request_in_progress_finishes_within_the_stop_timeout(serve: Any) -> None:
    release = threading.Event()

    def slow(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        release.wait(5)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    served = serve(slow, stop_timeout=2.0)
    with Client(served.port) as client:
        client.send(request("GET", "/", [("Host", "h")]))
        assert wait_for(lambda: served.server.requests_in_progress() == 1)
        threading.Timer(0.2, release.set).start()
        started = time.monotonic()
        served.stop()
        assert 0.15 < time.monotonic() - started < 1.0
        answer = client.answer()
    assert answer.status == 200
    assert answer.body == b"ok"
    assert answer.header("Connection") == "close"
    assert served.problems.snapshot() == ()


def test_a_request_still_running_at_the_deadline_is_cut_and_reported(serve: Any) -> None:
    def stuck(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()  # the client sends a part of its body, then nothing
        start_response("200 OK", [("Content-Length", "0")])
        return []

    served = serve(stuck, stop_timeout=0.3)
    with Client(served.port) as client:
        client.send(request("PUT", "/k", [("Host", "h"), ("Content-Length", "100000")], b"x" * 10))
        assert wait_for(lambda: served.server.requests_in_progress() == 1)
        started = time.monotonic()
        served.stop()
        assert time.monotonic() - started < 0.3 + SLACK
    problems = served.problems.snapshot()
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "request cut off at stop (still in progress after 0.3 s): 'PUT /k HTTP/1.1' from "
    )
    assert wait_for(lambda: engine_threads() == [], 1.0)


def test_a_head_still_arriving_at_the_deadline_is_cut_and_reported(serve: Any) -> None:
    served = serve(_never, stop_timeout=0.2)
    with Client(served.port) as client:
        client.send(b"PUT /slow HTTP/1.1\r\nHost: h\r\nCont")
        assert wait_for(lambda: served.server.requests_in_progress() == 1)
        served.stop()
    (problem,) = served.problems.snapshot()
    assert problem.startswith(
        "request cut off at stop (still in progress after 0.2 s): 'PUT /slow HTTP/1.1' from "
    )


def test_a_request_in_the_listen_backlog_is_reported(serve: Any) -> None:
    """The selector loop accepts at once; this checks nothing is lost between accept and stop:
    each connection is answered, cut and reported, or refused."""
    served = serve(_ok)
    clients = [Client(served.port) for _ in range(50)]
    try:
        for client in clients:
            client.send(request("GET", "/", [("Host", "h")]))
        served.stop()
        answered = 0
        for client in clients:
            with contextlib.suppress(ConnectionError, OSError):
                answered += client.answer().status == 200
    finally:
        for client in clients:
            client.close()
    assert answered + len(served.problems.snapshot()) == 50, served.problems.snapshot()


def test_start_plus_stop_is_fast(engine: Engine) -> None:
    durations = []
    for _ in range(200):
        started = time.perf_counter()
        served = engine.serve(_ok)
        served.stop()
        durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.005  # about 0.15 ms on a quiet machine


def test_stop_without_start_releases_the_socket(engine: Engine) -> None:
    from pytest_cos_cors.recording import Problems

    before = open_sockets()
    server = engine("127.0.0.1", 0, _ok, Problems())
    assert open_sockets() == before + 1
    server.stop()
    server.stop()
    assert open_sockets() == before


def _ok(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


def _never(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise AssertionError("the application is not called")


def test_a_client_closing_during_stop_wakes_the_loop(engine: Engine) -> None:
    """The worker that holds a kept-alive connection (waiting for its next request) closes it
    when the client leaves; a stopping loop that waits for that connection must learn of it at
    once, not at its next periodic check (here 1 s apart, from the long timeouts)."""
    engine.settings.update(next_request_wait=3.0, idle_timeout=60.0, linger_timeout=60.0)
    endpoint = CosCorsEndpoint()
    endpoint.start()
    client = socket.create_connection(("127.0.0.1", endpoint.port))
    try:
        client.sendall(request("GET", f"/{BUCKET}/", [("Host", "h")]))
        assert client.recv(65536).startswith(b"HTTP/1.1 200")
        stopper = threading.Thread(target=endpoint.stop)
        stopper.start()
        time.sleep(0.2)  # stop() is waiting for the worker's connection
        closed = time.monotonic()
        client.close()
        stopper.join(5)
        took = time.monotonic() - closed
    finally:
        client.close()
        endpoint.stop()
    assert not stopper.is_alive()
    assert took < 0.5, f"stop() returned {took:.2f} s after the client left"
