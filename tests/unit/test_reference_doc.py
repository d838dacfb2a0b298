"""``docs/reference.md`` names every public method and property of the endpoint, every field of a
``Decision``, and the diff API (issue 18, missing documentation)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import pytest_cos_cors
from pytest_cos_cors import (
    ConfigurationChange,
    ConfigurationDiff,
    CosCorsEndpoint,
    Decision,
    Exchange,
    RuleCheck,
)

REFERENCE = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text()


def _documented(name: str) -> bool:
    """Whether the page writes ``name`` in backticks: alone, as a call, or as an attribute."""
    pattern = rf"`(?:[A-Za-z_.]*\.)?{re.escape(name)}(?:`|\()"
    return re.search(pattern, REFERENCE) is not None


def _public(cls: type) -> list[str]:
    return sorted(name for name in dir(cls) if not name.startswith("_"))


@pytest.mark.parametrize("name", _public(CosCorsEndpoint))
def test_every_member_of_the_endpoint(name: str) -> None:
    assert _documented(name), f"docs/reference.md does not describe CosCorsEndpoint.{name}"


@pytest.mark.parametrize(
    "name",
    [
        *(f.name for f in dataclasses.fields(Decision)),
        "checks",
        "nearest_rule",
        "nearest_check",
        "short_reason",
        *(f.name for f in dataclasses.fields(RuleCheck)),
        "failed_fields",
        "matched",
    ],
)
def test_every_field_of_a_decision(name: str) -> None:
    assert _documented(name), f"docs/reference.md does not describe Decision.{name}"


@pytest.mark.parametrize(
    "name",
    [
        *_public(ConfigurationDiff),
        *_public(ConfigurationChange),
        *(f.name for f in dataclasses.fields(ConfigurationChange)),
        "diff_configurations",
        "assert_no_broken_requests",
    ],
)
def test_the_diff_api(name: str) -> None:
    if name in ("count", "index"):  # the Sequence methods every sequence has
        return
    assert _documented(name), f"docs/reference.md does not describe {name} of the diff"


@pytest.mark.parametrize("name", pytest_cos_cors.__all__)
def test_every_public_name(name: str) -> None:
    assert f"`{name}`" in REFERENCE


@pytest.mark.parametrize(
    "name",
    [
        *(f.name for f in dataclasses.fields(Exchange) if f.name != "operation"),
        "origin",
        "request_method",
        "request_headers",
        "allowed",
        "reason",
        "rule_index",
        "preflight_headers",
        "missing_preflight",
    ],
)
def test_every_field_of_an_exchange(name: str) -> None:
    assert _documented(name), f"docs/reference.md does not describe Exchange.{name}"


def test_the_check_notices_an_undocumented_name() -> None:
    assert not _documented("no_such_member")
    assert _documented("assert_request_allowed")
    assert _documented("short_reason")
