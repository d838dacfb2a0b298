"""The Fetch standard as the fake reads it: safelisted headers, which requests a browser preflights,
whether a request came from a browser in CORS mode, and whether a preflight's answer covers it."""

from __future__ import annotations

import pytest

from pytest_cos_cors.fetch_standard import (
    is_browser_cors_request,
    is_safelisted,
    needs_preflight,
    preflight_covers,
    unsafe_request_headers,
)
from pytest_cos_cors.recording import HeaderMap

CHROMIUM = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0.0.0"
APP = "http://app.localhost:8000"


@pytest.mark.parametrize(
    ("name", "value", "safelisted"),
    [
        ("accept", "*/*", True),
        ("accept", "text/html, application/json;q=0.9", True),
        ("accept", 'text/"html"', False),
        ("accept", "a" * 129, False),
        ("accept-language", "en-US,en;q=0.9", True),
        ("accept-language", "en_US", False),
        ("content-language", "de-DE", True),
        ("content-type", "text/plain", True),
        ("content-type", "text/plain;charset=UTF-8", True),
        ("content-type", "Multipart/Form-Data; boundary=x", True),
        ("content-type", "application/x-www-form-urlencoded", True),
        ("content-type", "image/png", False),
        ("content-type", "application/json", False),
        ("content-type", "text/plain; a=(b)", False),
        ("range", "bytes=0-4", True),
        ("range", "bytes=5-", True),
        ("range", "bytes=5-4", False),
        ("range", "bytes=-5", False),
        ("range", "bytes=0-1,3-4", False),
        ("x-cos-meta-author", "alice", False),
        ("authorization", "q-sign-algorithm=sha1", False),
    ],
)
def test_safelisted_request_headers(name: str, value: str, safelisted: bool) -> None:
    assert is_safelisted(name, value) is safelisted


def test_unsafe_headers_leave_out_what_the_browser_sets() -> None:
    pairs = [
        ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
        ("Connection", "keep-alive"),
        ("Content-Length", "4"),
        ("Pragma", "no-cache"),
        ("Cache-Control", "no-cache"),
        ("X-Cos-Meta-Author", "alice"),
        ("User-Agent", CHROMIUM),
        ("Content-Type", "image/png"),
        ("Accept", "*/*"),
        ("Origin", APP),
        ("Referer", f"{APP}/"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("If-None-Match", '"abc"'),
        ("Sec-Fetch-Mode", "cors"),
        ("Proxy-Authorization", "x"),
    ]
    assert unsafe_request_headers(pairs) == ("content-type", "x-cos-meta-author")


def test_cache_control_set_by_the_page_is_unsafe() -> None:
    assert unsafe_request_headers([("Cache-Control", "no-store")]) == ("cache-control",)


def test_safelisted_values_over_1024_characters_in_all_are_unsafe() -> None:
    pairs = [(name, "a" * 120) for name in ("Accept", "Accept-Language")] * 5
    assert unsafe_request_headers(pairs) == ("accept", "accept-language")
    assert unsafe_request_headers(pairs[:2]) == ()


@pytest.mark.parametrize(
    ("method", "headers", "needed"),
    [
        ("GET", (), False),
        ("HEAD", (), False),
        ("POST", (), False),
        ("PUT", (), True),
        ("DELETE", (), True),
        ("GET", ("x-cos-meta-a",), True),
    ],
)
def test_needs_preflight(method: str, headers: tuple[str, ...], needed: bool) -> None:
    assert needs_preflight(method, headers) is needed


@pytest.mark.parametrize(
    ("headers", "browser"),
    [
        ({"User-Agent": CHROMIUM}, True),
        ({"User-Agent": CHROMIUM, "Sec-Fetch-Mode": "cors"}, True),
        ({"User-Agent": "python-requests/2.32", "Sec-Fetch-Mode": "cors"}, True),
        ({"User-Agent": CHROMIUM, "Sec-Fetch-Mode": "no-cors"}, False),
        ({"User-Agent": CHROMIUM, "Sec-Fetch-Mode": "navigate"}, False),
        ({"User-Agent": "python-requests/2.32"}, False),
        ({}, False),
        ({"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}, False),
        ({"User-Agent": CHROMIUM, "Host": "app.localhost:8000"}, False),
    ],
)
def test_browser_cors_requests(headers: dict[str, str], browser: bool) -> None:
    assert is_browser_cors_request(HeaderMap(headers.items()), APP) is browser


def test_a_request_without_origin_is_not_a_cors_request() -> None:
    headers = HeaderMap([("User-Agent", CHROMIUM), ("Sec-Fetch-Mode", "cors")])
    assert not is_browser_cors_request(headers, None)
    assert not is_browser_cors_request(headers, "")


ANSWER = {
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Headers": "content-type,x-cos-meta-author",
    "Access-Control-Allow-Methods": "PUT,GET",
    "Access-Control-Allow-Origin": APP,
}


@pytest.mark.parametrize(
    ("origin", "method", "headers", "covered"),
    [
        (APP, "PUT", ("content-type", "x-cos-meta-author"), True),
        (APP, "PUT", ("content-type",), True),
        (APP, "PUT", (), True),
        (APP, "GET", ("x-cos-meta-author",), True),
        (APP, "POST", ("content-type",), True),
        (APP, "DELETE", (), False),
        (APP, "put", (), False),
        (APP, "PUT", ("x-cos-meta-other",), False),
        ("http://other.localhost:8000", "PUT", (), False),
    ],
)
def test_preflight_covers(
    origin: str, method: str, headers: tuple[str, ...], covered: bool
) -> None:
    assert preflight_covers(ANSWER, origin, method, headers) is covered


def test_a_wildcard_answer_covers_any_origin() -> None:
    answer = {"Access-Control-Allow-Methods": "DELETE", "Access-Control-Allow-Origin": "*"}
    assert preflight_covers(answer, "https://any.example", "DELETE", ())
    assert not preflight_covers(answer, "https://any.example", "DELETE", ("x-a",))
