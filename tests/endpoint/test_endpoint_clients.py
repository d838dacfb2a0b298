"""The official COS Python SDK and boto3 against the endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pytest_cos_cors.endpoint import CosCorsEndpoint

qcloud_cos = pytest.importorskip("qcloud_cos")
from qcloud_cos import CosS3Client  # noqa: E402
from qcloud_cos.cos_exception import CosServiceError  # noqa: E402

RULES = {
    "CORSRule": [
        {
            "ID": "uploads",
            "AllowedOrigin": ["https://app.example.com"],
            "AllowedMethod": ["PUT", "GET"],
            "AllowedHeader": ["*"],
            "ExposeHeader": ["ETag"],
            "MaxAgeSeconds": "600",
        },
        {"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]},
    ],
    "ResponseVary": "true",
}


@pytest.fixture
def sdk(endpoint: CosCorsEndpoint) -> Any:
    return CosS3Client(endpoint.cos_config(), retry=0)


def error_code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(CosServiceError) as info:
        call(**kwargs)
    code: str = info.value.get_error_code()
    return code


def test_sdk_cors_round_trip(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    bucket = endpoint.bucket
    assert error_code(sdk.get_bucket_cors, Bucket=bucket) == "NoSuchCORSConfiguration"
    sdk.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    configuration = endpoint.configuration()
    assert configuration is not None
    assert configuration.response_vary is True
    assert [r.id for r in configuration.rules] == ["uploads", None]
    assert sdk.get_bucket_cors(Bucket=bucket) == RULES
    sdk.delete_bucket_cors(Bucket=bucket)
    assert endpoint.configuration() is None
    assert error_code(sdk.get_bucket_cors, Bucket=bucket) == "NoSuchCORSConfiguration"
    exchange = endpoint.exchanges[1]
    # cos_config() addresses the endpoint path-style: its own address, the bucket in the path.
    assert exchange.headers["Host"] == f"127.0.0.1:{endpoint.port}"
    assert (exchange.bucket, exchange.path, dict(exchange.query)) == (bucket, "/", {"cors": ""})


def test_sdk_rejected_configurations(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    bad_method = {"CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["PATCH"]}]}
    assert (
        error_code(sdk.put_bucket_cors, Bucket=endpoint.bucket, CORSConfiguration=bad_method)
        == "InvalidRequest"
    )
    bad_vary = {
        "CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}],
        "ResponseVary": "maybe",
    }
    assert (
        error_code(sdk.put_bucket_cors, Bucket=endpoint.bucket, CORSConfiguration=bad_vary)
        == "MalformedXML"
    )


def test_sdk_buckets_and_objects(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    sdk.create_bucket(Bucket="newbucket-1250000000")
    assert error_code(sdk.create_bucket, Bucket="newbucket-1250000000") == (
        "BucketAlreadyOwnedByYou"
    )
    assert error_code(sdk.get_bucket_cors, Bucket="nobucket-1250000000") == "NoSuchBucket"
    put = sdk.put_object(
        Bucket=endpoint.bucket,
        Key="dir/a b.txt",
        Body=b"hello",
        ContentType="text/plain",
        Metadata={"x-cos-meta-author": "ann"},
    )
    assert put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
    got = sdk.get_object(Bucket=endpoint.bucket, Key="dir/a b.txt")
    stream = got["Body"].get_raw_stream()
    try:
        assert stream.read() == b"hello"
    finally:
        stream.close()
    assert got["Content-Type"] == "text/plain"
    assert got["x-cos-meta-author"] == "ann"
    head = sdk.head_object(Bucket=endpoint.bucket, Key="dir/a b.txt")
    assert head["Content-Length"] == "5"
    assert head["ETag"] == put["ETag"]
    assert error_code(sdk.get_object, Bucket=endpoint.bucket, Key="missing") == "NoSuchKey"
    assert error_code(sdk.head_object, Bucket=endpoint.bucket, Key="missing") == "NoSuchResource"
    assert endpoint.objects() == {"dir/a b.txt": b"hello"}


def test_sdk_error_details(endpoint: CosCorsEndpoint, sdk: Any) -> None:
    with pytest.raises(CosServiceError) as info:
        sdk.get_object(Bucket=endpoint.bucket, Key="missing")
    error = info.value
    assert error.get_status_code() == 404
    assert error.get_error_msg() == "The specified key does not exist."
    assert error.get_resource_location() == f"{endpoint.bucket_host}/missing"
    assert error.get_request_id() == endpoint.exchanges[-1].response_headers["x-cos-request-id"]
    assert error.get_trace_id() == endpoint.exchanges[-1].response_headers["x-cos-trace-id"]


@pytest.fixture(params=["path", "virtual"])
def s3(request: pytest.FixtureRequest, endpoint: CosCorsEndpoint) -> Iterator[Any]:
    if request.param == "path":
        client = boto3.client(
            "s3",
            region_name="ap-beijing",
            endpoint_url=endpoint.url,
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
    else:
        client = boto3.client(
            "s3",
            region_name="ap-beijing",
            endpoint_url="http://cos.ap-beijing.myqcloud.com",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(
                s3={"addressing_style": "virtual"},
                proxies={"http": endpoint.url},
                retries={"max_attempts": 1},
            ),
        )
    try:
        yield client
    finally:
        client.close()


def test_boto3(endpoint: CosCorsEndpoint, s3: Any) -> None:
    bucket = "boto-1250000000"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-beijing"})
    rules = [
        {
            "ID": "r1",
            "AllowedOrigins": ["https://app.example.com"],
            "AllowedMethods": ["PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600,
        }
    ]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules
    put = s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"abc")
    assert put["ETag"] == '"900150983cd24fb0d6963f7d28e17f72"'
    assert endpoint.objects(bucket) == {"dir/a b.txt": b"abc"}
    paths = [(e.method, e.bucket, e.path, e.status) for e in endpoint.exchanges]
    assert paths == [
        ("PUT", bucket, "/", 200),
        ("PUT", bucket, "/", 200),
        ("GET", bucket, "/", 200),
        ("PUT", bucket, "/dir/a%20b.txt", 200),
    ]
    with pytest.raises(s3.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="missing")
    assert info.value.response["Error"]["Code"] == "NoSuchKey"
