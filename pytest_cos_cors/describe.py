"""Words: every one-line text of a recorded exchange, a rule and a nearest-rule explanation.

This module decides nothing: each verdict and reason it prints comes from a
:class:`~pytest_cos_cors.Decision`. It imports nothing heavy (no lxml, no werkzeug) and reads
exchanges, rules and decisions through their attributes only.

Each format is a composition of the same pieces (:func:`where`, :func:`target`,
:func:`header_list`, :func:`verdict`, :func:`rule_fields`...):

- :func:`exchange_line`: ``Exchange.describe()``;
- :func:`report_entry`: an entry of the ``cos_cors`` section of a failed test's report;
- :func:`preflight_line`: a recorded preflight in an assertion message;
- :func:`serve_log_line`: a line of the ``serve`` command's log;
- :func:`rule_line`, :func:`rule_summary`, :func:`nearest_explanation`: a rule, and why the
  nearest rule did not match.

The one word for a verdict is *allowed* or *denied*, as in ``assert_preflight_denied``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from .evaluator import Decision
    from .rules import CORSRule

ALLOWED = "allowed"
DENIED = "denied"

T = TypeVar("T")


class RecordedExchange(Protocol):
    """What the one-line texts read from a recorded exchange."""

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


class RecordedPreflight(RecordedExchange, Protocol):
    """A recorded exchange with its verdict and reason (or note) at hand."""

    @property
    def allowed(self) -> bool: ...
    @property
    def reason(self) -> str: ...


class LoggedExchange(RecordedPreflight, Protocol):
    """A recorded exchange with its query string, for the lines that show it."""

    @property
    def query(self) -> Mapping[str, str]: ...


# -- pieces --------------------------------------------------------------------------------------


def where(bucket: str | None, path: str) -> str:
    """``bucket/key``, or the path alone when the request named no bucket."""
    return f"{bucket}{path}" if bucket else path


def query_string(query: Mapping[str, str]) -> str:
    """``a=1&b``: each parameter, bare when it has no value."""
    return "&".join(f"{k}={v}" if v else k for k, v in query.items())


def target(bucket: str | None, path: str, query: Mapping[str, str]) -> str:
    """:func:`where`, then ``?`` and the query string when there is one."""
    text = query_string(query)
    return f"{where(bucket, path)}{'?' + text if text else ''}"


def header_list(names: Iterable[str]) -> str:
    """Header names joined by commas, ``-`` for none."""
    return ",".join(names) or "-"


def verdict(allowed: bool) -> str:
    """The one word for a verdict: ``allowed`` or ``denied``."""
    return ALLOWED if allowed else DENIED


def flagged_verdict(allowed: bool) -> str:
    """:func:`verdict`, with ``DENIED`` in capitals so that it stands out in a list."""
    return ALLOWED if allowed else DENIED.upper()


def criterion(value: object) -> str:
    """A filter's value as the messages show it: a header set as ``a,b`` (``(none)`` when
    empty), a boolean bare, anything else as its ``repr``."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, frozenset):
        return repr(",".join(sorted(value)) or "(none)")
    return repr(value)


def filters_text(**filters: object) -> str:
    """``name=value`` for each filter given (``None``: not given), or ``any preflight``."""
    shown = [f"{name}={criterion(value)}" for name, value in filters.items() if value is not None]
    return ", ".join(shown) or "any preflight"


def numbered(
    items: Sequence[T], limit: int, text: Callable[[T], str], *, indent: str = "  "
) -> list[str]:
    """``{indent}{n}. {text(item)}`` for the first ``limit`` items, then how many were left
    out (only the listed items are turned into text)."""
    out = [f"{indent}{n}. {text(item)}" for n, item in enumerate(items[:limit], start=1)]
    if len(items) > limit:
        out.append(f"{indent}... and {len(items) - limit} more not listed")
    return out


# -- exchanges -----------------------------------------------------------------------------------


def exchange_line(exchange: LoggedExchange) -> str:
    """``OPTIONS examplebucket-1250000000/key -> 403 [Origin https://a.example] (reason)``:
    ``Exchange.describe()``."""
    text = f"{exchange.method} {target(exchange.bucket, exchange.path, exchange.query)}"
    text += f" -> {exchange.status}"
    if exchange.origin is not None:
        text += f" [Origin {exchange.origin}]"
    return f"{text} ({exchange.reason})" if exchange.reason else text


