"""SPEC §6 over the wire: buckets, ACLs, objects, the browser's form upload."""

from __future__ import annotations

import re

import pytest
import requests
from lxml import etree

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import BUCKET, CONFIG_A, HOST, assert_error, raw_request

OTHER = "other-1250000000"
OTHER_HOST = f"{OTHER}.cos.ap-beijing.myqcloud.com"
DENIED = ("AccessDenied", "Access Denied.")


def test_create_bucket_then_exists(endpoint: CosCorsEndpoint) -> None:
    wire = raw_request(endpoint, "PUT", "/", host=OTHER_HOST)
    assert (wire.status, wire.body, wire.header("Content-Length")) == (200, b"", "0")
    assert endpoint.configuration(OTHER) is None
    again = raw_request(endpoint, "PUT", "/", host=OTHER_HOST)
    assert_error(
        again,
        409,
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        f"{OTHER_HOST}/",
    )
    # created through the API: private by default
    assert_error(raw_request(endpoint, "GET", "/", host=OTHER_HOST), 403, *DENIED, f"{OTHER_HOST}/")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "Other_Bucket-1250000000",
            "a bucket name holds only lower-case letters, digits and '-' "
            "(did you mean 'other-bucket-1250000000'?)",
        ),
        (
            "otherbucket",
            "it must end in -<APPID>, the account's number, as 'examplebucket-1250000000' does "
            "(did you mean 'otherbucket-1250000000'?)",
        ),
        (
            "-other-1250000000",
            "the name before the APPID may not start or end with '-' "
            "(did you mean 'other-1250000000'?)",
        ),
    ],
)
def test_create_bucket_with_a_name_cos_refuses(
    endpoint: CosCorsEndpoint, name: str, reason: str
) -> None:
    """COS's InvalidBucketName (its error code list); nothing is created."""
    host = f"127.0.0.1:{endpoint.port}"
    assert_error(
        raw_request(endpoint, "PUT", f"/{name}", host=host),
        400,
        "InvalidBucketName",
        f"The specified bucket is not valid. ({reason})",
        f"{name}.cos.ap-beijing.myqcloud.com/",
    )
    assert endpoint.bucket_names() == (BUCKET,)


def test_create_bucket_with_a_name_cos_refuses_from_the_sdk(endpoint: CosCorsEndpoint) -> None:
    qcloud_cos = pytest.importorskip("qcloud_cos")
    sdk = qcloud_cos.CosS3Client(endpoint.cos_config(), retry=0)
    try:
        with pytest.raises(qcloud_cos.cos_exception.CosServiceError) as raised:
            sdk.create_bucket(Bucket="toolong" * 10 + "-1250000000")
    finally:
        sdk._session.close()
    assert raised.value.get_error_code() == "InvalidBucketName"
    assert "COS allows" in raised.value.get_error_msg()
    assert endpoint.bucket_names() == (BUCKET,)


def test_create_bucket_path_style_with_acl(endpoint: CosCorsEndpoint) -> None:
    host = f"127.0.0.1:{endpoint.port}"
    assert (
        raw_request(endpoint, "PUT", f"/{OTHER}", {"x-amz-acl": "public-read"}, host=host).status
        == 200
    )
    assert raw_request(endpoint, "GET", f"/{OTHER}/", host=host).status == 200
    assert_error(
        raw_request(endpoint, "PUT", f"/{OTHER}/k", host=host, body=b"x"),
        403,
        *DENIED,
        f"{OTHER_HOST}/k",
    )


def test_head_and_delete_bucket(endpoint: CosCorsEndpoint) -> None:
    head = raw_request(endpoint, "HEAD", "/")
    assert (head.status, head.body) == (200, b"")
    raw_request(endpoint, "PUT", "/k", body=b"x")
    assert_error(
        raw_request(endpoint, "DELETE", "/"),
        409,
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty.",
        f"{HOST}/",
    )
    raw_request(endpoint, "DELETE", "/k")
    assert raw_request(endpoint, "DELETE", "/").status == 204
    assert raw_request(endpoint, "HEAD", "/").status == 404


