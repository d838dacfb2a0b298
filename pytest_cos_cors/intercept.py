"""Interception: while an endpoint intercepts, the process's own connections to COS host names
reach it, over HTTP and HTTPS, from any Python client, with production code unchanged.

Two hooks, installed when the first interception begins and removed (the original functions
put back, by identity) when the last one ends; outside any interception nothing is patched:

- ``socket.getaddrinfo``: a COS host name (:func:`is_intercepted_host`) resolves to the
  endpoint's own address *and port*, whatever port was asked (80 or 443): the endpoint answers
  plain HTTP and TLS on one port, so no connect-time redirection and no privileged port is
  needed. ``socket.gethostbyname`` and ``socket.gethostbyname_ex`` (which carry no port) refuse
  a COS name with a clear ``socket.gaierror`` rather than resolve it for real.
- ``ssl.SSLContext.wrap_socket``: a client handshake whose server name is a COS host name *and
  whose socket is connected to an intercepting endpoint* is made with a context that trusts the
  fake's test authority and nothing else (:func:`pytest_cos_cors.tls.client_context`), hostname
  checked. Every other handshake, and every handshake a client makes with verification off,
  goes through the client's own context untouched: no CA bundle is changed, so the test
  authority cannot vouch for any other host, during the test or after it.
- ``ssl.SSLContext.wrap_bio``, the handshake of asyncio clients (``asyncio.open_connection``,
  ``aiohttp``), which has no socket to look at: a client handshake whose
  server name is a COS host name is made with that same context. While an interception is
  active such a name resolves to the fake; a client that reaches COS some other way (its own
  DNS resolver, a proxy) fails verification instead of reaching the real service. Every other
  name goes through the client's own context untouched. (Clients on anyio, such as
  ``httpx.AsyncClient``, keep the port they asked for and take only the address from the
  resolver: they miss the fake's port, and are not covered.)

A thread that a test started and that is still running when the interception ends is
remembered: when it later resolves a COS host name while no interception is active it gets
:class:`InterceptionEnded` (naming the host and the test), never the network; during a later
interception it reaches that interception's endpoint (a session-scoped server thread first
started during a test keeps working). That check lives in a process audit hook
(:func:`sys.addaudithook`), installed only the first time such a thread outlives an
interception.
"""

from __future__ import annotations

import re
import socket
import ssl
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

from . import tls
from .addressing import host_bucket

__all__ = [
    "InterceptConflictError",
    "InterceptionEnded",
    "intercept",
    "intercepting",
    "is_intercepted_host",
]

#: The COS host names interception covers: ``<bucket>.cos.<region>.myqcloud.com``,
#: ``cos.<region>.myqcloud.com``, ``<bucket>.cos.accelerate.myqcloud.com``, the ``cos-internal``
#: variants, ``service.cos.myqcloud.com`` and every name under ``tencentcos.cn``.
_INTERCEPTED = re.compile(
    r"^(?:(?:[^.]+\.)?(?:cos|cos-internal)\.[^.]+\.myqcloud\.com"
    r"|service\.cos\.myqcloud\.com"
    r"|(?:[^.]+\.)*tencentcos\.cn)\.?$",
    re.IGNORECASE,
)
#: Threads of the endpoint's own server (never a test's thread).
_SERVER_THREADS = "cos-cors-"


def is_intercepted_host(name: str) -> bool:
    """Whether an interception routes ``name`` (no port) to the fake."""
    return _INTERCEPTED.match(name) is not None


class InterceptConflictError(RuntimeError):
    """Two endpoints asked to intercept the same bucket's host names at once."""


class InterceptionEnded(ConnectionError):
    """A thread started during an intercepting test resolved a COS host name after the test's
    interception ended: the request never reaches the network."""

    def __init__(self, host: str, label: str) -> None:
        self.host = host
        self.label = label
        super().__init__(
            f"pytest-cos-cors: {host!r} was intercepted for {label}, which has ended: this "
            "thread, started during it, still tried to reach it afterwards (stop or join the "
            "threads a test starts before it ends); the request was not sent"
        )


class Interceptable(Protocol):
    """What an interception needs of an endpoint (:class:`~pytest_cos_cors.CosCorsEndpoint`)."""

    @property
    def url(self) -> str: ...

    def bucket_names(self) -> tuple[str, ...]: ...


