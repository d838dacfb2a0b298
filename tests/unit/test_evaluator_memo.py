"""The evaluator works on rule masks (see ``evaluator.py``) and makes a decision's checks only when
they are read: its verdicts, reasons, headers and checks must be those of the plain rule-by-rule
scan written out below, for any configuration and any sequence of requests."""

from __future__ import annotations

import dataclasses
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from values import METHODS

from pytest_cos_cors import CORSConfiguration, CORSRule, evaluate_actual, evaluate_preflight
from pytest_cos_cors.evaluator import Decision, normalise_request_headers

FAST = settings(max_examples=200, deadline=None, database=None)

TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
SHORT = st.text("ab-", max_size=3)

# Rules whose entries requests often hit: exact ones, a lone "*", and "*" at either end or inside.
ORIGIN_PATTERNS = st.one_of(
    st.just("*"),
    TOKEN.map(lambda t: f"https://{t}.com"),
    TOKEN.map(lambda t: f"https://*.{t}.com"),
    st.tuples(SHORT, SHORT).map(lambda p: f"https://{p[0]}*{p[1]}.com"),
    SHORT.map(lambda t: f"{t}*"),
)
HEADER_PATTERNS = st.one_of(
    st.just("*"),
    TOKEN,
    TOKEN.map(lambda t: t + "-*"),
    st.tuples(SHORT, SHORT).map(lambda p: f"{p[0]}*{p[1]}".upper()),
)
RULES = st.builds(
    CORSRule,
    allowed_origins=st.lists(ORIGIN_PATTERNS, min_size=1, max_size=3),
    allowed_methods=st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True),
    allowed_headers=st.lists(HEADER_PATTERNS, max_size=3),
    expose_headers=st.lists(st.sampled_from(["ETag", "x-cos-meta-a"]), max_size=2),
    max_age_seconds=st.one_of(st.none(), st.integers(0, 1000)),
    id=st.one_of(st.none(), TOKEN),
)

Request = tuple[str, str, list[str]]
Check = tuple[int, bool, bool, tuple[str, ...]]


@st.composite
def request_for(draw: st.DrawFn, rules: list[CORSRule]) -> Request:
    """A request made from one of ``rules`` (so that it often matches), or a random one."""
    rule = draw(st.sampled_from(rules))
    filler = draw(st.one_of(st.just(""), TOKEN))
    origin = draw(st.sampled_from(rule.allowed_origins)).replace("*", filler) or "-"
    origin = draw(st.one_of(st.just(origin), TOKEN.map(lambda t: f"https://{t}.com")))
    method = draw(st.one_of(st.sampled_from(rule.allowed_methods), st.sampled_from(METHODS)))
    names = [h.replace("*", filler) for h in rule.allowed_headers]
    other = st.one_of(TOKEN, SHORT.filter(bool))
    headers = draw(
        st.lists(st.one_of(st.sampled_from(names), other) if names else other, max_size=4)
    )
    return origin, method, headers


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[CORSRule], list[Request]]:
    rules = draw(st.lists(RULES, min_size=1, max_size=8))
    requests = draw(st.lists(request_for(rules), min_size=1, max_size=8))
    return rules, requests


# -- the reference: SPEC §4 and §5 rule by rule ----------------------------------------------------


@dataclasses.dataclass
class Expected:
    rule_index: int | None
    checks: list[Check]
    nearest: int | None
    reason: str
    headers: dict[str, str]


