"""The diff's vocabulary: one preflight :class:`Request`, a :class:`RequestClass` of requests two
configurations treat alike, and the three kinds of change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChangeKind = Literal["broken", "newly allowed", "headers changed"]
BROKEN: ChangeKind = "broken"
NEWLY_ALLOWED: ChangeKind = "newly allowed"
HEADERS_CHANGED: ChangeKind = "headers changed"
#: The order changes are listed in: broken ones first.
KIND_ORDER = {BROKEN: 0, NEWLY_ALLOWED: 1, HEADERS_CHANGED: 2}


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
    """The requests that two configurations treat alike (see :mod:`pytest_cos_cors.diff.compare`).

    ``origin_entries`` holds the ``AllowedOrigin`` values, of either configuration, that the
    origin matches; ``old_rule``/``new_rule`` are the deciding rules' 0-based indexes (``None``
    for a denial); ``same_allow_headers`` says, when both sides allow the request, whether they
    answer the same ``Access-Control-Allow-Headers`` (or both none); it is None otherwise.
    When both sides deny, their answers can only differ by ``ResponseVary``, for every origin
    and method alike: such a class has ``origin_entries`` and ``method`` None.
    """

    origin_entries: frozenset[str] | None
    method: str | None
    old_status: int | None
    old_rule: int | None
    new_status: int | None
    new_rule: int | None
    same_allow_headers: bool | None