class _Registration:
    __slots__ = ("address", "baseline", "endpoint", "label")

    def __init__(self, endpoint: Interceptable, label: str) -> None:
        parts = urlsplit(endpoint.url)
        assert parts.hostname is not None
        assert parts.port is not None
        self.endpoint = endpoint
        self.label = label
        self.address = (parts.hostname, parts.port)
        self.baseline = set(threading.enumerate())


_lock = threading.Lock()
#: The active interceptions, oldest first: replaced whole under ``_lock`` (never mutated), so
#: the patched functions read it without taking the lock.
_active: tuple[_Registration, ...] = ()
_originals: dict[str, Any] = {}
#: Threads that outlived an interception -> the label of the test that started them.
_orphans: weakref.WeakKeyDictionary[threading.Thread, str] = weakref.WeakKeyDictionary()
_audit_installed = False


def intercepting() -> bool:
    """Whether any interception is active in this process (``socket.getaddrinfo`` patched)."""
    return bool(_active)


def _orphan_label() -> str | None:
    if not _orphans:
        return None
    return _orphans.get(threading.current_thread())


def _route(name: str) -> _Registration | None:
    """The registration that answers ``name``: the one whose endpoint has the host's bucket,
    else the first (which answers ``NoSuchBucket``, or path-style for a bucket-less host)."""
    active = _active
    if not active:
        return None
    if len(active) > 1:
        bucket = host_bucket(name)
        if bucket is not None:
            for registration in active:
                if bucket in registration.endpoint.bucket_names():
                    return registration
    return active[0]


def _host_text(host: object) -> str | None:
    if isinstance(host, str):
        return host
    if isinstance(host, bytes):
        return host.decode("ascii", "replace")
    return None


def _getaddrinfo(
    host: Any,
    port: Any,
    family: int = 0,
    type: int = 0,  # noqa: A002 (socket.getaddrinfo's own keyword)
    proto: int = 0,
    flags: int = 0,
) -> Any:
    original = _originals["getaddrinfo"]
    name = _host_text(host)
    if name is not None and _INTERCEPTED.match(name) is not None:
        registration = _route(name)
        if registration is not None:
            ip, endpoint_port = registration.address
            return original(ip, endpoint_port, family, type, proto, flags | socket.AI_NUMERICHOST)
    return original(host, port, family, type, proto, flags)


def _refuse_portless(function: str) -> Any:
    def lookup(hostname: Any) -> Any:
        name = _host_text(hostname)
        if name is not None and _INTERCEPTED.match(name) is not None:
            raise socket.gaierror(
                socket.EAI_NONAME,
                f"pytest-cos-cors intercepts {name!r}: socket.{function}() gives no port, so it "
                "cannot reach the fake; use socket.getaddrinfo() (every HTTP client does), or "
                "connect to the endpoint's url",
            )
        return _originals[function](hostname)

    lookup.__name__ = function
    return lookup


def _intercepted_peer(sock: Any) -> bool:
    try:
        peer = sock.getpeername()
    except (OSError, AttributeError):
        return False
    if not isinstance(peer, tuple) or len(peer) < 2:
        return False
    address = (peer[0], peer[1])
    return any(registration.address == address for registration in _active)


def _verifies_cos_name(
    context: ssl.SSLContext, server_side: bool, server_hostname: str | bytes | None
) -> bool:
    """Whether a handshake is a client's, verifying, with a COS host name."""
    name = _host_text(server_hostname)
    return (
        not server_side
        and name is not None
        and context.verify_mode != ssl.CERT_NONE
        and _INTERCEPTED.match(name) is not None
    )


def _wrap_socket(
    self: ssl.SSLContext,
    sock: Any,
    server_side: bool = False,
    do_handshake_on_connect: bool = True,
    suppress_ragged_eofs: bool = True,
    server_hostname: str | bytes | None = None,
    session: Any = None,
) -> Any:
    context = self
    if _verifies_cos_name(self, server_side, server_hostname) and _intercepted_peer(sock):
        context = tls.client_context()
    return _originals["wrap_socket"](
        context,
        sock,
        server_side=server_side,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs,
        server_hostname=server_hostname,
        session=session,
    )


