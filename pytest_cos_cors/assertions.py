"""Assertion helpers over recorded preflights, with messages that explain each verdict.

Every verdict and reason comes from the recorded :class:`~pytest_cos_cors.Decision`; nothing here
matches rules itself. The helpers raise ``AssertionError`` with their own message, so it reads the
same with or without pytest's assertion rewriting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .describe import RecordedPreflight as RecordedPreflight
from .describe import filters_text, numbered, verdict
from .describe import nearest_explanation as describe_nearest
from .describe import preflight_line as describe_record
from .describe import rule_line as describe_rule
from .evaluator import Decision, evaluate_preflight
from .exchange_filter import ExchangeFilter
from .headers import normalise_request_headers
from .rules import CORSConfiguration

#: How many recorded preflights a failure message lists before it says how many it left out.
LISTED = 10


class Recorder(Protocol):
    """Where the helpers find the recorded preflights (an endpoint)."""

    @property
    def preflights(self) -> Sequence[RecordedPreflight]: ...


def list_records(records: Sequence[RecordedPreflight], limit: int = LISTED) -> str:
    """The recorded preflights, numbered, for the end of a failure message."""
    if not records:
        return "recorded preflights: none"
    lines = [f"recorded preflights ({len(records)}):"]
    lines.extend(numbered(records, limit, describe_record))
    return "\n".join(lines)


def _select(
    source: Recorder,
    origin: str | None,
    method: str | None,
    headers: str | Iterable[str] | None,
    path: str | None,
    bucket: str | None = None,
    allowed: bool | None = None,
) -> tuple[list[RecordedPreflight], list[RecordedPreflight], str]:
    """Every recorded preflight, those the filters select, and the filters in words."""
    records = list(source.preflights)
    wanted = None if headers is None else frozenset(normalise_request_headers(headers))
    selected = ExchangeFilter(
        origin=origin,
        request_method=method,
        request_headers=wanted,
        path=path,
        bucket=bucket,
        allowed=allowed,
    ).select(records)
    filters = filters_text(
        origin=origin, method=method, headers=wanted, path=path, bucket=bucket, allowed=allowed
    )
    return records, selected, filters


def _expect(
    source: Recorder,
    want_allowed: bool,
    origin: str,
    method: str,
    headers: str | Iterable[str] | None,
    path: str | None,
    reason: str | None = None,
) -> None:
    __tracebackhide__ = True
    records, matching, filters = _select(source, origin, method, headers, path)
    word = verdict(want_allowed)
    if not matching:
        raise AssertionError(
            f"expected a recorded preflight ({filters}) that was {word}, "
            f"but no recorded preflight matches\n{list_records(records)}"
        )
    wrong = [r for r in matching if r.allowed != want_allowed]
    if wrong:
        lines = [
            f"expected every preflight ({filters}) to be {word}, "
            f"but {len(wrong)} of {len(matching)} matching were not"
        ]
        for record in wrong[:LISTED]:
            lines.append(f"- {describe_record(record)}")
            nearest = None if record.decision is None else describe_nearest(record.decision)
            if not record.allowed and nearest:
                lines.append(f"  {nearest}")
        lines.append(list_records(records))
        raise AssertionError("\n".join(lines))
    if reason is not None:
        lowered = reason.lower()
        missing = [r for r in matching if lowered not in r.reason.lower()]
        if missing:
            lines = [
                f"expected every {word} preflight ({filters}) to have a reason containing "
                f"{reason!r}, but {len(missing)} of {len(matching)} did not"
            ]
            lines.extend(f"- reason: {r.reason}" for r in missing[:LISTED])
            lines.append(list_records(records))
            raise AssertionError("\n".join(lines))


def assert_preflight_allowed(
    source: Recorder,
    origin: str,
    method: str,
    headers: str | Iterable[str] | None = None,
    path: str | None = None,
) -> None:
    """At least one recorded preflight matches, and every matching one was allowed."""
    __tracebackhide__ = True
    _expect(source, True, origin, method, headers, path)


def assert_preflight_denied(
    source: Recorder,
    origin: str,
    method: str,
    headers: str | Iterable[str] | None = None,
    path: str | None = None,
    reason: str | None = None,
) -> None:
    """At least one recorded preflight matches, every matching one was denied, and when
    ``reason`` is given it is a case-insensitive substring of each one's recorded reason."""
    __tracebackhide__ = True
    _expect(source, False, origin, method, headers, path, reason)


def assert_preflight_count(
    source: Recorder,
    n: int,
    *,
    origin: str | None = None,
    method: str | None = None,
    headers: str | Iterable[str] | None = None,
    path: str | None = None,
    bucket: str | None = None,
    allowed: bool | None = None,
) -> None:
    """Exactly ``n`` recorded preflights match the filters."""
    __tracebackhide__ = True
    records, selected, filters = _select(source, origin, method, headers, path, bucket, allowed)
    if len(selected) != n:
        raise AssertionError(
            f"expected {n} preflight{'s' if n != 1 else ''} ({filters}), "
            f"found {len(selected)}\n{list_records(records)}"
        )


def assert_no_preflight(
    source: Recorder,
    *,
    origin: str | None = None,
    method: str | None = None,
    headers: str | Iterable[str] | None = None,
    path: str | None = None,
    bucket: str | None = None,
    allowed: bool | None = None,
) -> None:
    """No recorded preflight matches the filters."""
    __tracebackhide__ = True
    _records, selected, filters = _select(source, origin, method, headers, path, bucket, allowed)
    if selected:
        raise AssertionError(
            f"expected no preflight ({filters}), found {len(selected)}\n{list_records(selected)}"
        )


class Endpoint(Recorder, Protocol):
    """What the mixin needs of its endpoint: the preflights, and a bucket's configuration."""

    def configuration(self, bucket: str | None = None) -> CORSConfiguration | None: ...


class AssertionsMixin:
    """The helpers as methods, for :class:`~pytest_cos_cors.CosCorsEndpoint`."""

    def explain(
        self: Endpoint,
        origin: str | None,
        method: str | None,
        headers: str | Iterable[str] | None = (),
        bucket: str | None = None,
    ) -> Decision:
        """The current rules' verdict on a preflight, without HTTP and without recording it."""
        return evaluate_preflight(self.configuration(bucket), origin, method, headers)

    # The helpers themselves, as methods: the endpoint is their ``source``.
    assert_preflight_allowed = assert_preflight_allowed
    assert_preflight_denied = assert_preflight_denied
    assert_preflight_count = assert_preflight_count
    assert_no_preflight = assert_no_preflight


__all__ = [
    "LISTED",
    "AssertionsMixin",
    "Endpoint",
    "RecordedPreflight",
    "Recorder",
    "assert_no_preflight",
    "assert_preflight_allowed",
    "assert_preflight_count",
    "assert_preflight_denied",
    "describe_nearest",
    "describe_record",
    "describe_rule",
    "list_records",
]
