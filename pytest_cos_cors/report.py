"""Plain-text descriptions of recorded exchanges, for report sections and logs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .evaluator import Decision

#: How many exchanges a report section lists per endpoint before it says how many it left out.
LISTED = 50


class RecordedExchange(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def bucket(self) -> str | None: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def is_preflight(self) -> bool: ...
    @property
    def origin(self) -> str | None: ...
    @property
    def request_method(self) -> str | None: ...
    @property
    def request_headers(self) -> tuple[str, ...]: ...
    @property
    def decision(self) -> Decision | None: ...


class HasExchanges(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def exchanges(self) -> Sequence[RecordedExchange]: ...


def describe_exchange(exchange: RecordedExchange) -> str:
    where = f"{exchange.bucket}{exchange.path}" if exchange.bucket else exchange.path
    line = f"{exchange.method} {where} -> {exchange.status}"
    if exchange.origin is not None:
        line += f" origin={exchange.origin!r}"
    if exchange.is_preflight:
        headers = ",".join(exchange.request_headers) or "-"
        line += f" request-method={exchange.request_method!r} request-headers={headers}"
    decision = exchange.decision
    if decision is not None:
        verdict = "allowed" if decision.allowed else "refused"
        line += f"\n    CORS {verdict}: {decision.reason}"
    return line


def describe_exchanges(endpoints: Iterable[HasExchanges], limit: int = LISTED) -> str:
    blocks = []
    for endpoint in endpoints:
        exchanges = list(endpoint.exchanges)
        lines = [f"endpoint {endpoint.url}: {len(exchanges)} exchange(s)"]
        for number, exchange in enumerate(exchanges[:limit], start=1):
            lines.append(f"  {number}. {describe_exchange(exchange)}")
        if len(exchanges) > limit:
            lines.append(f"  ... and {len(exchanges) - limit} more not listed")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
