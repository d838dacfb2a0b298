"""``CosServer``: a WSGI application served over HTTP/1.1 on one socket, started and stopped in
well under a millisecond, correct under client faults, bounded in threads and time.

The server's selector loop (:mod:`.loop`, run by the process's one driver thread,
:mod:`.driver`) owns every connection until a whole request has arrived; a bounded pool of
workers (:mod:`.pool`) answers requests (:mod:`.exchange`) and hands connections back for
keep-alive. Limits and timeouts are attributes, read at :meth:`start`.

Quick requests are answered on the selector loop itself: those whose whole body has arrived and
that ``quick(head, secure)`` (the owner's judgement: an answer that takes no time worth
mentioning and waits for nothing) accepts. Their answer is gathered, up to ``gather_limit``
bytes, and sent without blocking; a worker finishes what the client did not take at once or what
the application had left to give. A server whose requests are all quick never starts a worker:
no thread of its own, and no hand-off between threads per request.

With ``tls``, the same port also answers HTTPS: a connection that opens with a TLS handshake
record is served through the ``ssl.SSLContext`` that ``tls()`` gives (called once, on the first
such connection, so that a server nobody speaks TLS to never makes one).
"""

from __future__ import annotations

import ssl
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import ports, sockets
from .connection import Connection, Phase, Settings
from .driver import driver
from .exchange import ClientGone, Exchange, ProblemSink, send_refusal
from .framing import Limits, RequestHead
from .loop import SelectorLoop
from .pool import WorkerPool

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Headers = list[tuple[str, str]]
ErrorAnswer = Callable[[int, str, str], tuple[bytes, Headers]]
#: ``quick(head, secure)``: whether a request may be answered on the selector loop.
Quick = Callable[[RequestHead, bool], bool]

#: How long :meth:`CosServer.stop` waits, past ``stop_timeout``, for threads to end once every
#: connection was cut (a worker blocked on a socket wakes at once when it is shut down).
STOP_GRACE = 0.25
_READ = 65536


