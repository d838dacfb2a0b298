"""``python -m pytest_cos_cors serve``: banner, one log line per exchange, clean stop on SIGINT
and SIGTERM, usage errors."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .serving import DEADLINE, ROOT, ServeProcess

RULES = ROOT / "examples" / "production_cors.xml"
BUCKET = "examplebucket-1250000000"


def banner(port: int, rules: str) -> list[str]:
    target = f"127.0.0.1:{port}"
    return [
        f"serving http://{target} (bucket {BUCKET}, region ap-beijing)",
        f"rules: {rules}",
        f"path-style URLs: http://{target}/{BUCKET}/<key>",
        f"production URLs: http://{BUCKET}.cos.ap-beijing.myqcloud.com/<key> "
        "(with the Chromium flags below)",
        f"chromium flags: '--host-resolver-rules=MAP *.myqcloud.com {target}, "
        f"MAP *.tencentcos.cn {target}, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, "
        "EXCLUDE 127.0.0.1'",
        "stop with Ctrl-C or SIGTERM",
    ]


def preflight(url: str, origin: str, method: str, headers: str | None = None) -> int:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return requests.options(
        f"{url}/{BUCKET}/avatars/1.png", headers=sent, timeout=DEADLINE
    ).status_code


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=DEADLINE).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serves_logs_each_exchange_and_stops_cleanly(signum: int) -> None:
    with ServeProcess("--rules", str(RULES)) as serve:
        assert serve.lines == banner(serve.port, f"2 rules from {RULES}")
        assert preflight(serve.url, "https://app.example.com", "PUT", "Content-Type") == 200
        assert preflight(serve.url, "https://evil.example", "PUT") == 403
        response = requests.get(
            f"{serve.url}/{BUCKET}/missing.txt",
            headers={"Origin": "https://blog.example"},
            timeout=DEADLINE,
        )
        assert response.status_code == 404
        assert serve.wait_for_lines(3) == [
            f"OPTIONS {BUCKET}/avatars/1.png origin=https://app.example.com method=PUT "
            "headers=content-type -> 200 allowed by rules[0] (ID 'web-app')",
            f"OPTIONS {BUCKET}/avatars/1.png origin=https://evil.example method=PUT headers=- -> "
            "403 DENIED: method 'PUT' is not allowed by any rule whose origin matches; nearest is "
            "rules[1] (ID 'public-downloads'), which failed on method",
            f"GET {BUCKET}/missing.txt origin=https://blog.example -> 404 decorated by rules[1] "
            "(ID 'public-downloads')",
        ]
        status = serve.stop(signum)
        assert status == 0
        assert serve.lines[-1] == "stopped after 3 exchanges (1 preflight allowed, 1 denied)"
        assert len(serve.lines) == len(banner(0, "")) + 4
        assert serve.stderr() == ""
        assert refuses_connections(serve.port)


def test_without_rules_every_preflight_is_refused_until_put() -> None:
    with ServeProcess("--bucket", "web-1250000000", "--region", "ap-guangzhou") as serve:
        assert serve.lines[0] == (
            f"serving http://127.0.0.1:{serve.port} (bucket web-1250000000, region ap-guangzhou)"
        )
        assert serve.lines[1] == (
            "rules: none (every preflight is denied until rules are PUT with ?cors)"
        )
        assert preflight(serve.url, "https://a.example", "GET") == 404
        assert serve.wait_for_lines(1) == [
            f"OPTIONS {BUCKET}/avatars/1.png origin=https://a.example method=GET headers=- -> 404 "
            f"(the bucket '{BUCKET}' does not exist)"
        ]
        assert serve.stop() == 0
        assert serve.lines[-1] == "stopped after 1 exchange (0 preflights allowed, 1 denied)"


def test_fixed_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "pytest_cos_cors", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"python -m pytest_cos_cors serve: error: cannot serve on 127.0.0.1:{port}: "
        "Address already in use\n"
    )


def test_invalid_rules_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "cors.json"
    path.write_text('{"CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethods": ["GET"]}]}')
    done = subprocess.run(
        [sys.executable, "-m", "pytest_cos_cors", "serve", "--rules", str(path)],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"python -m pytest_cos_cors serve: error: {path}: COS would refuse this configuration: "
        "MalformedXML: The XML you provided was not well-formed or did not validate against our "
        "published schema\n"
        "  rules[0].AllowedMethods: unknown rule key 'AllowedMethods' (did you mean "
        "'AllowedMethod'?)\n"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "70000"], "argument --port: 70000 is outside 0..65535"),
        (["--acl", "public"], "argument --acl: invalid choice: 'public'"),
        (
            ["--region", "ap-guanzhou"],
            "argument --region: 'ap-guanzhou' is not a COS region (did you mean "
            "'ap-guangzhou'?)",
        ),
        (
            ["--bucket", "avatars"],
            "argument --bucket: 'avatars' is not a COS bucket name: it must end in -<APPID>, the "
            "account's number, as 'examplebucket-1250000000' does (did you mean "
            "'avatars-1250000000'?)",
        ),
    ],
)
def test_serve_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    from pytest_cos_cors.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *args])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_log_follower_says_when_exchanges_were_dropped_unprinted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pytest_cos_cors.cli.serve import _Follower
    from pytest_cos_cors.endpoint import CosCorsEndpoint

    class Tiny(CosCorsEndpoint):
        max_exchanges = 2

    with Tiny() as endpoint:
        follower = _Follower(endpoint)
        requests.get(endpoint.url_for("k0"), timeout=DEADLINE)
        follower.drain()
        follower.drain()
        for n in (1, 2, 3):
            requests.get(endpoint.url_for(f"k{n}"), timeout=DEADLINE)
        follower.drain()
    assert capsys.readouterr().out.splitlines() == [
        f"GET {BUCKET}/k0 -> 404 (the request has no Origin header)",
        "(older exchanges were dropped from the log before they could be printed)",
        f"GET {BUCKET}/k2 -> 404 (the request has no Origin header)",
        f"GET {BUCKET}/k3 -> 404 (the request has no Origin header)",
    ]
    assert follower.count == 3
