"""Multipart upload over raw HTTP: Initiate, Upload Part, Complete, List Parts, Abort and List
Multipart Uploads; their XML byte for byte and every error code (docs/cos-operations.md 2.1-2.6).
"""

from __future__ import annotations

import hashlib
import re

import pytest
from rawhttp import RawResponse
from values import BUCKET

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import HOST, MIB, assert_error, call, md5_header, quoted_md5, texts, xml

NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)
INVALID_PART = (
    "One or more of the specified parts could not be found. The part may not have been uploaded, "
    "or the specified entity tag may not match the part's entity tag."
)
INVALID_PART_ORDER = (
    "The list of parts was not in ascending order. The parts list must be specified in order by "
    "part number."
)
ENTITY_TOO_SMALL = "Your proposed upload is smaller than the minimum allowed object size."
MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
PART_NUMBER = "Part number must be an integer between 1 and 10000, inclusive"
# Two 1 MiB parts and a short last one, each different.
PARTS = {1: b"a" * MIB, 2: b"b" * MIB, 3: b"the end"}


def initiate(ep: CosCorsEndpoint, key: str = "big.bin", **headers: str) -> str:
    wire = call(ep, "POST", f"/{key}?uploads", headers)
    assert wire.status == 200, wire.body
    upload_id = xml(wire).findtext("UploadId")
    assert upload_id
    return str(upload_id)


def put_part(
    ep: CosCorsEndpoint, upload_id: str, number: int, body: bytes, key: str = "big.bin"
) -> RawResponse:
    return call(ep, "PUT", f"/{key}?partNumber={number}&uploadId={upload_id}", body=body)


def part_list(parts: list[tuple[int, str]]) -> bytes:
    inner = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in parts
    )
    return f"<CompleteMultipartUpload>{inner}</CompleteMultipartUpload>".encode()


def upload_parts(ep: CosCorsEndpoint, upload_id: str, key: str = "big.bin") -> None:
    for number in (3, 1, 2):  # in any order
        assert put_part(ep, upload_id, number, PARTS[number], key).status == 200


def complete(ep: CosCorsEndpoint, upload_id: str, body: bytes, key: str = "big.bin") -> RawResponse:
    return call(ep, "POST", f"/{key}?uploadId={upload_id}", body=body)


ALL_PARTS = part_list([(n, quoted_md5(PARTS[n])) for n in (1, 2, 3)])


def test_initiate_answers_an_upload_id_and_stores_nothing(endpoint: CosCorsEndpoint) -> None:
    wire = call(endpoint, "POST", "/big.bin?uploads=")
    assert wire.status == 200
    upload_id = xml(wire).findtext("UploadId")
    assert upload_id is not None
    assert re.fullmatch(r"\d{10}[0-9a-f]{64}", upload_id)
    assert (
        wire.body
        == (
            f"<InitiateMultipartUploadResult>\n<Bucket>{BUCKET}</Bucket>\n<Key>big.bin</Key>\n"
            f"<UploadId>{upload_id}</UploadId>\n</InitiateMultipartUploadResult>"
        ).encode()
    )
    assert endpoint.objects() == {}
    assert endpoint.exchanges[-1].operation == "InitiateMultipartUpload"


