"""Item 5: import cost, and the plugin's cost on a suite that does not use it.

Imports: ``python -X importtime`` in a fresh interpreter, the cumulative microseconds of the
module's own line (``pytest`` is imported first, so the plugin's figure is its own cost, as in a
pytest run); median of several runs. Collection: ``pytest --co -q`` on 1000 trivial tests in 10
files, with the plugin and with ``-p no:cos_cors`` (pytest then does not even import it), runs
interleaved; median wall time of each.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Section, ms

IMPORTS = {
    "pytest_cos_cors": "import pytest; import pytest_cos_cors",
    "pytest_cos_cors.plugin": "import pytest; import pytest_cos_cors.plugin",
    "pytest_cos_cors.endpoint (first use)": "import pytest; import pytest_cos_cors.endpoint",
}


def import_seconds(statement: str, module: str) -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1e6
    raise RuntimeError(f"{module} not in the import times")


def collect_seconds(folder: Path, extra: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra],
        check=True,
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def section(tests: int, runs: int) -> Section:
    s = Section(
        "startup",
        "5. Import cost and the cost of an unused plugin",
        "`python -X importtime`, the module's cumulative time after `import pytest`, median of "
        f"{runs} fresh interpreters. `pytest --co -q` on {tests} trivial tests (10 files), with "
        f"the plugin and with `-p no:cos_cors`, {runs} interleaved runs each, median wall time.",
    )
    for label, statement in IMPORTS.items():
        module = label.split()[0]
        value = statistics.median(import_seconds(statement, module) for _ in range(runs))
        s.add(f"import {label}", ms(value))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")
        per_file = max(1, tests // 10)
        for f in range(10):
            body = "".join(f"def test_{n}():\n    pass\n\n" for n in range(per_file))
            (folder / f"test_trivial_{f}.py").write_text(body)
        with_plugin, without = [], []
        collect_seconds(folder, [])  # warm the file system cache
        for _ in range(runs):
            with_plugin.append(collect_seconds(folder, []))
            without.append(collect_seconds(folder, ["-p", "no:cos_cors"]))
    on, off = statistics.median(with_plugin), statistics.median(without)
    s.add(
        f"pytest --co on {per_file * 10} tests, with the plugin",
        ms(on),
        baseline=f"-p no:cos_cors {ms(off)}",
        ratio=f"+{ms(on - off)} ({(on / off - 1) * 100:+.1f}%)",
    )
    return s
