"""Candidate values of one dimension (origins, or requested header names): one witness for each
class of values the configurations' patterns tell apart (the argument is in
:mod:`pytest_cos_cors.diff.compare`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..rules import CORSConfiguration, Pattern

#: Characters tried, in order, for the fresh character of wildcard witnesses.
_FRESH = "zqxjkvwy0123456789"
#: Readable extra candidates: an origin and a header that few configurations name.
OUTSIDE_ORIGIN = "https://unlisted.invalid"
OUTSIDE_HEADER = "x-unlisted"


def origin_entries(*configurations: CORSConfiguration | None) -> tuple[str, ...]:
    """Every ``AllowedOrigin`` value of the configurations, once, in order."""
    seen: dict[str, None] = {}
    for configuration in configurations:
        if configuration is not None:
            for rule in configuration.rules:
                for entry in rule.allowed_origins:
                    seen.setdefault(entry, None)
    return tuple(seen)


def header_entries(*configurations: CORSConfiguration | None) -> tuple[str, ...]:
    """Every ``AllowedHeader`` value of the configurations, lower-cased, once, in order."""
    seen: dict[str, None] = {}
    for configuration in configurations:
        if configuration is not None:
            for rule in configuration.rules:
                for entry in rule.allowed_headers:
                    seen.setdefault(entry.lower(), None)
    return tuple(seen)


class Universe:
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


def witnesses(universe: Universe, extras: Sequence[str]) -> list[str]:
    """One value per class of non-empty values (see :mod:`pytest_cos_cors.diff.compare`)."""
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
