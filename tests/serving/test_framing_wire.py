"""Defect 3: request framing per RFC 9112, over a real socket to a real endpoint. A request the
HTTP layer refuses gets the status a careful server gives and a COS ``<Error>`` document; the
application never sees it (nothing stored, nothing recorded) and the endpoint reports no
problem: the client was at fault, not the fake."""

from __future__ import annotations

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import BUCKET, Answer, Client, exchange, request

KEY = f"/{BUCKET}/k"


def assert_refused(cos: CosCorsEndpoint, answer: Answer, status: int, code: str) -> None:
    __tracebackhide__ = True
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.error()["Code"] == code
    assert answer.all("Server") == ["tencent-cos"]
    assert answer.header("Content-Type") == "application/xml"
    assert answer.header("Content-Length") == str(len(answer.body))
    assert answer.header("Connection") == "close"
    assert cos.objects() == {}
    assert cos.exchanges == ()
    assert cos.problems == ()


def put(headers: list[tuple[str, str]], body: bytes = b"", version: str = "HTTP/1.1") -> bytes:
    return request("PUT", KEY, headers, body, version)


REFUSED = {
    "content-length not a number": (put([("Host", "h"), ("Content-Length", "abc")], b"abc"), 400),
    "content-length negative": (put([("Host", "h"), ("Content-Length", "-1")], b"abc"), 400),
    "content-length with a sign": (put([("Host", "h"), ("Content-Length", "+3")], b"abc"), 400),
    "content-length list of different values": (
        put([("Host", "h"), ("Content-Length", "3, 4")], b"abcd"),
        400,
    ),
    "two different content-length fields": (
        put([("Host", "h"), ("Content-Length", "3"), ("Content-Length", "4")], b"abcd"),
        400,
    ),
    "content-length with transfer-encoding": (
        put(
            [("Host", "h"), ("Content-Length", "3"), ("Transfer-Encoding", "chunked")],
            b"3\r\nabc\r\n0\r\n\r\n",
        ),
        400,
    ),
    "bad chunk size": (
        put([("Host", "h"), ("Transfer-Encoding", "chunked")], b"zz\r\nabc\r\n0\r\n\r\n"),
        400,
    ),
    "chunk without its CRLF": (
        put([("Host", "h"), ("Transfer-Encoding", "chunked")], b"3\r\nabcX\r\n0\r\n\r\n"),
        400,
    ),
    "HTTP/1.1 without Host": (put([("Content-Length", "0")]), 400),
    "two Host fields": (
        put([("Host", "a"), ("Host", "b"), ("Content-Length", "1")], b"x"),
        400,
    ),
    "a coding that is not understood": (
        put([("Host", "h"), ("Transfer-Encoding", "gzip, chunked")], b"0\r\n\r\n"),
        501,
    ),
    "chunked not the final coding": (
        put([("Host", "h"), ("Transfer-Encoding", "chunked, gzip")], b"0\r\n\r\n"),
        400,
    ),
    "a coding without chunked": (
        put([("Host", "h"), ("Transfer-Encoding", "gzip")], b"abc"),
        400,
    ),
    "transfer-encoding in HTTP/1.0": (
        put([("Transfer-Encoding", "chunked")], b"0\r\n\r\n", "HTTP/1.0"),
        400,
    ),
    "space before the colon": (put([("Host", "h"), ("Content-Length ", "1")], b"x"), 400),
    "HTTP/2.0 in the request line": (put([("Host", "h")], version="HTTP/2.0"), 505),
}

CODES = {400: "BadRequest", 501: "NotImplemented", 505: "HTTPVersionNotSupported"}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_framing(cos: CosCorsEndpoint, case: str) -> None:
    data, status = REFUSED[case]
    with Client(cos.port) as client:
        client.send(data)
        answer = client.answer("PUT")
        assert_refused(cos, answer, status, CODES[status])
        assert client.closed_by_server()


def test_a_list_of_identical_content_lengths_is_one_length(cos: CosCorsEndpoint) -> None:
    """RFC 9112 §6.3 lets a recipient take ``3, 3`` (or two fields of 3) as 3: done here."""
    for headers in ([("Content-Length", "3, 3")], [("Content-Length", "3")] * 2):
        answer = exchange(cos.port, put([("Host", "h"), *headers], b"abc"), "PUT")
        assert answer.status == 200
        assert cos.objects() == {"k": b"abc"}
    assert cos.problems == ()


