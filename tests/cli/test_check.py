"""``python -m pytest_cos_cors check``: exit statuses 0/1/2 and the exact output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_cos_cors.cli import main

# SPEC §8, configuration A.
CONFIG_A = (Path(__file__).parent.parent / "data" / "spec_configuration_a.xml").read_text()

EXAMPLE_1 = """\
200 allowed by rules[1] (ID 'example-id')
Access-Control-Allow-Credentials: true
Access-Control-Allow-Headers: content-md5,content-type,x-cos-meta-author
Access-Control-Allow-Methods: PUT,GET,POST,DELETE,HEAD
Access-Control-Allow-Origin: https://example.com
Access-Control-Expose-Headers: Content-Length,ETag,x-cos-meta-author
Access-Control-Max-Age: 600
"""

REFUSED_ORIGIN = """\
403 AccessForbidden, denied: origin 'https://evil.example' does not match any rule's \
AllowedOrigin
nearest rule rules[0]: AllowedOrigin=['https://app.example.com'], AllowedMethod=['PUT'], \
AllowedHeader=['content-type']
    failed on: AllowedOrigin does not match 'https://evil.example'
"""

APP_RULES = {
    "CORSRule": [
        {
            "AllowedOrigin": ["https://app.example.com"],
            "AllowedMethod": ["PUT"],
            "AllowedHeader": ["content-type"],
        }
    ]
}


@pytest.fixture
def config_a(tmp_path: Path) -> Path:
    path = tmp_path / "cors.xml"
    path.write_text(CONFIG_A)
    return path


@pytest.fixture
def app_json(tmp_path: Path) -> Path:
    path = tmp_path / "cors.json"
    path.write_text(json.dumps(APP_RULES))
    return path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_worked_example_1_is_allowed_with_cos_headers(
    capsys: pytest.CaptureFixture[str], config_a: Path
) -> None:
    status, out, err = check(
        capsys,
        str(config_a),
        "--origin=https://example.com",
        "--method=PUT",
        "--header=Content-MD5",
        "--header",
        "content-type, x-cos-meta-author",
    )
    assert (status, out, err) == (0, EXAMPLE_1, "")


def test_worked_example_2_first_rule_wins(
    capsys: pytest.CaptureFixture[str], config_a: Path
) -> None:
    status, out, _ = check(
        capsys,
        str(config_a),
        "--origin",
        "https://example.com",
        "--method",
        "GET",
        "--header",
        "range",
    )
    assert status == 0
    assert out.splitlines()[:2] == [
        "200 allowed by rules[0]",
        "Access-Control-Allow-Headers: range,x-cos-server-side-encryption-customer-algorithm,"
        "x-cos-server-side-encryption-customer-key,x-cos-server-side-encryption-customer-key-md5",
    ]
    assert "Access-Control-Allow-Origin: *" in out.splitlines()
    assert "Access-Control-Allow-Credentials" not in out


def test_refusal_prints_reason_and_nearest_rule(
    capsys: pytest.CaptureFixture[str], app_json: Path
) -> None:
    status, out, err = check(
        capsys, str(app_json), "--origin", "https://evil.example", "--method", "PUT"
    )
    assert (status, out, err) == (1, REFUSED_ORIGIN, "")


def test_refused_header_names_the_header(
    capsys: pytest.CaptureFixture[str], app_json: Path
) -> None:
    status, out, _ = check(
        capsys,
        str(app_json),
        "--origin",
        "https://app.example.com",
        "--method",
        "PUT",
        "--header",
        "content-type",
        "--header",
        "x-cos-meta-author",
    )
    assert status == 1
    assert out.splitlines()[-1] == "    failed on: AllowedHeader lacks 'x-cos-meta-author'"


def test_sdk_json_dict_is_accepted(capsys: pytest.CaptureFixture[str], app_json: Path) -> None:
    status, out, _ = check(
        capsys,
        str(app_json),
        "--origin",
        "https://app.example.com",
        "--method",
        "PUT",
        "--header",
        "Content-Type",
    )
    assert status == 0
    assert out == (
        "200 allowed by rules[0]\n"
        "Access-Control-Allow-Credentials: true\n"
        "Access-Control-Allow-Headers: content-type\n"
        "Access-Control-Allow-Methods: PUT\n"
        "Access-Control-Allow-Origin: https://app.example.com\n"
    )


def test_no_configuration_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.xml"
    status, out, err = check(
        capsys, str(missing), "--origin", "https://a.example", "--method", "GET"
    )
    assert (status, out) == (2, "")
    assert err == (
        "python -m pytest_cos_cors check: error: "
        f"cannot read {missing}: No such file or directory\n"
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>"
            "</CORSConfiguration>",
            "COS would refuse this configuration: MalformedXML: The XML you provided was not "
            "well-formed or did not validate against our published schema\n"
            "  rules[0].AllowedMethod: a rule needs at least one AllowedMethod\n",
        ),
        (
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
            "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>",
            "COS would refuse this configuration: InvalidRequest: Found unsupported HTTP method "
            "in CORS config. Unsupported method is PATCH\n"
            "  rules[0].AllowedMethod: 'PATCH' is not one of PUT, GET, POST, DELETE, HEAD\n",
        ),
        (
            "<CORSConfiguration><CORSRule><AllowedOrigin>https://*.*.example.com</AllowedOrigin>"
            "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
            "COS would refuse this configuration: InvalidArgument: AllowedOrigin "
            '"https://*.*.example.com" can not have more than one wildcard.\n'
            "  rules[0].AllowedOrigin\n",
        ),
    ],
    ids=["malformed", "unsupported-method", "two-wildcards"],
)
def test_invalid_configuration_prints_cos_code_and_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: str, expected: str
) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(document)
    status, out, err = check(capsys, str(path), "--origin", "https://a.example", "--method", "GET")
    assert (status, out) == (2, "")
    assert err == f"python -m pytest_cos_cors check: error: {path}: {expected}"


def test_invalid_json_is_malformed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    status, _, err = check(capsys, str(path), "--origin", "https://a.example", "--method", "GET")
    assert status == 2
    assert "MalformedXML" in err
    assert "is not valid JSON" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--origin", "https://a.example", "--method", "PATCH"],
            "argument --method: 'PATCH' is not a method a COS CORS rule can allow; use one of "
            "PUT, GET, POST, DELETE, HEAD (case-sensitive)",
        ),
        (
            ["--origin", "https://a.example", "--method", "put"],
            "argument --method: 'put' is not a method a COS CORS rule can allow (did you mean "
            "'PUT'?); use one of PUT, GET, POST, DELETE, HEAD (case-sensitive)",
        ),
        (["--origin", "", "--method", "GET"], "argument --origin: must not be empty"),
        (["--method", "GET"], "the following arguments are required: --origin"),
    ],
    ids=["unknown-method", "lower-case-method", "empty-origin", "no-origin"],
)
def test_usage_errors_exit_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], config_a: Path, args: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(config_a), *args])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert out == ""
    assert err.startswith("usage: python -m pytest_cos_cors check ")
    assert err.endswith(f"python -m pytest_cos_cors check: error: {expected}\n")


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("origin", "status", "first_line"),
    [
        ("https://app.example.com", 0, "200 allowed by rules[0]"),
        ("https://evil.example", 1, "403 AccessForbidden, denied: origin 'https://evil.example'"),
    ],
)
def test_python_dash_m_exit_status(
    app_json: Path, origin: str, status: int, first_line: str
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_cos_cors",
            "check",
            str(app_json),
            "--origin",
            origin,
            "--method",
            "PUT",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert done.stdout.startswith(first_line)
    assert done.stderr == ""


def test_python_dash_m_exit_status_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text("<CORSConfiguration/>")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_cos_cors",
            "check",
            str(path),
            "--origin",
            "https://a.b",
            "--method",
            "GET",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "MalformedXML" in done.stderr
