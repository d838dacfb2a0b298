"""The listening socket: bound to exactly the address asked for, never to a port this process
released recently.

A port released by one endpoint may be handed out by the OS to the next one at once, and a late
request meant for the first would then land in the second. So the ports this process released
are remembered (the last :data:`RECENT_LIMIT`), and a port-0 bind that lands on one of them is
kept bound (so the OS picks another) while the bind is retried.

The promise holds across threads: a port enters the registry *before* its socket is closed
(:func:`closing`), so no bind can be given it in between; the check after a bind sees it.

The bound socket is returned only once ``getsockname()`` shows the requested address: a socket
that is not bound is never returned (``listen()`` would bind it to every interface).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import OrderedDict

RECENT_LIMIT = 4096
ATTEMPTS = 64

_recent: OrderedDict[int, None] = OrderedDict()
_lock = threading.Lock()


def recently_released(port: int) -> bool:
    with _lock:
        return port in _recent


def remember(port: int) -> None:
    """Add ``port`` to the released ports (call it while the port is still bound)."""
    with _lock:
        _recent.pop(port, None)
        _recent[port] = None
        while len(_recent) > RECENT_LIMIT:
            _recent.popitem(last=False)


def closing(sock: socket.socket) -> None:
    """Remember the socket's port as released, then close the socket."""
    with contextlib.suppress(OSError):
        remember(sock.getsockname()[1])
    sock.close()


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[object, ...]]:
    """The family and socket address for ``host`` (a literal or a name; ``""`` is 0.0.0.0)."""
    if host in ("", "0.0.0.0"):
        return socket.AF_INET, ("0.0.0.0", port)
    try:  # an IPv4 literal (the usual 127.0.0.1) needs no resolver
        socket.inet_pton(socket.AF_INET, host)
    except OSError:
        pass
    else:
        return socket.AF_INET, (host, port)
    infos = socket.getaddrinfo(
        host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_NUMERICSERV
    )
    if not infos:  # pragma: no cover - getaddrinfo raises instead
        raise OSError(f"cannot resolve {host!r}")
    family, _, _, _, address = infos[0]
    return family, address


def _bind_one(family: socket.AddressFamily, address: tuple[object, ...]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if address[1] != 0:
            # A fixed port: rebinding it right after a stop must work (TIME_WAIT). Never for
            # port 0: Linux lets two SO_REUSEADDR sockets that do not listen share a port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def bind(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A non-blocking socket listening on ``host:port`` (0: a free port not released
    recently); ``OSError`` if none can be had."""
    family, address = _address(host, port)
    rejected: list[socket.socket] = []
    try:
        for _ in range(ATTEMPTS):
            sock = _bind_one(family, address)
            bound = sock.getsockname()
            if port != 0 or not recently_released(bound[1]):
                break
            rejected.append(sock)  # keep it bound: the next bind gets another port
        else:
            raise OSError(f"no free port on {host} that was not released recently")
    finally:
        for old in rejected:
            old.close()
    try:
        if bound[0] != address[0]:  # pragma: no cover - a kernel that ignored the address
            raise OSError(f"bound to {bound[0]} instead of {address[0]}")
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock
