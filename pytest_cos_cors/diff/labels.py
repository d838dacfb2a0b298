"""Short texts of the diff: one side's answer, a rule's fields, an origin class."""

from __future__ import annotations

from ..evaluator import Decision


def side_label(decision: Decision) -> str:
    """One side's answer: the status and the deciding rule, or the nearest rule and its fields."""
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
        f"{decision.status} denied, nearest {rule.label(decision.nearest)} "
        f"fails on {', '.join(check.failed_fields)}"
    )


def origin_class_label(entries: frozenset[str] | None) -> str:
    """The origins of a class, in words."""
    if entries is None:
        return "any origin"
    if not entries:
        return "an origin that matches no AllowedOrigin"
    return "an origin matching " + ", ".join(sorted(entries))
