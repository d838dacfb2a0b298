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

Modules: :mod:`.ports` (the recently released ports), :mod:`.connections` (one tracked
connection), :mod:`.handler` (the request handler and its copy of werkzeug's request loop),
:mod:`.wsgi_server` (the worker pool, connection tracking and ``stop()``).
"""

from __future__ import annotations

from .handler import CosRequestHandler
from .wsgi_server import CosWSGIServer, ProblemSink

__all__ = ["CosRequestHandler", "CosWSGIServer", "ProblemSink"]
