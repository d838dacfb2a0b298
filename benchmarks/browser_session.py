"""TLS and the session browser (issue 15).

``python -m benchmarks.browser_session [--quick]`` prints one figure a line, every one measured
in this run:

1. start+stop of a ``CosCorsEndpoint`` that can answer TLS (its key and certificates are made
   on first use only), median of many;
2. the first use of TLS in a fresh process: importing ``cryptography`` and making the key pair
   and the authority, the first server context, a certificate for a new host name, and the
   first HTTPS request to an endpoint as a client sees it;
3. a request on a new connection, HTTPS (a full TLS 1.3 handshake, done by the selector loop)
   against plain HTTP, and on a kept-alive HTTPS connection;
4. the browser suite's cost per test: a generated pytest-playwright suite (one Chromium for the
   session, Debian's, started with ``cos_cors_browser_args``), each test a fresh context and
   page, a page served by ``serve_origin`` at ``https://app.example.com``, and one
   preflight + PUT to ``https://<bucket>.cos.<region>.myqcloud.com``; a conftest collects each
   test's setup + call + teardown from pytest's reports, and the median after the first test
   (which launches the browser) is quoted, with the machine's load average: the figure is
   Chromium's, and a busy machine slows it. Measured with Debian's ``chromium`` (the full
   browser in its new headless mode: each new page costs it three renderer processes, one of
   them for the browser's own WebUI) and, when installed, Debian's ``chromium-headless-shell``
   (one renderer per page).

Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import PYTEST

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Debian's package of Chromium's old headless shell (``apt-get install chromium-headless-shell``):
#: what Playwright itself runs for headless Chromium; measured too when it is installed.
HEADLESS_SHELL = shutil.which("chromium-headless-shell")

FIRST_USE = r"""
import json, time
t0 = time.perf_counter()
from pytest_cos_cors import tls
t1 = time.perf_counter()
import cryptography.x509, cryptography.hazmat.primitives.asymmetric.ec
t2 = time.perf_counter()
tls.identity()
t3 = time.perf_counter()
tls.server_context()
t4 = time.perf_counter()
tls.identity().context_for("app.example.com")
t5 = time.perf_counter()
print(json.dumps({"import_tls": t1 - t0, "import_cryptography": t2 - t1, "identity": t3 - t2,
                  "server_context": t4 - t3, "name": t5 - t4}))
"""
FIRST_REQUEST = r"""
import json, time, ssl, http.client
from pytest_cos_cors import CosCorsEndpoint

def ask(endpoint, context):
    conn = http.client.HTTPSConnection("127.0.0.1", endpoint.port, context=context)
    conn.request("GET", f"/{endpoint.bucket}/missing")
    conn.getresponse().read()
    conn.close()

with CosCorsEndpoint() as endpoint:
    unverified = ssl._create_unverified_context()  # the client's own cost stays out
    t0 = time.perf_counter()
    ask(endpoint, unverified)  # the server makes the key, authority, context and certificate
    t1 = time.perf_counter()
    ask(endpoint, unverified)
    t2 = time.perf_counter()
print(json.dumps({"first_https": t1 - t0, "second_https": t2 - t1}))
"""

CONFTEST = """
import json, os
import pytest

CHROMIUM = %(chromium)r
_DURATIONS = {}

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, cos_cors_browser_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": [*browser_type_launch_args.get("args", []), *cos_cors_browser_args]}

def pytest_runtest_logreport(report):
    _DURATIONS.setdefault(report.nodeid, {})[report.when] = report.duration

def pytest_sessionfinish(session):
    with open(os.environ["COS_CORS_BENCH_OUT"], "w") as handle:
        json.dump(_DURATIONS, handle)
"""

SUITE = """
import pytest

PAGE = "<!doctype html><title>app</title>"
PUT = '''async (url) => {
    const r = await fetch(url, {method: "PUT", headers: {"Content-Type": "image/png"}, body: "x"});
    return r.status;
}'''

@pytest.mark.parametrize("n", range(%(n)d))
@pytest.mark.cors_rules({"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"],
                         "AllowedHeader": ["content-type"], "MaxAgeSeconds": 600})
def test_upload(page, cos_cors, n):
    page.goto(cos_cors.serve_origin("https://app.example.com", PAGE))
    assert page.evaluate(PUT, cos_cors.cos_url_for(f"k{n}.png", scheme="https")) == 200
    assert [e.method for e in cos_cors.exchanges] == ["OPTIONS", "PUT"]
"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def start_stop(count: int) -> list[float]:
    from pytest_cos_cors import CosCorsEndpoint

    times = []
    for _ in range(count):
        endpoint = CosCorsEndpoint()
        started = time.perf_counter()
        endpoint.start()
        endpoint.stop()
        times.append(time.perf_counter() - started)
    return times


