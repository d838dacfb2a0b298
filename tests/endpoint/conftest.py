"""Fixtures for the endpoint tests: a started ``CosCorsEndpoint`` per test, stopped and checked
at teardown, and helpers to speak to it over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rawhttp import RawResponse, send
from values import BUCKET as BUCKET  # re-exported for the tests of this folder
from values import BUCKET_HOST

from pytest_cos_cors.endpoint import CosCorsEndpoint

HOST = BUCKET_HOST

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


def raw_request(
    ep: CosCorsEndpoint,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host: str | None = None,
) -> RawResponse:
    """Send one request with exactly these headers (``Host`` defaults to the bucket's
    virtual host, ``Content-Length`` comes with a body) and read the raw answer."""
    return send(ep.port, method, target, [("Host", host or HOST), *(headers or {}).items()], body)


def error_xml(code: str, message: str, resource: str, request_id: str, trace_id: str) -> bytes:
    """The SPEC §2 body, written out by hand (not with the codec under test)."""
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n"
        f"<Code>{code}</Code>\n<Message>{escaped}</Message>\n<Resource>{resource}</Resource>\n"
        f"<RequestId>{request_id}</RequestId>\n<TraceId>{trace_id}</TraceId>\n</Error>"
    ).encode()


def assert_error(wire: RawResponse, status: int, code: str, message: str, resource: str) -> None:
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
