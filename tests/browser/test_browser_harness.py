"""The harness itself, without a browser: skip or fail when Chromium is missing, and the message
that a disagreement between the browser and the fake produces."""

from __future__ import annotations

import re

import pytest

from pytest_cos_cors import CORSConfiguration, CORSRule, evaluate_actual, evaluate_preflight
from pytest_cos_cors.recording import Exchange, HeaderMap

from .harness import FetchResult, Recorded, assert_agree, require_browser

MISSING = "/nonexistent/chromium"
ORIGIN = "http://app.localhost:8000"


def test_missing_chromium_skips_locally() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"Chromium is not installed at /nonexist"):
        require_browser(MISSING, environ={})


@pytest.mark.parametrize("value", ["true", "1"])
def test_missing_chromium_fails_in_ci(value: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"must run in CI: Chromium is not installed"):
        require_browser(MISSING, environ={"CI": value})


def test_present_chromium_neither_skips_nor_fails() -> None:
    require_browser()  # skips here when the browser is missing (fails in CI)
    require_browser(environ={"CI": "true"})


def exchange(method: str, preflight: bool, configuration: CORSConfiguration) -> Exchange:
    decision = (
        evaluate_preflight(configuration, ORIGIN, method, "content-type")
        if preflight
        else evaluate_actual(configuration, ORIGIN, method)
    )
    return Exchange(
        method="OPTIONS" if preflight else method,
        bucket="examplebucket-1250000000",
        path="/a.txt",
        query={},
        headers=HeaderMap([("Origin", ORIGIN)]),
        status=decision.status or 200,
        response_headers=HeaderMap(decision.headers.items()),
        decision=decision,
        is_preflight=preflight,
        body_size=0,
        timestamp=0.0,
    )


ALLOWED = FetchResult(ok=True, status=200, headers={}, body="", error=None)
REJECTED = FetchResult(ok=False, status=None, headers={}, body=None, error="TypeError: x")


def test_agreement_passes() -> None:
    configuration = CORSConfiguration(CORSRule(ORIGIN, "PUT", "*"))
    both = Recorded((exchange("PUT", True, configuration), exchange("PUT", False, configuration)))
    assert_agree(ALLOWED, both)
    refused = Recorded((exchange("PUT", True, CORSConfiguration(CORSRule(ORIGIN, "GET", "*"))),))
    assert_agree(REJECTED, refused)


def test_a_disagreement_is_the_reported_failure() -> None:
    configuration = CORSConfiguration(CORSRule(ORIGIN, "PUT", "*"))
    both = Recorded((exchange("PUT", True, configuration), exchange("PUT", False, configuration)))
    with pytest.raises(AssertionError) as caught:
        assert_agree(REJECTED, both)
    assert re.match(
        r"browser said fetch\(\) rejected \(TypeError: x\), fake said allowed: preflight allowed "
        r"by rules\[0\]; actual PUT decorated by rules\[0\]\n  recorded: OPTIONS ",
        str(caught.value),
    ), str(caught.value)


def test_any_origin_with_credentials_is_a_refusal() -> None:
    configuration = CORSConfiguration(CORSRule("*", "GET"))
    get = Recorded((exchange("GET", False, configuration),))
    assert_agree(ALLOWED, get)
    assert_agree(REJECTED, get, credentials=True)
    with pytest.raises(AssertionError, match=r"fake said refused: GET answered .*: \* to cred"):
        assert_agree(ALLOWED, get, credentials=True)
