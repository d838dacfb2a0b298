"""Which preflight requests change verdict between two CORS configurations.

Every verdict here comes from :func:`~pytest_cos_cors.evaluator.evaluate_preflight`: this module
only chooses which requests to ask about and groups the answers.

Request classes
---------------

Two requests belong to the same :class:`RequestClass` when they have the same method, their
``Origin`` matches exactly the same ``AllowedOrigin`` values of the two configurations, each side
answers with the same status and the same deciding rule (or refuses), and, when both allow, the
two sides agree or disagree in the same way on ``Access-Control-Allow-Headers`` (two refusals
form one class whatever the origin and method). Inside a class, whether the answers
differ is the same for every request: everything in an answer is fixed by the deciding rule, the
matched origin entry (``*`` or echoed), ``ResponseVary`` and, for a rule with a header wildcard,
the requested headers echoed back, which both sides echo alike. So one example per class is
enough, and :meth:`ConfigurationChange.covers` says whether a request belongs to a change's class.

The candidate space (why the result is exact)
---------------------------------------------

Without explicit ``origins``/``methods``/``headers`` the candidates are built so that every class
of well-formed preflights (non-empty ``Origin``, one of the five methods, any requested headers)
holds at least one candidate:

* Origins. An origin's class is the set of ``AllowedOrigin`` values (of both sides) it matches.
  A value with one ``*`` is a prefix ``p`` and a suffix ``s``; an origin ``o`` that is not a literal
  value has a longest known prefix ``P`` and a longest known suffix ``S``. If ``len(o) > |P|+|S|``
  it matches exactly the patterns whose prefix starts ``P`` and whose suffix ends ``S`` (their
  length minimum is met), which is also what ``P + c + S`` matches for a character ``c`` that no
  value contains. Otherwise ``P`` and ``S`` overlap or touch in ``o``, and ``o`` *is*
  ``P + S[k:]`` for some ``k``. The candidates are therefore: every literal value, ``P + c + S``
  for every pair of known prefix/suffix (the empty ones included: ``c`` alone matches no pattern
  but ``*``), and every string ``P + S[k:]`` where the end of ``P`` equals the start of ``S``;
  plus, for readability, each pattern with its ``*`` replaced by ``c`` and by nothing, and one
  origin that matches nothing. One representative per class is kept.
* Headers. A requested header's *type* is the set of (lower-cased) ``AllowedHeader`` values it
  matches; types get witnesses exactly as origins do. A rule allows a header set when it allows
  each header, so whether a set allows a rule only depends on the set of types. For a pair of
  deciding rules ``(r, r')`` (or refusals) in the context of one origin class and method, the
  largest usable set is every type that ``r`` and ``r'`` both allow: if any header set is decided
  by ``r`` and ``r'``, so is this one, because adding headers only refuses more of the earlier
  rules. Each pair that is possible gets a small sub-set of it (enough to refuse the earlier rules)
  as its readable example, and, when exactly one of ``r``/``r'`` echoes the requested headers (a
  header wildcard) while the other lists its ``AllowedHeader``, the largest set in two orders and
  each rule's own list, since the echo equals the list only for that one sequence. The empty set
  is always a candidate.
* Methods: the five. Requests with another method, or without an ``Origin``, are answered ``400``
  by both sides; they differ only when ``ResponseVary`` does, which every other class shows too.

A context (origin class, method) in which both sides see the same rules, in the same order, with
the same ``ResponseVary`` can give no change (the evaluator decides with the first rule whose
origin and method match) and is skipped: that is what makes a 100-rule diff fast.

With explicit ``origins``/``methods``/``headers``, those replace the derived candidates of their
dimension (``headers`` are names; the sets are built from them as above), and the result is exact
for requests made of those origins and methods and any set of those headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, overload

from .evaluator import Decision, evaluate_preflight, normalise_request_headers
from .rules import METHODS, CORSConfiguration, CORSRule, Pattern
from .sources import whole_configuration

__all__ = [
    "BROKEN",
    "HEADERS_CHANGED",
    "NEWLY_ALLOWED",
    "ConfigurationChange",
    "ConfigurationDiff",
    "Request",
    "RequestClass",
    "RequestLike",
    "assert_no_broken_requests",
    "classify_request",
    "diff_configurations",
    "format_changes",
]

ChangeKind = Literal["broken", "newly allowed", "headers changed"]
BROKEN: ChangeKind = "broken"
NEWLY_ALLOWED: ChangeKind = "newly allowed"
HEADERS_CHANGED: ChangeKind = "headers changed"
_KIND_ORDER = {BROKEN: 0, NEWLY_ALLOWED: 1, HEADERS_CHANGED: 2}

#: Characters tried, in order, for the fresh character of wildcard witnesses.
_FRESH = "zqxjkvwy0123456789"
#: Readable extra candidates: an origin and a header that few configurations name.
_OUTSIDE_ORIGIN = "https://unlisted.invalid"
_OUTSIDE_HEADER = "x-unlisted"
_ALLOW_HEADERS = "Access-Control-Allow-Headers"


@dataclass(frozen=True)
class Request:
    """One preflight: ``Origin``, ``Access-Control-Request-Method`` and the requested headers
    (normalised as COS does: lower-cased, without repeats, in order)."""

    origin: str
    method: str
    headers: tuple[str, ...] = ()

    def __str__(self) -> str:
        headers = ",".join(self.headers) if self.headers else "-"
        return f"OPTIONS Origin {self.origin} {self.method} headers {headers}"


@dataclass(frozen=True)
class RequestClass:
    """The requests that two configurations treat alike (see the module documentation).

    ``origin_entries`` holds the ``AllowedOrigin`` values, of either configuration, that the
    origin matches; ``old_rule``/``new_rule`` are the deciding rules' 0-based indexes (``None``
    for a refusal); ``same_allow_headers`` says, when both sides allow the request, whether they
    answer the same ``Access-Control-Allow-Headers`` (or both none); it is None otherwise.
    When both sides refuse, their answers can only differ by ``ResponseVary``, for every origin
    and method alike: such a class has ``origin_entries`` and ``method`` None.
    """

    origin_entries: frozenset[str] | None
    method: str | None
    old_status: int | None
    old_rule: int | None
    new_status: int | None
    new_rule: int | None
    same_allow_headers: bool | None


def _load(value: object) -> CORSConfiguration | None:
    return None if value is None else whole_configuration(value)


def _origin_entries(*configurations: CORSConfiguration | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for configuration in configurations:
        if configuration is not None:
            for rule in configuration.rules:
                for entry in rule.allowed_origins:
                    seen.setdefault(entry, None)
    return tuple(seen)


def _header_entries(*configurations: CORSConfiguration | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for configuration in configurations:
        if configuration is not None:
            for rule in configuration.rules:
                for entry in rule.allowed_headers:
                    seen.setdefault(entry.lower(), None)
    return tuple(seen)


def _outcome(decision: Decision) -> tuple[bool, int | None, dict[str, str]]:
    return decision.allowed, decision.status, dict(decision.headers)


def _differs(old: Decision, new: Decision) -> bool:
    return _outcome(old) != _outcome(new)


class _Universe:
    """The patterns of one dimension (origin or header values) and each value's class key."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.entries = tuple(entries)
        self.patterns = tuple(Pattern(e) for e in self.entries)

    def key(self, value: str) -> int:
        mask = 0
        for bit, pattern in enumerate(self.patterns):
            if pattern.matches(value):
                mask |= 1 << bit
        return mask

    def matched(self, value: str) -> frozenset[str]:
        pairs = zip(self.entries, self.patterns, strict=True)
        return frozenset(e for e, p in pairs if p.matches(value))


