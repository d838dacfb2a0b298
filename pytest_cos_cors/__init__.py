"""pytest-cos-cors: a fake Tencent Cloud COS endpoint that answers CORS as a real bucket does."""

from __future__ import annotations

from .errors import CosError
from .evaluator import Decision, RuleCheck, evaluate_actual, evaluate_preflight
from .rules import CORSConfiguration, CORSRule

__all__ = [
    "CORSConfiguration",
    "CORSRule",
    "CosError",
    "Decision",
    "RuleCheck",
    "evaluate_actual",
    "evaluate_preflight",
]
__version__ = "0.1.0"
