"""How long ``diff_configurations`` takes on two 100-rule configurations (issue 9: under a second).

Usage: ``python -m benchmarks.diff_speed [RUNS]`` from the repository root; prints the median.
The old configuration has 100 rules in the shapes production buckets use (literal origins,
``https://*.`` wildcards, ``*``; literal and wildcard headers; expose headers and max-age); the
new one is a typical deploy of it (rules reordered, removed and added, a wildcard narrowed, a
method and a header removed, MaxAge and ExposeHeader changed), and a second pair compares the
configuration with no configuration at all.
"""

from __future__ import annotations

import statistics
import sys
import time

from pytest_cos_cors import CORSConfiguration, CORSRule
from pytest_cos_cors.diff import diff_configurations

METHODS = ("PUT", "GET", "POST", "DELETE", "HEAD")
HEADER_POOL = (
    "content-type",
    "content-md5",
    "range",
    "x-cos-meta-*",
    "x-cos-acl",
    "authorization",
    "x-cos-security-token",
)


def rule(i: int) -> CORSRule:
    origins = [f"https://app{i}.example.com"]
    if i % 3 == 0:
        origins.append(f"https://*.team{i % 10}.example.com")
    if i % 25 == 0:
        origins = ["*"]
    methods = [m for k, m in enumerate(METHODS) if (i >> k) & 1] or ["GET"]
    headers: tuple[str, ...] = ("*",) if i % 7 == 0 else HEADER_POOL[: i % 5]
    return CORSRule(
        origins,
        methods,
        headers,
        ("ETag", "Content-Length") if i % 2 else (),
        600 if i % 4 else None,
        id=f"rule-{i}",
    )


def configurations() -> tuple[CORSConfiguration, CORSConfiguration]:
    rules = [rule(i) for i in range(100)]
    changed = list(rules)
    changed[10], changed[11] = changed[11], changed[10]  # reordered
    del changed[20]  # removed
    changed.append(rule(100))  # added
    changed[30] = CORSRule(  # wildcard narrowed
        ["https://app30.example.com", "https://a.team0.example.com"],
        rules[30].allowed_methods,
        rules[30].allowed_headers,
        id="rule-30",
    )
    changed[40] = CORSRule(["https://app41.example.com"], ["GET"], ["range"], id="rule-41")
    changed[50] = CORSRule(
        rules[51].allowed_origins, rules[51].allowed_methods, (), ("ETag",), 60, id="rule-51"
    )
    return CORSConfiguration(rules), CORSConfiguration(changed)


def fresh(configuration: CORSConfiguration | None) -> CORSConfiguration | None:
    """A new object, so that no evaluator memo from an earlier run helps this one."""
    if configuration is None:
        return None
    return CORSConfiguration(configuration.rules, configuration.response_vary)


def median_seconds(
    old: CORSConfiguration | None, new: CORSConfiguration | None, runs: int
) -> tuple[float, int]:
    times, changes = [], 0
    for _ in range(runs):
        left, right = fresh(old), fresh(new)
        start = time.perf_counter()
        changes = len(diff_configurations(left, right))
        times.append(time.perf_counter() - start)
    return statistics.median(times), changes


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 7
    old, new = configurations()
    for name, left, right in (
        ("100 rules -> edited 100 rules", old, new),
        ("100 rules -> no configuration", old, None),
        ("no configuration -> 100 rules", None, new),
    ):
        seconds, changes = median_seconds(left, right, runs)
        print(f"{name}: median {seconds * 1000:.0f} ms over {runs} runs, {changes} changes")


if __name__ == "__main__":
    main(sys.argv[1:])
