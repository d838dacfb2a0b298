"""PUT Object - Copy and Upload Part - Copy over raw HTTP (docs/cos-operations.md 2.7, 2.8)."""

from __future__ import annotations

import re

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import HOST, MIB, assert_error, call, quoted_md5, texts, xml

OTHER = "other-1250000000"
SOURCE = f"{HOST}/src/a%20b.txt"
PRECONDITION = "Precondition not match."


@pytest.fixture
def source(endpoint: CosCorsEndpoint) -> bytes:
    body = b"[Object Content]"
    wire = call(
        endpoint,
        "PUT",
        "/src/a%20b.txt",
        {"Content-Type": "text/plain", "Cache-Control": "max-age=60", "x-cos-meta-who": "ann"},
        body,
    )
    assert wire.status == 200
    return body


def test_copy_keeps_the_source_metadata_and_answers_its_result(
    endpoint: CosCorsEndpoint, source: bytes
) -> None:
    wire = call(endpoint, "PUT", "/dst.txt", {"x-cos-copy-source": SOURCE, "Content-Type": "x/y"})
    assert wire.status == 200, wire.body
    modified = xml(wire).findtext("LastModified")
    assert modified is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)
    assert (
        wire.body
        == (
            '<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult>\n'
            f"<ETag>{quoted_md5(source)}</ETag>\n<CRC64>16749565679157681890</CRC64>\n"
            f"<LastModified>{modified}</LastModified>\n</CopyObjectResult>"
        ).encode()
    )
    assert endpoint.objects()["dst.txt"] == source
    got = call(endpoint, "GET", "/dst.txt")
    assert got.header("Content-Type") == "text/plain"  # Copy: the request's is ignored
    assert got.header("Cache-Control") == "max-age=60"
    assert got.header("x-cos-meta-who") == "ann"
    assert endpoint.exchanges[-2].operation == "CopyObject"


def test_replaced_takes_the_request_metadata(endpoint: CosCorsEndpoint, source: bytes) -> None:
    headers = {
        "x-cos-copy-source": SOURCE,
        "x-cos-metadata-directive": "Replaced",
        "Content-Type": "image/png",
        "x-cos-meta-new": "1",
    }
    assert call(endpoint, "PUT", "/dst.txt", headers).status == 200
    got = call(endpoint, "GET", "/dst.txt")
    assert got.header("Content-Type") == "image/png"
    assert got.header("Cache-Control") is None
    assert got.header("x-cos-meta-new") == "1"
    assert got.header("x-cos-meta-who") is None
    # S3's spelling (boto3) and a copy onto itself with Replaced
    same = {"x-amz-copy-source": "/examplebucket-1250000000/src/a%20b.txt"}
    same["x-amz-metadata-directive"] = "REPLACE"
    assert call(endpoint, "PUT", "/src/a%20b.txt", same).status == 200
    assert (
        call(endpoint, "GET", "/src/a%20b.txt").header("Content-Type") == "application/octet-stream"
    )


def test_copy_between_buckets_shares_nothing_visible(
    endpoint: CosCorsEndpoint, source: bytes
) -> None:
    endpoint.add_bucket(OTHER)
    wire = call(
        endpoint,
        "PUT",
        "/copy",
        {"x-cos-copy-source": SOURCE},
        host=f"{OTHER}.cos.ap-beijing.myqcloud.com",
    )
    assert wire.status == 200
    call(endpoint, "DELETE", "/src/a%20b.txt")
    assert endpoint.objects(OTHER) == {"copy": source}


def test_copy_of_a_multipart_object_has_a_single_part_etag(endpoint: CosCorsEndpoint) -> None:
    upload_id = xml(call(endpoint, "POST", "/mp?uploads")).findtext("UploadId")
    parts = [b"1" * MIB, b"2"]
    for number, body in enumerate(parts, 1):
        call(endpoint, "PUT", f"/mp?partNumber={number}&uploadId={upload_id}", body=body)
    listed = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{quoted_md5(b)}</ETag></Part>"
        for n, b in enumerate(parts, 1)
    )
    body = f"<CompleteMultipartUpload>{listed}</CompleteMultipartUpload>".encode()
    assert call(endpoint, "POST", f"/mp?uploadId={upload_id}", body=body).status == 200
    wire = call(endpoint, "PUT", "/mp-copy", {"x-cos-copy-source": f"{HOST}/mp"})
    assert xml(wire).findtext("ETag") == quoted_md5(b"".join(parts))
    assert call(endpoint, "HEAD", "/mp-copy").header("ETag") == quoted_md5(b"".join(parts))


