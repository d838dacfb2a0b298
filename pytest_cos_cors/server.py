"""A threaded werkzeug WSGI server that starts and stops in well under a millisecond.

Differences from werkzeug's own ``ThreadedWSGIServer`` (which pytest-httpserver uses):

- the serve loop blocks on the listening socket *and* a wake-up socket pair, so ``stop()`` returns
  at once instead of waiting for the next 0.5 s shutdown poll;
- no package-metadata look-up, no reverse DNS, no ``sys.exit`` on a bind error;
- connections are tracked: ``stop()`` lets requests in flight finish within a bound, cuts the
  rest, reports them, and joins every handler thread;
- a port this process released recently is never handed out again (the OS may reuse it at once,
  and a late request from the previous test would land in the next one);
- ``Server: tencent-cos`` only, ``TCP_NODELAY``, no request logging.
"""

from __future__ import annotations

import contextlib
import io
import select
import selectors
import socket
import socketserver
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    connection_dropped_errors,
    get_sockaddr,
    select_address_family,
)

from .recording import Problems

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SERVER_NAME = "tencent-cos"

# Ports released by this process, most recent last; never handed to a new endpoint.
_RECENT_LIMIT = 4096
_recent_ports: OrderedDict[int, None] = OrderedDict()
_recent_lock = threading.Lock()


def _port_recently_released(port: int) -> bool:
    with _recent_lock:
        return port in _recent_ports


def _release_port(port: int) -> None:
    with _recent_lock:
        _recent_ports.pop(port, None)
        _recent_ports[port] = None
        while len(_recent_ports) > _RECENT_LIMIT:
            _recent_ports.popitem(last=False)


CONNECTED, REQUEST, RESPONDED = "connected", "request", "responded"


@dataclass(eq=False)
class _Connection:
    sock: socket.socket
    address: Any
    state: str = CONNECTED
    request: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)

    def shutdown(self, how: int) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(how)


_READ_CHUNK = 65536


class _Reader(io.BufferedIOBase):
    """The connection's reader, except that a large ``read(n)`` allocates what arrives rather
    than ``n`` bytes up front: werkzeug drains every connection after its response with
    ``read(10_000_000)``, a 10 MB allocation per request otherwise."""

    def __init__(self, inner: io.BufferedIOBase) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size <= _READ_CHUNK:
            return self._inner.read(size)
        chunks = []
        while size > 0:
            chunk = self._inner.read(min(size, _READ_CHUNK))
            chunks.append(chunk)
            size -= len(chunk)
            if len(chunk) < _READ_CHUNK:
                break  # end of stream, or exactly what was asked
        return b"".join(chunks)

    def read1(self, size: int = -1) -> bytes:
        return self._inner.read1(size)

    def readinto(self, buffer: Any) -> int:
        return self._inner.readinto(buffer)

    def readline(self, size: int | None = -1) -> bytes:
        return self._inner.readline(size)

    def fileno(self) -> int:
        return self._inner.fileno()

    def close(self) -> None:
        self._inner.close()
        super().close()


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


class CosRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, HTTP/1.1, without its banner, its logging or Nagle's algorithm."""

    server: CosWSGIServer
    _headers_buffer: list[bytes]
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    _in_app = False

    def setup(self) -> None:
        super().setup()
        self.rfile = _Reader(self.rfile)

    def version_string(self) -> str:
        return SERVER_NAME

    def send_response(self, code: int, message: str | None = None) -> None:
        # The application sends its own Server and Date headers; http.server's own error pages
        # (a malformed request line...) get them here.
        self.send_response_only(code, message)
        if not self._in_app:
            self.send_header("Server", SERVER_NAME)
            self.send_header("Date", self.date_time_string())

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a header section too large...)
        as COS ``<Error>`` documents with COS's headers, instead of its HTML page; the reason
        phrase is RFC 9110's (http.server would put the message, request line and all, there)."""
        from .cos_app import protocol_error  # cos_app imports this module

        self.close_connection = True
        body, headers = protocol_error(code, message, str(getattr(self, "path", "") or ""))
        self.send_response_only(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def parse_request(self) -> bool:
        # A request line was read: from here on the connection has a request in progress, even
        # while its headers or body are still arriving (stop() reports it if it has to cut it).
        connection = self.server._connections.get(self.connection)
        if connection is not None:
            connection.request = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
            connection.state = REQUEST
        return super().parse_request()

    def run_wsgi(self) -> None:
        self._in_app = True
        try:
            if self.request_version == "HTTP/0.9":
                super().run_wsgi()  # no status line, no headers: werkzeug's own way
            else:
                self._run_wsgi()
        finally:
            self._in_app = False

    def _run_wsgi(self) -> None:
        """werkzeug's ``run_wsgi`` (3.1), sending the same bytes with fewer calls: the status
        line, headers and first body chunk go out in one ``sendall``, and the post-response
        drain waits with ``poll`` instead of a new epoll selector per request."""
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

        self.environ = environ = self.make_environ()
        status_set: str | None = None
        headers_set: list[tuple[str, str]] | None = None
        status_sent: str | None = None
        headers_sent: list[tuple[str, str]] | None = None
        chunk_response: bool = False

        def write(data: bytes) -> None:
            nonlocal status_sent, headers_sent, chunk_response
            assert status_set is not None, "write() before start_response"
            assert headers_set is not None, "write() before start_response"
            if status_sent is None:
                status_sent = status_set
                headers_sent = headers_set
                try:
                    code_str, msg = status_sent.split(None, 1)
                except ValueError:
                    code_str, msg = status_sent, ""
                code = int(code_str)
                self.send_response(code, msg)
                # http.server's send_header, inlined: same bytes, same failure on a value
                # that is not Latin-1 (nothing sent yet, as there).
                lines = self._headers_buffer
                header_keys = set()
                for key, value in headers_sent:
                    line = "%s: %s\r\n" % (key, value)  # noqa: UP031 - http.server's format
                    lines.append(line.encode("latin-1", "strict"))
                    lower = key.lower()
                    header_keys.add(lower)
                    if lower == "connection":
                        if value.lower() == "close":
                            self.close_connection = True
                        elif value.lower() == "keep-alive":
                            self.close_connection = False
                if (
                    not (
                        "content-length" in header_keys
                        or environ["REQUEST_METHOD"] == "HEAD"
                        or (100 <= code < 200)
                        or code in {204, 304}
                    )
                    and self.protocol_version >= "HTTP/1.1"
                ):
                    chunk_response = True
                    lines.append(b"Transfer-Encoding: chunked\r\n")
                # werkzeug always closes the connection.
                lines.append(b"Connection: close\r\n\r\n")
                self.close_connection = True
                if isinstance(data, bytes) and data and not chunk_response:
                    lines.append(data)  # the body goes with the headers
                    self.wfile.write(b"".join(lines))
                    self._headers_buffer = []
                    self.wfile.flush()
                    return
                self.wfile.write(b"".join(lines))
                self._headers_buffer = []

            assert isinstance(data, bytes), "applications must write bytes"
            if data:
                if chunk_response:
                    self.wfile.write(hex(len(data))[2:].encode())
                    self.wfile.write(b"\r\n")
                self.wfile.write(data)
                if chunk_response:
                    self.wfile.write(b"\r\n")
            self.wfile.flush()

        def start_response(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            nonlocal status_set, headers_set
            if exc_info:
                try:
                    if headers_sent:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif headers_set:
                raise AssertionError("Headers already set")
            status_set = status
            headers_set = headers
            return write

        def execute(app: WSGIApplication) -> None:
            application_iter = app(environ, start_response)
            try:
                for data in application_iter:
                    write(data)
                if not headers_sent:
                    write(b"")
                if chunk_response:
                    self.wfile.write(b"0\r\n\r\n")
            finally:
                # Discard what the client still sends (werkzeug's drain: up to 10 ms between
                # reads, 10 MB a read, 1000 reads or 10 GB at most).
                poller = select.poll()
                poller.register(self.connection, select.POLLIN)
                total_size = 0
                total_reads = 0
                while poller.poll(10):
                    drained = self.rfile.read(10_000_000)
                    total_size += len(drained)
                    total_reads += 1
                    if not drained or total_size >= 10_000_000_000 or total_reads > 1000:
                        break
                if hasattr(application_iter, "close"):
                    application_iter.close()

        try:
            execute(self.server.app)
        except connection_dropped_errors as e:
            self.connection_dropped(e, environ)
        except Exception as e:
            if self.server.passthrough_errors:
                raise
            if status_sent is not None and chunk_response:
                self.close_connection = True
            try:
                # if the headers were not sent yet, they may be set again
                if status_sent is None:
                    status_set = None
                    headers_set = None
                execute(InternalServerError())
            except Exception:
                pass
            from werkzeug.debug.tbtools import DebugTraceback

            message = DebugTraceback(e).render_traceback_text()
            self.server.log("error", f"Error on request:\n{message}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass


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
        problems: Problems,
        *,
        stop_timeout: float = 2.0,
    ) -> None:
        # werkzeug's BaseWSGIServer.__init__ is bypassed on purpose (see the module docstring);
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
        self._connections: dict[socket.socket, _Connection] = {}
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
                if self.requested_port != 0 or not _port_recently_released(port):
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
                    connection = _Connection(sock, address, thread=me)
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
        connection = _Connection(request, client_address, thread=threading.current_thread())
        with self._lock:
            self._connections[request] = connection
            self._idle -= 1
        self._serve_connection(connection)

    def _serve_connection(self, connection: _Connection) -> None:
        try:
            self.finish_request(connection.sock, connection.address)
        except Exception:
            self.handle_error(connection.sock, connection.address)
        finally:
            self.shutdown_request(connection.sock)
            with self._lock:
                self._connections.pop(connection.sock, None)
                self._idle += 1

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
                connection.request = f"{environ['REQUEST_METHOD']} {environ['REQUEST_URI']}"
                connection.state = REQUEST
            try:
                return app(environ, start_response)
            finally:
                if connection is not None:
                    connection.state = RESPONDED

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
        _release_port(self.port)

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