def _fresh_char(values: Iterable[str]) -> str:
    used = {c for value in values for c in value}
    for char in _FRESH:
        if char not in used:
            return char
    code = 0x4E00
    while chr(code) in used:
        code += 1
    return chr(code)


def _witnesses(universe: _Universe, extras: Sequence[str]) -> list[str]:
    """One value per class of non-empty values (see the module documentation)."""
    entries = universe.entries
    fresh = _fresh_char(entries)
    wild = [(bit, p) for bit, p in enumerate(universe.patterns) if p.exact is None]
    candidates: list[str] = [e for e in entries if "*" not in e]
    candidates.extend(extras)
    for _, pattern in wild:
        candidates.append(pattern.prefix + fresh + pattern.suffix)
        candidates.append(pattern.prefix + pattern.suffix)
    prefixes = sorted({""} | {p.prefix for _, p in wild})
    suffixes = sorted({""} | {p.suffix for _, p in wild})
    by_prefix = {
        pre: sum(1 << bit for bit, p in wild if pre.startswith(p.prefix)) for pre in prefixes
    }
    by_suffix = {
        suf: sum(1 << bit for bit, p in wild if suf.endswith(p.suffix)) for suf in suffixes
    }
    long_masks: set[int] = set()
    for pre in prefixes:
        for suf in suffixes:
            mask = by_prefix[pre] & by_suffix[suf]
            if mask not in long_masks:
                long_masks.add(mask)
                candidates.append(pre + fresh + suf)
    # Overlaps: the end of a prefix is the start of a suffix (P + S[k:], k >= 1).
    positions: dict[str, dict[str, list[int]]] = {}
    for pre in prefixes:
        table: dict[str, list[int]] = {}
        for index, char in enumerate(pre):
            table.setdefault(char, []).append(index)
        positions[pre] = table
    for suf in suffixes:
        if not suf:
            continue
        for pre in prefixes:
            for index in positions[pre].get(suf[0], ()):
                k = len(pre) - index
                if k <= len(suf) and pre.endswith(suf[:k]):
                    candidates.append(pre + suf[k:])
    kept: dict[int, str] = {}
    for candidate in candidates:
        if candidate:
            kept.setdefault(universe.key(candidate), candidate)
    return list(kept.values())


