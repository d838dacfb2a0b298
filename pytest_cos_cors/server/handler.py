"""The request handler: werkzeug's, speaking HTTP/1.1 without its banner, its logging or Nagle's
algorithm; http.server's own refusals as COS ``<Error>`` answers; the tracked connection told
when a request starts."""

from __future__ import annotations

import io
import select
import socket
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, connection_dropped_errors

from .. import wire
from ..constants import SERVER_NAME
from .connections import Connection

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

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


class CosRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, HTTP/1.1, without its banner, its logging or Nagle's algorithm.

    ``tracked`` is the server's record of this connection: it is told when a request line has
    been read (from then on a request is in progress, even while its headers still arrive).
    """

    _headers_buffer: list[bytes]
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    _in_app = False

    def __init__(
        self,
        request: socket.socket,
        client_address: Any,
        server: BaseWSGIServer,
        tracked: Connection | None = None,
    ) -> None:
        self.tracked = tracked
        super().__init__(request, client_address, server)  # serves the connection

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
            self.send_header("Date", wire.http_date())

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a header section too large...)
        as COS ``<Error>`` documents with COS's headers, instead of its HTML page; the reason
        phrase is RFC 9110's (http.server would put the message, request line and all, there)."""
        self.close_connection = True
        body, headers = wire.protocol_error(code, message, str(getattr(self, "path", "") or ""))
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
        if self.tracked is not None:
            self.tracked.request_started(str(self.raw_requestline, "iso-8859-1").rstrip("\r\n"))
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

    # Copied from werkzeug 3.1.8, ``WSGIRequestHandler.run_wsgi`` (unchanged through the 3.1
    # series): compare with that version's source when upgrading werkzeug.
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
