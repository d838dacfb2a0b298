"""An HTTP/1.1 serving engine for the fake COS endpoint's WSGI application.

Modules, each with one job:

- :mod:`.ports` - the listening socket, bound to exactly the host asked for; released ports;
- :mod:`.framing` - RFC 9112 request framing, the chunked coding, response heads (no I/O);
- :mod:`.connection` - one connection's phases and who owns it in each;
- :mod:`.loop` - a server's selector loop: accepts, reads heads and small bodies, answers quick
  requests, timeouts, stop;
- :mod:`.driver` - the one thread that runs every server's selector loop (held for a session
  by :func:`held`);
- :mod:`.pool` - the bounded, shrinking pool of worker threads;
- :mod:`.sockets` - a worker's socket I/O with timeouts, on sockets that stay non-blocking;
- :mod:`.body` - ``wsgi.input`` and the rest of a chunked body, read on a worker;
- :mod:`.environ` - the WSGI environ, as werkzeug's server builds it;
- :mod:`.exchange` - one request through the application, its answer on the wire;
- :mod:`.server` - :class:`CosServer`, which ties them together.

The same port answers HTTP and HTTPS (told apart by the first byte; the TLS context is the
caller's, see :mod:`pytest_cos_cors.tls`). An application that raises :class:`CloseConnection`
gives no answer: the connection is closed.
"""

from __future__ import annotations

from .driver import held
from .exchange import CloseConnection
from .framing import FramingError, Limits
from .server import CosServer

__all__ = ["CloseConnection", "CosServer", "FramingError", "Limits", "held"]