def _rule_mask(rules: Sequence[CORSRule], header: str) -> int:
    mask = 0
    for index, rule in enumerate(rules):
        if rule.allows_header(header):
            mask |= 1 << index
    return mask


def _listed(rule: CORSRule) -> tuple[str, ...]:
    return normalise_request_headers(rule.allowed_headers)


class _HeaderSpace:
    """Header witnesses and, for a pair of deciding rules, the header sets that reach them."""

    def __init__(
        self,
        witnesses: Sequence[str],
        old_rules: Sequence[CORSRule],
        new_rules: Sequence[CORSRule],
        names: frozenset[str] | None,
    ) -> None:
        self.witnesses = tuple(witnesses)
        self.old_rules = tuple(old_rules)
        self.new_rules = tuple(new_rules)
        self.names = names
        self.old_masks = [_rule_mask(old_rules, w) for w in self.witnesses]
        self.new_masks = [_rule_mask(new_rules, w) for w in self.witnesses]
        self._largest: dict[tuple[int | None, int | None], tuple[int, ...]] = {}

    def largest(self, old: int | None, new: int | None) -> tuple[int, ...]:
        """Witnesses allowed by both deciding rules (``None``: no constraint on that side)."""
        key = (old, new)
        found = self._largest.get(key)
        if found is None:
            found = tuple(
                w
                for w in range(len(self.witnesses))
                if (old is None or self.old_masks[w] >> old & 1)
                and (new is None or self.new_masks[w] >> new & 1)
            )
            self._largest[key] = found
        return found

    def cover(
        self, pool: Sequence[int], old_refuse: Sequence[int], new_refuse: Sequence[int]
    ) -> list[int] | None:
        """A few witnesses of ``pool`` that every listed rule refuses one of, or None."""
        need = {(0, r) for r in old_refuse} | {(1, r) for r in new_refuse}
        chosen: list[int] = []
        masks = (self.old_masks, self.new_masks)
        while need:
            best, best_covered = -1, set[tuple[int, int]]()
            for w in pool:
                covered = {t for t in need if not masks[t[0]][w] >> t[1] & 1}
                if len(covered) > len(best_covered):
                    best, best_covered = w, covered
            if not best_covered:
                return None
            chosen.append(best)
            need -= best_covered
        return chosen

    def names_of(self, witnesses: Iterable[int]) -> tuple[str, ...]:
        return tuple(sorted(self.witnesses[w] for w in witnesses))

    def usable(self, headers: tuple[str, ...]) -> bool:
        return self.names is None or all(h in self.names for h in headers)

    def sets(self, old_context: Sequence[int], new_context: Sequence[int]) -> list[tuple[str, ...]]:
        """Header sequences that reach every class of this (origin, method) context."""
        found: dict[tuple[str, ...], None] = {(): None}
        for rules, context in ((self.old_rules, old_context), (self.new_rules, new_context)):
            for index in context:
                rule = rules[index]
                listed = _listed(rule)
                if listed and not rule.has_header_wildcard and self.usable(listed):
                    found.setdefault(listed, None)
        old_choices: list[int | None] = [*old_context, None]
        new_choices: list[int | None] = [*new_context, None]
        for old_at, old in enumerate(old_choices):
            old_refuse = old_context[:old_at]
            for new_at, new in enumerate(new_choices):
                pool = self.largest(old, new)
                chosen = self.cover(pool, old_refuse, new_context[:new_at])
                if chosen is None:
                    continue
                found.setdefault(self.names_of(chosen), None)
                if old is not None and new is not None:
                    old_echo = self.old_rules[old].has_header_wildcard
                    if old_echo != self.new_rules[new].has_header_wildcard:
                        whole = self.names_of(pool)
                        found.setdefault(whole, None)
                        found.setdefault(whole[::-1], None)
        return list(found)


