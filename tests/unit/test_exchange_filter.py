"""The one filter over recorded exchanges: each criterion says ``(matched, reason)``, and
``ExchangeLog.filter`` and the assertion helpers select through it."""

from __future__ import annotations

import pytest
from values import APP, BUCKET, EVIL

from pytest_cos_cors import CORSConfiguration, CORSRule, Exchange, HeaderMap, evaluate_preflight
from pytest_cos_cors.assertions import assert_no_preflight, assert_preflight_count
from pytest_cos_cors.exchange_filter import ExchangeFilter
from pytest_cos_cors.recording import ExchangeLog

RULES = CORSConfiguration([CORSRule(APP, "PUT", "content-type")])


def preflight(origin: str, method: str, headers: str = "", path: str = "/k") -> Exchange:
    decision = evaluate_preflight(RULES, origin, method, headers)
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    assert decision.status is not None
    return Exchange(
        "OPTIONS", BUCKET, path, {}, HeaderMap(sent.items()), decision.status, HeaderMap(),
        decision, True, 0, 0.0,
    )  # fmt: skip


def actual(method: str, path: str = "/k") -> Exchange:
    return Exchange(
        method, BUCKET, path, {}, HeaderMap(), 200, HeaderMap(), None, False, 0, 0.0, "no Origin"
    )


ALLOWED = preflight(APP, "PUT", "Content-Type")
DENIED = preflight(EVIL, "PUT", path="/other")
GET = actual("GET")


class Recorded:
    """A recorder as the assertion helpers read one."""

    def __init__(self, *exchanges: Exchange) -> None:
        self.preflights = tuple(e for e in exchanges if e.is_preflight)


def test_no_criterion_selects_everything() -> None:
    every = ExchangeFilter()
    assert every.check(DENIED) == (True, "")
    assert every.select([ALLOWED, DENIED, GET]) == [ALLOWED, DENIED, GET]
    assert repr(every) == "ExchangeFilter()"


def test_check_says_why_not() -> None:
    wanted = ExchangeFilter(origin=APP, request_method="PUT", allowed=True, path="k")
    assert wanted.check(ALLOWED) == (True, "")
    assert wanted.check(DENIED) == (
        False,
        f"path is '/other', not '/k'; origin is '{EVIL}', not '{APP}'; allowed is False, not True",
    )
    assert ExchangeFilter(request_headers="x-a, X-B").check(ALLOWED) == (
        False,
        "request_headers is 'content-type', not 'x-a,x-b'",
    )
    assert repr(wanted) == (
        f"ExchangeFilter(path='/k', origin='{APP}', request_method='PUT', allowed=True)"
    )


@pytest.mark.parametrize(
    ("criteria", "selected"),
    [
        ({"method": "options"}, [ALLOWED, DENIED]),
        ({"method": "GET"}, [GET]),
        ({"bucket": BUCKET}, [ALLOWED, DENIED, GET]),
        ({"bucket": "other-1250000000"}, []),
        ({"path": "/k"}, [ALLOWED, GET]),
        ({"path": "other"}, [DENIED]),
        ({"is_preflight": False}, [GET]),
        ({"origin": EVIL}, [DENIED]),
        ({"request_method": "PUT"}, [ALLOWED, DENIED]),
        ({"request_method": "GET"}, [GET]),
        ({"request_headers": ["Content-Type"]}, [ALLOWED]),
        ({"request_headers": ""}, [DENIED, GET]),
        ({"status": 403}, [DENIED]),
        ({"allowed": False}, [DENIED, GET]),
        ({"allowed": True, "origin": EVIL}, []),
    ],
)
def test_each_criterion(criteria: dict[str, object], selected: list[Exchange]) -> None:
    chosen = ExchangeFilter(**criteria)  # type: ignore[arg-type]
    assert chosen.select([ALLOWED, DENIED, GET]) == selected
    for exchange in (ALLOWED, DENIED, GET):
        matched, reason = chosen.check(exchange)
        assert matched is (exchange in selected) is chosen.matches(exchange)
        assert bool(reason) is not matched


def test_the_log_filters_through_it() -> None:
    log = ExchangeLog()
    for exchange in (ALLOWED, DENIED, GET):
        log.append(exchange)
    assert log.filter(is_preflight=True, allowed=False) == (DENIED,)
    assert log.filter(method="get", path="k") == (GET,)
    assert log.filter() == (ALLOWED, DENIED, GET)


def test_the_assertion_helpers_filter_through_it() -> None:
    recorded = Recorded(ALLOWED, DENIED, GET)
    assert_preflight_count(recorded, 1, headers="content-type")
    assert_preflight_count(recorded, 2, method="PUT")
    assert_no_preflight(recorded, origin=EVIL, allowed=True)
    with pytest.raises(AssertionError, match=r"^expected no preflight \(headers='\(none\)'\)"):
        assert_no_preflight(recorded, headers=[])
