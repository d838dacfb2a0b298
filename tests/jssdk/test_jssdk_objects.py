"""``cos-js-sdk-v5``'s object and bucket calls in a page of Chromium, with Tencent's recommended
browser rule: each succeeds, and the fake recorded what it did."""

from __future__ import annotations

import hashlib

from browser.harness import put_object

from .conftest import SdkPage


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def test_put_object_then_get_object(sdk_page: SdkPage) -> None:
    text = "hello from cos-js-sdk-v5"

    put = sdk_page.call("putObject", {"Key": "jssdk/hello.txt", "Body": text})
    assert put.err is None, f"{put.describe()}\n{sdk_page.log()}"
    assert put.data["statusCode"] == 200
    # ETag is readable only because the rule exposes it.
    assert put.data["ETag"] == md5_etag(text.encode())

    got = sdk_page.call("getObject", {"Key": "jssdk/hello.txt"})
    assert got.err is None, f"{got.describe()}\n{sdk_page.log()}"
    assert got.data["statusCode"] == 200
    assert got.data["Body"] == text
    assert got.data["ETag"] == md5_etag(text.encode())

    assert sdk_page.cos_cors.objects() == {"jssdk/hello.txt": text.encode()}
    assert sdk_page.operations() == ["PutObject", "GetObject"], sdk_page.log()
    actual = sdk_page.actual()
    assert all(e.origin == sdk_page.origin and e.allowed for e in actual), sdk_page.log()
    # The SDK signs every request (Authorization), so the browser preflights the PUT.
    [preflight] = sdk_page.cos_cors.preflights
    assert preflight.allowed, sdk_page.log()
    assert preflight.request_headers == ("authorization", "cache-control")


def test_head_object(sdk_page: SdkPage) -> None:
    put_object(sdk_page.cos_cors, "docs/report.pdf", b"%PDF-1.7")

    head = sdk_page.call("headObject", {"Key": "docs/report.pdf"})

    assert head.err is None, f"{head.describe()}\n{sdk_page.log()}"
    assert head.data["statusCode"] == 200
    assert head.data["ETag"] == md5_etag(b"%PDF-1.7")
    assert head.data["headers"]["content-length"] == "8"
    assert sdk_page.operations() == ["PutObject", "HeadObject"], sdk_page.log()


def test_get_bucket_with_delimiter(sdk_page: SdkPage) -> None:
    for key in ("photos/2024/a.jpg", "photos/2024/b.jpg", "photos/c.jpg", "readme.txt"):
        put_object(sdk_page.cos_cors, key, key.encode())

    listed = sdk_page.call("getBucket", {"Prefix": "photos/", "Delimiter": "/"})

    assert listed.err is None, f"{listed.describe()}\n{sdk_page.log()}"
    assert [c["Key"] for c in listed.data["Contents"]] == ["photos/c.jpg"]
    assert listed.data["CommonPrefixes"] == [{"Prefix": "photos/2024/"}]
    assert listed.data["IsTruncated"] == "false"
    [get_bucket] = sdk_page.actual()[4:]
    assert get_bucket.operation == "GetBucket", sdk_page.log()
    assert dict(get_bucket.query) == {"prefix": "photos/", "delimiter": "/"}


def test_delete_multiple_object(sdk_page: SdkPage) -> None:
    for key in ("a.txt", "b.txt", "keep.txt"):
        put_object(sdk_page.cos_cors, key, b"x")

    deleted = sdk_page.call(
        "deleteMultipleObject", {"Objects": [{"Key": "a.txt"}, {"Key": "b.txt"}]}
    )

    assert deleted.err is None, f"{deleted.describe()}\n{sdk_page.log()}"
    assert sorted(d["Key"] for d in deleted.data["Deleted"]) == ["a.txt", "b.txt"]
    assert deleted.data["Error"] == []
    assert sdk_page.cos_cors.objects() == {"keep.txt": b"x"}
    assert sdk_page.operations()[-1] == "DeleteMultipleObjects", sdk_page.log()


def test_delete_object(sdk_page: SdkPage) -> None:
    put_object(sdk_page.cos_cors, "old.txt", b"x")

    deleted = sdk_page.call("deleteObject", {"Key": "old.txt"})

    assert deleted.err is None, f"{deleted.describe()}\n{sdk_page.log()}"
    assert deleted.data["statusCode"] == 204
    assert sdk_page.cos_cors.objects() == {}
    assert sdk_page.operations() == ["PutObject", "DeleteObject"], sdk_page.log()
