"""What the fake endpoint saw: one :class:`Exchange` per request, kept in a thread-safe
:class:`ExchangeLog`.

Light on purpose: the server imports it, so it loads no lxml (the :class:`Decision` type is
imported for type checkers only) and no werkzeug.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from .describe import exchange_line, production_host, with_signature
from .exchange_filter import ExchangeFilter
from .fetch_standard import (
    is_browser_cors_request,
    needs_preflight,
    preflight_covers,
    unsafe_request_headers,
)
from .headers import normalise_request_headers

if TYPE_CHECKING:
    from .evaluator import Decision
    from .signatures import SignatureCheck


#: What one recorded header map keeps, in characters of names and values. The server accepts
#: request heads up to 1 MiB; a record of one keeps each long value's start instead, so that the
#: log's memory is bounded by its count (``max_exchanges``) times a small size.
RECORDED_CHARACTERS = 16384
#: How much of each value a header map over :data:`RECORDED_CHARACTERS` keeps.
VALUE_KEPT = 256


def _bounded(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``pairs``, or, when they add up to more than :data:`RECORDED_CHARACTERS`, the same pairs
    with every value longer than :data:`VALUE_KEPT` cut there and marked."""
    if sum(len(name) + len(value) for name, value in pairs) <= RECORDED_CHARACTERS:
        return tuple(pairs)
    return tuple(
        (name, value)
        if len(value) <= VALUE_KEPT
        else (name, f"{value[:VALUE_KEPT]}... [{len(value) - VALUE_KEPT} characters not recorded]")
        for name, value in pairs
    )


