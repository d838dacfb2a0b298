"""The package's public surface: what ``dir()`` shows, what it exports, and names kept in one
place (constants, header normalisation) while staying importable where they were."""

from __future__ import annotations

import subprocess
import sys

import pytest
import values

import pytest_cos_cors
from pytest_cos_cors import constants, evaluator, headers, plugin, rules

PUBLIC = [
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
    "__version__",
    "assert_no_broken_requests",
    "diff_configurations",
    "evaluate_actual",
    "evaluate_preflight",
]


def test_dir_shows_the_public_names_only() -> None:
    assert dir(pytest_cos_cors) == PUBLIC
    assert sorted(pytest_cos_cors.__all__) == [n for n in PUBLIC if n != "__version__"]


@pytest.mark.parametrize("name", [n for n in PUBLIC if n != "__version__"])
def test_every_public_name_loads(name: str) -> None:
    assert getattr(pytest_cos_cors, name) is not None


def test_the_types_users_receive_are_exported() -> None:
    from pytest_cos_cors.diff import ConfigurationChange, ConfigurationDiff
    from pytest_cos_cors.endpoint import CosCorsEndpointError
    from pytest_cos_cors.recording import Exchange, HeaderMap

    assert pytest_cos_cors.Exchange is Exchange
    assert pytest_cos_cors.HeaderMap is HeaderMap
    assert pytest_cos_cors.ConfigurationDiff is ConfigurationDiff
    assert pytest_cos_cors.ConfigurationChange is ConfigurationChange
    assert pytest_cos_cors.CosCorsEndpointError is CosCorsEndpointError
    assert pytest_cos_cors.CosCorsWarning is plugin.CosCorsWarning
    assert issubclass(pytest_cos_cors.CosCorsWarning, pytest.PytestWarning)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'import_module'"):
        pytest_cos_cors.import_module  # noqa: B018


def test_constants_are_spelt_once() -> None:
    assert rules.METHODS is constants.METHODS
    assert plugin.ACLS is constants.ACLS
    defaults = {key: default for key, (_, default, _) in plugin.SETTINGS.items()}
    assert defaults == {
        "bucket": constants.DEFAULT_BUCKET,
        "region": constants.DEFAULT_REGION,
        "host": constants.DEFAULT_HOST,
        "acl": constants.DEFAULT_ACL,
    }
    # The tests' own spelling agrees (a changed default fails here first).
    assert (values.BUCKET, values.REGION, values.ACL) == (
        constants.DEFAULT_BUCKET,
        constants.DEFAULT_REGION,
        constants.DEFAULT_ACL,
    )
    assert (values.METHODS, values.ACLS) == (constants.METHODS, constants.ACLS)


def test_header_normalisation_lives_in_one_light_module() -> None:
    assert evaluator.normalise_request_headers is headers.normalise_request_headers


@pytest.mark.parametrize(
    "module",
    [
        "pytest_cos_cors.headers",
        "pytest_cos_cors.describe",
        "pytest_cos_cors.exchange_filter",
        "pytest_cos_cors.recording",
    ],
)
def test_light_modules_load_no_lxml(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(','.join(m for m in ('lxml', 'werkzeug', 'pytest_cos_cors.evaluator')"
        " if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"importing {module} loads {loaded}"
