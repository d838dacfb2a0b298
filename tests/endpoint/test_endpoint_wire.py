"""SPEC §1, §2, §4, §5 and the §8 worked examples, over real HTTP."""

from __future__ import annotations

import base64

import pytest
import requests

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.evaluator import evaluate_preflight

from .conftest import BUCKET, CONFIG_A, HOST, RULE_1, assert_error, raw_request

FORBIDDEN = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are "
    "not whitelisted by the resource's CORS spec"
)
EXPOSE = "Content-Length,ETag,x-cos-meta-author"


def cors_headers(wire_headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in wire_headers if k.lower().startswith("access-control-")]


# -- §8 worked examples, header for header, virtual-hosted ------------------------------------


def test_example_1_put_with_headers_matches_rule_2(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(CONFIG_A)
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/exampleobject",
        {
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-md5,content-type,x-cos-meta-author",
        },
    )
    assert (wire.status, wire.reason, wire.body) == (200, "OK", b"")
    assert cors_headers(wire.headers) == [
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Headers", "content-md5,content-type,x-cos-meta-author"),
        ("Access-Control-Allow-Methods", "PUT,GET,POST,DELETE,HEAD"),
        ("Access-Control-Allow-Origin", "https://example.com"),
        ("Access-Control-Expose-Headers", EXPOSE),
        ("Access-Control-Max-Age", "600"),
    ]
    assert wire.header("Content-Length") == "0"
    assert wire.header("Content-Type") is None
    assert wire.header("Server") == "tencent-cos"
    assert wire.header("Vary") is None
    assert wire.header("x-cos-trace-id") is None
    assert wire.header("x-cos-request-id")
    (exchange,) = endpoint.preflights
    assert exchange.bucket == BUCKET
    assert exchange.path == "/exampleobject"
    assert exchange.rule_index == 1
    assert exchange.allowed
    assert exchange.request_headers == ("content-md5", "content-type", "x-cos-meta-author")


