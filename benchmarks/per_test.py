"""Item 1: what the ``cos_cors`` fixture costs each test.

Generated suites run in a subprocess (``python -m pytest``); a small conftest collects every
test's setup and teardown durations from the reports pytest makes (the figures ``--durations``
prints: ``CallInfo`` times each phase with ``time.perf_counter``) and writes them out. The cost
of a test's fixtures is its setup + teardown duration; the cost of the fixture is that minus the
same figure for a test without it.

Suites (each test body makes one preflight where a server exists):

- ``cos_cors``: a fresh fake endpoint per test, rules from ``@pytest.mark.cors_rules``;
- ``plain``: no fixture at all (the floor of pytest's own per-test work);
- ``httpserver per test``: a pytest-httpserver ``HTTPServer`` started and stopped per test (what
  a naive fixture does; werkzeug's shutdown poll makes it slow, so fewer tests are run);
- ``httpserver session``: one session-scoped ``HTTPServer`` for the whole suite (the whole-suite
  wall time is compared, folded in from the former ``suite_overhead.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import Section, median, ms, ratio

CONFTEST = """
import json, os
import pytest

_DURATIONS = {}

def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        _DURATIONS.setdefault(report.nodeid, {})[report.when] = report.duration

def pytest_sessionfinish(session):
    with open(os.environ["COS_CORS_BENCH_OUT"], "w") as handle:
        json.dump(_DURATIONS, handle)
"""

PREFLIGHT = """
def preflight(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("OPTIONS", path, headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "PUT"})
    status = conn.getresponse().status
    conn.close()
    return status
"""

SUITES = {
    "cos_cors": """
import http.client
import pytest
%(preflight)s
@pytest.mark.parametrize("n", range(%(n)d))
@pytest.mark.cors_rules({"AllowedOrigin": "https://app.example", "AllowedMethod": "PUT",
                         "AllowedHeader": "*"})
def test_preflight(cos_cors, n):
    assert preflight(cos_cors.port, f"/{cos_cors.bucket}/k{n}") == 200
""",
    "plain": """
import pytest

@pytest.mark.parametrize("n", range(%(n)d))
def test_plain(n):
    assert n >= 0
""",
    "httpserver per test": """
import http.client
import pytest
from pytest_httpserver import HTTPServer
%(preflight)s
@pytest.fixture
def server():
    s = HTTPServer(host="127.0.0.1")
    s.expect_request("/bucket/k", method="OPTIONS").respond_with_data("")
    s.start()
    yield s
    s.clear()
    s.stop()

@pytest.mark.parametrize("n", range(%(n)d))
def test_preflight(server, n):
    assert preflight(server.port, "/bucket/k") == 200
""",
    "httpserver session": """
import http.client
import pytest
from pytest_httpserver import HTTPServer
%(preflight)s
@pytest.fixture(scope="session")
def server():
    s = HTTPServer(host="127.0.0.1")
    s.expect_request("/bucket/k", method="OPTIONS").respond_with_data("")
    s.start()
    yield s
    s.clear()
    s.stop()

@pytest.mark.parametrize("n", range(%(n)d))
def test_preflight(server, n):
    assert preflight(server.port, "/bucket/k") == 200
""",
}


def run_suite(folder: Path, name: str, n: int) -> tuple[float, list[float]]:
    """Run one generated suite; its wall time and every test's setup + teardown seconds."""
    slug = name.replace(" ", "_")
    path = folder / f"test_{slug}.py"
    path.write_text(SUITES[name] % {"n": n, "preflight": PREFLIGHT})
    out = folder / f"{slug}.json"
    env = {**os.environ, "COS_CORS_BENCH_OUT": str(out)}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:benchmark",
            "-x",
            str(path),
        ],
        check=True,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    durations: dict[str, dict[str, float]] = json.loads(out.read_text())
    return wall, [d.get("setup", 0.0) + d.get("teardown", 0.0) for d in durations.values()]


def measure(n: int, n_server: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")
        (folder / "conftest.py").write_text(CONFTEST)
        for name in SUITES:
            size = n_server if name == "httpserver per test" else n
            wall, costs = run_suite(folder, name, size)
            results[name] = {"tests": size, "wall_s": wall, "costs": costs}
    return results


def section(n: int, n_server: int) -> Section:
    r = measure(n, n_server)
    fake = median(r["cos_cors"]["costs"])
    plain = median(r["plain"]["costs"])
    server = median(r["httpserver per test"]["costs"])
    added = fake - plain
    s = Section(
        "per_test",
        "1. Per-test cost (setup + teardown)",
        "Generated suites run in a subprocess; a conftest collects each test's setup and "
        "teardown durations from pytest's own reports (as `--durations` does) and the median "
        "over the suite is quoted. The fixture's own cost is the `cos_cors` figure minus the "
        "plain-test figure.",
    )
    s.add(
        f"cos_cors + marker, per test (median of {r['cos_cors']['tests']})",
        ms(fake),
        baseline=f"plain test {ms(plain)}",
        ratio=f"+{ms(added)}",
        target="<= 2 ms",
        met=fake <= 0.002,
    )
    s.add(
        f"httpserver started+stopped per test (median of {r['httpserver per test']['tests']})",
        ms(server),
        baseline=f"cos_cors {ms(fake)}",
        ratio=f"{ratio(server / fake)} slower",
        target=">= 250x",
        met=server / fake >= 250,
    )
    s.add(
        "fixture cost alone (cos_cors - plain)",
        ms(added),
        ratio=f"{ratio(server / added)} faster than a server per test" if added > 0 else "",
    )
    fake_wall = r["cos_cors"]["wall_s"]
    session_wall = r["httpserver session"]["wall_s"]
    s.add(
        f"whole suite of {n}: cos_cors per test vs one session httpserver",
        f"{fake_wall:.2f} s",
        baseline=f"{session_wall:.2f} s",
        ratio=f"+{ms((fake_wall - session_wall) / n)} per test",
    )
    s.notes.append(
        f"The pytest-httpserver-per-test suite runs {r['httpserver per test']['tests']} tests "
        "only: each costs about half a second (werkzeug's shutdown poll), and its median is "
        "steady long before 200."
    )
    return s
