"""The evaluator memoises per configuration (see ``evaluator.py``): its verdicts must be those of
the plain rule-by-rule scan, whether the memo is cold or warm, for any sequence of requests."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_cos_cors import CORSConfiguration, CORSRule, evaluate_actual, evaluate_preflight
from pytest_cos_cors.evaluator import MEMO_LIMIT, Decision, normalise_request_headers

FAST = settings(max_examples=150, deadline=None, database=None)

# The strategies of test_properties.py: requests that often hit the rules.
METHODS = ("PUT", "GET", "POST", "DELETE", "HEAD")
TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)

# Rules for evaluator properties: ASCII-ish origins and header names, so requests hit them often.
SIMPLE_ORIGINS = st.one_of(
    st.just("*"),
    TOKEN.map(lambda t: f"https://{t}.com"),
    TOKEN.map(lambda t: f"https://*.{t}.com"),
)
SIMPLE_RULES = st.builds(
    CORSRule,
    allowed_origins=st.lists(SIMPLE_ORIGINS, min_size=1, max_size=2),
    allowed_methods=st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True),
    allowed_headers=st.lists(
        st.one_of(st.just("*"), TOKEN, TOKEN.map(lambda t: t + "-*")), max_size=3
    ),
    max_age_seconds=st.one_of(st.none(), st.integers(0, 1000)),
)


def concrete_origin(pattern: str, filler: str) -> str:
    return pattern.replace("*", filler) if pattern != "*" else f"https://{filler}.org"


@st.composite
def request_for(draw: st.DrawFn, rules: list[CORSRule]) -> tuple[str, str, list[str]]:
    """A request made from one of ``rules`` (so that it often matches), or a random one."""
    rule = draw(st.sampled_from(rules))
    filler = draw(TOKEN)
    origin = concrete_origin(draw(st.sampled_from(rule.allowed_origins)), filler)
    origin = draw(st.one_of(st.just(origin), TOKEN.map(lambda t: f"https://{t}.com")))
    method = draw(st.one_of(st.sampled_from(rule.allowed_methods), st.sampled_from(METHODS)))
    names = [h.replace("*", filler) for h in rule.allowed_headers]
    headers = draw(
        st.lists(st.one_of(st.sampled_from(names), TOKEN) if names else TOKEN, max_size=4)
    )
    return origin, method, headers


def scan(
    configuration: CORSConfiguration, origin: str, method: str, headers: list[str] | None
) -> tuple[int | None, list[tuple[int, bool, bool, tuple[str, ...]]]]:
    """The rule-by-rule reference: the matched rule and every check made on the way."""
    requested = normalise_request_headers(headers) if headers is not None else ()
    checks = []
    for index, rule in enumerate(configuration.rules):
        origin_ok = rule.matched_origin(origin) is not None
        method_ok = method in rule.allowed_methods
        denied = tuple(h for h in requested if not rule.allows_header(h))
        checks.append((index, origin_ok, method_ok, denied))
        if origin_ok and method_ok and not denied:
            return index, checks
    return None, checks


def as_tuples(decision: Decision) -> list[tuple[int, bool, bool, tuple[str, ...]]]:
    return [(c.index, c.origin_ok, c.method_ok, c.denied_headers) for c in decision.checks]


@st.composite
def scenario(
    draw: st.DrawFn,
) -> tuple[list[CORSRule], list[tuple[str, str, list[str]]]]:
    rules = draw(st.lists(SIMPLE_RULES, min_size=1, max_size=6))
    requests = draw(st.lists(request_for(rules), min_size=1, max_size=8))
    return rules, requests


@FAST
@given(scenario(), st.booleans())
def test_memoised_preflights_match_the_scan(
    case: tuple[list[CORSRule], list[tuple[str, str, list[str]]]], vary: bool
) -> None:
    rules, requests = case
    configuration = CORSConfiguration(rules, response_vary=vary)
    fresh = CORSConfiguration(rules, response_vary=vary)
    for origin, method, headers in requests * 2:  # the second pass hits the memo
        decision = evaluate_preflight(configuration, origin, method, headers)
        matched, checks = scan(configuration, origin, method, headers)
        assert decision.rule_index == matched
        assert decision.allowed is (matched is not None)
        assert as_tuples(decision) == checks
        assert decision.origin == origin
        cold = evaluate_preflight(fresh, origin, method, headers)
        fresh._evaluation_cache.clear()
        assert cold == decision
        assert cold.reason == decision.reason


@FAST
@given(scenario())
def test_memoised_actual_requests_match_the_scan(
    case: tuple[list[CORSRule], list[tuple[str, str, list[str]]]],
) -> None:
    rules, requests = case
    configuration = CORSConfiguration(rules)
    for origin, method, _ in requests * 2:
        decision = evaluate_actual(configuration, origin, method)
        matched, checks = scan(configuration, origin, method, None)
        assert decision.rule_index == matched
        assert as_tuples(decision) == [(i, o, m, ()) for i, o, m, _ in checks]
        if decision.allowed:
            allow_origin = decision.headers["Access-Control-Allow-Origin"]
            assert allow_origin in ("*", origin)


def test_the_memo_is_bounded_and_keeps_working() -> None:
    configuration = CORSConfiguration(
        [{"AllowedOrigin": "https://a.example", "AllowedMethod": "PUT", "AllowedHeader": "x-*"}]
    )
    for n in range(MEMO_LIMIT * 3):
        decision = evaluate_preflight(configuration, "https://a.example", "PUT", f"y-{n}")
        assert not decision.allowed
        assert f"'y-{n}'" in decision.reason
        assert len(configuration._evaluation_cache) <= MEMO_LIMIT + 2
    assert evaluate_preflight(configuration, "https://a.example", "PUT", "x-1").allowed