def reference(
    configuration: CORSConfiguration, origin: str, method: str, headers: list[str] | None
) -> Expected:
    """``headers`` None: an actual request; otherwise a preflight (origin and method valid)."""
    requested = normalise_request_headers(headers)
    checks: list[Check] = []
    for index, rule in enumerate(configuration.rules):
        entry = rule.matched_origin(origin)
        method_ok = method in rule.allowed_methods
        denied = tuple(h for h in requested if not rule.allows_header(h))
        checks.append((index, entry is not None, method_ok, denied))
        if entry is not None and method_ok and not denied:
            return Expected(
                index, checks, None, "", answer(configuration, index, entry, origin, headers)
            )
    # The nearest rule: fewest failed fields, then origin matched, then method matched, then first.
    nearest = min(checks, key=lambda c: (failures(c), not c[1], not c[2], c[0]))
    both = [c for c in checks if c[1] and c[2]]
    if both:
        common = [h for h in both[0][3] if all(h in c[3] for c in both)]
        if common:
            what = f"header {common[0]!r} is not allowed by any rule whose origin and method match"
        else:
            what = "no rule whose origin and method match allows all of the requested headers"
    elif any(c[1] for c in checks):
        what = f"method {method!r} is not allowed by any rule whose origin matches"
    else:
        what = f"origin {origin!r} does not match any rule's AllowedOrigin"
    index = nearest[0]
    detail = f" ({', '.join(repr(h) for h in nearest[3])})" if nearest[3] else ""
    label = f"rules[{index}]" + (
        f" (ID {configuration.rules[index].id!r})" if configuration.rules[index].id else ""
    )
    reason = f"{what}; nearest is {label}, which failed on {failed(nearest)}{detail}"
    vary = {"Vary": "Origin"} if configuration.response_vary else {}
    return Expected(None, checks, index, reason, vary)


def failures(check: Check) -> int:
    return (not check[1]) + (not check[2]) + bool(check[3])


def failed(check: Check) -> str:
    names = ("origin", "method", "headers")
    return ", ".join(
        n for n, ok in zip(names, (check[1], check[2], not check[3]), strict=True) if not ok
    )


