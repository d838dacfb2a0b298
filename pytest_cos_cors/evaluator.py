"""The single source of truth for CORS verdicts: pure functions from a configuration and a request
to a :class:`Decision` (SPEC §4 and §5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

from .errors import CORS_FORBIDDEN, ORIGIN_NEEDED, invalid_request_method
from .rules import METHODS, CORSConfiguration, CORSRule

Kind = Literal["preflight", "actual"]


@dataclass(frozen=True)
class RuleCheck:
    """How one rule fared against a request: which of its fields refused it."""

    index: int
    origin_ok: bool
    method_ok: bool
    denied_headers: tuple[str, ...] = ()

    @property
    def failed_fields(self) -> tuple[str, ...]:
        """The fields that refused the request, among ``origin``, ``method``, ``headers``."""
        failed = []
        if not self.origin_ok:
            failed.append("origin")
        if not self.method_ok:
            failed.append("method")
        if self.denied_headers:
            failed.append("headers")
        return tuple(failed)

    @property
    def matched(self) -> bool:
        return self.origin_ok and self.method_ok and not self.denied_headers


@dataclass(frozen=True)
class Decision:
    """The verdict on one request, with everything needed to answer it and to explain it.

    ``rule_index`` and ``nearest`` are 0-based positions in the configuration's rules.
    ``headers`` holds exactly the ``Access-Control-*`` and ``Vary`` headers of the answer, in order.
    """

    kind: Kind
    allowed: bool
    status: int | None
    origin: str | None
    method: str | None
    request_headers: tuple[str, ...]
    headers: Mapping[str, str]
    reason: str
    rule_index: int | None = None
    rule: CORSRule | None = None
    error_code: str | None = None
    error_message: str | None = None
    nearest: int | None = None
    checks: tuple[RuleCheck, ...] = field(default=(), repr=False)
    configured: bool = True
    configuration: CORSConfiguration | None = field(default=None, repr=False, compare=False)

    @property
    def nearest_rule(self) -> CORSRule | None:
        """The rule that came closest, when the request was refused by a configuration."""
        if self.nearest is None or self.configuration is None:
            return None
        return self.configuration.rules[self.nearest]

    @property
    def nearest_check(self) -> RuleCheck | None:
        """The check of the nearest rule, when the request was refused by a configuration."""
        if self.nearest is None:
            return None
        return next((c for c in self.checks if c.index == self.nearest), None)


def normalise_request_headers(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Split on commas, trim, lower-case, drop empties and repeats, keep the order."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else (p for v in value for p in v.split(","))
    seen: dict[str, None] = {}
    for part in parts:
        name = part.strip().lower()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def _cors_headers(
    rule: CORSRule, matched_entry: str, origin: str, requested: tuple[str, ...] | None, vary: bool
) -> dict[str, str]:
    headers: dict[str, str] = {}
    echo = matched_entry != "*"
    if echo:
        headers["Access-Control-Allow-Credentials"] = "true"
    if requested is not None:
        if rule.has_header_wildcard:
            if requested:
                headers["Access-Control-Allow-Headers"] = ",".join(requested)
        elif rule.allowed_headers:
            headers["Access-Control-Allow-Headers"] = ",".join(
                h.lower() for h in rule.allowed_headers
            )
    headers["Access-Control-Allow-Methods"] = ",".join(rule.allowed_methods)
    headers["Access-Control-Allow-Origin"] = origin if echo else "*"
    if rule.expose_headers:
        headers["Access-Control-Expose-Headers"] = ",".join(rule.expose_headers)
    if rule.max_age_seconds is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    if vary:
        headers["Vary"] = "Origin"
    return headers


def _vary_only(configuration: CORSConfiguration | None, origin: str | None) -> dict[str, str]:
    if configuration is not None and configuration.response_vary and origin is not None:
        return {"Vary": "Origin"}
    return {}


def _fewest_failures(checks: tuple[RuleCheck, ...]) -> int | None:
    best: RuleCheck | None = None
    for check in checks:
        if best is None or len(check.failed_fields) < len(best.failed_fields):
            best = check
    return None if best is None else best.index


def _refusal_reason(
    configuration: CORSConfiguration,
    checks: tuple[RuleCheck, ...],
    origin: str,
    method: str,
    nearest: int,
) -> str:
    both = [c for c in checks if c.origin_ok and c.method_ok]
    if both:
        common = [h for h in both[0].denied_headers if all(h in c.denied_headers for c in both)]
        if common:
            what = f"header {common[0]!r} is not allowed by any rule whose origin and method match"
        else:
            what = "no rule whose origin and method match allows all of the requested headers"
    elif any(c.origin_ok for c in checks):
        what = f"method {method!r} is not allowed by any rule whose origin matches"
    else:
        what = f"origin {origin!r} does not match any rule's AllowedOrigin"
    check = checks[nearest]
    fields = ", ".join(check.failed_fields)
    detail = ""
    if check.denied_headers:
        detail = " (" + ", ".join(repr(h) for h in check.denied_headers) + ")"
    label = configuration.rules[nearest].label(nearest)
    return f"{what}; nearest is {label}, which failed on {fields}{detail}"


def evaluate_preflight(
    configuration: CORSConfiguration | None,
    origin: str | None,
    method: str | None,
    request_headers: str | Iterable[str] | None = None,
) -> Decision:
    """Answer an ``OPTIONS`` preflight as COS does (SPEC §4, steps 2-5)."""
    requested = normalise_request_headers(request_headers)
    vary = _vary_only(configuration, origin)
    base = partial(
        Decision,
        kind="preflight",
        origin=origin,
        method=method,
        request_headers=requested,
        configured=configuration is not None,
        configuration=configuration,
    )
    if not origin:
        return base(
            allowed=False,
            status=400,
            headers=vary,
            error_code="BadRequest",
            error_message=ORIGIN_NEEDED,
            reason="the preflight has no Origin header",
        )
    if method not in METHODS:
        what = "is missing" if method is None else f"{method!r} is not one of {', '.join(METHODS)}"
        return base(
            allowed=False,
            status=400,
            headers=vary,
            error_code="BadRequest",
            error_message=invalid_request_method(method),
            reason=f"Access-Control-Request-Method {what}",
        )
    if configuration is None:
        return base(
            allowed=False,
            status=403,
            headers=vary,
            error_code="AccessForbidden",
            error_message=CORS_FORBIDDEN,
            reason="the bucket has no CORS configuration",
        )
    checks = []
    for index, rule in enumerate(configuration.rules):
        entry = rule.matched_origin(origin)
        method_ok = method in rule.allowed_methods
        denied = tuple(h for h in requested if not rule.allows_header(h))
        check = RuleCheck(index, entry is not None, method_ok, denied)
        checks.append(check)
        if entry is not None and method_ok and not denied:
            headers = _cors_headers(
                rule, entry, origin, requested, bool(configuration.response_vary)
            )
            return base(
                allowed=True,
                status=200,
                headers=headers,
                rule_index=index,
                rule=rule,
                reason=f"allowed by {rule.label(index)}",
                checks=tuple(checks),
            )
    all_checks = tuple(checks)
    nearest = _fewest_failures(all_checks)
    assert nearest is not None
    return base(
        allowed=False,
        status=403,
        headers=vary,
        error_code="AccessForbidden",
        error_message=CORS_FORBIDDEN,
        nearest=nearest,
        checks=all_checks,
        reason=_refusal_reason(configuration, all_checks, origin, method, nearest),
    )


def evaluate_actual(
    configuration: CORSConfiguration | None, origin: str | None, method: str
) -> Decision:
    """Decorate an actual request that carries ``Origin`` (SPEC §5); never blocks it."""
    vary = _vary_only(configuration, origin)
    base = partial(
        Decision,
        kind="actual",
        origin=origin,
        method=method,
        request_headers=(),
        status=None,
        configured=configuration is not None,
        configuration=configuration,
    )
    if not origin:
        return base(
            allowed=False,
            headers=vary,
            reason="the request has no Origin header",
        )
    if configuration is None:
        return base(allowed=False, headers=vary, reason="the bucket has no CORS configuration")
    checks = []
    for index, rule in enumerate(configuration.rules):
        entry = rule.matched_origin(origin)
        method_ok = method in rule.allowed_methods
        checks.append(RuleCheck(index, entry is not None, method_ok))
        if entry is not None and method_ok:
            headers = _cors_headers(rule, entry, origin, None, bool(configuration.response_vary))
            return base(
                allowed=True,
                headers=headers,
                rule_index=index,
                rule=rule,
                reason=f"decorated by {rule.label(index)}",
                checks=tuple(checks),
            )
    all_checks = tuple(checks)
    nearest = _fewest_failures(all_checks)
    assert nearest is not None
    return base(
        allowed=False,
        headers=vary,
        nearest=nearest,
        checks=all_checks,
        reason=_refusal_reason(configuration, all_checks, origin, method, nearest),
    )
