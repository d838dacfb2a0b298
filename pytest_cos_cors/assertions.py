"""Assertion helpers over recorded exchanges, with messages that explain each verdict.

- preflights: :func:`assert_preflight_allowed`, :func:`assert_preflight_denied`,
  :func:`assert_preflight_count`, :func:`assert_no_preflight`;
- actual requests (the ``PUT``, ``GET``... that follow a preflight, or need none):
  :func:`assert_request_allowed`, :func:`assert_request_denied`, :func:`assert_request_count`;
- :func:`assert_requests_preflighted`: every request a browser had to preflight was covered by
  an allowed preflight the fake recorded before it (the ``cos_cors`` fixture checks it at
  teardown);
- :func:`assert_signature_refused`: requests the endpoint refused for their signature (it has
  credentials), with COS's error code and the reason.

Every verdict and reason comes from the recorded :class:`~pytest_cos_cors.Decision`, and whether
a request needed a preflight from the record the log filled in; nothing here matches rules
itself. The helpers raise ``AssertionError`` with their own message, so it reads the same with or
without pytest's assertion rewriting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from .describe import MISSING_PREFLIGHT_CAUSES, filters_text, numbered, verdict
from .describe import RecordedPreflight as RecordedPreflight
from .describe import RecordedRequest as RecordedRequest
from .describe import SignatureVerdict as SignatureVerdict
from .describe import explained_preflight as describe_explained
from .describe import explained_request as describe_explained_request
from .describe import listed_preflight as describe_listed
from .describe import listed_request as describe_listed_request
from .describe import missing_preflight_line as describe_missing
from .describe import nearest_explanation as describe_nearest
from .describe import preflight_line as describe_record
from .describe import rule_line as describe_rule
from .describe import signed_request_line as describe_signed
from .evaluator import Decision, evaluate_preflight
from .exchange_filter import ExchangeFilter
from .headers import normalise_request_headers
from .rules import CORSConfiguration

R = TypeVar("R", RecordedPreflight, RecordedRequest)

#: How many recorded exchanges a failure message lists before it says how many it left out.
LISTED = 10


class Recorder(Protocol):
    """Where the preflight helpers find the recorded preflights (an endpoint)."""

    @property
    def preflights(self) -> Sequence[RecordedPreflight]: ...


class RequestRecorder(Protocol):
    """Where the request helpers find every recorded exchange (an endpoint)."""

    @property
    def exchanges(self) -> Sequence[RecordedRequest]: ...


def _listing(
    title: str,
    records: Sequence[R],
    limit: int,
    explained: Iterable[R],
    describe: Callable[[R, bool], str],
) -> str:
    """``title (N):`` then the records numbered; those in ``explained`` are only named."""
    if not records:
        return f"{title}: none"
    above = {id(record) for record in explained}
    lines = [f"{title} ({len(records)}):"]
    lines.extend(numbered(records, limit, lambda r: describe(r, id(r) in above)))
    return "\n".join(lines)


def list_records(
    records: Sequence[RecordedPreflight],
    limit: int = LISTED,
    explained: Iterable[RecordedPreflight] = (),
) -> str:
    """The recorded preflights, numbered, for the end of a failure message; those in
    ``explained`` were described above and are only named."""
    return _listing("recorded preflights", records, limit, explained, describe_listed)


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


def _check_verdicts(
    noun: str,
    want_allowed: bool,
    records: Sequence[R],
    matching: Sequence[R],
    filters: str,
    reason: str | None,
    *,
    wrong: Sequence[R],
    explain: Callable[[R], list[str]],
    listing: Callable[..., str],
    also: str = "",
) -> None:
    """The failure of an allowed/denied helper, if any: no recorded ``noun`` matches, some
    matching ones have the wrong verdict (``wrong``), or a reason lacks ``reason``."""
    __tracebackhide__ = True
    word = verdict(want_allowed)
    if not matching:
        raise AssertionError(
            f"expected a recorded {noun} ({filters}) that was {word}, "
            f"but no recorded {noun} matches\n{listing(records)}"
        )
    if wrong:
        lines = [
            f"expected every {noun} ({filters}) to be {word}{also}, "
            f"but {len(wrong)} of {len(matching)} matching were not"
        ]
        for record in wrong[:LISTED]:
            lines.extend(explain(record))
        lines.append(listing(records, explained=wrong[:LISTED]))
        raise AssertionError("\n".join(lines))
    if reason is not None:
        lowered = reason.lower()
        missing = [r for r in matching if lowered not in r.reason.lower()]
        if missing:
            lines = [
                f"expected every {word} {noun} ({filters}) to have a reason containing "
                f"{reason!r}, but {len(missing)} of {len(matching)} did not"
            ]
            lines.extend(f"- reason: {r.reason}" for r in missing[:LISTED])
            lines.append(listing(records))
            raise AssertionError("\n".join(lines))


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
    _check_verdicts(
        "preflight",
        want_allowed,
        records,
        matching,
        filters,
        reason,
        wrong=[r for r in matching if r.allowed != want_allowed],
        explain=describe_explained,
        listing=list_records,
    )


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


# -- actual requests -----------------------------------------------------------------------------


def _requests(source: RequestRecorder) -> list[RecordedRequest]:
    """The recorded actual requests that carry an ``Origin``."""
    return [e for e in source.exchanges if not e.is_preflight and e.origin is not None]


def list_requests(
    records: Sequence[RecordedRequest],
    limit: int = LISTED,
    explained: Iterable[RecordedRequest] = (),
) -> str:
    """The recorded actual requests with an ``Origin``, numbered, for the end of a failure
    message; those in ``explained`` were described above and are only named."""
    return _listing(
        "recorded requests with an Origin", records, limit, explained, describe_listed_request
    )


def _select_requests(
    source: RequestRecorder,
    origin: str | None,
    method: str | None,
    path: str | None,
    bucket: str | None = None,
    allowed: bool | None = None,
) -> tuple[list[RecordedRequest], list[RecordedRequest], str]:
    """Every recorded actual request with an ``Origin``, those the filters select, and the
    filters in words."""
    records = _requests(source)
    selected = ExchangeFilter(
        origin=origin, request_method=method, path=path, bucket=bucket, allowed=allowed
    ).select(records)
    given = {"origin": origin, "method": method, "path": path, "bucket": bucket, "allowed": allowed}
    if all(value is None for value in given.values()):
        return records, selected, "any request"
    return records, selected, filters_text(**given)


def _expect_requests(
    source: RequestRecorder,
    want_allowed: bool,
    origin: str,
    method: str,
    path: str | None,
    reason: str | None = None,
) -> None:
    __tracebackhide__ = True
    records, matching, filters = _select_requests(source, origin, method, path)
    _check_verdicts(
        "request",
        want_allowed,
        records,
        matching,
        filters,
        reason,
        wrong=[
            r
            for r in matching
            if r.allowed != want_allowed or (want_allowed and r.missing_preflight)
        ],
        explain=describe_explained_request,
        listing=list_requests,
        also=", and preflighted when a browser had to" if want_allowed else "",
    )


def assert_request_allowed(
    source: RequestRecorder, origin: str, method: str, path: str | None = None
) -> None:
    """At least one recorded actual request (not a preflight) with this ``Origin`` and method
    matches, and every matching one was answered with CORS headers that allow its origin
    (a browser lets the page read it) and, when a browser had to preflight it, was covered by
    an allowed preflight recorded before it."""
    __tracebackhide__ = True
    _expect_requests(source, True, origin, method, path)


def assert_request_denied(
    source: RequestRecorder,
    origin: str,
    method: str,
    path: str | None = None,
    reason: str | None = None,
) -> None:
    """At least one recorded actual request with this ``Origin`` and method matches, and no
    rule decorated any matching one (its answer carries no CORS headers for the origin: a
    browser hides it from the page); when ``reason`` is given it is a case-insensitive substring
    of each one's recorded reason."""
    __tracebackhide__ = True
    _expect_requests(source, False, origin, method, path, reason)


