"""Fixtures for the endpoint tests: a started ``CosCorsEndpoint`` per test, stopped and checked
at teardown, and helpers to speak to it over real HTTP."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from pytest_cos_cors.endpoint import CosCorsEndpoint

BUCKET = "examplebucket-1250000000"
HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"

# SPEC §8, configuration A, as a COS XML document.
CONFIG_A = (Path(__file__).parent.parent / "data" / "spec_configuration_a.xml").read_text()

RULE_1 = {
    "AllowedOrigin": ["*"],
    "AllowedMethod": ["GET", "HEAD"],
    "AllowedHeader": [
        "Range",
        "x-cos-server-side-encryption-customer-algorithm",
        "x-cos-server-side-encryption-customer-key",
        "x-cos-server-side-encryption-customer-key-MD5",
    ],
    "ExposeHeader": ["Content-Length", "ETag", "x-cos-meta-author"],
    "MaxAgeSeconds": 600,
}


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@dataclass(frozen=True)
class Wire:
    """A response as it came over the wire: status line, headers in order, body."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def names(self) -> list[str]:
        return [k for k, _ in self.headers]


def raw_request(
    ep: CosCorsEndpoint,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host: str | None = None,
) -> Wire:
    """Send one request with exactly these headers (``Host`` defaults to the bucket's
    virtual host) and read the raw answer."""
    connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=10)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or HOST)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return Wire(response.status, response.reason, list(response.getheaders()), data)
    finally:
        connection.close()


def error_xml(code: str, message: str, resource: str, request_id: str, trace_id: str) -> bytes:
    """The SPEC §2 body, written out by hand (not with the codec under test)."""
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n"
        f"<Code>{code}</Code>\n<Message>{escaped}</Message>\n<Resource>{resource}</Resource>\n"
        f"<RequestId>{request_id}</RequestId>\n<TraceId>{trace_id}</TraceId>\n</Error>"
    ).encode()


def assert_error(wire: Wire, status: int, code: str, message: str, resource: str) -> None:
    """Status, COS headers and the error body byte for byte."""
    __tracebackhide__ = True
    assert wire.status == status, (wire.status, wire.body)
    request_id = wire.header("x-cos-request-id")
    trace_id = wire.header("x-cos-trace-id")
    assert request_id
    assert trace_id
    assert wire.header("Content-Type") == "application/xml"
    assert wire.header("Server") == "tencent-cos"
    assert wire.header("Date")
    assert wire.header("Content-Length") == str(len(wire.body))
    assert wire.body == error_xml(code, message, resource, request_id, trace_id)
