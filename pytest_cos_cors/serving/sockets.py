"""Socket I/O on a worker, with timeouts, on sockets that stay non-blocking.

Every connection's socket is non-blocking for its whole life (the selector loop needs it so):
a worker tries the call first and waits with ``poll`` only when the kernel has nothing to give
or no room to take, so the common case costs one system call. A wait longer than ``timeout``
seconds without progress raises ``TimeoutError``.

The same calls serve a TLS connection (an ``ssl.SSLSocket``): there "nothing to give" is
``SSLWantReadError`` and "no room" ``SSLWantWriteError`` (either can come from either direction:
TLS may need to read to write, or write to read), and bytes TLS already decrypted
(``pending()``) are readable although the kernel has none.
"""

from __future__ import annotations

import select
import socket
import ssl

_READ = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
_WRITE = select.POLLOUT | select.POLLHUP | select.POLLERR

#: What a non-blocking call raises when it would have to wait.
WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


def wait(sock: socket.socket, events: int, timeout: float) -> bool:
    """Whether ``sock`` became ready for ``events`` within ``timeout`` seconds."""
    poller = select.poll()
    poller.register(sock, events)
    return bool(poller.poll(max(0.0, timeout) * 1000))


def pending(sock: socket.socket) -> int:
    """Bytes a TLS socket decrypted and has not handed out (0 for a plain socket)."""
    if isinstance(sock, ssl.SSLSocket):
        try:
            return sock.pending()
        except (OSError, ValueError):
            return 0
    return 0


def readable(sock: socket.socket, timeout: float) -> bool:
    return pending(sock) > 0 or wait(sock, _READ, timeout)


def _wait_for(sock: socket.socket, error: OSError, timeout: float, message: str) -> None:
    events = _WRITE if isinstance(error, ssl.SSLWantWriteError) else _READ
    if not wait(sock, events, timeout):
        raise TimeoutError(message) from None


def send_all(sock: socket.socket, data: bytes | bytearray | memoryview, timeout: float) -> None:
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except (BlockingIOError, ssl.SSLWantWriteError):
            if not wait(sock, _WRITE, timeout):
                raise TimeoutError("the client did not take the answer in time") from None
            continue  # (TLS: the same bytes again, as OpenSSL requires)
        except ssl.SSLWantReadError as error:
            _wait_for(sock, error, timeout, "the client did not take the answer in time")
            continue
        view = view[sent:]


def recv(sock: socket.socket, size: int, timeout: float) -> bytes:
    while True:
        try:
            return sock.recv(size)
        except WOULD_BLOCK as error:
            _wait_for(sock, error, timeout, "the client sent nothing in time")


def recv_into(
    sock: socket.socket, buffer: memoryview | bytearray, size: int, timeout: float
) -> int:
    while True:
        try:
            return sock.recv_into(buffer, size)
        except WOULD_BLOCK as error:
            _wait_for(sock, error, timeout, "the client sent nothing in time")
