"""The endpoint listens on 127.0.0.1 unless told otherwise; another address only with host=
(or the cos_cors_host setting)."""

from __future__ import annotations

import inspect
import socket

import pytest
from listening import listening, listening_sockets

from pytest_cos_cors.endpoint import CosCorsEndpoint


def outside_address() -> str:
    """An address of this machine that is not loopback, or skip."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
        except OSError:
            pytest.skip("no route off the loopback interface")
        address: str = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no non-loopback address")
    return address


def reachable(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except ConnectionRefusedError:
        return False


def test_binds_loopback_by_default() -> None:
    with CosCorsEndpoint() as endpoint:
        assert endpoint.host == "127.0.0.1"
        assert listening(endpoint.port) == {"127.0.0.1"}
        assert endpoint.url == f"http://127.0.0.1:{endpoint.port}"
        assert reachable("127.0.0.1", endpoint.port)
        assert not reachable(outside_address(), endpoint.port)


def test_another_address_only_when_asked() -> None:
    outside = outside_address()
    with CosCorsEndpoint(host="0.0.0.0") as endpoint:
        assert listening(endpoint.port) == {"0.0.0.0"}
        assert endpoint.url == f"http://127.0.0.1:{endpoint.port}"
        assert reachable(outside, endpoint.port)
    with CosCorsEndpoint(host=outside) as endpoint:
        assert listening(endpoint.port) == {outside}
        assert endpoint.url == f"http://{outside}:{endpoint.port}"
        assert not reachable("127.0.0.1", endpoint.port)


def test_the_fixture_binds_loopback_unless_configured(pytester: pytest.Pytester) -> None:
    helper = (
        "import ipaddress\nfrom pathlib import Path\n\n"
        + inspect.getsource(listening_sockets)
        + "\n\n"
        + inspect.getsource(listening)
    )
    pytester.makepyfile(
        test_default=helper
        + """
def test_it(cos_cors):
    assert listening(cos_cors.port) == {"127.0.0.1"}
""",
        test_configured=helper
        + """
import pytest

@pytest.fixture
def cos_cors_settings():
    return {"host": "0.0.0.0"}

def test_it(cos_cors):
    assert listening(cos_cors.port) == {"0.0.0.0"}
    assert cos_cors.url.startswith("http://127.0.0.1:")
""",
    )
    result = pytester.runpytest(
        "-W", "error", "-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:playwright"
    )
    result.assert_outcomes(passed=2)
