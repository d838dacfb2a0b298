"""Request header lists as CORS reads them: pure string code, light on purpose (no lxml).

``Access-Control-Request-Headers`` and the ``headers=`` arguments of the helpers are compared
after this one normalisation, so that the evaluator, the recordings and the filters agree.
"""

from __future__ import annotations

from collections.abc import Iterable


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


__all__ = ["normalise_request_headers"]
