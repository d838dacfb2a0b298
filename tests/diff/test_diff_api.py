"""diff_configurations: accepted inputs, explicit candidates, the result object, covers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_cos_cors import CORSConfiguration, CORSRule, CosError
from pytest_cos_cors.diff import (
    BROKEN,
    HEADERS_CHANGED,
    NEWLY_ALLOWED,
    ConfigurationDiff,
    classify_request,
    diff_configurations,
    format_changes,
)

from .pairs import APP, PAIRS

NARROWED = next(p for p in PAIRS if p.name == "wildcard narrowed")
OLD_XML = """<CORSConfiguration><CORSRule>
<AllowedOrigin>https://*.example.com</AllowedOrigin>
<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>
<AllowedHeader>content-type</AllowedHeader>
</CORSRule></CORSConfiguration>"""
NEW_SDK = {
    "CORSRule": [
        {"AllowedOrigin": [APP], "AllowedMethod": ["PUT", "GET"], "AllowedHeader": ["content-type"]}
    ]
}


def kinds(diff: ConfigurationDiff) -> list[tuple[str, str, str]]:
    return [(c.kind, c.origin, c.method) for c in diff]


EXPECTED = [(BROKEN, "https://z.example.com", "PUT"), (BROKEN, "https://z.example.com", "GET")]


def test_xml_and_sdk_dict_inputs() -> None:
    assert kinds(diff_configurations(OLD_XML, NEW_SDK)) == EXPECTED


def test_path_inputs(tmp_path: Path) -> None:
    old = tmp_path / "old.xml"
    old.write_text(OLD_XML)
    new = tmp_path / "new.json"
    new.write_text(json.dumps(NEW_SDK))
    assert kinds(diff_configurations(old, new)) == EXPECTED


def test_both_none_is_no_change() -> None:
    diff = diff_configurations(None, None)
    assert list(diff) == []
    assert not diff


def test_invalid_configuration_raises_cos_error() -> None:
    bad = {"CORSRule": [{"AllowedOrigin": ["https://*.*.example.com"], "AllowedMethod": "GET"}]}
    with pytest.raises(CosError) as caught:
        diff_configurations(bad, None)
    assert caught.value.code == "InvalidArgument"


def test_result_is_a_sequence_with_kinds() -> None:
    pair = next(p for p in PAIRS if p.name == "* origin replaced by a list")
    diff = diff_configurations(pair.old, pair.new)
    assert len(diff) == 3
    assert diff[0] is diff.broken[0]
    assert list(diff[1:]) == list(diff.headers_changed)
    assert diff.newly_allowed == ()
    assert [c.kind for c in diff] == [BROKEN, HEADERS_CHANGED, HEADERS_CHANGED]
    assert diff.compared >= len(diff)
    back = diff_configurations(pair.new, pair.old)
    assert [c.kind for c in back] == [NEWLY_ALLOWED, HEADERS_CHANGED, HEADERS_CHANGED]


def test_explicit_origins_restrict_the_candidates() -> None:
    assert list(diff_configurations(NARROWED.old, NARROWED.new, origins=[APP])) == []
    diff = diff_configurations(
        NARROWED.old,
        NARROWED.new,
        origins=["https://cdn.example.com", "https://img.example.com"],
    )
    # Both origins are in one class: one change per method, with the first as the example.
    assert kinds(diff) == [
        (BROKEN, "https://cdn.example.com", "PUT"),
        (BROKEN, "https://cdn.example.com", "GET"),
    ]


def test_explicit_methods_and_headers() -> None:
    pair = next(p for p in PAIRS if p.name == "header wildcard removed")
    only_listed = diff_configurations(pair.old, pair.new, headers=["Content-Type"])
    assert [(c.kind, c.request_headers) for c in only_listed] == [(HEADERS_CHANGED, ())]
    with_other = diff_configurations(pair.old, pair.new, headers=["content-type, x-custom"])
    assert [(c.kind, c.request_headers) for c in with_other] == [
        (BROKEN, ("x-custom",)),
        (HEADERS_CHANGED, ()),
    ]
    assert list(diff_configurations(pair.old, pair.new, methods=["GET"])) == []


def test_covers_the_whole_class_and_nothing_else() -> None:
    broken_put = diff_configurations(NARROWED.old, NARROWED.new)[0]
    assert broken_put.covers("https://z.example.com", "PUT")
    assert broken_put.covers("https://cdn.example.com", "PUT", "Content-Type")
    assert not broken_put.covers("https://cdn.example.com", "GET")
    assert not broken_put.covers(APP, "PUT")
    assert not broken_put.covers("https://example.org", "PUT")


def test_covering_finds_the_change_of_a_request() -> None:
    diff = diff_configurations(NARROWED.old, NARROWED.new)
    assert diff.covering("https://cdn.example.com", "GET") is diff[1]
    assert diff.covering(APP, "GET") is None


def test_two_refusals_form_one_class_whatever_the_origin() -> None:
    pair = next(p for p in PAIRS if p.name == "ResponseVary turned on")
    refusals = classify_request(pair.old, pair.new, "https://x.example", "DELETE")
    assert refusals.origin_entries is None
    assert refusals.method is None
    assert refusals == classify_request(pair.old, pair.new, APP, "POST", "x-other")
    assert diff_configurations(pair.old, pair.new).covering("https://x.example", "HEAD")


def test_deciding_rules_are_reported() -> None:
    old = CORSConfiguration(
        [CORSRule("https://a.example", "GET", id="a"), CORSRule("*", "GET", id="all")]
    )
    new = CORSConfiguration([CORSRule("https://a.example", "GET", id="a")])
    (change,) = diff_configurations(old, new)
    assert change.kind == BROKEN
    assert change.old.rule_index == change.old_rule == 1
    assert change.new.nearest == change.new_rule == 0
    text = change.describe()
    assert "before: 200 rules[1] (ID 'all')" in text
    assert "after:  403 denied, nearest rules[0] (ID 'a') fails on origin" in text


def test_format_changes_table() -> None:
    diff = diff_configurations(NARROWED.old, NARROWED.new)
    lines = format_changes(diff).splitlines()
    assert lines[0].split() == [
        "CHANGE",
        "ORIGIN",
        "METHOD",
        "HEADERS",
        "BEFORE",
        "AFTER",
        "DIFFERENCE",
    ]
    assert lines[1].split() == [
        "broken",
        "https://z.example.com",
        "PUT",
        "-",
        "200",
        "rules[0]",
        "403",
        "denied,",
        "nearest",
        "rules[0]",
        "fails",
        "on",
        "origin",
    ]
    assert len(lines) == 3


def test_exported_from_the_package() -> None:
    import pytest_cos_cors

    assert "diff_configurations" in pytest_cos_cors.__all__
    assert "assert_no_broken_requests" in pytest_cos_cors.__all__
    assert pytest_cos_cors.diff_configurations is diff_configurations
