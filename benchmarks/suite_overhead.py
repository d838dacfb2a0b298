"""Per-test cost of the cos_cors fixture in a real pytest run: now part of ``python -m
benchmarks`` (see :mod:`benchmarks.per_test`); kept as a shortcut for that section alone.

Usage: ``python -m benchmarks.suite_overhead [N]``.
"""

from __future__ import annotations

import sys

from .per_test import section


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 1000
    for row in section(n, max(3, n // 20)).rows:
        print(f"{row.name}: {row.value}  {row.baseline}  {row.ratio}")


if __name__ == "__main__":
    main(sys.argv[1:])
