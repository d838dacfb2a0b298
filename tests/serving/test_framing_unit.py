"""The framing module on its own: heads, lengths, codings, limits, the chunked decoder fed in
any pieces, response heads."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_cos_cors.serving.framing import (
    ChunkedDecoder,
    FramingError,
    HeadScanner,
    Limits,
    ResponseError,
    parse_head,
    response_head,
    status_code,
)

LIMITS = Limits()


def head(*lines: str) -> bytes:
    return "\r\n".join(lines).encode("latin-1")


def refused(data: bytes) -> int:
    with pytest.raises(FramingError) as info:
        parse_head(data)
    return info.value.status


def test_a_plain_request() -> None:
    parsed = parse_head(head("GET /a?b HTTP/1.1", "Host: h", "X-A:  1 ", "x-a:2"))
    assert (parsed.method, parsed.target, parsed.version, parsed.minor) == (
        "GET",
        "/a?b",
        "HTTP/1.1",
        1,
    )
    assert parsed.fields == (("Host", "h"), ("X-A", "1"), ("x-a", "2"))
    assert parsed.keep_alive
    assert not parsed.has_body
    assert parsed.line == "GET /a?b HTTP/1.1"


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        (("GET /", "Host: h"), 400),
        (("GET  / HTTP/1.1", "Host: h"), 400),
        (("GET / HTTP/1.1 x", "Host: h"), 400),
        (("G(T / HTTP/1.1", "Host: h"), 400),
        (("GET /\x01 HTTP/1.1", "Host: h"), 400),
        (("GET / http/1.1", "Host: h"), 400),
        (("GET / HTTP/3.0", "Host: h"), 505),
        (("GET / HTTP/1.1", " Host: h"), 400),
        (("GET / HTTP/1.1", "Host : h"), 400),
        (("GET / HTTP/1.1", ": h", "Host: h"), 400),
        (("GET / HTTP/1.1", "Host: h", "X: a\x00b"), 400),
        (("GET / HTTP/1.1", "Host: h", "X: a\rb"), 400),
        (("GET / HTTP/1.1", "Host: h h"), 400),
        (("GET / HTTP/1.1",), 400),
        (("GET / HTTP/1.1", "Host: a", "host: a"), 400),
        (("PUT / HTTP/1.1", "Host: h", "Content-Length: 1", "Content-Length: 2"), 400),
        (("PUT / HTTP/1.1", "Host: h", "Content-Length: 1,,1"), 400),
        (("PUT / HTTP/1.1", "Host: h", "Content-Length: 1 1"), 400),
        (("PUT / HTTP/1.1", "Host: h", "Content-Length: 0x10"), 400),
        (("PUT / HTTP/1.1", "Host: h", "Content-Length: " + "9" * 19), 400),
        (("PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked", "Content-Length: 1"), 400),
        (("PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked, chunked"), 400),
        (
            ("PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked"),
            501,
        ),
        (("PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: identity"), 400),
    ],
)
def test_refused(lines: tuple[str, ...], status: int) -> None:
    assert refused(head(*lines)) == status


def test_lengths_and_codings() -> None:
    def parsed(*lines: str) -> tuple[int | None, bool]:
        p = parse_head(head("PUT / HTTP/1.1", "Host: h", *lines))
        return p.content_length, p.chunked

    assert parsed("Content-Length: 007") == (7, False)
    assert parsed("Content-Length: 3, 3", "Content-Length: 3") == (3, False)
    assert parsed("Transfer-Encoding: Chunked") == (None, True)
    assert parsed("Transfer-Encoding: ,chunked") == (None, True)
    assert parsed() == (None, False)


def test_http_1_0_and_connection_tokens() -> None:
    assert not parse_head(head("GET / HTTP/1.0")).keep_alive  # no Host needed
    assert parse_head(head("GET / HTTP/1.0", "Connection: Keep-Alive")).keep_alive
    assert not parse_head(head("GET / HTTP/1.1", "Host: h", "Connection: te, close")).keep_alive
    assert parse_head(head("GET / HTTP/1.2", "Host: h")).minor == 2
    assert not parse_head(head("PUT / HTTP/1.0", "Expect: 100-continue")).expect_continue
    assert parse_head(head("PUT / HTTP/1.1", "Host: h", "Expect: 100-Continue")).expect_continue


def test_obsolete_line_folding_is_one_space() -> None:
    parsed = parse_head(head("GET / HTTP/1.1", "Host: h", "X-A: one", " \ttwo"))
    assert parsed.fields[1] == ("X-A", "one two")


def test_obs_text_is_kept_as_latin_1() -> None:
    parsed = parse_head(b"GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\nX: \xff")
    assert parsed.target == "/\xc3\xa9"
    assert parsed.fields[1] == ("X", "\xff")


def test_the_scanner_finds_the_end_in_any_pieces() -> None:
    data = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nNEXT"
    for step in (1, 2, 3, 7, len(data)):
        scanner = HeadScanner(LIMITS)
        buf = bytearray()
        end = None
        for start in range(0, len(data), step):
            buf += data[start : start + step]
            end = scanner.feed(buf)
            if end is not None:
                break
        assert end == len(data) - 4


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"G" * 65537, 414),
        (b"GET /" + b"a" * 65530 + b" HTTP/1.1\r\n", 414),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 65535, 431),
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * 101, 431),
    ],
)
def test_the_scanner_refuses_over_the_limits(data: bytes, status: int) -> None:
    with pytest.raises(FramingError) as info:
        HeadScanner(LIMITS).feed(data)
    assert info.value.status == status


def test_the_whole_head_is_limited() -> None:
    limits = Limits(max_head=1000)
    with pytest.raises(FramingError) as info:
        HeadScanner(limits).feed(b"GET / HTTP/1.1\r\n" + b"X: 123456789\r\n" * 80)
    assert info.value.status == 431


def chunked(parts: list[bytes], trailer: bytes = b"") -> bytes:
    out = b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in parts if p)
    return out + b"0\r\n" + trailer + b"\r\n"


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.binary(max_size=40), max_size=8),
    cuts=st.lists(st.integers(0, 400), max_size=10),
    trailer=st.sampled_from([b"", b"X-A: 1\r\n", b"X-A: 1\r\nX-B:\r\n"]),
)
def test_the_decoder_in_any_pieces(parts: list[bytes], cuts: list[int], trailer: bytes) -> None:
    data = chunked(parts, trailer) + b"NEXT"
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    decoder = ChunkedDecoder(LIMITS)
    rest = b""
    for start, end in itertools.pairwise(points):
        rest += decoder.feed(data[start:end])
    assert decoder.done
    assert decoder.body() == b"".join(parts)
    assert rest == b"NEXT"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"x\r\n", 400),
        (b" 3\r\nabc\r\n0\r\n\r\n", 400),
        (b"-3\r\nabc\r\n0\r\n\r\n", 400),
        (b"3\r\nabcd\r\n0\r\n\r\n", 400),
        (b"1" * 17 + b"\r\n", 400),
        (b"3;" + b"e" * 5000, 400),
        (b"0\r\nbad trailer\r\n\r\n", 400),
        (b"0\r\nX: a\x00\r\n\r\n", 400),
        (b"400\r\n" + b"a" * 1024 + b"\r\n", 413),
    ],
)
def test_the_decoder_refuses(data: bytes, status: int) -> None:
    with pytest.raises(FramingError) as info:
        ChunkedDecoder(Limits(max_chunked_body=1000)).feed(data)
    assert info.value.status == status


def test_response_heads() -> None:
    data = response_head("200 OK", [("A", "1"), ("b", "é")], "Connection: close\r\n")
    assert data == b"HTTP/1.1 200 OK\r\nA: 1\r\nb: \xe9\r\nConnection: close\r\n\r\n"
    with pytest.raises(ResponseError):
        response_head("200 OK", [("A B", "1")], "")
    with pytest.raises(ResponseError):
        response_head("200 OK", [("A", "1\n")], "")
    with pytest.raises(UnicodeEncodeError):
        response_head("200 OK", [("A", "中")], "")
    assert status_code("404 Not Found") == 404
    for bad in ("OK", "2000 OK", "200\r\nX: y", "099 Low"):
        with pytest.raises(ResponseError):
            status_code(bad)
