"""``python -m benchmarks [--quick] [--output PATH]``: every figure of issue 6 in one run.

Prints one table and writes it, with the machine and the versions, to ``docs/benchmarks.md``
(or PATH). Medians and ratios against baselines measured in the same run; nothing asserts on
time. ``--quick`` uses tiny sizes (a smoke test of the script itself, figures meaningless).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import evaluator_cost, memory, multipart_upload, per_test, startup, throughput
from .common import Row, Section, machine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"

Sizes = dict[str, dict[str, Any]]

FULL: Sizes = {
    "per_test": {"n": 1000, "n_server": 60},
    "throughput": {"requests": 3000, "seconds": 2.5, "rounds": 3},
    "evaluator": {"number": 20000, "repeat": 7},
    "memory": {"count": 100_000, "cap": 10_000},
    "startup": {"tests": 1000, "runs": 7},
    "diff_speed": {"runs": 5},
    "serving": {"quick": False},
    "browser": {"quick": False},
    "multipart_upload": multipart_upload.FULL,
    "signatures": {"quick": False},
    "intercept": {"quick": False},
}
QUICK: Sizes = {
    "per_test": {"n": 10, "n_server": 2, "whole_n": 10, "rounds": 1},
    "throughput": {"requests": 30, "seconds": 0.5, "rounds": 1},
    "evaluator": {"number": 200, "repeat": 3},
    "memory": {"count": 2000, "cap": 500},
    "startup": {"tests": 20, "runs": 1},
    "diff_speed": {"runs": 1},
    "serving": {"quick": True},
    "browser": {"quick": True},
    "multipart_upload": multipart_upload.QUICK,
    "signatures": {"quick": True},
    "intercept": {"quick": True},
}


def script_section(key: str, title: str, module: str, *args: str) -> Section:
    """A benchmark run as its own script (``python -m benchmarks.<module> args``): its output
    quoted as printed, one row a line."""
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    s = Section(
        key,
        f"{title} (benchmarks/{module}.py)",
        "Run as its own script; its output quoted as printed.",
    )
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0:
        lines.append(f"failed with exit code {done.returncode}: {done.stderr.strip()[-300:]}")
    for line in lines:
        s.add(line, "")
    return s


def diff_speed_section(runs: int) -> Section:
    return script_section("diff_speed", "6. Configuration diff", "diff_speed", str(runs))


def serving_section(quick: bool) -> Section:
    """Issue 13: the HTTP/1.1 engine's start+stop, throughput with new and kept-alive
    connections against a bare pytest-httpserver handler, and its framing cost."""
    args = ["--quick"] if quick else []
    return script_section("serving", "7. Serving engine", "serving_engine", *args)


def browser_section(quick: bool) -> Section:
    """Issue 15: start+stop with TLS ready, TLS's first-use cost, HTTPS per connection, and the
    browser suite's cost per test (pytest-playwright, one Chromium, a fresh context each)."""
    args = ["--quick"] if quick else []
    return script_section("browser", "9. TLS and the session browser", "browser_session", *args)


def signature_section(quick: bool) -> Section:
    """Issue 17: verifying one request signature (target under 50 us) against one CORS decision,
    and a signed request over HTTP with and without credentials."""
    args = ["--quick"] if quick else []
    return script_section("signatures", "10. Signature verification", "signature_cost", *args)


def intercept_section(quick: bool) -> Section:
    """Issue 16: what intercepting the process's COS clients adds per test (target under
    0.2 ms), from whole pytest sessions with interception on and off."""
    args = ["--quick"] if quick else []
    return script_section("intercept", "11. Interception", "intercept_cost", *args)


SECTIONS: dict[str, Callable[..., Section | None]] = {
    "per_test": per_test.section,
    "throughput": throughput.section,
    "evaluator": evaluator_cost.section,
    "memory": memory.section,
    "startup": startup.section,
    "diff_speed": diff_speed_section,
    "serving": serving_section,
    "browser": browser_section,
    "multipart_upload": multipart_upload.section,
    "signatures": signature_section,
    "intercept": intercept_section,
}


def verdict(row: Row) -> str:
    return "" if row.met is None else ("met" if row.met else "MISSED")


def table(sections: list[Section]) -> list[list[str]]:
    rows = [["section", "figure", "value", "baseline / detail", "ratio", "target", ""]]
    for s in sections:
        for r in s.rows:
            rows.append(
                [s.title.split(".")[0], r.name, r.value, r.baseline, r.ratio, r.target, verdict(r)]
            )
    return rows


def print_table(rows: list[list[str]]) -> None:
    widths = [min(60, max(len(r[i]) for r in rows)) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(sections: list[Section], info: dict[str, str], quick: bool, seconds: float) -> str:
    out = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (issue 6); every figure below comes from one run, the "
        "baselines included. Medians and ratios: the machine is shared and noisy. No test "
        "asserts on any of these timings.",
        "",
    ]
    if quick:
        out += ["**`--quick` run: tiny sizes, the figures mean nothing.**", ""]
    out += ["## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {_cell(v)} |" for k, v in info.items()]
    out += [
        f"| run | {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{seconds:.0f} s |",
        "",
    ]
    out += [
        "## Summary",
        "",
        "| section | figure | value | baseline / detail | ratio | target | |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table(sections)[1:]:
        out.append("| " + " | ".join(_cell(c) for c in row) + " |")
    out.append("")
    for s in sections:
        out += [f"## {s.title}", "", s.method, ""]
        out += [
            "| figure | value | baseline / detail | ratio | target | |",
            "|---|---|---|---|---|---|",
        ]
        for r in s.rows:
            cells = [r.name, r.value, r.baseline, r.ratio, r.target, verdict(r)]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
        for note in s.notes:
            out += [note, ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"the markdown file to write (default {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--only", action="append", choices=list(SECTIONS), help="run only this section (repeatable)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    sections: list[Section] = []
    for key, build in SECTIONS.items():
        if args.only and key not in args.only:
            continue
        print(f"== {key} ...", file=sys.stderr, flush=True)
        section = build(**sizes[key])
        if section is not None:
            sections.append(section)
    elapsed = time.perf_counter() - started
    print_table(table(sections))
    info = machine()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown(sections, info, args.quick, elapsed), encoding="utf-8")
    print(f"\nwritten to {args.output} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
