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
- ``httpserver session``: one session-scoped ``HTTPServer`` for the whole suite.

The whole-suite comparison (issue 13's measure: what a user feels) runs ``whole_n`` tests of the
``cos_cors`` suite and of the ``httpserver session`` suite, ``rounds`` times interleaved, and
quotes the median wall times. Bytecode is cached for those runs as on a user's machine
(``PYTHONPYCACHEPREFIX`` in a temporary folder, written by one unmeasured run of each suite):
an installed package comes with its ``.pyc`` files, and a shell with
``PYTHONDONTWRITEBYTECODE`` would otherwise charge the plugin's compile time, and not
pytest-httpserver's (compiled when pip installed it), to every run.
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

from .common import PYTEST, Section, median, ms, ratio

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


def run_suite(
    folder: Path, name: str, n: int, env: dict[str, str] | None = None
) -> tuple[float, list[float]]:
    """Run one generated suite; its wall time and every test's setup + teardown seconds."""
    slug = name.replace(" ", "_")
    path = folder / f"test_{slug}.py"
    path.write_text(SUITES[name] % {"n": n, "preflight": PREFLIGHT})
    out = folder / f"{slug}.json"
    env = {**(os.environ if env is None else env), "COS_CORS_BENCH_OUT": str(out)}
    started = time.perf_counter()
    subprocess.run(
        [*PYTEST, "-x", str(path)],
        check=True,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    durations: dict[str, dict[str, float]] = json.loads(out.read_text())
    return wall, [d.get("setup", 0.0) + d.get("teardown", 0.0) for d in durations.values()]


WHOLE = ("cos_cors", "httpserver session")


def cached_bytecode_env(prefix: Path) -> dict[str, str]:
    """The environment for runs with bytecode cached under ``prefix``, warmed once."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    warm = "import pytest, pytest_cos_cors.plugin, pytest_cos_cors.endpoint, pytest_httpserver"
    subprocess.run([sys.executable, "-c", warm], check=True, env=env)
    return env


def measure(n: int, n_server: int, whole_n: int = 500, rounds: int = 5) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")
        (folder / "conftest.py").write_text(CONFTEST)
        for name in SUITES:
            size = n_server if name == "httpserver per test" else n
            wall, costs = run_suite(folder, name, size)
            results[name] = {"tests": size, "wall_s": wall, "costs": costs}
        env = cached_bytecode_env(folder / "pycache")
        walls: dict[str, list[float]] = {name: [] for name in WHOLE}
        for name in WHOLE:  # one unmeasured run each: caches warm, the test file rewritten
            run_suite(folder, name, whole_n, env)
        for _ in range(rounds):
            for name in WHOLE:
                walls[name].append(run_suite(folder, name, whole_n, env)[0])
        results["whole"] = {"tests": whole_n, "rounds": rounds, "walls": walls}
    return results


def section(n: int, n_server: int, whole_n: int = 500, rounds: int = 5) -> Section:
    r = measure(n, n_server, whole_n, rounds)
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
    whole = r["whole"]
    fake_wall = median(whole["walls"]["cos_cors"])
    session_wall = median(whole["walls"]["httpserver session"])
    added_wall = (fake_wall - session_wall) / whole["tests"]
    s.add(
        f"whole suite of {whole['tests']}: cos_cors per test vs one session httpserver "
        f"(median of {whole['rounds']} interleaved runs each)",
        f"{fake_wall:.3f} s",
        baseline=f"{session_wall:.3f} s",
        ratio=f"{'+' if added_wall >= 0 else '-'}{ms(abs(added_wall))} per test",
        target="<= +0.5 ms per test",
        met=added_wall <= 0.0005,
    )
    s.notes.append(
        "Whole-suite runs, in order: "
        + "; ".join(
            f"{name} " + ", ".join(f"{w:.3f}" for w in whole["walls"][name]) + " s"
            for name in WHOLE
        )
        + ". Bytecode cached (see the module's text)."
    )
    s.notes.append(
        f"The pytest-httpserver-per-test suite runs {r['httpserver per test']['tests']} tests "
        "only: each costs about half a second (werkzeug's shutdown poll), and its median is "
        "steady long before 200."
    )
    return s
