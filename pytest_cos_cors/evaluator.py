"""The single source of truth for CORS verdicts: pure functions from a configuration and a request
to a :class:`Decision` (SPEC §4 and §5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .constants import METHODS
from .errors import CORS_FORBIDDEN, ORIGIN_NEEDED, invalid_request_method

# Re-exported: ``from pytest_cos_cors.evaluator import normalise_request_headers`` keeps working.
from .headers import normalise_request_headers as normalise_request_headers
from .rules import CORSConfiguration, CORSRule, Pattern

Kind = Literal["preflight", "actual"]
#: Where a denial's reason names the nearest rule.
_NEAREST_IS = "; nearest is "


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """How one rule fared against a request: which of its fields denied it."""

    index: int
    origin_ok: bool
    method_ok: bool
    denied_headers: tuple[str, ...] = ()

    @property
    def failed_fields(self) -> tuple[str, ...]:
        """The fields that denied the request, among ``origin``, ``method``, ``headers``."""
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


# -- rule masks ----------------------------------------------------------------------------------
#
# A configuration is immutable, so each one gets an index (built on its first evaluation, kept in
# the configuration's ``__dict__`` under ``_evaluation_index``, outside its dataclass fields, the
# way ``functools.cached_property`` keeps a value) that answers "which rules accept this value?"
# as a mask: an int whose bit ``i`` stands for ``rules[i]``. A value's mask is a dictionary
# look-up for the exact entries, plus the mask of the rules with a lone ``*``, plus one look-up
# per distinct shape ``(len(prefix), len(suffix))`` of the other wildcard entries. A request's
# verdict is then a few operations on masks: the rules that match are ``origin & method & every
# requested header``, the first is the lowest set bit, and the nearest rule and the denial reason
# come from the masks too. The per-rule checks a decision carries (:attr:`Decision.checks`) are
# worked out from its request and the index only when somebody reads them. Nothing is memoised
# per request, so a decision costs the same whether or not its kind of request was seen before.

_Shape = tuple[int, int, int, dict[tuple[str, str], int]]


class _Masks:
    """Which rules have an entry (a :class:`Pattern`) that matches a value."""

    __slots__ = ("always", "exact", "shapes")

    def __init__(self) -> None:
        self.exact: dict[str, int] = {}
        self.always = 0
        #: ``(len(prefix), len(suffix), minimum length, {(prefix, suffix): mask})``
        self.shapes: list[_Shape] = []

    def add(self, pattern: Pattern, bit: int) -> None:
        if pattern.exact is not None:
            self.exact[pattern.exact] = self.exact.get(pattern.exact, 0) | bit
            return
        if not pattern.minimum:  # a lone "*"
            self.always |= bit
            return
        start, end = len(pattern.prefix), len(pattern.suffix)
        table = next((t for s, e, _, t in self.shapes if (s, e) == (start, end)), None)
        if table is None:
            table = {}
            self.shapes.append((start, end, pattern.minimum, table))
        key = (pattern.prefix, pattern.suffix)
        table[key] = table.get(key, 0) | bit

    def __call__(self, value: str) -> int:
        found = self.exact.get(value, 0) | self.always
        if self.shapes:
            size = len(value)
            for start, end, minimum, table in self.shapes:
                if size >= minimum:
                    found |= table.get((value[:start], value[size - end :]), 0)
        return found


#: A rule's answer headers that do not depend on the request: ``Access-Control-Allow-Headers``
#: for a rule without a wildcard (``""``: none), whether it has a wildcard, then
#: ``-Allow-Methods``, ``-Expose-Headers`` (``""``: none) and ``-Max-Age`` (``None``: none).
_Answer = tuple[str, bool, str, str, str | None]


class _Index:
    """A configuration's rules as masks (see above), and each rule's answer once it has matched."""

    __slots__ = ("answers", "full", "headers", "methods", "origins", "size")

    def __init__(self, rules: tuple[CORSRule, ...]) -> None:
        self.size = len(rules)
        self.full = (1 << self.size) - 1
        self.origins = origins = _Masks()
        self.headers = headers = _Masks()
        self.methods: dict[str, int] = {}
        methods = self.methods
        exact_origins, exact_headers = origins.exact, headers.exact
        for position, rule in enumerate(rules):
            bit = 1 << position
            for pattern in rule._origins:
                text = pattern.exact
                if text is None:
                    origins.add(pattern, bit)
                else:
                    exact_origins[text] = exact_origins.get(text, 0) | bit
            for pattern in rule._headers:
                text = pattern.exact
                if text is None:
                    headers.add(pattern, bit)
                else:
                    exact_headers[text] = exact_headers.get(text, 0) | bit
            for method in rule.allowed_methods:
                methods[method] = methods.get(method, 0) | bit
        self.answers: list[_Answer | None] = [None] * self.size

    def answer(self, position: int, rule: CORSRule) -> _Answer:
        answer = self.answers[position]
        if answer is None:  # a race makes the same tuple twice
            answer = self.answers[position] = (
                ",".join(h.lower() for h in rule.allowed_headers),
                rule.has_header_wildcard,
                ",".join(rule.allowed_methods),
                ",".join(rule.expose_headers),
                None if rule.max_age_seconds is None else str(rule.max_age_seconds),
            )
        return answer


#: Where a configuration keeps its index: a key of its ``__dict__``, not a dataclass field.
_INDEX_KEY = "_evaluation_index"


def _index(configuration: CORSConfiguration) -> _Index:
    """The configuration's index, built on first use (``None`` under the key: built again)."""
    kept = configuration.__dict__
    index: _Index | None = kept.get(_INDEX_KEY)
    if index is None:  # two threads may both build it: the same index, either one is kept
        index = kept[_INDEX_KEY] = _Index(configuration.rules)
    return index


