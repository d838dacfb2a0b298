"""Interception for asyncio clients, whose TLS goes through ``SSLContext.wrap_bio`` (no socket
to look at): the standard library's ``asyncio.open_connection`` and ``aiohttp`` reach the fake on
the production HTTPS URL with their default, verifying contexts; other names keep the client's own
context; a client with verification off stays so."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from values import BUCKET, BUCKET_HOST

from pytest_cos_cors.endpoint import CosCorsEndpoint

T = TypeVar("T")


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` in a thread of its own, as a backend runs its event loop: this
    process's main thread may have a loop running already (Playwright's sync API keeps one while
    the session's browser tests run)."""
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(make()))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the event loop did not finish"
    if errors:
        raise errors[0]
    return results[0]


async def _get(host: str, path: str, context: ssl.SSLContext) -> bytes:
    reader, writer = await asyncio.open_connection(host, 443, ssl=context)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


def test_asyncio_streams_on_the_production_url(cos_cors: CosCorsEndpoint) -> None:
    import requests

    put = requests.put(f"https://{BUCKET_HOST}/async.txt", data=b"from asyncio", timeout=10)
    assert put.status_code == 200
    answer = run(lambda: _get(BUCKET_HOST, "/async.txt", ssl.create_default_context()))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), head
    assert body == b"from asyncio"
    get = cos_cors.exchanges[-1]
    assert (get.method, get.operation, get.via) == ("GET", "GetObject", BUCKET_HOST)


def test_aiohttp_on_the_production_url(cos_cors: CosCorsEndpoint) -> None:
    aiohttp = pytest.importorskip("aiohttp")

    async def journey() -> tuple[int, int, bytes]:
        async with aiohttp.ClientSession() as session:
            url = f"https://{BUCKET_HOST}/reports/a.txt"
            async with session.put(url, data=b"aiohttp") as put:
                await put.read()
            async with session.get(url) as get:
                return put.status, get.status, await get.read()

    assert run(journey) == (200, 200, b"aiohttp")
    assert cos_cors.objects() == {"reports/a.txt": b"aiohttp"}
    assert {e.via for e in cos_cors.exchanges} == {BUCKET_HOST}


def test_other_names_keep_the_clients_context(cos_cors: CosCorsEndpoint) -> None:
    """The endpoint's own address under a name that is no COS host: the client's default
    context does not trust the fake (only COS names get the test authority)."""

    async def handshake() -> None:
        _, writer = await asyncio.open_connection(
            "127.0.0.1",
            cos_cors.port,
            ssl=ssl.create_default_context(),
            server_hostname="localhost",
        )
        writer.close()
        await writer.wait_closed()

    with pytest.raises(ssl.SSLCertVerificationError):
        run(handshake)


def test_an_asyncio_client_without_verification_stays_so(cos_cors: CosCorsEndpoint) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    answer = run(lambda: _get(BUCKET_HOST, f"/{BUCKET}-none", context))
    assert answer.startswith(b"HTTP/1.1 404")
