"""One client connection and the phases it goes through, with who owns it in each.

::

    (TLS) HANDSHAKE ──done──┐
                            v
    IDLE ──bytes──> HEAD ──head complete──> BODY ──body buffered (or streamed)──> QUEUED
      ^                                                                              │
      │                                                                     a worker takes it
      └──── keep-alive ──── ANSWERED <──answer sent── SERVING <──────────────────────┘
                                │ close
                                v
                             LINGER ──EOF or timeout──> CLOSED

A new connection whose first byte is 0x16 (a TLS handshake record) is wrapped in TLS and stays
in HANDSHAKE, driven by the selector loop without blocking, until the handshake is done; it is
then IDLE like a plain one, and every read and write goes through TLS.

The selector loop owns a connection while it is HANDSHAKE, IDLE, HEAD, BODY or LINGER (it is
registered); a worker owns it while it is QUEUED, SERVING or ANSWERED (it is not registered).
A quick request (:mod:`.server`) is SERVING and ANSWERED on the selector loop itself, which then
keeps the connection; if the client does not take the whole answer at once, or the answer is
long, a worker finishes it (``resume``) and owns the connection from then on.
Only the owner reads, writes or closes the socket; the other side only looks at ``phase`` (for
reports and counts) or shuts the socket down when :meth:`~.server.CosServer.stop` cuts it.
"""

from __future__ import annotations

import contextlib
import enum
import socket
from dataclasses import dataclass
from typing import Any

from .framing import (
    CRLF,
    ChunkedDecoder,
    FramingError,
    HeadScanner,
    Limits,
    RequestHead,
    first_line,
    parse_head,
)


class Phase(enum.Enum):
    HANDSHAKE = "handshake"  # a TLS handshake in progress (no request yet)
    IDLE = "idle"  # no byte of a request yet (a new or kept-alive connection)
    HEAD = "head"  # part of a request head has arrived
    BODY = "body"  # the head is complete; a small body is being buffered
    QUEUED = "queued"  # a complete request waits for a worker
    SERVING = "serving"  # a worker is answering it
    ANSWERED = "answered"  # the answer is sent; its worker drains the body, hands it back
    LINGER = "linger"  # answered and closing: what the client still sends is discarded
    CLOSED = "closed"


#: Phases in which the connection has a request that is not answered yet.
IN_PROGRESS = frozenset({Phase.HEAD, Phase.BODY, Phase.QUEUED, Phase.SERVING})


@dataclass(frozen=True)
class Settings:
    """Every limit and timeout of a running server (seconds, bytes)."""

    limits: Limits
    stop_timeout: float
    idle_timeout: float  # a kept-alive connection without a request
    request_timeout: float  # a whole request head; a body or a response without progress
    linger_timeout: float  # discarding what a closed-for-writing client still sends
    worker_idle_timeout: float  # a worker without work exits
    max_workers: int
    prebuffer: int  # bodies up to this size are buffered before a worker is committed
    drain_limit: int  # an unread body up to this size is discarded to keep the connection
    next_request_wait: float  # a worker waits this long for the next request on its connection


class Connection:
    """A socket, what was received and not consumed yet, and the request being read."""

    __slots__ = (
        "address",
        "buf",
        "cut",
        "deadline",
        "decoder",
        "discarded",
        "error",
        "fd",
        "generation",
        "head",
        "on_worker",
        "phase",
        "resume",
        "scanner",
        "secure",
        "sniffed",
        "sock",
        "want_write",
    )

    def __init__(
        self, sock: socket.socket, address: Any, deadline: float, generation: int = 0
    ) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.address = address
        self.buf = bytearray()
        self.phase = Phase.IDLE
        self.deadline = deadline
        self.scanner: HeadScanner | None = None
        self.head: RequestHead | None = None
        self.decoder: ChunkedDecoder | None = None
        self.error: FramingError | None = None
        self.cut = False  # stop() cut it off and reported it
        self.discarded = 0  # bytes dropped while lingering
        self.on_worker = False  # a worker owns it (else the selector loop does)
        self.sniffed = False  # its first byte was looked at: plain HTTP or TLS is decided
        self.secure = False  # TLS: ``sock`` is an ``ssl.SSLSocket``
        self.want_write = False  # the TLS handshake waits for room to write
        self.generation = generation  # the server's cut generation when it was accepted
        # An answer the selector loop began and a worker finishes (``Exchange.finish``).
        self.resume: Any = None

    def __repr__(self) -> str:
        return f"<Connection {self.address} {self.phase.value}>"

    def begin_request(self, limits: Limits, deadline: float) -> None:
        """IDLE -> HEAD: the first bytes of a request arrived."""
        self.phase = Phase.HEAD
        self.scanner = HeadScanner(limits)
        self.head = None
        self.decoder = None
        self.error = None
        self.deadline = deadline

    def advance(self, settings: Settings, now: float) -> bool:
        """Move on as far as the buffer allows: IDLE -> HEAD -> BODY. ``True`` when the request
        is ready for a worker: its head is complete and its body buffered (up to
        ``prebuffer``; a larger one, or one the client holds until ``100 Continue``, is read by
        the worker), or it is refused (``error`` is set)."""
        buf = self.buf
        if self.phase is Phase.IDLE:
            while buf[:2] == CRLF:
                del buf[:2]
            if not buf:
                return False
            self.begin_request(settings.limits, now + settings.request_timeout)
        try:
            if self.phase is Phase.HEAD:
                assert self.scanner is not None
                end = self.scanner.feed(buf)
                if end is None:
                    return False
                head = parse_head(bytes(buf[: end - 2]))
                del buf[:end]
                self.head = head
                self.phase = Phase.BODY
                self.deadline = now + settings.request_timeout
                if head.chunked:
                    self.decoder = ChunkedDecoder(settings.limits, head.target)
            else:
                assert self.head is not None
                head = self.head
            if head.expect_continue or not head.has_body:
                return True
            if head.content_length is not None:
                return head.content_length > settings.prebuffer or len(buf) >= head.content_length
            decoder = self.decoder
            assert decoder is not None
            try:
                buf[:] = decoder.feed(buf)
            except FramingError as error:
                error.method = head.method
                raise
            return decoder.done or decoder.size > settings.prebuffer
        except FramingError as error:
            self.error = error
            return True

    def request_line(self) -> str:
        """The request line, or what arrived of it, for reports."""
        head = self.head
        if head is not None:
            return head.line
        return first_line(self.buf)

    def pending(self) -> int:
        """Bytes TLS has decrypted and not handed out yet (the kernel does not see them)."""
        if not self.secure:
            return 0
        try:
            return self.sock.pending()  # type: ignore[attr-defined, no-any-return]
        except (OSError, ValueError):
            return 0

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        """Shut the socket down at the TCP level (from any thread: under TLS, ``SSLSocket``'s
        own ``shutdown`` would drop its TLS state under a worker that is using it)."""
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self.sock, how)

    def close_notify(self) -> None:
        """Under TLS, send the close_notify alert, without waiting (the owner calls it)."""
        if self.secure:
            with contextlib.suppress(OSError, ValueError):
                self.sock.unwrap()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.phase = Phase.CLOSED
        with contextlib.suppress(OSError):
            self.sock.close()
