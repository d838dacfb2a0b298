"""Fixtures shared by the test folders: a started endpoint, and inner pytest runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytester_runs
from pytester_runs import RunInner

from pytest_cos_cors.endpoint import CosCorsEndpoint

# Before any pytester run snapshots sys.modules: see pytester_runs.
pytester_runs.preload(*pytester_runs.SHARED_MODULES)


@pytest.fixture
def endpoint() -> Iterator[CosCorsEndpoint]:
    """A started CosCorsEndpoint, stopped and checked (no handler failure, nothing cut) after."""
    ep = CosCorsEndpoint()
    ep.start()
    try:
        yield ep
    finally:
        ep.stop()
    ep.check()


@pytest.fixture
def run_inner(pytester: pytest.Pytester) -> RunInner:
    """Run the pytester suite with the shared options (``pytester_runs.OPTIONS``) then ``args``;
    in a subprocess when ``subprocess=True`` (needed for ``-n``)."""

    def go(*args: str, subprocess: bool = False) -> pytest.RunResult:
        return pytester_runs.run(pytester, *args, subprocess=subprocess)

    return go
