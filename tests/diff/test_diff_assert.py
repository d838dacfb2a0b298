"""assert_no_broken_requests: passes, and fails listing each broken request and its rules."""

from __future__ import annotations

import pytest

from pytest_cos_cors import CORSConfiguration, CORSRule
from pytest_cos_cors.diff import RequestLike, assert_no_broken_requests

APP = "https://app.example.com"
OLD = CORSConfiguration(
    [
        CORSRule(APP, ["GET", "PUT"], ["content-type"], id="app"),
        CORSRule("*", "GET", id="public"),
    ]
)
# The deploy drops PUT from "app" and removes "public".
NEW = CORSConfiguration([CORSRule(APP, ["GET"], ["content-type"], id="app")])


def test_passes_when_nothing_breaks() -> None:
    assert_no_broken_requests(OLD, OLD)
    assert_no_broken_requests(NEW, OLD)
    assert_no_broken_requests(OLD, NEW, requests=[(APP, "GET", "Content-Type")])
    assert_no_broken_requests(None, NEW)


def test_lists_each_broken_request_and_the_rules_responsible() -> None:
    requests: list[RequestLike] = [
        (APP, "GET"),
        (APP, "PUT", ["Content-Type"]),
        {"origin": "https://other.example", "method": "GET"},
    ]
    with pytest.raises(AssertionError) as caught:
        assert_no_broken_requests(OLD, NEW, requests=requests)
    message = str(caught.value)
    assert message.splitlines()[0] == (
        "2 requests allowed by the old CORS configuration are denied by the new one:"
    )
    assert "- broken: OPTIONS Origin https://app.example.com PUT headers content-type" in message
    assert "before: 200 rules[0] (ID 'app')" in message
    assert "after:  403 denied, nearest rules[0] (ID 'app') fails on method" in message
    assert (
        "new: denied; nearest rules[0] (ID 'app') (AllowedOrigin https://app.example.com; "
        "AllowedMethod GET; AllowedHeader content-type) fails on method"
    ) in message
    assert "- broken: OPTIONS Origin https://other.example GET headers -" in message
    assert "old: allowed by rules[1] (ID 'public') (AllowedOrigin *;" in message
    assert "fails on origin" in message
    assert "OPTIONS Origin https://app.example.com GET" not in message


def test_without_requests_checks_every_derived_class() -> None:
    with pytest.raises(AssertionError, match=r"^2 request classes allowed by the old") as caught:
        assert_no_broken_requests(OLD, NEW)
    assert "https://app.example.com PUT" in str(caught.value)
    assert "https://unlisted.invalid GET" in str(caught.value)


def test_no_new_configuration() -> None:
    with pytest.raises(AssertionError, match="new: no CORS configuration"):
        assert_no_broken_requests(OLD, None, requests=[(APP, "GET")])


@pytest.mark.parametrize(
    "request_value",
    [("only-origin",), {"origin": APP, "verb": "GET"}, (APP, 5), "https://a GET"],
)
def test_malformed_requests_are_type_errors(request_value: object) -> None:
    with pytest.raises(TypeError):
        assert_no_broken_requests(OLD, NEW, requests=[request_value])  # type: ignore[list-item]


def test_traceback_hides_the_helper(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_cos_cors.diff import RequestLike, assert_no_broken_requests

        OLD = {"CORSRule": [{"AllowedOrigin": "*", "AllowedMethod": "GET"}]}
        NEW = {"CORSRule": [{"AllowedOrigin": "https://a", "AllowedMethod": "GET"}]}

        def test_deploy():
            assert_no_broken_requests(OLD, NEW, requests=[("https://b", "GET")])
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*1 request allowed by the old CORS configuration is denied*"])
    result.stdout.no_fnmatch_line("*raise AssertionError*")
