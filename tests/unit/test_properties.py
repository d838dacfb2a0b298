"""Hypothesis properties of the rule model, the XML codec and the evaluator."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from values import METHODS

from pytest_cos_cors import CORSConfiguration, CORSRule, evaluate_preflight

FAST = settings(max_examples=150, deadline=None, database=None)

# Characters that are valid XML text and are kept as they are by a parse: letters, digits,
# punctuation, symbols; inner spaces; no controls, no surrogates, no leading/trailing whitespace.
_CHARS = st.characters(categories=("L", "N", "P", "S"), exclude_characters="*")
_INNER = st.one_of(_CHARS, st.just(" "))


@st.composite
def plain_text(draw: st.DrawFn, max_size: int = 12) -> str:
    first = draw(_CHARS)
    middle = draw(st.text(_INNER, max_size=max_size))
    last = draw(st.one_of(st.just(""), _CHARS))
    return first + middle + last


def with_one_star(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values that hold at most one ``*``, anywhere (AllowedOrigin, AllowedHeader)."""
    return st.one_of(
        inner,
        st.just("*"),
        st.builds(lambda a, b: a + "*" + b, inner, st.one_of(st.just(""), inner)),
        st.builds(lambda b: "*" + b, inner),
    )


TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
ORIGINS = with_one_star(plain_text())
HEADERS = with_one_star(plain_text())
RULES = st.builds(
    CORSRule,
    allowed_origins=st.lists(ORIGINS, min_size=1, max_size=3),
    allowed_methods=st.lists(st.sampled_from(METHODS), min_size=1, max_size=5),
    allowed_headers=st.lists(HEADERS, max_size=3),
    expose_headers=st.lists(plain_text(), max_size=3),
    max_age_seconds=st.one_of(st.none(), st.integers(0, 2147483647)),
    id=st.one_of(st.none(), plain_text()),
)
CONFIGURATIONS = st.builds(
    CORSConfiguration,
    rules=st.lists(RULES, min_size=1, max_size=5),
    response_vary=st.one_of(st.none(), st.booleans()),
)

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


@FAST
@given(
    origin=st.text(min_size=1, max_size=40),
    method=st.sampled_from(METHODS),
    others=st.lists(st.sampled_from(METHODS), max_size=4),
    expose=st.lists(TOKEN, max_size=2),
)
def test_star_origin_allows_every_origin(
    origin: str, method: str, others: list[str], expose: list[str]
) -> None:
    rule = CORSRule("*", [*others, method], (), expose)
    decision = evaluate_preflight(CORSConfiguration([rule]), origin, method, None)
    assert decision.allowed is True
    assert decision.rule_index == 0
    assert decision.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in decision.headers


@FAST
@given(
    data=st.data(),
    rules=st.lists(SIMPLE_RULES, min_size=1, max_size=4),
    extra=st.lists(SIMPLE_RULES, min_size=1, max_size=4),
    vary=st.booleans(),
)
def test_appending_rules_after_the_match_changes_nothing(
    data: st.DataObject, rules: list[CORSRule], extra: list[CORSRule], vary: bool
) -> None:
    origin, method, headers = data.draw(request_for(rules))
    before = evaluate_preflight(CORSConfiguration(rules, vary), origin, method, headers)
    after = evaluate_preflight(CORSConfiguration(rules + extra, vary), origin, method, headers)
    if before.allowed:
        assert after.allowed is True
        assert after.rule_index == before.rule_index
        assert after.rule == before.rule
        assert list(after.headers.items()) == list(before.headers.items())
    else:
        # Refused by the first rules: an appended rule can only allow it, and then it is one of
        # the appended ones.
        assert after.rule_index is None or after.rule_index >= len(rules)


@st.composite
def disguised(draw: st.DrawFn, names: list[str]) -> str:
    """The same header names, shuffled, in random case, spacing and with repeats and empties."""
    repeated = names + draw(st.lists(st.sampled_from(names), max_size=3)) if names else []
    shuffled = draw(st.permutations(repeated))
    parts = []
    for name in shuffled:
        cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in name)
        parts.append(
            draw(st.sampled_from(["", " ", "  ", "\t"]))
            + cased
            + draw(st.sampled_from(["", " ", "\t "]))
        )
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["", " "])))
    return ",".join(parts)


@FAST
@given(data=st.data(), rules=st.lists(SIMPLE_RULES, min_size=1, max_size=4))
def test_request_header_order_case_spacing_do_not_matter(
    data: st.DataObject, rules: list[CORSRule]
) -> None:
    origin, method, headers = data.draw(request_for(rules))
    configuration = CORSConfiguration(rules)
    plain = evaluate_preflight(configuration, origin, method, ",".join(headers))
    variant = data.draw(disguised(headers))
    other = evaluate_preflight(configuration, origin, method, variant)
    assert other.allowed is plain.allowed
    assert other.rule_index == plain.rule_index
    assert set(other.request_headers) == set(plain.request_headers)


@FAST
@given(CONFIGURATIONS)
def test_xml_round_trip(configuration: CORSConfiguration) -> None:
    assert CORSConfiguration.from_xml(configuration.to_xml()) == configuration


@FAST
@given(CONFIGURATIONS)
def test_dict_round_trip(configuration: CORSConfiguration) -> None:
    assert CORSConfiguration.from_dict(configuration.to_dict()) == configuration


REPEATABLE = ("AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader")


def xml_to_sdk_dict(body: bytes) -> dict[str, Any]:
    """A tiny stand-in for the SDK's xml-to-dict: lists for repeatable elements."""
    root = etree.fromstring(body)
    assert root.tag == "CORSConfiguration"
    out: dict[str, Any] = {"CORSRule": []}
    for child in root:
        if child.tag == "CORSRule":
            rule: dict[str, Any] = {}
            for element in child:
                name = str(element.tag)
                if name in REPEATABLE:
                    rule.setdefault(name, []).append(element.text)
                else:
                    assert name not in rule
                    rule[name] = element.text
            out["CORSRule"].append(rule)
        else:
            out[str(child.tag)] = child.text
    return out


@FAST
@given(CONFIGURATIONS)
def test_to_xml_parses_to_the_sdk_dict(configuration: CORSConfiguration) -> None:
    assert xml_to_sdk_dict(configuration.to_xml()) == configuration.to_dict()
