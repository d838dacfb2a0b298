"""The ports this process released recently: never handed to a new server.

The OS may give a port back as soon as it is closed; a late request from the previous test would
then land in the next test's endpoint. Only ports picked by the OS (port 0) are affected: a port
asked for by number is bound as asked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

#: How many released ports are remembered (the oldest are forgotten first).
RECENT_LIMIT = 4096

_recent_ports: OrderedDict[int, None] = OrderedDict()  # most recent last
_recent_lock = threading.Lock()


def recently_released(port: int) -> bool:
    """Whether a server of this process closed ``port`` recently."""
    with _recent_lock:
        return port in _recent_ports


def release(port: int) -> None:
    """Remember that ``port`` was just closed."""
    with _recent_lock:
        _recent_ports.pop(port, None)
        _recent_ports[port] = None
        while len(_recent_ports) > RECENT_LIMIT:
            _recent_ports.popitem(last=False)