def _side_label(decision: Decision) -> str:
    if decision.allowed:
        assert decision.rule is not None
        assert decision.rule_index is not None
        return f"{decision.status} {decision.rule.label(decision.rule_index)}"
    if not decision.configured:
        return f"{decision.status} no configuration"
    rule = decision.nearest_rule
    check = decision.nearest_check
    if rule is None or check is None or decision.nearest is None:
        return f"{decision.status} {decision.error_code}"
    return (
        f"{decision.status} refused, nearest {rule.label(decision.nearest)} "
        f"fails on {', '.join(check.failed_fields)}"
    )


def _rule_summary(rule: CORSRule, index: int) -> str:
    parts = [
        "AllowedOrigin " + ", ".join(rule.allowed_origins),
        "AllowedMethod " + ", ".join(rule.allowed_methods),
        "AllowedHeader " + (", ".join(rule.allowed_headers) if rule.allowed_headers else "-"),
    ]
    return f"{rule.label(index)} ({'; '.join(parts)})"


def _origin_class_label(entries: frozenset[str] | None) -> str:
    if entries is None:
        return "any origin"
    if not entries:
        return "an origin that matches no AllowedOrigin"
    return "an origin matching " + ", ".join(sorted(entries))


@dataclass(frozen=True)
class ConfigurationChange:
    """A class of preflight requests whose answer differs, with one example request."""

    kind: ChangeKind
    request: Request
    old: Decision
    new: Decision
    request_class: RequestClass

    @property
    def origin(self) -> str:
        return self.request.origin

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def request_headers(self) -> tuple[str, ...]:
        return self.request.headers

    @property
    def old_rule(self) -> int | None:
        """The old rule that decided (allowed), or the nearest one (refused)."""
        return self.old.rule_index if self.old.allowed else self.old.nearest

    @property
    def new_rule(self) -> int | None:
        """The new rule that decided (allowed), or the nearest one (refused)."""
        return self.new.rule_index if self.new.allowed else self.new.nearest

    @property
    def differences(self) -> tuple[tuple[str, str | None, str | None], ...]:
        """``(what, before, after)`` for the status and each answer header that differs."""
        found: list[tuple[str, str | None, str | None]] = []
        if self.old.status != self.new.status:
            found.append(("status", str(self.old.status), str(self.new.status)))
        old_headers, new_headers = dict(self.old.headers), dict(self.new.headers)
        for name in sorted(old_headers.keys() | new_headers.keys()):
            before, after = old_headers.get(name), new_headers.get(name)
            if before != after:
                found.append((name, before, after))
        return tuple(found)

    def covers(
        self, origin: str | None, method: str | None, headers: str | Iterable[str] | None = None
    ) -> bool:
        """Whether the request belongs to this change's class (and so changes verdict alike)."""
        found = classify_request(
            self.old.configuration, self.new.configuration, origin, method, headers
        )
        return found == self.request_class

    def responsible(self) -> str:
        """The rules on each side that explain this change, in words."""
        lines = []
        for side, decision in (("old", self.old), ("new", self.new)):
            if not decision.configured:
                lines.append(f"{side}: no CORS configuration")
            elif decision.allowed:
                assert decision.rule is not None
                assert decision.rule_index is not None
                lines.append(
                    f"{side}: allowed by {_rule_summary(decision.rule, decision.rule_index)}"
                )
            elif decision.nearest_rule is not None and decision.nearest is not None:
                check = decision.nearest_check
                fields = ", ".join(check.failed_fields) if check is not None else "?"
                denied = ""
                if check is not None and check.denied_headers:
                    denied = " (" + ", ".join(check.denied_headers) + ")"
                nearest = _rule_summary(decision.nearest_rule, decision.nearest)
                lines.append(
                    f"{side}: refused; nearest {nearest} fails on {fields}{denied}: "
                    f"{decision.reason}"
                )
            else:
                lines.append(f"{side}: {decision.status} {decision.reason}")
        return "\n".join(lines)

    def describe(self) -> str:
        """Several lines: the kind, the example request, its class, both answers and the rules."""
        lines = [
            f"{self.kind}: {self.request}",
            f"  class: {_origin_class_label(self.request_class.origin_entries)}, "
            f"method {self.request_class.method or 'any'}",
            f"  before: {_side_label(self.old)}",
            f"  after:  {_side_label(self.new)}",
        ]
        for what, before, after in self.differences:
            lines.append(f"  {what}: {before or '(absent)'} -> {after or '(absent)'}")
        lines.extend("  " + line for line in self.responsible().splitlines())
        return "\n".join(lines)


