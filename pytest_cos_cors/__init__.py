"""pytest-cos-cors: a fake Tencent Cloud COS endpoint that answers CORS as a real bucket does."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .diff import assert_no_broken_requests, diff_configurations
    from .endpoint import CosCorsEndpoint, CosCorsEndpointError
    from .errors import CosError
    from .evaluator import Decision, RuleCheck, evaluate_actual, evaluate_preflight
    from .rules import CORSConfiguration, CORSRule

__all__ = [
    "CORSConfiguration",
    "CORSRule",
    "CosCorsEndpoint",
    "CosCorsEndpointError",
    "CosError",
    "Decision",
    "RuleCheck",
    "assert_no_broken_requests",
    "diff_configurations",
    "evaluate_actual",
    "evaluate_preflight",
]
__version__ = "0.1.0"

# Every export loads on first use: ``import pytest_cos_cors.plugin`` (which pytest does for every
# suite, whether it uses the plugin or not) then costs next to nothing, while the rule model (lxml)
# and the endpoint (werkzeug) load when a test first needs them.
_LAZY = {
    "CORSConfiguration": "rules",
    "CORSRule": "rules",
    "CosCorsEndpoint": "endpoint",
    "CosCorsEndpointError": "endpoint",
    "CosError": "errors",
    "Decision": "evaluator",
    "RuleCheck": "evaluator",
    "assert_no_broken_requests": "diff",
    "diff_configurations": "diff",
    "evaluate_actual": "evaluator",
    "evaluate_preflight": "evaluator",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Not cached in this module's globals: pytester's in-process runs drop the modules a run
    # imported, and a cached class would then differ from the one the plugin re-imports.
    return getattr(import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
