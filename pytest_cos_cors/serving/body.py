"""Request bodies on a worker: ``wsgi.input`` for a ``Content-Length`` body, read from what the
selector loop already buffered and then from the socket; and the rest of a chunked body.

A read that waits longer than the request timeout, or meets the end of the stream, ends the
input early: werkzeug then raises
``ClientDisconnected`` in the application, and the engine, which knows why, answers 408 (the
client stalled) or nothing at all (the client left).
"""

from __future__ import annotations

import io
from collections.abc import Callable

from . import sockets
from .connection import Connection
from .framing import ChunkedDecoder

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_READ = 65536


class BodyState:
    """What happened while the body was read: shared by the input and the exchange."""

    __slots__ = ("client_gone", "continue_sent", "expect_continue", "stalled")

    def __init__(self, expect_continue: bool) -> None:
        self.expect_continue = expect_continue
        self.continue_sent = False
        self.client_gone = False
        self.stalled = False

    @property
    def continue_pending(self) -> bool:
        """The client waits for a ``100 Continue`` that was never sent: it holds its body."""
        return self.expect_continue and not self.continue_sent


class ContentInput(io.RawIOBase):
    """``wsgi.input`` for a body of ``length`` bytes. The first read sends ``100 Continue`` when
    the client asked for it (``before_read``); nothing is read past the body's end."""

    def __init__(
        self,
        conn: Connection,
        length: int,
        state: BodyState,
        before_read: Callable[[], None],
        timeout: float,
    ) -> None:
        super().__init__()
        self._conn = conn
        self._timeout = timeout
        self.remaining = length
        self._state = state
        self._before_read = before_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self.remaining)
        if want <= 0:
            return 0
        state = self._state
        if state.client_gone or state.stalled:
            return 0
        if state.continue_pending:
            self._before_read()
        buf = self._conn.buf
        if buf:
            count = min(want, len(buf))
            buffer[:count] = buf[:count]
            del buf[:count]
        else:
            try:
                count = sockets.recv_into(self._conn.sock, buffer, want, self._timeout)
            except TimeoutError:
                state.stalled = True
                return 0
            except OSError:
                state.client_gone = True
                return 0
            if count == 0:
                state.client_gone = True
                return 0
        self.remaining -= count
        return count

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        chunk = bytearray(min(size, self.remaining))
        count = self.readinto(chunk)
        return bytes(chunk[:count])

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while self.remaining > 0:
            chunk = self.read(min(self.remaining, _READ))
            if not chunk:
                break
            parts.append(chunk)
        return b"".join(parts)

    def drain(self, limit: int) -> bool:
        """Read and drop what is left of the body (at most ``limit`` bytes); whether all of it
        was read, so that the connection can carry another request."""
        if self.remaining > limit or self._state.continue_pending:
            return self.remaining == 0
        scratch = bytearray(min(self.remaining, _READ))
        while self.remaining > 0:
            if self.readinto(scratch) == 0:
                return False
        return True


def finish_chunked(
    conn: Connection, decoder: ChunkedDecoder, state: BodyState, timeout: float
) -> bool:
    """Read the rest of a chunked body into ``decoder``; ``False`` if the client stalled or
    left first (``state`` says which). Raises :class:`~.framing.FramingError` for a malformed
    body. What follows the body stays in ``conn.buf``."""
    if conn.buf:
        rest = decoder.feed(conn.buf)
        conn.buf[:] = rest
    while not decoder.done:
        try:
            data = sockets.recv(conn.sock, _READ, timeout)
        except TimeoutError:
            state.stalled = True
            return False
        except OSError:
            state.client_gone = True
            return False
        if not data:
            state.client_gone = True
            return False
        rest = decoder.feed(data)
        if rest:
            conn.buf += rest
    return True