class CosServer:
    """Serve ``app`` on ``host:port`` (0: a free port this process did not release recently).

    The socket is bound at construction (``port`` is known at once) to exactly ``host``.
    ``framing_error(status, message, target)`` gives the body and headers of a refusal by the
    HTTP layer; ``internal_error(target)`` those of the 500 answered when an exception escapes the
    application (by default ``framing_error(500, ...)``). Failures of the application and
    requests cut off at stop are added to ``problems``; a client's faults are not.
    ``tls()``, when given, makes the server's TLS context (see the module's text).
    """

    #: A kept-alive connection without a request is closed after this many seconds.
    idle_timeout: float = 30.0
    #: A request head must arrive within this many seconds of its first byte, and a body or a
    #: response must make progress at least this often; else 408 (if nothing was answered yet)
    #: and the connection is closed.
    request_timeout: float = 10.0
    #: How long a closing connection waits for the client to close its side.
    linger_timeout: float = 2.0
    #: A worker without work for this many seconds exits.
    worker_idle_timeout: float = 10.0
    #: At most this many worker threads (requests answered at once).
    max_workers: int = 32
    #: Bodies up to this size are received before a worker is committed to the request.
    prebuffer: int = 65536
    #: An unread request body up to this size is discarded after the answer to keep the
    #: connection; a larger one closes it.
    drain_limit: int = 1 << 20
    #: After an answer, a worker waits this long for the client's next request before it hands
    #: the connection back to the selector loop.
    next_request_wait: float = 0.002
    #: Size limits of a request (414 / 431 / 413 beyond them).
    limits: Limits = Limits()
    #: A quick request's answer is gathered on the selector loop up to this many bytes; past
    #: them a worker sends it and the rest.
    gather_limit: int = 262144

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        problems: ProblemSink,
        *,
        stop_timeout: float = 2.0,
        framing_error: ErrorAnswer,
        internal_error: Callable[[str], tuple[bytes, Headers]] | None = None,
        tls: Callable[[], ssl.SSLContext] | None = None,
        quick: Quick | None = None,
    ) -> None:
        self.host = host
        self._quick = quick
        self.app = app
        self.problems = problems
        self.stop_timeout = stop_timeout
        self._framing_error = framing_error
        self._internal_error = internal_error
        self._tls = tls
        self._tls_context: ssl.SSLContext | None = None
        self._listener = ports.bind(host, port)
        self.port: int = self._listener.getsockname()[1]
        self.address = (host, self.port)
        self.settings = self._settings()
        self._lifecycle = threading.Lock()
        self._loop: SelectorLoop | None = None
        self._pool: WorkerPool[Connection] | None = None
        self._stopped = False

    def __repr__(self) -> str:
        return f"<CosServer {self.host}:{self.port}>"

    def _settings(self) -> Settings:
        return Settings(
            limits=self.limits,
            stop_timeout=self.stop_timeout,
            idle_timeout=self.idle_timeout,
            request_timeout=self.request_timeout,
            linger_timeout=self.linger_timeout,
            worker_idle_timeout=self.worker_idle_timeout,
            max_workers=self.max_workers,
            prebuffer=self.prebuffer,
            drain_limit=self.drain_limit,
            next_request_wait=self.next_request_wait,
        )

    # -- what an exchange needs (exchange.Context) -------------------------------------------

    @property
    def stopping(self) -> bool:
        loop = self._loop
        return loop is None or loop.stopping

    def error_answer(self, status: int, message: str, target: str) -> tuple[bytes, Headers]:
        return self._framing_error(status, message, target)

    def internal_error(self, target: str) -> tuple[bytes, Headers]:
        if self._internal_error is not None:
            return self._internal_error(target)
        return self._framing_error(500, "The server failed on this request.", target)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Serve from the driver's thread (:mod:`.driver`, started if it does not run);
        returns at once."""
        with self._lifecycle:
            if self._loop is not None or self._stopped:
                raise RuntimeError("a CosServer starts once")
            self.settings = settings = self._settings()
            name = f"cos-cors-worker:{self.port}"
            pool: WorkerPool[Connection] = WorkerPool(
                name, self._serve, settings.max_workers, settings.worker_idle_timeout, self._crash
            )
            tls = None if self._tls is None else self._tls_context_once
            answer_here = None if self._quick is None else self._answer_here
            loop = SelectorLoop(
                self._listener, settings, pool.submit, self.problems, tls, answer_here
            )
            self._pool, self._loop = pool, loop
            driver().attach(loop)

    def stop(self) -> None:
        """Stop accepting; let requests in progress finish within ``stop_timeout`` and cut off
        (and report) the rest; close every connection; join every worker (and the driver's
        thread if this server was the last it drove and nothing holds it). Idempotent."""
        with self._lifecycle:
            if self._stopped:
                return
            self._stopped = True
            deadline = time.monotonic() + self.stop_timeout
            loop, pool = self._loop, self._pool
            if loop is None or pool is None:
                ports.closing(self._listener)
                return
            if not driver().stop(loop, deadline, STOP_GRACE):  # pragma: no cover - never blocks
                self.problems.add(f"the selector loop of {self!r} did not stop in time")
            running, never_taken = pool.shutdown(time.monotonic() + STOP_GRACE)
            for conn in never_taken:
                conn.close()
            for worker in running:
                self.problems.add(f"handler thread {worker.name} still running after stop")

    def _tls_context_once(self) -> ssl.SSLContext:
        """The TLS context, made on the first TLS connection (on the loop's thread)."""
        context = self._tls_context
        if context is None:
            assert self._tls is not None
            context = self._tls_context = self._tls()
        return context

    def cut_connections(self, timeout: float | None = None) -> bool:
        """Close every connection open now: at once those waiting for a request, and each
        one a worker is answering once its answer is sent (never kept alive); a request on
        one of them that was not being answered yet is not answered. Connections accepted
        afterwards are served as usual. Whether the loop did it within ``timeout``
        (seconds; default ``stop_timeout``)."""
        loop = self._loop
        if loop is None or self._stopped:
            return True
        done = loop.request_cut()
        return done.wait(self.stop_timeout if timeout is None else timeout)

    def requests_in_progress(self) -> int:
        """Connections whose request has begun to arrive and is not answered yet."""
        loop = self._loop
        return 0 if loop is None else loop.in_progress()

    @property
    def closed(self) -> bool:
        """Whether the server is done: its selector loop finished, every connection and the
        listening socket closed (at the end of :meth:`stop`, or a moment later if a turn was
        stuck then)."""
        loop = self._loop
        return self._stopped and (loop is None or loop.finished.is_set())

    @property
    def workers(self) -> int:
        """Worker threads alive now."""
        pool = self._pool
        return 0 if pool is None else pool.size

    # -- a worker's job ----------------------------------------------------------------------

    def _serve(self, conn: Connection) -> None:
        """A worker's job: answer the request on ``conn``, and the next ones while they come
        at once (a kept-alive client usually sends its next request within a few hundred
        microseconds: waiting ``next_request_wait`` for it here saves two thread hand-offs);
        then hand the connection back to the selector loop, or close it."""
        loop = self._loop
        assert loop is not None
        settings = self.settings
        while True:
            if conn.generation < loop.generation:
                # Accepted before a cut (cut_connections): whatever it asks reaches nothing;
                # the loop closes it.
                loop.hand_back(conn, True)
                return
            if conn.cut or not self._answer(conn):
                loop.hand_back(conn, False)
                return
            if loop.stopping:
                loop.hand_back(conn, True)
                return
            conn.phase = Phase.IDLE
            if not conn.buf:
                try:
                    data = b""
                    if sockets.readable(conn.sock, settings.next_request_wait):
                        data = conn.sock.recv(_READ)
                        if not data:  # the client closed: nothing left to say
                            loop.close_connection(conn)
                            return
                except sockets.WOULD_BLOCK:
                    data = b""
                except OSError:
                    loop.close_connection(conn)
                    return
                if not data:
                    loop.hand_back(conn, True)
                    return
                conn.buf += data
            if not conn.advance(settings, time.monotonic()):
                loop.hand_back(conn, True)  # the loop waits for the rest of it
                return

    def _answer_here(self, conn: Connection) -> bool | None:
        """On the selector loop: answer a quick request whose whole body has arrived, and
        say whether the connection may carry another; ``None`` to give it to a worker (a
        request that is not quick, or an answer a worker must finish: ``conn.resume``)."""
        head = conn.head
        assert head is not None
        assert self._quick is not None
        if not _buffered(conn, head) or not self._quick(head, conn.secure):
            return None
        conn.phase = Phase.SERVING
        exchange = Exchange(conn, head, self, gather=self.gather_limit)
        try:
            outcome = exchange.run()
            if outcome is not None and exchange.send_gathered():
                return exchange.outcome
        except Exception:  # pragma: no cover - the exchange reports the application's failures
            self.problems.add(
                f"the server failed on a connection from {conn.address}:\n{traceback.format_exc()}"
            )
            return False
        conn.resume = exchange
        return None

    def _answer(self, conn: Connection) -> bool:
        """Answer the request (or the refusal) on ``conn``, or finish the answer the selector
        loop began; whether the connection may carry another request."""
        conn.phase = Phase.SERVING
        try:
            exchange, conn.resume = conn.resume, None
            if exchange is not None:
                assert isinstance(exchange, Exchange)
                return exchange.finish()
            if conn.error is not None:
                send_refusal(conn, self, conn.error)
                conn.phase = Phase.ANSWERED
                return False
            head = conn.head
            assert head is not None
            return bool(Exchange(conn, head, self).run())
        except ClientGone:
            return False
        except Exception:
            self.problems.add(
                f"the server failed on a connection from {conn.address}:\n{traceback.format_exc()}"
            )
            return False

    def _crash(self, error: BaseException) -> None:  # pragma: no cover - _serve catches all
        self.problems.add(f"a worker of the server failed: {error!r}")


def _buffered(conn: Connection, head: RequestHead) -> bool:
    """Whether the whole body of the request on ``conn`` has arrived (none counts)."""
    if head.chunked:
        decoder = conn.decoder
        return decoder is not None and decoder.done
    return len(conn.buf) >= (head.content_length or 0)
