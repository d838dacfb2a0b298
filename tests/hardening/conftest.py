"""Shared helpers of the hardening tests: raw HTTP exchanges (on ``tests/rawhttp.py``), COS error
checks, and a Linux inotify watch that sees any process opening a file."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
import rawhttp
from rawhttp import ERROR_FIELDS, RawResponse, exchange
from values import BUCKET as BUCKET  # re-exported for the tests of this folder
from values import BUCKET_HOST

from pytest_cos_cors.endpoint import CosCorsEndpoint

HOST = BUCKET_HOST


def build_request(
    method: str,
    target: str | bytes,
    headers: list[tuple[str, str]] | list[tuple[bytes, bytes]],
    body: bytes = b"",
) -> bytes:
    """The request as the hardening tests send it: ``Connection: close``, and a
    ``Content-Length`` when there is a body or the method is ``PUT`` or ``POST``."""
    length = body or method in ("PUT", "POST")
    return rawhttp.build_request(method, target, headers, body if length else None, close=True)


def request(
    ep: CosCorsEndpoint,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    host: str = HOST,
) -> RawResponse:
    pairs = [("Host", host), *(headers or {}).items()]
    return exchange(ep.port, build_request(method, target, pairs, body), method)


def assert_cos_error(
    answer: RawResponse, status: int, code: str, message: str | None = None
) -> None:
    __tracebackhide__ = True
    assert answer.status == status, (answer.status, answer.body[:500])
    fields = answer.error()
    assert fields["Code"] == code, fields
    if message is not None:
        assert fields["Message"] == message, fields
    assert all(fields[name] for name in ERROR_FIELDS), fields
    assert fields["RequestId"] == answer.header("x-cos-request-id")
    assert fields["TraceId"] == answer.header("x-cos-trace-id")
    assert answer.all("Server") == ["tencent-cos"]
    assert answer.header("Content-Type") == "application/xml"


# -- inotify: did anybody open this file? -------------------------------------------------------

IN_ACCESS = 0x001
IN_OPEN = 0x020
_EVENT = struct.Struct("iIII")


class FileWatch:
    """Records every open or read of the watched files, by any thread of any process."""

    def __init__(self, *paths: Path) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self._fd: int = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            pytest.skip(f"inotify unavailable: errno {ctypes.get_errno()}")
        self._names: dict[int, Path] = {}
        for path in paths:
            wd = libc.inotify_add_watch(self._fd, os.fsencode(path), IN_OPEN | IN_ACCESS)
            assert wd >= 0, f"cannot watch {path}: errno {ctypes.get_errno()}"
            self._names[wd] = path

    def events(self) -> list[Path]:
        seen: list[Path] = []
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return seen
            offset = 0
            while offset < len(data):
                wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size + length
                seen.append(self._names[wd])

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture
def file_watch() -> Iterator[type[FileWatch]]:
    watches: list[FileWatch] = []

    class Tracked(FileWatch):
        def __init__(self, *paths: Path) -> None:
            super().__init__(*paths)
            watches.append(self)

    yield Tracked
    for watch in watches:
        watch.close()
