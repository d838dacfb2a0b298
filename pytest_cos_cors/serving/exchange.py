"""One request answered: the WSGI call, and the response written as the application gave it.

On a worker, the answer goes to the socket as it comes (blocking, with timeouts). On the selector
loop (a quick request whose whole body arrived, see :mod:`.server`), it is gathered in memory up
to a limit and sent without blocking; what the client does not take at once, and what the
application still has to give past the limit, is finished by a worker (:meth:`Exchange.finish`).

- the status line, the headers and the first body chunk go out in one ``sendall``;
- the application's headers are sent as given (it sends its own ``Server`` and ``Date``); the
  engine adds only ``Connection`` (``close``, or ``keep-alive`` to an HTTP/1.0 client that asked)
  and ``Transfer-Encoding: chunked`` when a body has no ``Content-Length`` (HTTP/1.1);
- a HEAD answer, a 1xx, 204 or 304 has no body; a body that does not match its
  ``Content-Length`` is a problem of the application: reported, and the connection closed;
- an exception that escapes the application is reported in ``problems`` and answered 500 (if
  nothing was sent yet; the connection is closed otherwise);
- a client that stalled while its body was read gets 408 instead of the application's answer;
  one that left gets nothing, and neither is a problem of the endpoint;
- an application that raises :class:`CloseConnection` (before it answers) gets the connection
  closed without an answer: the client sees the connection end, which a browser reports as a
  network error. Not a problem either: it is how a router says "nothing is here".
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import IO, TYPE_CHECKING, Protocol, cast

from ..wire import reason_phrase
from . import sockets
from .body import CONTINUE, BodyState, ContentInput, finish_chunked
from .connection import Connection, Phase, Settings
from .environ import build_environ
from .framing import FramingError, RequestHead, allows_body, response_head, status_code

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Headers = list[tuple[str, str]]
ErrorAnswer = Callable[[int, str, str], tuple[bytes, Headers]]
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None] | None


class ProblemSink(Protocol):
    def add(self, text: str) -> None: ...


class ClientGone(Exception):
    """Writing to the client failed or timed out: it left, stopped reading, or was cut."""


class CloseConnection(Exception):
    """Raised by a WSGI application that gives no answer at all: the engine closes the
    connection (after anything already sent) and reports nothing."""


class Context(Protocol):
    """What an exchange needs from its server."""

    app: WSGIApplication
    problems: ProblemSink
    settings: Settings
    address: tuple[str, int]

    def error_answer(self, status: int, message: str, target: str) -> tuple[bytes, Headers]: ...

    def internal_error(self, target: str) -> tuple[bytes, Headers]: ...

    @property
    def stopping(self) -> bool: ...


def send_refusal(conn: Connection, ctx: Context, error: FramingError) -> None:
    """Answer a request the HTTP layer refused (the connection is closed after it)."""
    body, headers = ctx.error_answer(error.status, error.message, error.target)
    status = f"{error.status} {reason_phrase(error.status)}"
    data = response_head(status, headers, "Connection: close\r\n")
    if error.method != "HEAD":
        data += body
    _send(conn, data, ctx.settings.request_timeout)


def _send(conn: Connection, data: bytes | bytearray | memoryview, timeout: float) -> None:
    try:
        sockets.send_all(conn.sock, data, timeout)
    except OSError as error:
        raise ClientGone(str(error)) from error


class Exchange:
    """One request and its response on ``conn``; :meth:`run` says whether the connection can
    carry another request."""

    def __init__(
        self, conn: Connection, head: RequestHead, ctx: Context, gather: int | None = None
    ) -> None:
        self.conn = conn
        self.head = head
        self.ctx = ctx
        self.timeout = ctx.settings.request_timeout
        self.state = BodyState(head.expect_continue)
        self.input: ContentInput | None = None
        self.status: str | None = None
        self.headers: Headers | None = None
        self.sent_head = False
        self.close = not head.keep_alive
        self.chunked = False
        self.length: int | None = None  # the application's Content-Length
        self.sent = 0
        self.has_body = True
        # Answering on the selector loop: the answer is gathered here, up to ``gather`` bytes.
        self.gather = gather
        self.out: bytearray | None = None if gather is None else bytearray()
        self.result: Iterable[bytes] | None = None  # the application's, until it is closed
        self.chunks: Iterator[bytes] | None = None  # what is left of it
        self.outcome: bool | None = None  # once answered: whether the connection is reusable

    # -- the request -------------------------------------------------------------------------

    def _emit(self, data: bytes | bytearray) -> None:
        """To the client: gathered (on the loop) or sent now (on a worker)."""
        out = self.out
        if out is not None:
            out += data
        else:
            _send(self.conn, data, self.timeout)

    def _send_continue(self) -> None:
        if not self.state.continue_sent and not self.sent_head:
            self.state.continue_sent = True
            self._emit(CONTINUE)

    def _body(self) -> tuple[IO[bytes], bool] | None:
        """``wsgi.input`` and whether it is terminated; ``None`` when the body could not be
        read (the answer, if any, is already sent)."""
        head, conn = self.head, self.conn
        if head.chunked:
            decoder = conn.decoder
            assert decoder is not None
            if not decoder.done:
                if self.state.expect_continue:
                    self._send_continue()
                try:
                    complete = finish_chunked(conn, decoder, self.state, self.timeout)
                except FramingError as error:
                    error.method = head.method
                    send_refusal(conn, self.ctx, error)
                    return None
                if not complete:
                    if self.state.stalled:
                        self._refuse(408, "The request body did not arrive in time.")
                    return None
            body = decoder.body()
            conn.decoder = None
            return io.BytesIO(body), True
        if head.content_length:
            self.input = ContentInput(
                conn, head.content_length, self.state, self._send_continue, self.timeout
            )
            return cast("IO[bytes]", self.input), False
        return io.BytesIO(), False

    def _refuse(self, status: int, message: str) -> None:
        head = self.head
        send_refusal(self.conn, self.ctx, FramingError(status, message, head.target, head.method))

    # -- the response ------------------------------------------------------------------------

    def start_response(
        self, status: str, headers: Headers, exc_info: _ExcInfo = None, /
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None:
            try:
                if self.sent_head:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response() called twice without exc_info")
        self.status, self.headers = status, headers
        return self.write

    def _head(self) -> bytes:
        """The response head; decides the body's framing and whether the connection closes."""
        status, headers = self.status, self.headers
        if status is None or headers is None:
            raise AssertionError("the application sent a body before start_response()")
        code = status_code(status)
        head = self.head
        self.has_body = allows_body(code, head.method)
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                try:
                    self.length = int(value)
                except ValueError:
                    raise ValueError(f"invalid Content-Length {value!r}") from None
            elif lower == "connection" and "close" in value.lower():
                self.close = True
            elif lower == "transfer-encoding":
                raise ValueError("a WSGI application must not set Transfer-Encoding")
        if self.ctx.stopping:
            self.close = True
        input_ = self.input
        if (
            input_ is not None
            and input_.remaining > 0
            and (self.state.continue_pending or input_.remaining > self.ctx.settings.drain_limit)
        ):
            self.close = True
        extra = ""
        if self.has_body and self.length is None and code >= 200:
            if head.minor >= 1:
                self.chunked = True
                extra = "Transfer-Encoding: chunked\r\n"
            else:
                self.close = True  # the end of the body is the end of the connection
        if self.close:
            extra += "Connection: close\r\n"
        elif head.minor == 0:
            extra += "Connection: keep-alive\r\n"
        return response_head(status, headers, extra)

    def write(self, data: bytes) -> None:
        if type(data) is not bytes:
            if not isinstance(data, bytes | bytearray | memoryview):
                raise TypeError(f"a WSGI application must give bytes, not {type(data).__name__}")
            data = bytes(data)
        if not self.sent_head:
            if self.state.stalled or self.state.client_gone:
                raise ClientGone("the client stalled or left while its body was read")
            head = self._head()
            self.sent_head = True
            self._emit(head + self._frame(data) if data else head)
        elif data:
            self._emit(self._frame(data))

    def _frame(self, data: bytes) -> bytes:
        if not self.has_body:
            return b""
        if self.length is not None:
            room = self.length - self.sent
            if len(data) > room:
                self.close = True
                self.ctx.problems.add(
                    f"the application sent more than its Content-Length ({self.length}) for "
                    f"{self.head.line!r}; the extra bytes were not sent"
                )
                data = data[: max(0, room)]
            self.sent += len(data)
            return data
        self.sent += len(data)
        if self.chunked and data:
            return b"%x\r\n%b\r\n" % (len(data), data)
        return data

    def _finish(self) -> None:
        if not self.sent_head:
            self.write(b"")
        if self.chunked:
            self._emit(b"0\r\n\r\n")
        elif self.has_body and self.length is not None and self.sent < self.length:
            self.close = True
            self.ctx.problems.add(
                f"the application sent {self.sent} bytes for a Content-Length of {self.length} "
                f"({self.head.line!r}); the connection was closed"
            )

    # -- the whole exchange ------------------------------------------------------------------

    def run(self) -> bool | None:
        """Serve the request: ``True`` when the connection can carry another one; ``None`` when
        the answer is gathered (on the loop) and the application has more to give than
        ``gather`` bytes: :meth:`finish` goes on with it."""
        body = self._body()
        if body is None:
            return False
        stream, terminated = body

        def call() -> Iterable[bytes]:
            environ = build_environ(
                self.head,
                stream,
                self.ctx.address,
                self.conn.address,
                terminated=terminated,
                scheme="https" if self.conn.secure else "http",
            )
            return self.ctx.app(environ, self.start_response)

        return self._proceed(call)

    def send_gathered(self) -> bool:
        """On the loop: send what the kernel takes of the gathered answer now, without
        waiting; ``True`` when nothing is left to do (all sent, or the client is gone)."""
        out = self.out
        assert out is not None
        try:
            while out:
                del out[: self.conn.sock.send(out)]
        except sockets.WOULD_BLOCK:
            return False
        except OSError:
            self.outcome = False
            out.clear()
        return True

    def finish(self) -> bool:
        """On a worker, after :meth:`run` or :meth:`send_gathered` stopped: send what was
        gathered and not taken yet, then the rest of the answer; whether the connection can
        carry another request."""
        out, self.out = self.out, None
        if out:
            try:
                _send(self.conn, out, self.timeout)
            except ClientGone:
                self._close_result()
                return False
        if self.outcome is not None:
            return self.outcome
        outcome = self._proceed(None)
        assert outcome is not None
        return outcome

    def _proceed(self, call: Callable[[], Iterable[bytes]] | None) -> bool | None:
        """Call the application (``call``, the first time) and write what it gives; whether
        the connection can carry another request (``None``: the gathering limit was reached
        first)."""
        try:
            try:
                if call is not None:
                    self.result = call()
                    self.chunks = iter(self.result)
                if not self._pump():
                    return None
                self._finish()
                self.conn.phase = Phase.ANSWERED
            except BaseException:
                self._close_result()
                raise
            self._close_result()
        except ClientGone:
            if self.state.stalled and not self.sent_head:
                self._refuse(408, "The request body did not arrive in time.")
            self.outcome = False
        except CloseConnection:
            self.outcome = False
        except Exception:
            self._application_failed()
            self.outcome = False
        else:
            self.outcome = self._reusable()
        return self.outcome

    def _pump(self) -> bool:
        """Write the application's chunks; ``False`` when the gathered answer grew past
        ``gather`` bytes before the application was done."""
        chunks, out, limit = self.chunks, self.out, self.gather
        assert chunks is not None
        for chunk in chunks:
            self.write(chunk)
            if out is not None and limit is not None and len(out) > limit:
                return False
        return True

    def _close_result(self) -> None:
        result, self.result, self.chunks = self.result, None, None
        close = getattr(result, "close", None)
        if close is not None:
            close()

    def _reusable(self) -> bool:
        if self.close or self.ctx.stopping:
            return False
        input_ = self.input
        return input_ is None or input_.drain(self.ctx.settings.drain_limit)

    def _application_failed(self) -> None:
        head = self.head
        self.ctx.problems.add(
            f"the server failed on {head.method} {head.target} from {self.conn.address}:\n"
            f"{traceback.format_exc()}"
        )
        if self.sent_head:
            return
        body, headers = self.ctx.internal_error(head.target.split("?", 1)[0])
        data = response_head("500 Internal Server Error", headers, "Connection: close\r\n")
        if head.method != "HEAD":
            data += body
        self._emit(data)