def test_list_objects_with_prefix_and_max_keys(endpoint: CosCorsEndpoint) -> None:
    for key in ("b/2", "a/1", "b/1", "c", "b/3"):
        raw_request(endpoint, "PUT", f"/{key}", body=key.encode())
    wire = raw_request(endpoint, "GET", "/?prefix=b/&max-keys=2")
    assert wire.status == 200
    assert wire.header("Content-Type") == "application/xml"
    assert wire.body.startswith(b"<?xml version='1.0' encoding='utf-8' ?>\n<ListBucketResult>\n")
    root = etree.fromstring(wire.body)
    assert root.findtext("Name") == BUCKET
    assert root.findtext("Prefix") == "b/"
    assert root.findtext("MaxKeys") == "2"
    assert root.findtext("IsTruncated") == "true"
    contents = root.findall("Contents")
    assert [c.findtext("Key") for c in contents] == ["b/1", "b/2"]
    assert [c.findtext("Size") for c in contents] == ["3", "3"]
    assert contents[0].findtext("ETag") == '"' + __import__("hashlib").md5(b"b/1").hexdigest() + '"'
    last_modified = contents[0].findtext("LastModified")
    assert last_modified is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", last_modified)
    everything = etree.fromstring(raw_request(endpoint, "GET", "/").body)
    assert [c.findtext("Key") for c in everything.findall("Contents")] == [
        "a/1",
        "b/1",
        "b/2",
        "b/3",
        "c",
    ]
    assert everything.findtext("IsTruncated") == "false"


def test_put_get_head_delete_object(endpoint: CosCorsEndpoint) -> None:
    put = raw_request(
        endpoint,
        "PUT",
        "/doc.txt",
        {"Content-Type": "text/plain", "x-cos-meta-Author": "Ann"},
        body=b"hello world",
    )
    etag = put.header("ETag")
    assert etag == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    got = raw_request(endpoint, "GET", "/doc.txt")
    assert (got.status, got.body) == (200, b"hello world")
    assert got.header("Content-Type") == "text/plain"
    assert got.header("Content-Length") == "11"
    assert got.header("ETag") == etag
    assert got.header("Last-Modified")
    assert ("x-cos-meta-author", "Ann") in got.headers
    head = raw_request(endpoint, "HEAD", "/doc.txt")
    assert (head.status, head.body, head.header("Content-Length")) == (200, b"", "11")
    assert head.header("ETag") == etag
    default = raw_request(endpoint, "PUT", "/bin", body=b"\0")
    assert default.status == 200
    assert raw_request(endpoint, "GET", "/bin").header("Content-Type") == (
        "application/octet-stream"
    )
    assert raw_request(endpoint, "DELETE", "/doc.txt").status == 204
    assert raw_request(endpoint, "DELETE", "/doc.txt").status == 204
    assert endpoint.objects() == {"bin": b"\0"}


def test_missing_key(endpoint: CosCorsEndpoint) -> None:
    assert_error(
        raw_request(endpoint, "GET", "/nope"),
        404,
        "NoSuchKey",
        "The specified key does not exist.",
        f"{HOST}/nope",
    )
    head = raw_request(endpoint, "HEAD", "/nope")
    assert (head.status, head.body) == (404, b"")


@pytest.mark.parametrize(
    ("value", "status", "body", "content_range"),
    [
        ("bytes=0-4", 206, b"01234", "bytes 0-4/10"),
        ("bytes=7-20", 206, b"789", "bytes 7-9/10"),
        ("bytes=8-", 206, b"89", "bytes 8-9/10"),
        ("bytes=-3", 206, b"789", "bytes 7-9/10"),
        ("bytes=0-1,4-5", 200, b"0123456789", None),
        ("items=0-1", 200, b"0123456789", None),
        ("garbage", 200, b"0123456789", None),
    ],
)
def test_range(
    endpoint: CosCorsEndpoint, value: str, status: int, body: bytes, content_range: str | None
) -> None:
    raw_request(endpoint, "PUT", "/digits", body=b"0123456789")
    wire = raw_request(endpoint, "GET", "/digits", {"Range": value})
    assert (wire.status, wire.body, wire.header("Content-Range")) == (status, body, content_range)
    assert wire.header("Content-Length") == str(len(body))
    if status == 206:
        assert wire.reason == "Partial Content"


def test_bad_content_md5_on_object(endpoint: CosCorsEndpoint) -> None:
    assert_error(
        raw_request(endpoint, "PUT", "/k", {"Content-MD5": "xx"}, body=b"a"),
        400,
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
        f"{HOST}/k",
    )
    assert endpoint.objects() == {}


