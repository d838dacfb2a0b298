"""One address for a browser shared by a whole session: the front.

Chromium reads ``--host-resolver-rules`` once, at launch, while each test's endpoint listens on
a port of its own and serves origins the test chooses. So a session's browser is launched with
:meth:`BrowserFront.browser_args`, which send *every* host name (``localhost`` and
``127.0.0.1`` excepted) to the front: an HTTP and HTTPS server of the same engine as the
endpoints, on a port of its own, that routes each request by ``Host`` to the endpoints
:meth:`attached <BrowserFront.attach>` now (the test's ``cos_cors``, and those ``make_cos_cors``
gave it): a served origin's site, COS for a COS host name (the endpoint that has the host's
bucket, else the first attached), and nothing at all for any other name.

"Nothing at all" is the connection closed without an answer, which a page sees as a network
error (``TypeError: Failed to fetch``), never as an answer of some other test. It is also what
a request gets when no endpoint is attached: one that arrives after its test ended (from a
page that is still open, a timer, a beacon) reaches nothing, and :meth:`BrowserFront.detach`
first lets the requests of that endpoint finish, then closes every connection the browser
opened, so that a kept-alive connection cannot carry a later request to the next test's
endpoint. A TLS client asking for a name that no attached endpoint serves (SNI) is refused
during the handshake.

What reached nothing while endpoints were attached (a request for a host no endpoint serves, a
TLS handshake for such a name) is remembered for the test (:attr:`BrowserFront.unrouted`, from
the first endpoint attached on): the report of a failed test lists it, since the page saw only
a network error.

Unlike a TCP relay, the front is no extra hop: the request is answered on the front's own
worker by the endpoint's WSGI application, and it is recorded in that endpoint's log as if it
had come to the endpoint's port.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from . import tls
from .addressing import host_bucket
from .recording import Problems
from .serving import CloseConnection, CosServer
from .wire import internal_error, protocol_error

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .endpoint import CosCorsEndpoint

__all__ = ["BrowserFront"]

#: How many requests that reached nothing a test's record keeps (the first ones).
UNROUTED_KEPT = 20


class _Counted:
    """A WSGI response that calls ``done`` once, when the engine closes it."""

    def __init__(self, result: Iterable[bytes], done: Callable[[], None]) -> None:
        self._result = result
        self._done = done
        self._open = True

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._result)

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class BrowserFront:
    """The session browser's one address (see the module's text): started by
    :meth:`start`, it routes to the endpoints of :meth:`attach` until their :meth:`detach`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.problems = Problems()
        self._changes = threading.Condition()
        # The attached endpoints, oldest first (replaced whole), and their requests in flight.
        self._targets: tuple[CosCorsEndpoint, ...] = ()
        self._in_flight: dict[int, int] = {}
        self._unrouted: list[str] = []
        self._tls: ssl.SSLContext | None = None
        self._server = CosServer(
            host,
            0,
            self._route,
            self.problems,
            framing_error=protocol_error,
            internal_error=internal_error,
            tls=self._tls_context,
        )
        self.port: int = self._server.port
        self.host = host

    def __repr__(self) -> str:
        return f"<BrowserFront {self.host}:{self.port} targets={self._targets!r}>"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        """Stop serving (idempotent); attached endpoints are detached first."""
        for target in self._targets:
            self.detach(target)
        self._server.stop()

    # -- what the browser is given -----------------------------------------------------------

    def browser_args(self) -> list[str]:
        """Chromium flags: every host name, except ``localhost``, ``*.localhost`` and
        ``127.0.0.1``, to the front (one ``--host-resolver-rules``: Chromium keeps only the
        last); the fake's certificates accepted by their key, and no other certificate error."""
        target = f"{self.host}:{self.port}"
        rules = [f"MAP * {target}", "EXCLUDE localhost", "EXCLUDE *.localhost", "EXCLUDE 127.0.0.1"]
        return [f"--host-resolver-rules={', '.join(rules)}", tls.browser_flag()]

    # -- the endpoint it routes to -----------------------------------------------------------

    @property
    def target(self) -> CosCorsEndpoint | None:
        """The first endpoint the browser reaches now (``None``: nothing)."""
        targets = self._targets
        return targets[0] if targets else None

    @property
    def targets(self) -> tuple[CosCorsEndpoint, ...]:
        """Every endpoint the browser reaches now, in the order they were attached."""
        return self._targets

    def attach(self, endpoint: CosCorsEndpoint) -> None:
        """From now on the browser reaches ``endpoint`` (and its served origins) too. The first
        endpoint attached (a test begins) clears :attr:`unrouted`."""
        with self._changes:
            if not self._targets:
                self._unrouted.clear()
            if endpoint not in self._targets:
                self._targets = (*self._targets, endpoint)

    @property
    def unrouted(self) -> tuple[str, ...]:
        """What the browser asked for that reached nothing since the first endpoint was
        attached: ``"GET https://api.example.com/v1/upload"``, ``"TLS to api.example.com"``
        (the first :data:`UNROUTED_KEPT`, each once)."""
        with self._changes:
            return tuple(self._unrouted)

    def _note_unrouted(self, text: str) -> None:
        """Remember ``text`` (``_changes`` held) while a test's endpoints are attached."""
        if self._targets and text not in self._unrouted and len(self._unrouted) < UNROUTED_KEPT:
            self._unrouted.append(text)

    def detach(self, endpoint: CosCorsEndpoint) -> None:
        """From now on the browser no longer reaches ``endpoint``. Its requests being answered
        may finish within its ``stop_timeout`` (those still running then are reported as its
        problems); then every connection the browser has open to the front is closed."""
        with self._changes:
            if endpoint not in self._targets:
                return
            self._targets = tuple(t for t in self._targets if t is not endpoint)
            deadline = time.monotonic() + endpoint.stop_timeout
            key = id(endpoint)
            while self._in_flight.get(key) and (left := deadline - time.monotonic()) > 0:
                self._changes.wait(left)
            late = self._in_flight.pop(key, 0)
        if late:
            endpoint._problems.add(
                f"{late} request(s) of the session browser still in progress when the test "
                f"ended (after stop_timeout={endpoint.stop_timeout} s)"
            )
        self._server.cut_connections()

    def _finished(self, key: int) -> None:
        with self._changes:
            left = self._in_flight.get(key, 0) - 1
            if left > 0:
                self._in_flight[key] = left
            else:
                self._in_flight.pop(key, None)
            self._changes.notify_all()

    # -- serving -----------------------------------------------------------------------------

    def _route(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
        with self._changes:
            chosen = _choose(self._targets, scheme, host)
            if chosen is None:
                method = environ.get("REQUEST_METHOD", "GET")
                path = environ.get("PATH_INFO", "/")
                self._note_unrouted(f"{method} {scheme}://{host}{path}")
                raise CloseConnection
            target, app = chosen
            key = id(target)
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            result = app(environ, start_response)
        except BaseException:
            self._finished(key)
            raise
        return _Counted(result, lambda: self._finished(key))

    def _knows(self, name: str) -> ssl.SSLContext | None:
        if not any(target.sites.knows_name(name) for target in self._targets):
            with self._changes:
                self._note_unrouted(f"TLS to {name}")
            return None
        return tls.identity().context_for(name)

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = tls.server_context(self._knows)
        return self._tls


def _choose(
    targets: tuple[CosCorsEndpoint, ...], scheme: str, host: str
) -> tuple[CosCorsEndpoint, WSGIApplication] | None:
    """Where a browser's request goes: the first endpoint that serves it as a site of a served
    origin, else COS on the endpoint that has the host's bucket (the first that answers COS host
    names when none has it: it says NoSuchBucket); ``None`` when no endpoint answers the host."""
    routes = [(target, target.sites.browser_route(scheme, host)) for target in targets]
    answered = [(target, app) for target, app in routes if app is not None]
    for target, app in answered:
        if app is not target.sites.cos_app:
            return target, app
    bucket = host_bucket(host)
    for target, app in answered:
        if bucket is not None and bucket in target.bucket_names():
            return target, app
    return answered[0] if answered else None
