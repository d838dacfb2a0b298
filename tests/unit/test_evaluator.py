"""SPEC §4 (preflight), §5 (actual requests) and §8 (worked examples) through the pure evaluator."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from pytest_cos_cors import (
    CORSConfiguration,
    CORSRule,
    Decision,
    RuleCheck,
    evaluate_actual,
    evaluate_preflight,
)
from pytest_cos_cors.evaluator import normalise_request_headers

FORBIDDEN = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are "
    "not whitelisted by the resource's CORS spec"
)
ORIGIN_NEEDED = "Insufficient information. Origin request header needed."

SSE_HEADERS = (
    "Range",
    "x-cos-server-side-encryption-customer-algorithm",
    "x-cos-server-side-encryption-customer-key",
    "x-cos-server-side-encryption-customer-key-MD5",
)
EXPOSE = ("Content-Length", "ETag", "x-cos-meta-author")
RULE_1 = CORSRule("*", ["GET", "HEAD"], SSE_HEADERS, EXPOSE, 600)
RULE_2 = CORSRule(
    ["https://example.com", "https://bar.com"],
    ["PUT", "GET", "POST", "DELETE", "HEAD"],
    "*",
    EXPOSE,
    600,
    id="example-id",
)
CONFIG_A = CORSConfiguration([RULE_1, RULE_2])


def config(*rules: CORSRule, vary: bool | None = None) -> CORSConfiguration:
    return CORSConfiguration(rules, vary)


def items(decision: Decision) -> list[tuple[str, str]]:
    return list(decision.headers.items())


# --- SPEC §8: the worked examples, header for header ---------------------------------------------

EXAMPLE_1 = [
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Headers", "content-md5,content-type,x-cos-meta-author"),
    ("Access-Control-Allow-Methods", "PUT,GET,POST,DELETE,HEAD"),
    ("Access-Control-Allow-Origin", "https://example.com"),
    ("Access-Control-Expose-Headers", "Content-Length,ETag,x-cos-meta-author"),
    ("Access-Control-Max-Age", "600"),
]
EXAMPLE_2 = [
    (
        "Access-Control-Allow-Headers",
        "range,x-cos-server-side-encryption-customer-algorithm,"
        "x-cos-server-side-encryption-customer-key,x-cos-server-side-encryption-customer-key-md5",
    ),
    ("Access-Control-Allow-Methods", "GET,HEAD"),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Content-Length,ETag,x-cos-meta-author"),
    ("Access-Control-Max-Age", "600"),
]
EXAMPLE_3 = [
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Headers", "content-md5,content-type"),
    ("Access-Control-Allow-Methods", "PUT,GET,POST,DELETE,HEAD"),
    ("Access-Control-Allow-Origin", "https://bar.com"),
    ("Access-Control-Expose-Headers", "Content-Length,ETag,x-cos-meta-author"),
    ("Access-Control-Max-Age", "600"),
]


@pytest.mark.parametrize(
    ("origin", "method", "acrh", "rule_index", "expected"),
    [
        pytest.param(
            "https://example.com",
            "PUT",
            "content-md5,content-type,x-cos-meta-author",
            1,
            EXAMPLE_1,
            id="example-1-put-rule-2",
        ),
        pytest.param(
            "https://example.com",
            "GET",
            "range",
            0,
            EXAMPLE_2,
            id="example-2-get-first-match-rule-1",
        ),
        pytest.param(
            "https://bar.com",
            "PUT",
            "content-md5,content-type",
            1,
            EXAMPLE_3,
            id="example-3-bar-rule-2",
        ),
    ],
)
def test_worked_examples(
    origin: str, method: str, acrh: str, rule_index: int, expected: list[tuple[str, str]]
) -> None:
    decision = evaluate_preflight(CONFIG_A, origin, method, acrh)
    assert decision.allowed is True
    assert decision.status == 200
    assert decision.rule_index == rule_index
    assert decision.rule == CONFIG_A.rules[rule_index]
    assert items(decision) == expected
    assert (decision.error_code, decision.error_message, decision.nearest) == (None, None, None)


def test_worked_example_4_only_rule_1() -> None:
    decision = evaluate_preflight(config(RULE_1), "https://example.com", "PUT", None)
    assert decision.allowed is False
    assert decision.status == 403
    assert decision.error_code == "AccessForbidden"
    assert decision.error_message == FORBIDDEN
    assert items(decision) == []
    assert decision.rule_index is None
    assert decision.rule is None


# --- SPEC §4: order of the checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("configuration", "origin", "method", "status", "code", "message"),
    [
        pytest.param(CONFIG_A, None, "GET", 400, "BadRequest", ORIGIN_NEEDED, id="no-origin"),
        pytest.param(CONFIG_A, "", "GET", 400, "BadRequest", ORIGIN_NEEDED, id="empty-origin"),
        pytest.param(
            CONFIG_A, None, None, 400, "BadRequest", ORIGIN_NEEDED, id="no-origin-before-no-method"
        ),
        pytest.param(
            None, None, "get", 400, "BadRequest", ORIGIN_NEEDED, id="no-origin-without-config"
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            None,
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: null",
            id="no-method-null",
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "get",
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: get",
            id="lowercase-get",
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "Put",
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: Put",
            id="mixed-case-put",
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "PATCH",
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: PATCH",
            id="patch",
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "OPTIONS",
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: OPTIONS",
            id="options",
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "",
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: ",
            id="empty-method",
        ),
        pytest.param(
            None,
            "https://example.com",
            "get",
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: get",
            id="bad-method-without-config",
        ),
        pytest.param(
            None,
            "https://example.com",
            "GET",
            403,
            "AccessForbidden",
            FORBIDDEN,
            id="no-configuration",
        ),
        pytest.param(
            CONFIG_A,
            "https://evil.com",
            "PUT",
            403,
            "AccessForbidden",
            FORBIDDEN,
            id="no-rule-matches",
        ),
    ],
)
def test_preflight_refusals(
    configuration: CORSConfiguration | None,
    origin: str | None,
    method: str | None,
    status: int,
    code: str,
    message: str,
) -> None:
    decision = evaluate_preflight(configuration, origin, method, "x-cos-meta-author")
    assert decision.allowed is False
    assert (decision.status, decision.error_code, decision.error_message) == (
        status,
        code,
        message,
    )
    assert items(decision) == []
    assert decision.rule_index is None


@pytest.mark.parametrize("method", ["PUT", "GET", "POST", "DELETE", "HEAD"])
def test_each_of_the_five_methods_is_accepted(method: str) -> None:
    decision = evaluate_preflight(config(CORSRule("*", method)), "https://a.com", method)
    assert decision.allowed is True
    assert decision.headers["Access-Control-Allow-Methods"] == method


# --- First match ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "method", "acrh", "rule_index"),
    [
        pytest.param(
            [CORSRule("*", "GET"), CORSRule("https://a.com", "GET")],
            "GET",
            None,
            0,
            id="both-match-first-wins",
        ),
        pytest.param(
            [CORSRule("https://a.com", "GET"), CORSRule("*", "GET")],
            "GET",
            None,
            0,
            id="both-match-first-wins-echo",
        ),
        pytest.param(
            [CORSRule("https://b.com", "GET"), CORSRule("https://a.com", "GET")],
            "GET",
            None,
            1,
            id="origin-only-in-second-rule",
        ),
        pytest.param(
            [CORSRule("https://a.com", "GET"), CORSRule("https://a.com", "PUT")],
            "PUT",
            None,
            1,
            id="method-only-in-second-rule",
        ),
        pytest.param(
            [CORSRule("https://a.com", "PUT"), CORSRule("https://a.com", "PUT", "x-a")],
            "PUT",
            "x-a",
            1,
            id="header-only-in-second-rule",
        ),
        pytest.param(
            [
                CORSRule("https://b.com", "GET"),
                CORSRule("*", "PUT"),
                CORSRule("https://a.com", "PUT", "*"),
                CORSRule("*", "PUT", "*"),
            ],
            "PUT",
            "x-a",
            2,
            id="third-of-four",
        ),
    ],
)
def test_first_matching_rule(
    rules: list[CORSRule], method: str, acrh: str | None, rule_index: int
) -> None:
    decision = evaluate_preflight(config(*rules), "https://a.com", method, acrh)
    assert decision.allowed is True
    assert decision.rule_index == rule_index
    assert decision.rule is rules[rule_index]
    assert decision.reason.startswith(f"allowed by rules[{rule_index}]")


# --- Origin matching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed_origin", "origin", "matches"),
    [
        pytest.param("https://a.com", "https://a.com", True, id="exact"),
        pytest.param("https://a.com", "https://A.com", False, id="case-sensitive-request"),
        pytest.param("https://A.com", "https://a.com", False, id="case-sensitive-rule"),
        pytest.param("https://a.com", "https://a.com/", False, id="no-trailing-slash-request"),
        pytest.param("https://a.com/", "https://a.com", False, id="no-trailing-slash-rule"),
        pytest.param("https://a.com", "https://a.com.evil.com", False, id="no-prefix-match"),
        pytest.param("https://a.com", "https://x.https://a.com", False, id="no-suffix-match"),
        pytest.param("https://a.com", "http://a.com", False, id="scheme-differs"),
        pytest.param("https://a.com", "https://a.com:443", False, id="port-differs"),
        pytest.param("*", "https://anything.example", True, id="star-any"),
        pytest.param("*", "null", True, id="star-null-origin"),
        pytest.param("https://*.example.com", "https://a.example.com", True, id="sub-domain"),
        pytest.param(
            "https://*.example.com", "https://a.b.example.com", True, id="star-spans-dots"
        ),
        pytest.param("https://*.example.com", "https://.example.com", True, id="star-empty-run"),
        pytest.param("https://*.example.com", "https://example.com", False, id="apex-no-dot"),
        pytest.param(
            "https://*.example.com",
            "https://a.example.com.evil.com",
            False,
            id="not-anchored-only-at-start",
        ),
        pytest.param("https://*.example.com", "http://a.example.com", False, id="wildcard-scheme"),
        pytest.param(
            "https://*.example.com", "https://a.EXAMPLE.com", False, id="wildcard-case-sensitive"
        ),
        pytest.param("*.example.com", "https://a.example.com", True, id="leading-star"),
        pytest.param("*.example.com", "https://a.example.org", False, id="leading-star-suffix"),
        pytest.param("https://example.*", "https://example.org", True, id="trailing-star"),
        pytest.param(
            "https://example.*",
            "https://evil.com/https://example.org",
            False,
            id="trailing-star-prefix",
        ),
        pytest.param("https://a.com:*", "https://a.com:8080", True, id="any-port"),
        pytest.param("https://a.com:*", "https://a.com", False, id="any-port-needs-colon"),
        pytest.param("ab*ba", "aba", False, id="prefix-and-suffix-may-not-overlap"),
        pytest.param("ab*ba", "abba", True, id="prefix-and-suffix-adjacent"),
    ],
)
def test_origin_matching(allowed_origin: str, origin: str, matches: bool) -> None:
    decision = evaluate_preflight(config(CORSRule(allowed_origin, "GET")), origin, "GET")
    assert decision.allowed is matches
    assert decision.status == (200 if matches else 403)


def test_every_origin_of_a_rule_is_tried() -> None:
    rule = CORSRule(["https://x.com", "https://y.com", "https://a.com"], "GET")
    assert evaluate_preflight(config(rule), "https://a.com", "GET").allowed is True
    assert evaluate_preflight(config(rule), "https://z.com", "GET").allowed is False


def test_origins_of_every_rule_are_considered() -> None:
    configuration = config(
        CORSRule("https://x.com", "GET"),
        CORSRule("https://y.com", "GET"),
        CORSRule("https://a.com", "GET"),
    )
    decision = evaluate_preflight(configuration, "https://a.com", "GET")
    assert (decision.allowed, decision.rule_index) == (True, 2)


@pytest.mark.parametrize(
    ("origins", "allow_origin", "credentials"),
    [
        pytest.param(("https://a.com", "*"), "https://a.com", True, id="echo-entry-first"),
        pytest.param(("*", "https://a.com"), "*", False, id="star-entry-first"),
        pytest.param(("https://*.com",), "https://a.com", True, id="partial-wildcard-echoes"),
    ],
)
def test_first_matching_entry_decides_echo(
    origins: tuple[str, ...], allow_origin: str, credentials: bool
) -> None:
    decision = evaluate_preflight(config(CORSRule(origins, "GET")), "https://a.com", "GET")
    assert decision.headers["Access-Control-Allow-Origin"] == allow_origin
    assert ("Access-Control-Allow-Credentials" in decision.headers) is credentials
    if credentials:
        assert decision.headers["Access-Control-Allow-Credentials"] == "true"


def test_method_is_checked() -> None:
    decision = evaluate_preflight(config(CORSRule("*", ["GET", "HEAD"])), "https://a.com", "PUT")
    assert (decision.allowed, decision.status) == (False, 403)


# --- Header normalisation and matching -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, (), id="none"),
        pytest.param("", (), id="empty"),
        pytest.param(" , ,, ", (), id="only-separators"),
        pytest.param("X-Cos-Meta-Author", ("x-cos-meta-author",), id="lower-cased"),
        pytest.param("b, a ,c", ("b", "a", "c"), id="trimmed-order-kept"),
        pytest.param("a,,b,", ("a", "b"), id="empties-dropped"),
        pytest.param("A,a, A ,b,a", ("a", "b"), id="duplicates-kept-once"),
        pytest.param("\tcontent-type\t, range", ("content-type", "range"), id="tabs"),
        pytest.param(
            ["Content-Type, Range", "range", "X-A"],
            ("content-type", "range", "x-a"),
            id="iterable-of-header-lines",
        ),
    ],
)
def test_normalise_request_headers(
    value: str | Iterable[str] | None, expected: tuple[str, ...]
) -> None:
    assert normalise_request_headers(value) == expected


@pytest.mark.parametrize(
    ("allowed_headers", "acrh", "allowed"),
    [
        pytest.param((), None, True, id="no-allowed-header-none-requested"),
        pytest.param((), "", True, id="no-allowed-header-empty-request"),
        pytest.param((), " , ", True, id="no-allowed-header-only-separators"),
        pytest.param((), "content-type", False, id="no-allowed-header-one-requested"),
        pytest.param(("Content-Type",), "content-type", True, id="case-insensitive-rule"),
        pytest.param(("content-type",), "Content-Type", True, id="case-insensitive-request"),
        pytest.param(("content-type",), "content-type, range", False, id="every-header-needed"),
        pytest.param(
            ("range", "content-type"),
            "Content-Type ,RANGE,range",
            True,
            id="normalised-then-matched",
        ),
        pytest.param(("*",), "x-anything, y", True, id="star"),
        pytest.param(("x-cos-meta-*",), "X-Cos-Meta-Author", True, id="partial-wildcard"),
        pytest.param(("x-cos-meta-*",), "x-cos-meta-", True, id="partial-wildcard-empty-run"),
        pytest.param(("x-cos-meta-*",), "x-cos-metadata", False, id="partial-wildcard-prefix"),
        pytest.param(("X-Cos-Meta-*",), "x-cos-meta-a", True, id="partial-wildcard-rule-case"),
        pytest.param(("*-md5",), "content-md5", True, id="leading-wildcard"),
        pytest.param(("*-md5",), "content-md5x", False, id="leading-wildcard-anchored-end"),
        pytest.param(("content-type",), "content-typ", False, id="no-prefix-match"),
        pytest.param(("content-typ",), "content-type", False, id="no-longer-match"),
    ],
)
def test_header_matching(allowed_headers: tuple[str, ...], acrh: str | None, allowed: bool) -> None:
    rule = CORSRule("*", "PUT", allowed_headers)
    decision = evaluate_preflight(config(rule), "https://a.com", "PUT", acrh)
    assert decision.allowed is allowed


# --- Success headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed_headers", "acrh", "expected"),
    [
        pytest.param(
            ("*",),
            "Content-Type, X-Cos-Meta-Author,,content-type",
            "content-type,x-cos-meta-author",
            id="star-echoes-normalised-request",
        ),
        pytest.param(("*",), None, None, id="star-nothing-requested-absent"),
        pytest.param(("*",), " , ", None, id="star-only-separators-absent"),
        pytest.param(
            ("x-cos-meta-*",),
            "X-Cos-Meta-B,x-cos-meta-a",
            "x-cos-meta-b,x-cos-meta-a",
            id="partial-wildcard-echoes-not-literal",
        ),
        pytest.param(
            ("Range", "x-cos-meta-*"), "range", "range", id="any-wildcard-entry-means-echo"
        ),
        pytest.param(
            ("Range", "Content-Type", "X-A"),
            "x-a",
            "range,content-type,x-a",
            id="no-wildcard-whole-list-lower-cased",
        ),
        pytest.param(
            ("Range", "Content-Type"),
            None,
            "range,content-type",
            id="no-wildcard-whole-list-even-if-none-requested",
        ),
        pytest.param((), None, None, id="no-allowed-header-absent"),
    ],
)
def test_allow_headers(
    allowed_headers: tuple[str, ...], acrh: str | None, expected: str | None
) -> None:
    rule = CORSRule("*", "PUT", allowed_headers)
    decision = evaluate_preflight(config(rule), "https://a.com", "PUT", acrh)
    assert decision.allowed is True
    assert decision.headers.get("Access-Control-Allow-Headers") == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            CORSRule("*", ["HEAD", "GET", "PUT"]),
            [
                ("Access-Control-Allow-Methods", "HEAD,GET,PUT"),
                ("Access-Control-Allow-Origin", "*"),
            ],
            id="minimal-star",
        ),
        pytest.param(
            CORSRule("https://a.com", "GET"),
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "https://a.com"),
            ],
            id="minimal-echo",
        ),
        pytest.param(
            CORSRule("https://a.com", "GET", (), ["ETag", "X-Cos-Meta-Author"]),
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "https://a.com"),
                ("Access-Control-Expose-Headers", "ETag,X-Cos-Meta-Author"),
            ],
            id="expose-original-case",
        ),
        pytest.param(
            CORSRule("*", "GET", max_age_seconds=0),
            [
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Max-Age", "0"),
            ],
            id="max-age-zero-present",
        ),
        pytest.param(
            CORSRule("https://*", ["GET", "PUT"], ["X-A"], ["ETag"], 2147483647),
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Headers", "x-a"),
                ("Access-Control-Allow-Methods", "GET,PUT"),
                ("Access-Control-Allow-Origin", "https://a.com"),
                ("Access-Control-Expose-Headers", "ETag"),
                ("Access-Control-Max-Age", "2147483647"),
            ],
            id="everything-in-order",
        ),
    ],
)
def test_success_headers_in_order(rule: CORSRule, expected: list[tuple[str, str]]) -> None:
    decision = evaluate_preflight(config(rule), "https://a.com", "GET")
    assert decision.allowed is True
    assert items(decision) == expected


# --- Vary ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vary", "origin", "method", "acrh", "status", "expected"),
    [
        pytest.param(
            True,
            "https://a.com",
            "GET",
            None,
            200,
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "https://a.com"),
                ("Vary", "Origin"),
            ],
            id="true-success-vary-last",
        ),
        pytest.param(
            False,
            "https://a.com",
            "GET",
            None,
            200,
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "https://a.com"),
            ],
            id="false-success-no-vary",
        ),
        pytest.param(
            None,
            "https://a.com",
            "GET",
            None,
            200,
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "https://a.com"),
            ],
            id="absent-success-no-vary",
        ),
        pytest.param(
            True,
            "https://evil.com",
            "GET",
            None,
            403,
            [("Vary", "Origin")],
            id="true-403-vary-only",
        ),
        pytest.param(
            True,
            "https://a.com",
            "GET",
            "x-not-allowed",
            403,
            [("Vary", "Origin")],
            id="true-403-header-vary-only",
        ),
        pytest.param(False, "https://evil.com", "GET", None, 403, [], id="false-403-nothing"),
        pytest.param(
            True,
            "https://a.com",
            "get",
            None,
            400,
            [("Vary", "Origin")],
            id="true-400-bad-method-with-origin",
        ),
        pytest.param(
            True,
            "https://a.com",
            None,
            None,
            400,
            [("Vary", "Origin")],
            id="true-400-no-method-with-origin",
        ),
        pytest.param(True, None, "GET", None, 400, [], id="true-400-no-origin-no-vary"),
    ],
)
def test_preflight_vary(
    vary: bool | None,
    origin: str | None,
    method: str | None,
    acrh: str | None,
    status: int,
    expected: list[tuple[str, str]],
) -> None:
    decision = evaluate_preflight(
        config(CORSRule("https://a.com", "GET"), vary=vary), origin, method, acrh
    )
    assert decision.status == status
    assert items(decision) == expected


# --- SPEC §5: actual requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configuration", "origin", "method", "rule_index", "expected"),
    [
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "PUT",
            1,
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "PUT,GET,POST,DELETE,HEAD"),
                ("Access-Control-Allow-Origin", "https://example.com"),
                ("Access-Control-Expose-Headers", "Content-Length,ETag,x-cos-meta-author"),
                ("Access-Control-Max-Age", "600"),
            ],
            id="config-a-put-rule-2-no-allow-headers",
        ),
        pytest.param(
            CONFIG_A,
            "https://example.com",
            "GET",
            0,
            [
                ("Access-Control-Allow-Methods", "GET,HEAD"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "Content-Length,ETag,x-cos-meta-author"),
                ("Access-Control-Max-Age", "600"),
            ],
            id="config-a-get-rule-1-star",
        ),
        pytest.param(
            config(CORSRule("*", "GET", "*"), vary=True),
            "https://a.com",
            "GET",
            0,
            [
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Origin", "*"),
                ("Vary", "Origin"),
            ],
            id="star-header-rule-still-no-allow-headers-vary-last",
        ),
        pytest.param(
            config(CORSRule("https://a.com", "GET"), CORSRule("https://a.com", "POST")),
            "https://a.com",
            "POST",
            1,
            [
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Origin", "https://a.com"),
            ],
            id="method-only-in-second-rule",
        ),
    ],
)
def test_actual_decorated(
    configuration: CORSConfiguration,
    origin: str,
    method: str,
    rule_index: int,
    expected: list[tuple[str, str]],
) -> None:
    decision = evaluate_actual(configuration, origin, method)
    assert decision.allowed is True
    assert decision.status is None
    assert decision.rule_index == rule_index
    assert items(decision) == expected
    assert "Access-Control-Allow-Headers" not in decision.headers
    assert decision.kind == "actual"


@pytest.mark.parametrize(
    ("configuration", "origin", "method", "expected"),
    [
        pytest.param(
            config(CORSRule("*", "GET")), "https://a.com", "PUT", [], id="method-not-in-rule"
        ),
        pytest.param(
            config(CORSRule("*", "GET")), "https://a.com", "get", [], id="method-case-sensitive"
        ),
        pytest.param(
            config(CORSRule("https://a.com", "GET")),
            "https://b.com",
            "GET",
            [],
            id="origin-not-matched",
        ),
        pytest.param(
            config(CORSRule("https://a.com", "GET"), vary=True),
            "https://b.com",
            "GET",
            [("Vary", "Origin")],
            id="unmatched-with-vary",
        ),
        pytest.param(config(CORSRule("*", "GET")), None, "GET", [], id="no-origin"),
        pytest.param(
            config(CORSRule("*", "GET"), vary=True), None, "GET", [], id="no-origin-no-vary"
        ),
        pytest.param(None, "https://a.com", "GET", [], id="no-configuration"),
    ],
)
def test_actual_not_decorated(
    configuration: CORSConfiguration | None,
    origin: str | None,
    method: str,
    expected: list[tuple[str, str]],
) -> None:
    decision = evaluate_actual(configuration, origin, method)
    assert decision.allowed is False
    assert decision.status is None
    assert decision.rule_index is None
    assert items(decision) == expected
    assert decision.error_code is None


def test_actual_headers_are_the_preflight_headers_without_allow_headers() -> None:
    preflight = evaluate_preflight(CONFIG_A, "https://example.com", "PUT", "content-type")
    actual = evaluate_actual(CONFIG_A, "https://example.com", "PUT")
    expected = [(k, v) for k, v in preflight.headers.items() if k != "Access-Control-Allow-Headers"]
    assert items(actual) == expected
    assert len(expected) == len(preflight.headers) - 1


# --- Decision.reason and .nearest ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "origin", "method", "acrh", "needle"),
    [
        pytest.param(
            [RULE_1],
            "https://example.com",
            "GET",
            "range, x-cos-meta-author",
            "header 'x-cos-meta-author' is not allowed by any rule whose origin and method match",
            id="header",
        ),
        pytest.param(
            [CORSRule("https://example.com", ["GET", "HEAD"])],
            "https://example.com",
            "PUT",
            None,
            "method 'PUT' is not allowed by any rule whose origin matches",
            id="method",
        ),
        pytest.param(
            [CORSRule("https://example.com", "GET"), CORSRule("https://bar.com", "PUT")],
            "https://evil.com",
            "GET",
            None,
            "origin 'https://evil.com' does not match any rule's AllowedOrigin",
            id="origin",
        ),
    ],
)
def test_refusal_reason(
    rules: list[CORSRule], origin: str, method: str, acrh: str | None, needle: str
) -> None:
    decision = evaluate_preflight(config(*rules), origin, method, acrh)
    assert decision.allowed is False
    assert needle in decision.reason


@pytest.mark.parametrize(
    ("rules", "origin", "method", "acrh", "nearest", "failed"),
    [
        pytest.param(
            [
                CORSRule("https://x.com", "PUT"),
                CORSRule("https://x.com", "GET"),
                CORSRule("https://y.com", "GET"),
            ],
            "https://a.com",
            "GET",
            None,
            1,
            ("origin",),
            id="fewest-failures-tie-first",
        ),
        pytest.param(
            [
                CORSRule("https://x.com", "PUT", "x-a"),
                CORSRule("https://a.com", "PUT"),
                CORSRule("https://a.com", "GET"),
            ],
            "https://a.com",
            "GET",
            "x-a",
            2,
            ("headers",),
            id="one-failure-beats-two",
        ),
        pytest.param(
            [CORSRule("https://x.com", "PUT"), CORSRule("https://y.com", "PUT")],
            "https://a.com",
            "GET",
            "x-a",
            0,
            ("origin", "method", "headers"),
            id="all-fail-everything-first",
        ),
        pytest.param(
            [CORSRule("https://a.com", "PUT", "*"), CORSRule("https://x.com", "GET", "*")],
            "https://a.com",
            "GET",
            "x-a",
            0,
            ("method",),
            id="method-vs-origin-tie",
        ),
        pytest.param(
            [CORSRule("https://x.com", "GET"), CORSRule("https://a.com", "PUT")],
            "https://a.com",
            "GET",
            None,
            1,
            ("method",),
            id="a-tie-goes-to-the-rule-whose-origin-matched",
        ),
    ],
)
def test_nearest(
    rules: list[CORSRule],
    origin: str,
    method: str,
    acrh: str | None,
    nearest: int,
    failed: tuple[str, ...],
) -> None:
    decision = evaluate_preflight(config(*rules), origin, method, acrh)
    assert decision.allowed is False
    assert decision.nearest == nearest
    check = decision.nearest_check
    assert check is not None
    assert check.index == nearest
    assert check.failed_fields == failed
    assert f"nearest is rules[{nearest}]" in decision.reason
    assert [c.index for c in decision.checks] == list(range(len(rules)))


def test_nearest_label_names_the_id_and_denied_headers() -> None:
    configuration = config(
        CORSRule("https://x.com", "GET"), CORSRule("https://a.com", "GET", "range", id="uploads")
    )
    decision = evaluate_preflight(configuration, "https://a.com", "GET", "range,x-cos-meta-author")
    assert decision.nearest == 1
    assert "rules[1] (ID 'uploads')" in decision.reason
    assert "'x-cos-meta-author'" in decision.reason
    check = decision.nearest_check
    assert check is not None
    assert check.denied_headers == ("x-cos-meta-author",)


@pytest.mark.parametrize(
    "decision",
    [
        pytest.param(evaluate_preflight(CONFIG_A, "https://example.com", "PUT"), id="allowed"),
        pytest.param(evaluate_preflight(CONFIG_A, None, "PUT"), id="no-origin"),
        pytest.param(evaluate_preflight(CONFIG_A, "https://example.com", "put"), id="bad-method"),
        pytest.param(evaluate_preflight(None, "https://example.com", "PUT"), id="no-config"),
    ],
)
def test_no_nearest_unless_refused_by_rules(decision: Decision) -> None:
    assert decision.nearest is None
    assert decision.nearest_check is None
    assert decision.reason


def test_reason_for_no_configuration_and_no_origin() -> None:
    assert "no CORS configuration" in evaluate_preflight(None, "https://a.com", "GET").reason
    assert "Origin" in evaluate_preflight(CONFIG_A, None, "GET").reason
    assert "Access-Control-Request-Method" in evaluate_preflight(CONFIG_A, "https://a", None).reason


def test_actual_refusal_has_nearest_and_reason() -> None:
    configuration = config(CORSRule("https://x.com", "POST"), CORSRule("https://a.com", "PUT"))
    decision = evaluate_actual(configuration, "https://a.com", "GET")
    assert decision.allowed is False
    assert decision.nearest == 1
    assert "method 'GET' is not allowed by any rule whose origin matches" in decision.reason


@pytest.mark.parametrize(
    ("check", "failed", "matched"),
    [
        pytest.param(RuleCheck(0, True, True), (), True, id="all-ok"),
        pytest.param(RuleCheck(0, False, True), ("origin",), False, id="origin"),
        pytest.param(RuleCheck(0, True, False), ("method",), False, id="method"),
        pytest.param(RuleCheck(0, True, True, ("x",)), ("headers",), False, id="headers"),
        pytest.param(
            RuleCheck(0, False, False, ("x",)), ("origin", "method", "headers"), False, id="all"
        ),
    ],
)
def test_rule_check(check: RuleCheck, failed: Sequence[str], matched: bool) -> None:
    assert check.failed_fields == failed
    assert check.matched is matched


def test_decision_records_the_request() -> None:
    decision = evaluate_preflight(CONFIG_A, "https://example.com", "PUT", "B, a")
    assert (decision.kind, decision.origin, decision.method) == (
        "preflight",
        "https://example.com",
        "PUT",
    )
    assert decision.request_headers == ("b", "a")
    assert decision.configured is True
    assert evaluate_preflight(None, "https://a.com", "GET").configured is False
