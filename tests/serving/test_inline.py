"""Quick requests answered on the selector loop itself (issue 13's per-test cost): no worker
thread and no hand-off between threads for them, and nothing else changes: an answer longer than
the gathering limit or one a slow client does not take is finished by a worker, a slow operation
and a served site's application always get a worker, pipelined requests are answered in order,
and an application's failure is still a 500 and a problem."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from typing import Any

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import BUCKET, Client, Engine, exchange, request


def _always(head: Any, secure: bool) -> bool:
    return True


def test_quick_requests_start_no_worker(cos: CosCorsEndpoint, engine: Engine) -> None:
    cos.set_rules({"AllowedOrigin": "https://app.example.com", "AllowedMethod": ["PUT", "GET"]})
    connection = http.client.HTTPConnection("127.0.0.1", cos.port, timeout=5)
    try:
        preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
        calls: list[tuple[str, dict[str, str]]] = [
            ("OPTIONS", preflight),
            ("PUT", {"Content-Type": "text/plain"}),
            ("GET", {}),
            ("HEAD", {}),
            ("DELETE", {}),
        ]
        statuses = []
        for method, headers in calls:
            body = b"hello" if method == "PUT" else None
            connection.request(method, f"/{BUCKET}/k", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()
    assert statuses == [200, 200, 200, 200, 204]
    assert engine.servers[-1].workers == 0
    assert [e.operation for e in cos.exchanges] == [
        "PreflightRequest",
        "PutObject",
        "GetObject",
        "HeadObject",
        "DeleteObject",
    ]


def test_a_copy_is_answered_by_a_worker(cos: CosCorsEndpoint, engine: Engine) -> None:
    put = exchange(
        cos.port,
        request("PUT", f"/{BUCKET}/source", [("Host", "h"), ("Content-Length", "7")], b"content"),
    )
    assert put.status == 200
    assert engine.servers[-1].workers == 0
    answer = exchange(
        cos.port,
        request(
            "PUT",
            f"/{BUCKET}/copy",
            [("Host", "h"), ("x-cos-copy-source", f"{cos.bucket_host}/source")],
        ),
    )
    assert answer.status == 200, answer.body
    assert engine.servers[-1].workers == 1
    assert cos.objects()["copy"] == b"content"


def test_a_served_site_may_call_its_endpoint_back(cos: CosCorsEndpoint) -> None:
    """A site's application is the user's: it may take its time or, as a backend does, call
    COS, this very endpoint. On the selector loop it would wait for itself."""

    def backend(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        inner = http.client.HTTPConnection("127.0.0.1", cos.port, timeout=5)
        try:
            inner.request("PUT", f"/{BUCKET}/from-backend", body=b"saved")
            status = inner.getresponse().status
        finally:
            inner.close()
        body = str(status).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    cos.serve_origin("http://api.example.com", backend)
    answer = exchange(cos.port, request("GET", "/", [("Host", "api.example.com")]), timeout=10)
    assert (answer.status, answer.body) == (200, b"200")
    assert cos.objects()["from-backend"] == b"saved"


def _long(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    size = int(environ["PATH_INFO"].strip("/"))
    start_response("200 OK", [("Content-Length", str(size))])
    for start in range(0, size, 65536):
        yield bytes([start // 65536 % 251]) * min(65536, size - start)


def _expected(size: int) -> bytes:
    return b"".join(
        bytes([start // 65536 % 251]) * min(65536, size - start) for start in range(0, size, 65536)
    )


def test_an_answer_past_the_gathering_limit_is_finished_whole(serve: Any) -> None:
    served = serve(_long, quick=_always)
    size = 3 * served.server.gather_limit + 12345
    with Client(served.port) as client:
        for _ in range(2):  # and the connection is kept for the next request
            client.send(request("GET", f"/{size}", [("Host", "h")]))
            assert client.answer().body == _expected(size)
    assert served.server.workers == 1
    served.stop()
    assert served.problems.snapshot() == ()


def test_a_slow_reader_of_a_long_answer_holds_no_one_up(serve: Any) -> None:
    served = serve(_long, quick=_always)
    size = 32 * 1024 * 1024  # far more than the socket buffers hold
    with Client(served.port, timeout=10) as slow:
        slow.send(request("GET", f"/{size}", [("Host", "h")]))
        time.sleep(0.2)  # its answer fills the buffers; nobody reads it
        started = time.monotonic()
        answer = exchange(served.port, request("GET", "/10", [("Host", "h")]))
        waited = time.monotonic() - started
        assert (answer.status, answer.body) == (200, _expected(10))
        assert waited < 2.0, waited
        assert slow.answer().body == _expected(size)
    served.stop()
    assert served.problems.snapshot() == ()


def test_pipelined_quick_requests_are_answered_in_order(cos: CosCorsEndpoint) -> None:
    count = 1500  # deeper than any recursion would allow
    batch = b"".join(
        request("PUT", f"/{BUCKET}/p{n}", [("Host", "h"), ("Content-Length", "1")], b"x")
        for n in range(count)
    )
    with Client(cos.port, timeout=10) as client:
        sender = threading.Thread(target=client.send, args=(batch,))
        sender.start()
        try:
            statuses = [client.answer("PUT").status for _ in range(count)]
        finally:
            sender.join(10)
    assert statuses == [200] * count
    assert [e.path for e in cos.exchanges] == [f"/p{n}" for n in range(count)]


def _fails(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError("the application broke")


def test_an_application_failure_on_the_loop_is_a_500_and_a_problem(serve: Any) -> None:
    served = serve(_fails, quick=_always)
    answer = exchange(served.port, request("GET", f"/{BUCKET}/k", [("Host", "h")]))
    assert answer.status == 500
    assert answer.error()["Code"] == "InternalError"
    assert served.server.workers == 0
    served.stop()
    (problem,) = served.problems.snapshot()
    assert "RuntimeError: the application broke" in problem
