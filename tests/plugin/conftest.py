from __future__ import annotations

from collections.abc import Callable

import pytest

# Imported here, before pytester snapshots sys.modules, so that in-process runs share one copy
# (a fresh copy per run breaks requests' isinstance checks between runs).
import requests  # noqa: F401

Run = Callable[..., pytest.RunResult]


@pytest.fixture
def run(pytester: pytest.Pytester) -> Run:
    """Run the pytester suite in-process with warnings as errors."""

    def go(*args: str) -> pytest.RunResult:
        return pytester.runpytest("-W", "error", "-p", "no:cacheprovider", *args)

    return go
