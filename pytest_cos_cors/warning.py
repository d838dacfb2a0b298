"""The plugin's warning category, importable without the plugin's hooks and fixtures."""

from __future__ import annotations

import pytest


class CosCorsWarning(pytest.PytestWarning):
    """A ``cors_rules`` marker that no endpoint will read."""


__all__ = ["CosCorsWarning"]
