"""What the old server did and the engine keeps: the application's answer sent as given (one
``Server`` header, its own ``Content-Length``, no body for HEAD), chunked answers without a
length, ``TCP_NODELAY``, failures of the application reported and answered 500, and the WSGI
environ an application written against werkzeug expects."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import BUCKET, Client, Engine, exchange, request


def test_one_server_header_on_every_answer(cos: CosCorsEndpoint) -> None:
    answers = [
        exchange(cos.port, request("GET", f"/{BUCKET}/k", [("Host", "h")])),
        exchange(cos.port, request("OPTIONS", f"/{BUCKET}/k", [("Host", "h")])),
        exchange(cos.port, request("PUT", "/x", [("Host", "h"), ("Content-Length", "?")])),
        exchange(cos.port, b"NOT A REQUEST\r\n\r\n"),
    ]
    for answer in answers:
        assert answer.all("Server") == ["tencent-cos"]
        assert len(answer.all("Date")) == 1


def test_tcp_nodelay_on_accepted_connections(serve: Any) -> None:
    served = serve(_echo)
    with Client(served.port) as client:
        client.send(request("GET", "/", [("Host", "h")]))
        client.answer()
        (conn,) = [c for c in served.server._loop.open if c.address == client.sock.getsockname()]
        assert conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_headers_are_sent_as_given(serve: Any) -> None:
    headers = [("x-Lower", "1"), ("X-UPPER", "2"), ("x-lower", "3"), ("Content-Length", "2")]

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("299 Custom Thing", headers)
        return [b"o", b"k"]

    served = serve(app)
    answer = exchange(served.port, request("GET", "/", [("Host", "h")]))
    assert (answer.status, answer.reason) == (299, "Custom Thing")
    assert answer.headers == headers
    assert answer.body == b"ok"


def test_head_has_no_body(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "5")])
        return [b"hello"]

    served = serve(app)
    with Client(served.port) as client:
        client.send(request("HEAD", "/", [("Host", "h")]))
        assert client.answer("HEAD").header("Content-Length") == "5"
        client.send(request("GET", "/", [("Host", "h")]))  # the next answer starts right there
        assert client.answer().body == b"hello"


def test_a_body_without_length_is_chunked_or_ends_the_connection(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"abc"
        yield b""
        yield b"def"

    served = serve(app)
    answer = exchange(served.port, request("GET", "/", [("Host", "h")]))
    assert answer.header("Transfer-Encoding") == "chunked"
    assert answer.body == b"abcdef"
    with Client(served.port) as client:
        client.send(request("GET", "/", version="HTTP/1.0"))
        answer = client.answer()
        assert answer.header("Transfer-Encoding") is None
        assert answer.header("Connection") == "close"
        assert answer.body == b"abcdef"


def test_an_exception_in_the_application_is_reported_and_answered_500(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    served = serve(app)
    answer = exchange(served.port, request("GET", "/k?x=1", [("Host", "h")]))
    assert answer.status == 500
    fields = answer.error()
    assert fields["Code"] == "InternalError"
    assert fields["Resource"] == "/k"
    assert answer.all("Server") == ["tencent-cos"]
    (problem,) = served.problems.snapshot()
    assert "GET /k?x=1" in problem
    assert "RuntimeError: boom" in problem


def test_an_exception_after_the_head_was_sent_closes_the_connection(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", "10")])
        yield b"12345"
        raise RuntimeError("half way")

    served = serve(app)
    with Client(served.port) as client:
        client.send(request("GET", "/", [("Host", "h")]))
        assert client.reader.readline() == b"HTTP/1.1 200 OK\r\n"
        rest = client.reader.read()  # to the end: the server closes the connection
    assert rest.endswith(b"\r\n\r\n12345")
    (problem,) = served.problems.snapshot()
    assert "RuntimeError: half way" in problem


@pytest.mark.parametrize(
    ("body", "problem"),
    [([b"12345678901"], "more than its Content-Length"), ([b"123"], "sent 3 bytes")],
)
def test_a_body_that_does_not_match_its_length_is_a_problem(
    serve: Any, body: list[bytes], problem: str
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "10")])
        return body

    served = serve(app)
    with Client(served.port) as client:
        client.send(request("GET", "/", [("Host", "h")]))
        assert client.reader.readline() == b"HTTP/1.1 200 OK\r\n"
        rest = client.reader.read()  # to the end: the server closes the connection
    assert rest.endswith(b"\r\n\r\n" + body[0][:10])
    (reported,) = served.problems.snapshot()
    assert problem in reported


def test_an_invalid_header_from_the_application_is_a_500(serve: Any) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-Bad", "a\r\nInjected: yes"), ("Content-Length", "0")])
        return []

    served = serve(app)
    answer = exchange(served.port, request("GET", "/", [("Host", "h")]))
    assert answer.status == 500
    assert answer.header("Injected") is None
    assert "invalid value for header X-Bad" in served.problems.snapshot()[0]


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    shown = {
        k: v
        for k, v in environ.items()
        if isinstance(v, str | bool | int) and k not in ("REMOTE_PORT",)
    }
    shown["body"] = environ["wsgi.input"].read().decode("latin-1")
    data = json.dumps(shown).encode()
    start_response("200 OK", [("Content-Length", str(len(data)))])
    return [data]


def environ_of(port: int, data: bytes) -> dict[str, Any]:
    answer = exchange(port, data)
    assert answer.status == 200, answer
    result: dict[str, Any] = json.loads(answer.body)
    return result


def test_the_environ(serve: Any) -> None:
    served = serve(_echo)
    env = environ_of(
        served.port,
        request(
            "PUT",
            "/b/a%20b/%E4%B8%AD?x=1&y=%20",
            [
                ("Host", "h.example:80"),
                ("X-Rep", "1"),
                ("x-rep", "2"),
                ("Content-Type", "text/plain"),
                ("Content-Length", "3"),
                ("X_Under", "dropped"),
            ],
            b"abc",
        ),
    )
    assert env["REQUEST_METHOD"] == "PUT"
    assert env["REQUEST_URI"] == env["RAW_URI"] == "/b/a%20b/%E4%B8%AD?x=1&y=%20"
    assert env["PATH_INFO"] == "/b/a b/中".encode().decode("latin-1")
    assert env["QUERY_STRING"] == "x=1&y=%20"
    assert env["SCRIPT_NAME"] == ""
    assert env["HTTP_HOST"] == "h.example:80"
    assert env["HTTP_X_REP"] == "1, 2"
    assert env["CONTENT_TYPE"] == "text/plain"
    assert env["CONTENT_LENGTH"] == "3"
    assert "HTTP_X_UNDER" not in env
    assert "HTTP_CONTENT_LENGTH" not in env
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["SERVER_NAME"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(served.port)
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["wsgi.url_scheme"] == "http"
    assert env["wsgi.multithread"] is True
    assert env["wsgi.run_once"] is False
    assert env["body"] == "abc"


def test_the_environ_of_a_chunked_request(serve: Any) -> None:
    served = serve(_echo)
    env = environ_of(
        served.port,
        request(
            "PUT",
            "/k",
            [("Host", "h"), ("Transfer-Encoding", "chunked")],
            b"2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
        ),
    )
    assert env["body"] == "abc"
    assert env["wsgi.input_terminated"] is True
    assert "CONTENT_LENGTH" not in env
    assert env["HTTP_TRANSFER_ENCODING"] == "chunked"


def test_an_absolute_form_target_gives_the_host(serve: Any) -> None:
    served = serve(_echo)
    env = environ_of(
        served.port,
        request("GET", "http://bucket-1.cos.ap-beijing.myqcloud.com/k?a", [("Host", "proxy")]),
    )
    assert env["HTTP_HOST"] == "bucket-1.cos.ap-beijing.myqcloud.com"
    assert env["PATH_INFO"] == "/k"
    assert env["QUERY_STRING"] == "a"
    env = environ_of(served.port, request("GET", "//a/b", [("Host", "h")]))
    assert (env["PATH_INFO"], env["HTTP_HOST"]) == ("/a/b", "h")  # as werkzeug reads it
    env = environ_of(served.port, request("GET", "//[", [("Host", "h")]))
    assert env["PATH_INFO"] == "//["


def test_an_empty_line_before_a_request_is_skipped(serve: Any) -> None:
    served = serve(_echo)
    env = environ_of(served.port, b"\r\n\r\n" + request("GET", "/x", [("Host", "h")]))
    assert env["PATH_INFO"] == "/x"


def test_cos_error_documents_for_refusals_come_from_framing_error(engine: Engine) -> None:
    calls: list[tuple[int, str, str]] = []
    from pytest_cos_cors.recording import Problems
    from pytest_cos_cors.serving import CosServer

    def framing_error(
        status: int, message: str, target: str
    ) -> tuple[bytes, list[tuple[str, str]]]:
        calls.append((status, message, target))
        return b"no", [("Content-Length", "2"), ("Server", "tencent-cos")]

    server = CosServer("127.0.0.1", 0, _echo, Problems(), framing_error=framing_error)
    server.start()
    try:
        answer = exchange(
            server.port, request("PUT", "/t?q", [("Host", "h"), ("Content-Length", "z")])
        )
    finally:
        server.stop()
    assert (answer.status, answer.body) == (400, b"no")
    assert calls == [(400, "Content-Length 'z' is not a length.", "/t?q")]
