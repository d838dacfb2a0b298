"""pytest-cos-cors: a fake Tencent Cloud COS endpoint that answers CORS as a real bucket does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import CosError
from .evaluator import Decision, RuleCheck, evaluate_actual, evaluate_preflight
from .rules import CORSConfiguration, CORSRule

if TYPE_CHECKING:
    from .endpoint import CosCorsEndpoint, CosCorsEndpointError

__all__ = [
    "CORSConfiguration",
    "CORSRule",
    "CosCorsEndpoint",
    "CosCorsEndpointError",
    "CosError",
    "Decision",
    "RuleCheck",
    "evaluate_actual",
    "evaluate_preflight",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The endpoint (werkzeug) loads on first use, so that collecting a suite stays cheap.
    if name in ("CosCorsEndpoint", "CosCorsEndpointError"):
        from . import endpoint

        return getattr(endpoint, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