def test_upload_complete_and_read_back(endpoint: CosCorsEndpoint) -> None:
    crcmod = pytest.importorskip("crcmod")
    crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    upload_id = initiate(
        endpoint,
        **{"Content-Type": "video/mp4", "Cache-Control": "no-cache", "x-cos-meta-who": "ann"},
    )
    for number in (3, 1, 2):
        wire = put_part(endpoint, upload_id, number, PARTS[number])
        assert (wire.status, wire.body) == (200, b"")
        assert wire.header("Content-Length") == "0"
        assert wire.header("ETag") == quoted_md5(PARTS[number])
        assert wire.header("x-cos-hash-crc64ecma") == str(crc64(PARTS[number]))
    assert endpoint.objects() == {}  # nothing until Complete
    wire = complete(endpoint, upload_id, ALL_PARTS)
    assert wire.status == 200, wire.body
    whole = b"".join(PARTS[n] for n in (1, 2, 3))
    digest = hashlib.md5(b"".join(hashlib.md5(PARTS[n]).digest() for n in (1, 2, 3)))
    etag = f'"{digest.hexdigest()}-3"'
    assert (
        wire.body
        == (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CompleteMultipartUploadResult xmlns="http://www.qcloud.com/document/product/436/7751">\n'
            f"<Location>http://{HOST}/big.bin</Location>\n<Bucket>{BUCKET}</Bucket>\n"
            f"<Key>big.bin</Key>\n<ETag>{etag}</ETag>\n</CompleteMultipartUploadResult>"
        ).encode()
    )
    assert wire.header("x-cos-hash-crc64ecma") == str(crc64(whole))
    assert wire.header("ETag") is None
    assert endpoint.objects() == {"big.bin": whole}
    got = call(endpoint, "GET", "/big.bin")
    assert got.body == whole
    assert got.header("ETag") == etag
    assert got.header("x-cos-hash-crc64ecma") == str(crc64(whole))
    assert (got.header("Content-Type"), got.header("Cache-Control")) == ("video/mp4", "no-cache")
    assert got.header("x-cos-meta-who") == "ann"
    ranged = call(endpoint, "GET", "/big.bin", {"Range": f"bytes={MIB - 2}-{MIB + 1}"})
    assert (ranged.status, ranged.body) == (206, b"aabb")
    # the upload is gone
    assert_error(
        complete(endpoint, upload_id, ALL_PARTS), 404, "NoSuchUpload", NO_SUCH_UPLOAD, "/big.bin"
    )
    assert [e.operation for e in endpoint.exchanges if e.method != "GET"] == [
        "InitiateMultipartUpload",
        "UploadPart",
        "UploadPart",
        "UploadPart",
        "CompleteMultipartUpload",
        "CompleteMultipartUpload",
    ]


def test_a_part_uploaded_again_replaces_it(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    put_part(endpoint, upload_id, 1, b"first")
    put_part(endpoint, upload_id, 1, b"second")
    assert complete(endpoint, upload_id, part_list([(1, quoted_md5(b"second"))])).status == 200
    assert endpoint.objects() == {"big.bin": b"second"}


def test_a_one_part_upload_may_be_tiny(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    put_part(endpoint, upload_id, 1, b"[Object Part]")
    wire = complete(endpoint, upload_id, part_list([(1, quoted_md5(b"[Object Part]"))]))
    assert wire.status == 200
    assert xml(wire).findtext("{*}ETag", "").endswith('-1"')
    assert wire.header("x-cos-hash-crc64ecma") == "4510578591875220731"  # COS's own example


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("PUT", "/big.bin?partNumber=1&uploadId={bad}", b"x"),
        ("POST", "/big.bin?uploadId={bad}", ALL_PARTS),
        ("GET", "/big.bin?uploadId={bad}", None),
        ("DELETE", "/big.bin?uploadId={bad}", None),
        ("PUT", "/other.bin?partNumber=1&uploadId={good}", b"x"),
        ("GET", "/other.bin?uploadId={good}", None),
    ],
)
def test_unknown_upload_is_no_such_upload(
    endpoint: CosCorsEndpoint, method: str, target: str, body: bytes | None
) -> None:
    good = initiate(endpoint)
    wire = call(endpoint, method, target.format(bad="1" * 74, good=good), body=body)
    path = target.split("?")[0]
    assert_error(wire, 404, "NoSuchUpload", NO_SUCH_UPLOAD, path)


@pytest.mark.parametrize("number", ["0", "10001", "x", "", "-1", "1.5", "%D9%A1"])
def test_part_number_outside_1_to_10000(endpoint: CosCorsEndpoint, number: str) -> None:
    upload_id = initiate(endpoint)
    wire = call(endpoint, "PUT", f"/big.bin?partNumber={number}&uploadId={upload_id}", body=b"x")
    assert_error(wire, 400, "InvalidArgument", PART_NUMBER, "/big.bin")


