"""Reads from a page: ``ResponseVary``, a simple ranged GET and a preflighted multi-range GET."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .harness import AppPage, Watch, assert_agree, put_object

if TYPE_CHECKING:
    from pytest_cos_cors import CosCorsEndpoint

KEY = "data/digits.txt"
DIGITS = b"0123456789"


@pytest.mark.parametrize("vary", [True, False], ids=["vary", "no-vary"])
def test_response_vary(app_page: AppPage, cos_cors: CosCorsEndpoint, vary: bool) -> None:
    cos_cors.set_rules(
        {
            "AllowedOrigin": [app_page.origin],
            "AllowedMethod": ["GET"],
            "AllowedHeader": ["x-trace"],
            "ExposeHeader": ["Vary"],
        },
        response_vary=vary,
    )
    put_object(cos_cors, KEY, DIGITS)
    watch = Watch(cos_cors)

    allowed = app_page.fetch(cos_cors.cos_url_for(KEY), headers={"x-trace": "1"})
    recorded = watch.since()
    app_page.open("evil")
    refused = app_page.fetch(cos_cors.cos_url_for(KEY), headers={"x-trace": "1"})
    recorded_refused = watch.since()

    assert_agree(allowed, recorded)
    assert_agree(refused, recorded_refused)
    assert (allowed.status, allowed.body) == (200, DIGITS.decode())
    exchanges = [*recorded.exchanges, *recorded_refused.exchanges]
    assert [(e.method, e.status) for e in exchanges] == [
        ("OPTIONS", 200),
        ("GET", 200),
        ("OPTIONS", 403),
    ]
    expected = "Origin" if vary else None
    for exchange in exchanges:
        assert exchange.response_headers.get("Vary") == expected, exchange.describe()
    assert allowed.headers.get("vary") == expected


def test_simple_range_get_is_not_preflighted(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    # No AllowedHeader at all: a single range is CORS-safelisted, so no preflight asks for it.
    cos_cors.set_rules({"AllowedOrigin": [app_page.origin], "AllowedMethod": ["GET"]})
    put_object(cos_cors, KEY, DIGITS)
    watch = Watch(cos_cors)

    result = app_page.fetch(cos_cors.cos_url_for(KEY), headers={"Range": "bytes=2-5"})
    recorded = watch.since()

    assert_agree(result, recorded)
    assert (result.status, result.body) == (206, "2345")
    cos_cors.assert_no_preflight()
    [get] = recorded.actual
    assert get.headers["Range"] == "bytes=2-5"
    assert get.response_headers["Content-Range"] == "bytes 2-5/10"


@pytest.mark.parametrize("allowed_header", [["range"], []], ids=["range-allowed", "no-header"])
def test_multi_range_get_is_preflighted(
    app_page: AppPage, cos_cors: CosCorsEndpoint, allowed_header: list[str]
) -> None:
    cos_cors.set_rules(
        {
            "AllowedOrigin": [app_page.origin],
            "AllowedMethod": ["GET"],
            "AllowedHeader": allowed_header,
        }
    )
    put_object(cos_cors, KEY, DIGITS)
    watch = Watch(cos_cors)

    result = app_page.fetch(cos_cors.cos_url_for(KEY), headers={"Range": "bytes=0-1,4-5"})
    recorded = watch.since()

    assert_agree(result, recorded)
    [preflight] = recorded.preflights
    assert (preflight.request_method, preflight.request_headers) == ("GET", ("range",))
    if allowed_header:
        # Anything but one plain range gets the whole object (SPEC §6).
        assert (result.status, result.body) == (200, DIGITS.decode())
    else:
        cos_cors.assert_preflight_denied(app_page.origin, "GET", headers="range", reason="range")
        assert recorded.actual == ()


def test_missing_key_error_is_readable(app_page: AppPage, cos_cors: CosCorsEndpoint) -> None:
    # Error responses are decorated too, so the page reads the 404 instead of a CORS failure.
    cos_cors.set_rules({"AllowedOrigin": [app_page.origin], "AllowedMethod": ["GET"]})
    watch = Watch(cos_cors)

    result = app_page.fetch(cos_cors.cos_url_for("missing.txt"))
    recorded = watch.since()

    assert_agree(result, recorded)
    assert result.status == 404
    assert "<Code>NoSuchKey</Code>" in str(result.body)
    assert result.headers.get("content-type") == "application/xml"
