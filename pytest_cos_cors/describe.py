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
- :func:`request_line`, :func:`cors_headers_text`, :func:`preflight_text`: a recorded actual
  request in an assertion message;
- :func:`missing_preflight_line`, :data:`MISSING_PREFLIGHT_CAUSES`: a browser request sent
  without the preflight it needed;
- :func:`origin_notes`: why a rule's ``AllowedOrigin`` can never match a browser's ``Origin``;
- :func:`signature_text`, :func:`with_signature`, :func:`signed_request_line`: the verdict on a
  request's signature when the endpoint has credentials;
- :func:`rule_line`, :func:`rule_summary`, :func:`nearest_explanation`: a rule, and why the
  nearest rule did not match.

The one word for a verdict is *allowed* or *denied*, as in ``assert_preflight_denied``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from .fetch_standard import SAFELISTED_METHODS, is_browser_cors_request

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


class SignatureVerdict(Protocol):
    """What the texts read of a :class:`~pytest_cos_cors.signatures.SignatureCheck`."""

    @property
    def outcome(self) -> str: ...
    @property
    def refused(self) -> bool: ...
    @property
    def status(self) -> int | None: ...
    @property
    def code(self) -> str | None: ...
    @property
    def reason(self) -> str: ...


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


class RecordedRequest(RecordedPreflight, Protocol):
    """A recorded actual request, with what the texts about its CORS answer and its preflight
    read."""

    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def response_headers(self) -> Mapping[str, str]: ...
    @property
    def needs_preflight(self) -> bool: ...
    @property
    def covering_preflight(self) -> RecordedPreflight | None: ...
    @property
    def preflight_headers(self) -> tuple[str, ...]: ...
    @property
    def missing_preflight(self) -> bool: ...


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


#: The domains of COS's production host names (``via`` in the texts of an exchange).
_COS_DOMAINS = (".myqcloud.com", ".tencentcos.cn")


def unrouted_lines(asked: Sequence[str]) -> list[str]:
    """What the session browser asked for that reached no endpoint of the test (the page saw
    only a network error), and what would have served it."""
    return [
        f"the session browser asked for {len(asked)} thing(s) no endpoint of this test serves "
        "(the page saw a network error, not an answer):",
        *(f"  {item}" for item in asked),
        "  (a page's origin is served with serve_origin(); a bucket's host name reaches the "
        "endpoint that has the bucket, from cos_cors or make_cos_cors)",
    ]


def production_host(host: str | None) -> str | None:
    """The production COS host name a request was addressed to (its ``Host`` header, when that
    is a COS host name without a port), lower-cased; ``None`` otherwise. The log records it as
    an intercepted exchange's ``via``."""
    if not host or ":" in host:
        return None
    name = host.strip().lower().rstrip(".")
    return name if name.endswith(_COS_DOMAINS) else None


def _via(exchange: object) -> str:
    via = getattr(exchange, "via", None)
    return f" via {via}" if via else ""


def exchange_line(exchange: LoggedExchange) -> str:
    """``OPTIONS examplebucket-1250000000/key -> 403 [Origin https://a.example] (reason)``:
    ``Exchange.describe()``; ``... via <production host name>`` after the target for a request
    addressed to a COS host name (:func:`production_host`)."""
    text = f"{exchange.method} {target(exchange.bucket, exchange.path, exchange.query)}"
    text += _via(exchange)
    text += f" -> {exchange.status}"
    if exchange.origin is not None:
        text += f" [Origin {exchange.origin}]"
    return f"{text} ({exchange.reason})" if exchange.reason else text


def report_entry(exchange: RecordedExchange) -> str:
    """An exchange in the report section of a failed test: the request, then on a second line
    ``CORS allowed: ...`` or ``CORS denied: ...`` when CORS was evaluated."""
    line = f"{exchange.method} {where(exchange.bucket, exchange.path)}{_via(exchange)}"
    line += f" -> {exchange.status}"
    if exchange.origin is not None:
        line += f" origin={exchange.origin!r}"
    if exchange.is_preflight:
        line += (
            f" request-method={exchange.request_method!r}"
            f" request-headers={header_list(exchange.request_headers)}"
        )
    operation = getattr(exchange, "operation", None)  # COS's name for it, when routed
    if operation:
        line += f" [{operation}]"
    decision = exchange.decision
    if decision is not None:
        line += f"\n    CORS {verdict(decision.allowed)}: {decision.reason}"
        line += "".join(f"\n    note: {note}" for note in refusal_notes(decision))
    missing = getattr(exchange, "missing_preflight", False)
    if missing:
        line += "\n    sent without the preflight a browser must send first"
    check = getattr(exchange, "signature", None)  # when the endpoint has credentials
    if check is not None:
        line += f"\n    {signature_text(check)}"
    return line


