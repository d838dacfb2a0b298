"""DELETE Multiple Objects (``POST /?delete``) over raw HTTP (docs/cos-operations.md 2.9)."""

from __future__ import annotations

import base64
import zlib

import pytest
from rawhttp import RawResponse

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import assert_error, call, md5_header

MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


def document(*keys: str, quiet: str | None = None, namespace: str = "") -> bytes:
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    flag = "" if quiet is None else f"<Quiet>{quiet}</Quiet>"
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return f"<Delete{xmlns}>{objects}{flag}</Delete>".encode()


def delete(ep: CosCorsEndpoint, body: bytes, **headers: str) -> RawResponse:
    return call(ep, "POST", "/?delete", {"Content-MD5": md5_header(body), **headers}, body)


@pytest.fixture
def stored(endpoint: CosCorsEndpoint) -> None:
    for key in ("a", "b/c", "d&e"):
        call(endpoint, "PUT", f"/{key.replace('&', '%26')}", body=b"x")


def test_verbose_result_lists_every_key(endpoint: CosCorsEndpoint, stored: None) -> None:
    body = document("a", "b/c", "missing", quiet="false")
    wire = delete(endpoint, body)
    assert wire.status == 200
    assert wire.header("Content-Type") == "application/xml"
    assert wire.body == (
        b"<DeleteResult>\n<Deleted>\n<Key>a</Key>\n</Deleted>\n"
        b"<Deleted>\n<Key>b/c</Key>\n</Deleted>\n<Deleted>\n<Key>missing</Key>\n</Deleted>\n"
        b"</DeleteResult>"
    )
    assert endpoint.objects() == {"d&e": b"x"}
    assert endpoint.exchanges[-1].operation == "DeleteMultipleObjects"


def test_quiet_result_is_empty(endpoint: CosCorsEndpoint, stored: None) -> None:
    wire = delete(
        endpoint, b"<Delete><Quiet>TRUE</Quiet><Object><Key>d&amp;e</Key></Object></Delete>"
    )
    assert (wire.status, wire.body) == (200, b"<DeleteResult/>")
    assert endpoint.objects() == {"a": b"x", "b/c": b"x"}


def test_boto3_form_crc32_instead_of_md5(endpoint: CosCorsEndpoint, stored: None) -> None:
    body = document("a", quiet="true", namespace="http://s3.amazonaws.com/doc/2006-03-01/")
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    wire = call(
        endpoint,
        "POST",
        "/?delete",
        {"x-amz-checksum-crc32": crc, "x-amz-sdk-checksum-algorithm": "CRC32"},
        body,
    )
    assert wire.status == 200
    assert "a" not in endpoint.objects()
    wrong = call(endpoint, "POST", "/?delete", {"x-amz-checksum-crc32": "AAAAAA=="}, body)
    assert_error(
        wrong, 400, "BadDigest", "The CRC32 you specified did not match the calculated checksum."
    )


def test_integrity_is_required_and_checked(endpoint: CosCorsEndpoint, stored: None) -> None:
    body = document("a")
    assert_error(
        call(endpoint, "POST", "/?delete", body=body),
        400,
        "MissingContentMD5",
        "Missing required header for this request: Content-MD5.",
    )
    assert_error(
        call(endpoint, "POST", "/?delete", {"Content-MD5": md5_header(b"x")}, body),
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
    assert_error(
        call(endpoint, "POST", "/?delete", {"Content-MD5": "nope"}, body),
        400,
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
    )
    assert "a" in endpoint.objects()


@pytest.mark.parametrize(
    "body",
    [
        b"<Delete>",
        b"<Remove><Object><Key>a</Key></Object></Remove>",
        b"<Delete><Quiet>true</Quiet></Delete>",
        b"<Delete><Object><Key></Key></Object></Delete>",
        b"<Delete><Object><Name>a</Name></Object></Delete>",
        b"<Delete><Object><Key>a</Key></Object><Quiet>maybe</Quiet></Delete>",
        document(*(f"k{n}" for n in range(1001))),
    ],
)
def test_malformed_documents(endpoint: CosCorsEndpoint, stored: None, body: bytes) -> None:
    assert_error(delete(endpoint, body), 400, "MalformedXML", MALFORMED)
    assert len(endpoint.objects()) == 3


def test_a_thousand_keys_are_accepted(endpoint: CosCorsEndpoint, stored: None) -> None:
    assert delete(endpoint, document("a", *(f"k{n}" for n in range(999)))).status == 200
    assert "a" not in endpoint.objects()


def test_version_ids_are_not_implemented(endpoint: CosCorsEndpoint, stored: None) -> None:
    body = b"<Delete><Object><Key>a</Key><VersionId>v1</VersionId></Object></Delete>"
    assert_error(
        delete(endpoint, body),
        501,
        "NotImplemented",
        "The parameter VersionId is not implemented by this fake for DeleteMultipleObjects.",
    )
    assert "a" in endpoint.objects()


def test_an_anonymous_delete_on_a_public_read_bucket_is_denied(endpoint: CosCorsEndpoint) -> None:
    endpoint.add_bucket("reader-1250000000", acl="public-read")
    body = document("a")
    wire = call(
        endpoint,
        "POST",
        "/?delete",
        {"Content-MD5": md5_header(body)},
        body,
        host="reader-1250000000.cos.ap-beijing.myqcloud.com",
    )
    host = "reader-1250000000.cos.ap-beijing.myqcloud.com"
    assert_error(wire, 403, "AccessDenied", "Access Denied.", host=host)
