"""Assertion helpers for actual requests (the PUT, GET... a page sends after its preflight, or
without one): which were answered with which CORS headers, and whether a preflight covered them
(issue 18, missing helpers). Each failure message is written out in full."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

SUITE = """
import pytest
import requests

APP = "https://app.example.com"
EVIL = "https://evil.example"
CHROMIUM = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0"
RULE = {"AllowedOrigin": APP, "AllowedMethod": ["PUT", "GET"], "AllowedHeader": "content-type",
        "ExposeHeader": "ETag"}


def browser(method, cos_cors, key, origin, **headers):
    return requests.request(
        method, cos_cors.url_for(key), data=b"PNG!" if method == "PUT" else None,
        headers={"Origin": origin, "User-Agent": CHROMIUM, **headers})


@pytest.mark.cors_rules(RULE)
def test_passing(cos_cors):
    requests.options(cos_cors.url_for("a.png"), headers={
        "Origin": APP, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    browser("PUT", cos_cors, "a.png", APP, **{"Content-Type": "image/png"})
    browser("GET", cos_cors, "a.png", EVIL)
    cos_cors.assert_request_allowed(APP, "PUT", path="a.png")
    cos_cors.assert_request_denied(EVIL, "GET", reason="does not match any rule's AllowedOrigin")
    cos_cors.assert_request_count(2)
    cos_cors.assert_request_count(1, allowed=False)


@pytest.mark.cors_rules(RULE)
def test_allowed_but_denied(cos_cors):
    browser("GET", cos_cors, "a.png", EVIL)
    cos_cors.assert_request_allowed(EVIL, "GET")


@pytest.mark.cors_rules(RULE)
def test_allowed_but_not_preflighted(cos_cors, request):
    request.addfinalizer(cos_cors.clear_log)  # the failure is the point: no teardown error
    browser("PUT", cos_cors, "a.png", APP, **{"Content-Type": "image/png"})
    cos_cors.assert_request_allowed(APP, "PUT")


@pytest.mark.cors_rules(RULE)
def test_denied_but_allowed(cos_cors):
    browser("GET", cos_cors, "a.png", APP)
    cos_cors.assert_request_denied(APP, "GET")


@pytest.mark.cors_rules(RULE)
def test_no_match(cos_cors):
    browser("GET", cos_cors, "a.png", APP)
    cos_cors.assert_request_allowed(APP, "DELETE")


@pytest.mark.cors_rules(RULE)
def test_count(cos_cors):
    browser("GET", cos_cors, "a.png", APP)
    cos_cors.assert_request_count(2, origin=APP)
"""

CORS_HEADERS = (
    "CORS headers: Access-Control-Allow-Credentials: true; Access-Control-Allow-Methods: "
    "PUT,GET; Access-Control-Allow-Origin: https://app.example.com; "
    "Access-Control-Expose-Headers: ETag"
)
MESSAGES = {
    "test_allowed_but_denied": [
        "E       AssertionError: expected every request (origin='https://evil.example', "
        "method='GET') to be allowed, and preflighted when a browser had to, but 1 of 1 "
        "matching were not",
        "E       - GET examplebucket-1250000000/a.png origin='https://evil.example' -> 404 DENIED: "
        "origin 'https://evil.example' does not match any rule's AllowedOrigin",
        "E         nearest rule rules[0]: AllowedOrigin=['https://app.example.com'], "
        "AllowedMethod=['PUT', 'GET'], AllowedHeader=['content-type']",
        "E           failed on: AllowedOrigin does not match 'https://evil.example'",
        "E         CORS headers: none",
        "E         preflight: not needed (a browser sends this request without one)",
        "E       recorded requests with an Origin (1):",
        "E         1. GET examplebucket-1250000000/a.png origin='https://evil.example' -> 404 "
        "DENIED (above)",
    ],
    "test_allowed_but_not_preflighted": [
        "E       AssertionError: expected every request (origin='https://app.example.com', "
        "method='PUT') to be allowed, and preflighted when a browser had to, but 1 of 1 "
        "matching were not",
        "E       - PUT examplebucket-1250000000/a.png origin='https://app.example.com' -> 200 "
        "allowed: decorated by rules[0]",
        f"E         {CORS_HEADERS}",
        "E         preflight: needed (method PUT, headers content-type), none recorded before "
        "it covers it",
        "E       recorded requests with an Origin (1):",
        "E         1. PUT examplebucket-1250000000/a.png origin='https://app.example.com' -> 200 "
        "allowed (above)",
    ],
    "test_denied_but_allowed": [
        "E       AssertionError: expected every request (origin='https://app.example.com', "
        "method='GET') to be denied, but 1 of 1 matching were not",
        "E       - GET examplebucket-1250000000/a.png origin='https://app.example.com' -> 404 "
        "allowed: decorated by rules[0]",
        f"E         {CORS_HEADERS}",
        "E         preflight: not needed (a browser sends this request without one)",
        "E       recorded requests with an Origin (1):",
        "E         1. GET examplebucket-1250000000/a.png origin='https://app.example.com' -> 404 "
        "allowed (above)",
    ],
    "test_no_match": [
        "E       AssertionError: expected a recorded request (origin='https://app.example.com', "
        "method='DELETE') that was allowed, but no recorded request matches",
        "E       recorded requests with an Origin (1):",
        "E         1. GET examplebucket-1250000000/a.png origin='https://app.example.com' -> 404 "
        "allowed: decorated by rules[0]",
    ],
    "test_count": [
        "E       AssertionError: expected 2 requests with an Origin "
        "(origin='https://app.example.com'), found 1",
        "E       recorded requests with an Origin (1):",
        "E         1. GET examplebucket-1250000000/a.png origin='https://app.example.com' -> 404 "
        "allowed: decorated by rules[0]",
    ],
}


def test_request_helpers_pass_and_fail(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner()
    result.assert_outcomes(passed=1, failed=len(MESSAGES))
    for name, lines in MESSAGES.items():
        result.stdout.fnmatch_lines([f"*_ {name} _*"])
        result.stdout.fnmatch_lines(lines, consecutive=True)


@pytest.mark.parametrize("assert_mode", ["rewrite", "plain"])
def test_messages_read_the_same_without_rewriting(
    pytester: pytest.Pytester, run_inner: RunInner, assert_mode: str
) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner(f"--assert={assert_mode}", "-k", "no_match")
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(MESSAGES["test_no_match"], consecutive=True)
    assert "assertions.py" not in result.stdout.str()
