"""The diff as text: a summary line (:func:`summary`) and a plain-text table, one row per change
(:func:`format_changes`). ``str(ConfigurationDiff)`` is the two together.

It reads changes and diffs through their attributes (the protocols below), so that
:mod:`.changes` can use it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..evaluator import Decision
from ..rules import CORSConfiguration
from .labels import side_label
from .model import HEADERS_CHANGED, ChangeKind


class Change(Protocol):
    """A :class:`~pytest_cos_cors.diff.ConfigurationChange`, as the table reads it."""

    @property
    def kind(self) -> ChangeKind: ...
    @property
    def origin(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def request_headers(self) -> tuple[str, ...]: ...
    @property
    def old(self) -> Decision: ...
    @property
    def new(self) -> Decision: ...
    @property
    def differences(self) -> tuple[tuple[str, str | None, str | None], ...]: ...


class Diff(Protocol):
    """A :class:`~pytest_cos_cors.diff.ConfigurationDiff`, as the summary reads it."""

    @property
    def old(self) -> CORSConfiguration | None: ...
    @property
    def new(self) -> CORSConfiguration | None: ...
    @property
    def compared(self) -> int: ...
    @property
    def broken(self) -> tuple[Change, ...]: ...
    @property
    def newly_allowed(self) -> tuple[Change, ...]: ...
    @property
    def headers_changed(self) -> tuple[Change, ...]: ...
    def __len__(self) -> int: ...


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def summary(diff: Diff, old: str = "the old configuration", new: str = "the new one") -> str:
    """One line: how many classes of preflight change between ``old`` and ``new`` (the names
    shown for the two configurations), and of which kind; or why nothing changes."""
    compared = f"({_count(diff.compared, 'request')} compared)"
    if not len(diff):
        head = f"No preflight changes verdict between {old} and {new}"
        if diff.old == diff.new:
            return f"{head}: they are the same configuration."
        if not diff.compared:
            return f"{head}: every request meets the same rules in both."
        return f"{head} {compared}."
    classes = f"{len(diff)} {'class' if len(diff) == 1 else 'classes'}"
    return (
        f"{classes} of preflight change between {old} and {new}: {len(diff.broken)} broken, "
        f"{len(diff.newly_allowed)} newly allowed, {len(diff.headers_changed)} "
        f"with other headers {compared}"
    )


def _difference_text(change: Change) -> str:
    parts = []
    for what, before, after in change.differences:
        if what == "status" or what.startswith("Access-Control-Allow-Origin"):
            continue
        parts.append(f"{what}: {before or '-'} -> {after or '-'}")
    return "; ".join(parts) if change.kind == HEADERS_CHANGED else ""


def format_changes(changes: Sequence[Change]) -> str:
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
                side_label(change.old),
                side_label(change.new),
                _difference_text(change),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
