"""The tricky pairs of issue 9, each with the exact list of changes it must report."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pytest_cos_cors.diff import ConfigurationChange, RequestClass, diff_configurations

from .pairs import APP, PAIRS, Pair

BY_NAME = {pair.name: pair for pair in PAIRS}
STATUS = "status"
ACAC = "Access-Control-Allow-Credentials"
ACAH = "Access-Control-Allow-Headers"
ACAM = "Access-Control-Allow-Methods"
ACAO = "Access-Control-Allow-Origin"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"

Row = tuple[str, str, str, tuple[str, ...], "int | None", "int | None", tuple[str, ...]]

EXPECTED: dict[str, list[Row]] = {
    "wildcard narrowed": [
        ("broken", "https://z.example.com", "PUT", (), 0, 0, (STATUS, ACAC, ACAH, ACAM, ACAO)),
        ("broken", "https://z.example.com", "GET", (), 0, 0, (STATUS, ACAC, ACAH, ACAM, ACAO)),
    ],
    # Rule 0 (`*`, lists Range) used to answer GET from APP; now rule 0 is UPLOAD (echoes).
    # Requesting exactly `range` makes both Allow-Headers equal: a class of its own.
    "rule reordered": [
        ("headers changed", APP, "GET", (), 0, 0, (ACAC, ACAH, ACAM, ACAO, ACEH, ACMA)),
        ("headers changed", APP, "GET", ("range",), 0, 0, (ACAC, ACAM, ACAO, ACEH, ACMA)),
    ],
    # `content-type` alone is answered alike (echo and list agree), so it is no change.
    "header wildcard removed": [
        ("broken", APP, "PUT", ("x-unlisted",), 0, 0, (STATUS, ACAC, ACAH, ACAM, ACAO)),
        ("headers changed", APP, "PUT", (), 0, 0, (ACAH,)),
    ],
    "method removed": [
        ("broken", APP, "DELETE", (), 0, 0, (STATUS, ACAC, ACAM, ACAO)),
        ("headers changed", APP, "PUT", (), 0, 0, (ACAM,)),
        ("headers changed", APP, "GET", (), 0, 0, (ACAM,)),
    ],
    "* origin replaced by a list": [
        ("broken", "https://unlisted.invalid", "GET", (), 0, 0, (STATUS, ACAM, ACAO)),
        ("headers changed", "https://a.example.com", "GET", (), 0, 0, (ACAC, ACAO)),
        ("headers changed", "https://b.example.com", "GET", (), 0, 0, (ACAC, ACAO)),
    ],
    "MaxAge changed": [
        ("headers changed", APP, "GET", (), 0, 0, (ACMA,)),
        ("headers changed", APP, "HEAD", (), 0, 0, (ACMA,)),
    ],
    "ExposeHeader changed": [("headers changed", APP, "GET", (), 0, 0, (ACEH,))],
    # Only origins matching both patterns change rule; "https://z" and "z.example.com" do not.
    "overlapping wildcards reordered": [
        ("headers changed", "https://z.example.com", "GET", (), 0, 0, (ACMA,)),
    ],
    # Only headers matching both patterns change rule.
    "header patterns overlap": [
        ("headers changed", APP, "PUT", ("x-cos-meta-z-author",), 1, 1, (ACMA,)),
    ],
    # Echo and list agree only for the list itself, in its order.
    "echo meets a list in its order": [
        ("broken", APP, "PUT", ("x-unlisted",), 0, 0, (STATUS, ACAC, ACAH, ACAM, ACAO, ACMA)),
        ("headers changed", APP, "PUT", (), 0, 0, (ACAH, ACMA)),
        ("headers changed", APP, "PUT", ("b-header", "c-header", "a-header"), 0, 0, (ACMA,)),
    ],
    "echo meets a list in one of two orders": [
        ("broken", APP, "PUT", ("x-unlisted",), 2, 0, (STATUS, ACAC, ACAH, ACAM, ACAO, ACMA)),
        ("headers changed", APP, "PUT", ("a-header", "b-header"), 2, 2, (ACMA,)),
        ("headers changed", APP, "PUT", ("b-header", "a-header"), 2, 2, (ACAH, ACMA)),
    ],
    # "https://a.com" is the only kind of origin that matches both one-sided patterns and not
    # the first rule's: longer ones ("https://aza.com") match all three.
    "short origin where wildcards overlap": [
        ("broken", "https://az", "GET", (), 1, 0, (STATUS, ACAC, ACAM, ACAO, ACMA)),
        ("newly allowed", "za.com", "GET", (), 0, 1, (STATUS, ACAC, ACAM, ACAO, ACMA)),
        ("headers changed", "https://a.com", "GET", (), 1, 1, (ACMA,)),
    ],
    # Both refusals gain Vary too: one class, whatever the origin and method.
    "ResponseVary turned on": [
        ("headers changed", APP, "PUT", (), 0, 0, ("Vary",)),
        ("headers changed", APP, "GET", (), 0, 0, ("Vary",)),
        ("headers changed", APP, "POST", (), 0, 0, ("Vary",)),
    ],
    "no configuration before": [
        ("newly allowed", APP, "PUT", (), None, 0, (STATUS, ACAC, ACAM, ACAO, ACEH)),
        ("newly allowed", APP, "GET", (), None, 0, (STATUS, ACAC, ACAM, ACAO, ACEH)),
    ],
    "no configuration after": [
        ("broken", APP, "PUT", (), 0, None, (STATUS, ACAC, ACAM, ACAO, ACEH)),
        ("broken", APP, "GET", (), 0, None, (STATUS, ACAC, ACAM, ACAO, ACEH)),
    ],
    "unchanged": [],
}


def row(change: ConfigurationChange) -> Row:
    return (
        change.kind,
        change.origin,
        change.method,
        change.request_headers,
        change.old_rule,
        change.new_rule,
        tuple(what for what, _, _ in change.differences),
    )


def test_every_pair_has_an_expectation() -> None:
    assert set(EXPECTED) == set(BY_NAME)


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_pair_reports_exactly_the_expected_changes(pair: Pair) -> None:
    assert [row(c) for c in diff_configurations(pair.old, pair.new)] == EXPECTED[pair.name]


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_reversed_pair_swaps_broken_and_newly_allowed(pair: Pair) -> None:
    forward = diff_configurations(pair.old, pair.new)
    backward = diff_configurations(pair.new, pair.old)
    assert {swapped(c.request_class) for c in backward.newly_allowed} == {
        c.request_class for c in forward.broken
    }
    assert {swapped(c.request_class) for c in backward.broken} == {
        c.request_class for c in forward.newly_allowed
    }
    assert len(backward) == len(forward)


def swapped(request_class: RequestClass) -> RequestClass:
    return replace(
        request_class,
        old_status=request_class.new_status,
        old_rule=request_class.new_rule,
        new_status=request_class.old_status,
        new_rule=request_class.old_rule,
    )


def test_values_of_a_header_change() -> None:
    (get, head) = diff_configurations(BY_NAME["MaxAge changed"].old, BY_NAME["MaxAge changed"].new)
    assert get.differences == ((ACMA, "600", "60"),)
    assert head.old.headers[ACMA] == "600"
    assert head.new.headers[ACMA] == "60"


def test_echoed_origin_is_the_same_on_both_sides() -> None:
    pair = BY_NAME["MaxAge changed"]
    change = diff_configurations(pair.old, pair.new)[0]
    assert change.old.headers[ACAO] == change.new.headers[ACAO] == APP
    assert ACAO not in {what for what, _, _ in change.differences}