def assert_request_count(
    source: RequestRecorder,
    n: int,
    *,
    origin: str | None = None,
    method: str | None = None,
    path: str | None = None,
    bucket: str | None = None,
    allowed: bool | None = None,
) -> None:
    """Exactly ``n`` recorded actual requests with an ``Origin`` match the filters."""
    __tracebackhide__ = True
    records, selected, filters = _select_requests(source, origin, method, path, bucket, allowed)
    if len(selected) != n:
        raise AssertionError(
            f"expected {n} request{'s' if n != 1 else ''} with an Origin ({filters}), "
            f"found {len(selected)}\n{list_requests(records)}"
        )


def _latest_allowed_preflight(
    exchanges: Sequence[RecordedRequest], position: int
) -> RecordedPreflight | None:
    """The latest allowed preflight of the same bucket and origin recorded before
    ``exchanges[position]``."""
    record = exchanges[position]
    for earlier in reversed(exchanges[:position]):
        if (
            earlier.is_preflight
            and earlier.allowed
            and earlier.bucket == record.bucket
            and earlier.origin == record.origin
        ):
            return earlier
    return None


def missing_preflights_message(exchanges: Sequence[RecordedRequest]) -> str | None:
    """The failure message of :func:`assert_requests_preflighted` for these recorded exchanges
    (oldest first), or None when every request a browser had to preflight was covered."""
    missing = [i for i, e in enumerate(exchanges) if e.missing_preflight]
    if not missing:
        return None
    count = len(missing)
    lines = [
        f"{count} browser request{'s' if count != 1 else ''} needed a CORS preflight that the "
        "fake never answered:"
    ]
    lines.extend(
        numbered(
            missing,
            LISTED,
            lambda i: describe_missing(exchanges[i], _latest_allowed_preflight(exchanges, i)),
        )
    )
    lines.append(MISSING_PREFLIGHT_CAUSES)
    return "\n".join(lines)


