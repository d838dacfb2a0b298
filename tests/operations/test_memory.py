"""Memory: a PUT holds one copy of its body, a GET (whole or ranged) copies no whole object, and a
body read then dropped is freed at once, without the garbage collector (no request/environ
reference cycle). Measured with tracemalloc, which sees the endpoint's threads too."""

from __future__ import annotations

import gc
import socket
import time
import tracemalloc

import pytest
from werkzeug.wrappers import Request

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import HOST, MIB

SIZE = 32 * MIB


def exchange(ep: CosCorsEndpoint, head: str, body: bytes | None = None) -> tuple[bytes, int]:
    """Send the head (and body, without copying it), read the answer into one reused buffer;
    the answer's first bytes and its length. Waits until the endpoint is done with it."""
    sink = bytearray(MIB)
    view = memoryview(sink)
    first = b""
    total = 0
    with socket.create_connection(("127.0.0.1", ep.port), timeout=30) as sock:
        sock.sendall(head.encode())
        if body is not None:
            sock.sendall(memoryview(body))
        while received := sock.recv_into(view):
            if not first:
                first = bytes(view[:received])
            total += received
    deadline = time.monotonic() + 10
    while ep.requests_in_progress() and time.monotonic() < deadline:
        time.sleep(0.005)
    return first, total


def put_head(key: str, size: int, extra: str = "") -> str:
    return (
        f"PUT /{key} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {size}\r\n{extra}"
        "Connection: close\r\n\r\n"
    )


def test_a_put_holds_one_copy_of_its_body(endpoint: CosCorsEndpoint) -> None:
    body = bytes(SIZE)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        first, _ = exchange(endpoint, put_head("big", SIZE), body)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first.startswith(b"HTTP/1.1 200 OK")
    assert peak - base < SIZE * 1.1, f"peak {(peak - base) / MIB:.1f} MiB for {SIZE / MIB:.0f} MiB"
    assert current - base >= SIZE  # the object itself, kept


@pytest.mark.parametrize("range_header", ["", f"Range: bytes={MIB}-{SIZE - MIB}\r\n"])
def test_a_get_copies_no_whole_object(endpoint: CosCorsEndpoint, range_header: str) -> None:
    exchange(endpoint, put_head("big", SIZE), bytes(SIZE))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        first, total = exchange(
            endpoint,
            f"GET /big HTTP/1.1\r\nHost: {HOST}\r\n{range_header}Connection: close\r\n\r\n",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert first.startswith(b"HTTP/1.1 206" if range_header else b"HTTP/1.1 200")
    assert total > SIZE - 2 * MIB
    assert peak - base < 4 * MIB, f"peak {(peak - base) / MIB:.1f} MiB"


def test_a_dropped_body_is_freed_without_the_garbage_collector(endpoint: CosCorsEndpoint) -> None:
    body = bytes(16 * MIB)
    wrong = "Content-MD5: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
    exchange(endpoint, put_head("warm-up", 1, wrong), b"x")
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        first, _ = exchange(endpoint, put_head("bad", len(body), wrong), body)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert first.startswith(b"HTTP/1.1 400")
    assert peak - base >= len(body)  # it was read...
    assert current - base < MIB, f"{(current - base) / MIB:.1f} MiB still held"  # ...and freed
    assert endpoint.objects() == {}


def _requests_alive() -> int:
    return sum(isinstance(o, Request) for o in gc.get_objects())


def test_no_request_outlives_its_answer_without_the_garbage_collector(
    endpoint: CosCorsEndpoint,
) -> None:
    """A request object in a cycle with its environ would keep its parsed form (a browser form
    upload's file) until the collector runs."""
    form = (
        b'--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n'
        b'--b\r\nContent-Disposition: form-data; name="x-cos-meta-a"\r\n\r\nbad\rvalue\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
        + b"x" * (4 * MIB)
        + b"\r\n--b--\r\n"
    )
    head = (
        f"POST / HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {len(form)}\r\nConnection: close\r\n\r\n"
    )
    exchange(endpoint, head, form)
    gc.collect()
    gc.disable()
    try:
        before = _requests_alive()
        for _ in range(3):
            first, _ = exchange(endpoint, head, form)
            assert first.startswith(b"HTTP/1.1 400")
            exchange(
                endpoint, f"GET /?prefix=a HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
            )
        after = _requests_alive()
    finally:
        gc.enable()
    assert after == before