class HeaderMap(Mapping[str, str]):
    """Read-only HTTP headers: case-insensitive look-up, original names and order kept.

    A name sent more than once maps to its values joined by ``", "``; :meth:`pairs` keeps them
    apart.
    """

    __slots__ = ("_index", "_pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._pairs: tuple[tuple[str, str], ...] = _bounded(
            [(k if type(k) is str else str(k), v if type(v) is str else str(v)) for k, v in pairs]
        )
        # Built on the first look-up: most recorded exchanges are never looked into.
        self._index: dict[str, tuple[str, str]] | None = None

    def _lookup(self) -> dict[str, tuple[str, str]]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self._pairs:
                lower = name.lower()
                if lower in index:
                    first, joined = index[lower]
                    index[lower] = (first, f"{joined}, {value}")
                else:
                    index[lower] = (name, value)
            self._index = index
        return index

    def __getitem__(self, name: str) -> str:
        return self._lookup()[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._lookup().values())

    def __len__(self) -> int:
        return len(self._lookup())

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every header as sent, repeats included, in order."""
        return self._pairs

    def get_all(self, name: str) -> tuple[str, ...]:
        lower = name.lower()
        return tuple(v for k, v in self._pairs if k.lower() == lower)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HeaderMap):
            return self._pairs == other._pairs
        if isinstance(other, Mapping):
            mine = {k.lower(): v for k, v in self.items()}
            return mine == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._pairs)

    def __repr__(self) -> str:
        return f"HeaderMap({list(self._pairs)!r})"


_EMPTY_QUERY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the endpoint answered, and its answer.

    ``path`` is the object path (``/exampleobject``) whatever the addressing style; ``bucket`` is
    ``None`` when the request named none. ``decision`` is the evaluator's verdict, or ``None`` when
    CORS was not evaluated (an actual request without ``Origin``, an unknown bucket...); ``note``
    then says why, and :attr:`reason` gives it.

    ``needs_preflight`` says whether a browser sent this actual request in CORS mode with a method
    or a header that it must preflight (Fetch standard: :mod:`pytest_cos_cors.fetch_standard`);
    ``covering_preflight`` is then the allowed preflight of the same bucket and origin, recorded
    before it, whose answer allows its method and headers (``None``: no such preflight). The log
    fills both in when it records the exchange.
    """

    method: str
    bucket: str | None
    path: str
    query: Mapping[str, str]
    headers: HeaderMap
    status: int
    response_headers: HeaderMap
    decision: Decision | None
    is_preflight: bool
    body_size: int
    timestamp: float
    note: str = field(default="", repr=False)
    needs_preflight: bool = field(default=False, repr=False)
    covering_preflight: Exchange | None = field(default=None, repr=False, compare=False)
    #: COS's name for what was done (``PutObject``, ``InitiateMultipartUpload``,
    #: ``PreflightRequest``...; :data:`pytest_cos_cors.operations.router.OPERATION_NAMES`), the
    #: operation the request was routed to whatever its answer; ``None`` when nothing could be
    #: routed (no bucket named, an operation the fake does not implement).
    operation: str | None = None
    #: The verdict on the request's signature when the endpoint has credentials (``None``
    #: without, and for a preflight, which is never signed): a
    #: :class:`~pytest_cos_cors.signatures.SignatureCheck`, whose ``refused``, ``code`` and
    #: ``reason`` say why COS would refuse it (which SecretId, which part, how long ago it
    #: expired, the StringToSign the fake computed).
    signature: SignatureCheck | None = field(default=None, repr=False)
    #: The production COS host name the request was addressed to
    #: (``<bucket>.cos.<region>.myqcloud.com``...), read from its ``Host``, for a request that
    #: arrived while the endpoint intercepted (:meth:`~pytest_cos_cors.CosCorsEndpoint.intercept`):
    #: production code reaching the fake; ``None`` otherwise (a request to the endpoint's own
    #: address). The log fills it in when it records the exchange.
    via: str | None = field(default=None, repr=False)

    @property
    def origin(self) -> str | None:
        return self.headers.get("Origin")

    @property
    def request_method(self) -> str | None:
        """A preflight's ``Access-Control-Request-Method``; an actual request's own method."""
        if self.is_preflight:
            return self.headers.get("Access-Control-Request-Method")
        return self.method

    @property
    def request_headers(self) -> tuple[str, ...]:
        """A preflight's normalised ``Access-Control-Request-Headers``; otherwise empty."""
        if not self.is_preflight:
            return ()
        if self.decision is not None:
            return self.decision.request_headers
        return normalise_request_headers(self.headers.get("Access-Control-Request-Headers"))

    @property
    def allowed(self) -> bool:
        return self.decision is not None and self.decision.allowed

    @property
    def reason(self) -> str:
        """The CORS decision's reason (or the note when CORS was not evaluated), followed by the
        signature's refusal when the endpoint refused the request for its signature."""
        reason = self.decision.reason if self.decision is not None else self.note
        return reason if self.signature is None else with_signature(reason, self.signature)

    @property
    def rule_index(self) -> int | None:
        return self.decision.rule_index if self.decision is not None else None

    @property
    def preflight_headers(self) -> tuple[str, ...]:
        """The headers of this actual request that a browser names in a preflight (not
        CORS-safelisted, not set by the browser itself), lower-cased and sorted; empty for a
        preflight."""
        if self.is_preflight:
            return ()
        return unsafe_request_headers(self.headers.pairs())

    @property
    def missing_preflight(self) -> bool:
        """A browser had to preflight this request and no recorded preflight covers it."""
        return self.needs_preflight and self.covering_preflight is None

    def describe(self) -> str:
        """One line for humans: ``OPTIONS examplebucket-1250000000/key -> 403 (reason)``
        (:func:`pytest_cos_cors.describe.exchange_line`)."""
        return exchange_line(self)


#: How many allowed preflights of one bucket and origin the log remembers (with distinct answers),
#: and for how many buckets and origins, to tell which later requests they cover.
_PREFLIGHTS_PER_ORIGIN = 64
_PREFLIGHT_ORIGINS = 1024


