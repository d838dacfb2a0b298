"""Query keys COS does not know are parameters, not sub-resources: a cache-buster such as
``?_=123``, ``?v=2`` or ``?t=1700000000`` (what browsers' and apps' cache-busting adds) is
ignored by routing, and the operation is served as without it. A real COS or S3 sub-resource the
fake does not implement (``?acl``, ``?tagging``, ``?versioning``...) is still ``501
NotImplemented`` naming it, and a signature still covers the unknown key
(docs/cos-operations.md 6.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from lxml import etree
from values import APP

from pytest_cos_cors import CosCorsEndpoint
from pytest_cos_cors.operations.router import SELECTORS, is_quick, route
from pytest_cos_cors.recording import Exchange
from pytest_cos_cors.request_parsing import SUB_RESOURCES, is_sub_resource, sub_resources
from pytest_cos_cors.signatures import SignatureCheck

from .conftest import assert_error, call, sdk_client, texts, xml

BODY = b"the object's bytes"
CACHE_BUSTERS = ["_=123", "v=2", "t=1700000000", "_", "V=2&_=1&cb=x"]
RULE = {
    "AllowedOrigin": [APP],
    "AllowedMethod": ["PUT", "GET", "HEAD", "DELETE", "POST"],
    "AllowedHeader": ["*"],
    "ExposeHeader": ["ETag"],
    "MaxAgeSeconds": 600,
}


def _not_implemented(method: str, name: str) -> str:
    return f"The requested operation {method} ?{name} is not implemented by this fake."


@pytest.fixture
def stored(endpoint: CosCorsEndpoint) -> None:
    assert call(endpoint, "PUT", "/page.html", body=BODY).status == 200


# -- served as without the key -------------------------------------------------------------------


@pytest.mark.parametrize("query", CACHE_BUSTERS)
def test_get_object_with_a_cache_buster_returns_the_object(
    endpoint: CosCorsEndpoint, stored: None, query: str
) -> None:
    answer = requests.get(f"{endpoint.url_for('page.html')}?{query}", timeout=5)

    assert (answer.status_code, answer.content) == (200, BODY)
    assert (
        answer.headers["ETag"]
        == requests.get(endpoint.url_for("page.html"), timeout=5).headers["ETag"]
    )
    exchange = endpoint.exchanges[-2]
    assert (exchange.method, exchange.path, exchange.operation, exchange.status) == (
        "GET",
        "/page.html",
        "GetObject",
        200,
    )
    assert query.partition("=")[0] in exchange.query  # recorded as sent


def test_get_object_with_a_cache_buster_over_raw_http(
    endpoint: CosCorsEndpoint, stored: None
) -> None:
    wire = call(endpoint, "GET", "/page.html?_=1700000000123")

    assert (wire.status, wire.body) == (200, BODY)
    assert endpoint.exchanges[-1].operation == "GetObject"


@pytest.mark.parametrize("query", ["v=2", "_=123", "t=1700000000"])
def test_put_object_with_an_unknown_parameter_stores_the_object(
    endpoint: CosCorsEndpoint, query: str
) -> None:
    answer = requests.put(f"{endpoint.url_for('up/loaded.txt')}?{query}", data=BODY, timeout=5)

    assert answer.status_code == 200, answer.content
    assert endpoint.objects() == {"up/loaded.txt": BODY}
    assert endpoint.exchanges[-1].operation == "PutObject"


def test_head_and_delete_object_ignore_the_key(endpoint: CosCorsEndpoint, stored: None) -> None:
    head = requests.head(f"{endpoint.url_for('page.html')}?_=1", timeout=5)
    deleted = requests.delete(f"{endpoint.url_for('page.html')}?_=2", timeout=5)

    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(BODY))
    assert deleted.status_code == 204
    assert endpoint.objects() == {}
    assert [e.operation for e in endpoint.exchanges[-2:]] == ["HeadObject", "DeleteObject"]


def test_get_bucket_ignores_the_key(endpoint: CosCorsEndpoint, stored: None) -> None:
    wire = call(endpoint, "GET", "/?prefix=page&_=123")

    assert wire.status == 200
    assert texts(xml(wire), "Contents/Key") == ["page.html"]
    assert endpoint.exchanges[-1].operation == "GetBucket"


def test_the_selectors_still_route_with_an_unknown_key_beside_them(
    endpoint: CosCorsEndpoint,
) -> None:
    initiated = call(endpoint, "POST", "/big.bin?uploads&_=1")
    upload_id = texts(xml(initiated), "UploadId")[0]
    part = call(endpoint, "PUT", f"/big.bin?partNumber=1&uploadId={upload_id}&v=2", body=BODY)
    listed = call(endpoint, "GET", "/?uploads&t=1700000000")
    parts = call(endpoint, "GET", f"/big.bin?uploadId={upload_id}&_=3")
    complete = call(
        endpoint,
        "POST",
        f"/big.bin?uploadId={upload_id}&_=4",
        body=(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
            f"<ETag>{part.header('ETag')}</ETag></Part></CompleteMultipartUpload>"
        ).encode(),
    )

    assert [initiated.status, part.status, listed.status, parts.status, complete.status] == [
        200
    ] * 5
    assert endpoint.objects() == {"big.bin": BODY}
    assert [e.operation for e in endpoint.exchanges] == [
        "InitiateMultipartUpload",
        "UploadPart",
        "ListMultipartUploads",
        "ListParts",
        "CompleteMultipartUpload",
    ]


def test_the_cors_configuration_with_an_unknown_key(endpoint: CosCorsEndpoint) -> None:
    endpoint.set_rules(RULE)
    wire = call(endpoint, "GET", "/?cors&_=1")

    assert wire.status == 200
    assert texts(xml(wire), "CORSRule/AllowedOrigin") == [APP]
    assert endpoint.exchanges[-1].operation == "GetBucketCors"


# -- CORS: the preflight and the request it covers -----------------------------------------------


def test_a_preflight_and_its_request_are_decided_as_without_the_key(
    endpoint: CosCorsEndpoint, stored: None
) -> None:
    endpoint.set_rules(RULE)
    asks = {
        "Origin": APP,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-requested-with",
    }
    plain = call(endpoint, "OPTIONS", "/page.html", asks)
    busted = call(endpoint, "OPTIONS", "/page.html?_=1700000000", asks)
    actual = call(endpoint, "GET", "/page.html?_=1700000000", {"Origin": APP})

    assert (plain.status, busted.status) == (200, 200)
    cors = [(k, v) for k, v in busted.headers if k.lower().startswith("access-control-")]
    assert cors == [(k, v) for k, v in plain.headers if k.lower().startswith("access-control-")]
    assert (actual.status, actual.body) == (200, BODY)
    assert actual.header("Access-Control-Allow-Origin") == APP
    assert actual.header("Access-Control-Expose-Headers") == "ETag"
    preflight, request = endpoint.exchanges[-2:]
    assert (preflight.operation, preflight.allowed) == ("PreflightRequest", True)
    assert (request.operation, request.allowed, request.status) == ("GetObject", True, 200)


# -- real sub-resources the fake does not implement: 501 naming them ---------------------------


@pytest.mark.parametrize(
    ("method", "target", "name"),
    [
        ("GET", "/page.html?acl", "acl"),
        ("PUT", "/page.html?acl", "acl"),
        ("GET", "/?acl", "acl"),
        ("GET", "/page.html?tagging", "tagging"),
        ("PUT", "/page.html?tagging", "tagging"),
        ("DELETE", "/page.html?tagging", "tagging"),
        ("GET", "/?versioning", "versioning"),
        ("PUT", "/?versioning", "versioning"),
        ("GET", "/?versions", "versions"),
        ("GET", "/?lifecycle", "lifecycle"),
        ("GET", "/?policy", "policy"),
        ("GET", "/?website", "website"),
        ("GET", "/?referer", "referer"),
        ("GET", "/?logging", "logging"),
        ("GET", "/?inventory&id=list", "inventory"),
        ("GET", "/?replication", "replication"),
        ("GET", "/?domain", "domain"),
        ("GET", "/?origin", "origin"),
        ("GET", "/?encryption", "encryption"),
        ("GET", "/?accelerate", "accelerate"),
        ("PUT", "/?intelligenttiering", "intelligenttiering"),
        ("GET", "/?object-lock", "object-lock"),
        ("POST", "/page.html?restore", "restore"),
        ("POST", "/page.html?select&select-type=2", "select"),
        ("POST", "/page.html?append&position=0", "append"),
        ("GET", "/?list-type=2", "list-type"),
        ("GET", "/page.html?torrent", "torrent"),
        ("GET", "/page.html?ci-process=snapshot&time=1", "ci-process"),
        ("GET", "/page.html?imageMogr2/thumbnail/!50p", "imageMogr2/thumbnail/!50p"),
        ("GET", "/page.html?imageInfo", "imageInfo"),
        ("GET", "/page.html?x-cos-traffic-limit=819200", "x-cos-traffic-limit"),
        # an unknown key beside it changes nothing: the sub-resource is named, not the key
        ("GET", "/page.html?_=123&acl", "acl"),
        ("GET", "/page.html?v=2&Tagging", "Tagging"),
        ("PUT", "/?_=1&VERSIONING", "VERSIONING"),
    ],
)
def test_a_real_sub_resource_is_still_not_implemented(
    endpoint: CosCorsEndpoint, stored: None, method: str, target: str, name: str
) -> None:
    body = b"must not be stored" if method in ("PUT", "POST") else None
    wire = call(endpoint, method, target, body=body)

    assert_error(wire, 501, "NotImplemented", _not_implemented(method, name), target.split("?")[0])
    assert endpoint.objects() == {"page.html": BODY}
    assert endpoint.exchanges[-1].operation is None


def test_other_combinations_the_table_does_not_hold_stay_501(
    endpoint: CosCorsEndpoint, stored: None
) -> None:
    wire = call(endpoint, "GET", "/page.html?partNumber=1&_=2")

    assert_error(wire, 501, "NotImplemented", _not_implemented("GET", "partNumber"), "/page.html")


# -- what routing is told ------------------------------------------------------------------------


def test_every_selector_is_a_sub_resource() -> None:
    assert SELECTORS <= SUB_RESOURCES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("_", False),
        ("v", False),
        ("t", False),
        ("version", False),
        ("ts", False),
        ("cb", False),
        ("id", False),
        ("position", False),
        ("prefix", False),
        ("q-sign-algorithm", False),
        ("x-cos-security-token", False),
        ("response-content-type", False),
        ("X-Amz-Signature", False),
        ("acl", True),
        ("ACL", True),
        ("uploadId", True),
        ("response-control", True),
        ("x-cos-traffic-limit", True),
        ("imageMogr2/format/png", True),
        ("imageView2/1/w/200|watermark/2/text/eA", True),
        ("watermark/1/image/eA", True),
        ("exif", True),
        ("imagesuffix", False),
    ],
)
def test_is_sub_resource(name: str, expected: bool) -> None:
    assert is_sub_resource(name) is expected


def test_sub_resources_keep_the_order_and_spelling_sent() -> None:
    assert sub_resources(["_", "uploadId", "v", "partNumber", "uploadId", "prefix"]) == [
        "uploadId",
        "partNumber",
    ]


@pytest.mark.parametrize(
    ("method", "key", "args", "name"),
    [
        ("GET", "k", ["_"], "GetObject"),
        ("GET", "k", ["v", "t"], "GetObject"),
        ("PUT", "k", ["v"], "PutObject"),
        ("GET", "", ["_", "prefix"], "GetBucket"),
        ("POST", "k", ["uploads", "_"], "InitiateMultipartUpload"),
        ("PUT", "k", ["_", "partNumber", "uploadId"], "UploadPart"),
        ("OPTIONS", "k", ["_", "acl"], "PreflightRequest"),
    ],
)
def test_route_ignores_unknown_keys(method: str, key: str, args: list[str], name: str) -> None:
    found = route(method, key, args, ())

    assert found.operation is not None
    assert (found.operation.name, found.refusal) == (name, "")


@pytest.mark.parametrize(
    ("args", "name"), [(["acl"], "acl"), (["_", "tagging"], "tagging"), (["v", "Acl"], "Acl")]
)
def test_route_names_the_sub_resource_it_refuses(args: list[str], name: str) -> None:
    found = route("GET", "k", args, ())

    assert found.operation is None
    assert found.refusal == _not_implemented("GET", name)


def test_is_quick() -> None:
    assert is_quick("POST", "uploadId=1", []) is False
    assert is_quick("POST", "uploadId=1&_=2", []) is False
    assert is_quick("PUT", "", ["x-cos-copy-source"]) is False
    assert is_quick("PUT", "v=2", ["x-cos-copy-source"]) is False
    assert is_quick("GET", "_=1", []) is True
    assert is_quick("PUT", "v=2", []) is True


# -- signatures cover the key --------------------------------------------------------------------

SECRET_ID = "AKIDqueryparameterkey000000000000000"
SECRET_KEY = "query-parameter-secret-key"


@pytest.fixture
def signed() -> Iterator[CosCorsEndpoint]:
    """A started endpoint with a private bucket that verifies signatures."""
    with CosCorsEndpoint(acl="private", credentials={SECRET_ID: SECRET_KEY}) as endpoint:
        yield endpoint


@pytest.fixture
def client(signed: CosCorsEndpoint) -> Iterator[Any]:
    """cos-python-sdk-v5 signing with the endpoint's credentials (no retries)."""
    with sdk_client(signed) as sdk:
        yield sdk