def assert_requests_preflighted(source: RequestRecorder) -> None:
    """Every actual request a browser sent in CORS mode that it had to preflight (a method other
    than GET, HEAD and POST, or a header that is not CORS-safelisted) was covered by an allowed
    preflight of the same bucket and origin recorded before it. The ``cos_cors`` and
    ``make_cos_cors`` fixtures check this at teardown: a request without its preflight means the
    preflight was answered by something else than the fake (``page.route()``, a service worker,
    a proxy, a reused browser context), and the test proves nothing about the rules."""
    __tracebackhide__ = True
    message = missing_preflights_message(source.exchanges)
    if message is not None:
        raise AssertionError(message)


# -- signatures ----------------------------------------------------------------------------------


def _signature(record: RecordedRequest) -> SignatureVerdict | None:
    """The verdict on a recorded request's signature (``None``: the endpoint has no
    credentials)."""
    return getattr(record, "signature", None)


def assert_signature_refused(
    source: RequestRecorder,
    method: str | None = None,
    path: str | None = None,
    *,
    code: str | None = None,
    reason: str | None = None,
) -> None:
    """The endpoint (given credentials) refused at least one recorded request (not a
    preflight) of this method and path for its signature: with COS's error ``code`` when given
    (``SignatureDoesNotMatch``, ``AccessDenied``...), and with ``reason``, when given, a
    case-insensitive substring of its recorded reason (which names the SecretId, the part at
    fault, how long ago it expired, the StringToSign the fake computed)."""
    __tracebackhide__ = True
    records = [e for e in source.exchanges if not e.is_preflight]
    matching = ExchangeFilter(method=method, path=path).select(records)
    lowered = None if reason is None else reason.lower()
    for record in matching:
        check = _signature(record)
        if (
            check is not None
            and check.refused
            and (code is None or check.code == code)
            and (lowered is None or lowered in record.reason.lower())
        ):
            return
    given = {"method": method, "path": path, "code": code}
    filters = filters_text(**given) if any(v is not None for v in given.values()) else "any request"
    wanted = f"a recorded request ({filters}) refused for its signature"
    if reason is not None:
        wanted += f" with a reason containing {reason!r}"
    if not matching:
        found = "but no recorded request matches"
    elif len(matching) == 1:
        found = "but the one matching was not"
    else:
        found = f"but none of the {len(matching)} matching was"
    lines = [f"expected {wanted}, {found}"]
    lines.extend(f"- {describe_signed(r, _signature(r))}" for r in matching[:LISTED])
    lines.append(f"recorded requests ({len(records)}):" if records else "recorded requests: none")
    lines.extend(numbered(records, LISTED, lambda r: describe_signed(r, _signature(r))))
    raise AssertionError("\n".join(lines))


class Endpoint(Recorder, RequestRecorder, Protocol):
    """What the mixin needs of its endpoint: the records, and a bucket's configuration."""

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
    assert_request_allowed = assert_request_allowed
    assert_request_denied = assert_request_denied
    assert_request_count = assert_request_count
    assert_requests_preflighted = assert_requests_preflighted
    assert_signature_refused = assert_signature_refused


__all__ = [
    "LISTED",
    "AssertionsMixin",
    "Endpoint",
    "RecordedPreflight",
    "RecordedRequest",
    "Recorder",
    "RequestRecorder",
    "assert_no_preflight",
    "assert_preflight_allowed",
    "assert_preflight_count",
    "assert_preflight_denied",
    "assert_request_allowed",
    "assert_request_count",
    "assert_request_denied",
    "assert_requests_preflighted",
    "assert_signature_refused",
    "describe_nearest",
    "describe_record",
    "describe_rule",
    "list_records",
    "list_requests",
    "missing_preflights_message",
]
