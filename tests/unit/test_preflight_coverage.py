"""The exchange log fills in ``needs_preflight`` and ``covering_preflight`` of each browser
request, as a browser's preflight cache would cover it; and the teardown message names each
request sent without its preflight."""

from __future__ import annotations

import pytest

from pytest_cos_cors.assertions import assert_requests_preflighted, missing_preflights_message
from pytest_cos_cors.evaluator import evaluate_actual, evaluate_preflight
from pytest_cos_cors.recording import Exchange, ExchangeLog, HeaderMap
from pytest_cos_cors.rules import CORSConfiguration

APP = "http://app.localhost:8000"
BUCKET = "examplebucket-1250000000"
CHROMIUM = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0"
RULES = CORSConfiguration(
    [{"AllowedOrigin": [APP], "AllowedMethod": ["PUT", "GET"], "AllowedHeader": ["content-type"]}]
)
UPLOAD = {"Content-Type": "image/png", "X-Cos-Meta-Author": "alice"}


def preflight(
    method: str = "PUT", headers: str = "content-type", origin: str = APP, bucket: str = BUCKET
) -> Exchange:
    decision = evaluate_preflight(RULES, origin, method, headers)
    return Exchange(
        method="OPTIONS",
        bucket=bucket,
        path="/a.png",
        query={},
        headers=HeaderMap(
            [
                ("Origin", origin),
                ("Access-Control-Request-Method", method),
                ("Access-Control-Request-Headers", headers),
                ("User-Agent", CHROMIUM),
                ("Sec-Fetch-Mode", "cors"),
            ]
        ),
        status=decision.status or 200,
        response_headers=HeaderMap(decision.headers.items()),
        decision=decision,
        is_preflight=True,
        body_size=0,
        timestamp=0.0,
    )


def request(
    method: str = "PUT",
    headers: dict[str, str] | None = None,
    origin: str = APP,
    bucket: str = BUCKET,
    user_agent: str = CHROMIUM,
    path: str = "/a.png",
) -> Exchange:
    decision = evaluate_actual(RULES, origin, method)
    pairs = [("Origin", origin), ("User-Agent", user_agent), *(headers or {}).items()]
    return Exchange(
        method=method,
        bucket=bucket,
        path=path,
        query={},
        headers=HeaderMap(pairs),
        status=200,
        response_headers=HeaderMap(decision.headers.items()),
        decision=decision,
        is_preflight=False,
        body_size=0,
        timestamp=0.0,
    )


def logged(*exchanges: Exchange) -> ExchangeLog:
    log = ExchangeLog()
    for exchange in exchanges:
        log.append(exchange)
    return log


def test_a_covered_request_names_its_preflight() -> None:
    first = preflight()
    put = request(headers={"Content-Type": "image/png"})
    logged(first, put)
    assert put.needs_preflight
    assert put.covering_preflight is first
    assert not put.missing_preflight
    assert put.preflight_headers == ("content-type",)


def test_the_latest_covering_preflight_is_named() -> None:
    first, second = preflight(), preflight()
    put = request()
    logged(first, second, put)
    assert put.covering_preflight is second


def test_a_simple_request_needs_no_preflight() -> None:
    get = request("GET", {"Content-Type": "text/plain", "Range": "bytes=0-4"})
    logged(get)
    assert not get.needs_preflight
    assert get.covering_preflight is None
    assert not get.missing_preflight


def test_a_request_that_is_not_a_browsers_needs_none() -> None:
    put = request(headers=UPLOAD, user_agent="python-requests/2.32")
    logged(put)
    assert not put.needs_preflight


@pytest.mark.parametrize(
    "before",
    [
        pytest.param((), id="no-preflight"),
        pytest.param((preflight(headers="content-type"),), id="a-header-not-listed"),
        pytest.param((preflight(origin="http://other.localhost:8000"),), id="another-origin"),
        pytest.param((preflight(bucket="other-1250000000"),), id="another-bucket"),
        pytest.param((preflight(method="DELETE"),), id="denied"),
    ],
)
def test_a_request_no_preflight_covers(before: tuple[Exchange, ...]) -> None:
    put = request(headers=UPLOAD)
    logged(*before, put)
    assert put.needs_preflight
    assert put.covering_preflight is None
    assert put.missing_preflight


def test_a_preflight_recorded_after_the_request_does_not_cover_it() -> None:
    put = request()
    logged(put, preflight())
    assert put.missing_preflight


def test_the_browsers_cache_outlives_clear_log() -> None:
    log = logged(preflight())
    log.clear()
    put = request()
    log.append(put)
    assert put.covering_preflight is not None


def test_preflights_are_not_marked() -> None:
    first = preflight()
    logged(first)
    assert not first.needs_preflight
    assert first.preflight_headers == ()


class Recorded:
    def __init__(self, *exchanges: Exchange) -> None:
        self.exchanges = logged(*exchanges).snapshot()


def test_the_message_names_each_request_and_the_likely_causes() -> None:
    earlier = preflight(headers="content-type")
    source = Recorded(
        request("DELETE", path="/gone.png"),
        earlier,
        request(headers=UPLOAD),
        request("GET", {"Content-Type": "text/plain"}),
    )
    assert missing_preflights_message(source.exchanges) == (
        "2 browser requests needed a CORS preflight that the fake never answered:\n"
        f"  1. DELETE {BUCKET}/gone.png origin='{APP}' -> 200: a browser preflights it "
        "(method DELETE), but no allowed preflight of this origin was recorded before it\n"
        f"  2. PUT {BUCKET}/a.png origin='{APP}' -> 200: a browser preflights it (method PUT, "
        "headers content-type,x-cos-meta-author), but the latest allowed preflight of this "
        f"origin before it does not cover it: OPTIONS {BUCKET}/a.png origin='{APP}' "
        "method='PUT' headers=content-type -> 200 allowed: allowed by rules[0]\n"
        "The browser did not ask the fake first, so this test cannot tell whether COS would "
        "have allowed it. Likely causes: Playwright's page.route() or context.route() (with any "
        "route set, even for an unrelated URL such as '**/api/**', Playwright answers CORS "
        "preflights itself), a service worker, a proxy between the browser and the fake, or a "
        "browser context reused from another test (its preflight cache answered)."
    )
    with pytest.raises(AssertionError) as raised:
        assert_requests_preflighted(source)
    assert str(raised.value) == missing_preflights_message(source.exchanges)


def test_nothing_to_say_when_every_request_was_covered() -> None:
    source = Recorded(preflight(), request(headers={"Content-Type": "image/png"}))
    assert missing_preflights_message(source.exchanges) is None
    assert_requests_preflighted(source)
