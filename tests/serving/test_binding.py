"""Defect 1: the listening socket is bound to exactly the host asked for, never to every
interface, and never on a port this process released recently, over thousands of cycles and
from several threads at once. The address is read from the kernel's tables (/proc/net/tcp and
tcp6, matched by the socket's inode), never from an attribute."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading

import pytest
from listening import listening_sockets

from pytest_cos_cors.recording import Problems
from pytest_cos_cors.serving import ports

from .conftest import Engine, Served, http_get, open_sockets


def my_socket_inodes() -> set[int]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def new_listeners(before: set[int]) -> list[tuple[str, int]]:
    """What this process listens on with sockets it did not have before."""
    mine = my_socket_inodes() - before
    return [where for inode, where in listening_sockets().items() if inode in mine]


def cycles(
    engine: Engine, count: int, host: str, seen: list[tuple[str, int]] | None, batch: int = 50
) -> list[int]:
    """Start and stop ``count`` servers, ``batch`` of them alive at a time (the kernel's tables
    are read once per batch: each read costs milliseconds); the ports they were given."""
    given: list[int] = []
    while len(given) < count:
        before = my_socket_inodes() if seen is not None else set()
        alive: list[Served] = []
        try:
            for _ in range(min(batch, count - len(given))):
                alive.append(engine.serve(_no_app, host=host))
            if seen is not None:
                seen.extend(new_listeners(before))
            given.extend(served.port for served in alive)
        finally:
            for served in alive:
                served.stop()
    return given


def _no_app(environ: object, start_response: object) -> list[bytes]:
    raise AssertionError("not called")


def test_3000_cycles_bind_exactly_loopback_and_never_a_released_port(engine: Engine) -> None:
    seen: list[tuple[str, int]] = []
    given = cycles(engine, 3000, "127.0.0.1", seen)
    wrong = [where for where in seen if where[0] != "127.0.0.1"]
    assert not wrong, f"{len(wrong)} of {len(seen)} listening sockets off loopback: {wrong[:5]}"
    assert len(seen) == 3000, "each server has exactly one listening socket"
    assert sorted(port for _, port in seen) == sorted(given), "the ports are the ones listened on"
    assert len(set(given)) == len(given), f"{len(given) - len(set(given))} ports handed out again"


def test_released_ports_are_not_handed_out_again_across_threads(engine: Engine) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(cycles(engine, 300, "127.0.0.1", None, batch=1))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    given = [port for ports_given in results for port in ports_given]
    assert len(given) == 1200
    assert len(set(given)) == len(given), f"{len(given) - len(set(given))} ports handed out again"


def test_the_host_asked_for_is_the_address_listened_on(engine: Engine) -> None:
    for host, expected in [("127.0.0.1", "127.0.0.1"), ("localhost", None), ("0.0.0.0", "0.0.0.0")]:
        before = my_socket_inodes()
        served = engine.serve(_no_app, host=host)
        try:
            (where,) = new_listeners(before)
            if expected is None:
                assert ipaddress.ip_address(where[0]).is_loopback
            else:
                assert where == (expected, served.port)
        finally:
            served.stop()


def test_ipv6_loopback(engine: Engine) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    before = my_socket_inodes()
    served = engine.serve(_no_app, host="::1")
    try:
        assert new_listeners(before) == [("::1", served.port)]
    finally:
        served.stop()


def test_a_fixed_port_can_be_bound_again_at_once(engine: Engine) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for _ in range(3):
        server = engine("127.0.0.1", port, _app_ok, Problems())
        server.start()
        try:
            assert server.port == port
            assert http_get(port, "/") == 200
        finally:
            server.stop()


def _app_ok(environ: object, start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "0")])  # type: ignore[operator]
    return []


def test_a_bind_that_cannot_succeed_raises_and_leaves_no_socket() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = open_sockets()
        with pytest.raises(OSError, match="in use"):
            ports.bind("127.0.0.1", port)
        assert open_sockets() == before
