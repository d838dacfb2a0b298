"""The diff's result: a :class:`ConfigurationChange` per class of request whose answer differs,
and the :class:`ConfigurationDiff` sequence that holds them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from ..describe import rule_summary
from ..evaluator import Decision
from ..rules import CORSConfiguration
from .classify import classify_request
from .formatting import format_changes, summary
from .labels import origin_class_label, side_label
from .model import BROKEN, HEADERS_CHANGED, NEWLY_ALLOWED, ChangeKind, Request, RequestClass


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
        """The old rule that decided (allowed), or the nearest one (denied)."""
        return self.old.rule_index if self.old.allowed else self.old.nearest

    @property
    def new_rule(self) -> int | None:
        """The new rule that decided (allowed), or the nearest one (denied)."""
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
                    f"{side}: allowed by {rule_summary(decision.rule, decision.rule_index)}"
                )
            elif decision.nearest_rule is not None and decision.nearest is not None:
                check = decision.nearest_check
                fields = ", ".join(check.failed_fields) if check is not None else "?"
                denied = ""
                if check is not None and check.denied_headers:
                    denied = " (" + ", ".join(check.denied_headers) + ")"
                nearest = rule_summary(decision.nearest_rule, decision.nearest)
                lines.append(
                    f"{side}: denied; nearest {nearest} fails on {fields}{denied}: "
                    f"{decision.reason}"
                )
            else:
                lines.append(f"{side}: {decision.status} {decision.reason}")
        return "\n".join(lines)

    def describe(self) -> str:
        """Several lines: the kind, the example request, its class, both answers and the rules."""
        lines = [
            f"{self.kind}: {self.request}",
            f"  class: {origin_class_label(self.request_class.origin_entries)}, "
            f"method {self.request_class.method or 'any'}",
            f"  before: {side_label(self.old)}",
            f"  after:  {side_label(self.new)}",
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

    def __str__(self) -> str:
        """The summary line, then (when something changes) one row per change."""
        text = summary(self)
        return f"{text}\n\n{format_changes(self)}" if self._changes else text

    def of_kind(self, kind: ChangeKind) -> tuple[ConfigurationChange, ...]:
        return tuple(c for c in self._changes if c.kind == kind)

    @property
    def broken(self) -> tuple[ConfigurationChange, ...]:
        """Changes where a request that was allowed is now denied."""
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
