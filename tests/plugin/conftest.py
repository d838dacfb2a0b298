from __future__ import annotations

from collections.abc import Callable

import pytest

# Imported here, before pytester snapshots sys.modules, so that in-process runs share one copy
# (a fresh copy per run breaks requests' isinstance checks between runs).
import requests  # noqa: F401

# The same for the package's own modules: ``pytest_cos_cors`` loads them lazily, and a module
# first imported inside one in-process run would be dropped after it while the package kept it
# as an attribute, leaving the next run with two copies of CosError, CORSConfiguration...
import pytest_cos_cors.endpoint
import pytest_cos_cors.markers
import pytest_cos_cors.report  # noqa: F401

Run = Callable[..., pytest.RunResult]


@pytest.fixture
def run(pytester: pytest.Pytester) -> Run:
    """Run the pytester suite in-process with warnings as errors."""

    def go(*args: str) -> pytest.RunResult:
        return pytester.runpytest("-W", "error", "-p", "no:cacheprovider", *args)

    return go