def test_part_numbers_1_and_10000_are_accepted(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    assert put_part(endpoint, upload_id, 1, b"x").status == 200
    assert put_part(endpoint, upload_id, 10000, b"y").status == 200


E1, E2, E3 = (quoted_md5(PARTS[n]) for n in (1, 2, 3))


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"<CompleteMultipartUpload><Part>", "MalformedXML", MALFORMED),
        (b"", "MalformedXML", MALFORMED),
        (b"<Complete/>", "MalformedXML", MALFORMED),
        (b"<CompleteMultipartUpload/>", "MalformedXML", MALFORMED),
        (
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
            b"</CompleteMultipartUpload>",
            "MalformedXML",
            MALFORMED,
        ),
        (
            part_list([(1, E1), (2, E2), (3, E3)]).replace(b">2<", b">two<"),
            "MalformedXML",
            MALFORMED,
        ),
        (part_list([(2, E2), (1, E1), (3, E3)]), "InvalidPartOrder", INVALID_PART_ORDER),
        (part_list([(1, E1), (1, E1), (3, E3)]), "InvalidPartOrder", INVALID_PART_ORDER),
        (part_list([(1, E1), (2, E2), (4, E3)]), "InvalidPart", INVALID_PART),
        (part_list([(1, E1), (2, E3), (3, E3)]), "InvalidPart", INVALID_PART),
        (part_list([(1, E1), (3, E3)]), "InvalidPart", INVALID_PART),
        (part_list([(3, E3), (4, E1)]), "InvalidPart", INVALID_PART),
    ],
)
def test_complete_refusals(endpoint: CosCorsEndpoint, body: bytes, code: str, message: str) -> None:
    upload_id = initiate(endpoint)
    upload_parts(endpoint, upload_id)
    assert_error(complete(endpoint, upload_id, body), 400, code, message, "/big.bin")
    # nothing stored, the upload still there and still completable
    assert endpoint.objects() == {}
    assert complete(endpoint, upload_id, ALL_PARTS).status == 200