def refusal_notes(decision: Decision) -> list[str]:
    """For a request the rules denied on its origin: a note for each ``AllowedOrigin`` of the
    nearest rule that can never match a browser's ``Origin`` (none otherwise)."""
    rule, check = decision.nearest_rule, decision.nearest_check
    if decision.allowed or rule is None or check is None or check.origin_ok:
        return []
    return origin_notes(rule)


def preflight_request(record: RecordedPreflight) -> str:
    """A recorded preflight's request: ``OPTIONS bucket/key origin='o' method='M' headers=h``."""
    return (
        f"OPTIONS {where(record.bucket, record.path)} origin={record.origin!r} "
        f"method={record.request_method!r} headers={header_list(record.request_headers)}"
    )


def preflight_line(record: RecordedPreflight, *, reason: str | None = None) -> str:
    """A recorded preflight in an assertion message: the request, the status, the verdict
    (``allowed`` or ``DENIED``) and its reason (``reason`` when given)."""
    shown = record.reason if reason is None else reason
    return (
        f"{preflight_request(record)} -> {record.status} "
        f"{flagged_verdict(record.allowed)}: {shown}"
    )


def explained_preflight(record: RecordedPreflight) -> list[str]:
    """A recorded preflight whose verdict an assertion did not expect: its line, then, for a
    denial by the rules, the nearest rule and the fields that failed (the reason then leaves
    the nearest rule out, so that nothing is said twice)."""
    decision = record.decision
    nearest = None if decision is None or record.allowed else nearest_explanation(decision)
    if nearest is None or decision is None:
        return [f"- {preflight_line(record)}"]
    return [f"- {preflight_line(record, reason=decision.short_reason)}", f"  {nearest}"]


def listed_preflight(record: RecordedPreflight, explained: bool = False) -> str:
    """A recorded preflight in the list at the end of an assertion message; one already
    explained above is not explained again."""
    if not explained:
        return preflight_line(record)
    verdict_word = flagged_verdict(record.allowed)
    return f"{preflight_request(record)} -> {record.status} {verdict_word} (above)"


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every character that is not printable (line breaks, ESC and the other
    control characters, Unicode line separators) written as a Python escape (``\\n``,
    ``\\x1b``, ``\\u2028``), so that a value a client sent can neither break a log line nor
    reach the terminal as a control sequence."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def serve_log_line(exchange: LoggedExchange) -> str:
    """A line of the ``serve`` command's log: the request, its status and its CORS verdict
    (the reason; ``DENIED: reason`` for a denied preflight, ``no CORS headers: reason`` for an
    actual request no rule decorates; the note in brackets when CORS was not evaluated).

    Whatever the client sent is shown :func:`printable`: one exchange is always one line."""
    return printable(_serve_log_text(exchange))


def _serve_log_text(exchange: LoggedExchange) -> str:
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


def nearest_explanation(decision: Decision, *, notes: bool = True) -> str | None:
    """For a request denied by a configuration: the nearest rule, then (indented, on a second
    line) the fields that failed, and, when it failed on its origin and ``notes`` is true, a note
    for each of its ``AllowedOrigin`` entries that can never match a browser's ``Origin``; None
    when no rule was tried."""
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
    text += "\n    failed on: " + "; ".join(failures)
    if notes:
        text += "".join(f"\n    note: {note}" for note in refusal_notes(decision))
    return text