def answer(
    configuration: CORSConfiguration,
    index: int,
    entry: str,
    origin: str,
    headers: list[str] | None,
) -> dict[str, str]:
    rule = configuration.rules[index]
    out: dict[str, str] = {}
    if entry != "*":
        out["Access-Control-Allow-Credentials"] = "true"
    if headers is not None:
        requested = normalise_request_headers(headers)
        if any("*" in h for h in rule.allowed_headers):
            if requested:
                out["Access-Control-Allow-Headers"] = ",".join(requested)
        elif rule.allowed_headers:
            out["Access-Control-Allow-Headers"] = ",".join(rule.allowed_headers).lower()
    out["Access-Control-Allow-Methods"] = ",".join(rule.allowed_methods)
    out["Access-Control-Allow-Origin"] = origin if entry != "*" else "*"
    if rule.expose_headers:
        out["Access-Control-Expose-Headers"] = ",".join(rule.expose_headers)
    if rule.max_age_seconds is not None:
        out["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    if configuration.response_vary:
        out["Vary"] = "Origin"
    return out


def as_tuples(decision: Decision) -> list[Check]:
    return [(c.index, c.origin_ok, c.method_ok, c.denied_headers) for c in decision.checks]


def agrees(decision: Decision, expected: Expected) -> None:
    alone = decision.nearest_check  # worked out on its own, before the checks are made
    assert decision.rule_index == expected.rule_index
    assert decision.allowed is (expected.rule_index is not None)
    assert decision.nearest == expected.nearest
    assert as_tuples(decision) == expected.checks
    assert list(decision.headers.items()) == list(expected.headers.items())
    assert decision.nearest_check == alone
    if expected.rule_index is None:
        assert decision.reason == expected.reason
        assert alone is not None
        assert alone == decision.checks[alone.index]
        assert alone.index == expected.nearest
    else:
        assert alone is None


# -- the properties -----------------------------------------------------------------------------


@FAST
@given(scenario(), st.one_of(st.none(), st.booleans()))
def test_preflights_match_the_scan(
    case: tuple[list[CORSRule], list[Request]], vary: bool | None
) -> None:
    rules, requests = case
    configuration = CORSConfiguration(rules, response_vary=vary)
    for origin, method, headers in requests * 2:  # the second pass reuses the index
        decision = evaluate_preflight(configuration, origin, method, headers)
        assert decision.origin == origin
        assert decision.request_headers == normalise_request_headers(headers)
        fresh = evaluate_preflight(
            CORSConfiguration(rules, response_vary=vary), origin, method, headers
        )
        assert fresh == decision
        agrees(fresh, reference(configuration, origin, method, headers))
        agrees(decision, reference(configuration, origin, method, headers))


@FAST
@given(scenario(), st.one_of(st.none(), st.booleans()))
def test_actual_requests_match_the_scan(
    case: tuple[list[CORSRule], list[Request]], vary: bool | None
) -> None:
    rules, requests = case
    configuration = CORSConfiguration(rules, response_vary=vary)
    for origin, method, _ in requests * 2:
        decision = evaluate_actual(configuration, origin, method)
        agrees(decision, reference(configuration, origin, method, None))


def kept_index(configuration: CORSConfiguration) -> object:
    """The evaluator's index, which the configuration keeps outside its fields (private)."""
    return vars(configuration).get("_evaluation_index")


def test_the_index_is_built_once_and_does_not_grow() -> None:
    configuration = CORSConfiguration(
        [{"AllowedOrigin": "https://a.example", "AllowedMethod": "PUT", "AllowedHeader": "x-*"}]
    )
    assert kept_index(configuration) is None
    evaluate_preflight(configuration, "https://a.example", "PUT")
    index = kept_index(configuration)
    assert index is not None
    for n in range(2000):
        decision = evaluate_preflight(configuration, "https://a.example", "PUT", f"y-{n}")
        assert not decision.allowed
        assert f"'y-{n}'" in decision.reason
    assert kept_index(configuration) is index
    assert evaluate_preflight(configuration, "https://a.example", "PUT", "x-1").allowed


def test_caches_are_not_fields() -> None:
    configuration = CORSConfiguration([CORSRule("https://a.com", "GET", "x-*")])
    decision = evaluate_preflight(configuration, "https://b.com", "GET", "x-1")
    assert decision.checks  # made, and kept
    names = {
        cls: [f.name for f in dataclasses.fields(cls)]
        for cls in (Decision, CORSRule, CORSConfiguration)
    }
    assert names == {
        Decision: [
            "kind",
            "allowed",
            "status",
            "origin",
            "method",
            "request_headers",
            "headers",
            "reason",
            "rule_index",
            "rule",
            "error_code",
            "error_message",
            "nearest",
            "configured",
            "configuration",
        ],
        CORSRule: [
            "allowed_origins",
            "allowed_methods",
            "allowed_headers",
            "expose_headers",
            "max_age_seconds",
            "id",
        ],
        CORSConfiguration: ["rules", "response_vary"],
    }
    assert kept_index(configuration) is not None
    # A copy through the fields (replace, pickle) makes its checks again, equal.
    copy = pickle.loads(pickle.dumps(decision))
    assert copy == decision
    assert copy.checks == decision.checks
    assert pickle.loads(pickle.dumps(configuration)) == configuration


def test_decisions_compare_by_content_and_keep_their_checks_through_replace() -> None:
    rules = [CORSRule("https://a.com", "GET", "x"), CORSRule("https://b.com", "GET")]
    one = evaluate_preflight(CORSConfiguration(rules), "https://b.com", "GET", "x")
    other = evaluate_preflight(CORSConfiguration(rules), "https://b.com", "GET", "x")
    assert one == other
    assert one is not other
    assert one.checks == other.checks
    copy = dataclasses.replace(one)
    assert copy == one
    assert copy.checks == one.checks
    assert copy.nearest_check == one.nearest_check
    assert dataclasses.replace(one, reason="changed") != one
    # Same request fields, but rule 0 differs in what it allowed: only the checks tell them apart.
    swapped = [CORSRule("https://a.com", "PUT", "x"), rules[1]]
    assert one.nearest == 1
    third = evaluate_preflight(CORSConfiguration(swapped), "https://b.com", "GET", "x")
    assert third.reason == one.reason
    assert third.nearest == one.nearest
    assert third.checks != one.checks
    assert third != one
    assert one != "a decision"
