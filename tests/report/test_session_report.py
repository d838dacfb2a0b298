"""``--cos-cors-report=PATH`` and the terminal summary line, in one process and under xdist."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytester_runs
from values import BUCKET, EVIL

SUITE = """
import pytest
import requests

RULE = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"],
        "AllowedHeader": ["content-type"]}

def preflight(endpoint, origin, method="PUT", headers=None):
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return requests.options(endpoint.url_for("a.png"), headers=sent)

@pytest.mark.cors_rules(RULE)
def test_allowed(cos_cors):
    assert preflight(cos_cors, "https://app.example.com", headers="Content-Type").status_code == 200

@pytest.mark.cors_rules(RULE)
def test_denied_and_actual(cos_cors):
    assert preflight(cos_cors, "https://evil.example").status_code == 403
    assert requests.get(cos_cors.url_for() + "?cors",
                        headers={"Origin": "https://app.example.com"}).status_code == 200

def test_extra_endpoint(make_cos_cors):
    other = make_cos_cors(bucket="other-1250000000")
    assert preflight(other, "https://app.example.com").status_code == 403

@pytest.mark.cors_rules(RULE)
def test_failing(cos_cors):
    preflight(cos_cors, "https://app.example.com", headers="x-cos-meta-author")
    assert False

def test_without_endpoint():
    pass
"""

RECORD_KEYS = {
    "test",
    "worker",
    "timestamp",
    "preflight",
    "operation",
    "via",
    "needs_preflight",
    "covering_preflight",
    "request",
    "decision",
    "note",
    "signature",
    "response",
}


def run_report(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    result = pytester_runs.run(pytester, "--cos-cors-report=out/cos-cors.json", *args)
    document = json.loads((pytester.path / "out" / "cos-cors.json").read_text())
    return result, document


def check_record(record: dict[str, Any]) -> None:
    """The schema of one exchange record."""
    assert set(record) == RECORD_KEYS
    assert isinstance(record["test"], str)
    assert record["worker"] is None or isinstance(record["worker"], str)
    assert isinstance(record["timestamp"], float)
    assert isinstance(record["preflight"], bool)
    assert record["operation"] is None or isinstance(record["operation"], str)
    assert record["via"] is None or isinstance(record["via"], str)
    assert isinstance(record["needs_preflight"], bool)
    covering = record["covering_preflight"]
    if covering is not None:
        assert record["needs_preflight"]
        assert set(covering) == {"timestamp", "path"}
    request = record["request"]
    assert set(request) == {"method", "bucket", "path", "query", "headers"}
    assert isinstance(request["method"], str)
    assert request["bucket"] is None or isinstance(request["bucket"], str)
    assert request["path"].startswith("/")
    for mapping in (request["query"], request["headers"], record["response"]["headers"]):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
    decision = record["decision"]
    if decision is not None:
        assert set(decision) == {"kind", "allowed", "reason", "rule_index", "nearest"}
        assert decision["kind"] in ("preflight", "actual")
        assert isinstance(decision["allowed"], bool)
        assert decision["reason"]
        assert decision["rule_index"] is None or isinstance(decision["rule_index"], int)
        assert decision["nearest"] is None or isinstance(decision["nearest"], int)
    else:
        assert record["note"]
    assert set(record["response"]) == {"status", "headers"}
    assert isinstance(record["response"]["status"], int)


def test_report_lists_every_exchange(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result, document = run_report(pytester)
    result.assert_outcomes(passed=4, failed=1)
    assert set(document) == {"format", "version", "preflights", "dropped", "exchanges"}
    assert (document["format"], document["version"]) == ("pytest-cos-cors-report", 1)
    assert document["preflights"] == {"allowed": 1, "denied": 3}
    assert document["dropped"] == 0
    records = document["exchanges"]
    for record in records:
        check_record(record)
    summary = [
        (
            r["test"].split("::")[1],
            r["request"]["method"],
            r["request"]["bucket"],
            r["response"]["status"],
            r["decision"] and r["decision"]["allowed"],
            r["operation"],
        )
        for r in records
    ]
    assert summary == [
        ("test_allowed", "OPTIONS", BUCKET, 200, True, "PreflightRequest"),
        ("test_denied_and_actual", "OPTIONS", BUCKET, 403, False, "PreflightRequest"),
        ("test_denied_and_actual", "GET", BUCKET, 200, False, "GetBucketCors"),
        ("test_extra_endpoint", "OPTIONS", "other-1250000000", 403, False, "PreflightRequest"),
        ("test_failing", "OPTIONS", BUCKET, 403, False, "PreflightRequest"),
    ]
    allowed, denied, actual, extra, failing = records
    assert allowed["test"] == "test_suite.py::test_allowed"
    assert allowed["worker"] is None
    assert allowed["preflight"] is True
    assert allowed["request"]["path"] == "/a.png"
    assert allowed["request"]["headers"]["Access-Control-Request-Headers"] == "Content-Type"
    assert allowed["decision"] == {
        "kind": "preflight",
        "allowed": True,
        "reason": "allowed by rules[0]",
        "rule_index": 0,
        "nearest": None,
    }
    assert allowed["response"]["headers"]["Access-Control-Allow-Headers"] == "content-type"
    assert denied["decision"]["nearest"] == 0
    assert denied["decision"]["rule_index"] is None
    assert denied["decision"]["reason"].startswith(
        f"origin '{EVIL}' does not match any rule's AllowedOrigin"
    )
    assert "Access-Control-Allow-Origin" not in denied["response"]["headers"]
    assert actual["preflight"] is False
    assert actual["request"]["query"] == {"cors": ""}
    assert actual["request"]["path"] == "/"
    assert actual["decision"]["kind"] == "actual"
    assert extra["decision"]["reason"] == "the bucket has no CORS configuration"
    assert failing["decision"]["reason"].startswith("header 'x-cos-meta-author'")
    result.stdout.fnmatch_lines(
        [
            "cos_cors: 1 preflight allowed, 3 denied",
            "cos_cors: 5 exchanges written to out/cos-cors.json",
        ],
        consecutive=True,
    )


def test_exchanges_without_decision_carry_a_note(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        def test_unknown_bucket(cos_cors):
            requests.options(cos_cors.url + "/nobucket/k", headers={
                "Origin": "https://a.example", "Access-Control-Request-Method": "GET"})
        """
    )
    result, document = run_report(pytester)
    result.assert_outcomes(passed=1)
    (record,) = document["exchanges"]
    check_record(record)
    assert record["decision"] is None
    assert record["note"] == "the bucket 'nobucket' does not exist"
    assert document["preflights"] == {"allowed": 0, "denied": 1}


