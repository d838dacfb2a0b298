"""A browser request that needed a preflight the fake never answered fails its test at teardown,
with a message naming the request and the likely causes (issue 18, defect 1).

The requests here are sent with ``requests`` dressed as Chromium's (its ``User-Agent``, with
and without ``Sec-Fetch-Mode: cors``); ``tests/browser/test_browser_route.py`` shows the same
failure with a real Chromium whose preflight ``page.route()`` answered.
"""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

SUITE = """
import pytest
import requests

CHROMIUM = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0.0.0"
APP = "http://app.localhost:8000"
RULE = {"AllowedOrigin": APP, "AllowedMethod": "PUT",
        "AllowedHeader": ["content-type", "x-cos-meta-*"]}
UPLOAD = {"Origin": APP, "User-Agent": CHROMIUM, "Content-Type": "image/png",
          "x-cos-meta-author": "alice"}


def preflight(cos_cors, key, headers):
    return requests.options(cos_cors.url_for(key), headers={
        "Origin": APP, "User-Agent": CHROMIUM, "Sec-Fetch-Mode": "cors",
        "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": headers})
"""

MESSAGE = [
    "1 browser request needed a CORS preflight that the fake never answered:",
    "  1. PUT examplebucket-1250000000/avatar.png origin='http://app.localhost:8000' -> 200: a "
    "browser preflights it (method PUT, headers content-type,x-cos-meta-author), but no allowed "
    "preflight of this origin was recorded before it",
    "The browser did not ask the fake first, so this test cannot tell whether COS would have "
    "allowed it. Likely causes: Playwright's page.route() or context.route() (with any route "
    "set, even for an unrelated URL such as '**/api/**', Playwright answers CORS preflights "
    "itself), a service worker, a proxy between the browser and the fake, or a browser context "
    "reused from another test (its preflight cache answered).",
]


def test_a_request_without_its_preflight_fails_at_teardown(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        SUITE
        + """
@pytest.mark.cors_rules(RULE)
def test_upload(cos_cors):
    r = requests.put(cos_cors.url_for("avatar.png"), data=b"PNG!", headers=UPLOAD)
    assert r.status_code == 200
"""
    )
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_upload*"])
    result.stdout.fnmatch_lines(MESSAGE, consecutive=True)


def test_a_preflight_that_does_not_cover_the_request_is_named(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        SUITE
        + """
@pytest.mark.cors_rules({**RULE, "AllowedHeader": "*"})
def test_upload(cos_cors):
    preflight(cos_cors, "avatar.png", "content-type")
    requests.put(cos_cors.url_for("avatar.png"), data=b"PNG!",
                 headers={**UPLOAD, "Sec-Fetch-Mode": "cors"})
"""
    )
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)
    assert (
        "  1. PUT examplebucket-1250000000/avatar.png origin='http://app.localhost:8000' -> 200: "
        "a browser preflights it (method PUT, headers content-type,x-cos-meta-author), but the "
        "latest allowed preflight of this origin before it does not cover it: OPTIONS "
        "examplebucket-1250000000/avatar.png origin='http://app.localhost:8000' method='PUT' "
        "headers=content-type -> 200 allowed: allowed by rules[0]"
    ) in result.stdout.lines


def test_requests_that_were_preflighted_or_need_none_pass(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        SUITE
        + """
@pytest.mark.cors_rules(RULE)
def test_preflighted_upload(cos_cors):
    preflight(cos_cors, "avatar.png", "content-type,x-cos-meta-author")
    requests.put(cos_cors.url_for("avatar.png"), data=b"PNG!", headers=UPLOAD)
    [put] = [e for e in cos_cors.exchanges if e.method == "PUT"]
    assert put.needs_preflight and put.covering_preflight is cos_cors.preflights[0]


@pytest.mark.cors_rules(RULE)
def test_a_simple_request(cos_cors):
    requests.post(cos_cors.url_for(""), headers={"Origin": APP, "User-Agent": CHROMIUM,
                                                  "Content-Type": "text/plain"}, data=b"x")


@pytest.mark.cors_rules(RULE)
def test_not_a_browser(cos_cors):
    requests.put(cos_cors.url_for("avatar.png"), data=b"PNG!",
                 headers={**UPLOAD, "User-Agent": "python-requests"})


@pytest.mark.cors_rules(RULE)
def test_asserted_on_purpose_then_forgotten(cos_cors):
    requests.put(cos_cors.url_for("avatar.png"), data=b"PNG!", headers=UPLOAD)
    with pytest.raises(AssertionError, match="needed a CORS preflight"):
        cos_cors.assert_requests_preflighted()
    cos_cors.clear_log()


def test_another_endpoint_of_make_cos_cors(make_cos_cors):
    other = make_cos_cors()
    other.set_rules(RULE)
    preflight(other, "a.png", "content-type,x-cos-meta-author")
    requests.put(other.url_for("a.png"), data=b"PNG!", headers=UPLOAD)
"""
    )
    run_inner().assert_outcomes(passed=5)


def test_make_cos_cors_endpoints_are_checked_too(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        SUITE
        + """
def test_upload(make_cos_cors):
    other = make_cos_cors()
    other.set_rules(RULE)
    requests.put(other.url_for("avatar.png"), data=b"PNG!", headers=UPLOAD)
"""
    )
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(MESSAGE, consecutive=True)
