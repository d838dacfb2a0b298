"""SPEC §3 over the wire: ``PUT``, ``GET``, ``DELETE /?cors``."""

from __future__ import annotations

import base64
import hashlib

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import CONFIG_A, HOST, assert_error, raw_request

MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
RESOURCE = f"{HOST}/"


def rule(*elements: str) -> str:
    return "<CORSRule>" + "".join(elements) + "</CORSRule>"


def document(*rules: str, extra: str = "") -> bytes:
    return ("<CORSConfiguration>" + "".join(rules) + extra + "</CORSConfiguration>").encode()


OK_RULE = rule("<AllowedOrigin>*</AllowedOrigin>", "<AllowedMethod>GET</AllowedMethod>")


def md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def test_put_get_delete_round_trip(endpoint: CosCorsEndpoint) -> None:
    body = CONFIG_A.encode()
    put = raw_request(endpoint, "PUT", "/?cors", {"Content-MD5": md5(body)}, body=body)
    assert (put.status, put.body, put.header("Content-Length")) == (200, b"", "0")
    assert put.header("Content-Type") is None
    stored = endpoint.configuration()
    assert stored is not None
    assert len(stored.rules) == 2
    got = raw_request(endpoint, "GET", "/?cors")
    assert got.status == 200
    assert got.header("Content-Type") == "application/xml"
    assert got.body == stored.to_xml()
    assert b"<ID>example-id</ID>" in got.body
    assert b"x-cos-server-side-encryption-customer-key-MD5" in got.body  # original case
    assert b"ResponseVary" not in got.body
    deleted = raw_request(endpoint, "DELETE", "/?cors")
    assert (deleted.status, deleted.body) == (204, b"")
    assert endpoint.configuration() is None
    again = raw_request(endpoint, "DELETE", "/?cors")
    assert again.status == 204
    missing = raw_request(endpoint, "GET", "/?cors")
    assert_error(
        missing, 404, "NoSuchCORSConfiguration", "The CORS configuration does not exist", RESOURCE
    )


def test_put_replaces_the_whole_configuration(endpoint: CosCorsEndpoint) -> None:
    assert raw_request(endpoint, "PUT", "/?cors", body=CONFIG_A.encode()).status == 200
    vary = document(OK_RULE, extra="<ResponseVary>TRUE</ResponseVary>")
    assert raw_request(endpoint, "PUT", "/?cors", body=vary).status == 200
    configuration = endpoint.configuration()
    assert configuration is not None
    assert len(configuration.rules) == 1
    assert configuration.response_vary is True
    got = raw_request(endpoint, "GET", "/?cors")
    assert b"<ResponseVary>true</ResponseVary>" in got.body


def test_size_limit_comes_first(endpoint: CosCorsEndpoint) -> None:
    body = b"<" + b"x" * 65536
    wire = raw_request(endpoint, "PUT", "/?cors", {"Content-MD5": "not base64"}, body=body)
    assert_error(
        wire,
        400,
        "XMLSizeLimit",
        "The XML you provided was larger than the maximum of 65536 bytes allowed.",
        RESOURCE,
    )


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_invalid_digest(endpoint: CosCorsEndpoint, value: str) -> None:
    body = document(OK_RULE)
    wire = raw_request(endpoint, "PUT", "/?cors", {"Content-MD5": value}, body=body)
    assert_error(wire, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.", RESOURCE)


def test_bad_digest_before_xml_checks(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(endpoint, "PUT", "/?cors", {"Content-MD5": md5(b"other")}, body=b"<x")
    assert_error(
        wire,
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        RESOURCE,
    )
    assert endpoint.configuration() is None


@pytest.mark.parametrize(
    "body",
    [
        b"<CORSConfiguration>",
        b'<!DOCTYPE x [<!ENTITY e "GET">]><CORSConfiguration>'
        + OK_RULE.encode()
        + b"</CORSConfiguration>",
        b"<Other>" + OK_RULE.encode() + b"</Other>",
        document(),
        document(rule("<AllowedMethod>GET</AllowedMethod>")),
        document(rule("<AllowedOrigin>*</AllowedOrigin>")),
        document(
            rule(
                "<ID>a</ID><ID>b</ID><AllowedOrigin>*</AllowedOrigin>"
                "<AllowedMethod>GET</AllowedMethod>"
            )
        ),
        document(
            rule(
                "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                "<MaxAgeSeconds>-1</MaxAgeSeconds>"
            )
        ),
        document(OK_RULE, extra="<ResponseVary>yes</ResponseVary>"),
        document(
            rule(
                "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                "<Unknown>x</Unknown>"
            )
        ),
        document(rule("<AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod>")),
    ],
)
def test_malformed(endpoint: CosCorsEndpoint, body: bytes) -> None:
    wire = raw_request(endpoint, "PUT", "/?cors", body=body)
    assert_error(wire, 400, "MalformedXML", MALFORMED, RESOURCE)


def test_value_checks_in_order(endpoint: CosCorsEndpoint) -> None:
    too_many = document(*[OK_RULE] * 101)
    assert_error(
        raw_request(endpoint, "PUT", "/?cors", body=too_many),
        400,
        "InvalidRequest",
        "The number of CORS rules should not exceed allowed limit of 100 rules.",
        RESOURCE,
    )
    cases = [
        (
            rule("<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>get</AllowedMethod>"),
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is get",
        ),
        (
            rule(
                "<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                "<AllowedHeader>*x*</AllowedHeader>"
            ),
            "InvalidArgument",
            'AllowedOrigin "*a*" can not have more than one wildcard.',
        ),
        (
            rule(
                "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                "<AllowedHeader>*x*</AllowedHeader><ExposeHeader>x-*</ExposeHeader>"
            ),
            "InvalidArgument",
            'AllowedHeader "*x*" can not have more than one wildcard.',
        ),
        (
            rule(
                "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
                "<ExposeHeader>x-*</ExposeHeader>"
            ),
            "InvalidArgument",
            'ExposeHeader "x-*" contains wildcard. '
            "We currently do not support wildcard for ExposeHeader.",
        ),
    ]
    for element, code, message in cases:
        wire = raw_request(endpoint, "PUT", "/?cors", body=document(element))
        assert_error(wire, 400, code, message, RESOURCE)
    assert endpoint.configuration() is None


def test_other_methods_on_cors_not_implemented(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(endpoint, "POST", "/?cors", body=b"")
    assert_error(
        wire,
        501,
        "NotImplemented",
        "The requested operation POST ?cors is not implemented by this fake.",
        RESOURCE,
    )
