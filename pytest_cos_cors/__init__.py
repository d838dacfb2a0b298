"""pytest-cos-cors: a fake Tencent Cloud COS endpoint that answers CORS as a real bucket does."""

# No ``from __future__ import annotations`` and private aliases only: ``dir(pytest_cos_cors)``
# lists the public names and nothing this module needs for itself.
import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .diff import (
        ConfigurationChange,
        ConfigurationDiff,
        assert_no_broken_requests,
        diff_configurations,
    )
    from .endpoint import CosCorsEndpoint, CosCorsEndpointError
    from .errors import CosError
    from .evaluator import Decision, RuleCheck, evaluate_actual, evaluate_preflight
    from .recording import Exchange, HeaderMap
    from .rules import CORSConfiguration, CORSRule
    from .warning import CosCorsWarning

__all__ = [
    "CORSConfiguration",
    "CORSRule",
    "ConfigurationChange",
    "ConfigurationDiff",
    "CosCorsEndpoint",
    "CosCorsEndpointError",
    "CosCorsWarning",
    "CosError",
    "Decision",
    "Exchange",
    "HeaderMap",
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
    "ConfigurationChange": "diff",
    "ConfigurationDiff": "diff",
    "CosCorsEndpoint": "endpoint",
    "CosCorsEndpointError": "endpoint",
    "CosCorsWarning": "warning",
    "CosError": "errors",
    "Decision": "evaluator",
    "Exchange": "recording",
    "HeaderMap": "recording",
    "RuleCheck": "evaluator",
    "assert_no_broken_requests": "diff",
    "diff_configurations": "diff",
    "evaluate_actual": "evaluator",
    "evaluate_preflight": "evaluator",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Not cached in this module's globals: pytester's in-process runs drop the modules a run
    # imported, and a cached class would then differ from the one the plugin re-imports.
    return getattr(_importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    """The public names only."""
    return sorted([*__all__, "__version__"])
