"""The one filter over recorded exchanges, used by ``ExchangeLog.filter`` and every assertion
helper.

Like the matchers of the ``responses`` library, each criterion answers ``(matched, reason)``:
:meth:`ExchangeFilter.check` says why an exchange was not selected, :meth:`ExchangeFilter.matches`
only whether it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TypeVar

from .describe import RecordedPreflight as Selectable
from .describe import criterion
from .headers import normalise_request_headers

#: A recorded exchange, as the filter reads it (and the words describe it).
E = TypeVar("E", bound=Selectable)

_Read = Callable[[Selectable], object]


def _header_set(exchange: Selectable) -> frozenset[str]:
    return frozenset(exchange.request_headers)


class ExchangeFilter:
    """Criteria over recorded exchanges; a criterion left ``None`` accepts anything.

    ``method`` is the HTTP method (any case); ``request_method`` a preflight's
    ``Access-Control-Request-Method`` (an actual request's own method); ``request_headers`` the
    exact set of requested headers, normalised as the evaluator does; ``path`` the object path,
    with or without its leading ``/``.
    """

    __slots__ = ("_criteria",)

    def __init__(
        self,
        *,
        method: str | None = None,
        bucket: str | None = None,
        path: str | None = None,
        is_preflight: bool | None = None,
        origin: str | None = None,
        request_method: str | None = None,
        request_headers: str | Iterable[str] | None = None,
        status: int | None = None,
        allowed: bool | None = None,
    ) -> None:
        wanted: list[tuple[str, object, _Read]] = []

        def want(name: str, value: object, read: _Read) -> None:
            if value is not None:
                wanted.append((name, value, read))

        want("method", None if method is None else method.upper(), attrgetter("method"))
        want("bucket", bucket, attrgetter("bucket"))
        want("path", None if path is None else "/" + path.lstrip("/"), attrgetter("path"))
        want("is_preflight", is_preflight, attrgetter("is_preflight"))
        want("origin", origin, attrgetter("origin"))
        want("request_method", request_method, attrgetter("request_method"))
        headers = (
            None
            if request_headers is None
            else frozenset(normalise_request_headers(request_headers))
        )
        want("request_headers", headers, _header_set)
        want("status", status, attrgetter("status"))
        want("allowed", allowed, attrgetter("allowed"))
        self._criteria: tuple[tuple[str, object, _Read], ...] = tuple(wanted)

    def check(self, exchange: Selectable) -> tuple[bool, str]:
        """``(True, "")`` when every criterion accepts ``exchange``; otherwise ``False`` and,
        for each criterion that does not, ``name is <value>, not <wanted>``."""
        reasons = []
        for name, value, read in self._criteria:
            actual = read(exchange)
            if actual != value:
                reasons.append(f"{name} is {criterion(actual)}, not {criterion(value)}")
        return not reasons, "; ".join(reasons)

    def matches(self, exchange: Selectable) -> bool:
        """Whether every criterion accepts ``exchange`` (:meth:`check` without the words)."""
        return all(read(exchange) == value for _, value, read in self._criteria)

    def select(self, exchanges: Iterable[E]) -> list[E]:
        """The exchanges every criterion accepts, in order."""
        return [e for e in exchanges if self.matches(e)]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={criterion(value)}" for name, value, _ in self._criteria)
        return f"ExchangeFilter({shown})"


__all__ = ["ExchangeFilter", "Selectable"]
