"""Every request is recorded with COS's name for the operation it was routed to."""

from __future__ import annotations

import pytest

from pytest_cos_cors import describe
from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.operations.router import OPERATION_NAMES, route

from .conftest import call

NAMES = {
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "PostObject",
    "PutBucket",
    "HeadBucket",
    "GetBucket",
    "DeleteBucket",
    "PutBucketCors",
    "GetBucketCors",
    "DeleteBucketCors",
    "PreflightRequest",
    "InitiateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "ListParts",
    "AbortMultipartUpload",
    "ListMultipartUploads",
    "CopyObject",
    "UploadPartCopy",
    "DeleteMultipleObjects",
}


def test_the_operations_are_cos_names() -> None:
    assert OPERATION_NAMES == NAMES


@pytest.mark.parametrize(
    ("method", "key", "query", "headers", "name"),
    [
        ("PUT", "k", "", (), "PutObject"),
        ("PUT", "k", "", ("X-Cos-Copy-Source",), "CopyObject"),
        ("PUT", "k", "", ("x-amz-copy-source",), "CopyObject"),
        ("PUT", "k", "partNumber=1&uploadId=u", (), "UploadPart"),
        ("PUT", "k", "PARTNUMBER=1&UPLOADID=u", ("x-cos-copy-source",), "UploadPartCopy"),
        ("POST", "k", "uploads=", (), "InitiateMultipartUpload"),
        ("POST", "k", "uploadId=u", (), "CompleteMultipartUpload"),
        ("GET", "k", "uploadId=u&max-parts=2&part-number-marker=1", (), "ListParts"),
        ("DELETE", "k", "uploadId=u", (), "AbortMultipartUpload"),
        (
            "GET",
            "",
            "uploads&prefix=a&key-marker=&upload-id-marker=&max-uploads=9",
            (),
            "ListMultipartUploads",
        ),
        ("POST", "", "delete=", (), "DeleteMultipleObjects"),
        (
            "GET",
            "",
            "prefix=&delimiter=%2F&marker=&max-keys=1000&encoding-type=url",
            (),
            "GetBucket",
        ),
        ("GET", "k", "response-content-type=a&x-id=GetObject", (), "GetObject"),
        ("OPTIONS", "k", "uploads", (), "PreflightRequest"),
        ("GET", "k", "acl", (), None),
        ("POST", "k", "", (), None),
        ("GET", "", "uploadId=u", (), None),
        ("PATCH", "k", "", (), None),
    ],
)
def test_route(
    method: str, key: str, query: str, headers: tuple[str, ...], name: str | None
) -> None:
    args = [pair.partition("=")[0] for pair in query.split("&") if pair]
    found = route(method, key, args, headers)
    assert (None if found.operation is None else found.operation.name) == name
    assert bool(found.refusal) == (name is None)


def test_bucket_and_configuration_operations_are_recorded(endpoint: CosCorsEndpoint) -> None:
    other = "new-1250000000.cos.ap-beijing.myqcloud.com"
    document = (
        b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
        b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
    )
    steps = [
        ("PUT", "/", None, other),
        ("HEAD", "/", None, other),
        ("PUT", "/?cors", document, other),
        ("GET", "/?cors", None, other),
        ("DELETE", "/?cors", None, other),
        ("GET", "/", None, other),
        ("PUT", "/k", b"x", other),
        ("DELETE", "/k", None, other),
        ("DELETE", "/", None, other),
        ("OPTIONS", "/k", None, other),
    ]
    for method, target, body, host in steps:
        headers = {"Origin": "https://a.example"}
        if (method, target) == ("PUT", "/"):
            headers["x-cos-acl"] = "public-read-write"
        call(endpoint, method, target, headers, body, host=host)
    call(endpoint, "GET", "/", host="127.0.0.1")  # no bucket
    call(endpoint, "GET", "/k?lifecycle")  # not implemented
    assert [e.operation for e in endpoint.exchanges] == [
        "PutBucket",
        "HeadBucket",
        "PutBucketCors",
        "GetBucketCors",
        "DeleteBucketCors",
        "GetBucket",
        "PutObject",
        "DeleteObject",
        "DeleteBucket",
        "PreflightRequest",
        None,
        None,
    ]
    assert [e.status for e in endpoint.exchanges] == [
        *(200, 200, 200, 200, 204, 200, 200, 204, 204),
        *(404, 400, 501),
    ]


def test_the_report_line_names_the_operation(endpoint: CosCorsEndpoint) -> None:
    call(endpoint, "PUT", "/k", body=b"x")
    call(endpoint, "GET", "/k?lifecycle")
    put, refused = endpoint.exchanges
    assert describe.report_entry(put) == "PUT examplebucket-1250000000/k -> 200 [PutObject]"
    assert describe.report_entry(refused) == "GET examplebucket-1250000000/k -> 501"
