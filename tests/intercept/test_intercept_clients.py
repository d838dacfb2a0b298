"""Issue 16: during a ``cos_cors`` test, production code reaches the fake: the official SDK with a
production ``CosConfig``, boto3 with COS's S3 endpoint, ``requests`` and ``urllib.request`` on the
production URLs, over http and verified https."""

from __future__ import annotations

import socket
import ssl
import urllib.request
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from values import APP, BUCKET, BUCKET_HOST, REGION

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.intercept import intercepting, is_intercepted_host

qcloud_cos = pytest.importorskip("qcloud_cos")
from qcloud_cos import CosConfig, CosS3Client  # noqa: E402

UPLOADS = {
    "CORSRule": [
        {
            "AllowedOrigin": [APP],
            "AllowedMethod": ["PUT", "GET"],
            "AllowedHeader": ["*"],
            "ExposeHeader": ["ETag"],
            "MaxAgeSeconds": "600",
        }
    ]
}


def production_client() -> Any:
    """The SDK as production code builds it: a region and keys, nothing else (HTTPS)."""
    config = CosConfig(Region=REGION, SecretId="AKIDproduction", SecretKey="production-key")
    return CosS3Client(config, retry=0)


def test_sdk_with_a_production_config(cos_cors: CosCorsEndpoint) -> None:
    sdk = production_client()
    sdk.put_object(Bucket=BUCKET, Key="reports/q1.txt", Body=b"quarter one")
    body = sdk.get_object(Bucket=BUCKET, Key="reports/q1.txt")["Body"].get_raw_stream().read()
    assert body == b"quarter one"
    url = sdk.get_presigned_url(Bucket=BUCKET, Key="reports/q1.txt", Method="GET")
    assert url.startswith(f"https://{BUCKET_HOST}/reports/q1.txt?")
    assert requests.get(url, timeout=10).content == b"quarter one"
    sdk.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=UPLOADS)
    preflight = requests.options(
        f"https://{BUCKET_HOST}/avatar.png",
        headers={"Origin": APP, "Access-Control-Request-Method": "PUT"},
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == APP
    cos_cors.assert_preflight_allowed(origin=APP, method="PUT")
    assert cos_cors.objects() == {"reports/q1.txt": b"quarter one"}
    operations = [exchange.operation for exchange in cos_cors.exchanges]
    assert operations == [
        "PutObject",
        "GetObject",
        "GetObject",
        "PutBucketCors",
        "PreflightRequest",
    ]
    assert {exchange.via for exchange in cos_cors.exchanges} == {BUCKET_HOST}
    assert f"OPTIONS {BUCKET}/avatar.png via {BUCKET_HOST} -> 200" in (
        cos_cors.preflights[-1].describe()
    )


def test_boto3_with_the_cos_endpoint(cos_cors: CosCorsEndpoint) -> None:
    s3 = boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url=f"https://cos.{REGION}.myqcloud.com",
        aws_access_key_id="AKIDproduction",
        aws_secret_access_key="production-key",
        # As COS asks of boto3 >= 1.36: over https boto3 otherwise streams a body as
        # aws-chunked with a trailing checksum, which COS (and the fake) do not take.
        config=Config(retries={"max_attempts": 1}, request_checksum_calculation="when_required"),
    )
    s3.put_object(Bucket=BUCKET, Key="boto.txt", Body=b"from boto3")
    assert s3.get_object(Bucket=BUCKET, Key="boto.txt")["Body"].read() == b"from boto3"
    assert cos_cors.objects() == {"boto.txt": b"from boto3"}
    assert all(exchange.via is not None for exchange in cos_cors.exchanges)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_requests_and_urllib_on_the_production_url(cos_cors: CosCorsEndpoint, scheme: str) -> None:
    url = cos_cors.cos_url_for("notes/a b.txt", scheme=scheme)
    assert requests.put(url, data=b"hello", timeout=10).status_code == 200
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"hello"
    assert [exchange.method for exchange in cos_cors.exchanges] == ["PUT", "GET"]


def test_every_cos_host_name_is_intercepted(cos_cors: CosCorsEndpoint) -> None:
    for host in (
        BUCKET_HOST,
        f"cos.{REGION}.myqcloud.com",
        f"{BUCKET}.cos.accelerate.myqcloud.com",
        f"{BUCKET}.cos-internal.{REGION}.myqcloud.com",
        f"{BUCKET}.cos.{REGION}.tencentcos.cn",
        "service.cos.myqcloud.com",
    ):
        assert is_intercepted_host(host), host
        for port in (80, 443):
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            assert {answer[4][:2] for answer in answers} == {("127.0.0.1", cos_cors.port)}
    for host in ("cloud.tencent.com", "sts.tencentcloudapi.com", "example.com", "localhost"):
        assert not is_intercepted_host(host), host
    answer = requests.get(f"https://{BUCKET}.cos.accelerate.myqcloud.com/x", timeout=10)
    assert answer.status_code == 404
    assert "<Code>NoSuchKey</Code>" in answer.text


def test_a_bucket_the_fake_does_not_have(cos_cors: CosCorsEndpoint) -> None:
    answer = requests.get(f"https://missing-1250000000.cos.{REGION}.myqcloud.com/a", timeout=10)
    assert answer.status_code == 404
    assert "<Code>NoSuchBucket</Code>" in answer.text
    assert cos_cors.exchanges[-1].via == f"missing-1250000000.cos.{REGION}.myqcloud.com"


def test_other_host_names_are_untouched(cos_cors: CosCorsEndpoint) -> None:
    assert intercepting()
    # The real resolver answers for localhost (no network involved).
    assert {answer[4][0] for answer in socket.getaddrinfo("localhost", 80)} <= {"127.0.0.1", "::1"}
    # The test authority is trusted only for a COS name on the endpoint's socket: the
    # endpoint's own address, named otherwise, is not trusted by a default context.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(cos_cors.https_url + f"/{BUCKET}/x", timeout=10)
    context = ssl.create_default_context()
    with (
        socket.create_connection(("127.0.0.1", cos_cors.port), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="localhost")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_client_without_verification_stays_so(cos_cors: CosCorsEndpoint) -> None:
    answer = requests.get(cos_cors.cos_url_for("x", scheme="https"), verify=False, timeout=10)
    assert answer.status_code == 404


def test_names_without_a_port_refuse_cos_host_names(cos_cors: CosCorsEndpoint) -> None:
    with pytest.raises(socket.gaierror, match="gives no port"):
        socket.gethostbyname(BUCKET_HOST)
    with pytest.raises(socket.gaierror, match="gives no port"):
        socket.gethostbyname_ex(BUCKET_HOST)
    assert socket.gethostbyname("localhost") == "127.0.0.1"
