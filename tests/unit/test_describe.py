"""The describer: every one-line text of an exchange, a rule and a nearest-rule explanation,
each format written out in full."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from values import APP, BUCKET, EVIL

from pytest_cos_cors import (
    CORSConfiguration,
    CORSRule,
    Decision,
    Exchange,
    HeaderMap,
    evaluate_actual,
    evaluate_preflight,
)
from pytest_cos_cors import describe as d

RULES = CORSConfiguration(
    [
        CORSRule(APP, ["PUT", "GET"], "content-type", id="web"),
        CORSRule(["https://a.example", "https://b.example"], "GET"),
    ]
)
DENIED_METHOD = (
    "method 'DELETE' is not allowed by any rule whose origin matches; nearest is rules[0] "
    "(ID 'web'), which failed on method"
)
DENIED_ORIGIN = (
    f"origin '{EVIL}' does not match any rule's AllowedOrigin; nearest is rules[0] (ID 'web'), "
    "which failed on origin"
)


def exchange(
    method: str,
    path: str = "/avatar.png",
    *,
    bucket: str | None = BUCKET,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
    decision: Decision | None = None,
    note: str = "",
) -> Exchange:
    return Exchange(
        method=method,
        bucket=bucket,
        path=path,
        query=dict(query or {}),
        headers=HeaderMap((headers or {}).items()),
        status=status,
        response_headers=HeaderMap(),
        decision=decision,
        is_preflight=method == "OPTIONS",
        body_size=0,
        timestamp=0.0,
        note=note,
    )


def preflight(
    origin: str, method: str, headers: str | None = None, query: Mapping[str, str] | None = None
) -> Exchange:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    decision = evaluate_preflight(RULES, origin, method, headers)
    status = decision.status
    assert status is not None
    return exchange("OPTIONS", headers=sent, status=status, decision=decision, query=query)


ALLOWED = preflight(APP, "PUT", "Content-Type")
DENIED = preflight(APP, "DELETE", query={"uploads": ""})
DENIED_NO_HEADERS = preflight(EVIL, "GET")
DECORATED = exchange(
    "GET", headers={"Origin": APP}, decision=evaluate_actual(RULES, APP, "GET"), query={"a": "1"}
)
UNDECORATED = exchange(
    "PUT", headers={"Origin": EVIL}, decision=evaluate_actual(RULES, EVIL, "PUT"), status=200
)
NOT_EVALUATED = exchange(
    "GET", "/", bucket=None, query={"acl": "", "x": "y"}, status=404, note="no such bucket"
)
PLAIN = exchange("GET", "/k")


# -- pieces --------------------------------------------------------------------------------------


def test_pieces() -> None:
    assert d.where(BUCKET, "/k") == f"{BUCKET}/k"
    assert d.where(None, "/k") == "/k"
    assert d.query_string({"acl": "", "x": "1"}) == "acl&x=1"
    assert d.target(BUCKET, "/k", {"acl": ""}) == f"{BUCKET}/k?acl"
    assert d.target(None, "/", {}) == "/"
    assert d.header_list(("a", "b")) == "a,b"
    assert d.header_list(()) == "-"
    assert (d.verdict(True), d.verdict(False)) == ("allowed", "denied")
    assert (d.flagged_verdict(True), d.flagged_verdict(False)) == ("allowed", "DENIED")


def test_filters_text() -> None:
    assert d.filters_text() == "any preflight"
    assert d.filters_text(origin=None, allowed=None) == "any preflight"
    assert (
        d.filters_text(origin=APP, method="PUT", headers=frozenset({"b", "a"}), allowed=False)
        == f"origin='{APP}', method='PUT', headers='a,b', allowed=False"
    )
    assert d.filters_text(headers=frozenset()) == "headers='(none)'"


def test_numbered_lists_the_first_and_counts_the_rest() -> None:
    assert d.numbered(["a", "b", "c"], 2, str.upper) == [
        "  1. A",
        "  2. B",
        "  ... and 1 more not listed",
    ]
    assert d.numbered(["a"], 5, str, indent="") == ["1. a"]
    assert d.numbered([], 5, str) == []


# -- the four exchange lines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            ALLOWED,
            f"OPTIONS {BUCKET}/avatar.png -> 200 [Origin {APP}] (allowed by rules[0] (ID 'web'))",
        ),
        (DENIED, f"OPTIONS {BUCKET}/avatar.png?uploads -> 403 [Origin {APP}] ({DENIED_METHOD})"),
        (NOT_EVALUATED, "GET /?acl&x=y -> 404 (no such bucket)"),
        (PLAIN, f"GET {BUCKET}/k -> 200"),
    ],
)
def test_exchange_line_is_exchange_describe(record: Exchange, expected: str) -> None:
    assert d.exchange_line(record) == expected
    assert record.describe() == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            ALLOWED,
            f"OPTIONS {BUCKET}/avatar.png -> 200 origin='{APP}' request-method='PUT' "
            "request-headers=content-type\n    CORS allowed: allowed by rules[0] (ID 'web')",
        ),
        (
            DENIED,
            f"OPTIONS {BUCKET}/avatar.png -> 403 origin='{APP}' request-method='DELETE' "
            f"request-headers=-\n    CORS denied: {DENIED_METHOD}",
        ),
        (
            UNDECORATED,
            f"PUT {BUCKET}/avatar.png -> 200 origin='{EVIL}'\n    CORS denied: {DENIED_ORIGIN}",
        ),
        (NOT_EVALUATED, "GET / -> 404"),
    ],
)
def test_report_entry(record: Exchange, expected: str) -> None:
    assert d.report_entry(record) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            ALLOWED,
            f"OPTIONS {BUCKET}/avatar.png origin='{APP}' method='PUT' headers=content-type "
            "-> 200 allowed: allowed by rules[0] (ID 'web')",
        ),
        (
            DENIED_NO_HEADERS,
            f"OPTIONS {BUCKET}/avatar.png origin='{EVIL}' method='GET' headers=- "
            f"-> 403 DENIED: {DENIED_ORIGIN}",
        ),
    ],
)
def test_preflight_line(record: Exchange, expected: str) -> None:
    assert d.preflight_line(record) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            ALLOWED,
            f"OPTIONS {BUCKET}/avatar.png origin={APP} method=PUT headers=content-type -> 200 "
            "allowed by rules[0] (ID 'web')",
        ),
        (
            DENIED,
            f"OPTIONS {BUCKET}/avatar.png?uploads origin={APP} method=DELETE headers=- -> 403 "
            f"DENIED: {DENIED_METHOD}",
        ),
        (
            DECORATED,
            f"GET {BUCKET}/avatar.png?a=1 origin={APP} -> 200 decorated by rules[0] (ID 'web')",
        ),
        (
            UNDECORATED,
            f"PUT {BUCKET}/avatar.png origin={EVIL} -> 200 no CORS headers: {DENIED_ORIGIN}",
        ),
        (NOT_EVALUATED, "GET /?acl&x=y -> 404 (no such bucket)"),
        (PLAIN, f"GET {BUCKET}/k -> 200"),
    ],
)
def test_serve_log_line(record: Exchange, expected: str) -> None:
    assert d.serve_log_line(record) == expected


def test_a_preflight_without_method_shows_a_dash() -> None:
    decision = evaluate_preflight(RULES, APP, None)
    record = exchange("OPTIONS", headers={"Origin": APP}, status=400, decision=decision)
    assert d.serve_log_line(record) == (
        f"OPTIONS {BUCKET}/avatar.png origin={APP} method=- headers=- -> 400 DENIED: "
        "Access-Control-Request-Method is missing"
    )
    assert d.preflight_line(record).startswith(
        f"OPTIONS {BUCKET}/avatar.png origin='{APP}' method=None headers=- -> 400 DENIED: "
    )


# -- rules ---------------------------------------------------------------------------------------


def test_rule_line_and_summary() -> None:
    web, other = RULES.rules
    assert d.rule_line(web, 0) == (
        f"rules[0] (ID 'web'): AllowedOrigin=['{APP}'], AllowedMethod=['PUT', 'GET'], "
        "AllowedHeader=['content-type']"
    )
    assert d.rule_line(other, 1) == (
        "rules[1]: AllowedOrigin=['https://a.example', 'https://b.example'], "
        "AllowedMethod=['GET'], AllowedHeader=[]"
    )
    assert d.rule_summary(web, 0) == (
        f"rules[0] (ID 'web') (AllowedOrigin {APP}; AllowedMethod PUT, GET; "
        "AllowedHeader content-type)"
    )
    assert d.rule_summary(other, 1) == (
        "rules[1] (AllowedOrigin https://a.example, https://b.example; AllowedMethod GET; "
        "AllowedHeader -)"
    )


def test_nearest_explanation() -> None:
    decision = evaluate_preflight(RULES, EVIL, "PUT", "x-a, x-b")
    assert d.nearest_explanation(decision) == (
        f"nearest rule rules[0] (ID 'web'): AllowedOrigin=['{APP}'], AllowedMethod=['PUT', "
        "'GET'], AllowedHeader=['content-type']\n"
        f"    failed on: AllowedOrigin does not match '{EVIL}'; AllowedHeader lacks 'x-a', 'x-b'"
    )
    method = evaluate_preflight(RULES, "https://a.example", "PUT")
    assert d.nearest_explanation(method) == (
        "nearest rule rules[1]: AllowedOrigin=['https://a.example', 'https://b.example'], "
        "AllowedMethod=['GET'], AllowedHeader=[]\n    failed on: AllowedMethod lacks 'PUT'"
    )
    # Not tried against the rules: nothing to explain.
    assert d.nearest_explanation(evaluate_preflight(RULES, APP, "PATCH")) is None
    assert d.nearest_explanation(evaluate_preflight(None, APP, "PUT")) is None
    assert d.nearest_explanation(evaluate_preflight(RULES, APP, "PUT")) is None


def test_the_old_names_are_the_describer() -> None:
    from pytest_cos_cors import assertions, report

    assert assertions.describe_record is d.preflight_line
    assert assertions.describe_rule is d.rule_line
    assert assertions.describe_nearest is d.nearest_explanation
    assert report.describe_exchange is d.report_entry
