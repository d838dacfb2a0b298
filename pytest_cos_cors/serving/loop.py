"""The selector loop of one server: it accepts connections, reads request heads (and small
bodies), enforces the timeouts, and answers complete requests itself when they are quick, or
hands them to the worker pool.

It runs in turns (:meth:`SelectorLoop.turn`: what its own ``epoll`` has ready, without waiting),
and it is the driver's thread (:mod:`.driver`) that waits for every server's loop at once and runs
their turns; :meth:`~SelectorLoop.lock` is held during a turn, so that a turn may also run on the
thread that stops the server.

A connection costs a worker only once a whole request head has arrived (and, for a body of at
most ``prebuffer`` bytes, the whole body): a client that trickles its request, or keeps an idle
connection open, holds no thread. After its answer a worker hands the connection back, to wait
for the next request (keep-alive) or to be closed gracefully (lingering: the write side shut,
what the client still sends discarded until it closes, so that a reset cannot destroy the answer).

``answer_here`` (the server's) is offered each complete request first: it answers the quick ones
on this thread, without blocking (see :mod:`.server`), which saves a thread hand-off per request
and, for a server that only ever gets quick requests, every worker thread.

TLS on the same port: the first byte of a new connection tells (0x16 opens a TLS handshake
record; a request line never starts with it). A TLS connection is wrapped in the server's
context and its handshake driven here, without blocking: a client that trickles its handshake
holds no thread either. Once it is done the connection is served like a plain one; bytes TLS has
already decrypted (which ``epoll`` cannot see) are read at once.

Cutting (:meth:`SelectorLoop.request_cut`, for a router whose target changed): every connection
the loop owns is closed at once, and every connection a worker owns is closed when it is handed
back, instead of being kept alive; connections accepted after the cut are not affected.

Timeouts (checked every ``tick`` seconds): an idle kept-alive connection is closed after
``idle_timeout``; a head not complete ``request_timeout`` after its first byte, or a buffered body
without progress for that long, is answered 408 and closed; lingering ends after
``linger_timeout``.

Stopping (:meth:`SelectorLoop.request_stop`): the port is remembered as released, what waits in
the listen backlog is refused (reported if it had sent a request), the listening socket and idle
connections are closed at once; requests in progress may finish until the deadline, when what is
left is cut off: reported, closed (or shut down under its worker, which then closes it).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import ssl
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Protocol

from . import ports
from .connection import IN_PROGRESS, Connection, Phase, Settings
from .framing import CRLF, FramingError
from .sockets import WOULD_BLOCK

_READ = 65536
_LINGER_DISCARD = 1 << 20  # what a lingering client may still send before it is reset
_TLS_RECORD = 0x16  # the first byte of a TLS handshake record (a ClientHello)


class ProblemSink(Protocol):
    def add(self, text: str) -> None: ...


class SelectorLoop:
    def __init__(
        self,
        listener: socket.socket,
        settings: Settings,
        dispatch: Callable[[Connection], None],
        problems: ProblemSink,
        tls: Callable[[], ssl.SSLContext] | None = None,
        answer_here: Callable[[Connection], bool | None] | None = None,
    ) -> None:
        self._listener = listener
        self._answer_here = answer_here
        self._tls = tls  # the server's TLS context, made on the first TLS connection
        self._settings = settings
        self._dispatch = dispatch
        self._problems = problems
        self._epoll = select.epoll()
        self._fd = self._epoll.fileno()
        self._wake_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._wake_lock = threading.Lock()  # no wake-up writes to a closed (reused) number
        self._watched: dict[int, Connection] = {}  # fd -> connection the loop owns
        self.open: set[Connection] = set()  # every connection not closed yet
        self._returned: deque[tuple[Connection, bool]] = deque()
        self._returned_lock = threading.Lock()
        self._wake_pending = False
        self._finished = False
        self._stopping = False
        self._stop_begun = False
        self._deadline = float("inf")
        self._generation = 0  # how many cuts were made
        self._cuts: list[threading.Event] = []  # cuts asked for, done by the loop's thread
        timeouts = (settings.idle_timeout, settings.request_timeout, settings.linger_timeout)
        self._tick = min(1.0, max(0.01, min(timeouts) / 10))
        self._next_check = 0.0
        self._due = float("inf")  # when a turn is needed even without an event
        #: Held while a turn runs (by the driver's thread, or by the thread stopping it).
        self.lock = threading.Lock()
        #: Set once the loop is done: every connection closed or handed to its worker to close.
        self.finished = threading.Event()
        #: Its stopper gave up waiting for it (a turn was stuck): the driver closes it.
        self.abandoned = False
        self._epoll.register(listener.fileno(), select.EPOLLIN)
        self._epoll.register(self._wake_fd, select.EPOLLIN)

    # -- called from other threads -----------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def generation(self) -> int:
        """How many cuts were made: a connection accepted before the last one is done."""
        return self._generation

    def wake(self) -> None:
        if not self._wake_pending:
            self._wake_pending = True
            with self._wake_lock, contextlib.suppress(OSError):
                if self._wake_fd >= 0:  # else closed: the loop is done
                    os.eventfd_write(self._wake_fd, 1)

    def request_stop(self, deadline: float, wake: bool = True) -> None:
        """Stop by ``deadline`` (``time.monotonic()``); ``wake=False`` when the caller runs the
        next turn itself (:attr:`lock` held)."""
        self._deadline = deadline
        self._stopping = True
        if wake:
            self._wake_pending = False
            self.wake()

    def request_cut(self) -> threading.Event:
        """Close every connection open now (those of workers once their answer is sent); the
        event is set once the loop did it."""
        done = threading.Event()
        with self._returned_lock:
            if self._finished:
                done.set()
                return done
            self._cuts.append(done)
        self._wake_pending = False
        self.wake()
        return done

    def close_connection(self, conn: Connection) -> None:
        """A worker closes the connection it owns (the client closed its side). A stopping
        loop is woken: it may be waiting for this very connection to go."""
        self._forget(conn)
        if self._stopping:
            self.wake()

    def hand_back(self, conn: Connection, keep_alive: bool) -> None:
        """A worker is done with ``conn``: wait for its next request, or close it gracefully."""
        with self._returned_lock:
            if self._finished:
                self._forget(conn)
                return
            self._returned.append((conn, keep_alive))
        self.wake()

    def in_progress(self) -> int:
        return sum(1 for c in list(self.open) if c.phase in IN_PROGRESS)

    def report(self, text: str) -> None:
        """Add a problem to the server's (for the driver's thread)."""
        self._problems.add(text)

    def fileno(self) -> int:
        """The loop's ``epoll`` (its number, kept after it is closed): readable when the loop
        has something to do."""
        return self._fd

    def due(self) -> float:
        """When (``time.monotonic()``) the loop needs a turn even if nothing happens: a timeout
        to check, the stop deadline; infinity when it waits for events only."""
        return self._due

    def close_resources(self) -> None:
        """After the loop finished (or never ran): close what it owned."""
        with self._wake_lock:
            fd, self._wake_fd = self._wake_fd, -1
            if fd >= 0:
                os.close(fd)
        self._epoll.close()

    # -- the loop ----------------------------------------------------------------------------

    def turn(self) -> bool:
        """One turn (with :attr:`lock` held): what is ready now, the timeouts due, the stop
        sequence; ``False`` when the loop is done (call :meth:`finish` then)."""
        try:
            return self._turn()
        except BaseException:
            self._problems.add(f"the server's selector loop failed:\n{traceback.format_exc()}")
            self._cut_everything()
            return False

    def finish(self) -> None:
        """Close what the loop still owns and the listening socket (with :attr:`lock` held,
        once :meth:`turn` said the loop is done); sets :attr:`finished`."""
        with self._returned_lock:
            self._finished = True
            returned = list(self._returned)
            self._returned.clear()
            cuts, self._cuts = self._cuts, []
        for done in cuts:
            done.set()
        for conn, _ in returned:
            self._forget(conn)
        for conn in list(self._watched.values()):
            self._forget(conn)
        ports.closing(self._listener)
        self.finished.set()

    def _turn(self) -> bool:
        """What is ready now and what it brought; ``False`` when the loop is done."""
        now = time.monotonic()
        if self._stopping:
            if not self._stop_begun:
                self._begin_stop()
            if not self.open and not self._returned:
                return False
            if now >= self._deadline:
                self._cut_everything()
                return False
        events = self._epoll.poll(0)
        now = time.monotonic()
        listener, wake = self._listener.fileno(), self._wake_fd
        for fd, _ in events:
            if fd == listener:
                self._accept(now)
            elif fd == wake:
                # Drain first, then allow new wake-ups, then look: a hand-back made at any
                # point of this either is seen now or sends a byte that wakes the next poll.
                with contextlib.suppress(OSError):
                    os.eventfd_read(wake)
                self._wake_pending = False
                self._take_returned(now)
            else:
                conn = self._watched.get(fd)
                if conn is not None:
                    self._readable(conn, now)
        if self._cuts:
            self._cut()
        if self._watched and now >= self._next_check:
            self._next_check = now + self._tick
            self._check_timeouts(now)
        if self._stopping:
            self._due = min(self._deadline, now + self._tick)
        elif self._watched:
            self._due = max(self._next_check, now)
        else:
            self._due = float("inf")
        return True

    # -- connections in ----------------------------------------------------------------------

    def _accept(self, now: float) -> None:
        """Accept one connection: the listener stays readable while more wait, and the next
        turn takes the next (one system call less per connection than accepting until none
        is left, and every such call lets the other threads have the interpreter)."""
        if self._stopping:
            return
        try:
            sock, address = self._listener.accept()
        except OSError:  # nothing left (or out of descriptors: retried on the next turn)
            return
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            sock.close()
            return
        conn = Connection(sock, address, now + self._settings.idle_timeout, self._generation)
        conn.sniffed = self._tls is None
        self.open.add(conn)
        self._watch(conn)
        self._readable(conn, now)  # the request often arrived with the connection

    def _watch(self, conn: Connection) -> None:
        if conn.fd in self._watched:
            return
        self._watched[conn.fd] = conn
        self._epoll.register(conn.fd, select.EPOLLIN)

    def _want_write(self, conn: Connection, want: bool) -> None:
        """Wait for room to write as well as for bytes (a TLS handshake's flight)."""
        if conn.want_write is not want and conn.fd in self._watched:
            conn.want_write = want
            events = select.EPOLLIN | select.EPOLLOUT if want else select.EPOLLIN
            with contextlib.suppress(OSError, ValueError):
                self._epoll.modify(conn.fd, events)

    def _unwatch(self, conn: Connection) -> None:
        conn.want_write = False
        if self._watched.pop(conn.fd, None) is not None:
            with contextlib.suppress(OSError, ValueError):
                self._epoll.unregister(conn.fd)

    def _forget(self, conn: Connection) -> None:
        """Close ``conn`` for good (the caller owns it)."""
        self._unwatch(conn)
        self.open.discard(conn)
        conn.close()

    def _take_returned(self, now: float) -> None:
        while True:
            with self._returned_lock:
                if not self._returned:
                    return
                conn, keep_alive = self._returned.popleft()
            conn.on_worker = False
            if self._resume(conn, keep_alive, now):
                self._advance(conn, now)

    def _resume(self, conn: Connection, keep_alive: bool, now: float) -> bool:
        """The loop owns ``conn`` again, after its answer: wait for the next request, or close
        it gracefully. ``True`` when bytes of a next request are buffered (to advance)."""
        if conn.cut or conn.generation < self._generation:
            self._forget(conn)
            return False
        if not keep_alive:
            self._linger(conn, now)
            return False
        if conn.phase is Phase.HEAD or conn.phase is Phase.BODY:
            self._watch(conn)  # a worker read the start of a request: the rest comes here
        elif self._stopping and not conn.buf.strip(CRLF) and not conn.pending():
            self._forget(conn)  # idle at stop
            return False
        else:
            conn.phase = Phase.IDLE
            conn.deadline = now + self._settings.idle_timeout
            conn.head = None
            self._watch(conn)
        self._take_pending(conn)
        return bool(conn.buf)

    def _take_pending(self, conn: Connection) -> None:
        """Read what TLS decrypted already (``epoll`` cannot tell of it) into the buffer."""
        while conn.pending():
            try:
                data = conn.sock.recv(_READ)
            except (OSError, ValueError):  # WOULD_BLOCK included: the next poll tells
                return
            if not data:
                return
            conn.buf += data

    def _linger(self, conn: Connection, now: float) -> None:
        """Close gracefully: shut the write side, discard what the client still sends until it
        closes too (at stop: what it already sent, then close at once)."""
        conn.close_notify()
        conn.shutdown(socket.SHUT_WR)
        conn.buf.clear()
        if self._stopping:
            self._drop(conn)
            return
        conn.phase = Phase.LINGER
        conn.deadline = now + self._settings.linger_timeout
        if conn.fd not in self._watched:
            self._watch(conn)

    def _drop(self, conn: Connection) -> None:
        """Close at once, after reading what the client already sent (closing with unread
        bytes would reset the connection and could destroy the answer on its way)."""
        for _ in range(16):
            try:
                if not conn.sock.recv(_READ):
                    break
            except OSError:
                break
        self._forget(conn)

    # -- reading requests --------------------------------------------------------------------

    def _readable(self, conn: Connection, now: float) -> None:
        if conn.phase is Phase.HANDSHAKE:
            self._handshake(conn, now)
            return
        if not conn.sniffed and not self._sniff(conn, now):
            return
        try:
            data = conn.sock.recv(_READ)
            while conn.secure and data and conn.pending():
                data += conn.sock.recv(_READ)
        except WOULD_BLOCK:
            return
        except OSError:
            data = b""
        if not data:
            # The client closed: idle, lingering, or gone in the middle of its request (not
            # a problem of the endpoint: nobody is left to answer, nothing is recorded).
            self._forget(conn)
            return
        if conn.phase is Phase.LINGER:
            conn.discarded += len(data)
            if conn.discarded > _LINGER_DISCARD:
                self._forget(conn)
            return
        conn.buf += data
        if conn.phase is Phase.BODY:
            conn.deadline = now + self._settings.request_timeout
        self._advance(conn, now)

    def _sniff(self, conn: Connection, now: float) -> bool:
        """Plain HTTP or TLS, from the first byte; ``True`` when the connection goes on as
        plain HTTP now (with bytes to read, or an end of stream to see)."""
        try:
            first = conn.sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            first = b""
        conn.sniffed = True
        if not first or first[0] != _TLS_RECORD or self._tls is None:
            return True
        try:
            context = self._tls()
            conn.sock = context.wrap_socket(
                conn.sock, server_side=True, do_handshake_on_connect=False
            )
        except Exception:
            self._problems.add(f"TLS could not be set up:\n{traceback.format_exc()}")
            self._forget(conn)
            return False
        conn.secure = True
        conn.phase = Phase.HANDSHAKE
        conn.deadline = now + self._settings.request_timeout
        self._handshake(conn, now)
        return False

    def _handshake(self, conn: Connection, now: float) -> None:
        """Drive the TLS handshake as far as the bytes at hand allow; then serve the
        connection as IDLE (its first request may have come with the handshake's end)."""
        sock = conn.sock
        assert isinstance(sock, ssl.SSLSocket)
        try:
            sock.do_handshake()
        except ssl.SSLWantReadError:
            self._want_write(conn, False)
            return
        except ssl.SSLWantWriteError:
            self._want_write(conn, True)
            return
        except (OSError, ValueError):
            # A client that refused the certificate, spoke no TLS, or left: not a problem
            # of the endpoint, and nobody to answer.
            self._forget(conn)
            return
        self._want_write(conn, False)
        conn.phase = Phase.IDLE
        conn.deadline = now + self._settings.idle_timeout
        self._readable(conn, now)

    def _advance(self, conn: Connection, now: float) -> None:
        """Read on in the buffer; each complete request is answered (here or by a worker)."""
        while conn.advance(self._settings, now):
            if not self._queue(conn, now):
                return

    def _queue(self, conn: Connection, now: float) -> bool:
        """Answer the complete request on ``conn`` here, or hand it to a worker; ``True`` when
        it was answered here and the next request's bytes are buffered already (pipelined)."""
        conn.phase = Phase.QUEUED
        answer_here = self._answer_here
        keep_alive = None if answer_here is None or conn.error else answer_here(conn)
        if keep_alive is None:  # a worker answers it, or finishes the answer
            self._unwatch(conn)
            conn.on_worker = True
            self._dispatch(conn)
            return False
        return self._resume(conn, keep_alive, now)

    def _refuse(self, conn: Connection, error: FramingError, now: float) -> None:
        """A worker answers the refusal (4xx/5xx, then the connection is closed)."""
        conn.error = error
        self._queue(conn, now)

    def _check_timeouts(self, now: float) -> None:
        for conn in list(self._watched.values()):
            if now < conn.deadline:
                continue
            if conn.phase is Phase.HEAD or conn.phase is Phase.BODY:
                target = conn.head.target if conn.head is not None else ""
                method = conn.head.method if conn.head is not None else ""
                message = "The request did not arrive in time."
                self._refuse(conn, FramingError(408, message, target, method), now)
            else:
                self._forget(conn)

    def _cut(self) -> None:
        """Close every connection the loop owns; those on workers close when handed back."""
        with self._returned_lock:
            cuts, self._cuts = self._cuts, []
        self._generation += 1
        for conn in list(self._watched.values()):
            self._drop(conn)
        for done in cuts:
            done.set()

    # -- stopping ----------------------------------------------------------------------------

    def _begin_stop(self) -> None:
        self._stop_begun = True
        self._unwatch_listener()
        self._refuse_backlog()
        ports.closing(self._listener)
        now = time.monotonic()
        for conn in list(self._watched.values()):
            if conn.phase is Phase.IDLE:
                self._readable(conn, now)  # bytes not read yet make it a request in progress
            if conn.phase in (Phase.IDLE, Phase.LINGER, Phase.HANDSHAKE):
                self._drop(conn)

    def _unwatch_listener(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._epoll.unregister(self._listener.fileno())

    def _refuse_backlog(self) -> None:
        """Close what waits in the listen backlog, reporting those that sent a request."""
        for _ in range(100_000):
            try:
                sock, address = self._listener.accept()
            except OSError:
                return
            with sock:
                try:
                    sent = sock.recv(256, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except OSError:
                    sent = b""
                if sent[:1] != bytes([_TLS_RECORD]) and sent.strip(b"\r\n"):
                    line = sent.lstrip(b"\r\n").split(CRLF, 1)[0].decode("latin-1")
                    self._problems.add(
                        f"request cut off at stop (never answered): {line!r} from {address}"
                    )

    def _cut_everything(self) -> None:
        """The deadline passed: report what is still in progress and end it."""
        timeout = self._settings.stop_timeout
        for conn in list(self.open):
            phase = conn.phase
            if phase in IN_PROGRESS and not conn.cut:
                conn.cut = True
                if phase is Phase.QUEUED:
                    how = "never answered"
                else:
                    how = f"still in progress after {timeout} s"
                line = conn.request_line()
                self._problems.add(f"request cut off at stop ({how}): {line!r} from {conn.address}")
            else:
                conn.cut = True
            if conn.on_worker:
                conn.shutdown()  # its worker sees the error, closes it and hands it back
            else:
                self._forget(conn)
