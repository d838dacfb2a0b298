"""Assertion helpers: pass and fail cases, and their messages read the same without rewriting."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

SUITE = """
import pytest
import requests

RULE = {"AllowedOrigin": "https://app.example.com", "AllowedMethod": "PUT",
        "AllowedHeader": "content-type"}

def preflight(cos_cors, origin, method, headers=None, key="avatar.png"):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        h["Access-Control-Request-Headers"] = headers
    return requests.options(cos_cors.url_for(key), headers=h)

@pytest.mark.cors_rules(RULE)
def test_refused_header(cos_cors):
    preflight(cos_cors, "https://app.example.com", "PUT", "Content-Type, x-cos-meta-author")
    cos_cors.assert_preflight_allowed(origin="https://app.example.com", method="PUT")
"""

EXPECTED_REFUSED_HEADER = [
    "E*AssertionError: expected every preflight (origin='https://app.example.com', method='PUT') "
    "to be allowed, but 1 of 1 matching were not",
    "E       - OPTIONS examplebucket-1250000000/avatar.png origin='https://app.example.com' "
    "method='PUT' headers=content-type,x-cos-meta-author -> 403 DENIED: header "
    "'x-cos-meta-author' is not allowed by any rule whose origin and method match",
    "E         nearest rule rules[0]: AllowedOrigin=['https://app.example.com'], "
    "AllowedMethod=['PUT'], AllowedHeader=['content-type']",
    "E           failed on: AllowedHeader lacks 'x-cos-meta-author'",
    "E       recorded preflights (1):",
    "E         1. OPTIONS examplebucket-1250000000/avatar.png origin='https://app.example.com' "
    "method='PUT' headers=content-type,x-cos-meta-author -> 403 DENIED (above)",
]


@pytest.mark.parametrize("assert_mode", ["rewrite", "plain"])
def test_failure_message_explains_the_refusal(
    pytester: pytest.Pytester, run_inner: RunInner, assert_mode: str
) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner(f"--assert={assert_mode}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(EXPECTED_REFUSED_HEADER, consecutive=True)
    assert "assertions.py" not in result.stdout.str()


def test_helpers_pass_and_fail(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        SUITE
        + """
@pytest.mark.cors_rules(RULE)
def test_passing_helpers(cos_cors):
    preflight(cos_cors, "https://app.example.com", "PUT", "content-type")
    preflight(cos_cors, "https://evil.example", "PUT")
    preflight(cos_cors, "https://app.example.com", "GET", key="other.png")
    cos_cors.assert_preflight_allowed("https://app.example.com", "PUT", headers=["Content-Type"])
    cos_cors.assert_preflight_allowed("https://app.example.com", "PUT", path="/avatar.png")
    cos_cors.assert_preflight_allowed("https://app.example.com", "PUT", path="avatar.png")
    cos_cors.assert_preflight_denied("https://evil.example", "PUT", reason="ALLOWEDORIGIN")
    cos_cors.assert_preflight_denied("https://app.example.com", "GET",
                                     reason="method 'GET' is not allowed")
    cos_cors.assert_preflight_count(3)
    cos_cors.assert_preflight_count(2, allowed=False)
    cos_cors.assert_preflight_count(1, path="/other.png")
    cos_cors.assert_preflight_count(0, bucket="another-1250000000")
    cos_cors.assert_no_preflight(method="DELETE")
    cos_cors.assert_no_preflight(origin="https://evil.example", headers=["content-type"])
    decision = cos_cors.explain("https://app.example.com", "PUT", ["x-other"])
    assert not decision.allowed and decision.nearest == 0
    assert len(cos_cors.preflights) == 3

@pytest.mark.cors_rules(RULE)
def test_denied_but_allowed(cos_cors):
    preflight(cos_cors, "https://app.example.com", "PUT", "content-type")
    cos_cors.assert_preflight_denied("https://app.example.com", "PUT")

@pytest.mark.cors_rules(RULE)
def test_no_matching_preflight(cos_cors):
    cos_cors.assert_preflight_allowed("https://app.example.com", "PUT")

@pytest.mark.cors_rules(RULE)
def test_wrong_reason(cos_cors):
    preflight(cos_cors, "https://evil.example", "PUT")
    cos_cors.assert_preflight_denied("https://evil.example", "PUT", reason="method")

@pytest.mark.cors_rules(RULE)
def test_wrong_count(cos_cors):
    preflight(cos_cors, "https://evil.example", "PUT")
    cos_cors.assert_preflight_count(2, origin="https://evil.example")

@pytest.mark.cors_rules(RULE)
def test_unexpected_preflight(cos_cors):
    preflight(cos_cors, "https://evil.example", "PUT")
    cos_cors.assert_no_preflight(allowed=False)
"""
    )
    result = run_inner()
    result.assert_outcomes(passed=1, failed=6)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: expected every preflight "
            "(origin='https://app.example.com', method='PUT') to be denied, but 1 of 1 "
            "matching were not",
            "E       AssertionError: expected a recorded preflight "
            "(origin='https://app.example.com', method='PUT') that was allowed, but no recorded "
            "preflight matches",
            "E       AssertionError: expected every denied preflight "
            "(origin='https://evil.example', method='PUT') to have a reason containing 'method', "
            "but 1 of 1 did not",
            "E       AssertionError: expected 2 preflights "
            "(origin='https://evil.example'), found 1",
            "E       AssertionError: expected no preflight (allowed=False), found 1",
        ]
    )


def test_many_preflights_are_capped(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        SUITE
        + """
@pytest.mark.cors_rules(RULE)
def test_many(cos_cors):
    for n in range(13):
        preflight(cos_cors, f"https://s{n}.example", "PUT")
    cos_cors.assert_preflight_count(0, allowed=False)
"""
    )
    result = run_inner("-k", "test_many and not refused")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        ["E         10. OPTIONS *s9.example*", "E         ... and 3 more not listed"],
        consecutive=True,
    )