def test_a_chunked_body_with_a_trailer_is_served(cos: CosCorsEndpoint) -> None:
    body = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n"
    with Client(cos.port) as client:
        client.send(put([("Host", "h"), ("Transfer-Encoding", "chunked")], body))
        assert client.answer("PUT").status == 200
        client.send(request("GET", KEY, [("Host", "h")]))  # the connection is still good
        assert client.answer().body == b"abcde"
    assert cos.objects() == {"k": b"abcde"}
    assert cos.problems == ()
    assert cos.exchanges[0].headers.get("Transfer-Encoding") == "chunked"


def test_a_chunked_body_cut_off_is_a_client_gone(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        client.send(put([("Host", "h"), ("Transfer-Encoding", "chunked")], b"a\r\nabc"))
        client.sock.shutdown(1)  # the client's side ends in the middle of a chunk
        assert client.reader.read() == b""  # nobody to answer: closed without a word
    assert cos.objects() == {}
    assert cos.exchanges == ()
    assert cos.problems == ()


def test_a_length_body_cut_off_is_a_client_gone(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        client.send(put([("Host", "h"), ("Content-Length", "10")], b"abc"))
        client.sock.shutdown(1)
        assert client.reader.read() == b""
    assert cos.objects() == {}
    assert cos.exchanges == ()
    assert cos.problems == ()


def test_expect_100_continue_gets_one_interim_answer(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        head = put([("Host", "h"), ("Content-Length", "3"), ("Expect", "100-continue")])
        client.send(head)
        line = client.reader.readline()
        assert line == b"HTTP/1.1 100 Continue\r\n"
        assert client.reader.readline() == b"\r\n"
        client.send(b"abc")
        answer = client.answer("PUT")
        assert answer.status == 200
        assert answer.interim == []  # no second 100
    assert cos.objects() == {"k": b"abc"}


def test_expect_100_continue_with_a_chunked_body(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        head = put([("Host", "h"), ("Transfer-Encoding", "chunked"), ("Expect", "100-continue")])
        client.send(head)
        assert client.reader.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert client.reader.readline() == b"\r\n"
        client.send(b"3\r\nabc\r\n0\r\n\r\n")
        answer = client.answer("PUT")
        assert (answer.status, answer.interim) == (200, [])
    assert cos.objects() == {"k": b"abc"}


def test_no_100_continue_for_http_1_0(cos: CosCorsEndpoint) -> None:
    data = put([("Content-Length", "3"), ("Expect", "100-continue")], b"abc", "HTTP/1.0")
    answer = exchange(cos.port, data, "PUT")
    assert (answer.status, answer.interim) == (200, [])
    assert cos.objects() == {"k": b"abc"}


def test_no_100_continue_when_the_request_is_refused(cos: CosCorsEndpoint) -> None:
    data = put([("Host", "h"), ("Content-Length", "x"), ("Expect", "100-continue")])
    answer = exchange(cos.port, data, "PUT")
    assert (answer.status, answer.interim) == (400, [])


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /" + b"a" * 65530 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + b"a" * 65527 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-A: 1\r\n" * 100 + b"\r\n", 431),
    ],
    ids=["request line", "header line", "header count"],
)
def test_too_long(cos: CosCorsEndpoint, data: bytes, status: int) -> None:
    answer = exchange(cos.port, data)
    code = {414: "RequestURITooLong", 431: "RequestHeaderFieldsTooLarge"}[status]
    assert_refused(cos, answer, status, code)


def test_limits_are_not_hit_below_them(cos: CosCorsEndpoint) -> None:
    ok = [
        b"GET /" + b"a" * 65000 + b" HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + b"a" * 65000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-A: 1\r\n" * 99 + b"\r\n",
    ]
    for data in ok:
        assert exchange(cos.port, data).status in (400, 404)  # COS's own answers
    assert len(cos.exchanges) == 3


def test_a_head_refusal_has_no_body(cos: CosCorsEndpoint) -> None:
    with Client(cos.port) as client:
        client.send(request("HEAD", KEY, [("Host", "h"), ("Content-Length", "abc")]))
        answer = client.answer("HEAD")
        assert answer.status == 400
        assert int(answer.header("Content-Length") or 0) > 0
        assert client.reader.read() == b""  # closed, and no body came