def _signature(exchange: Exchange) -> SignatureCheck:
    check = exchange.signature
    assert check is not None, f"no signature verdict recorded: {exchange.describe()}"
    return check


def _code(answer: requests.Response) -> str:
    return str(etree.fromstring(answer.content).findtext("Code"))


def _replace(url: str, old: str, new: str) -> str:
    parts = urlsplit(url)
    assert old in parts.query.split("&"), parts.query
    query = "&".join(new if item == old else item for item in parts.query.split("&"))
    return parts._replace(query=query).geturl()


def test_a_presigned_url_signing_the_key_is_accepted_and_refused_when_tampered(
    signed: CosCorsEndpoint, client: Any
) -> None:
    client.put_object(Bucket=signed.bucket, Key="report.pdf", Body=b"%PDF-1.7")
    url = client.get_presigned_url(
        Bucket=signed.bucket, Key="report.pdf", Method="GET", Params={"_": "123"}
    )
    assert "q-url-param-list=_" in url  # the SDK signs the key

    good = requests.get(url, timeout=5)
    tampered = requests.get(_replace(url, "_=123", "_=124"), timeout=5)

    assert (good.status_code, good.content) == (200, b"%PDF-1.7")
    exchange = signed.exchanges[-2]
    assert exchange.operation == "GetObject"
    assert _signature(exchange).verified
    assert (tampered.status_code, _code(tampered)) == (403, "SignatureDoesNotMatch")
    check = _signature(signed.exchanges[-1])
    assert (check.refused, check.part) == (True, "signature")
    assert "\n_=124\n" in str(check.signed_text)  # the fake signed the value it received