class ConfigurationDiff(Sequence[ConfigurationChange]):
    """The changes between two configurations: a sequence, broken ones first."""

    def __init__(
        self,
        changes: Iterable[ConfigurationChange],
        old: CORSConfiguration | None,
        new: CORSConfiguration | None,
        compared: int,
    ) -> None:
        self._changes = tuple(changes)
        self.old = old
        self.new = new
        #: How many candidate requests were evaluated (on both sides).
        self.compared = compared

    @overload
    def __getitem__(self, index: int) -> ConfigurationChange: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ConfigurationChange]: ...

    def __getitem__(
        self, index: int | slice
    ) -> ConfigurationChange | Sequence[ConfigurationChange]:
        return self._changes[index]

    def __len__(self) -> int:
        return len(self._changes)

    def __iter__(self) -> Iterator[ConfigurationChange]:
        return iter(self._changes)

    def __repr__(self) -> str:
        return f"ConfigurationDiff({list(self._changes)!r})"

    def of_kind(self, kind: ChangeKind) -> tuple[ConfigurationChange, ...]:
        return tuple(c for c in self._changes if c.kind == kind)

    @property
    def broken(self) -> tuple[ConfigurationChange, ...]:
        """Changes where a request that was allowed is now refused."""
        return self.of_kind(BROKEN)

    @property
    def newly_allowed(self) -> tuple[ConfigurationChange, ...]:
        return self.of_kind(NEWLY_ALLOWED)

    @property
    def headers_changed(self) -> tuple[ConfigurationChange, ...]:
        return self.of_kind(HEADERS_CHANGED)

    def covering(
        self, origin: str | None, method: str | None, headers: str | Iterable[str] | None = None
    ) -> ConfigurationChange | None:
        """The change whose class holds this request, if any."""
        found = classify_request(self.old, self.new, origin, method, headers)
        return next((c for c in self._changes if c.request_class == found), None)


def _classify(
    origins: _Universe,
    old_decision: Decision,
    new_decision: Decision,
) -> RequestClass:
    origin = old_decision.origin
    if not old_decision.allowed and not new_decision.allowed:
        # Two refusals differ, if at all, by ResponseVary alone: whatever the origin and method.
        return RequestClass(None, None, old_decision.status, None, new_decision.status, None, None)
    return RequestClass(
        origin_entries=origins.matched(origin) if origin is not None else frozenset(),
        method=old_decision.method,
        old_status=old_decision.status,
        old_rule=old_decision.rule_index,
        new_status=new_decision.status,
        new_rule=new_decision.rule_index,
        same_allow_headers=(
            old_decision.headers.get(_ALLOW_HEADERS) == new_decision.headers.get(_ALLOW_HEADERS)
            if old_decision.allowed and new_decision.allowed
            else None
        ),
    )