@pytest.mark.parametrize(
    ("headers", "status", "code", "message"),
    [
        (
            {"x-cos-copy-source": f"{HOST}/nope"},
            404,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
        (
            {"x-cos-copy-source": "missing-1250000000.cos.ap-beijing.myqcloud.com/k"},
            404,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        ),
        (
            {"x-cos-copy-source": "no-key"},
            400,
            "InvalidArgument",
            "Copy Source must mention the source bucket and key: bucket/key.",
        ),
        (
            {"x-cos-copy-source": SOURCE, "x-cos-metadata-directive": "Keep"},
            400,
            "InvalidArgument",
            "Unknown metadata directive.",
        ),
        (
            {"x-cos-copy-source": f"{HOST}/dst.txt"},
            400,
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect location "
            "or encryption attributes.",
        ),
        (
            {"x-cos-copy-source": f"{SOURCE}?versionId=MTg0NDUxNzcwMDM2NjE3NjQ4MDM"},
            501,
            "NotImplemented",
            "The parameter versionId is not implemented by this fake for CopyObject.",
        ),
        (
            {"x-cos-copy-source": SOURCE, "x-cos-tagging": "a=b"},
            501,
            "NotImplemented",
            "The header x-cos-tagging is not implemented by this fake for CopyObject.",
        ),
    ],
)
def test_copy_refusals_never_store_anything(
    endpoint: CosCorsEndpoint,
    source: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
    message: str,
) -> None:
    call(endpoint, "PUT", "/dst.txt", body=b"before")
    wire = call(endpoint, "PUT", "/dst.txt", headers, body=b"a body that must not be stored")
    assert_error(wire, status, code, message, "/dst.txt")
    assert endpoint.objects() == {"src/a b.txt": source, "dst.txt": b"before"}


@pytest.mark.parametrize(
    ("condition", "value", "passes"),
    [
        ("If-Match", "etag", True),
        ("If-Match", '"0123"', False),
        ("If-None-Match", "etag", False),
        ("If-None-Match", '"0123"', True),
        ("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT", True),
        ("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT", False),
        ("If-Unmodified-Since", "Fri, 01 Jan 2100 00:00:00 GMT", True),
        ("If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT", False),
    ],
)
def test_copy_source_conditions_fail_with_412(
    endpoint: CosCorsEndpoint, source: bytes, condition: str, value: str, passes: bool
) -> None:
    value = quoted_md5(source) if value == "etag" else value
    headers = {"x-cos-copy-source": SOURCE, f"x-cos-copy-source-{condition}": value}
    wire = call(endpoint, "PUT", "/dst.txt", headers)
    if passes:
        assert wire.status == 200
        assert endpoint.objects()["dst.txt"] == source
    else:
        assert_error(wire, 412, "PreconditionFailed", PRECONDITION, "/dst.txt")
        assert "dst.txt" not in endpoint.objects()


def test_an_anonymous_copy_from_a_private_bucket_is_denied(
    endpoint: CosCorsEndpoint,
) -> None:
    endpoint.add_bucket(OTHER, acl="private")
    call(
        endpoint,
        "PUT",
        "/secret",
        {"Authorization": "q-sign-algorithm=sha1&..."},
        b"s",
        host=f"{OTHER}.cos.ap-beijing.myqcloud.com",
    )
    source = {"x-cos-copy-source": f"{OTHER}.cos.ap-beijing.myqcloud.com/secret"}
    assert_error(
        call(endpoint, "PUT", "/leak", source), 403, "AccessDenied", "Access Denied.", "/leak"
    )
    signed = {**source, "Authorization": "q-sign-algorithm=sha1&..."}
    assert call(endpoint, "PUT", "/leak", signed).status == 200


def test_upload_part_copy(endpoint: CosCorsEndpoint, source: bytes) -> None:
    upload_id = xml(call(endpoint, "POST", "/joined?uploads")).findtext("UploadId")
    target = f"/joined?partNumber={{n}}&uploadId={upload_id}"
    big = b"0123456789" * (MIB // 10 + 1)
    call(endpoint, "PUT", "/big", body=big)
    first = call(
        endpoint,
        "PUT",
        target.format(n=1),
        {"x-cos-copy-source": f"{HOST}/big", "x-cos-copy-source-range": f"bytes=0-{MIB - 1}"},
    )
    assert first.status == 200, first.body
    modified = xml(first).findtext("LastModified")
    assert (
        first.body
        == (
            f"<CopyPartResult>\n<ETag>{quoted_md5(big[:MIB])}</ETag>\n"
            f"<LastModified>{modified}</LastModified>\n</CopyPartResult>"
        ).encode()
    )
    assert first.header("x-cos-hash-crc64ecma")
    whole = call(endpoint, "PUT", target.format(n=2), {"x-cos-copy-source": SOURCE})
    assert xml(whole).findtext("ETag") == quoted_md5(source)
    listed = xml(call(endpoint, "GET", f"/joined?uploadId={upload_id}"))
    assert texts(listed, "Part/Size") == [str(MIB), str(len(source))]
    parts = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
        for n, e in ((1, quoted_md5(big[:MIB])), (2, quoted_md5(source)))
    )
    body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
    assert call(endpoint, "POST", f"/joined?uploadId={upload_id}", body=body).status == 200
    assert endpoint.objects()["joined"] == big[:MIB] + source
    operations = [e.operation for e in endpoint.exchanges if e.query.get("partNumber")]
    assert operations == ["UploadPartCopy", "UploadPartCopy"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("bytes=0-3", True),
        ("bytes=4-100", True),  # the end is clamped
        ("bytes=3-2", False),
        ("bytes=16-20", False),  # starts past the end
        ("bytes=0-", False),
        ("items=0-1", False),
        ("bytes=-3", False),
    ],
)
def test_upload_part_copy_range(
    endpoint: CosCorsEndpoint, source: bytes, value: str, ok: bool
) -> None:
    upload_id = xml(call(endpoint, "POST", "/joined?uploads")).findtext("UploadId")
    wire = call(
        endpoint,
        "PUT",
        f"/joined?partNumber=1&uploadId={upload_id}",
        {"x-cos-copy-source": SOURCE, "x-cos-copy-source-range": value},
    )
    if ok:
        first, _, last = value[6:].partition("-")
        expected = source[int(first) : int(last) + 1]
        assert xml(wire).findtext("ETag") == quoted_md5(expected)
    else:
        message = (
            "The x-cos-copy-source-range value must be of the form bytes=first-last where first "
            "and last are the zero-based offsets of the first and last bytes to copy"
        )
        assert_error(wire, 400, "InvalidArgument", message, "/joined")


def test_upload_part_copy_needs_the_upload(endpoint: CosCorsEndpoint, source: bytes) -> None:
    wire = call(
        endpoint,
        "PUT",
        f"/joined?partNumber=1&uploadId={'1' * 74}",
        {"x-cos-copy-source": SOURCE},
    )
    assert wire.status == 404
    assert wire.error()["Code"] == "NoSuchUpload"


def test_copy_source_on_a_bucket_put_is_not_implemented(endpoint: CosCorsEndpoint) -> None:
    wire = call(endpoint, "PUT", "/", {"x-cos-copy-source": SOURCE})
    message = "The header x-cos-copy-source is not implemented by this fake for PUT bucket."
    assert_error(wire, 501, "NotImplemented", message)
    assert endpoint.exchanges[-1].operation is None
    wire = call(endpoint, "POST", "/k?uploads", {"x-cos-copy-source": SOURCE})
    assert wire.status == 200  # only a PUT copies
