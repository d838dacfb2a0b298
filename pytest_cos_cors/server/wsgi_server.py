"""The server: a pool of worker threads serving one WSGI application, tracking every connection
so that ``stop()`` is immediate, bounded, and reports what it had to cut."""

from __future__ import annotations

import contextlib
import select
import selectors
import socket
import socketserver
import threading
import time
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.serving import ThreadedWSGIServer, get_sockaddr, select_address_family

from ..constants import SERVER_NAME
from . import ports
from .connections import CONNECTED, REQUEST, RESPONDED, Connection
from .handler import CosRequestHandler

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class ProblemSink(Protocol):
    """Where the server reports what went wrong (the endpoint's problems, read by ``check()``)."""

    def add(self, text: str) -> None: ...


class _Waiter:
    """What one worker waits on: the listening socket and the wake-up socket of ``stop()``."""

    def __init__(self, listening: socket.socket, wake: socket.socket) -> None:
        self._wake = wake.fileno()
        self._epoll: select.epoll | None = None
        self._selector: selectors.BaseSelector | None = None
        if hasattr(select, "epoll"):
            self._epoll = select.epoll()
            try:
                # Exclusive: a new connection wakes one waiting worker, not all of them.
                self._epoll.register(listening, select.EPOLLIN | select.EPOLLEXCLUSIVE)
            except (OSError, AttributeError):  # a kernel older than 4.5
                self._epoll.register(listening, select.EPOLLIN)
            self._epoll.register(self._wake, select.EPOLLIN)
        else:
            self._selector = selectors.DefaultSelector()
            self._selector.register(listening, selectors.EVENT_READ)
            self._selector.register(self._wake, selectors.EVENT_READ)

    def wait(self) -> bool:
        """Block until a connection is waiting (``True``) or ``stop()`` woke every worker."""
        if self._epoll is not None:
            ready = [fd for fd, _ in self._epoll.poll()]
        else:
            assert self._selector is not None
            ready = [key.fd for key, _ in self._selector.select()]
        return self._wake not in ready

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
        if self._selector is not None:
            self._selector.close()