def test_no_preflight_no_summary_line_but_an_empty_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        def test_get(cos_cors):
            requests.get(cos_cors.url_for("k"))

        def test_nothing():
            pass
        """
    )
    result, document = run_report(pytester)
    result.assert_outcomes(passed=2)
    assert document["preflights"] == {"allowed": 0, "denied": 0}
    assert len(document["exchanges"]) == 1
    assert "preflights allowed" not in result.stdout.str()
    result.stdout.fnmatch_lines(["cos_cors: 1 exchange written to out/cos-cors.json"])


def test_summary_line_without_a_report_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester_runs.run(pytester)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["cos_cors: 1 preflight allowed, 3 denied"])
    assert "written to" not in result.stdout.str()
    assert list(pytester.path.glob("**/*.json")) == []


def test_no_summary_line_when_the_plugin_saw_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester_runs.run(pytester)
    result.assert_outcomes(passed=1)
    assert "cos_cors" not in result.stdout.str()


XDIST_SUITE = """
import pytest
import requests

RULE = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]}

@pytest.mark.cors_rules(RULE)
@pytest.mark.parametrize("n", range(12))
def test_many(cos_cors, n):
    for origin in ["https://app.example.com"] * (n % 3) + ["https://evil.example"]:
        requests.options(cos_cors.url_for(f"k{n}"), headers={
            "Origin": origin, "Access-Control-Request-Method": "PUT"})
    requests.get(cos_cors.url_for(f"k{n}"))
"""


def test_report_is_complete_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_many=XDIST_SUITE)
    result = pytester_runs.run(
        pytester, "-n", "2", "--cos-cors-report=report.json", subprocess=True
    )
    result.assert_outcomes(passed=12)
    document = json.loads((pytester.path / "report.json").read_text())
    records = document["exchanges"]
    for record in records:
        check_record(record)
    # n % 3 allowed preflights, one refused and one GET per test.
    allowed = sum(n % 3 for n in range(12))
    assert len(records) == allowed + 12 * 2
    assert document["preflights"] == {"allowed": allowed, "denied": 12}
    assert {r["worker"] for r in records} == {"gw0", "gw1"}
    per_test: dict[str, int] = {}
    for record in records:
        per_test[record["test"]] = per_test.get(record["test"], 0) + 1
    assert per_test == {f"test_many.py::test_many[{n}]": n % 3 + 2 for n in range(12)}
    result.stdout.fnmatch_lines(
        [
            f"cos_cors: {allowed} preflights allowed, 12 denied",
            f"cos_cors: {len(records)} exchanges written to report.json",
        ],
        consecutive=True,
    )


def test_relative_path_is_from_the_invocation_directory(pytester: pytest.Pytester) -> None:
    sub = pytester.mkdir("sub")
    # A test that changes directory must not move the report.
    pytester.makepyfile("import os\n\ndef test_moves():\n    os.chdir('sub')\n")
    result = pytester_runs.run(pytester, "--cos-cors-report=r.json", subprocess=True)
    result.assert_outcomes(passed=1)
    assert json.loads((pytester.path / "r.json").read_text())["exchanges"] == []
    assert not (sub / "r.json").exists()


BROWSER_SUITE = """
import pytest
import requests

RULE = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]}
BROWSER = {"Origin": "https://app.example.com", "Sec-Fetch-Mode": "cors"}

@pytest.mark.cors_rules(RULE)
def test_browser_put_after_its_preflight(cos_cors):
    sent = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    assert requests.options(cos_cors.url_for("b.png"), headers=sent).status_code == 200
    assert requests.put(cos_cors.url_for("b.png"), data=b"x", headers=BROWSER).status_code == 200
    assert requests.get(cos_cors.url_for("b.png")).status_code == 200

def test_production_host_intercepted(cos_cors):
    url = f"https://{cos_cors.bucket_host}/c.png"
    assert requests.put(url, data=b"y").status_code == 200
"""


def test_records_say_what_a_browser_needed_and_where_a_request_was_sent(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_browser=BROWSER_SUITE)
    result, document = run_report(pytester)
    result.assert_outcomes(passed=2)
    for record in document["exchanges"]:
        check_record(record)
    preflight, put, get, intercepted = document["exchanges"]
    assert (preflight["needs_preflight"], preflight["covering_preflight"]) == (False, None)
    assert put["needs_preflight"] is True
    assert put["covering_preflight"] == {
        "timestamp": preflight["timestamp"],
        "path": preflight["request"]["path"],
    }
    assert (get["needs_preflight"], get["covering_preflight"], get["via"]) == (False, None, None)
    assert intercepted["operation"] == "PutObject"
    assert intercepted["via"] == f"{BUCKET}.cos.ap-beijing.myqcloud.com"