def test_a_header_signature_covering_the_key_puts_and_refuses_when_tampered(
    signed: CosCorsEndpoint, client: Any
) -> None:
    authorization = client.get_auth(
        Method="PUT", Bucket=signed.bucket, Key="v.txt", Params={"v": "2"}
    )
    url = signed.url_for("v.txt")

    tampered = requests.put(
        f"{url}?v=3", data=b"tampered", headers={"Authorization": authorization}, timeout=5
    )
    good = requests.put(
        f"{url}?v=2", data=b"versioned", headers={"Authorization": authorization}, timeout=5
    )

    assert (tampered.status_code, _code(tampered)) == (403, "SignatureDoesNotMatch")
    assert good.status_code == 200, good.content
    assert signed.objects() == {"v.txt": b"versioned"}
    assert signed.exchanges[-1].operation == "PutObject"


def test_an_unknown_key_added_after_signing_is_not_signed_and_is_ignored(
    signed: CosCorsEndpoint, client: Any
) -> None:
    """COS signs only the parameters ``q-url-param-list`` names: a key added to a presigned
    URL afterwards changes neither the signature nor the operation."""
    client.put_object(Bucket=signed.bucket, Key="a.txt", Body=b"a")
    url = client.get_presigned_url(Bucket=signed.bucket, Key="a.txt", Method="GET")

    answer = requests.get(f"{url}&_=1700000000", timeout=5)

    assert (answer.status_code, answer.content) == (200, b"a")
    exchange = signed.exchanges[-1]
    assert exchange.operation == "GetObject"
    assert _signature(exchange).verified


def test_a_signed_real_sub_resource_is_still_not_implemented(
    signed: CosCorsEndpoint, client: Any
) -> None:
    url = client.get_presigned_url(
        Bucket=signed.bucket, Key="a.txt", Method="GET", Params={"acl": "", "_": "1"}
    )

    answer = requests.get(url, timeout=5)

    assert (answer.status_code, _code(answer)) == (501, "NotImplemented")
    assert etree.fromstring(answer.content).findtext("Message") == _not_implemented("GET", "acl")
    assert _signature(signed.exchanges[-1]).verified