def first_use() -> dict[str, float]:
    """The parts, then the whole, each in a fresh process."""
    result: dict[str, float] = {}
    for code in (FIRST_USE, FIRST_REQUEST):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        result.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return result


def connections(count: int) -> dict[str, list[float]]:
    from pytest_cos_cors import CosCorsEndpoint

    out: dict[str, list[float]] = {"http": [], "https": [], "https kept alive": []}
    with CosCorsEndpoint() as endpoint:
        context = endpoint.ssl_context()
        path = f"/{endpoint.bucket}/missing"

        def ask(conn: http.client.HTTPConnection) -> None:
            conn.request("GET", path)
            conn.getresponse().read()

        ask(http.client.HTTPSConnection("127.0.0.1", endpoint.port, context=context))  # warm
        kept = http.client.HTTPSConnection("127.0.0.1", endpoint.port, context=context)
        ask(kept)
        for _ in range(count):
            for name in ("http", "https"):
                conn: http.client.HTTPConnection
                if name == "http":
                    conn = http.client.HTTPConnection("127.0.0.1", endpoint.port)
                else:
                    conn = http.client.HTTPSConnection("127.0.0.1", endpoint.port, context=context)
                started = time.perf_counter()
                ask(conn)
                out[name].append(time.perf_counter() - started)
                conn.close()
            started = time.perf_counter()
            ask(kept)
            out["https kept alive"].append(time.perf_counter() - started)
        kept.close()
        endpoint.clear_log()
    return out


def browser_unavailable() -> str | None:
    if importlib.util.find_spec("pytest_playwright") is None:
        return "pytest-playwright is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}"
    return None


def browser_suite(tests: int, chromium: str) -> tuple[list[float], float, str]:
    """Per-test durations (seconds, in run order) of the generated suite, its wall time, and
    pytest's last line."""
    with tempfile.TemporaryDirectory(prefix="cos-cors-bench-browser-") as directory:
        folder = Path(directory)
        (folder / "conftest.py").write_text(CONFTEST % {"chromium": chromium})
        (folder / "test_suite.py").write_text(SUITE % {"n": tests})
        out = folder / "durations.json"
        env = {**os.environ, "COS_CORS_BENCH_OUT": str(out)}
        env.pop("PYTEST_ADDOPTS", None)
        started = time.perf_counter()
        done = subprocess.run(
            [*PYTEST, "-W", "error"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        last = (done.stdout.strip().splitlines() or [""])[-1]
        if done.returncode != 0:
            raise RuntimeError(
                f"the browser suite failed: {done.stdout[-1500:]}{done.stderr[-500:]}"
            )
        durations = json.loads(out.read_text())
    per_test = [sum(phases.values()) for phases in durations.values()]
    return per_test, wall, last


def quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser_session")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    args = parser.parse_args(argv)
    quick = args.quick

    times = start_stop(20 if quick else 500)
    print(
        f"endpoint start+stop, TLS-ready (median of {len(times)}): "
        f"{ms(statistics.median(times))} (target < 1 ms)"
    )

    first = first_use()
    print(
        "first use of TLS in a process: "
        f"import cryptography {ms(first['import_cryptography'])}, "
        f"key pair + authority {ms(first['identity'])}, "
        f"first server context {ms(first['server_context'])}, "
        f"a certificate for a new name {ms(first['name'])}"
    )
    print(
        f"first HTTPS request of a process (the server makes its key, authority, context and "
        f"certificate; as a client sees it): {ms(first['first_https'])}; the next one on a new "
        f"connection {ms(first['second_https'])}"
    )

    made = connections(10 if quick else 300)
    print(
        "a request on a new connection (median of "
        f"{len(made['http'])}): http {ms(statistics.median(made['http']))}, "
        f"https {ms(statistics.median(made['https']))} (TLS 1.3 handshake in the selector loop); "
        f"kept-alive https {ms(statistics.median(made['https kept alive']))}"
    )

    why = browser_unavailable()
    if why is not None:
        print(f"browser suite per test: skipped ({why})")
        return 0
    tests = 3 if quick else 25
    browsers = [("chromium", CHROMIUM)]
    if HEADLESS_SHELL is not None:
        browsers.append(("chromium-headless-shell", HEADLESS_SHELL))
    for name, executable in browsers:
        load = os.getloadavg()[0]
        per_test, wall, last = browser_suite(tests, executable)
        after = per_test[1:]
        print(
            f"browser suite per test after the first, {name} (fresh context + page + served "
            f"https origin + preflight + PUT; median of {len(after)}): "
            f"{ms(statistics.median(after))} (p90 {ms(quantile(after, 0.9))}; target < 150 ms)"
        )
        print(
            f"browser suite, {name}: first test (launches the browser) {ms(per_test[0])}; the "
            f"whole suite of {len(per_test)} {wall:.2f} s ({last}); load average at start "
            f"{load:.2f} on {os.cpu_count()} CPUs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