def test_every_part_but_the_last_must_be_1_mib(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    small = b"s" * (MIB - 1)
    put_part(endpoint, upload_id, 1, small)
    put_part(endpoint, upload_id, 2, b"last")
    body = part_list([(1, quoted_md5(small)), (2, quoted_md5(b"last"))])
    assert_error(
        complete(endpoint, upload_id, body), 400, "EntityTooSmall", ENTITY_TOO_SMALL, "/big.bin"
    )
    put_part(endpoint, upload_id, 1, small + b"s")  # exactly 1 MiB now
    body = part_list([(1, quoted_md5(small + b"s")), (2, quoted_md5(b"last"))])
    assert complete(endpoint, upload_id, body).status == 200


def test_complete_accepts_what_boto3_sends(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    upload_parts(endpoint, upload_id)
    inner = "".join(
        f"<Part><ETag>{etag.strip(chr(34))}</ETag><PartNumber>{n}</PartNumber>"
        "<ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>"
        for n, etag in ((1, E1), (2, E2), (3, E3))
    )
    body = (
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"{inner}</CompleteMultipartUpload>"
    ).encode()
    assert complete(endpoint, upload_id, body).status == 200
    assert endpoint.objects()["big.bin"] == b"".join(PARTS[n] for n in (1, 2, 3))


def test_complete_verifies_its_content_md5(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    upload_parts(endpoint, upload_id)
    wire = call(
        endpoint,
        "POST",
        f"/big.bin?uploadId={upload_id}",
        {"Content-MD5": md5_header(b"other")},
        ALL_PARTS,
    )
    assert_error(
        wire,
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        "/big.bin",
    )
    wire = call(
        endpoint,
        "POST",
        f"/big.bin?uploadId={upload_id}",
        {"Content-MD5": md5_header(ALL_PARTS)},
        ALL_PARTS,
    )
    assert wire.status == 200


def test_parts_not_listed_are_dropped(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    upload_parts(endpoint, upload_id)
    assert complete(endpoint, upload_id, part_list([(1, E1), (2, E2)])).status == 200
    assert endpoint.objects() == {"big.bin": PARTS[1] + PARTS[2]}


def test_abort_leaves_no_object(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    upload_parts(endpoint, upload_id)
    wire = call(endpoint, "DELETE", f"/big.bin?uploadId={upload_id}")
    assert (wire.status, wire.body) == (204, b"")
    assert endpoint.objects() == {}
    assert call(endpoint, "GET", "/big.bin").status == 404
    assert b"<Upload>" not in call(endpoint, "GET", "/?uploads").body
    assert_error(
        call(endpoint, "DELETE", f"/big.bin?uploadId={upload_id}"),
        404,
        "NoSuchUpload",
        NO_SUCH_UPLOAD,
        "/big.bin",
    )
    assert_error(
        put_part(endpoint, upload_id, 4, b"late"), 404, "NoSuchUpload", NO_SUCH_UPLOAD, "/big.bin"
    )
    deletes = [(e.operation, e.status) for e in endpoint.exchanges if e.method == "DELETE"]
    assert deletes == [("AbortMultipartUpload", 204), ("AbortMultipartUpload", 404)]


def test_an_unfinished_upload_leaves_no_object_and_keeps_the_bucket(
    endpoint: CosCorsEndpoint,
) -> None:
    upload_id = initiate(endpoint)
    upload_parts(endpoint, upload_id)
    assert endpoint.objects() == {}
    assert texts(xml(call(endpoint, "GET", "/")), "Contents/Key") == []
    assert_error(
        call(endpoint, "DELETE", "/"),
        409,
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty.",
    )
    call(endpoint, "DELETE", f"/big.bin?uploadId={upload_id}")
    assert call(endpoint, "DELETE", "/").status == 204


def test_list_parts_exact_body(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    put_part(endpoint, upload_id, 1, b"one")
    wire = call(endpoint, "GET", f"/big.bin?uploadId={upload_id}")
    assert wire.status == 200
    modified = xml(wire).findtext("Part/LastModified")
    assert modified is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", modified)
    owner = "<ID>1250000000</ID>\n<DisplayName>1250000000</DisplayName>\n"
    assert (
        wire.body
        == (
            f"<ListPartsResult>\n<Bucket>{BUCKET}</Bucket>\n<Key>big.bin</Key>\n"
            f"<UploadId>{upload_id}</UploadId>\n<Owner>\n{owner}</Owner>\n"
            f"<PartNumberMarker>0</PartNumberMarker>\n<Initiator>\n{owner}</Initiator>\n"
            f"<Part>\n<PartNumber>1</PartNumber>\n<LastModified>{modified}</LastModified>\n"
            f"<ETag>{quoted_md5(b'one')}</ETag>\n<Size>3</Size>\n</Part>\n"
            "<StorageClass>STANDARD</StorageClass>\n<MaxParts>1000</MaxParts>\n"
            "<IsTruncated>false</IsTruncated>\n</ListPartsResult>"
        ).encode()
    )
    assert endpoint.exchanges[-1].operation == "ListParts"


def test_list_parts_pages(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint, "dir/a%20b.bin")
    for number in (5, 1, 4, 2, 3):
        put_part(endpoint, upload_id, number, str(number).encode(), "dir/a%20b.bin")
    seen: list[str] = []
    marker = "0"
    pages = 0
    while True:
        root = xml(
            call(
                endpoint,
                "GET",
                f"/dir/a%20b.bin?uploadId={upload_id}&max-parts=2"
                f"&part-number-marker={marker}&encoding-type=url",
            )
        )
        pages += 1
        assert root.findtext("PartNumberMarker") == marker
        assert root.findtext("MaxParts") == "2"
        assert root.findtext("Key") == "dir/a%20b.bin"
        assert root.findtext("EncodingType") == "url"
        seen += texts(root, "Part/PartNumber")
        if root.findtext("IsTruncated") == "false":
            assert root.find("NextPartNumberMarker") is None
            break
        assert root.findtext("IsTruncated") == "true"
        marker = root.findtext("NextPartNumberMarker")
        assert marker == seen[-1]
    assert (seen, pages) == (["1", "2", "3", "4", "5"], 3)
    assert_error(
        call(endpoint, "GET", f"/dir/a%20b.bin?uploadId={upload_id}&max-parts=x"),
        400,
        "InvalidArgument",
        "Argument max-parts must be an integer between 0 and 2147483647.",
        "/dir/a%20b.bin",
    )


def test_list_multipart_uploads_exact_body(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint, "video.mp4")
    wire = call(endpoint, "GET", "/?uploads&prefix=video")
    assert wire.status == 200
    initiated = xml(wire).findtext("Upload/Initiated")
    assert initiated is not None
    owner = "<ID>1250000000</ID>\n<DisplayName>1250000000</DisplayName>\n"
    assert (
        wire.body
        == (
            f"<ListMultipartUploadsResult>\n<Bucket>{BUCKET}</Bucket>\n<KeyMarker></KeyMarker>\n"
            "<UploadIdMarker></UploadIdMarker>\n<MaxUploads>1000</MaxUploads>\n"
            "<Prefix>video</Prefix>\n<IsTruncated>false</IsTruncated>\n"
            f"<Upload>\n<Key>video.mp4</Key>\n<UploadId>{upload_id}</UploadId>\n"
            f"<Initiator>\n{owner}</Initiator>\n<Owner>\n{owner}</Owner>\n"
            f"<StorageClass>STANDARD</StorageClass>\n<Initiated>{initiated}</Initiated>\n</Upload>\n"
            "</ListMultipartUploadsResult>"
        ).encode()
    )
    assert endpoint.exchanges[-1].operation == "ListMultipartUploads"


def test_list_multipart_uploads_prefix_delimiter_and_paging(endpoint: CosCorsEndpoint) -> None:
    first = initiate(endpoint, "a/x")
    second = initiate(endpoint, "a/x")
    initiate(endpoint, "a/sub/y")
    initiate(endpoint, "a/sub/z")
    other = initiate(endpoint, "b")
    everything = xml(call(endpoint, "GET", "/?uploads="))
    assert texts(everything, "Upload/Key") == ["a/sub/y", "a/sub/z", "a/x", "a/x", "b"]
    assert texts(everything, "Upload/UploadId")[2:] == [first, second, other]
    folder = xml(call(endpoint, "GET", "/?uploads&prefix=a/&delimiter=/"))
    assert texts(folder, "Upload/Key") == ["a/x", "a/x"]
    assert texts(folder, "CommonPrefixes/Prefix") == ["a/sub/"]
    assert folder.findtext("Delimiter") == "/"
    # pages of two, following the markers as the SDKs do
    seen: list[tuple[str, str]] = []
    key_marker = upload_id_marker = ""
    while True:
        page = xml(
            call(
                endpoint,
                "GET",
                f"/?uploads&max-uploads=2&key-marker={key_marker}"
                f"&upload-id-marker={upload_id_marker}",
            )
        )
        seen += zip(texts(page, "Upload/Key"), texts(page, "Upload/UploadId"), strict=True)
        if page.findtext("IsTruncated") == "false":
            break
        key_marker = page.findtext("NextKeyMarker") or ""
        upload_id_marker = page.findtext("NextUploadIdMarker") or ""
    assert [key for key, _ in seen] == ["a/sub/y", "a/sub/z", "a/x", "a/x", "b"]
    assert [upload for _, upload in seen][2:] == [first, second, other]
    # key-marker alone: keys after it
    after = xml(call(endpoint, "GET", "/?uploads&key-marker=a/x"))
    assert texts(after, "Upload/Key") == ["b"]


def test_list_multipart_uploads_encodes_keys_when_asked(endpoint: CosCorsEndpoint) -> None:
    initiate(endpoint, "%E7%85%A7%201.jpg")
    root = xml(call(endpoint, "GET", "/?uploads&encoding-type=url&prefix=%E7%85%A7"))
    assert root.findtext("Encoding-Type") == "url"
    assert texts(root, "Upload/Key") == ["%E7%85%A7%201.jpg"]
    assert root.findtext("Prefix") == "%E7%85%A7"
    plain = xml(call(endpoint, "GET", "/?uploads"))
    assert texts(plain, "Upload/Key") == ["\u7167 1.jpg"]
    assert plain.find("Encoding-Type") is None
    assert_error(
        call(endpoint, "GET", "/?uploads&encoding-type=base64"),
        400,
        "InvalidArgument",
        "Invalid Encoding Method specified in Request",
    )


def test_upload_part_checks_its_digests(endpoint: CosCorsEndpoint) -> None:
    upload_id = initiate(endpoint)
    target = f"/big.bin?partNumber=1&uploadId={upload_id}"
    assert_error(
        call(endpoint, "PUT", target, {"Content-MD5": md5_header(b"nope")}, b"data"),
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        "/big.bin",
    )
    assert_error(
        call(endpoint, "PUT", target, {"x-amz-checksum-crc32": "AAAAAA=="}, b"data"),
        400,
        "BadDigest",
        "The CRC32 you specified did not match the calculated checksum.",
        "/big.bin",
    )
    good = {"Content-MD5": md5_header(b"data"), "x-amz-checksum-crc32": "rfPzYw=="}
    assert call(endpoint, "PUT", target, good, b"data").status == 200
    listed = xml(call(endpoint, "GET", f"/big.bin?uploadId={upload_id}"))
    assert texts(listed, "Part/PartNumber") == ["1"]


def test_a_part_over_the_limit_is_refused_unread() -> None:
    with CosCorsEndpoint(max_object_bytes=100) as endpoint:
        upload_id = initiate(endpoint)
        wire = put_part(endpoint, upload_id, 1, b"x" * 101)
        assert_error(
            wire,
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed object size.",
            "/big.bin",
        )
        assert put_part(endpoint, upload_id, 1, b"x" * 100).status == 200
        refused = endpoint.exchanges[-2]
        assert (refused.operation, refused.body_size) == ("UploadPart", 101)