def _wrap_bio(
    self: ssl.SSLContext,
    incoming: ssl.MemoryBIO,
    outgoing: ssl.MemoryBIO,
    server_side: bool = False,
    server_hostname: str | bytes | None = None,
    session: Any = None,
) -> Any:
    context = self
    if _verifies_cos_name(self, server_side, server_hostname) and _active:
        context = tls.client_context()
    return _originals["wrap_bio"](
        context,
        incoming,
        outgoing,
        server_side=server_side,
        server_hostname=server_hostname,
        session=session,
    )


def _install() -> None:
    _originals["getaddrinfo"] = socket.getaddrinfo
    _originals["gethostbyname"] = socket.gethostbyname
    _originals["gethostbyname_ex"] = socket.gethostbyname_ex
    _originals["wrap_socket"] = ssl.SSLContext.wrap_socket
    _originals["wrap_bio"] = ssl.SSLContext.wrap_bio
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _refuse_portless("gethostbyname")
    socket.gethostbyname_ex = _refuse_portless("gethostbyname_ex")
    ssl.SSLContext.wrap_socket = _wrap_socket  # type: ignore[method-assign]
    ssl.SSLContext.wrap_bio = _wrap_bio  # type: ignore[method-assign]
    _originals["installed"] = True


def _uninstall() -> None:
    socket.getaddrinfo = _originals["getaddrinfo"]
    socket.gethostbyname = _originals["gethostbyname"]
    socket.gethostbyname_ex = _originals["gethostbyname_ex"]
    ssl.SSLContext.wrap_socket = _originals["wrap_socket"]  # type: ignore[method-assign]
    ssl.SSLContext.wrap_bio = _originals["wrap_bio"]  # type: ignore[method-assign]
    # ``_originals`` is kept: a call that began just before this still finds its original.


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """After an interception ended, a thread it left running fails loudly on a COS name."""
    if _active or not _orphans or event not in ("socket.getaddrinfo", "socket.gethostbyname"):
        return
    name = _host_text(args[0]) if args else None
    if name is None or _INTERCEPTED.match(name) is None:
        return
    label = _orphan_label()
    if label is not None:
        raise InterceptionEnded(name, label)


def _remember_orphans(registration: _Registration) -> None:
    global _audit_installed
    left = [
        thread
        for thread in threading.enumerate()
        if thread not in registration.baseline
        and thread.is_alive()
        and not thread.name.startswith(_SERVER_THREADS)
    ]
    if not left:
        return
    for thread in left:
        _orphans[thread] = registration.label
    if not _audit_installed:
        sys.addaudithook(_audit)
        _audit_installed = True


def _begin(endpoint: Interceptable, label: str) -> _Registration:
    global _active
    registration = _Registration(endpoint, label)
    mine = set(endpoint.bucket_names())
    with _lock:
        for other in _active:
            if other.endpoint is endpoint:
                raise InterceptConflictError(f"{label}: this endpoint is already intercepting")
            shared = mine & set(other.endpoint.bucket_names())
            if shared:
                raise InterceptConflictError(
                    f"{label} cannot intercept COS host names: {other.label} already intercepts "
                    f"them for bucket{'s' if len(shared) > 1 else ''} "
                    f"{', '.join(sorted(shared))}. Two endpoints intercept at once only when "
                    "they serve different buckets (make_cos_cors(bucket=...)); or turn the "
                    "cos_cors fixture's interception off (cos_cors_settings {'intercept': "
                    "False}, or the ini option cos_cors_intercept = false)"
                )
        if not _active:
            _install()
        _active = (*_active, registration)
    return registration


def _end(registration: _Registration) -> None:
    global _active
    with _lock:
        _active = tuple(other for other in _active if other is not registration)
        if not _active and _originals.pop("installed", False):
            _uninstall()
    _remember_orphans(registration)


@contextmanager
def intercept(endpoint: Interceptable, label: str | None = None) -> Iterator[None]:
    """Route this process's connections to COS host names to ``endpoint`` for the ``with``
    block (``label`` names it in error messages). :class:`InterceptConflictError` when another
    interception already covers one of its buckets."""
    registration = _begin(endpoint, label or repr(endpoint))
    try:
        yield
    finally:
        _end(registration)