def test_example_2_first_matching_rule_wins(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(CONFIG_A)
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/exampleobject",
        {
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert wire.status == 200
    assert cors_headers(wire.headers) == [
        (
            "Access-Control-Allow-Headers",
            "range,x-cos-server-side-encryption-customer-algorithm,"
            "x-cos-server-side-encryption-customer-key,"
            "x-cos-server-side-encryption-customer-key-md5",
        ),
        ("Access-Control-Allow-Methods", "GET,HEAD"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", EXPOSE),
        ("Access-Control-Max-Age", "600"),
    ]
    assert endpoint.preflights[-1].rule_index == 0


def test_example_3_any_path_even_a_sub_resource(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(CONFIG_A)
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/?lifecycle",
        {
            "Origin": "https://bar.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-md5,content-type",
        },
    )
    assert wire.status == 200
    assert cors_headers(wire.headers) == [
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Headers", "content-md5,content-type"),
        ("Access-Control-Allow-Methods", "PUT,GET,POST,DELETE,HEAD"),
        ("Access-Control-Allow-Origin", "https://bar.com"),
        ("Access-Control-Expose-Headers", EXPOSE),
        ("Access-Control-Max-Age", "600"),
    ]
    assert endpoint.preflights[-1].path == "/"
    assert dict(endpoint.preflights[-1].query) == {"lifecycle": ""}


def test_example_4_refused_preflight(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(RULE_1)
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/exampleobject",
        {
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "PUT",
        },
    )
    assert_error(wire, 403, "AccessForbidden", FORBIDDEN, f"{HOST}/exampleobject")
    assert wire.reason == "Forbidden"
    assert cors_headers(wire.headers) == []
    exchange = endpoint.preflights[-1]
    assert not exchange.allowed
    assert (
        exchange.reason
        == evaluate_preflight(endpoint.configuration(), "https://example.com", "PUT").reason
    )


# -- §1 addressing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        HOST,
        f"{HOST}:8080",
        "examplebucket-1250000000.cos.ap-beijing.tencentcos.cn",
        "examplebucket-1250000000.cos-internal.ap-beijing.tencentcos.cn",
        "EXAMPLEBUCKET-1250000000.COS.AP-BEIJING.MYQCLOUD.COM",
    ],
)
def test_virtual_hosted_domains(endpoint: CosCorsEndpoint, host: str) -> None:
    wire = raw_request(endpoint, "PUT", "/dir/a%20b.txt", body=b"x", host=host)
    assert wire.status == 200
    assert endpoint.objects() == {"dir/a b.txt": b"x"}
    assert endpoint.exchanges[-1].bucket == BUCKET
    assert endpoint.exchanges[-1].path == "/dir/a%20b.txt"


def test_path_style_on_own_address(endpoint: CosCorsEndpoint, session: requests.Session) -> None:
    with session.put(endpoint.url_for("dir/a b.txt"), data=b"x") as response:
        assert response.status_code == 200
    assert endpoint.url_for("dir/a b.txt").endswith(f"/{BUCKET}/dir/a%20b.txt")
    assert endpoint.objects() == {"dir/a b.txt": b"x"}
    exchange = endpoint.exchanges[-1]
    assert (exchange.bucket, exchange.path) == (BUCKET, "/dir/a%20b.txt")


def test_path_style_error_resource_names_the_bucket_host(endpoint: CosCorsEndpoint) -> None:
    host = f"127.0.0.1:{endpoint.port}"
    wire = raw_request(endpoint, "GET", f"/{BUCKET}/missing%20key?x-id=GetObject", host=host)
    assert_error(
        wire, 404, "NoSuchKey", "The specified key does not exist.", f"{HOST}/missing%20key"
    )


def test_unknown_bucket(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(
        endpoint, "GET", "/key", host="nobucket-1250000000.cos.ap-beijing.myqcloud.com"
    )
    assert_error(
        wire,
        404,
        "NoSuchBucket",
        "The specified bucket does not exist.",
        "nobucket-1250000000.cos.ap-beijing.myqcloud.com/key",
    )
    wire = raw_request(
        endpoint, "GET", "/nobucket-1250000000/key", host=f"127.0.0.1:{endpoint.port}"
    )
    assert_error(
        wire,
        404,
        "NoSuchBucket",
        "The specified bucket does not exist.",
        "nobucket-1250000000.cos.ap-beijing.myqcloud.com/key",
    )


def test_unknown_bucket_preflight(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/key",
        {
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "GET",
        },
        host="nobucket-1250000000.cos.ap-beijing.myqcloud.com",
    )
    assert_error(
        wire,
        404,
        "NoSuchBucket",
        "The specified bucket does not exist.",
        "nobucket-1250000000.cos.ap-beijing.myqcloud.com/key",
    )
    assert endpoint.preflights[-1].is_preflight
    assert "does not exist" in endpoint.preflights[-1].reason


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_service_root_needs_a_bucket(endpoint: CosCorsEndpoint, method: str) -> None:
    wire = raw_request(endpoint, method, "/", host=f"127.0.0.1:{endpoint.port}")
    assert_error(wire, 400, "InvalidRequest", "A bucket name is required.", "/")
    assert endpoint.exchanges[-1].bucket is None


def test_sub_resource_selected_by_key_whatever_the_value(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(RULE_1)
    for target in ("/?cors", "/?cors=", "/?cors=anything"):
        wire = raw_request(endpoint, "GET", target)
        assert wire.status == 200
        assert wire.header("Content-Type") == "application/xml"


# -- §2 every response -------------------------------------------------------------------


def test_server_header_exactly_once_and_unique_request_ids(endpoint: CosCorsEndpoint) -> None:
    ids = set()
    for method, target in [
        ("GET", "/missing"),
        ("PUT", "/k"),
        ("OPTIONS", "/k"),
        ("DELETE", "/k"),
        ("PATCH", "/k"),
    ]:
        wire = raw_request(endpoint, method, target, body=b"" if method == "PUT" else None)
        assert wire.all("Server") == ["tencent-cos"], method
        assert len(wire.all("Date")) == 1
        ids.add(wire.header("x-cos-request-id"))
    assert len(ids) == 5
    for rid in ids:
        assert rid is not None
        assert base64.b64encode(base64.b64decode(rid, validate=True)).decode() == rid


def test_reason_phrases(endpoint: CosCorsEndpoint) -> None:
    assert raw_request(endpoint, "GET", "/missing").reason == "Not Found"
    assert raw_request(endpoint, "DELETE", "/missing").reason == "No Content"
    assert raw_request(endpoint, "PATCH", "/k").reason == "Not Implemented"


def test_empty_200_has_zero_length_and_no_type(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(endpoint, "PUT", "/k", body=b"abc")
    assert wire.status == 200
    assert wire.header("Content-Length") == "0"
    assert wire.header("Content-Type") is None
    assert wire.header("ETag") == '"900150983cd24fb0d6963f7d28e17f72"'


def test_xml_special_characters_are_escaped(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(endpoint, "GET", "/%3Ca%26b%3E")
    assert_error(wire, 404, "NoSuchKey", "The specified key does not exist.", f"{HOST}/%3Ca%26b%3E")
    wire = raw_request(
        endpoint,
        "PUT",
        "/?cors",
        body=b"<CORSConfiguration><CORSRule>"
        b"<AllowedOrigin>*</AllowedOrigin><AllowedMethod>P&amp;T</AllowedMethod>"
        b"</CORSRule></CORSConfiguration>",
    )
    assert_error(
        wire,
        400,
        "InvalidRequest",
        "Found unsupported HTTP method in CORS config. Unsupported method is P&T",
        f"{HOST}/",
    )


def test_nothing_logged_to_stderr(
    endpoint: CosCorsEndpoint, capfd: pytest.CaptureFixture[str]
) -> None:
    raw_request(endpoint, "GET", "/missing")
    raw_request(endpoint, "OPTIONS", "/k")
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


# -- §4 preflight ------------------------------------------------------------------------


def test_preflight_without_origin(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(RULE_1)
    for headers in (
        {"Access-Control-Request-Method": "GET"},
        {"Origin": "", "Access-Control-Request-Method": "GET"},
    ):
        wire = raw_request(endpoint, "OPTIONS", "/k", headers)
        assert_error(
            wire,
            400,
            "BadRequest",
            "Insufficient information. Origin request header needed.",
            f"{HOST}/k",
        )


@pytest.mark.parametrize(("value", "shown"), [(None, "null"), ("get", "get"), ("PATCH", "PATCH")])
def test_preflight_bad_request_method(
    endpoint: CosCorsEndpoint, value: str | None, shown: str
) -> None:
    endpoint.set_rules(RULE_1)
    headers = {"Origin": "https://example.com"}
    if value is not None:
        headers["Access-Control-Request-Method"] = value
    wire = raw_request(endpoint, "OPTIONS", "/k", headers)
    assert_error(
        wire, 400, "BadRequest", f"Invalid Access-Control-Request-Method: {shown}", f"{HOST}/k"
    )


def test_preflight_without_configuration(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/k",
        {"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
    )
    assert_error(wire, 403, "AccessForbidden", FORBIDDEN, f"{HOST}/k")
    assert endpoint.preflights[-1].reason == "the bucket has no CORS configuration"


def test_preflight_ignores_signatures_and_acl(endpoint: CosCorsEndpoint) -> None:
    endpoint.add_bucket("private-1250000000", acl="private")
    endpoint.set_rules(RULE_1, bucket="private-1250000000")
    wire = raw_request(
        endpoint,
        "OPTIONS",
        "/k?q-sign-algorithm=sha1&q-signature=bad",
        {
            "Origin": "https://x.org",
            "Access-Control-Request-Method": "GET",
            "Authorization": "q-sign-algorithm=sha1&q-signature=wrong",
        },
        host="private-1250000000.cos.ap-beijing.myqcloud.com",
    )
    assert wire.status == 200
    assert wire.header("Access-Control-Allow-Origin") == "*"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.com", True),
        ("https://example.com", False),  # "https://*.example.com" needs the dot
        ("https://app.example.com.evil.org", False),  # anchored at both ends
        ("https://app.example.com/", False),  # no trailing-slash tolerance
        ("HTTPS://APP.EXAMPLE.COM", False),  # case-sensitive
    ],
)
def test_origin_matching(endpoint: CosCorsEndpoint, origin: str, allowed: bool) -> None:
    endpoint.set_rules({"AllowedOrigin": ["https://*.example.com"], "AllowedMethod": ["GET"]})
    wire = raw_request(
        endpoint, "OPTIONS", "/k", {"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert (wire.status == 200) is allowed
    assert (wire.header("Access-Control-Allow-Origin") == origin) is allowed


def test_later_rules_origins_methods_and_headers_are_all_tried(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(
        {"AllowedOrigin": ["https://a.com"], "AllowedMethod": ["GET"]},
        {
            "AllowedOrigin": ["https://b.com", "https://c.com"],
            "AllowedMethod": ["GET", "PUT"],
            "AllowedHeader": ["x-cos-meta-*", "Content-Type"],
        },
    )
    ok = raw_request(
        endpoint,
        "OPTIONS",
        "/k",
        {
            "Origin": "https://c.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, X-Cos-Meta-Author, content-type",
        },
    )
    assert ok.status == 200
    assert ok.header("Access-Control-Allow-Headers") == "content-type,x-cos-meta-author"
    assert ok.header("Access-Control-Allow-Methods") == "GET,PUT"
    for headers in (
        {"Origin": "https://a.com", "Access-Control-Request-Method": "PUT"},
        {"Origin": "https://c.com", "Access-Control-Request-Method": "DELETE"},
        {
            "Origin": "https://c.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization",
        },
        {
            "Origin": "https://a.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    ):
        wire = raw_request(endpoint, "OPTIONS", "/k", headers)
        assert wire.status == 403, headers


def test_response_vary_on_every_response_with_origin(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(RULE_1, response_vary=True)
    allowed = raw_request(
        endpoint,
        "OPTIONS",
        "/k",
        {"Origin": "https://x.org", "Access-Control-Request-Method": "GET"},
    )
    refused = raw_request(
        endpoint,
        "OPTIONS",
        "/k",
        {"Origin": "https://x.org", "Access-Control-Request-Method": "PUT"},
    )
    actual = raw_request(endpoint, "PUT", "/k", {"Origin": "https://x.org"}, body=b"")
    plain = raw_request(endpoint, "GET", "/k")
    assert [w.all("Vary") for w in (allowed, refused, actual, plain)] == [
        ["Origin"],
        ["Origin"],
        ["Origin"],
        [],
    ]
    assert cors_headers(actual.headers) == []


# -- §5 actual requests ------------------------------------------------------------------


def test_actual_request_decorated_without_allow_headers(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(CONFIG_A)
    raw_request(endpoint, "PUT", "/exampleobject", body=b"hello")
    wire = raw_request(endpoint, "GET", "/exampleobject", {"Origin": "https://example.com"})
    assert wire.status == 200
    assert wire.body == b"hello"
    assert cors_headers(wire.headers) == [
        ("Access-Control-Allow-Methods", "GET,HEAD"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", EXPOSE),
        ("Access-Control-Max-Age", "600"),
    ]
    put = raw_request(endpoint, "PUT", "/other", {"Origin": "https://bar.com"}, body=b"")
    assert cors_headers(put.headers) == [
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "PUT,GET,POST,DELETE,HEAD"),
        ("Access-Control-Allow-Origin", "https://bar.com"),
        ("Access-Control-Expose-Headers", EXPOSE),
        ("Access-Control-Max-Age", "600"),
    ]
    exchange = endpoint.exchanges[-1]
    assert (exchange.is_preflight, exchange.request_method, exchange.rule_index) == (
        False,
        "PUT",
        1,
    )


def test_error_responses_are_decorated(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(CONFIG_A)
    wire = raw_request(endpoint, "GET", "/missing", {"Origin": "https://example.com"})
    assert_error(wire, 404, "NoSuchKey", "The specified key does not exist.", f"{HOST}/missing")
    assert wire.header("Access-Control-Allow-Origin") == "*"
    assert wire.header("Access-Control-Expose-Headers") == EXPOSE


def test_no_match_or_no_origin_no_cors_headers(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(CONFIG_A)
    refused = raw_request(endpoint, "PUT", "/k", {"Origin": "https://other.org"}, body=b"")
    assert refused.status == 200  # CORS never blocks an actual request
    assert cors_headers(refused.headers) == []
    plain = raw_request(endpoint, "PUT", "/k", body=b"")
    assert cors_headers(plain.headers) == []
    assert endpoint.exchanges[-1].decision is None
    assert endpoint.exchanges[-2].decision is not None
    assert not endpoint.exchanges[-2].allowed
