"""Shared helpers: statistics, the machine description and the result shape."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata


@dataclass
class Row:
    """One line of the table: a figure, what it is compared with, and whether it meets its
    target (``None``: no target)."""

    section: str
    name: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Section:
    key: str
    title: str
    method: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: str, **kwargs: object) -> Row:
        row = Row(self.title, name, value, **kwargs)  # type: ignore[arg-type]
        self.rows.append(row)
        return row


#: ``python -m pytest`` for a generated suite in a subprocess: quiet, no cache directory written,
#: neither pytest-randomly (a suite runs in its own order) nor pytest-benchmark.
PYTEST = (
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:randomly",
    "-p",
    "no:benchmark",
)


def peak_rss_bytes() -> int:
    """This process's peak resident memory (``VmHWM``; ``ru_maxrss`` where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us"


def ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 100 else f"{value:.0f}x"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


PACKAGES = ("pytest-cos-cors", "pytest", "pytest-httpserver", "werkzeug", "lxml", "moto", "boto3")


def machine() -> dict[str, str]:
    info = {
        "cpus": str(os.cpu_count()),
        "cpu model": cpu_model(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
    }
    for name in PACKAGES:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info
