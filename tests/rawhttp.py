"""Raw HTTP for the tests: a request written byte for byte (no header added behind the test's
back), sent over a fresh socket, and the response read with http.client's strict parser, its
headers in order with repeats kept.

The endpoint and hardening folders build their helpers on it (their ``conftest.py``)."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

#: The children of a COS ``<Error>``, in order (SPEC §2).
ERROR_FIELDS = ("Code", "Message", "Resource", "RequestId", "TraceId")

Text = str | bytes


@dataclass(frozen=True)
class RawResponse:
    """A response as it came over the wire: status line, headers in order, body."""

    status: int
    reason: str
    version: int
    headers: list[tuple[str, str]]
    body: bytes

    def all(self, name: str) -> list[str]:
        """Every value of the header ``name`` (any case), in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        """The one value of the header ``name``; fails when it was sent more than once."""
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def names(self) -> list[str]:
        """The header names as sent, in order."""
        return [k for k, _ in self.headers]

    def error(self) -> dict[str, str]:
        """The COS ``<Error>`` body as {field: text}; fails unless it is one."""
        __tracebackhide__ = True
        root = etree.fromstring(self.body, etree.XMLParser(resolve_entities=False))
        assert root.tag == "Error", self.body
        fields = {child.tag: child.text or "" for child in root}
        assert list(fields) == list(ERROR_FIELDS), self.body
        return fields


def _latin1(text: Text) -> bytes:
    return text if isinstance(text, bytes) else text.encode("latin-1")


def build_request(
    method: str,
    target: Text,
    headers: Iterable[tuple[Text, Text]],
    body: bytes | None = None,
    *,
    close: bool = False,
) -> bytes:
    """``METHOD target HTTP/1.1``, the headers exactly as given, ``Connection: close`` when
    ``close``, ``Content-Length`` when there is a body (``b""`` included), then the body."""
    lines = [_latin1(method) + b" " + _latin1(target) + b" HTTP/1.1"]
    lines.extend(_latin1(name) + b": " + _latin1(value) for name, value in headers)
    if close:
        lines.append(b"Connection: close")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def exchange(port: int, request: bytes, method: str, timeout: float = 10) -> RawResponse:
    """Send ``request`` as raw bytes to ``127.0.0.1:port``, read one response (``method`` tells
    the parser whether a body follows)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock, method=method)
        try:
            response.begin()
            body = response.read()
            return RawResponse(
                response.status,
                response.reason,
                response.version,
                list(response.getheaders()),
                body,
            )
        finally:
            response.close()


def send(
    port: int,
    method: str,
    target: Text,
    headers: Iterable[tuple[Text, Text]] = (),
    body: bytes | None = None,
    *,
    close: bool = False,
    timeout: float = 10,
) -> RawResponse:
    """:func:`build_request`, then :func:`exchange`."""
    request = build_request(method, target, headers, body, close=close)
    return exchange(port, request, method, timeout)
