"""Per-test cost of the cos_cors fixture in a real pytest run.

Generates two suites of N tests that each make one preflight: one uses ``cos_cors`` with a marker
(a fresh endpoint per test), the other a session-scoped pytest-httpserver handler (one server
for the whole run). Runs each suite REPEATS times in a subprocess and prints the median wall
times and the per-test difference. Usage: ``python -m benchmarks.suite_overhead [N] [REPEATS]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COS_CORS_SUITE = """
import http.client
import pytest

@pytest.mark.parametrize("n", range({n}))
@pytest.mark.cors_rules({{"AllowedOrigin": "https://app.example", "AllowedMethod": "PUT",
                         "AllowedHeader": "*"}})
def test_preflight(cos_cors, n):
    conn = http.client.HTTPConnection("127.0.0.1", cos_cors.port)
    conn.request("OPTIONS", f"/{{cos_cors.bucket}}/k{{n}}", headers={{
        "Origin": "https://app.example", "Access-Control-Request-Method": "PUT"}})
    assert conn.getresponse().status == 200
    conn.close()
"""

HTTPSERVER_SUITE = """
import http.client
import pytest
from pytest_httpserver import HTTPServer

@pytest.fixture(scope="session")
def server():
    s = HTTPServer()
    s.expect_request("/bucket/k", method="OPTIONS").respond_with_data("")
    s.start()
    yield s
    s.stop()

@pytest.mark.parametrize("n", range({n}))
def test_preflight(server, n):
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    conn.request("OPTIONS", "/bucket/k", headers={{
        "Origin": "https://app.example", "Access-Control-Request-Method": "PUT"}})
    assert conn.getresponse().status == 200
    conn.close()
"""


def _run(folder: Path, name: str, source: str) -> float:
    path = folder / name
    path.write_text(source)
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
            str(path),
        ],
        check=True,
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure(n: int = 1000, repeats: int = 3) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")
        fake = [_run(folder, "test_fake.py", COS_CORS_SUITE.format(n=n)) for _ in range(repeats)]
        base = [_run(folder, "test_base.py", HTTPSERVER_SUITE.format(n=n)) for _ in range(repeats)]
    fake_s, base_s = statistics.median(fake), statistics.median(base)
    return {
        "tests": n,
        "cos_cors_s": fake_s,
        "session_httpserver_s": base_s,
        "added_ms_per_test": (fake_s - base_s) / n * 1000,
    }


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 1000
    repeats = int(argv[1]) if len(argv) > 1 else 3
    figures = measure(n, repeats)
    print(f"suite of {n} tests, median of {repeats} runs")
    print(f"  cos_cors per test (fresh endpoint + marker): {figures['cos_cors_s']:.2f} s")
    print(f"  one session-scoped pytest-httpserver:        {figures['session_httpserver_s']:.2f} s")
    print(f"  added by the fixture: {figures['added_ms_per_test']:.3f} ms per test")


if __name__ == "__main__":
    main(sys.argv[1:])
