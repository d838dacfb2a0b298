"""Exactness: no request outside the reported classes changes verdict.

For each tricky pair, and for random small configurations, random preflights (origins built from
pieces of the configurations' origins and random text, methods, header sets from named and random
headers) are evaluated on both sides; a request whose answers differ must belong to a reported
change's class, and a request in a reported class must differ.
"""

from __future__ import annotations

import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_cos_cors import CORSConfiguration, CORSRule, Decision, evaluate_preflight
from pytest_cos_cors.diff import ConfigurationDiff, diff_configurations

from .pairs import PAIRS, Pair

METHODS = ("PUT", "GET", "POST", "DELETE", "HEAD")
SETTINGS = settings(max_examples=200, deadline=None, database=None)


def outcome(decision: Decision) -> tuple[bool, int | None, dict[str, str]]:
    return decision.allowed, decision.status, dict(decision.headers)


def check_request(
    diff: ConfigurationDiff,
    old: CORSConfiguration | None,
    new: CORSConfiguration | None,
    origin: str,
    method: str,
    headers: list[str],
) -> None:
    differs = outcome(evaluate_preflight(old, origin, method, headers)) != outcome(
        evaluate_preflight(new, origin, method, headers)
    )
    change = diff.covering(origin, method, headers)
    if differs:
        assert change is not None, f"missed: {origin!r} {method} {headers!r}\n{diff!r}"
        assert change.covers(origin, method, headers)
    else:
        assert change is None, f"{origin!r} {method} {headers!r} does not change: {change!r}"


Pieces = tuple[list[str], list[str], list[str], list[str]]


def pieces(values: list[str]) -> Pieces:
    """Beginnings and endings of the values: what precedes and follows each ``*`` (or a whole
    literal), and, less often, every prefix and suffix of those."""
    starts, ends = {"", "https://", "z"}, {"", ".com", "z"}
    more_starts, more_ends = set(starts), set(ends)
    for value in values:
        prefix, star, suffix = value.partition("*")
        starts.add(prefix)
        ends.add(suffix if star else value)
        more_starts.update(prefix[:k] for k in range(len(prefix) + 1))
        more_ends.update(suffix[k:] for k in range(len(suffix) + 1))
        if not star:
            more_ends.update(value[k:] for k in range(len(value) + 1))
    return sorted(starts), sorted(more_starts), sorted(ends), sorted(more_ends)


def values_of(pair: Pair, field: str) -> list[str]:
    return [
        value
        for configuration in (pair.old, pair.new)
        if configuration is not None
        for rule in configuration.rules
        for value in getattr(rule, field)
    ]


@cache
def pair_diff(name: str) -> ConfigurationDiff:
    pair = next(p for p in PAIRS if p.name == name)
    return diff_configurations(pair.old, pair.new)


def glue(start: str, middle: str, end: str, overlap: int) -> str:
    """``start + middle + end``; without a middle, ``end`` may also overlap the end of ``start``
    by ``overlap`` characters when they agree (``https://a`` and ``a.com`` give ``https://a.com``)."""
    if not middle and overlap and overlap <= len(end) and start.endswith(end[:overlap]):
        return start + end[overlap:]
    return start + middle + end


def built(parts: Pieces, alphabet: str) -> st.SearchStrategy[str]:
    """A beginning, a middle (nothing, random, or another piece) and an ending."""
    starts, more_starts, ends, more_ends = parts
    middle = st.one_of(
        st.just(""), st.text(alphabet, max_size=4), st.sampled_from(more_starts + more_ends)
    )
    return st.builds(
        glue,
        st.one_of(st.sampled_from(starts), st.sampled_from(more_starts)),
        middle,
        st.one_of(st.sampled_from(ends), st.sampled_from(more_ends)),
        st.integers(min_value=0, max_value=3),
    )


def header_lists(pair: Pair) -> list[list[str]]:
    """Each rule's own AllowedHeader list: a request may name exactly these, in any order."""
    return [
        [h.lower() for h in rule.allowed_headers]
        for configuration in (pair.old, pair.new)
        if configuration is not None
        for rule in configuration.rules
        if rule.allowed_headers
    ] or [[]]


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
@SETTINGS
@given(data=st.data())
def test_no_request_outside_the_reported_classes_changes(pair: Pair, data: st.DataObject) -> None:
    origins = values_of(pair, "allowed_origins")
    literals = [v for v in origins if "*" not in v]
    shaped = built(pieces(origins), "abz.:/-")
    origin = data.draw(
        (st.one_of(st.sampled_from(literals), shaped) if literals else shaped).filter(bool),
        label="origin",
    )
    named = sorted(set(values_of(pair, "allowed_methods"))) or list(METHODS)
    method = data.draw(st.one_of(st.sampled_from(named), st.sampled_from(METHODS)), label="method")
    starts, more_starts, ends, more_ends = pieces(values_of(pair, "allowed_headers"))
    header_parts = (starts, more_starts, [*ends, "x-unlisted", "range"], more_ends)
    headers = data.draw(
        st.one_of(
            st.sampled_from(header_lists(pair)).flatmap(st.permutations),
            st.lists(built(header_parts, "abz-"), max_size=4),
        ),
        label="headers",
    )
    check_request(pair_diff(pair.name), pair.old, pair.new, origin, method, headers)


# -- random configurations ----------------------------------------------------------------------

ALPHABET = "ab."
WORD = st.text(ALPHABET, max_size=3)
PATTERN = st.one_of(
    st.just("*"),
    st.builds(lambda a, b: a + "*" + b, WORD, WORD),
    st.text(ALPHABET, min_size=1, max_size=4),
)
HEADER = st.one_of(PATTERN, st.sampled_from(["A", "ab", "Ba"]))
RULE = st.builds(
    CORSRule,
    st.lists(PATTERN, min_size=1, max_size=2),
    st.lists(st.sampled_from(METHODS[:3]), min_size=1, max_size=2, unique=True),
    st.lists(HEADER, max_size=2),
    st.sampled_from([(), ("ETag",)]),
    st.sampled_from([None, 5]),
)
CONFIGURATION = st.one_of(
    st.none(),
    st.builds(
        CORSConfiguration, st.lists(RULE, min_size=1, max_size=4), st.sampled_from([None, True])
    ),
)
REQUEST = st.tuples(
    st.text(ALPHABET, min_size=1, max_size=6),
    st.sampled_from(METHODS[:3]),
    st.lists(st.one_of(st.text(ALPHABET + "A", min_size=1, max_size=4), HEADER), max_size=3),
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    old=CONFIGURATION,
    new=CONFIGURATION,
    shuffle=st.randoms(use_true_random=False),
    reorder=st.booleans(),
    requests=st.lists(REQUEST, min_size=1, max_size=40),
)
def test_random_configurations_are_exact(
    old: CORSConfiguration | None,
    new: CORSConfiguration | None,
    shuffle: random.Random,
    reorder: bool,
    requests: list[tuple[str, str, list[str]]],
) -> None:
    if reorder and old is not None:
        rules = list(old.rules)
        shuffle.shuffle(rules)
        new = CORSConfiguration(rules, old.response_vary)
    diff = diff_configurations(old, new)
    for change in diff:
        assert outcome(change.old) != outcome(change.new)
        assert change.covers(change.origin, change.method, change.request_headers)
    for origin, method, headers in requests:
        check_request(diff, old, new, origin, method, headers)
