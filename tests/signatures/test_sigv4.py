"""AWS Signature Version 4 as boto3 sends it to COS's S3-compatible endpoint: requests captured
from a boto3 client just before they leave (``before-send``), botocore's ``S3SigV4Auth`` over an
``AWSRequest``, and presigned URLs (``generate_presigned_url``, ``S3SigV4QueryAuth``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, Literal

import boto3
import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials

from pytest_cos_cors.signatures import SignedRequest, verify_signature

from .conftest import (
    BUCKET,
    CREDENTIALS,
    OTHER_ID,
    OTHER_KEY,
    REGION,
    SECRET_ID,
    SECRET_KEY,
    STRANGER_ID,
    TMP_ID,
    TMP_KEY,
    TOKEN,
    assert_refused,
    assert_verified,
    replace_header,
    wait_past,
    with_method,
    with_path,
)

ENDPOINT = f"https://cos.{REGION}.myqcloud.com"
KEY = "photos/a b 中文.png"


class _EmptyBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b""


def client(
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    token: str | None = None,
    addressing: Literal["virtual", "path"] = "virtual",
) -> Any:
    return boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=secret_id,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
        config=Config(signature_version="s3v4", s3={"addressing_style": addressing}),
    )


def to_request(prepared: AWSPreparedRequest) -> SignedRequest:
    headers = [
        (name, value.decode() if isinstance(value, bytes) else str(value))
        for name, value in prepared.headers.items()
    ]
    return SignedRequest.from_url(prepared.method, prepared.url, headers)


def sent(s3: Any, operation: str, **params: Any) -> SignedRequest:
    """The request a boto3 call sends, captured before it leaves (answered 200, empty)."""
    captured: list[AWSPreparedRequest] = []

    def before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        captured.append(request)
        return AWSResponse(request.url, 200, HTTPHeaders(), _EmptyBody())

    s3.meta.events.register("before-send.s3", before_send)
    getattr(s3, operation)(**params)
    return to_request(captured[-1])


def presigned(s3: Any, operation: str = "get_object", expires: int = 300, **params: Any) -> str:
    url: str = s3.generate_presigned_url(
        operation, Params={"Bucket": BUCKET, "Key": KEY, **params}, ExpiresIn=expires
    )
    return url


# -- header signatures ---------------------------------------------------------------------------


def test_a_boto3_upload_is_verified() -> None:
    request = sent(
        client(), "put_object", Bucket=BUCKET, Key=KEY, Body=b"hello", ContentType="text/plain"
    )
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert (check.scheme, check.carrier) == ("sigv4", "header")
    assert (check.signed_text or "").startswith("PUT\n/photos/a%20b%20%E4%B8%AD%E6%96%87.png\n")


@pytest.mark.parametrize("addressing", ["virtual", "path"])
def test_boto3_requests_are_verified_in_both_addressing_styles(
    addressing: Literal["virtual", "path"],
) -> None:
    s3 = client(addressing=addressing)
    for request in (
        sent(s3, "head_object", Bucket=BUCKET, Key=KEY),
        sent(s3, "delete_object", Bucket=BUCKET, Key=KEY),
        sent(s3, "list_objects", Bucket=BUCKET, Prefix="photos/a b", MaxKeys=5),
    ):
        assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)


def test_a_session_token_is_required_and_checked() -> None:
    request = sent(client(TMP_ID, TMP_KEY, TOKEN), "head_object", Bucket=BUCKET, Key=KEY)
    assert_verified(verify_signature(request, CREDENTIALS), TMP_ID, temporary=True)
    without = sent(client(TMP_ID, TMP_KEY), "head_object", Bucket=BUCKET, Key=KEY)
    assert_refused(
        verify_signature(without, CREDENTIALS),
        "InvalidAccessKeyId",
        "token-missing",
        TMP_ID,
        "X-Amz-Security-Token",
    )
    wrong = sent(client(TMP_ID, TMP_KEY, "stale-token"), "head_object", Bucket=BUCKET, Key=KEY)
    assert_refused(verify_signature(wrong, CREDENTIALS), "InvalidToken", "token-wrong", TMP_ID)


def test_the_wrong_key_another_key_or_an_unknown_id_is_refused() -> None:
    wrong = sent(client(secret_key="not-the-key"), "head_object", Bucket=BUCKET, Key=KEY)
    check = verify_signature(wrong, CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", SECRET_ID, "canonical request")
    assert check.signed_text is not None
    assert check.string_to_sign is not None
    assert check.string_to_sign.startswith("AWS4-HMAC-SHA256\n")
    other = sent(client(secret_key=OTHER_KEY), "head_object", Bucket=BUCKET, Key=KEY)
    assert_refused(
        verify_signature(other, CREDENTIALS), "SignatureDoesNotMatch", "secret-key", repr(OTHER_ID)
    )
    stranger = sent(client(STRANGER_ID), "head_object", Bucket=BUCKET, Key=KEY)
    assert_refused(
        verify_signature(stranger, CREDENTIALS), "InvalidAccessKeyId", "secret-id", STRANGER_ID
    )


def test_a_changed_method_path_or_header_is_refused() -> None:
    request = sent(client(), "head_object", Bucket=BUCKET, Key=KEY)
    assert_refused(
        verify_signature(with_method(request, "GET"), CREDENTIALS),
        "SignatureDoesNotMatch",
        "method",
        "made for HEAD",
    )
    assert_refused(
        verify_signature(with_path(request, "/photos/other.png"), CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        "'/photos/other.png'",
    )
    dated = replace_header(request, "X-Amz-Date", request_date(request, seconds=1))
    assert_refused(
        verify_signature(dated, CREDENTIALS), "SignatureDoesNotMatch", "signature", "x-amz-date"
    )
    assert_refused(
        verify_signature(replace_header(request, "X-Amz-Date", None), CREDENTIALS),
        "InvalidArgument",
        "malformed",
        "neither X-Amz-Date nor Date",
    )


def request_date(request: SignedRequest, *, seconds: int) -> str:
    value = dict((n.lower(), v) for n, v in request.headers)["x-amz-date"]
    moment = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ") + datetime.timedelta(
        seconds=seconds
    )
    return moment.strftime("%Y%m%dT%H%M%SZ")


def test_botocore_s3sigv4auth_over_an_awsrequest_is_verified() -> None:
    aws = AWSRequest(
        method="PUT",
        url=f"https://{BUCKET}.cos.{REGION}.myqcloud.com/a.txt?acl",
        headers={
            "x-cos-acl": "private",
            "Content-Type": "application/xml",
            # Signed trimmed, with the inner run of spaces collapsed to one.
            "x-amz-meta-note": "a   b",
        },
        data=b"<AccessControlPolicy/>",
    )
    S3SigV4Auth(Credentials(SECRET_ID, SECRET_KEY), "s3", REGION).add_auth(aws)
    request = to_request(aws.prepare())
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert "\nx-amz-meta-note:a b\n" in (check.signed_text or "")
    changed = replace_header(request, "x-cos-acl", "public-read")
    assert_refused(
        verify_signature(changed, CREDENTIALS), "SignatureDoesNotMatch", "signature", "x-cos-acl"
    )


def test_the_path_is_signed_as_sent_not_normalised() -> None:
    """S3 signs the path as the client wrote it: ``(`` unencoded stays unencoded."""
    aws = AWSRequest(method="GET", url=f"https://{BUCKET}.cos.{REGION}.myqcloud.com/notes(1)!.txt")
    S3SigV4Auth(Credentials(SECRET_ID, SECRET_KEY), "s3", REGION).add_auth(aws)
    request = to_request(aws.prepare())
    assert request.path == "/notes(1)!.txt"
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert (check.signed_text or "").startswith("GET\n/notes(1)!.txt\n")
    encoded = with_path(request, "/notes%281%29%21.txt")
    assert verify_signature(encoded, CREDENTIALS).refused


def test_a_client_clock_twenty_minutes_behind_is_refused_as_skewed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client's clock is wrong (its signer is told another time); the verifier reads the
    real one."""
    behind = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(
        minutes=20
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: behind)
    request = sent(client(), "head_object", Bucket=BUCKET, Key=KEY)
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "RequestTimeTooSkewed", "skewed", "before the fake's clock", "15 min")


