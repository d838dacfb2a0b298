"""Start, stop, check: fast, bounded, leak-free; and the endpoint's Python API."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from pytest_cos_cors.endpoint import CosCorsEndpoint, CosCorsEndpointError
from pytest_cos_cors.errors import CosError
from pytest_cos_cors.recording import Exchange, ExchangeLog, HeaderMap
from pytest_cos_cors.rules import CORSConfiguration, CORSRule
from pytest_cos_cors.store import Store

from .conftest import BUCKET, CONFIG_A, HOST, raw_request


def refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def test_stop_closes_everything() -> None:
    before = set(threading.enumerate())
    endpoint = CosCorsEndpoint()
    endpoint.start()
    port = endpoint.port
    assert port != 0
    assert raw_request(endpoint, "PUT", "/k", body=b"x").status == 200
    endpoint.stop()
    assert set(threading.enumerate()) == before
    assert refuses(port)
    endpoint.stop()  # idempotent
    endpoint.check()


def test_ports_are_never_handed_out_twice_in_a_row() -> None:
    ports = []
    for _ in range(50):
        with CosCorsEndpoint() as endpoint:
            ports.append(endpoint.port)
    assert len(set(ports)) == len(ports)


def test_start_plus_stop_is_fast() -> None:
    durations = []
    for _ in range(100):
        endpoint = CosCorsEndpoint()
        started = time.perf_counter()
        endpoint.start()
        endpoint.stop()
        durations.append(time.perf_counter() - started)
    # the target is ~2 ms; a werkzeug shutdown poll would take 500 ms
    assert statistics.median(durations) < 0.02


def test_stop_with_an_idle_connection_is_quick_and_clean() -> None:
    before = set(threading.enumerate())
    endpoint = CosCorsEndpoint()
    endpoint.start()
    with socket.create_connection(("127.0.0.1", endpoint.port)) as idle:
        idle.sendall(b"")
        started = time.perf_counter()
        endpoint.stop()
        assert time.perf_counter() - started < 1.0
    assert set(threading.enumerate()) == before
    endpoint.check()


def test_request_in_flight_at_stop_is_cut_and_reported() -> None:
    before = set(threading.enumerate())
    endpoint = CosCorsEndpoint()
    endpoint.stop_timeout = 0.2
    endpoint.start()
    with socket.create_connection(("127.0.0.1", endpoint.port)) as client:
        client.sendall(
            f"PUT /{BUCKET}/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Length: 10\r\n\r\n12345".encode()
        )
        deadline = time.monotonic() + 5
        while not endpoint.requests_in_progress():
            assert time.monotonic() < deadline, "the request never reached the application"
            time.sleep(0.001)
        started = time.perf_counter()
        endpoint.stop()
        assert time.perf_counter() - started < 2.0
    assert set(threading.enumerate()) == before
    with pytest.raises(CosCorsEndpointError, match=r"cut off at stop.*PUT /examplebucket"):
        endpoint.check()


def test_requests_in_progress_counts_requests_not_yet_answered() -> None:
    endpoint = CosCorsEndpoint()
    assert endpoint.requests_in_progress() == 0  # not running
    with endpoint:
        assert endpoint.requests_in_progress() == 0
        assert raw_request(endpoint, "PUT", "/k", body=b"x").status == 200
        # Answered: the count drops once the worker has handed the last byte to the network,
        # which can be a moment after the client read it.
        deadline = time.monotonic() + 2
        while endpoint.requests_in_progress() and time.monotonic() < deadline:
            time.sleep(0.001)
        assert endpoint.requests_in_progress() == 0
    assert endpoint.requests_in_progress() == 0


def test_handler_exception_is_a_cos_500_and_reported(
    endpoint: CosCorsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Store, "get_object", broken)
    wire = raw_request(endpoint, "GET", "/k")
    assert wire.status == 500
    assert b"<Code>InternalError</Code>" in wire.body
    assert wire.header("x-cos-trace-id")
    assert endpoint.exchanges[-1].status == 500
    with pytest.raises(CosCorsEndpointError) as info:
        endpoint.check()
    assert "RuntimeError: boom" in str(info.value)
    assert "Traceback" in str(info.value)
    assert isinstance(info.value, AssertionError)
    assert "RuntimeError: boom" in endpoint.problems[0]
    endpoint.clear_problems()  # so that the fixture's own check passes
    assert endpoint.problems == ()


def test_context_manager_checks_on_exit() -> None:
    with CosCorsEndpoint() as endpoint:
        assert endpoint.is_running
    assert not endpoint.is_running
    assert refuses(endpoint.port)


def test_endpoint_module_does_not_import_pytest() -> None:
    code = "import sys, pytest_cos_cors.endpoint; sys.exit('pytest' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_addresses(endpoint: CosCorsEndpoint) -> None:
    assert endpoint.url == f"http://127.0.0.1:{endpoint.port}"
    assert endpoint.bucket == BUCKET
    assert endpoint.region == "ap-beijing"
    assert endpoint.bucket_host == HOST
    assert endpoint.url_for() == f"{endpoint.url}/{BUCKET}/"
    assert endpoint.url_for("a b/c", bucket="x-1") == f"{endpoint.url}/x-1/a%20b/c"
    assert endpoint.cos_url_for("k") == f"http://{HOST}/k"
    assert endpoint.cos_url_for(bucket="x-1") == "http://x-1.cos.ap-beijing.myqcloud.com/"
    flag, spki = endpoint.browser_args()
    assert flag == (
        f"--host-resolver-rules=MAP *.myqcloud.com 127.0.0.1:{endpoint.port}, "
        f"MAP *.tencentcos.cn 127.0.0.1:{endpoint.port}, MAP * ~NOTFOUND, "
        "EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1"
    )
    assert spki.startswith("--ignore-certificate-errors-spki-list=")


def test_url_needs_a_started_endpoint() -> None:
    with pytest.raises(RuntimeError, match="start"):
        _ = CosCorsEndpoint().url


def test_cos_config(endpoint: CosCorsEndpoint) -> None:
    config = endpoint.cos_config(Timeout=5)
    assert config.uri(bucket=BUCKET, path="k") == f"http://127.0.0.1:{endpoint.port}/{BUCKET}/k"
    assert config.uri(bucket=BUCKET) == f"http://127.0.0.1:{endpoint.port}/{BUCKET}/"
    assert config.uri() == f"http://127.0.0.1:{endpoint.port}/"
    assert endpoint.cos_config(IP="127.0.0.1", Port=1).uri(bucket=BUCKET, path="k") == (
        "http://127.0.0.1:1/k"
    )
    assert config._region == "ap-beijing"
    assert config._timeout == 5


def test_set_rules_accepts_every_form(endpoint: CosCorsEndpoint, tmp_path: Path) -> None:
    xml_file = tmp_path / "cors.xml"
    xml_file.write_text(CONFIG_A)
    rule = CORSRule(["*"], ["GET"])
    forms: list[tuple[Any, ...]] = [
        (rule,),
        ({"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]},),
        ({"allowed_origins": ["*"], "allowed_methods": ["GET"]}, rule),
        (CORSConfiguration([rule]),),
        (CONFIG_A,),
        (CONFIG_A.encode(),),
        (xml_file,),
        (
            {
                "CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}],
                "ResponseVary": "true",
            },
        ),
    ]
    for args in forms:
        stored = endpoint.set_rules(*args)
        assert endpoint.configuration() == stored
    assert endpoint.set_rules(rule, response_vary=True).response_vary is True
    with pytest.raises(CosError) as info:
        endpoint.set_rules({"AllowedOrigin": ["*"], "AllowedMethod": ["PATCH"]})
    assert info.value.code == "InvalidRequest"
    endpoint.clear_rules()
    assert endpoint.configuration() is None


def test_buckets(endpoint: CosCorsEndpoint) -> None:
    with pytest.raises(KeyError, match="no bucket 'nope-1'"):
        endpoint.set_rules(CORSRule(["*"], ["GET"]), bucket="nope-1")
    endpoint.add_bucket("two-1250000000", acl="public-read")
    with pytest.raises(ValueError, match="already exists"):
        endpoint.add_bucket("two-1250000000")
    with pytest.raises(ValueError, match="unknown ACL"):
        endpoint.add_bucket("three-1250000000", acl="public")
    endpoint.set_rules(CORSRule(["*"], ["GET"]), bucket="two-1250000000")
    assert endpoint.configuration() is None
    assert endpoint.configuration("two-1250000000") is not None
    with pytest.raises(ValueError, match="unknown ACL"):
        CosCorsEndpoint(acl="everyone")


def test_objects_is_a_read_only_snapshot(endpoint: CosCorsEndpoint) -> None:
    raw_request(endpoint, "PUT", "/k", body=b"v")
    objects = endpoint.objects()
    with pytest.raises(TypeError):
        objects["x"] = b"y"  # type: ignore[index]
    raw_request(endpoint, "PUT", "/k2", body=b"w")
    assert dict(objects) == {"k": b"v"}


def test_exchanges_and_clear_log(endpoint: CosCorsEndpoint, session: requests.Session) -> None:
    endpoint.set_rules(CONFIG_A)
    with session.options(
        endpoint.url_for("k"),
        headers={
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Range",
        },
    ) as response:
        assert response.status_code == 200
    with session.get(
        endpoint.url_for("k") + "?response-content-type=a",
        headers={"Origin": "https://example.com"},
    ) as response:
        assert response.status_code == 404
    preflight, actual = endpoint.exchanges
    assert endpoint.preflights == (preflight,)
    assert isinstance(endpoint.exchanges, tuple)
    assert preflight.is_preflight
    assert (preflight.origin, preflight.request_method, preflight.request_headers) == (
        "https://example.com",
        "GET",
        ("range",),
    )
    assert (preflight.allowed, preflight.rule_index, preflight.status) == (True, 0, 200)
    assert preflight.reason.startswith("allowed by rules[0]")
    assert preflight.response_headers["access-control-allow-origin"] == "*"
    assert preflight.headers["origin"] == "https://example.com"
    assert preflight.body_size == 0
    assert preflight.timestamp <= actual.timestamp
    assert (actual.request_method, actual.request_headers, actual.allowed) == ("GET", (), True)
    assert dict(actual.query) == {"response-content-type": "a"}
    assert actual.status == 404
    assert actual.decision is not None
    assert actual.decision.kind == "actual"
    endpoint.clear_log()
    assert endpoint.exchanges == ()


def exchange(n: int) -> Exchange:
    return Exchange(
        method="GET",
        bucket="b",
        path=f"/{n}",
        query={},
        headers=HeaderMap(),
        status=200,
        response_headers=HeaderMap(),
        decision=None,
        is_preflight=False,
        body_size=0,
        timestamp=float(n),
        note="n",
    )


def test_exchange_log_is_bounded_and_filters() -> None:
    log = ExchangeLog(max_size=3)
    for n in range(5):
        log.append(exchange(n))
    assert [e.path for e in log.snapshot()] == ["/2", "/3", "/4"]
    assert log.dropped == 2
    assert log.filter(path="3") == (log.snapshot()[1],)
    assert log.filter(method="get", is_preflight=False) == log.snapshot()
    assert log.filter(allowed=True) == ()
    log.clear()
    assert (len(log), log.dropped) == (0, 0)


def test_header_map() -> None:
    headers = HeaderMap([("Vary", "Origin"), ("X-A", "1"), ("x-a", "2")])
    assert headers["vary"] == "Origin"
    assert headers["X-A"] == "1, 2"
    assert headers.get_all("x-a") == ("1", "2")
    assert list(headers) == ["Vary", "X-A"]
    assert "VARY" in headers
    assert headers == {"vary": "Origin", "x-a": "1, 2"}


def test_failure_outside_the_dispatcher_is_still_a_cos_500(
    endpoint: CosCorsEndpoint, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(log: ExchangeLog, item: Exchange) -> None:
        raise RuntimeError("log broken")

    monkeypatch.setattr(ExchangeLog, "append", broken)
    wire = raw_request(endpoint, "GET", "/k")
    assert wire.status == 500
    assert wire.all("Server") == ["tencent-cos"]
    assert b"<Code>InternalError</Code>" in wire.body
    with pytest.raises(CosCorsEndpointError, match="log broken"):
        endpoint.check()
    endpoint.clear_problems()
    assert capfd.readouterr().err == ""


def test_malformed_request_line_gets_one_server_header(endpoint: CosCorsEndpoint) -> None:
    with socket.create_connection(("127.0.0.1", endpoint.port)) as client:
        # a header line one byte over http.server's limit, and nothing after it left unread
        client.sendall(b"GET /x HTTP/1.1\r\nX-Long: " + b"a" * 65527 + b"\r\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 431 ")
    assert [line for line in head.split("\r\n") if line.lower().startswith("server:")] == [
        "Server: tencent-cos"
    ]
