"""Assertion helpers over recorded preflights, with messages that explain each verdict.

Every verdict and reason comes from the recorded :class:`~pytest_cos_cors.Decision`; nothing here
matches rules itself. The helpers raise ``AssertionError`` with their own message, so it reads the
same with or without pytest's assertion rewriting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .evaluator import Decision, evaluate_preflight, normalise_request_headers
from .report import RecordedExchange
from .rules import CORSConfiguration, CORSRule

#: How many recorded preflights a failure message lists before it says how many it left out.
LISTED = 10


class RecordedPreflight(RecordedExchange, Protocol):
    """What the helpers read from a recorded exchange."""

    @property
    def allowed(self) -> bool: ...
    @property
    def reason(self) -> str: ...


class Recorder(Protocol):
    @property
    def preflights(self) -> Sequence[RecordedPreflight]: ...


def _wanted_headers(headers: str | Iterable[str] | None) -> frozenset[str] | None:
    return None if headers is None else frozenset(normalise_request_headers(headers))


def _matches(
    record: RecordedPreflight,
    *,
    origin: str | None = None,
    method: str | None = None,
    headers: frozenset[str] | None = None,
    path: str | None = None,
    bucket: str | None = None,
    allowed: bool | None = None,
) -> bool:
    return (
        (origin is None or record.origin == origin)
        and (method is None or record.request_method == method)
        and (headers is None or frozenset(record.request_headers) == headers)
        and (path is None or record.path == "/" + path.lstrip("/"))
        and (bucket is None or record.bucket == bucket)
        and (allowed is None or record.allowed == allowed)
    )


def _describe_filters(**filters: object) -> str:
    shown = []
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, frozenset):
            value = ",".join(sorted(value)) or "(none)"
        shown.append(f"{name}={value!r}" if not isinstance(value, bool) else f"{name}={value}")
    return ", ".join(shown) or "any preflight"


def _verdict(record: RecordedPreflight) -> str:
    return "allowed" if record.allowed else "REFUSED"


def describe_record(record: RecordedPreflight) -> str:
    """One line: the request, the status, the verdict and its reason."""
    headers = ",".join(record.request_headers) or "-"
    where = f"{record.bucket}{record.path}" if record.bucket else record.path
    return (
        f"OPTIONS {where} origin={record.origin!r} method={record.request_method!r} "
        f"headers={headers} -> {record.status} {_verdict(record)}: {record.reason}"
    )


def describe_rule(rule: CORSRule, index: int) -> str:
    parts = [
        f"AllowedOrigin={list(rule.allowed_origins)}",
        f"AllowedMethod={list(rule.allowed_methods)}",
    ]
    parts.append(f"AllowedHeader={list(rule.allowed_headers)}")
    return f"{rule.label(index)}: " + ", ".join(parts)


def describe_nearest(decision: Decision) -> str | None:
    """For a refusal by a configuration: the nearest rule and the fields that failed."""
    check = decision.nearest_check
    if check is None or decision.nearest is None:
        return None
    rule = decision.nearest_rule
    text = f"nearest rule {describe_rule(rule, check.index) if rule else f'rules[{check.index}]'}"
    failures = []
    if not check.origin_ok:
        failures.append(f"AllowedOrigin does not match {decision.origin!r}")
    if not check.method_ok:
        failures.append(f"AllowedMethod lacks {decision.method!r}")
    if check.denied_headers:
        failures.append("AllowedHeader lacks " + ", ".join(repr(h) for h in check.denied_headers))
    return text + "\n    failed on: " + "; ".join(failures)


def list_records(records: Sequence[RecordedPreflight], limit: int = LISTED) -> str:
    if not records:
        return "recorded preflights: none"
    lines = [f"recorded preflights ({len(records)}):"]
    for number, record in enumerate(records[:limit], start=1):
        lines.append(f"  {number}. {describe_record(record)}")
    if len(records) > limit:
        lines.append(f"  ... and {len(records) - limit} more not listed")
    return "\n".join(lines)


def _explain_refusal(record: RecordedPreflight) -> list[str]:
    nearest = None if record.decision is None else describe_nearest(record.decision)
    return [f"  {nearest}"] if nearest else []


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
    records = list(source.preflights)
    wanted = _wanted_headers(headers)
    filters = _describe_filters(origin=origin, method=method, headers=wanted, path=path)
    matching = [
        r for r in records if _matches(r, origin=origin, method=method, headers=wanted, path=path)
    ]
    word = "allowed" if want_allowed else "refused"
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
            if not record.allowed:
                lines.extend(_explain_refusal(record))
        lines.append(list_records(records))
        raise AssertionError("\n".join(lines))
    if reason is not None:
        lowered = reason.lower()
        missing = [r for r in matching if lowered not in r.reason.lower()]
        if missing:
            lines = [
                f"expected every refused preflight ({filters}) to have a reason containing "
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
    """At least one recorded preflight matches, every matching one was refused, and when
    ``reason`` is given it is a case-insensitive substring of each one's recorded reason."""
    __tracebackhide__ = True
    _expect(source, False, origin, method, headers, path, reason)


def _select(
    source: Recorder,
    origin: str | None,
    method: str | None,
    headers: str | Iterable[str] | None,
    path: str | None,
    bucket: str | None,
    allowed: bool | None,
) -> tuple[list[RecordedPreflight], list[RecordedPreflight], str]:
    records = list(source.preflights)
    wanted = _wanted_headers(headers)
    selected = [
        r
        for r in records
        if _matches(
            r,
            origin=origin,
            method=method,
            headers=wanted,
            path=path,
            bucket=bucket,
            allowed=allowed,
        )
    ]
    filters = _describe_filters(
        origin=origin, method=method, headers=wanted, path=path, bucket=bucket, allowed=allowed
    )
    return records, selected, filters


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

    def assert_preflight_allowed(
        self: Endpoint,
        origin: str,
        method: str,
        headers: str | Iterable[str] | None = None,
        path: str | None = None,
    ) -> None:
        __tracebackhide__ = True
        assert_preflight_allowed(self, origin, method, headers, path)

    def assert_preflight_denied(
        self: Endpoint,
        origin: str,
        method: str,
        headers: str | Iterable[str] | None = None,
        path: str | None = None,
        reason: str | None = None,
    ) -> None:
        __tracebackhide__ = True
        assert_preflight_denied(self, origin, method, headers, path, reason)

    def assert_preflight_count(
        self: Endpoint,
        n: int,
        *,
        origin: str | None = None,
        method: str | None = None,
        headers: str | Iterable[str] | None = None,
        path: str | None = None,
        bucket: str | None = None,
        allowed: bool | None = None,
    ) -> None:
        __tracebackhide__ = True
        assert_preflight_count(
            self,
            n,
            origin=origin,
            method=method,
            headers=headers,
            path=path,
            bucket=bucket,
            allowed=allowed,
        )

    def assert_no_preflight(
        self: Endpoint,
        *,
        origin: str | None = None,
        method: str | None = None,
        headers: str | Iterable[str] | None = None,
        path: str | None = None,
        bucket: str | None = None,
        allowed: bool | None = None,
    ) -> None:
        __tracebackhide__ = True
        assert_no_preflight(
            self,
            origin=origin,
            method=method,
            headers=headers,
            path=path,
            bucket=bucket,
            allowed=allowed,
        )