def _check(
    index: int, origins: int, methods: int, requested: tuple[str, ...], allowing: Sequence[int]
) -> RuleCheck:
    """``rules[index]``'s check, from the masks of the rules that accept the origin, the method
    and each requested header."""
    bit = 1 << index
    denied = tuple(h for h, mask in zip(requested, allowing, strict=True) if not mask & bit)
    return RuleCheck(index, bool(origins & bit), bool(methods & bit), denied)


class _MadeChecks:
    """The slot where a :class:`Decision` keeps its checks once made: outside its dataclass
    fields, so ``dataclasses.fields``, ``replace`` and pickling see only the public ones."""

    __slots__ = ("_made_checks",)
    _made_checks: tuple[RuleCheck, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Decision(_MadeChecks):
    """The verdict on one request, with everything needed to answer it and to explain it.

    ``rule_index`` and ``nearest`` are 0-based positions in the configuration's rules.
    ``headers`` holds exactly the ``Access-Control-*`` and ``Vary`` headers of the answer, in order.
    ``checks`` says how each rule fared: the rules up to and including the matched one when the
    request was allowed, every rule when the rules denied it, none when they were not tried. It is
    worked out from the configuration and the request on first use. Decisions are equal when all
    of these but the configuration itself are.
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
    configured: bool = True
    configuration: CORSConfiguration | None = field(default=None, repr=False)

    def _masks(self) -> tuple[int, int, int, list[int]] | None:
        """How many rules were tried, and the masks of the rules that accept the origin, the
        method and each requested header; None when the rules were not tried."""
        configuration, origin, method = self.configuration, self.origin, self.method
        if configuration is None or not origin or method is None:
            return None
        if self.rule_index is None and self.nearest is None:
            return None
        index = _index(configuration)
        count = index.size if self.rule_index is None else min(self.rule_index + 1, index.size)
        headers = index.headers
        return (
            count,
            index.origins(origin),
            index.methods.get(method, 0),
            [headers(h) for h in self.request_headers],
        )

    @property
    def checks(self) -> tuple[RuleCheck, ...]:
        """How each rule fared against the request, in rule order (see the class)."""
        made: tuple[RuleCheck, ...] | None = getattr(self, "_made_checks", None)
        if made is None:
            masks = self._masks()
            if masks is None:
                made = ()
            else:
                count, origins, methods, allowing = masks
                requested = self.request_headers
                made = tuple(_check(i, origins, methods, requested, allowing) for i in range(count))
            object.__setattr__(self, "_made_checks", made)  # the same value, whoever gets here
        return made

    @property
    def short_reason(self) -> str:
        """:attr:`reason` without its last part, ``; nearest is rules[i], which failed on ...``:
        for the texts that show the nearest rule on lines of their own."""
        return self.reason.partition(_NEAREST_IS)[0]

    @property
    def nearest_rule(self) -> CORSRule | None:
        """The rule that came closest, when the request was denied by a configuration."""
        if self.nearest is None or self.configuration is None:
            return None
        return self.configuration.rules[self.nearest]

    @property
    def nearest_check(self) -> RuleCheck | None:
        """The check of the nearest rule, when the request was denied by a configuration."""
        nearest = self.nearest
        if nearest is None:
            return None
        masks = self._masks()  # one check, without making (or scanning) them all
        if masks is None or not 0 <= nearest < masks[0]:
            return None
        return _check(nearest, masks[1], masks[2], self.request_headers, masks[3])

    def _compared(self) -> tuple[object, ...]:
        return (
            self.kind,
            self.allowed,
            self.status,
            self.origin,
            self.method,
            self.request_headers,
            self.headers,
            self.reason,
            self.rule_index,
            self.rule,
            self.error_code,
            self.error_message,
            self.nearest,
            self.configured,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Decision)
        if self._compared() != other._compared():
            return False
        # The checks follow from the fields above and the rules: equal rules, equal checks.
        mine, theirs = self.configuration, other.configuration
        return mine is theirs or mine == theirs or self.checks == other.checks


def _cors_headers(
    answer: _Answer, entry: str, origin: str, requested: tuple[str, ...] | None, vary: bool
) -> dict[str, str]:
    allow_headers, header_wildcard, methods, expose, max_age = answer
    headers: dict[str, str] = {}
    echo = entry != "*"
    if echo:
        headers["Access-Control-Allow-Credentials"] = "true"
    if requested is not None:
        if header_wildcard:
            if requested:
                headers["Access-Control-Allow-Headers"] = ",".join(requested)
        elif allow_headers:
            headers["Access-Control-Allow-Headers"] = allow_headers
    headers["Access-Control-Allow-Methods"] = methods
    headers["Access-Control-Allow-Origin"] = origin if echo else "*"
    if expose:
        headers["Access-Control-Expose-Headers"] = expose
    if max_age is not None:
        headers["Access-Control-Max-Age"] = max_age
    if vary:
        headers["Vary"] = "Origin"
    return headers


def _vary_only(configuration: CORSConfiguration | None, origin: str | None) -> dict[str, str]:
    if configuration is not None and configuration.response_vary and origin is not None:
        return {"Vary": "Origin"}
    return {}


def _denial(
    configuration: CORSConfiguration,
    full: int,
    origin: str,
    method: str,
    origins: int,
    methods: int,
    requested: tuple[str, ...],
    allowing: Sequence[int],
) -> tuple[int, str]:
    """The nearest rule and the reason, when no rule matched.

    The nearest rule failed on the fewest fields; on a tie, one whose origin (then method)
    matched, so that it agrees with the reason; then the first. As masks: the rules failing on
    one field only, by which field, then on two, then any."""
    headers_ok = full
    for mask in allowing:
        headers_ok &= mask
    both = origins & methods
    if both:
        common = next(
            (h for h, mask in zip(requested, allowing, strict=True) if not mask & both), None
        )
        if common is not None:
            what = f"header {common!r} is not allowed by any rule whose origin and method match"
        else:
            what = "no rule whose origin and method match allows all of the requested headers"
    elif origins:
        what = f"method {method!r} is not allowed by any rule whose origin matches"
    else:
        what = f"origin {origin!r} does not match any rule's AllowedOrigin"
    no_origin, no_method, no_headers = full ^ origins, full ^ methods, full ^ headers_ok
    for group in (
        both & no_headers,
        origins & no_method & headers_ok,
        no_origin & methods & headers_ok,
        origins & no_method & no_headers,
        no_origin & methods & no_headers,
        no_origin & no_method & headers_ok,
        full,
    ):
        if group:
            break
    nearest = (group & -group).bit_length() - 1
    bit = 1 << nearest
    failed = []  # as RuleCheck.failed_fields
    if not origins & bit:
        failed.append("origin")
    if not methods & bit:
        failed.append("method")
    detail = ""
    if not headers_ok & bit:
        failed.append("headers")
        denied = [h for h, mask in zip(requested, allowing, strict=True) if not mask & bit]
        detail = " (" + ", ".join(repr(h) for h in denied) + ")"
    label = configuration.rules[nearest].label(nearest)
    return nearest, f"{what}{_NEAREST_IS}{label}, which failed on {', '.join(failed)}{detail}"


# -- building decisions --------------------------------------------------------------------------


def _allowed(
    *,
    kind: Kind,
    status: int | None,
    origin: str,
    method: str,
    requested: tuple[str, ...],
    headers: Mapping[str, str],
    reason: str,
    position: int,
    rule: CORSRule,
    configuration: CORSConfiguration,
) -> Decision:
    """A request that ``rules[position]`` matched and answered with ``headers``."""
    # Every field by position, in declaration order: the fastest way through the frozen init.
    return Decision(
        kind, True, status, origin, method, requested, headers, reason,
        position, rule, None, None, None, True, configuration,
    )  # fmt: skip


def _denied(
    *,
    kind: Kind,
    status: int | None,
    origin: str | None,
    method: str | None,
    requested: tuple[str, ...],
    headers: Mapping[str, str],
    reason: str,
    configuration: CORSConfiguration | None,
    error: tuple[str, str] | None = None,
    nearest: int | None = None,
) -> Decision:
    """A request no rule matched (``nearest`` came closest) or that was not tried against the
    rules; ``error`` is COS's ``(code, message)`` when it answers with an error document."""
    code, message = (None, None) if error is None else error
    return Decision(
        kind, False, status, origin, method, requested, headers, reason,
        None, None, code, message, nearest, configuration is not None, configuration,
    )  # fmt: skip


_FORBIDDEN = ("AccessForbidden", CORS_FORBIDDEN)


# -- the evaluator -------------------------------------------------------------------------------


def _first_match(
    kind: Kind,
    configuration: CORSConfiguration,
    index: _Index,
    matched: int,
    origin: str,
    method: str,
    requested: tuple[str, ...] | None,
) -> Decision:
    """The decision of the first rule among the ``matched`` mask: a preflight's answer
    (``requested`` headers given) or an actual request's decoration (``requested`` None)."""
    position = (matched & -matched).bit_length() - 1
    rule = configuration.rules[position]
    entry = rule.matched_origin(origin)
    assert entry is not None
    preflight = requested is not None
    return _allowed(
        kind=kind,
        status=200 if preflight else None,
        origin=origin,
        method=method,
        requested=requested or (),
        headers=_cors_headers(
            index.answer(position, rule),
            entry,
            origin,
            requested,
            bool(configuration.response_vary),
        ),
        reason=f"{'allowed' if preflight else 'decorated'} by {rule.label(position)}",
        position=position,
        rule=rule,
        configuration=configuration,
    )


def evaluate_preflight(
    configuration: CORSConfiguration | None,
    origin: str | None,
    method: str | None,
    request_headers: str | Iterable[str] | None = None,
) -> Decision:
    """Answer an ``OPTIONS`` preflight as COS does (SPEC §4, steps 2-5)."""
    requested = normalise_request_headers(request_headers)
    vary = _vary_only(configuration, origin)
    if not origin or method not in METHODS:
        if not origin:
            reason, message = "the preflight has no Origin header", ORIGIN_NEEDED
        else:
            what = (
                "is missing" if method is None else f"{method!r} is not one of {', '.join(METHODS)}"
            )
            reason = f"Access-Control-Request-Method {what}"
            message = invalid_request_method(method)
        return _denied(
            kind="preflight",
            status=400,
            origin=origin,
            method=method,
            requested=requested,
            headers=vary,
            reason=reason,
            configuration=configuration,
            error=("BadRequest", message),
        )
    nearest = None
    if configuration is None:
        reason = "the bucket has no CORS configuration"
    else:
        index = _index(configuration)
        headers = index.headers
        origins = index.origins(origin)
        methods = index.methods.get(method, 0)
        allowing = [headers(h) for h in requested]
        matched = origins & methods
        for mask in allowing:
            matched &= mask
        if matched:
            return _first_match(
                "preflight", configuration, index, matched, origin, method, requested
            )
        nearest, reason = _denial(
            configuration, index.full, origin, method, origins, methods, requested, allowing
        )
    return _denied(
        kind="preflight",
        status=403,
        origin=origin,
        method=method,
        requested=requested,
        headers=vary,
        reason=reason,
        configuration=configuration,
        error=_FORBIDDEN,
        nearest=nearest,
    )


def evaluate_actual(
    configuration: CORSConfiguration | None, origin: str | None, method: str
) -> Decision:
    """Decorate an actual request that carries ``Origin`` (SPEC §5); never blocks it."""
    vary = _vary_only(configuration, origin)
    nearest = None
    if not origin:
        reason = "the request has no Origin header"
    elif configuration is None:
        reason = "the bucket has no CORS configuration"
    else:
        index = _index(configuration)
        origins = index.origins(origin)
        methods = index.methods.get(method, 0)
        matched = origins & methods
        if matched:
            return _first_match("actual", configuration, index, matched, origin, method, None)
        nearest, reason = _denial(
            configuration, index.full, origin, method, origins, methods, (), ()
        )
    return _denied(
        kind="actual",
        status=None,
        origin=origin,
        method=method,
        requested=(),
        headers=vary,
        reason=reason,
        configuration=configuration,
        nearest=nearest,
    )
