"""Defect 4: slow clients hold no thread. 500 connections trickling their requests do not make
500 threads, a normal client keeps getting prompt answers meanwhile, idle workers go away, and
a connection stalled in the middle of a request (or idle too long) is closed, with 408 when
nothing of an answer was sent."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import (
    BUCKET,
    Client,
    Engine,
    engine_threads,
    request,
    wait_for,
    worker_threads,
)


def test_500_slow_connections_hold_no_thread_and_others_are_answered(engine: Engine) -> None:
    engine.settings.update(worker_idle_timeout=0.3)
    endpoint = CosCorsEndpoint()
    endpoint.start()
    slow: list[socket.socket] = []
    try:
        for n in range(500):
            sock = socket.create_connection(("127.0.0.1", endpoint.port))
            sock.sendall(f"PUT /{BUCKET}/slow{n} HTTP/1.1\r\nHost: h\r\n".encode())
            slow.append(sock)
        latencies = []
        most_threads = 0
        for n in range(20):
            for sock in slow[n * 25 : (n + 1) * 25]:
                sock.sendall(b"X")  # a byte of a header name, now and then
            started = time.monotonic()
            with Client(endpoint.port) as client:
                client.send(request("GET", f"/{BUCKET}/nothing", [("Host", "h")]))
                assert client.answer().status == 404
            latencies.append(time.monotonic() - started)
            most_threads = max(most_threads, len(engine_threads()))
        assert max(latencies) < 1.0, latencies
        assert most_threads <= 4, f"{most_threads} engine threads for 500 slow connections"
        assert wait_for(lambda: endpoint.requests_in_progress() == 500)
        for sock in slow:
            sock.close()
        # the slow clients left: nothing is held for them, and the idle worker exits
        assert wait_for(lambda: endpoint.requests_in_progress() == 0)
        assert wait_for(lambda: worker_threads() == [], 3.0), worker_threads()
    finally:
        for sock in slow:
            sock.close()
        endpoint.stop()
    assert endpoint.problems == ()


def test_idle_workers_exit(serve: Any, engine: Engine) -> None:
    engine.settings.update(worker_idle_timeout=0.2)
    gate = threading.Barrier(8, timeout=5)

    def together(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        gate.wait()  # 8 requests answered at once: 8 workers
        start_response("200 OK", [("Content-Length", "0")])
        return []

    served = serve(together)
    clients = [Client(served.port) for _ in range(8)]
    try:
        for client in clients:
            client.send(request("GET", "/", [("Host", "h")]))
        assert all(client.answer().status == 200 for client in clients)
        assert len(worker_threads()) == 8
        assert wait_for(lambda: worker_threads() == [], 3.0), worker_threads()
    finally:
        for client in clients:
            client.close()


def test_a_stalled_head_gets_408_and_is_closed(serve: Any, engine: Engine) -> None:
    engine.settings.update(request_timeout=0.3)
    served = serve(_never)
    with Client(served.port) as client:
        client.send(b"GET /k HTTP/1.1\r\nHost: h\r\n")
        started = time.monotonic()
        answer = client.answer()
        assert 0.25 < time.monotonic() - started < 2.0
        assert answer.status == 408
        assert answer.error()["Code"] == "RequestTimeout"
        assert client.closed_by_server()
    assert served.problems.snapshot() == ()


def test_a_trickling_head_is_bounded_in_time(serve: Any, engine: Engine) -> None:
    """A byte now and then does not keep a head alive for ever: the head has a deadline."""
    engine.settings.update(request_timeout=0.4)
    served = serve(_never)
    with Client(served.port) as client:
        client.send(b"GET /k HTTP/1.1\r\n")
        started = time.monotonic()
        for _ in range(10):
            time.sleep(0.1)
            try:
                client.send(b"X")
            except OSError:
                break
        answer = client.answer()
        assert answer.status == 408
        assert time.monotonic() - started < 1.5


def test_a_stalled_small_body_gets_408(cos: CosCorsEndpoint, engine: Engine) -> None:
    engine.settings.update(request_timeout=0.3)
    cos.stop()
    cos.start()  # with the new setting
    with Client(cos.port) as client:
        head = request("PUT", f"/{BUCKET}/k", [("Host", "h"), ("Content-Length", "10")])
        client.send(head + b"12345")
        answer = client.answer("PUT")
        assert answer.status == 408
        assert client.closed_by_server()
    assert cos.objects() == {}
    assert cos.exchanges == ()
    assert cos.problems == ()


def test_a_stalled_large_body_gets_408(cos: CosCorsEndpoint, engine: Engine) -> None:
    engine.settings.update(request_timeout=0.3)
    cos.stop()
    cos.start()  # with the new setting
    size = 1 << 20  # more than is buffered before a worker takes the request
    with Client(cos.port) as client:
        head = request("PUT", f"/{BUCKET}/k", [("Host", "h"), ("Content-Length", str(size))])
        client.send(head + b"x" * 100_000)
        answer = client.answer("PUT")
        assert answer.status == 408
        assert client.closed_by_server()
    assert cos.objects() == {}
    assert cos.exchanges == ()
    assert cos.problems == ()


def test_an_idle_keep_alive_connection_is_closed(serve: Any, engine: Engine) -> None:
    engine.settings.update(idle_timeout=0.3)
    served = serve(_ok)
    with Client(served.port) as client:
        client.send(request("GET", "/", [("Host", "h")]))
        assert client.answer().status == 200
        started = time.monotonic()
        assert client.closed_by_server(3.0)
        assert 0.25 < time.monotonic() - started < 2.0


def test_a_connection_that_never_sends_is_closed(serve: Any, engine: Engine) -> None:
    engine.settings.update(idle_timeout=0.3)
    served = serve(_never)
    with Client(served.port) as client:
        assert client.closed_by_server(3.0)
        assert client.reader.read() == b""  # no answer to no request
    assert served.problems.snapshot() == ()


def _ok(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


def _never(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise AssertionError("the application is not called")
