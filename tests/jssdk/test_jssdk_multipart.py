"""Large uploads through ``cos-js-sdk-v5``: multipart, cancelled, and the ``ExposeHeader`` mistake.

A body over ``SliceSize`` (1 MiB) is uploaded in parts: the SDK lists the bucket's unfinished
uploads of the key (``GET /?uploads&prefix=<key>``), initiates one, sends the parts three at a
time, and completes it with the ETags it read from each part's answer (docs/cos-operations.md,
section 3.1).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests
from qcloud_cos import CosS3Client

from .conftest import ETAG_ERROR, MIB, SdkPage, browser_rule, counted, pattern

SIZE = 3_000_000  # "a 3 MB file": two 1 MiB parts and a last one of 902,848 bytes
PARTS = 3


def s3_multipart_etag(data: bytes, part_size: int) -> str:
    digests = b"".join(
        hashlib.md5(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)
    )
    return f'"{hashlib.md5(digests).hexdigest()}-{-(-len(data) // part_size)}"'


def unfinished_uploads(sdk_page: SdkPage, key: str) -> list[dict[str, Any]]:
    """The bucket's unfinished uploads of ``key``, as the Python SDK lists them."""
    with requests.Session() as session:  # not the SDK's process-wide pool: no socket left open
        client = CosS3Client(sdk_page.cos_cors.cos_config(), retry=0, session=session)
        listed = client.list_multipart_uploads(Bucket=sdk_page.cos_cors.bucket, Prefix=key)
    uploads: list[dict[str, Any]] = listed.get("Upload", [])
    return [u for u in uploads if u["Key"] == key]


@pytest.mark.parametrize(
    ("method", "params", "file_name"),
    [
        pytest.param("uploadFile", {"SliceSize": MIB}, "video.bin", id="uploadFile-of-a-File"),
        pytest.param("sliceUploadFile", {}, None, id="sliceUploadFile-of-a-Blob"),
    ],
)
def test_multipart_upload(
    sdk_page: SdkPage, method: str, params: dict[str, Any], file_name: str | None
) -> None:
    key = f"uploads/{method}.bin"

    result = sdk_page.call(method, {"Key": key, **params}, body_bytes=SIZE, file_name=file_name)

    assert result.err is None, f"{result.describe()}\n{sdk_page.log()}"
    assert result.data["statusCode"] == 200
    stored = sdk_page.cos_cors.objects()
    assert set(stored) == {key}, sdk_page.log()
    assert stored[key] == pattern(SIZE)
    # The page read the completed object's ETag from Complete's answer.
    assert result.data["ETag"] == s3_multipart_etag(pattern(SIZE), MIB)
    operations = sdk_page.operations()
    assert operations[:2] == ["ListMultipartUploads", "InitiateMultipartUpload"], sdk_page.log()
    assert operations[-1] == "CompleteMultipartUpload", sdk_page.log()
    assert counted(operations) == {
        "ListMultipartUploads": 1,
        "InitiateMultipartUpload": 1,
        "UploadPart": PARTS,
        "CompleteMultipartUpload": 1,
    }, sdk_page.log()
    parts = [e for e in sdk_page.actual() if e.operation == "UploadPart"]
    assert sorted(int(e.query["partNumber"]) for e in parts) == [1, 2, 3]
    assert sorted(e.body_size for e in parts) == [SIZE - 2 * MIB, MIB, MIB]
    # Every request was signed and cross-origin: preflighted, allowed and decorated.
    assert all(e.origin == sdk_page.origin and e.allowed for e in sdk_page.cos_cors.exchanges)
    assert unfinished_uploads(sdk_page, key) == []


def test_upload_file_under_slice_size_is_one_put(sdk_page: SdkPage) -> None:
    result = sdk_page.call(
        "uploadFile", {"Key": "small.bin", "SliceSize": MIB}, body_bytes=MIB, file_name="small.bin"
    )

    assert result.err is None, f"{result.describe()}\n{sdk_page.log()}"
    assert sdk_page.operations() == ["PutObject"], sdk_page.log()
    assert sdk_page.cos_cors.objects() == {"small.bin": pattern(MIB)}


def test_cancelled_upload_leaves_no_object_and_stays_listed(sdk_page: SdkPage) -> None:
    key = "uploads/cancelled.bin"

    result = sdk_page.call("sliceUploadFile", {"Key": key}, body_bytes=SIZE, cancel_at_part=2)

    assert result.data == {"cancelled": True}, f"{result.describe()}\n{sdk_page.log()}"
    operations = sdk_page.operations()
    # cancelTask sends nothing: no Abort, no Complete; the parts in flight may or may not land.
    assert operations[:2] == ["ListMultipartUploads", "InitiateMultipartUpload"], sdk_page.log()
    assert set(operations[2:]) <= {"UploadPart"}, sdk_page.log()
    assert sdk_page.cos_cors.objects() == {}
    [upload] = unfinished_uploads(sdk_page, key)
    parts = [e for e in sdk_page.actual() if e.operation == "UploadPart"]
    assert {e.query["uploadId"] for e in parts} <= {upload["UploadId"]}
    # The task stopped: the last part was never sent.
    assert {e.query["partNumber"] for e in parts} <= {"1", "2"}, sdk_page.log()


def test_etag_not_exposed_fails_multipart_upload_with_the_sdk_message(sdk_page: SdkPage) -> None:
    # The mistake: Tencent's rule without ETag in ExposeHeader.
    sdk_page.cos_cors.set_rules(
        browser_rule(sdk_page.origin, ["Content-Length", "x-cos-request-id"])
    )
    key = "uploads/no-etag.bin"

    result = sdk_page.call("uploadFile", {"Key": key, "SliceSize": MIB}, body_bytes=SIZE)

    assert result.message == ETAG_ERROR, f"{result.describe()}\n{sdk_page.log()}"
    assert sdk_page.cos_cors.objects() == {}
    operations = sdk_page.operations()
    # The fake answered every part with its ETag; the browser hid it from the SDK.
    assert "CompleteMultipartUpload" not in operations, sdk_page.log()
    parts = [e for e in sdk_page.actual() if e.operation == "UploadPart"]
    assert parts, sdk_page.log()
    assert all(e.status == 200 and e.response_headers.get("ETag") for e in parts)
    assert all(
        "ETag" not in e.response_headers.get("Access-Control-Expose-Headers", "") for e in parts
    )
    assert len(unfinished_uploads(sdk_page, key)) == 1
