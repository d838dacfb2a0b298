"""Which :class:`~pytest_cos_cors.diff.model.RequestClass` a preflight belongs to, and which kind
of change a pair of decisions is; every verdict comes from the evaluator."""

from __future__ import annotations

from collections.abc import Iterable

from ..evaluator import Decision, evaluate_preflight
from ..rules import CORSConfiguration
from ..sources import whole_configuration
from .candidates import Universe, origin_entries
from .model import BROKEN, HEADERS_CHANGED, NEWLY_ALLOWED, ChangeKind, RequestClass

_ALLOW_HEADERS = "Access-Control-Allow-Headers"


def load(value: object) -> CORSConfiguration | None:
    """``None`` (no configuration) or anything
    :func:`~pytest_cos_cors.sources.whole_configuration` accepts, as a configuration."""
    return None if value is None else whole_configuration(value)


def classify(
    origins: Universe,
    old_decision: Decision,
    new_decision: Decision,
) -> RequestClass:
    """The class of the request both decisions answer; ``origins`` holds both sides' origins."""
    origin = old_decision.origin
    if not old_decision.allowed and not new_decision.allowed:
        # Two denials differ, if at all, by ResponseVary alone: whatever the origin and method.
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
    old_configuration, new_configuration = load(old), load(new)
    universe = Universe(origin_entries(old_configuration, new_configuration))
    return classify(
        universe,
        evaluate_preflight(old_configuration, origin, method, headers),
        evaluate_preflight(new_configuration, origin, method, headers),
    )


def kind_of(old: Decision, new: Decision) -> ChangeKind:
    """The kind of change from the ``old`` answer to the ``new`` one (which differ)."""
    if old.allowed and not new.allowed:
        return BROKEN
    if new.allowed and not old.allowed:
        return NEWLY_ALLOWED
    return HEADERS_CHANGED
