"""pytest glue: options, the ``cors_rules`` marker, fixtures and report sections."""

from __future__ import annotations

import pytest

MARKER_HELP = (
    "cors_rules(*rules, bucket=None, response_vary=None): CORS rules for the cos_cors fake COS "
    "endpoint: CORSRule objects, SDK-shaped or snake_case dicts, or one whole configuration "
    "(XML text or bytes, a pathlib.Path to an XML file, or the SDK's configuration dict)."
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
