"""How the tests run an inner pytest session with ``pytester``: one set of options, one helper.

Every inner run gets :data:`OPTIONS`: warnings are errors (as in the outer suite), no cache
directory is written, pytest-benchmark is off (under pytest-xdist it warns that it disables
itself, which ``-W error`` would turn into a failure), and so is pytest-playwright (it wraps
every test's call in a soft-assertion scope, and an in-process inner run would nest a second
one, which Playwright refuses). A run in a subprocess gets the same.

:func:`preload` imports modules before ``pytester`` snapshots ``sys.modules``: in-process runs
then share one copy of them. A fresh copy per run breaks ``isinstance`` checks between runs
(requests' exceptions, the package's own classes, which ``pytest_cos_cors`` loads lazily and
would otherwise keep as attributes after a run dropped their module).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Protocol

import pytest

OPTIONS = ("-W", "error", "-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:playwright")

#: What every folder's inner runs load: requests and the package's lazily loaded modules.
SHARED_MODULES = (
    "requests",
    "pytest_cos_cors.assertions",
    "pytest_cos_cors.endpoint",
    "pytest_cos_cors.markers",
    "pytest_cos_cors.report",
    "pytest_cos_cors.warning",
)


def preload(*modules: str) -> None:
    """Import ``modules`` now, before any ``pytester`` run (call it from a ``conftest.py``)."""
    for name in modules:
        importlib.import_module(name)


def run(pytester: pytest.Pytester, *args: str, subprocess: bool = False) -> pytest.RunResult:
    """Run the inner suite with :data:`OPTIONS` then ``args``, in-process unless ``subprocess``
    (needed for ``-n``: pytest-xdist's workers are processes)."""
    go = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    return go(*OPTIONS, *args)


class RunInner(Protocol):
    """The ``run_inner`` fixture (``tests/conftest.py``): :func:`run` bound to ``pytester``."""

    def __call__(self, *args: str, subprocess: bool = False) -> pytest.RunResult: ...


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with :data:`OPTIONS` in
    ``PYTEST_ADDOPTS``, for a ``python -m pytest`` started by other means."""
    env = dict(os.environ if base is None else base)
    env["PYTEST_ADDOPTS"] = " ".join(OPTIONS)
    return env
