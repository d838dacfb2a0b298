"""Fixtures and helpers of the object-operation tests (issue 14): raw HTTP (on
``tests/rawhttp.py``), the official Python SDK and boto3 against a started endpoint, and a guard
that each test leaves no thread, socket or file open behind it."""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree
from rawhttp import RawResponse, send
from values import BUCKET_HOST

from pytest_cos_cors.endpoint import CosCorsEndpoint

HOST = BUCKET_HOST
MIB = 1024 * 1024


def call(
    ep: CosCorsEndpoint,
    method: str,
    target: str,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    host: str = HOST,
) -> RawResponse:
    """One request with exactly these headers (``Host`` first, ``Content-Length`` with a body),
    over a fresh connection."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    return send(ep.port, method, target, [("Host", host), *pairs], body)


def md5_header(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def quoted_md5(body: bytes) -> str:
    return f'"{hashlib.md5(body).hexdigest()}"'


def error_xml(code: str, message: str, resource: str, wire: RawResponse) -> bytes:
    """SPEC §2's error body, written out by hand, with the answer's own ids."""
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n"
        f"<Code>{code}</Code>\n<Message>{escaped}</Message>\n<Resource>{resource}</Resource>\n"
        f"<RequestId>{wire.header('x-cos-request-id')}</RequestId>\n"
        f"<TraceId>{wire.header('x-cos-trace-id')}</TraceId>\n</Error>"
    ).encode()


def assert_error(
    wire: RawResponse, status: int, code: str, message: str, path: str = "/", host: str = HOST
) -> None:
    """Status, COS headers, and the error body byte for byte (``path``: the object path,
    ``host``: the bucket's host name)."""
    __tracebackhide__ = True
    assert wire.status == status, (wire.status, wire.body)
    assert wire.header("x-cos-trace-id")
    assert wire.header("Content-Type") == "application/xml"
    assert wire.header("Server") == "tencent-cos"
    assert wire.header("Content-Length") == str(len(wire.body))
    assert wire.body == error_xml(code, message, f"{host}{path}", wire)


def xml(wire: RawResponse) -> Any:
    """The answer's XML root (after checking it is one)."""
    assert wire.header("Content-Type") == "application/xml", wire.headers
    return etree.fromstring(wire.body)


def texts(root: Any, path: str) -> list[str]:
    return [element.text or "" for element in root.findall(path)]


def _open_fds() -> set[str]:
    try:
        return set(os.listdir("/proc/self/fd"))
    except OSError:  # pragma: no cover - not Linux
        return set()


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """Fails a test that leaves a thread or a file descriptor (a socket, a temporary file)
    open after its fixtures are torn down (this fixture's teardown runs after theirs)."""
    threads = set(threading.enumerate())
    fds = _open_fds()
    yield
    gc.collect()  # an exception kept in a test's frame holds its response's socket in a cycle
    deadline = time.monotonic() + 5
    while True:
        extra_threads = [t for t in threading.enumerate() if t not in threads and t.is_alive()]
        extra_fds = _open_fds() - fds
        if (not extra_threads and not extra_fds) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra_threads, f"threads left running: {extra_threads}"
    leaked = {fd: os.readlink(f"/proc/self/fd/{fd}") for fd in extra_fds if _exists(fd)}
    assert not leaked, f"file descriptors left open: {leaked}"


def _exists(fd: str) -> bool:
    try:
        os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return False
    return True


@contextlib.contextmanager
def sdk_client(endpoint: CosCorsEndpoint) -> Iterator[Any]:
    """cos-python-sdk-v5 on ``endpoint`` (no retries; signing with the endpoint's
    credentials, if any); its connections closed after."""
    qcloud_cos = pytest.importorskip("qcloud_cos")
    client = qcloud_cos.CosS3Client(endpoint.cos_config(), retry=0)
    try:
        yield client
    finally:
        client._session.close()


@pytest.fixture
def sdk(endpoint: CosCorsEndpoint) -> Iterator[Any]:
    """cos-python-sdk-v5 on the endpoint (no retries); its connections closed after."""
    with sdk_client(endpoint) as client:
        yield client


@pytest.fixture
def s3(endpoint: CosCorsEndpoint) -> Iterator[Any]:
    """boto3 (path style, ``endpoint_url``) on the endpoint; closed after."""
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        aws_access_key_id="AKIDexample",
        aws_secret_access_key="secret",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    yield client
    client.close()