#: What a browser's ``Origin`` is, for each way an ``AllowedOrigin`` can fail to be one
#: (the names of :func:`pytest_cos_cors.rules.origin_flaws`).
ORIGIN_FACTS = {
    "no scheme": "a browser's Origin starts with its scheme (https://)",
    "upper case": "a browser's Origin is in lower case",
    "trailing slash": "a browser's Origin never ends with '/'",
    "path": "a browser's Origin has no path",
    "default port": "a browser's Origin leaves out the default port (:443 for https, :80 for http)",
}


def origin_facts(flaws: Iterable[str]) -> str:
    """The facts about a browser's ``Origin`` that ``flaws`` go against, joined by ``; ``."""
    return "; ".join(ORIGIN_FACTS[flaw] for flaw in flaws)


def configuration_notes(rules: Sequence[CORSRule]) -> list[str]:
    """``rules[i]: AllowedOrigin 'x' never matches: <why>`` for every entry of every rule that
    can never match a browser's ``Origin``."""
    return [
        f"{rule.label(index)}: {note}"
        for index, rule in enumerate(rules)
        for note in origin_notes(rule)
    ]


def origin_notes(rule: CORSRule) -> list[str]:
    """``AllowedOrigin 'x' never matches: <why>``, for each entry of ``rule`` that can never
    match a browser's ``Origin`` (COS accepts such entries)."""
    return [
        f"AllowedOrigin {entry!r} never matches: {origin_facts(flaws)}"
        for entry, flaws in rule.unmatchable_origins()
    ]


# -- actual requests -----------------------------------------------------------------------------

#: Why a browser sends a request without the preflight it needs, most likely first.
MISSING_PREFLIGHT_CAUSES = (
    "The browser did not ask the fake first, so this test cannot tell whether COS would have "
    "allowed it. Likely causes: Playwright's page.route() or context.route() (with any route "
    "set, even for an unrelated URL such as '**/api/**', Playwright answers CORS preflights "
    "itself), a service worker, a proxy between the browser and the fake, or a browser context "
    "reused from another test (its preflight cache answered)."
)


def needed_preflight(method: str, headers: Sequence[str]) -> str:
    """What a browser preflights about a request: ``method PUT, headers a,b``."""
    parts = []
    if method not in SAFELISTED_METHODS:
        parts.append(f"method {method}")
    if headers:
        parts.append(f"headers {header_list(headers)}")
    return ", ".join(parts)


def request_line(record: RecordedPreflight, *, reason: str | None = None) -> str:
    """A recorded actual request in an assertion message: the request, the status, the verdict
    on its CORS headers (``allowed`` or ``DENIED``) and its reason (``reason`` when given)."""
    shown = record.reason if reason is None else reason
    return (
        f"{record.method} {where(record.bucket, record.path)} origin={record.origin!r} "
        f"-> {record.status} {flagged_verdict(record.allowed)}: {shown}"
    )


def explained_request(record: RecordedRequest) -> list[str]:
    """A recorded actual request whose verdict an assertion did not expect: its line (for a
    denial by the rules, the nearest rule and the fields that failed), the CORS headers of its
    answer, what became of its preflight and, when the endpoint has credentials, the verdict on
    its signature."""
    decision = record.decision
    check: SignatureVerdict | None = getattr(record, "signature", None)
    nearest = None if decision is None or record.allowed else nearest_explanation(decision)
    if nearest is None or decision is None:
        # The signature has a line of its own below.
        shown = decision.reason if decision is not None and check is not None else None
        lines = [f"- {request_line(record, reason=shown)}"]
    else:
        lines = [f"- {request_line(record, reason=decision.short_reason)}", f"  {nearest}"]
    lines.append(f"  {cors_headers_text(record.response_headers)}")
    lines.append(f"  {preflight_text(record)}")
    if check is not None:
        lines.append(f"  {signature_text(check)}")
    return lines


def listed_request(record: RecordedPreflight, explained: bool = False) -> str:
    """A recorded actual request in the list at the end of an assertion message; one already
    explained above is not explained again."""
    if not explained:
        return request_line(record)
    return (
        f"{record.method} {where(record.bucket, record.path)} origin={record.origin!r} "
        f"-> {record.status} {flagged_verdict(record.allowed)} (above)"
    )


