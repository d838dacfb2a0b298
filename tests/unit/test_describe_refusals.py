"""The texts of a refusal: said once (issue 18, defect 6), with a note for each origin of the
nearest rule that can never match (defect 5); and the ``serve`` log escapes what a client sent
(issue 13, item 8)."""

from __future__ import annotations

import pytest
from values import APP, BUCKET

from pytest_cos_cors import (
    CORSConfiguration,
    CORSRule,
    Exchange,
    HeaderMap,
    evaluate_actual,
    evaluate_preflight,
)
from pytest_cos_cors import describe as d
from pytest_cos_cors.rules import origin_flaws

FLAWED = CORSConfiguration(
    [
        CORSRule(["https://app.example.com/", "HTTPS://APP.example.com"], "PUT", id="web"),
        CORSRule("https://other.example", "GET"),
    ]
)


def test_short_reason_leaves_the_nearest_rule_out() -> None:
    decision = evaluate_preflight(FLAWED, APP, "PUT")
    assert decision.reason == (
        f"origin '{APP}' does not match any rule's AllowedOrigin; nearest is rules[0] "
        "(ID 'web'), which failed on origin"
    )
    assert decision.short_reason == f"origin '{APP}' does not match any rule's AllowedOrigin"
    allowed = evaluate_preflight(FLAWED, "https://other.example", "GET")
    assert allowed.short_reason == allowed.reason == "allowed by rules[1]"


def test_a_refusal_notes_the_origins_of_its_nearest_rule_that_never_match() -> None:
    decision = evaluate_preflight(FLAWED, APP, "PUT")
    assert d.nearest_explanation(decision) == (
        "nearest rule rules[0] (ID 'web'): AllowedOrigin=['https://app.example.com/', "
        "'HTTPS://APP.example.com'], AllowedMethod=['PUT'], AllowedHeader=[]\n"
        f"    failed on: AllowedOrigin does not match '{APP}'\n"
        "    note: AllowedOrigin 'https://app.example.com/' never matches: a browser's Origin "
        "never ends with '/'\n"
        "    note: AllowedOrigin 'HTTPS://APP.example.com' never matches: a browser's Origin is "
        "in lower case"
    )
    assert "note:" not in (d.nearest_explanation(decision, notes=False) or "")
    actual = evaluate_actual(FLAWED, APP, "PUT")
    assert "    note: AllowedOrigin 'https://app.example.com/' never matches" in (
        d.nearest_explanation(actual) or ""
    )


def test_no_note_when_the_origin_matched() -> None:
    configuration = CORSConfiguration([CORSRule([APP, f"{APP}/"], "PUT")])
    decision = evaluate_preflight(configuration, APP, "DELETE")
    assert "note:" not in (d.nearest_explanation(decision) or "")


@pytest.mark.parametrize(
    ("entry", "flaws"),
    [
        ("https://app.example.com", ()),
        ("https://*.example.com", ()),
        ("*", ()),
        ("null", ()),
        ("http://localhost:8080", ()),
        ("*.example.com", ()),
        ("https://app.example.com/", ("trailing slash",)),
        ("https://*/", ("trailing slash",)),
        ("https://app.example.com/upload", ("path",)),
        ("https://app.example.com:443", ("default port",)),
        ("http://app.example.com:80", ("default port",)),
        ("https://app.example.com:80", ()),
        ("HTTPS://app.example.com", ("upper case",)),
        ("https://App.example.com", ("upper case",)),
        ("app.example.com", ("no scheme",)),
        ("App.example.com/", ("no scheme", "upper case")),
    ],
)
def test_origin_flaws(entry: str, flaws: tuple[str, ...]) -> None:
    assert origin_flaws(entry) == flaws