def test_form_upload(endpoint: CosCorsEndpoint, session: requests.Session) -> None:
    endpoint.set_rules(CONFIG_A)
    with session.post(
        endpoint.cos_url_for().replace(endpoint.bucket_host, f"127.0.0.1:{endpoint.port}"),
        headers={"Host": endpoint.bucket_host, "Origin": "https://bar.com"},
        data={
            "key": "uploads/${filename}",
            "Content-Type": "image/png",
            "x-cos-meta-author": "ann",
        },
        files={"file": ("cat 1.png", b"PNGDATA", "image/png")},
    ) as response:
        assert response.status_code == 204
        assert response.content == b""
        assert (
            response.headers["ETag"]
            == '"' + __import__("hashlib").md5(b"PNGDATA").hexdigest() + '"'
        )
        assert response.headers["Location"] == f"http://{HOST}/uploads/cat%201.png"
        assert response.headers["Access-Control-Allow-Origin"] == "https://bar.com"
    assert endpoint.objects() == {"uploads/cat 1.png": b"PNGDATA"}
    got = raw_request(endpoint, "GET", "/uploads/cat%201.png")
    assert got.header("Content-Type") == "image/png"
    assert ("x-cos-meta-author", "ann") in got.headers
    exchange = endpoint.exchanges[0]
    assert (exchange.method, exchange.path, exchange.status) == ("POST", "/", 204)
    assert exchange.body_size > len(b"PNGDATA")


def test_form_upload_to_private_bucket_needs_a_signature(
    endpoint: CosCorsEndpoint, session: requests.Session
) -> None:
    endpoint.add_bucket(OTHER, acl="private")
    url = endpoint.url_for(bucket=OTHER)
    with session.post(url, data={"key": "k"}, files={"file": ("f", b"x")}) as response:
        assert response.status_code == 403
        assert b"<Code>AccessDenied</Code>" in response.content
    with session.post(
        url,
        data={"key": "k", "q-sign-algorithm": "sha1", "q-signature": "s"},
        files={"file": ("f", b"x")},
    ) as response:
        assert response.status_code == 204
    assert endpoint.objects(OTHER) == {"k": b"x"}


def test_form_upload_without_file_or_key(
    endpoint: CosCorsEndpoint, session: requests.Session
) -> None:
    with session.post(
        endpoint.url_for(), data={"key": "k"}, files={"other": ("f", b"x")}
    ) as response:
        assert response.status_code == 400
        assert b"<Code>InvalidArgument</Code>" in response.content
    with session.post(endpoint.url_for(), files={"file": ("f", b"x")}) as response:
        assert response.status_code == 400


@pytest.mark.parametrize(
    ("acl", "method", "allowed"),
    [
        ("private", "GET", False),
        ("private", "HEAD", False),
        ("private", "PUT", False),
        ("private", "DELETE", False),
        ("public-read", "GET", True),
        ("public-read", "HEAD", True),
        ("public-read", "PUT", False),
        ("public-read", "DELETE", False),
        ("public-read-write", "PUT", True),
        ("public-read-write", "DELETE", True),
    ],
)
def test_acl_for_anonymous_requests(
    endpoint: CosCorsEndpoint, acl: str, method: str, allowed: bool
) -> None:
    endpoint.add_bucket(OTHER, acl=acl)
    endpoint.set_rules(CONFIG_A, bucket=OTHER)
    body = b"x" if method == "PUT" else None
    wire = raw_request(
        endpoint, method, "/k", {"Origin": "https://example.com"}, body=body, host=OTHER_HOST
    )
    if allowed:
        assert wire.status in (200, 204, 404)
    else:
        assert wire.status == 403
        if method != "HEAD":
            assert_error(wire, 403, *DENIED, f"{OTHER_HOST}/k")
        # decorated as SPEC §5
        assert wire.header("Access-Control-Allow-Origin") is not None
    # any kind of signature makes the request non-anonymous
    for extra_headers, query in (
        ({"Authorization": "q-sign-algorithm=sha1&..."}, ""),
        ({}, "?q-sign-algorithm=sha1&q-signature=x"),
        ({}, "?sign=abc"),
        ({}, "?X-Amz-Signature=abc"),
        ({}, "?Signature=abc"),
    ):
        signed = raw_request(
            endpoint, method, "/k" + query, extra_headers, body=body, host=OTHER_HOST
        )
        assert signed.status in (200, 204, 404), (extra_headers, query)


def test_other_sub_resources_and_methods_are_not_implemented(endpoint: CosCorsEndpoint) -> None:
    assert_error(
        raw_request(endpoint, "GET", "/?lifecycle"),
        501,
        "NotImplemented",
        "The requested operation GET ?lifecycle is not implemented by this fake.",
        f"{HOST}/",
    )
    assert_error(
        raw_request(endpoint, "POST", "/k?restore"),
        501,
        "NotImplemented",
        "The requested operation POST ?restore is not implemented by this fake.",
        f"{HOST}/k",
    )
    wire = raw_request(endpoint, "PATCH", "/k")
    assert wire.status == 501
    assert b"<Code>NotImplemented</Code>" in wire.body
    endpoint.check()
