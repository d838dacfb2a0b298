"""The single source of truth for CORS verdicts: pure functions from a configuration and a request
to a :class:`Decision` (SPEC §4 and §5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import CORS_FORBIDDEN, ORIGIN_NEEDED, invalid_request_method
from .rules import METHODS, CORSConfiguration, CORSRule, Pattern

Kind = Literal["preflight", "actual"]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
    """The rule that failed on the fewest fields; on a tie, one whose origin (then method)
    matched, so that the nearest rule agrees with the refusal reason; then the first."""
    best: RuleCheck | None = None
    best_key = (0, False, False)
    for check in checks:
        failures = (not check.origin_ok) + (not check.method_ok) + bool(check.denied_headers)
        key = (failures, not check.origin_ok, not check.method_ok)
        if best is None or key < best_key:
            best, best_key = check, key
    return None if best is None else best.index


# -- memoised verdicts ---------------------------------------------------------------------------
#
# A configuration is immutable, and a verdict depends on the origin only through which rules'
# AllowedOrigin entries match it (and which entry of each: ``*`` or an echoed one). So the
# per-rule work (the checks, the nearest rule, the refusal reason) is done once per
# ``(kind, method, requested headers, matching origin entries)`` and kept in the configuration's
# ``_evaluation_cache``; only what names the origin itself is filled in per request. Finding the
# matching entries is a dictionary look-up for exact origins plus a scan of the wildcard entries,
# so a browser's repeated preflights cost the same whatever the number of rules.

_INDEX = "origin-index"
#: Verdicts kept per configuration; the memo starts afresh beyond it (a hostile client cannot
#: make it grow without bound).
MEMO_LIMIT = 512

OriginMatches = tuple[tuple[int, str], ...]
_OriginIndex = tuple[dict[str, list[tuple[int, int, str]]], list[tuple[int, int, str, Pattern]]]


def _origin_index(configuration: CORSConfiguration) -> _OriginIndex:
    cache = configuration._evaluation_cache
    index: _OriginIndex | None = cache.get(_INDEX)
    if index is None:
        exact: dict[str, list[tuple[int, int, str]]] = {}
        wildcards: list[tuple[int, int, str, Pattern]] = []
        for rule_index, rule in enumerate(configuration.rules):
            for position, (entry, pattern) in enumerate(
                zip(rule.allowed_origins, rule._origins, strict=True)
            ):
                if pattern.exact is not None:
                    exact.setdefault(entry, []).append((rule_index, position, entry))
                else:
                    wildcards.append((rule_index, position, entry, pattern))
        index = (exact, wildcards)
        cache[_INDEX] = index
    return index


def _origin_matches(configuration: CORSConfiguration, origin: str) -> OriginMatches:
    """``(rule index, matched entry)`` for every rule whose ``AllowedOrigin`` matches, in rule
    order; the entry is the rule's first matching one, as :meth:`CORSRule.matched_origin`."""
    exact, wildcards = _origin_index(configuration)
    found = list(exact.get(origin, ()))
    for rule_index, position, entry, pattern in wildcards:
        if pattern.matches(origin):
            found.append((rule_index, position, entry))
    if not found:
        return ()
    if len(found) == 1:
        return ((found[0][0], found[0][2]),)
    first: dict[int, tuple[int, str]] = {}
    for rule_index, position, entry in sorted(found):
        first.setdefault(rule_index, (position, entry))
    return tuple((rule_index, entry) for rule_index, (_, entry) in first.items())


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What a request's verdict does not owe to its origin's spelling."""

    checks: tuple[RuleCheck, ...]
    rule_index: int | None = None
    entry: str = ""
    nearest: int | None = None
    refusal: str = ""  # "headers", "headers-common", "method" or "origin"
    header: str = ""
    tail: str = ""


def _remember(cache: dict[object, object], key: object, verdict: _Verdict) -> _Verdict:
    if len(cache) > MEMO_LIMIT:
        index = cache.get(_INDEX)
        cache.clear()
        if index is not None:
            cache[_INDEX] = index
    cache[key] = verdict
    return verdict


def _refusal(configuration: CORSConfiguration, checks: tuple[RuleCheck, ...]) -> _Verdict:
    nearest = _fewest_failures(checks)
    assert nearest is not None
    header = ""
    both = [c for c in checks if c.origin_ok and c.method_ok]
    if both:
        common = [h for h in both[0].denied_headers if all(h in c.denied_headers for c in both)]
        refusal = "headers-common" if common else "headers"
        header = common[0] if common else ""
    elif any(c.origin_ok for c in checks):
        refusal = "method"
    else:
        refusal = "origin"
    check = checks[nearest]
    fields = ", ".join(check.failed_fields)
    detail = ""
    if check.denied_headers:
        detail = " (" + ", ".join(repr(h) for h in check.denied_headers) + ")"
    label = configuration.rules[nearest].label(nearest)
    tail = f"; nearest is {label}, which failed on {fields}{detail}"
    return _Verdict(checks, nearest=nearest, refusal=refusal, header=header, tail=tail)


def _reason(verdict: _Verdict, origin: str, method: str) -> str:
    if verdict.refusal == "headers-common":
        what = f"header {verdict.header!r} is not allowed by any rule whose origin and method match"
    elif verdict.refusal == "headers":
        what = "no rule whose origin and method match allows all of the requested headers"
    elif verdict.refusal == "method":
        what = f"method {method!r} is not allowed by any rule whose origin matches"
    else:
        what = f"origin {origin!r} does not match any rule's AllowedOrigin"
    return what + verdict.tail


def _preflight_verdict(
    configuration: CORSConfiguration, origin: str, method: str, requested: tuple[str, ...]
) -> _Verdict:
    matches = _origin_matches(configuration, origin)
    cache = configuration._evaluation_cache
    key = ("preflight", method, requested, matches)
    verdict: _Verdict | None = cache.get(key)
    if verdict is not None:
        return verdict
    entries = dict(matches)
    checks = []
    for index, rule in enumerate(configuration.rules):
        entry = entries.get(index)
        method_ok = method in rule.allowed_methods
        denied = tuple(h for h in requested if not rule.allows_header(h))
        checks.append(RuleCheck(index, entry is not None, method_ok, denied))
        if entry is not None and method_ok and not denied:
            return _remember(cache, key, _Verdict(tuple(checks), rule_index=index, entry=entry))
    return _remember(cache, key, _refusal(configuration, tuple(checks)))


def _actual_verdict(configuration: CORSConfiguration, origin: str, method: str) -> _Verdict:
    matches = _origin_matches(configuration, origin)
    cache = configuration._evaluation_cache
    key = ("actual", method, matches)
    verdict: _Verdict | None = cache.get(key)
    if verdict is not None:
        return verdict
    entries = dict(matches)
    checks = []
    for index, rule in enumerate(configuration.rules):
        entry = entries.get(index)
        method_ok = method in rule.allowed_methods
        checks.append(RuleCheck(index, entry is not None, method_ok))
        if entry is not None and method_ok:
            return _remember(cache, key, _Verdict(tuple(checks), rule_index=index, entry=entry))
    return _remember(cache, key, _refusal(configuration, tuple(checks)))


# -- the evaluator -------------------------------------------------------------------------------


def evaluate_preflight(
    configuration: CORSConfiguration | None,
    origin: str | None,
    method: str | None,
    request_headers: str | Iterable[str] | None = None,
) -> Decision:
    """Answer an ``OPTIONS`` preflight as COS does (SPEC §4, steps 2-5)."""
    requested = normalise_request_headers(request_headers)
    vary = _vary_only(configuration, origin)
    configured = configuration is not None
    if not origin:
        return Decision(
            "preflight",
            False,
            400,
            origin,
            method,
            requested,
            vary,
            "the preflight has no Origin header",
            error_code="BadRequest",
            error_message=ORIGIN_NEEDED,
            configured=configured,
            configuration=configuration,
        )
    if method not in METHODS:
        what = "is missing" if method is None else f"{method!r} is not one of {', '.join(METHODS)}"
        return Decision(
            "preflight",
            False,
            400,
            origin,
            method,
            requested,
            vary,
            f"Access-Control-Request-Method {what}",
            error_code="BadRequest",
            error_message=invalid_request_method(method),
            configured=configured,
            configuration=configuration,
        )
    if configuration is None:
        return Decision(
            "preflight",
            False,
            403,
            origin,
            method,
            requested,
            vary,
            "the bucket has no CORS configuration",
            error_code="AccessForbidden",
            error_message=CORS_FORBIDDEN,
            configured=False,
        )
    verdict = _preflight_verdict(configuration, origin, method, requested)
    index = verdict.rule_index
    if index is not None:
        rule = configuration.rules[index]
        return Decision(
            "preflight",
            True,
            200,
            origin,
            method,
            requested,
            _cors_headers(
                rule, verdict.entry, origin, requested, bool(configuration.response_vary)
            ),
            f"allowed by {rule.label(index)}",
            rule_index=index,
            rule=rule,
            checks=verdict.checks,
            configuration=configuration,
        )
    return Decision(
        "preflight",
        False,
        403,
        origin,
        method,
        requested,
        vary,
        _reason(verdict, origin, method),
        error_code="AccessForbidden",
        error_message=CORS_FORBIDDEN,
        nearest=verdict.nearest,
        checks=verdict.checks,
        configuration=configuration,
    )


def evaluate_actual(
    configuration: CORSConfiguration | None, origin: str | None, method: str
) -> Decision:
    """Decorate an actual request that carries ``Origin`` (SPEC §5); never blocks it."""
    vary = _vary_only(configuration, origin)
    if not origin:
        return Decision(
            "actual",
            False,
            None,
            origin,
            method,
            (),
            vary,
            "the request has no Origin header",
            configured=configuration is not None,
            configuration=configuration,
        )
    if configuration is None:
        return Decision(
            "actual",
            False,
            None,
            origin,
            method,
            (),
            vary,
            "the bucket has no CORS configuration",
            configured=False,
        )
    verdict = _actual_verdict(configuration, origin, method)
    index = verdict.rule_index
    if index is not None:
        rule = configuration.rules[index]
        return Decision(
            "actual",
            True,
            None,
            origin,
            method,
            (),
            _cors_headers(rule, verdict.entry, origin, None, bool(configuration.response_vary)),
            f"decorated by {rule.label(index)}",
            rule_index=index,
            rule=rule,
            checks=verdict.checks,
            configuration=configuration,
        )
    return Decision(
        "actual",
        False,
        None,
        origin,
        method,
        (),
        vary,
        _reason(verdict, origin, method),
        nearest=verdict.nearest,
        checks=verdict.checks,
        configuration=configuration,
    )
