"""Issue 16: what interception costs per test (target: under 0.2 ms added per test).

``python -m benchmarks.intercept_cost [--quick]`` (or ``python benchmarks/intercept_cost.py``).

- In process: one interception begun and ended (``with endpoint.intercept(): pass`` on a started
  endpoint: the patches installed and removed, the test's threads listed twice), ``timeit``,
  the median of several rounds, per call; and what a resolution of a name that is *not* a COS
  host name costs more while an interception is active (``socket.getaddrinfo("127.0.0.1",
  80)`` patched and not).
- Per test: pytest sessions, each in its own process, of ``--tests`` tests that use
  ``cos_cors`` and do nothing else, with ``cos_cors_intercept = true`` and ``= false``,
  rounds interleaved; the median session's time per test, and the difference.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PYTEST
from pytest_cos_cors.endpoint import CosCorsEndpoint

TARGET = 0.2e-3
ROOT = Path(__file__).resolve().parent.parent

_TESTS = """
def test_it(cos_cors, n):
    pass

def pytest_generate_tests(metafunc):
    metafunc.parametrize("n", range({count}))
"""


def in_process(number: int, repeat: int) -> tuple[float, float, float]:
    """(begin+end of one interception, getaddrinfo of a non-COS name unpatched, patched)."""
    with CosCorsEndpoint() as endpoint:

        def once() -> None:
            with endpoint.intercept():
                pass

        cycle = min_median(timeit.repeat(once, number=number, repeat=repeat), number)
        plain = min_median(
            timeit.repeat(
                lambda: socket.getaddrinfo("127.0.0.1", 80), number=number * 10, repeat=repeat
            ),
            number * 10,
        )
        with endpoint.intercept():
            patched = min_median(
                timeit.repeat(
                    lambda: socket.getaddrinfo("127.0.0.1", 80), number=number * 10, repeat=repeat
                ),
                number * 10,
            )
    return cycle, plain, patched


def min_median(rounds: list[float], number: int) -> float:
    return statistics.median(rounds) / number


def _session(directory: Path, intercept: bool) -> float:
    (directory / "pytest.ini").write_text(
        f"[pytest]\ncos_cors_intercept = {'true' if intercept else 'false'}\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    command = [*PYTEST, "-p", "no:playwright", "-p", "no:xdist", str(directory)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    return elapsed


def per_test(count: int, rounds: int) -> tuple[float, float]:
    """(seconds per test with interception, without): median of interleaved sessions."""
    on: list[float] = []
    off: list[float] = []
    with tempfile.TemporaryDirectory(prefix="intercept-cost-") as name:
        directory = Path(name)
        (directory / "test_many.py").write_text(_TESTS.format(count=count))
        for _ in range(rounds):
            on.append(_session(directory, True))
            off.append(_session(directory, False))
    return statistics.median(on) / count, statistics.median(off) / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--number", type=int, default=2000, help="interceptions per round")
    parser.add_argument("--repeat", type=int, default=7, help="rounds")
    parser.add_argument("--tests", type=int, default=1000, help="tests per pytest session")
    parser.add_argument("--sessions", type=int, default=9, help="sessions of each kind")
    args = parser.parse_args(argv)
    number, repeat = (50, 3) if args.quick else (args.number, args.repeat)
    tests, sessions = (20, 1) if args.quick else (args.tests, args.sessions)
    cycle, plain, patched = in_process(number, repeat)
    with_, without = per_test(tests, sessions)
    added = with_ - without
    print(f"Interception, in process (timeit: median of {repeat} rounds of {number})")
    print(f"{'one interception begun and ended':<46}{cycle * 1e6:>9.1f} us")
    print(f"{'getaddrinfo of a non-COS name, not patched':<46}{plain * 1e6:>9.2f} us")
    print(f"{'getaddrinfo of a non-COS name, intercepting':<46}{patched * 1e6:>9.2f} us")
    print(f"Per test: pytest sessions of {tests} cos_cors tests, median of {sessions} each")
    print(f"{'cos_cors_intercept = true, per test':<46}{with_ * 1e3:>9.3f} ms")
    print(f"{'cos_cors_intercept = false, per test':<46}{without * 1e3:>9.3f} ms")
    verdict = "met" if max(added, cycle) < TARGET else "NOT MET"
    print(
        f"{'added by interception, per test':<46}{added * 1e3:>9.3f} ms  target < 0.2 ms: {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
