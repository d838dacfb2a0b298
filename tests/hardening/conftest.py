"""Shared helpers of the hardening tests: a started endpoint, raw HTTP exchanges, COS error
checks, and a Linux inotify watch that sees any process opening a file."""

from __future__ import annotations

import ctypes
import ctypes.util
import http.client
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from pytest_cos_cors.endpoint import CosCorsEndpoint

BUCKET = "examplebucket-1250000000"
HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
ERROR_FIELDS = ("Code", "Message", "Resource", "RequestId", "TraceId")


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    version: int
    headers: list[tuple[str, str]]
    body: bytes

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def error(self) -> dict[str, str]:
        """The COS ``<Error>`` body as {field: text}; fails unless it is one."""
        __tracebackhide__ = True
        root = etree.fromstring(self.body, etree.XMLParser(resolve_entities=False))
        assert root.tag == "Error", self.body
        fields = {child.tag: child.text or "" for child in root}
        assert list(fields) == list(ERROR_FIELDS), self.body
        return fields


def exchange(port: int, request: bytes, method: str, timeout: float = 10) -> Answer:
    """Send ``request`` as raw bytes, read one response with http.client's strict parser."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock, method=method)
        try:
            response.begin()
            body = response.read()
            return Answer(
                response.status,
                response.reason,
                response.version,
                list(response.getheaders()),
                body,
            )
        finally:
            response.close()


def build_request(
    method: str,
    target: str,
    headers: list[tuple[str, str]] | list[tuple[bytes, bytes]],
    body: bytes = b"",
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1")]
    for name, value in headers:
        k = name if isinstance(name, bytes) else name.encode("latin-1")
        v = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(k + b": " + v)
    lines.append(b"Connection: close")
    if body or method in ("PUT", "POST"):
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def request(
    ep: CosCorsEndpoint,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    host: str = HOST,
) -> Answer:
    pairs = [("Host", host), *(headers or {}).items()]
    return exchange(ep.port, build_request(method, target, pairs, body), method)


def assert_cos_error(answer: Answer, status: int, code: str, message: str | None = None) -> None:
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
