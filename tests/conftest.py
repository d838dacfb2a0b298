"""Fixtures shared by the test folders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint


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
