"""The diff in words: ``str(ConfigurationDiff)`` and the summary line ``diff`` prints, also when
nothing changes (issue 18, defect 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_cos_cors import CORSConfiguration, diff_configurations
from pytest_cos_cors.cli import main

RULE = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT"]}
WIDER = {"AllowedOrigin": ["https://app.example.com"], "AllowedMethod": ["PUT", "GET"]}
#: A first rule that answers every preflight: whatever follows it never decides.
ANY = {
    "AllowedOrigin": ["*"],
    "AllowedMethod": ["PUT", "GET", "POST", "DELETE", "HEAD"],
    "AllowedHeader": ["*"],
}


def test_str_of_a_diff_is_its_summary_and_table() -> None:
    diff = diff_configurations(RULE, WIDER)
    assert str(diff) == (
        "2 classes of preflight change between the old configuration and the new one: 0 broken, "
        "1 newly allowed, 1 with other headers (4 requests compared)\n"
        "\n"
        "CHANGE           ORIGIN                   METHOD  HEADERS  BEFORE                       "
        "                 AFTER         DIFFERENCE\n"
        "newly allowed    https://app.example.com  GET     -        403 denied, nearest rules[0] "
        "fails on method  200 rules[0]\n"
        "headers changed  https://app.example.com  PUT     -        200 rules[0]                 "
        "                 200 rules[0]  Access-Control-Allow-Methods: PUT -> PUT,GET"
    )
    assert repr(diff).startswith("ConfigurationDiff([ConfigurationChange(")


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        pytest.param(
            RULE,
            RULE,
            "No preflight changes verdict between the old configuration and the new one: they "
            "are the same configuration.",
            id="same",
        ),
        pytest.param(
            None,
            None,
            "No preflight changes verdict between the old configuration and the new one: they "
            "are the same configuration.",
            id="neither-configured",
        ),
        pytest.param(
            CORSConfiguration([RULE], response_vary=None),
            CORSConfiguration([RULE], response_vary=False),
            "No preflight changes verdict between the old configuration and the new one: every "
            "request meets the same rules in both.",
            id="equivalent",
        ),
        pytest.param(
            {"CORSRule": [ANY, RULE]},
            {"CORSRule": [ANY, {**RULE, "MaxAgeSeconds": 5}]},
            "No preflight changes verdict between the old configuration and the new one (1 "
            "request compared).",
            id="shadowed-rule-changed",
        ),
    ],
)
def test_str_when_nothing_changes(old: object, new: object, text: str) -> None:
    diff = diff_configurations(old, new)
    assert len(diff) == 0
    assert str(diff) == text


def test_the_command_says_why_nothing_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cors.json"
    path.write_text(json.dumps({"CORSRule": [RULE]}))
    assert main(["diff", str(path), str(path)]) == 0
    assert capsys.readouterr().out == (
        f"No preflight changes verdict between {path} and {path}: they are the same "
        "configuration.\n"
    )
