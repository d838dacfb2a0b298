"""Lifecycle under pytest: 500 tests leave no thread, socket or temporary file behind; a handler
exception fails its test at teardown with the traceback; a request in flight at stop is cut after
the bounded stop timeout and reported, and teardown does not hang."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint, CosCorsEndpointError

LEAK_CONFTEST = """
import gc
import json
import os
import tempfile
import threading


def _sockets():
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def _state():
    return {
        "threads": sorted(t.name for t in threading.enumerate()),
        "sockets": _sockets(),
        "tmp": tempfile.gettempdir(),
    }


BEFORE = _state()


def pytest_sessionfinish(session, exitstatus):
    gc.collect()
    with open(os.environ["COS_CORS_LEAK_REPORT"], "w") as report:
        json.dump({"before": BEFORE, "after": _state()}, report)
"""

MANY_TESTS = """
import pytest
import requests

RULE = {"AllowedOrigin": ["https://app.example"], "AllowedMethod": ["PUT", "GET"],
        "AllowedHeader": ["content-type"]}


@pytest.mark.cors_rules(RULE)
@pytest.mark.parametrize("n", range(500))
def test_many(cos_cors, n):
    response = requests.options(cos_cors.url_for(f"k{n}.txt"), headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 200
    cos_cors.assert_preflight_allowed(origin="https://app.example", method="PUT")
    if n % 5 == 0:
        put = requests.put(cos_cors.url_for(f"k{n}.txt"), data=b"x",
                           headers={"Origin": "https://app.example"})
        assert put.status_code == 200
        assert put.headers["Access-Control-Allow-Origin"] == "https://app.example"
"""

FAILURES = """
import socket
import threading

import pytest
import requests

from pytest_cos_cors.store import Store


@pytest.fixture
def clients():
    threads = []
    yield threads
    for thread in threads:
        thread.join(30)


def test_handler_failure(cos_cors, monkeypatch):
    def broken(*args):
        raise RuntimeError("boom from the handler")

    monkeypatch.setattr(Store, "get_object", broken)
    response = requests.get(cos_cors.url_for("k.txt"))
    assert response.status_code == 500
    assert "<Code>InternalError</Code>" in response.text


def test_slow_upload(clients, cos_cors):
    sent = threading.Event()

    def client():
        with socket.create_connection(("127.0.0.1", cos_cors.port)) as sock:
            sock.sendall(
                b"PUT /examplebucket-1250000000/slow HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n"
                b"Content-Length: 10\\r\\n\\r\\n12345"
            )
            sent.set()
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass

    thread = threading.Thread(target=client)
    thread.start()
    clients.append(thread)
    assert sent.wait(10)
    # the test ends with half the body sent: teardown has to cut it


def test_next_test_is_unaffected(cos_cors):
    assert cos_cors.exchanges == ()
    assert requests.get(cos_cors.url_for("nothing")).status_code == 404
"""


def run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, test: str
) -> tuple[pytest.RunResult, dict[str, dict[str, object]], Path]:
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    report = tmp_path / "leaks.json"
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("COS_CORS_LEAK_REPORT", str(report))
    pytester.makeconftest(LEAK_CONFTEST)
    pytester.makepyfile(test_generated=test)
    result = pytester.runpytest_subprocess(
        "-p", "no:benchmark", "-p", "no:cacheprovider", "-W", "error", timeout=120
    )
    leaks: dict[str, dict[str, object]] = json.loads(report.read_text())
    return result, leaks, tmp


def assert_nothing_left(leaks: dict[str, dict[str, object]], tmp: Path) -> None:
    __tracebackhide__ = True
    before, after = leaks["before"], leaks["after"]
    assert after["threads"] == before["threads"] == ["MainThread"]
    assert isinstance(after["sockets"], int)
    assert isinstance(before["sockets"], int)
    assert after["sockets"] <= before["sockets"]
    assert after["tmp"] == before["tmp"] == str(tmp)
    assert sorted(p.name for p in tmp.iterdir()) == []


def test_500_tests_leave_nothing_behind(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, leaks, tmp = run(pytester, monkeypatch, tmp_path, MANY_TESTS)
    result.assert_outcomes(passed=500)
    assert "ResourceWarning" not in result.stdout.str()
    assert_nothing_left(leaks, tmp)


def test_failures_are_reported_at_teardown_and_nothing_hangs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, leaks, tmp = run(pytester, monkeypatch, tmp_path, FAILURES)
    result.assert_outcomes(passed=3, errors=2)
    out = result.stdout.str()
    # the handler's exception: an error at teardown, with its traceback
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_handler_failure _*",
            "the fake COS endpoint reported 1 problem:",
            "[[]1[]] the endpoint failed on GET /examplebucket-1250000000/k.txt:",
            "Traceback (most recent call last):",
            "*in broken*",
            "RuntimeError: boom from the handler",
        ]
    )
    # the request cut at stop: an error at teardown that says what and why
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_slow_upload _*",
            "[[]1[]] request cut off at stop (*): 'PUT /examplebucket-1250000000/slow*' from *",
        ]
    )
    assert "still in progress after 2.0 s" in out or "never answered" in out
    assert "ERROR test_generated.py::test_handler_failure - Failed: the fake COS endpoint" in out
    assert_nothing_left(leaks, tmp)


def test_a_request_cut_while_its_headers_arrive_is_reported() -> None:
    """A request whose line arrived but whose headers are still coming is in flight: stop()
    waits for it within stop_timeout, then cuts and reports it (it used to be taken for an idle
    connection and dropped silently)."""
    before = set(threading.enumerate())
    endpoint = CosCorsEndpoint()
    endpoint.stop_timeout = 0.2
    endpoint.start()
    with socket.create_connection(("127.0.0.1", endpoint.port)) as client:
        client.sendall(b"PUT /examplebucket-1250000000/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nCont")
        deadline = time.monotonic() + 10
        while not endpoint.requests_in_progress():
            assert time.monotonic() < deadline, "the request line was never taken as a request"
            time.sleep(0.001)
        endpoint.stop()
    assert set(threading.enumerate()) == before
    with pytest.raises(CosCorsEndpointError) as info:
        endpoint.check()
    (problem,) = info.value.problems
    assert problem.startswith(
        "request cut off at stop (still in progress after 0.2 s): "
        "'PUT /examplebucket-1250000000/slow HTTP/1.1' from ('127.0.0.1', "
    )
