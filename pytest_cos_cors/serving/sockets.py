"""Socket I/O on a worker, with timeouts, on sockets that stay non-blocking.

Every connection's socket is non-blocking for its whole life (the selector loop needs it so):
a worker tries the call first and waits with ``poll`` only when the kernel has nothing to give
or no room to take, so the common case costs one system call. A wait longer than ``timeout``
seconds without progress raises ``TimeoutError``.
"""

from __future__ import annotations

import select
import socket

_READ = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
_WRITE = select.POLLOUT | select.POLLHUP | select.POLLERR


def wait(sock: socket.socket, events: int, timeout: float) -> bool:
    """Whether ``sock`` became ready for ``events`` within ``timeout`` seconds."""
    poller = select.poll()
    poller.register(sock, events)
    return bool(poller.poll(max(0.0, timeout) * 1000))


def readable(sock: socket.socket, timeout: float) -> bool:
    return wait(sock, _READ, timeout)


def send_all(sock: socket.socket, data: bytes | bytearray | memoryview, timeout: float) -> None:
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except BlockingIOError:
            if not wait(sock, _WRITE, timeout):
                raise TimeoutError("the client did not take the answer in time") from None
            continue
        view = view[sent:]


def recv(sock: socket.socket, size: int, timeout: float) -> bytes:
    while True:
        try:
            return sock.recv(size)
        except BlockingIOError:
            if not wait(sock, _READ, timeout):
                raise TimeoutError("the client sent nothing in time") from None


def recv_into(
    sock: socket.socket, buffer: memoryview | bytearray, size: int, timeout: float
) -> int:
    while True:
        try:
            return sock.recv_into(buffer, size)
        except BlockingIOError:
            if not wait(sock, _READ, timeout):
                raise TimeoutError("the client sent nothing in time") from None
