"""``check`` and ``diff`` given what a browser never sends, or a file in a format they do not
read; ``check`` notes the origins of a configuration that can never match (issue 18, defects 4
and 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_cos_cors.cli import main

RULES = {
    "CORSRule": [
        {
            "AllowedOrigin": ["https://app.example.com"],
            "AllowedMethod": ["PUT"],
            "AllowedHeader": ["content-type", "x-cos-meta-*"],
        }
    ]
}
FLAWED = {
    "CORSRule": [
        {
            "ID": "web",
            "AllowedOrigin": ["https://app.example.com/", "https://admin.example.com:443"],
            "AllowedMethod": ["PUT"],
        },
        {"AllowedOrigin": ["HTTPS://App.example.com", "app.example.com"], "AllowedMethod": ["GET"]},
        {"AllowedOrigin": ["https://app.example.com/upload"], "AllowedMethod": ["DELETE"]},
    ]
}


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "cors.json"
    path.write_text(json.dumps(RULES))
    return path


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    path = tmp_path / "flawed.json"
    path.write_text(json.dumps(FLAWED))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as exit_info:
        status = int(str(exit_info.code))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (
            "app.example.com",
            "'app.example.com' is not an Origin a browser sends: a browser's Origin starts with "
            "its scheme (https://) (did you mean 'https://app.example.com'?)",
        ),
        (
            "https://app.example.com/",
            "'https://app.example.com/' is not an Origin a browser sends: a browser's Origin "
            "never ends with '/' (did you mean 'https://app.example.com'?)",
        ),
        (
            "https://app.example.com/upload",
            "'https://app.example.com/upload' is not an Origin a browser sends: a browser's "
            "Origin has no path (did you mean 'https://app.example.com'?)",
        ),
        (
            "https://app.example.com:443",
            "'https://app.example.com:443' is not an Origin a browser sends: a browser's Origin "
            "leaves out the default port (:443 for https, :80 for http) (did you mean "
            "'https://app.example.com'?)",
        ),
        (
            "HTTPS://App.Example.com",
            "'HTTPS://App.Example.com' is not an Origin a browser sends: a browser's Origin is "
            "in lower case (did you mean 'https://app.example.com'?)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "diff"])
def test_origins_a_browser_never_sends_are_usage_errors(
    capsys: pytest.CaptureFixture[str], rules: Path, command: str, origin: str, expected: str
) -> None:
    args = ["--origin", origin]
    if command == "check":
        args += [str(rules), "--method", "PUT"]
    else:
        args += [str(rules), str(rules)]
    status, out, err = run(capsys, command, *args)
    assert (status, out) == (2, "")
    assert err.endswith(
        f"python -m pytest_cos_cors {command}: error: argument --origin: {expected}\n"
    )


def test_null_and_ports_are_origins(capsys: pytest.CaptureFixture[str], rules: Path) -> None:
    for origin in ("null", "http://localhost:8080", "https://app.example.com:8443"):
        status, out, _ = run(capsys, "check", str(rules), "--origin", origin, "--method", "PUT")
        assert status == 1, out


def test_headers_separated_by_spaces_are_split(
    capsys: pytest.CaptureFixture[str], rules: Path
) -> None:
    status, out, err = run(
        capsys,
        "check",
        str(rules),
        "--origin",
        "https://app.example.com",
        "--method",
        "PUT",
        "--header",
        "content-type x-cos-meta-a",
    )
    assert (status, err) == (0, "")
    assert "Access-Control-Allow-Headers: content-type,x-cos-meta-a\n" in out


@pytest.mark.parametrize("command", ["check", "diff"])
def test_a_header_name_that_is_not_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], rules: Path, command: str
) -> None:
    args = [str(rules), "--method", "PUT"] if command == "check" else [str(rules), str(rules)]
    if command == "check":
        args += ["--origin", "https://app.example.com"]
    status, out, err = run(capsys, command, *args, "--header", "content-type: image/png")
    assert (status, out) == (2, "")
    assert err.endswith(
        f"python -m pytest_cos_cors {command}: error: argument --header: 'content-type:' is not "
        "a header name\n"
    )


def test_check_notes_origins_that_never_match(
    capsys: pytest.CaptureFixture[str], flawed: Path
) -> None:
    status, out, err = run(
        capsys, "check", str(flawed), "--origin", "https://app.example.com", "--method", "PUT"
    )
    assert (status, err) == (1, "")
    assert out == (
        "403 AccessForbidden, denied: origin 'https://app.example.com' does not match any rule's "
        "AllowedOrigin\n"
        "nearest rule rules[0] (ID 'web'): AllowedOrigin=['https://app.example.com/', "
        "'https://admin.example.com:443'], AllowedMethod=['PUT'], AllowedHeader=[]\n"
        "    failed on: AllowedOrigin does not match 'https://app.example.com'\n"
        "note: rules[0] (ID 'web'): AllowedOrigin 'https://app.example.com/' never matches: a "
        "browser's Origin never ends with '/'\n"
        "note: rules[0] (ID 'web'): AllowedOrigin 'https://admin.example.com:443' never matches: "
        "a browser's Origin leaves out the default port (:443 for https, :80 for http)\n"
        "note: rules[1]: AllowedOrigin 'HTTPS://App.example.com' never matches: a browser's "
        "Origin is in lower case\n"
        "note: rules[1]: AllowedOrigin 'app.example.com' never matches: a browser's Origin "
        "starts with its scheme (https://)\n"
        "note: rules[2]: AllowedOrigin 'https://app.example.com/upload' never matches: a "
        "browser's Origin has no path\n"
    )


def test_check_notes_them_when_allowed_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cors.json"
    path.write_text(
        json.dumps(
            {"AllowedOrigin": ["*", "https://app.example.com/"], "AllowedMethod": ["GET"]}
        )
    )
    status, out, _ = run(
        capsys, "check", str(path), "--origin", "https://app.example.com", "--method", "GET"
    )
    assert status == 0
    assert out.splitlines()[0] == "200 allowed by rules[0]"
    assert out.splitlines()[-1] == (
        "note: rules[0]: AllowedOrigin 'https://app.example.com/' never matches: a browser's "
        "Origin never ends with '/'"
    )


@pytest.mark.parametrize("command", ["check", "diff"])
def test_a_format_that_is_not_read_says_which_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rules: Path, command: str
) -> None:
    path = tmp_path / "cors.yaml"
    path.write_text("CORSRule:\n  - AllowedOrigin: ['*']\n    AllowedMethod: [GET]\n")
    if command == "check":
        args = [str(path), "--origin", "https://app.example.com", "--method", "PUT"]
    else:
        args = [str(rules), str(path)]
    status, out, err = run(capsys, command, *args)
    assert (status, out) == (2, "")
    assert err == (
        f"python -m pytest_cos_cors {command}: error: {path}: not a format this command reads: "
        "CONFIG is COS XML, or the dict the SDK's put_bucket_cors takes as JSON in a file whose "
        "name ends in .json\n"
    )
