"""The diff as a plain-text table: one row per change."""

from __future__ import annotations

from collections.abc import Sequence

from .changes import ConfigurationChange
from .labels import side_label
from .model import HEADERS_CHANGED


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
