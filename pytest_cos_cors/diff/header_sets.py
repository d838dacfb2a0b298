"""The requested-header sets worth asking about in one (origin, method) context: for each pair of
deciding rules, a readable set that reaches it (the argument is in
:mod:`pytest_cos_cors.diff.compare`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..evaluator import normalise_request_headers
from ..rules import CORSRule


def _rule_mask(rules: Sequence[CORSRule], header: str) -> int:
    mask = 0
    for index, rule in enumerate(rules):
        if rule.allows_header(header):
            mask |= 1 << index
    return mask


def _listed(rule: CORSRule) -> tuple[str, ...]:
    return normalise_request_headers(rule.allowed_headers)


class HeaderSpace:
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
