"""The benchmark script runs end to end with tiny sizes and reports every section.

Never a timing assertion: the figures of a ``--quick`` run mean nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = (
    "1. Per-test cost",
    "2. Preflight throughput and latency",
    "3. Evaluator cost per decision",
    "4. Memory of the exchange log",
    "5. Import cost and the cost of an unused plugin",
    "8. Multipart upload and large bodies (benchmarks/multipart_upload.py)",
    "10. Signature verification (benchmarks/signature_cost.py)",
    "11. Interception (benchmarks/intercept_cost.py)",
)
FIGURES = (
    "cos_cors + marker, per test",
    "httpserver started+stopped per test",
    "cos_cors fake, 1 client",
    "cos_cors fake, 8 clients",
    "httpserver bare (default)",
    "moto ThreadedMotoServer",
    "100 rules, match none",
    "peak RSS after",
    "live endpoint, max_exchanges=5",
    "import pytest_cos_cors.plugin",
    "pytest --co on",
    "peak RSS growth, multipart upload",
    "added by verification, per request",
    "added by interception, per test",
)


def test_quick_run_writes_every_section(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for figure in FIGURES:
        assert figure in done.stdout, figure
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert "--quick" in text
    for heading in ("## Machine", "## Summary", *(f"## {s}" for s in SECTIONS)):
        assert heading in text, heading
    for figure in FIGURES:
        assert figure in text, figure
    for key in ("cpus", "cpu model", "python", "pytest-httpserver", "moto"):
        assert f"| {key} |" in text, key
