"""``benchmarks/signature_cost.py`` runs end to end with tiny sizes and prints every case.

Never a timing assertion: the figures of a ``--quick`` run mean nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "how", [["-m", "benchmarks.signature_cost"], ["benchmarks/signature_cost.py"]]
)
def test_the_benchmark_prints_every_case(how: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, *how, "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for line in (
        "COS, Authorization header",
        "COS, temporary key",
        "COS, presigned URL",
        "AWS SigV4, Authorization header",
        "AWS SigV4, presigned URL",
        "first request of the day",
        "no signature (anonymous)",
        "COS, refused",
        "baseline: evaluate_preflight, 10 rules",
        "every verification under 50 us:",
    ):
        assert line in done.stdout, line