def report_entry(exchange: RecordedExchange) -> str:
    """An exchange in the report section of a failed test: the request, then on a second line
    ``CORS allowed: ...`` or ``CORS denied: ...`` when CORS was evaluated."""
    line = f"{exchange.method} {where(exchange.bucket, exchange.path)} -> {exchange.status}"
    if exchange.origin is not None:
        line += f" origin={exchange.origin!r}"
    if exchange.is_preflight:
        line += (
            f" request-method={exchange.request_method!r}"
            f" request-headers={header_list(exchange.request_headers)}"
        )
    decision = exchange.decision
    if decision is not None:
        line += f"\n    CORS {verdict(decision.allowed)}: {decision.reason}"
    return line


def preflight_line(record: RecordedPreflight) -> str:
    """A recorded preflight in an assertion message: the request, the status, the verdict
    (``allowed`` or ``DENIED``) and its reason."""
    return (
        f"OPTIONS {where(record.bucket, record.path)} origin={record.origin!r} "
        f"method={record.request_method!r} headers={header_list(record.request_headers)} "
        f"-> {record.status} {flagged_verdict(record.allowed)}: {record.reason}"
    )


def serve_log_line(exchange: LoggedExchange) -> str:
    """A line of the ``serve`` command's log: the request, its status and its CORS verdict
    (the reason; ``DENIED: reason`` for a denied preflight, ``no CORS headers: reason`` for an
    actual request no rule decorates; the note in brackets when CORS was not evaluated)."""
    line = f"{exchange.method} {target(exchange.bucket, exchange.path, exchange.query)}"
    if exchange.origin is not None:
        line += f" origin={exchange.origin}"
    if exchange.is_preflight:
        line += f" method={exchange.request_method or '-'}"
        line += f" headers={header_list(exchange.request_headers)}"
    line += f" -> {exchange.status}"
    decision = exchange.decision
    if decision is not None:
        text = decision.reason
        if not decision.allowed:
            prefix = flagged_verdict(False) if exchange.is_preflight else "no CORS headers"
            text = f"{prefix}: {text}"
        line += f" {text}"
    elif exchange.reason:
        line += f" ({exchange.reason})"
    return line


# -- rules ---------------------------------------------------------------------------------------


def rule_fields(rule: CORSRule) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The elements that decide whether a rule matches, with their values."""
    return (
        ("AllowedOrigin", rule.allowed_origins),
        ("AllowedMethod", rule.allowed_methods),
        ("AllowedHeader", rule.allowed_headers),
    )


def rule_line(rule: CORSRule, index: int) -> str:
    """``rules[0] (ID 'x'): AllowedOrigin=[...], AllowedMethod=[...], AllowedHeader=[...]``."""
    fields = ", ".join(f"{name}={list(values)}" for name, values in rule_fields(rule))
    return f"{rule.label(index)}: {fields}"


def rule_summary(rule: CORSRule, index: int) -> str:
    """``rules[0] (ID 'x') (AllowedOrigin a, b; AllowedMethod PUT; AllowedHeader -)``: the diff's
    one-line rule."""
    fields = "; ".join(f"{name} {', '.join(values) or '-'}" for name, values in rule_fields(rule))
    return f"{rule.label(index)} ({fields})"


def nearest_explanation(decision: Decision) -> str | None:
    """For a request denied by a configuration: the nearest rule, then (indented, on a second
    line) the fields that failed; None when no rule was tried."""
    check = decision.nearest_check
    if check is None or decision.nearest is None:
        return None
    rule = decision.nearest_rule
    text = f"nearest rule {rule_line(rule, check.index) if rule else f'rules[{check.index}]'}"
    failures = []
    if not check.origin_ok:
        failures.append(f"AllowedOrigin does not match {decision.origin!r}")
    if not check.method_ok:
        failures.append(f"AllowedMethod lacks {decision.method!r}")
    if check.denied_headers:
        failures.append("AllowedHeader lacks " + ", ".join(repr(h) for h in check.denied_headers))
    return text + "\n    failed on: " + "; ".join(failures)


__all__ = [
    "ALLOWED",
    "DENIED",
    "LoggedExchange",
    "RecordedExchange",
    "RecordedPreflight",
    "criterion",
    "exchange_line",
    "filters_text",
    "flagged_verdict",
    "header_list",
    "nearest_explanation",
    "numbered",
    "preflight_line",
    "query_string",
    "report_entry",
    "rule_fields",
    "rule_line",
    "rule_summary",
    "serve_log_line",
    "target",
    "verdict",
    "where",
]
