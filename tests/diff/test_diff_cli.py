"""``python -m pytest_cos_cors diff``: the table, exit statuses, --strict, invalid files."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_cos_cors.cli import diff as diff_cli

OLD_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration>
  <CORSRule>
    <ID>upload</ID>
    <AllowedOrigin>https://*.example.com</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <MaxAgeSeconds>600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>
"""
NEW_SDK = {
    "CORSRule": [
        {
            "ID": "upload",
            "AllowedOrigin": ["https://app.example.com"],
            "AllowedMethod": ["PUT", "GET"],
            "AllowedHeader": ["content-type"],
            "MaxAgeSeconds": "60",
        }
    ]
}
MAX_AGE_ONLY = {**NEW_SDK["CORSRule"][0], "MaxAgeSeconds": "120"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "old": tmp_path / "old.xml",
        "new": tmp_path / "new.json",
        "longer": tmp_path / "longer.json",
        "bad": tmp_path / "bad.json",
    }
    paths["old"].write_text(OLD_XML)
    paths["new"].write_text(json.dumps(NEW_SDK))
    paths["longer"].write_text(json.dumps({"CORSRule": [MAX_AGE_ONLY]}))
    paths["bad"].write_text(
        json.dumps({"CORSRule": [{"AllowedOrigin": "https://*.*.a.com", "AllowedMethod": "GET"}]})
    )
    return {name: str(path) for name, path in paths.items()}


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="diff")
    diff_cli.add_arguments(parser)
    return diff_cli.run(parser.parse_args(argv))


def test_broken_exits_1_with_a_table(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files["old"], files["new"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("4 classes of preflight change between")
    assert ": 2 broken, 0 newly allowed, 2 with other headers" in lines[0]
    assert lines[2].split()[:4] == ["CHANGE", "ORIGIN", "METHOD", "HEADERS"]
    assert lines[3].split()[:4] == ["broken", "https://z.example.com", "PUT", "-"]
    assert "403 denied, nearest rules[0] (ID 'upload') fails on origin" in lines[3]
    assert lines[5].split()[:3] == ["headers", "changed", "https://app.example.com"]
    assert lines[5].endswith("Access-Control-Max-Age: 600 -> 60")
    assert "Broken requests and the rules responsible:" in out
    assert "old: allowed by rules[0] (ID 'upload') (AllowedOrigin https://*.example.com;" in out


def test_only_header_changes_exit_0_unless_strict(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files["new"], files["longer"]) == 0
    assert "0 broken, 0 newly allowed, 2 with other headers" in capsys.readouterr().out
    assert run(files["new"], files["longer"], "--strict") == 1


def test_newly_allowed_exits_0_unless_strict(files: dict[str, str]) -> None:
    assert run(files["new"], files["old"]) == 0
    assert run(files["new"], files["old"], "--strict") == 1


def test_no_change(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(files["old"], files["old"], "--strict") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"No preflight changes verdict between {files['old']} and")


def test_none_stands_for_no_configuration(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("none", files["new"]) == 0
    assert "0 broken, 2 newly allowed" in capsys.readouterr().out
    assert run(files["new"], "none") == 1


def test_explicit_candidates(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(files["old"], files["new"], "--origin", "https://app.example.com") == 0
    out = capsys.readouterr().out
    assert "https://z.example.com" not in out
    assert run(files["old"], files["new"], "--method", "GET", "--header", "Content-Type") == 1
    out = capsys.readouterr().out
    assert " PUT " not in out
    assert "broken           https://z.example.com    GET     -" in out


def test_invalid_configuration_exits_2_with_the_cos_error(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files["old"], files["bad"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"python -m pytest_cos_cors diff: error: {files['bad']}: COS would refuse this "
        'configuration: InvalidArgument: AllowedOrigin "https://*.*.a.com" can not have more '
        "than one wildcard.",
        "  rules[0].AllowedOrigin",
    ]


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "missing.xml")
    assert run(missing, missing) == 2
    assert f"cannot read {missing}" in capsys.readouterr().err


def test_bad_method_is_a_usage_error(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        run(files["old"], files["new"], "--method", "get")
    assert caught.value.code == 2
    assert "did you mean 'GET'?" in capsys.readouterr().err


def test_python_dash_m(files: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_cos_cors", "diff", files["old"], files["new"]],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "2 broken" in result.stdout
    assert "https://z.example.com" in result.stdout
