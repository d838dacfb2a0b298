"""The ``cos_cors`` section of a failed test's report: every endpoint's exchanges, numbered.

The text of each exchange is :func:`pytest_cos_cors.describe.report_entry`; this module only lays
the entries out per endpoint. It imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .describe import RecordedExchange as RecordedExchange
from .describe import numbered, unrouted_lines
from .describe import report_entry as describe_exchange

#: How many exchanges a report section lists per endpoint before it says how many it left out.
LISTED = 50


class HasExchanges(Protocol):
    """An endpoint, as the report section reads it."""

    @property
    def url(self) -> str: ...
    @property
    def exchanges(self) -> Sequence[RecordedExchange]: ...


def describe_exchanges(
    endpoints: Iterable[HasExchanges], limit: int = LISTED, unrouted: Sequence[str] = ()
) -> str:
    """One block per endpoint: its URL and count, then its first ``limit`` exchanges; then
    what the session browser asked for that reached none of them (``unrouted``)."""
    blocks = []
    for endpoint in endpoints:
        exchanges = list(endpoint.exchanges)
        lines = [f"endpoint {endpoint.url}: {len(exchanges)} exchange(s)"]
        lines.extend(numbered(exchanges, limit, describe_exchange))
        blocks.append("\n".join(lines))
    if unrouted:
        blocks.append("\n".join(unrouted_lines(unrouted)))
    return "\n".join(blocks)


__all__ = ["LISTED", "HasExchanges", "RecordedExchange", "describe_exchange", "describe_exchanges"]