def classify_request(
    old: object,
    new: object,
    origin: str | None,
    method: str | None,
    headers: str | Iterable[str] | None = None,
) -> RequestClass:
    """The :class:`RequestClass` of one preflight between two configurations (either may be
    ``None``, or any form :func:`~pytest_cos_cors.sources.whole_configuration` accepts)."""
    old_configuration, new_configuration = _load(old), _load(new)
    universe = _Universe(_origin_entries(old_configuration, new_configuration))
    return _classify(
        universe,
        evaluate_preflight(old_configuration, origin, method, headers),
        evaluate_preflight(new_configuration, origin, method, headers),
    )


def _kind(old: Decision, new: Decision) -> ChangeKind:
    if old.allowed and not new.allowed:
        return BROKEN
    if new.allowed and not old.allowed:
        return NEWLY_ALLOWED
    return HEADERS_CHANGED


def _context(rules: Sequence[CORSRule], matching: Sequence[int], method: str) -> tuple[int, ...]:
    return tuple(i for i in matching if method in rules[i].allowed_methods)


def diff_configurations(
    old: object,
    new: object,
    *,
    origins: Iterable[str] | None = None,
    methods: Iterable[str] | None = None,
    headers: Iterable[str] | None = None,
) -> ConfigurationDiff:
    """Every class of preflight request whose answer differs between ``old`` and ``new``.

    ``old``/``new``: ``None`` (no configuration) or anything
    :func:`~pytest_cos_cors.sources.whole_configuration` accepts. ``origins``, ``methods`` and
    ``headers`` (header names) replace the derived candidates of their dimension; see the module
    documentation for the candidate space and why the result is exact. Raises
    :class:`~pytest_cos_cors.errors.CosError` for an invalid configuration.
    """
    old_configuration, new_configuration = _load(old), _load(new)
    old_rules = old_configuration.rules if old_configuration is not None else ()
    new_rules = new_configuration.rules if new_configuration is not None else ()
    old_vary = bool(old_configuration is not None and old_configuration.response_vary)
    new_vary = bool(new_configuration is not None and new_configuration.response_vary)

    origin_universe = _Universe(_origin_entries(old_configuration, new_configuration))
    if origins is None:
        origin_list = _witnesses(origin_universe, [_OUTSIDE_ORIGIN])
    else:
        kept: dict[int, str] = {}
        for origin in origins:
            kept.setdefault(origin_universe.key(origin), origin)
        origin_list = list(kept.values())
    method_list = list(METHODS) if methods is None else list(dict.fromkeys(methods))
    header_universe = _Universe(_header_entries(old_configuration, new_configuration))
    names: frozenset[str] | None = None
    if headers is None:
        header_list = _witnesses(header_universe, [_OUTSIDE_HEADER])
    else:
        given = normalise_request_headers(headers)
        names = frozenset(given)
        by_type: dict[int, str] = {}
        for name in given:
            by_type.setdefault(header_universe.key(name), name)
        header_list = list(by_type.values())
    space = _HeaderSpace(header_list, old_rules, new_rules, names)

    found: dict[RequestClass, ConfigurationChange] = {}
    compared = 0
    for origin in origin_list:
        old_matching = [i for i, r in enumerate(old_rules) if r.matched_origin(origin) is not None]
        new_matching = [i for i, r in enumerate(new_rules) if r.matched_origin(origin) is not None]
        for method in method_list:
            old_context = _context(old_rules, old_matching, method)
            new_context = _context(new_rules, new_matching, method)
            if old_vary == new_vary and [old_rules[i] for i in old_context] == [
                new_rules[i] for i in new_context
            ]:
                continue
            for requested in space.sets(old_context, new_context):
                compared += 1
                old_decision = evaluate_preflight(old_configuration, origin, method, requested)
                new_decision = evaluate_preflight(new_configuration, origin, method, requested)
                if not _differs(old_decision, new_decision):
                    continue
                request_class = _classify(origin_universe, old_decision, new_decision)
                if request_class not in found:
                    found[request_class] = ConfigurationChange(
                        kind=_kind(old_decision, new_decision),
                        request=Request(origin, method, old_decision.request_headers),
                        old=old_decision,
                        new=new_decision,
                        request_class=request_class,
                    )
    changes = sorted(found.values(), key=lambda c: _KIND_ORDER[c.kind])
    return ConfigurationDiff(changes, old_configuration, new_configuration, compared)


