"""The official Python SDK (cos-python-sdk-v5) and boto3 doing their large-file journeys against
the endpoint: multipart uploads (and resuming one), parallel ranged downloads, copies, multi-object
deletes, listings with a delimiter, aborts and part listings."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest

from pytest_cos_cors.endpoint import CosCorsEndpoint

from .conftest import MIB

pytest.importorskip("qcloud_cos")
pytest.importorskip("boto3")


def payload(size: int, seed: bytes = b"seed") -> bytes:
    """``size`` bytes that differ from part to part."""
    block = hashlib.sha256(seed).digest() * 2048  # 64 KiB
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += counter.to_bytes(4, "big") + block[4:]
        counter += 1
    return bytes(out[:size])


def operations(endpoint: CosCorsEndpoint) -> list[str | None]:
    return [e.operation for e in endpoint.exchanges]


# -- cos-python-sdk-v5 ---------------------------------------------------------------------------


def test_sdk_upload_file_in_several_parts(
    endpoint: CosCorsEndpoint, sdk: Any, tmp_path: Path
) -> None:
    data = payload(3 * MIB + 12345)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    result = sdk.upload_file(
        Bucket=endpoint.bucket,
        Key="videos/clip.bin",
        LocalFilePath=str(source),
        PartSize=1,
        MAXThread=3,
        ContentType="video/mp4",
    )
    assert result["ETag"].endswith('-4"')
    assert endpoint.objects() == {"videos/clip.bin": data}
    done = operations(endpoint)
    assert done[:2] == ["ListMultipartUploads", "InitiateMultipartUpload"]
    assert done.count("UploadPart") == 4
    assert done[-1] == "CompleteMultipartUpload"
    head = sdk.head_object(Bucket=endpoint.bucket, Key="videos/clip.bin")
    assert head["Content-Type"] == "video/mp4"
    assert head["ETag"] == result["ETag"]


def test_sdk_upload_file_resumes_an_unfinished_upload(
    endpoint: CosCorsEndpoint, sdk: Any, tmp_path: Path
) -> None:
    data = payload(3 * MIB + 1, b"resume")
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    bucket = endpoint.bucket
    upload_id = sdk.create_multipart_upload(Bucket=bucket, Key="resumed.bin")["UploadId"]
    for number in (1, 2):  # what an interrupted upload_file left behind
        chunk = data[(number - 1) * MIB : number * MIB]
        sdk.upload_part(
            Bucket=bucket, Key="resumed.bin", Body=chunk, PartNumber=number, UploadId=upload_id
        )
    endpoint.clear_log()
    sdk.upload_file(Bucket=bucket, Key="resumed.bin", LocalFilePath=str(source), PartSize=1)
    assert endpoint.objects() == {"resumed.bin": data}
    done = operations(endpoint)
    assert "InitiateMultipartUpload" not in done
    assert done[:2] == ["ListMultipartUploads", "ListParts"]
    parts = sorted(
        int(e.query["partNumber"]) for e in endpoint.exchanges if e.operation == "UploadPart"
    )
    assert parts == [3, 4]
    complete = endpoint.exchanges[-1]
    assert (complete.operation, complete.query["uploadId"]) == (
        "CompleteMultipartUpload",
        upload_id,
    )


def test_sdk_download_file_with_parallel_ranges(
    endpoint: CosCorsEndpoint, sdk: Any, tmp_path: Path
) -> None:
    data = payload(5 * MIB + 3, b"download")
    sdk.put_object(Bucket=endpoint.bucket, Key="dl.bin", Body=data)
    endpoint.clear_log()
    target = tmp_path / "dl.bin"
    sdk.download_file(
        Bucket=endpoint.bucket,
        Key="dl.bin",
        DestFilePath=str(target),
        PartSize=1,
        MAXThread=4,
        EnableCRC=True,  # compares its CRC-64 with HEAD's x-cos-hash-crc64ecma
    )
    assert target.read_bytes() == data
    ranges = [e.headers["Range"] for e in endpoint.exchanges if e.operation == "GetObject"]
    assert len(ranges) == 6
    assert all(e.status == 206 for e in endpoint.exchanges if e.operation == "GetObject")
    assert operations(endpoint)[0] == "HeadObject"
    assert sorted(ranges)[0] == f"bytes=0-{MIB - 1}"


def test_sdk_download_file_of_a_multipart_object(
    endpoint: CosCorsEndpoint, sdk: Any, tmp_path: Path
) -> None:
    data = payload(2 * MIB + 5, b"mp")
    source = tmp_path / "up.bin"
    source.write_bytes(data)
    sdk.upload_file(Bucket=endpoint.bucket, Key="mp.bin", LocalFilePath=str(source), PartSize=1)
    target = tmp_path / "down.bin"
    sdk.download_file(
        Bucket=endpoint.bucket, Key="mp.bin", DestFilePath=str(target), PartSize=1, EnableCRC=True
    )
    assert target.read_bytes() == data


def test_sdk_copy_object(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    bucket = endpoint.bucket
    sdk.put_object(Bucket=bucket, Key="from me.txt", Body=b"copied", ContentType="text/plain")
    result = sdk.copy_object(
        Bucket=bucket,
        Key="to.txt",
        CopySource={"Bucket": bucket, "Key": "from me.txt", "Region": endpoint.region},
    )
    assert result["ETag"] == f'"{hashlib.md5(b"copied").hexdigest()}"'
    assert result["CRC64"]
    assert endpoint.objects()["to.txt"] == b"copied"
    assert sdk.head_object(Bucket=bucket, Key="to.txt")["Content-Type"] == "text/plain"
    replaced = sdk.copy_object(
        Bucket=bucket,
        Key="to.txt",
        CopySource={"Bucket": bucket, "Key": "from me.txt", "Region": endpoint.region},
        CopyStatus="Replaced",
        ContentType="application/json",
    )
    assert replaced["ETag"] == result["ETag"]
    assert sdk.head_object(Bucket=bucket, Key="to.txt")["Content-Type"] == "application/json"
    assert operations(endpoint).count("CopyObject") == 2


def test_sdk_delete_objects_and_list_with_delimiter(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    bucket = endpoint.bucket
    for key in ("a/1", "a/2", "b/1", "top", "with space/x"):
        sdk.put_object(Bucket=bucket, Key=key, Body=key.encode())
    listing = sdk.list_objects(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["a/", "b/", "with space/"]
    assert [c["Key"] for c in listing["Contents"]] == ["top"]
    assert listing["IsTruncated"] == "false"
    deleted = sdk.delete_objects(
        Bucket=bucket,
        Delete={"Object": [{"Key": "a/1"}, {"Key": "a/2"}, {"Key": "nope"}], "Quiet": "false"},
    )
    assert [d["Key"] for d in deleted["Deleted"]] == ["a/1", "a/2", "nope"]
    quiet = sdk.delete_objects(Bucket=bucket, Delete={"Object": [{"Key": "top"}], "Quiet": "true"})
    assert "Error" not in quiet
    assert sorted(endpoint.objects()) == ["b/1", "with space/x"]
    paged = sdk.list_objects(Bucket=bucket, MaxKeys=1)
    assert paged["IsTruncated"] == "true"
    assert sdk.list_objects(Bucket=bucket, Marker=paged["NextMarker"])["Contents"][0]["Key"] == (
        "with space/x"
    )


def test_sdk_list_parts_and_abort(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    bucket = endpoint.bucket
    upload_id = sdk.create_multipart_upload(Bucket=bucket, Key="pending.bin")["UploadId"]
    for number in (2, 1):
        sdk.upload_part(
            Bucket=bucket,
            Key="pending.bin",
            Body=b"p" * number,
            PartNumber=number,
            UploadId=upload_id,
        )
    parts = sdk.list_parts(Bucket=bucket, Key="pending.bin", UploadId=upload_id)
    assert [(p["PartNumber"], p["Size"]) for p in parts["Part"]] == [("1", "1"), ("2", "2")]
    assert parts["Key"] == "pending.bin"
    uploads = sdk.list_multipart_uploads(Bucket=bucket, Prefix="pending")
    assert [u["UploadId"] for u in uploads["Upload"]] == [upload_id]
    sdk.abort_multipart_upload(Bucket=bucket, Key="pending.bin", UploadId=upload_id)
    assert "Upload" not in sdk.list_multipart_uploads(Bucket=bucket)
    assert endpoint.objects() == {}
    from qcloud_cos.cos_exception import CosServiceError

    with pytest.raises(CosServiceError) as info:
        sdk.list_parts(Bucket=bucket, Key="pending.bin", UploadId=upload_id)
    assert info.value.get_error_code() == "NoSuchUpload"
    assert info.value.get_status_code() == 404


# -- boto3 ---------------------------------------------------------------------------------------


def transfer_config() -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=3
    )


def test_boto3_upload_fileobj_above_the_threshold(endpoint: CosCorsEndpoint, s3: Any) -> None:
    data = payload(12 * MIB + 1, b"boto")
    s3.upload_fileobj(io.BytesIO(data), endpoint.bucket, "boto/big.bin", Config=transfer_config())
    assert endpoint.objects() == {"boto/big.bin": data}
    parts = [e for e in endpoint.exchanges if e.operation == "UploadPart"]
    assert len(parts) == 3
    assert all("x-amz-checksum-crc32" in e.headers for e in parts)  # verified, not ignored
    assert operations(endpoint)[0] == "InitiateMultipartUpload"
    assert operations(endpoint)[-1] == "CompleteMultipartUpload"
    head = s3.head_object(Bucket=endpoint.bucket, Key="boto/big.bin")
    assert head["ETag"].endswith('-3"')
    assert head["ContentLength"] == len(data)


def test_boto3_download_fileobj_above_the_threshold(endpoint: CosCorsEndpoint, s3: Any) -> None:
    data = payload(11 * MIB, b"boto-down")
    s3.upload_fileobj(io.BytesIO(data), endpoint.bucket, "dl.bin", Config=transfer_config())
    endpoint.clear_log()
    out = io.BytesIO()
    s3.download_fileobj(endpoint.bucket, "dl.bin", out, Config=transfer_config())
    assert out.getvalue() == data
    gets = [e for e in endpoint.exchanges if e.operation == "GetObject"]
    assert len(gets) == 3
    assert {e.status for e in gets} == {206}
    assert all(e.headers["If-Match"].endswith('-3"') for e in gets)
    assert any(e.headers["Range"].endswith("-") for e in gets)  # the open-ended last part


def test_boto3_list_multipart_uploads(endpoint: CosCorsEndpoint, s3: Any) -> None:
    first = s3.create_multipart_upload(Bucket=endpoint.bucket, Key="in/progress")["UploadId"]
    s3.create_multipart_upload(Bucket=endpoint.bucket, Key="elsewhere")
    listed = s3.list_multipart_uploads(Bucket=endpoint.bucket, Prefix="in/")
    assert [(u["Key"], u["UploadId"]) for u in listed["Uploads"]] == [("in/progress", first)]
    assert listed["Uploads"][0]["Initiated"].year >= 2024
    s3.abort_multipart_upload(Bucket=endpoint.bucket, Key="in/progress", UploadId=first)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=endpoint.bucket, Prefix="in/")


def test_boto3_copy_and_delete_objects(endpoint: CosCorsEndpoint, s3: Any) -> None:
    bucket = endpoint.bucket
    s3.put_object(Bucket=bucket, Key="src", Body=b"source", Metadata={"who": "me"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert endpoint.objects()["dst"] == b"source"
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["dst", "src"]
    assert endpoint.objects() == {}


def test_no_sdk_request_was_refused(endpoint: CosCorsEndpoint, sdk: Any, tmp_path: Path) -> None:
    """Nothing any of the calls above sends routinely is answered 501."""
    data = os.urandom(2 * MIB)
    source = tmp_path / "f"
    source.write_bytes(data)
    sdk.upload_file(Bucket=endpoint.bucket, Key="f", LocalFilePath=str(source), PartSize=1)
    sdk.download_file(Bucket=endpoint.bucket, Key="f", DestFilePath=str(tmp_path / "g"), PartSize=1)
    assert all(e.status < 500 for e in endpoint.exchanges)
    assert None not in operations(endpoint)