def test_rules_and_configurations_list_them() -> None:
    assert FLAWED.rules[0].unmatchable_origins() == (
        ("https://app.example.com/", ("trailing slash",)),
        ("HTTPS://APP.example.com", ("upper case",)),
    )
    assert d.configuration_notes(FLAWED.rules) == [
        "rules[0] (ID 'web'): AllowedOrigin 'https://app.example.com/' never matches: a "
        "browser's Origin never ends with '/'",
        "rules[0] (ID 'web'): AllowedOrigin 'HTTPS://APP.example.com' never matches: a "
        "browser's Origin is in lower case",
    ]


def preflight(decision_origin: str, query: dict[str, str] | None = None) -> Exchange:
    decision = evaluate_preflight(FLAWED, decision_origin, "PUT")
    return Exchange(
        method="OPTIONS",
        bucket=BUCKET,
        path="/a%0A.png",
        query=query or {},
        headers=HeaderMap(
            [("Origin", decision_origin), ("Access-Control-Request-Method", "PUT")]
        ),
        status=403,
        response_headers=HeaderMap(),
        decision=decision,
        is_preflight=True,
        body_size=0,
        timestamp=0.0,
    )


def test_an_explained_preflight_says_its_reason_once() -> None:
    record = preflight(APP)
    lines = d.explained_preflight(record)
    assert lines[0] == (
        f"- OPTIONS {BUCKET}/a%0A.png origin='{APP}' method='PUT' headers=- -> 403 DENIED: "
        f"origin '{APP}' does not match any rule's AllowedOrigin"
    )
    assert lines[1].startswith("  nearest rule rules[0] (ID 'web'): ")
    assert d.listed_preflight(record, explained=True) == (
        f"OPTIONS {BUCKET}/a%0A.png origin='{APP}' method='PUT' headers=- -> 403 DENIED (above)"
    )


def test_the_serve_log_escapes_what_a_client_sent() -> None:
    evil = "https://x.example\x1b[2J"
    record = preflight(evil, {"note": "a\nGET forged-1250000000/x -> 200 allowed by rules[0]"})
    line = d.serve_log_line(record)
    assert "\n" not in line
    assert "\x1b" not in line
    assert line == (
        f"OPTIONS {BUCKET}/a%0A.png?note=a\\nGET forged-1250000000/x -> 200 allowed by rules[0] "
        "origin=https://x.example\\x1b[2J method=PUT headers=- -> 403 DENIED: origin "
        "'https://x.example\\x1b[2J' does not match any rule's AllowedOrigin; nearest is "
        "rules[0] (ID 'web'), which failed on origin"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, ünïcödé and 中文", "plain text, ünïcödé and 中文"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x00\x1b\x7f\x85", "\\x00\\x1b\\x7f\\x85"),
        ("line\u2028separator", "line\\u2028separator"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert d.printable(text) == shown


def test_the_report_section_notes_them_too() -> None:
    text = d.report_entry(preflight(APP))
    assert text.splitlines()[1:] == [
        f"    CORS denied: origin '{APP}' does not match any rule's AllowedOrigin; nearest is "
        "rules[0] (ID 'web'), which failed on origin",
        "    note: AllowedOrigin 'https://app.example.com/' never matches: a browser's Origin "
        "never ends with '/'",
        "    note: AllowedOrigin 'HTTPS://APP.example.com' never matches: a browser's Origin is "
        "in lower case",
    ]


def test_the_report_section_marks_a_request_sent_without_its_preflight() -> None:
    decision = evaluate_actual(FLAWED, "https://other.example", "PUT")
    put = Exchange(
        method="PUT",
        bucket=BUCKET,
        path="/a.png",
        query={},
        headers=HeaderMap([("Origin", "https://other.example"), ("User-Agent", "Mozilla/5.0")]),
        status=200,
        response_headers=HeaderMap(),
        decision=decision,
        is_preflight=False,
        body_size=4,
        timestamp=0.0,
        needs_preflight=True,
    )
    assert d.report_entry(put).splitlines()[-1] == (
        "    sent without the preflight a browser must send first"
    )