class ExchangeLog:
    """A thread-safe, bounded log of exchanges: when full, the oldest is dropped and counted.

    It also remembers the allowed preflights it recorded, by bucket and origin, as a browser's
    preflight cache would (also after :meth:`clear`, like the browser's cache), and fills in
    ``needs_preflight`` and ``covering_preflight`` of each actual request a browser sent in CORS
    mode (see :class:`Exchange`).
    """

    def __init__(self, max_size: int | None = 100_000) -> None:
        if max_size is not None and max_size < 1:
            raise ValueError(f"max_size must be at least 1 or None, got {max_size}")
        self._lock = threading.Lock()
        self._items: deque[Exchange] = deque(maxlen=max_size)
        self._dropped = 0
        #: Whether requests addressed to a production COS host name get ``via`` (set by the
        #: endpoint while it intercepts).
        self.record_via = False
        #: (bucket, origin) -> {the answer's CORS headers: the latest preflight answered so}
        self._preflights: dict[tuple[str | None, str], dict[object, Exchange]] = {}

    @property
    def max_size(self) -> int | None:
        return self._items.maxlen

    @property
    def dropped(self) -> int:
        """How many exchanges were dropped to keep the log within ``max_size``."""
        with self._lock:
            return self._dropped

    def append(self, exchange: Exchange) -> None:
        decision = exchange.decision
        origin = None if decision is None else decision.origin
        needed: tuple[str, ...] | None = None
        browser = not exchange.is_preflight and is_browser_cors_request(exchange.headers, origin)
        if origin and browser:
            headers = unsafe_request_headers(exchange.headers.pairs())
            if needs_preflight(exchange.method, headers):
                needed = headers
        if self.record_via:
            via = production_host(exchange.headers.get("Host"))
            if via is not None:  # filled in once, before anyone else can see the record
                object.__setattr__(exchange, "via", via)
        with self._lock:
            if origin and decision is not None:
                if needed is not None:
                    self._mark(exchange, origin, needed)
                elif exchange.is_preflight and decision.allowed:
                    self._remember(exchange, origin, decision.headers)
            if self._items.maxlen is not None and len(self._items) == self._items.maxlen:
                self._dropped += 1
            self._items.append(exchange)

    def _remember(self, preflight: Exchange, origin: str, answer: Mapping[str, str]) -> None:
        """Keep an allowed preflight as the latest of its bucket, origin and answer."""
        key = (preflight.bucket, origin)
        kept = self._preflights.pop(key, None)
        if kept is None:
            kept = {}
            if len(self._preflights) >= _PREFLIGHT_ORIGINS:
                del self._preflights[next(iter(self._preflights))]
        self._preflights[key] = kept
        signature = tuple(answer.items())
        kept.pop(signature, None)
        if len(kept) >= _PREFLIGHTS_PER_ORIGIN:
            del kept[next(iter(kept))]
        kept[signature] = preflight

    def _mark(self, exchange: Exchange, origin: str, headers: tuple[str, ...]) -> None:
        """Record that ``exchange`` needed a preflight, and the latest one that covers it."""
        covering = None
        for preflight in reversed(self._preflights.get((exchange.bucket, origin), {}).values()):
            assert preflight.decision is not None
            if preflight_covers(preflight.decision.headers, origin, exchange.method, headers):
                covering = preflight
                break
        # Filled in once, before anyone else can see the record.
        object.__setattr__(exchange, "needs_preflight", True)
        object.__setattr__(exchange, "covering_preflight", covering)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._dropped = 0

    def snapshot(self) -> tuple[Exchange, ...]:
        with self._lock:
            return tuple(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def filter(
        self,
        *,
        method: str | None = None,
        bucket: str | None = None,
        path: str | None = None,
        is_preflight: bool | None = None,
        origin: str | None = None,
        request_method: str | None = None,
        status: int | None = None,
        allowed: bool | None = None,
    ) -> tuple[Exchange, ...]:
        """The exchanges that match every criterion given (``None`` means any): see
        :class:`~pytest_cos_cors.exchange_filter.ExchangeFilter`."""
        selected = ExchangeFilter(
            method=method,
            bucket=bucket,
            path=path,
            is_preflight=is_preflight,
            origin=origin,
            request_method=request_method,
            status=status,
            allowed=allowed,
        ).select(self.snapshot())
        return tuple(selected)


class Problems:
    """Things that went wrong inside the endpoint (handler exceptions, requests cut off at stop),
    collected for the endpoint's ``check()``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[str] = []

    def add(self, text: str) -> None:
        with self._lock:
            self._items.append(text)

    def snapshot(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


__all__ = ["Exchange", "ExchangeLog", "HeaderMap", "Problems"]
