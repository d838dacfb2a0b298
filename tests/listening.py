"""What the kernel lists as listening (``/proc/net/tcp`` and ``tcp6``): the binding tests read
addresses there, never from an attribute of the server they check."""

from __future__ import annotations

import ipaddress
from pathlib import Path


def listening_sockets() -> dict[int, tuple[str, int]]:
    """inode -> (address, port) of every socket the kernel lists as LISTENing."""
    found: dict[int, tuple[str, int]] = {}
    for name, size in (("tcp", 4), ("tcp6", 16)):
        table = Path("/proc/net") / name
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":
                continue
            address, _, hex_port = fields[1].partition(":")
            raw = bytes.fromhex(address)
            # the kernel prints each 32-bit word in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, size, 4))
            found[int(fields[9])] = (str(ipaddress.ip_address(words)), int(hex_port, 16))
    return found


def listening(port: int) -> set[str]:
    """The local addresses the kernel lists as LISTENing on ``port``."""
    return {address for address, bound in listening_sockets().values() if bound == port}