def _difference_text(change: ConfigurationChange) -> str:
    parts = []
    for what, before, after in change.differences:
        if what == "status" or what.startswith("Access-Control-Allow-Origin"):
            continue
        parts.append(f"{what}: {before or '-'} -> {after or '-'}")
    return "; ".join(parts) if change.kind == HEADERS_CHANGED else ""


def format_changes(changes: Sequence[ConfigurationChange]) -> str:
    """A plain-text table: change, request, before, after, and what differs."""
    header = ("CHANGE", "ORIGIN", "METHOD", "HEADERS", "BEFORE", "AFTER", "DIFFERENCE")
    rows = [header]
    for change in changes:
        rows.append(
            (
                change.kind,
                change.origin,
                change.method,
                ",".join(change.request_headers) or "-",
                _side_label(change.old),
                _side_label(change.new),
                _difference_text(change),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


HeadersLike = str | Iterable[str] | None
RequestLike = Request | tuple[str, str] | tuple[str, str, HeadersLike] | Mapping[str, HeadersLike]


def _request(value: object) -> Request:
    if isinstance(value, Request):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - {"origin", "method", "headers"}
        if unknown:
            raise TypeError(f"unknown request keys {sorted(unknown)}: use origin, method, headers")
        origin, method, headers = value.get("origin"), value.get("method"), value.get("headers")
    elif isinstance(value, tuple) and len(value) in (2, 3):
        origin, method = value[0], value[1]
        headers = value[2] if len(value) == 3 else None
    else:
        raise TypeError(
            f"a request is an (origin, method[, headers]) tuple or a dict, got {value!r}"
        )
    if not isinstance(origin, str) or not isinstance(method, str):
        raise TypeError(f"a request needs an origin and a method as strings, got {value!r}")
    if headers is not None and not isinstance(headers, (str, Iterable)):
        raise TypeError(f"request headers must be a string or strings, got {headers!r}")
    return Request(origin, method, normalise_request_headers(headers))


def assert_no_broken_requests(
    old: object, new: object, requests: Iterable[RequestLike] | None = None
) -> None:
    """Fail when a preflight that ``old`` allows is refused by ``new``.

    ``requests``: ``(origin, method)`` or ``(origin, method, headers)`` tuples, or dicts with
    ``origin``, ``method`` and ``headers``; ``None`` checks every class of request
    :func:`diff_configurations` derives from the two configurations.
    """
    __tracebackhide__ = True
    old_configuration, new_configuration = _load(old), _load(new)
    broken: list[ConfigurationChange] = []
    if requests is None:
        broken.extend(diff_configurations(old_configuration, new_configuration).broken)
        what = "request class"
    else:
        universe = _Universe(_origin_entries(old_configuration, new_configuration))
        for value in requests:
            request = _request(value)
            old_decision = evaluate_preflight(
                old_configuration, request.origin, request.method, request.headers
            )
            new_decision = evaluate_preflight(
                new_configuration, request.origin, request.method, request.headers
            )
            if old_decision.allowed and not new_decision.allowed:
                broken.append(
                    ConfigurationChange(
                        kind=BROKEN,
                        request=request,
                        old=old_decision,
                        new=new_decision,
                        request_class=_classify(universe, old_decision, new_decision),
                    )
                )
        what = "request"
    if broken:
        count = len(broken)
        plural = "" if count == 1 else ("es" if what.endswith("class") else "s")
        lines = [
            f"{count} {what}{plural} allowed by the old CORS configuration "
            f"{'is' if count == 1 else 'are'} refused by the new one:"
        ]
        for change in broken:
            lines.append("- " + change.describe().replace("\n", "\n  "))
        raise AssertionError("\n".join(lines))