class CosWSGIServer(ThreadedWSGIServer):
    """Serve ``app`` on ``host:port`` (0: any free port) from a thread of its own."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        problems: ProblemSink,
        *,
        stop_timeout: float = 2.0,
    ) -> None:
        # werkzeug's BaseWSGIServer.__init__ is bypassed on purpose (see the package docstring);
        # the attributes its request handler reads are set here.
        self.host = host
        self.requested_port = port
        self.app = self._tracking(app)
        self.passthrough_errors = False
        self.ssl_context = None
        self._server_version = SERVER_NAME
        self.problems = problems
        self.stop_timeout = stop_timeout
        self.address_family = select_address_family(host, port)
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, Connection] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._idle = 0  # workers not serving a connection
        self._accept_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        socketserver.TCPServer.__init__(
            self,
            get_sockaddr(host, port, self.address_family),  # type: ignore[arg-type]
            CosRequestHandler,
            bind_and_activate=False,
        )
        try:
            self.server_bind()
            self.server_activate()
        except BaseException:
            self._close_sockets()
            raise
        self.port: int = self.socket.getsockname()[1]

    # -- binding -----------------------------------------------------------------------------

    def server_bind(self) -> None:
        rejected: list[socket.socket] = []
        try:
            for _ in range(64):
                socketserver.TCPServer.server_bind(self)
                port = self.socket.getsockname()[1]
                if self.requested_port != 0 or not ports.recently_released(port):
                    break
                rejected.append(self.socket)  # keep it bound so the OS picks another one
                self.socket = socket.socket(self.address_family, self.socket_type)
        finally:
            for sock in rejected:
                sock.close()
        self.server_name = self.host
        self.server_port = self.socket.getsockname()[1]
        self.socket.setblocking(False)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        sock.setblocking(True)
        return sock, address

    # -- serving -----------------------------------------------------------------------------

    def start(self) -> None:
        """Serve from a pool of worker threads, grown as connections overlap."""
        self._spawn()

    def _spawn(self) -> None:
        """Add a worker to the pool; each one persists until :meth:`stop`."""
        with self._lock:  # held while it starts: stop() never sees it unstarted
            if self._stopping:
                return
            waiter = _Waiter(self.socket, self._wake_r)
            thread = threading.Thread(
                target=self._work, args=(waiter,), name=f"cos-cors-worker:{self.port}", daemon=True
            )
            self._threads.append(thread)
            self._idle += 1
            thread.start()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve from the calling thread (and the workers it adds) until :meth:`stop`."""
        with self._lock:
            if self._stopping:
                return
            waiter = _Waiter(self.socket, self._wake_r)
            self._threads.append(threading.current_thread())
            self._idle += 1
        self._work(waiter)

    def _work(self, waiter: _Waiter) -> None:
        """A worker: wait for a connection (or the wake-up of :meth:`stop`), accept it, serve it,
        and again. Each worker waits on its own epoll, which the kernel wakes alone for a new
        connection (``EPOLLEXCLUSIVE``): one thread wakes per connection, and serves it. When
        no other worker is left waiting, the pool grows by one."""
        me = threading.current_thread()
        try:
            while not self._stopping:
                if not waiter.wait():
                    return
                with self._accept_lock:  # stop() takes it: nobody accepts past that point
                    if self._stopping:
                        return
                    try:
                        sock, address = self.get_request()
                    except OSError:
                        continue  # another worker took it, or the client is already gone
                    connection = Connection(sock, address, thread=me)
                    with self._lock:
                        self._connections[sock] = connection
                        self._idle -= 1
                        grow = self._idle == 0
                if grow:
                    self._spawn()
                self._serve_connection(connection)
        finally:
            waiter.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        """socketserver's entry point, for callers of ``handle_request()``: served inline."""
        connection = Connection(request, client_address, thread=threading.current_thread())
        with self._lock:
            self._connections[request] = connection
            self._idle -= 1
        self._serve_connection(connection)

    def _serve_connection(self, connection: Connection) -> None:
        try:
            CosRequestHandler(connection.sock, connection.address, self, connection)
        except Exception:
            self.handle_error(connection.sock, connection.address)
        finally:
            self.shutdown_request(connection.sock)
            with self._lock:
                self._connections.pop(connection.sock, None)
                self._idle += 1

    def requests_in_progress(self) -> int:
        """How many connections have a request in progress: its request line read, its answer
        not yet produced by the application."""
        with self._lock:
            return sum(1 for c in self._connections.values() if c.state == REQUEST)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.problems.add(
            f"the server failed on a connection from {client_address}:\n{traceback.format_exc()}"
        )

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
        """werkzeug logs handler failures to stderr; they are the endpoint's problems here."""
        if type == "error":
            self.problems.add(message % args if args else message)

    def _tracking(self, app: WSGIApplication) -> WSGIApplication:
        def tracked(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            connection = self._connections.get(environ.get("werkzeug.socket"))  # type: ignore[arg-type]
            if connection is not None:
                connection.request_started(f"{environ['REQUEST_METHOD']} {environ['REQUEST_URI']}")
            try:
                return app(environ, start_response)
            finally:
                if connection is not None:
                    connection.responded()

        return tracked

    # -- stopping ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop accepting, finish or cut what is in flight, join every thread, close every
        socket. Bounded by ``stop_timeout``; whatever had to be cut is added to ``problems``."""
        deadline = time.monotonic() + self.stop_timeout
        with self._lock:
            self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")  # left unread: every worker that selects next wakes too
        # Holding the accept lock, no worker is accepting: what is left in the backlog is refused.
        locked = self._accept_lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        if not locked:
            self.problems.add("the server thread did not stop in time")
        try:
            self._refuse_pending()
            self.socket.close()
        finally:
            if locked:
                self._accept_lock.release()
        self._finish_connections(deadline)
        # Only now: a worker that had not reached its wait yet still finds the wake-up there.
        self._wake_r.close()
        self._wake_w.close()
        ports.release(self.port)

    def _refuse_pending(self) -> None:
        """Close connections still in the listen backlog, reporting those that sent a request."""
        while True:
            try:
                sock, address = self.socket.accept()
            except OSError:
                return
            with sock:
                try:
                    sock.setblocking(False)
                    sent = sock.recv(256, socket.MSG_PEEK)
                except OSError:
                    sent = b""
                if sent:
                    line = sent.split(b"\r\n", 1)[0].decode("latin-1")
                    self.problems.add(
                        f"request cut off at stop (never answered): {line!r} from {address}"
                    )

    def _finish_connections(self, deadline: float) -> None:
        with self._lock:
            connections = list(self._connections.values())
            threads = list(self._threads)
        for connection in connections:
            if connection.state == CONNECTED:
                # No request line parsed yet: idle, unless the client's bytes are waiting unread.
                try:
                    sent = connection.sock.recv(256, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except OSError:
                    sent = b""
                if sent and connection.state == CONNECTED:
                    line = sent.split(b"\r\n", 1)[0].decode("latin-1")
                    self.problems.add(
                        f"request cut off at stop (never answered): {line!r} from "
                        f"{connection.address}"
                    )
                connection.shutdown(socket.SHUT_RDWR)
            elif connection.state == RESPONDED:
                connection.shutdown(socket.SHUT_RD)  # ends werkzeug's post-response drain
        for connection in connections:
            if connection.state == REQUEST and connection.thread is not None:
                connection.thread.join(max(0.0, deadline - time.monotonic()))
                if connection.thread.is_alive():
                    self.problems.add(
                        f"request cut off at stop (still in progress after "
                        f"{self.stop_timeout} s): {connection.request!r} from "
                        f"{connection.address}"
                    )
                    connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            if thread is threading.current_thread():
                continue  # stop() called from serve_forever's own thread
            thread.join(max(0.0, deadline - time.monotonic()) + 0.1)
            if thread.is_alive():
                self.problems.add(f"handler thread {thread.name} still running after stop")

    def _close_sockets(self) -> None:
        self.socket.close()
        self._wake_r.close()
        self._wake_w.close()