# -- presigned URLs ------------------------------------------------------------------------------


def test_a_presigned_url_is_verified() -> None:
    url = presigned(client(), ResponseContentType="image/png")
    check = verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert (check.scheme, check.carrier) == ("sigv4", "query")


def test_a_presigned_upload_signs_its_content_type() -> None:
    url = presigned(client(), "put_object", ContentType="image/png")
    ok = SignedRequest.from_url("PUT", url, {"Content-Type": "image/png"})
    assert_verified(verify_signature(ok, CREDENTIALS), SECRET_ID)
    assert_refused(
        verify_signature(
            SignedRequest.from_url("PUT", url, {"Content-Type": "image/gif"}), CREDENTIALS
        ),
        "SignatureDoesNotMatch",
        "signature",
        "content-type",
    )
    assert_refused(
        verify_signature(SignedRequest.from_url("PUT", url), CREDENTIALS),
        "SignatureDoesNotMatch",
        "header-missing",
        "'content-type'",
    )


def test_a_presigned_url_for_a_temporary_key_carries_its_token() -> None:
    url = presigned(client(TMP_ID, TMP_KEY, TOKEN))
    assert "X-Amz-Security-Token=" in url
    assert_verified(
        verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS), TMP_ID, temporary=True
    )


def test_a_presigned_url_with_another_method_key_or_parameter_is_refused() -> None:
    url = presigned(client(), ResponseContentType="image/png")
    assert_refused(
        verify_signature(SignedRequest.from_url("DELETE", url), CREDENTIALS),
        "SignatureDoesNotMatch",
        "method",
        "made for GET",
    )
    moved = url.replace("/photos/", "/videos/")
    assert_refused(
        verify_signature(SignedRequest.from_url("GET", moved), CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        "/videos/",
    )
    other_type = url.replace("image%2Fpng", "image%2Fgif")
    assert other_type != url
    assert_refused(
        verify_signature(SignedRequest.from_url("GET", other_type), CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
    )


def test_an_expired_presigned_url_is_refused_on_the_real_clock() -> None:
    url = presigned(client(), expires=1)
    request = SignedRequest.from_url("GET", url)
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
    stamp = dict(pair.split("=", 1) for pair in request.query.split("&"))["X-Amz-Date"]
    end = (
        datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
        .replace(tzinfo=datetime.timezone.utc)
        .timestamp()
        + 1
    )
    wait_past(end)
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "AccessDenied", "expired", "X-Amz-Expires 1", "ago")


def test_botocore_s3sigv4queryauth_is_verified() -> None:
    aws = AWSRequest(method="GET", url=f"https://{BUCKET}.cos.{REGION}.myqcloud.com/a%20b.txt")
    S3SigV4QueryAuth(Credentials(SECRET_ID, SECRET_KEY), "s3", REGION, expires=60).add_auth(aws)
    assert aws.url is not None
    assert_verified(
        verify_signature(SignedRequest.from_url("GET", aws.url), CREDENTIALS), SECRET_ID
    )


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab", ["X-Amz-Credential", "X-Amz-Date"]),
        (
            "X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=a%2F20240101%2Fr%2Fs3%2Faws4_request"
            "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=ab",
            ["AWS4-HMAC-SHA1"],
        ),
        (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240101%2Fr%2Fs3%2Faws4_request"
            "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=ab",
            ["604801"],
        ),
        (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240102%2Fr%2Fs3%2Faws4_request"
            "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=ab",
            ["20240102", "20240101T000000Z"],
        ),
        (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240101"
            "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=ab",
            ["'a/20240101'"],
        ),
    ],
)
def test_a_malformed_presigned_url_is_refused(query: str, words: list[str]) -> None:
    check = verify_signature(SignedRequest("GET", "/a.txt", query), CREDENTIALS)
    assert_refused(check, "InvalidArgument", "malformed", "SigV4", *words)


def test_a_malformed_authorization_header_is_refused() -> None:
    request = SignedRequest(
        "GET",
        "/a.txt",
        "",
        (
            ("Authorization", "AWS4-HMAC-SHA256 Credential=a/20240101/r/s3/aws4_request"),
            ("X-Amz-Date", "20240101T000000Z"),
        ),
    )
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "InvalidArgument", "malformed", "SignedHeaders, Signature")


def test_sigv2_is_recognised_and_accepted_unverified() -> None:
    header = SignedRequest(
        "GET", "/a.txt", "", (("Authorization", f"AWS {SECRET_ID}:c2lnbmF0dXJl"),)
    )
    check = verify_signature(header, CREDENTIALS)
    assert (check.outcome, check.scheme, check.secret_id) == ("unverified", "sigv2", SECRET_ID)
    assert check.accepted
    assert not check.refused
    query = SignedRequest("GET", "/a.txt", f"AWSAccessKeyId={SECRET_ID}&Expires=1&Signature=x")
    assert verify_signature(query, CREDENTIALS).outcome == "unverified"
