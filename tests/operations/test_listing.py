"""GET Bucket (List Objects): ``delimiter`` with ``CommonPrefixes``, ``marker``/``NextMarker``
paging with ``max-keys``, ``encoding-type=url`` (docs/cos-operations.md 2.10)."""

from __future__ import annotations

import re

import pytest
from values import BUCKET

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import assert_error, call, quoted_md5, texts, xml

KEYS = ("a.txt", "photos/2020/x.jpg", "photos/2021/y.jpg", "photos/top.jpg", "z/1", "z/2")


@pytest.fixture
def keys(endpoint: CosCorsEndpoint) -> None:
    for key in KEYS:
        assert call(endpoint, "PUT", f"/{key}", body=key.encode()).status == 200


def test_listing_exact_body(endpoint: CosCorsEndpoint) -> None:
    call(endpoint, "PUT", "/k", body=b"v")
    wire = call(endpoint, "GET", "/?delimiter=/")
    assert wire.header("x-cos-bucket-region") == "ap-beijing"
    modified = xml(wire).findtext("Contents/LastModified")
    assert modified is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", modified)
    assert (
        wire.body
        == (
            "<?xml version='1.0' encoding='utf-8' ?>\n<ListBucketResult>\n"
            f"<Name>{BUCKET}</Name>\n<Prefix></Prefix>\n<Marker></Marker>\n<MaxKeys>1000</MaxKeys>\n"
            "<Delimiter>/</Delimiter>\n<IsTruncated>false</IsTruncated>\n"
            f"<Contents>\n<Key>k</Key>\n<LastModified>{modified}</LastModified>\n"
            f"<ETag>{quoted_md5(b'v')}</ETag>\n<Size>1</Size>\n"
            "<Owner>\n<ID>1250000000</ID>\n<DisplayName>1250000000</DisplayName>\n</Owner>\n"
            "<StorageClass>STANDARD</StorageClass>\n</Contents>\n</ListBucketResult>"
        ).encode()
    )
    assert endpoint.exchanges[-1].operation == "GetBucket"


def test_delimiter_rolls_keys_up_into_common_prefixes(
    endpoint: CosCorsEndpoint, keys: None
) -> None:
    root = xml(call(endpoint, "GET", "/?prefix=&delimiter=/"))
    assert texts(root, "CommonPrefixes/Prefix") == ["photos/", "z/"]
    assert texts(root, "Contents/Key") == ["a.txt"]
    inner = xml(call(endpoint, "GET", "/?prefix=photos/&delimiter=/"))
    assert texts(inner, "CommonPrefixes/Prefix") == ["photos/2020/", "photos/2021/"]
    assert texts(inner, "Contents/Key") == ["photos/top.jpg"]
    assert inner.findtext("Prefix") == "photos/"
    # an empty delimiter is no delimiter
    flat = xml(call(endpoint, "GET", "/?delimiter="))
    assert texts(flat, "Contents/Key") == list(KEYS)
    assert flat.find("Delimiter") is None


def test_pages_with_max_keys_count_prefixes_and_keys(endpoint: CosCorsEndpoint, keys: None) -> None:
    first = xml(call(endpoint, "GET", "/?delimiter=/&max-keys=2"))
    assert first.findtext("IsTruncated") == "true"
    assert texts(first, "Contents/Key") + texts(first, "CommonPrefixes/Prefix") == [
        "a.txt",
        "photos/",
    ]
    assert first.findtext("NextMarker") == "photos/"
    # a marker that is a common prefix skips every key under it
    second = xml(call(endpoint, "GET", "/?delimiter=/&max-keys=2&marker=photos/"))
    assert texts(second, "CommonPrefixes/Prefix") == ["z/"]
    assert texts(second, "Contents/Key") == []
    assert second.findtext("IsTruncated") == "false"
    assert second.find("NextMarker") is None
    assert second.findtext("Marker") == "photos/"


def test_paging_without_delimiter_sees_every_key_once(
    endpoint: CosCorsEndpoint, keys: None
) -> None:
    seen: list[str] = []
    marker = ""
    while True:
        page = xml(call(endpoint, "GET", f"/?max-keys=4&marker={marker}"))
        seen += texts(page, "Contents/Key")
        if page.findtext("IsTruncated") == "false":
            break
        marker = page.findtext("NextMarker") or ""
        assert marker == seen[-1]
    assert seen == list(KEYS)


def test_encoding_type_url(endpoint: CosCorsEndpoint) -> None:
    call(endpoint, "PUT", "/%E7%85%A7%E7%89%87/2020%E5%B9%B4/IMG0001.jpg", body=b"1")
    call(endpoint, "PUT", "/Tencent%20Cloud.jpg", body=b"2")
    root = xml(call(endpoint, "GET", "/?encoding-type=url&max-keys=1"))
    assert root.findtext("EncodingType") == "url"
    assert texts(root, "Contents/Key") == ["Tencent%20Cloud.jpg"]
    assert root.findtext("NextMarker") == "Tencent%20Cloud.jpg"
    grouped = xml(call(endpoint, "GET", "/?encoding-type=url&delimiter=/"))
    assert texts(grouped, "CommonPrefixes/Prefix") == ["%E7%85%A7%E7%89%87/"]
    plain = xml(call(endpoint, "GET", "/?delimiter=/"))
    assert texts(plain, "CommonPrefixes/Prefix") == ["\u7167\u7247/"]
    assert plain.find("EncodingType") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("encoding-type=xml", "Invalid Encoding Method specified in Request"),
        ("max-keys=-1", "Argument max-keys must be an integer between 0 and 2147483647."),
        ("max-keys=2147483648", "Argument max-keys must be an integer between 0 and 2147483647."),
    ],
)
def test_bad_arguments(endpoint: CosCorsEndpoint, query: str, message: str) -> None:
    assert_error(call(endpoint, "GET", f"/?{query}"), 400, "InvalidArgument", message)


def test_max_keys_is_clamped_to_1000(endpoint: CosCorsEndpoint) -> None:
    assert xml(call(endpoint, "GET", "/?max-keys=5000")).findtext("MaxKeys") == "1000"
