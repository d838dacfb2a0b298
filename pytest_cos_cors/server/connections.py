"""One connection the server accepted, and how far its request got: what ``stop()`` needs to
decide whether to wait for it, cut it or report it."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

#: No request line read yet (idle, or its first bytes still unread).
CONNECTED = "connected"
#: A request line was read: a request is in progress until the application has answered.
REQUEST = "request"
#: The application answered; the handler is sending the answer or draining the connection.
RESPONDED = "responded"


@dataclass(eq=False)
class Connection:
    """An accepted connection: its socket, peer address, state, request line and the thread
    serving it."""

    sock: socket.socket
    address: Any
    state: str = CONNECTED
    request: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)

    def request_started(self, request: str) -> None:
        """A request (``request`` describes it for a report) is now in progress."""
        self.request = request
        self.state = REQUEST

    def responded(self) -> None:
        """The application has answered the request."""
        self.state = RESPONDED

    def shutdown(self, how: int) -> None:
        """``socket.shutdown``, ignoring a socket already closed."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(how)
