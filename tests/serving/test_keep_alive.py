"""Defect 5: persistent connections (RFC 9112 §9). HTTP/1.1 keeps the connection unless asked
to close, HTTP/1.0 closes unless asked to keep it; pipelined requests are answered in order; an
unread request body is discarded (or the connection closed) so that the next request is read
from the right place."""

from __future__ import annotations

import http.client
import threading
import time
from typing import Any

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import BUCKET, Client, Engine, request


def test_http_1_1_keeps_the_connection(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        for n in range(5):
            client.send(
                request("PUT", f"/{BUCKET}/k{n}", [("Host", "h"), ("Content-Length", "1")], b"x")
            )
            answer = client.answer("PUT")
            assert answer.status == 200
            assert answer.header("Connection") is None
    assert sorted(cos.objects()) == [f"k{n}" for n in range(5)]


def test_connection_close_is_honoured(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        client.send(request("GET", f"/{BUCKET}/k", [("Host", "h"), ("Connection", "close")]))
        answer = client.answer()
        assert answer.status == 404
        assert answer.header("Connection") == "close"
        assert client.closed_by_server()


def test_http_1_0_closes_unless_asked(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        client.send(request("GET", f"/{BUCKET}/k", version="HTTP/1.0"))
        answer = client.answer()
        assert answer.header("Connection") == "close"
        assert client.closed_by_server()
    with Client(cos.port) as client:
        for _ in range(3):
            client.send(
                request("GET", f"/{BUCKET}/k", [("Connection", "keep-alive")], version="HTTP/1.0")
            )
            answer = client.answer()
            assert answer.status == 404
            assert answer.header("Connection") == "keep-alive"


def test_pipelined_requests_are_answered_in_order(cos: CosCorsEndpoint) -> None:
    batch = (
        b"".join(
            request("PUT", f"/{BUCKET}/p{n}", [("Host", "h"), ("Content-Length", str(n))], b"x" * n)
            for n in range(1, 6)
        )
        + request("GET", f"/{BUCKET}/p3", [("Host", "h")])
        + request("GET", f"/{BUCKET}/p5", [("Host", "h"), ("Connection", "close")])
    )
    with Client(cos.port) as client:
        client.send(batch)
        answers = [client.answer("PUT") for _ in range(5)]
        assert [a.status for a in answers] == [200] * 5
        assert client.answer().body == b"xxx"
        assert client.answer().body == b"xxxxx"
        assert client.closed_by_server()
    assert [e.path for e in cos.exchanges] == [f"/p{n}" for n in range(1, 6)] + ["/p3", "/p5"]


def _no_read(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "2")])
    return [environ["PATH_INFO"][-2:].encode()]


def test_an_unread_body_is_drained(serve: Any) -> None:
    served = serve(_no_read)
    with Client(served.port) as client:
        client.send(
            request("PUT", "/a1", [("Host", "h"), ("Content-Length", "100000")], b"y" * 100000)
        )
        first = client.answer("PUT")
        assert first.body == b"a1"
        assert first.header("Connection") is None
        client.send(request("GET", "/b2", [("Host", "h")]))
        assert client.answer().body == b"b2"


def test_a_large_unread_body_closes_the_connection(serve: Any, engine: Engine) -> None:
    engine.settings.update(drain_limit=1000)
    served = serve(_no_read)
    with Client(served.port) as client:
        client.send(request("PUT", "/a1", [("Host", "h"), ("Content-Length", "100000")]))
        answer = client.answer("PUT")
        assert answer.body == b"a1"
        assert answer.header("Connection") == "close"
        assert client.closed_by_server()


def test_an_unsent_100_continue_body_closes_the_connection(serve: Any) -> None:
    """The client holds its body until it gets ``100 Continue``: an answer without reading it
    ends the connection (what follows could be the body or a request)."""
    served = serve(_no_read)
    with Client(served.port) as client:
        client.send(
            request(
                "PUT", "/a1", [("Host", "h"), ("Content-Length", "3"), ("Expect", "100-continue")]
            )
        )
        answer = client.answer("PUT")
        assert (answer.status, answer.interim, answer.body) == (200, [], b"a1")
        assert answer.header("Connection") == "close"
        assert client.closed_by_server()


def test_many_keep_alive_clients_at_once(cos: CosCorsEndpoint) -> None:
    """8 persistent connections, 200 requests each: every hand-back of a connection to the
    selector loop is seen (a lost wake-up once left them all waiting)."""
    failures: list[BaseException] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", cos.port, timeout=5)
        try:
            for _ in range(200):
                connection.request("GET", f"/{BUCKET}/nothing")
                response = connection.getresponse()
                response.read()
                assert response.status == 404
                assert not response.will_close
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cos.exchanges) == 1600


def test_a_request_split_across_the_hand_back_is_read_whole(cos: CosCorsEndpoint) -> None:
    """The next request's head, then its body a little later: the part a worker read while it
    waited for the next request is kept when the selector loop takes the connection back."""
    with Client(cos.port) as client:
        client.send(request("GET", f"/{BUCKET}/a", [("Host", "h")]))
        assert client.answer().status == 404
        head = request("PUT", f"/{BUCKET}/b", [("Host", "h"), ("Content-Length", "6")])
        client.send(head + b"abc")
        time.sleep(0.05)
        client.send(b"def")
        assert client.answer("PUT").status == 200
        client.send(b"GET /" + BUCKET.encode() + b"/b HT")
        time.sleep(0.05)
        client.send(b"TP/1.1\r\nHost: h\r\n\r\n")
        assert client.answer().body == b"abcdef"
    assert cos.objects() == {"b": b"abcdef"}
