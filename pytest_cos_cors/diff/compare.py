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

from collections.abc import Iterable, Sequence

from ..constants import METHODS
from ..evaluator import Decision, evaluate_preflight, normalise_request_headers
from ..rules import CORSRule
from .candidates import (
    OUTSIDE_HEADER,
    OUTSIDE_ORIGIN,
    Universe,
    header_entries,
    origin_entries,
    witnesses,
)
from .changes import ConfigurationChange, ConfigurationDiff
from .classify import classify, kind_of, load
from .header_sets import HeaderSpace
from .model import KIND_ORDER, Request, RequestClass


def _outcome(decision: Decision) -> tuple[bool, int | None, dict[str, str]]:
    return decision.allowed, decision.status, dict(decision.headers)


def _differs(old: Decision, new: Decision) -> bool:
    return _outcome(old) != _outcome(new)


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
    old_configuration, new_configuration = load(old), load(new)
    old_rules = old_configuration.rules if old_configuration is not None else ()
    new_rules = new_configuration.rules if new_configuration is not None else ()
    old_vary = bool(old_configuration is not None and old_configuration.response_vary)
    new_vary = bool(new_configuration is not None and new_configuration.response_vary)

    origin_universe = Universe(origin_entries(old_configuration, new_configuration))
    if origins is None:
        origin_list = witnesses(origin_universe, [OUTSIDE_ORIGIN])
    else:
        kept: dict[int, str] = {}
        for origin in origins:
            kept.setdefault(origin_universe.key(origin), origin)
        origin_list = list(kept.values())
    method_list = list(METHODS) if methods is None else list(dict.fromkeys(methods))
    header_universe = Universe(header_entries(old_configuration, new_configuration))
    names: frozenset[str] | None = None
    if headers is None:
        header_list = witnesses(header_universe, [OUTSIDE_HEADER])
    else:
        given = normalise_request_headers(headers)
        names = frozenset(given)
        by_type: dict[int, str] = {}
        for name in given:
            by_type.setdefault(header_universe.key(name), name)
        header_list = list(by_type.values())
    space = HeaderSpace(header_list, old_rules, new_rules, names)

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
                request_class = classify(origin_universe, old_decision, new_decision)
                if request_class not in found:
                    found[request_class] = ConfigurationChange(
                        kind=kind_of(old_decision, new_decision),
                        request=Request(origin, method, old_decision.request_headers),
                        old=old_decision,
                        new=new_decision,
                        request_class=request_class,
                    )
    changes = sorted(found.values(), key=lambda c: KIND_ORDER[c.kind])
    return ConfigurationDiff(changes, old_configuration, new_configuration, compared)