def cors_headers_text(headers: Mapping[str, str]) -> str:
    """``CORS headers: Name: value; ...`` of an answer (``Access-Control-*`` and ``Vary``), or
    ``CORS headers: none``."""
    shown = [
        f"{name}: {value}"
        for name, value in headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    ]
    return f"CORS headers: {'; '.join(shown) or 'none'}"


def preflight_text(record: RecordedRequest) -> str:
    """``preflight: ...``: whether a browser had to preflight the request, and which recorded
    preflight covered it."""
    if record.needs_preflight:
        needed = needed_preflight(record.method, record.preflight_headers)
        covering = record.covering_preflight
        if covering is None:
            return f"preflight: needed ({needed}), none recorded before it covers it"
        return f"preflight: needed ({needed}), covered by {preflight_line(covering)}"
    if is_browser_cors_request(record.headers, record.origin):
        return "preflight: not needed (a browser sends this request without one)"
    return "preflight: not checked (not a browser's CORS request)"


def missing_preflight_line(
    record: RecordedRequest, earlier: RecordedPreflight | None = None
) -> str:
    """A request a browser sent without the preflight it needed: the request, what the browser
    had to ask, and ``earlier``, the latest allowed preflight of its bucket and origin recorded
    before it (which did not cover it), if any."""
    text = (
        f"{record.method} {where(record.bucket, record.path)} origin={record.origin!r} "
        f"-> {record.status}: a browser preflights it "
        f"({needed_preflight(record.method, record.preflight_headers)}), "
    )
    if earlier is None:
        return text + "but no allowed preflight of this origin was recorded before it"
    return (
        text + "but the latest allowed preflight of this origin before it does not cover it: "
        f"{preflight_line(earlier)}"
    )


# -- signatures ----------------------------------------------------------------------------------


def signature_refusal(check: SignatureVerdict) -> str:
    """``signature refused (403 SignatureDoesNotMatch): <the verifier's reason>``."""
    return f"signature refused ({check.status} {check.code}): {check.reason}"


def signature_text(check: SignatureVerdict | None) -> str:
    """The verdict on a request's signature, on one line: :func:`signature_refusal`, or
    ``signature: <reason>`` (``signature: none, an anonymous request``); ``None`` (the endpoint
    has no credentials) is ``signature: not verified (the endpoint has no credentials)``."""
    if check is None:
        return "signature: not verified (the endpoint has no credentials)"
    if check.refused:
        return signature_refusal(check)
    if check.outcome == "anonymous":
        return "signature: none, an anonymous request"
    return f"signature: {check.reason}"


def with_signature(reason: str, check: SignatureVerdict) -> str:
    """An exchange's reason: ``reason`` (its CORS verdict's, or its note), then
    ``; `` and :func:`signature_refusal` when its signature was refused."""
    if not check.refused:
        return reason
    refusal = signature_refusal(check)
    return f"{reason}; {refusal}" if reason else refusal


def signed_request_line(record: RecordedExchange, check: SignatureVerdict | None) -> str:
    """A recorded request in a signature assertion's message:
    ``GET bucket/key -> 403: signature refused (403 AccessDenied): ...``."""
    return (
        f"{record.method} {where(record.bucket, record.path)} -> {record.status}: "
        f"{signature_text(check)}"
    )


__all__ = [
    "ALLOWED",
    "DENIED",
    "MISSING_PREFLIGHT_CAUSES",
    "ORIGIN_FACTS",
    "LoggedExchange",
    "RecordedExchange",
    "RecordedPreflight",
    "RecordedRequest",
    "SignatureVerdict",
    "configuration_notes",
    "cors_headers_text",
    "criterion",
    "exchange_line",
    "explained_preflight",
    "explained_request",
    "filters_text",
    "flagged_verdict",
    "header_list",
    "listed_preflight",
    "listed_request",
    "missing_preflight_line",
    "nearest_explanation",
    "needed_preflight",
    "numbered",
    "origin_facts",
    "origin_notes",
    "preflight_line",
    "preflight_request",
    "preflight_text",
    "printable",
    "query_string",
    "refusal_notes",
    "report_entry",
    "request_line",
    "rule_fields",
    "rule_line",
    "rule_summary",
    "serve_log_line",
    "signature_refusal",
    "signature_text",
    "signed_request_line",
    "target",
    "verdict",
    "where",
    "with_signature",
]
