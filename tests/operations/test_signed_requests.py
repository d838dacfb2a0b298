"""Issue 17: an endpoint given credentials verifies every request's signature on the shared path,
end to end over HTTP, with the real signers: cos-python-sdk-v5 (header signatures,
``get_presigned_url``, temporary keys with ``Token``), boto3 (SigV4) and raw requests with a
signature built by hand. Expiry is judged against the real clock: the tests that need an
expired signature sign for one second and wait it out.

What the shared path owes a signature: a refusal with COS's status, code and message, decorated
by the CORS rule that matches (so a page can read it), before anything is read or written; no
signature needed on a preflight; the verdict recorded on the ``Exchange`` (``signature``) and in
its ``reason``; and, without credentials, exactly the behaviour of before."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote

import pytest
import requests
from lxml import etree
from values import BUCKET, BUCKET_HOST

from pytest_cos_cors import CosCorsEndpoint
from pytest_cos_cors.recording import Exchange
from pytest_cos_cors.report import describe_exchanges
from pytest_cos_cors.signatures import SignatureCheck

qcloud_cos = pytest.importorskip("qcloud_cos")
boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from qcloud_cos.cos_exception import CosServiceError  # noqa: E402

SECRET_ID = "AKIDwiredpermanentkey000000000000000"
SECRET_KEY = "wired-permanent-secret-key"
OTHER_ID = "AKIDwiredotherkey0000000000000000000"
OTHER_KEY = "wired-other-secret-key"
TMP_ID = "AKIDwiredtemporarykey000000000000000"
TMP_KEY = "wired-temporary-secret-key"
TOKEN = "wired-session-token-0123456789abcdef"
CREDENTIALS: dict[str, str | tuple[str, str]] = {SECRET_ID: SECRET_KEY, OTHER_ID: OTHER_KEY}
APP = "https://app.example.com"
RULE = {
    "AllowedOrigin": [APP],
    "AllowedMethod": ["PUT", "GET", "HEAD", "DELETE"],
    "AllowedHeader": ["*"],
    "ExposeHeader": ["ETag"],
}


@pytest.fixture
def signed() -> Iterator[CosCorsEndpoint]:
    """A started endpoint with a private bucket that verifies signatures against
    :data:`CREDENTIALS`, with :data:`RULE`."""
    with CosCorsEndpoint(acl="private", credentials=CREDENTIALS) as endpoint:
        endpoint.set_rules(RULE)
        yield endpoint


@contextmanager
def sdk(endpoint: CosCorsEndpoint, **overrides: Any) -> Iterator[Any]:
    """cos-python-sdk-v5 on the endpoint (``cos_config(**overrides)``, no retries)."""
    client = qcloud_cos.CosS3Client(endpoint.cos_config(**overrides), retry=0)
    try:
        yield client
    finally:
        client._session.close()


@contextmanager
def s3(endpoint: CosCorsEndpoint, secret_id: str, secret_key: str, **extra: Any) -> Iterator[Any]:
    """boto3 (SigV4, path style) on the endpoint."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        aws_access_key_id=secret_id,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        **extra,
    )
    try:
        yield client
    finally:
        client.close()


def refused(call: Any) -> CosServiceError:
    """The SDK's error for ``call()``, which must fail."""
    with pytest.raises(CosServiceError) as caught:
        call()
    return caught.value


def signature(exchange: Exchange) -> SignatureCheck:
    """The recorded verdict on the exchange's signature (there must be one)."""
    check = exchange.signature
    assert check is not None, f"no signature verdict recorded: {exchange.describe()}"
    return check


def error_fields(body: bytes) -> dict[str, str]:
    root = etree.fromstring(body)
    assert root.tag == "Error", body
    return {child.tag: child.text or "" for child in root}


def sign_end(url: str) -> int:
    """The end of a presigned URL's ``q-sign-time``."""
    query = unquote(url.partition("?")[2])
    for item in query.split("&"):
        name, _, value = item.partition("=")
        if name == "q-sign-time":
            return int(value.split(";")[1])
    raise AssertionError(f"no q-sign-time in {url}")


def wait_past(end: float) -> None:
    """Sleep until the real clock is past ``end`` (a signature's last second)."""
    while time.time() <= end + 0.05:
        time.sleep(max(0.01, end + 0.06 - time.time()))


def hand_signed(
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    headers: dict[str, str],
    *,
    seconds: int = 600,
) -> str:
    """COS's ``Authorization`` over ``method``, ``path`` and every header of ``headers``,
    computed here from the Request Signature page's pseudocode (no SDK)."""
    now = int(time.time())
    window = f"{now - 5};{now + seconds}"
    names = sorted(name.lower() for name in headers)
    values = {name.lower(): value for name, value in headers.items()}
    quoted = "&".join(f"{n}={quote(values[n], safe='-_.~')}" for n in names)
    http_string = f"{method.lower()}\n{path}\n\n{quoted}\n"
    sign_key = hmac.new(secret_key.encode(), window.encode(), hashlib.sha1).hexdigest()
    to_sign = f"sha1\n{window}\n{hashlib.sha1(http_string.encode()).hexdigest()}\n"
    signature = hmac.new(sign_key.encode(), to_sign.encode(), hashlib.sha1).hexdigest()
    return (
        f"q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={window}&q-key-time={window}"
        f"&q-header-list={';'.join(names)}&q-url-param-list=&q-signature={signature}"
    )


# -- the Python SDK ------------------------------------------------------------------------------


def test_the_sdk_signing_with_the_endpoints_credentials_puts_and_gets(
    signed: CosCorsEndpoint,
) -> None:
    with sdk(signed) as client:
        client.put_object(Bucket=signed.bucket, Key="docs/a b.txt", Body=b"signed")
        got = client.get_object(Bucket=signed.bucket, Key="docs/a b.txt")
        assert got["Body"].get_raw_stream().read() == b"signed"
        client.head_object(Bucket=signed.bucket, Key="docs/a b.txt")
        client.delete_object(Bucket=signed.bucket, Key="docs/a b.txt")

    assert signed.objects() == {}
    checks = [e.signature for e in signed.exchanges]
    assert all(c is not None and c.verified for c in checks), checks
    assert {c.secret_id for c in checks if c is not None} == {SECRET_ID}
    assert [e.status for e in signed.exchanges] == [200, 200, 200, 204]
    # The reason of an accepted request says nothing of its signature.
    assert signed.exchanges[0].reason == "the request has no Origin header"


def test_cos_config_signs_with_the_first_credentials(signed: CosCorsEndpoint) -> None:
    config = signed.cos_config()
    assert (config._secret_id, config._secret_key, config._token) == (SECRET_ID, SECRET_KEY, None)
    signed.set_credentials({TMP_ID: (TMP_KEY, TOKEN), SECRET_ID: SECRET_KEY})
    config = signed.cos_config()
    assert (config._secret_id, config._secret_key, config._token) == (TMP_ID, TMP_KEY, TOKEN)
    # Overrides win, as for every other parameter.
    assert signed.cos_config(SecretKey="mine")._secret_key == "mine"


def test_the_sdk_with_a_wrong_key_is_refused_and_writes_nothing(signed: CosCorsEndpoint) -> None:
    with sdk(signed, SecretKey="not-the-key") as client:
        error = refused(
            lambda: client.put_object(Bucket=signed.bucket, Key="report.pdf", Body=b"%PDF")
        )

    assert error.get_status_code() == 403
    assert error.get_error_code() == "SignatureDoesNotMatch"
    assert error.get_error_msg() == "The Signature you specified is invalid."
    assert signed.objects() == {}
    (exchange,) = signed.exchanges
    check = signature(exchange)
    assert check.refused
    assert (check.part, check.code, check.secret_id) == (
        "signature",
        "SignatureDoesNotMatch",
        SECRET_ID,
    )
    assert exchange.operation == "PutObject"
    assert exchange.reason.startswith(
        "the request has no Origin header; signature refused (403 SignatureDoesNotMatch): "
        f"the COS signature in the Authorization header of SecretId {SECRET_ID!r} does not "
        "match: either it was made with another SecretKey"
    )
    assert "The fake signed StringToSign 'sha1\\n" in exchange.reason
    assert "(it also tried the path '/report.pdf' and host '127.0.0.1' without its port" in (
        exchange.reason
    )


def test_a_mismatch_answers_the_string_the_fake_signed(signed: CosCorsEndpoint) -> None:
    """COS adds ``StringToSign`` and ``FormatString`` (its HttpString) to the error body."""
    with sdk(signed, SecretKey="not-the-key") as client:
        url = client.get_presigned_url(Bucket=signed.bucket, Key="a.txt", Method="GET")
    answer = requests.get(url, timeout=5)

    fields = error_fields(answer.content)
    assert list(fields) == [
        "Code", "Message", "Resource", "RequestId", "TraceId", "StringToSign", "FormatString"
    ]
    check = signed.exchanges[-1].signature
    assert check is not None
    assert fields["StringToSign"] == check.string_to_sign
    assert fields["FormatString"] == check.signed_text
    assert fields["FormatString"].startswith(f"get\n/{BUCKET}/a.txt\n")


def test_the_key_of_another_secret_id_is_named(signed: CosCorsEndpoint) -> None:
    with sdk(signed, SecretKey=OTHER_KEY) as client:
        error = refused(lambda: client.get_object(Bucket=signed.bucket, Key="a.txt"))

    assert error.get_error_code() == "SignatureDoesNotMatch"
    check = signature(signed.exchanges[-1])
    assert check.part == "secret-key"
    assert f"made with the SecretKey of SecretId {OTHER_ID!r}, not of {SECRET_ID!r}" in (
        check.reason
    )


def test_an_unknown_secret_id_is_refused(signed: CosCorsEndpoint) -> None:
    with sdk(signed, SecretId="AKIDnobodyknowsthisone", SecretKey="x") as client:
        error = refused(lambda: client.get_object(Bucket=signed.bucket, Key="a.txt"))

    assert (error.get_status_code(), error.get_error_code()) == (403, "InvalidAccessKeyId")
    assert error.get_error_msg() == "The Access Key Id you provided does not exist in our records"
    assert "names SecretId 'AKIDnobodyknowsthisone', which is not among the endpoint's" in (
        signed.exchanges[-1].reason
    )


def test_a_presigned_url_works_until_it_expires(signed: CosCorsEndpoint) -> None:
    with sdk(signed) as client:
        client.put_object(Bucket=signed.bucket, Key="report.pdf", Body=b"%PDF-1.7")
        url = client.get_presigned_url(
            Bucket=signed.bucket, Key="report.pdf", Method="GET", Expired=1
        )
    fresh = requests.get(url, timeout=5)
    wait_past(sign_end(url))
    late = requests.get(url, headers={"Origin": APP}, timeout=5)

    assert (fresh.status_code, fresh.content) == (200, b"%PDF-1.7")
    assert late.status_code == 403
    fields = error_fields(late.content)
    assert (fields["Code"], fields["Message"]) == ("AccessDenied", "Request has expired")
    # The refusal carries the CORS headers of the matching rule: the page can read it.
    assert late.headers["Access-Control-Allow-Origin"] == APP
    assert late.headers["Access-Control-Expose-Headers"] == "ETag"
    exchange = signed.exchanges[-1]
    assert exchange.allowed
    assert signature(exchange).part == "expired"
    assert exchange.reason.startswith(
        "decorated by rules[0]; signature refused (403 AccessDenied): the COS signature in the "
        f"URL query of SecretId {SECRET_ID!r} expired "
    )
    signed.assert_signature_refused("GET", "report.pdf", code="AccessDenied", reason="expired")


def test_an_expired_header_signature_is_refused(signed: CosCorsEndpoint) -> None:
    with sdk(signed) as client:
        authorization = client.get_auth(
            Method="PUT", Bucket=signed.bucket, Key="late.txt", Expired=1
        )
    wait_past(sign_end("?" + authorization))
    answer = requests.put(
        signed.url_for("late.txt"), data=b"late", headers={"Authorization": authorization}
    )

    assert answer.status_code == 403
    assert error_fields(answer.content)["Message"] == "Request has expired"
    assert signed.objects() == {}
    signed.assert_signature_refused("PUT", "late.txt", code="AccessDenied", reason="ago")


def test_a_temporary_key_with_its_token(signed: CosCorsEndpoint) -> None:
    signed.set_credentials({TMP_ID: (TMP_KEY, TOKEN)})
    with sdk(signed) as client:  # signs with TMP_ID and sends its Token
        client.put_object(Bucket=signed.bucket, Key="tmp.txt", Body=b"tmp")
        assert client.get_object(Bucket=signed.bucket, Key="tmp.txt")["Body"].get_raw_stream(
        ).read() == b"tmp"
        # A presigned URL carries the token only when asked to (Params): the SDK does not add it.
        bare = client.get_presigned_url(Bucket=signed.bucket, Key="tmp.txt", Method="GET")
        with_token = client.get_presigned_url(
            Bucket=signed.bucket,
            Key="tmp.txt",
            Method="GET",
            Params={"x-cos-security-token": TOKEN},
        )
    assert requests.get(with_token, timeout=5).content == b"tmp"
    without = requests.get(bare, timeout=5)

    assert without.status_code == 403
    assert error_fields(without.content)["Code"] == "InvalidAccessKeyId"
    checks = [e.signature for e in signed.exchanges]
    assert [c.outcome if c else None for c in checks] == ["verified"] * 3 + ["refused"]
    assert all(c is not None and c.temporary for c in checks)
    assert signature(signed.exchanges[-1]).part == "token-missing"
    assert "comes without its session token" in signed.exchanges[-1].reason


@pytest.mark.parametrize(
    ("token", "status", "code", "part"),
    [
        (None, 403, "InvalidAccessKeyId", "token-missing"),
        ("an-old-session-token", 400, "InvalidToken", "token-wrong"),
    ],
)
def test_a_temporary_key_without_its_token(
    signed: CosCorsEndpoint, token: str | None, status: int, code: str, part: str
) -> None:
    signed.set_credentials({TMP_ID: (TMP_KEY, TOKEN)})
    with sdk(signed, Token=token) as client:
        error = refused(lambda: client.put_object(Bucket=signed.bucket, Key="t.txt", Body=b"t"))

    assert (error.get_status_code(), error.get_error_code()) == (status, code)
    assert signed.objects() == {}
    assert signature(signed.exchanges[-1]).part == part


# -- what a refusal leaves alone -----------------------------------------------------------------


def test_a_refused_request_writes_nothing(signed: CosCorsEndpoint) -> None:
    with sdk(signed) as good:
        good.put_object(Bucket=signed.bucket, Key="keep.txt", Body=b"keep")
    with sdk(signed, SecretKey="wrong") as bad:
        for call in (
            lambda: bad.put_object(Bucket=signed.bucket, Key="keep.txt", Body=b"overwritten"),
            lambda: bad.delete_object(Bucket=signed.bucket, Key="keep.txt"),
            lambda: bad.create_multipart_upload(Bucket=signed.bucket, Key="big.bin"),
            lambda: bad.put_bucket_cors(
                Bucket=signed.bucket,
                CORSConfiguration={
                    "CORSRule": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET"]}]
                },
            ),
            lambda: bad.delete_bucket_cors(Bucket=signed.bucket),
            lambda: bad.create_bucket(Bucket="newbucket-1250000000"),
        ):
            assert refused(call).get_error_code() == "SignatureDoesNotMatch"

    assert signed.objects() == {"keep.txt": b"keep"}
    configuration = signed.configuration()
    assert configuration is not None
    assert configuration.rules[0].allowed_origins == (APP,)
    with sdk(signed) as good:
        assert good.list_multipart_uploads(Bucket=signed.bucket).get("Upload") is None
        assert refused(lambda: good.head_bucket(Bucket="newbucket-1250000000")).get_status_code(
        ) == 404


def test_a_refused_head_has_no_body(signed: CosCorsEndpoint) -> None:
    with sdk(signed, SecretKey="wrong") as client:
        url = client.get_presigned_url(Bucket=signed.bucket, Key="a.txt", Method="HEAD")
    answer = requests.head(url, timeout=5)

    assert answer.status_code == 403
    assert answer.content == b""
    assert signed.exchanges[-1].signature is not None


# -- boto3: AWS SigV4 ----------------------------------------------------------------------------


def test_boto3_sigv4_with_the_right_key(signed: CosCorsEndpoint) -> None:
    with s3(signed, SECRET_ID, SECRET_KEY) as client:
        client.put_object(Bucket=signed.bucket, Key="s3/a b.txt", Body=b"sigv4")
        assert client.get_object(Bucket=signed.bucket, Key="s3/a b.txt")["Body"].read() == b"sigv4"
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": signed.bucket, "Key": "s3/a b.txt"}, ExpiresIn=60
        )
    assert requests.get(url, timeout=5).content == b"sigv4"
    checks = [e.signature for e in signed.exchanges]
    assert [(c.scheme, c.carrier, c.outcome) if c else None for c in checks] == [
        ("sigv4", "header", "verified"),
        ("sigv4", "header", "verified"),
        ("sigv4", "query", "verified"),
    ]


def test_boto3_sigv4_with_a_wrong_key(signed: CosCorsEndpoint) -> None:
    with s3(signed, SECRET_ID, "not-the-key") as client, pytest.raises(ClientError) as caught:
        client.put_object(Bucket=signed.bucket, Key="x.txt", Body=b"x")

    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert signed.objects() == {}
    exchange = signed.exchanges[-1]
    assert "the AWS SigV4 signature in the Authorization header" in exchange.reason
    assert "built from the canonical request 'PUT\\n/" in exchange.reason


def test_boto3_sigv4_with_a_session_token(signed: CosCorsEndpoint) -> None:
    signed.set_credentials({TMP_ID: (TMP_KEY, TOKEN)})
    with s3(signed, TMP_ID, TMP_KEY, aws_session_token=TOKEN) as client:
        client.put_object(Bucket=signed.bucket, Key="t.txt", Body=b"t")
    with s3(signed, TMP_ID, TMP_KEY) as client, pytest.raises(ClientError) as caught:
        client.put_object(Bucket=signed.bucket, Key="u.txt", Body=b"u")

    assert caught.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    assert signed.objects() == {"t.txt": b"t"}


def test_boto3_presigned_url_expires(signed: CosCorsEndpoint) -> None:
    with s3(signed, SECRET_ID, SECRET_KEY) as client:
        url = client.generate_presigned_url(
            "put_object", Params={"Bucket": signed.bucket, "Key": "late.txt"}, ExpiresIn=1
        )
    start = time.time()
    wait_past(start + 1)
    answer = requests.put(url, data=b"late", timeout=5)

    assert answer.status_code == 403
    assert error_fields(answer.content)["Message"] == "Request has expired"
    assert signed.objects() == {}


# -- raw requests and a signature built by hand --------------------------------------------------


def test_a_hand_built_signature(signed: CosCorsEndpoint) -> None:
    headers = {"Host": BUCKET_HOST, "Content-Type": "text/plain", "x-cos-meta-note": "signed"}
    authorization = hand_signed(SECRET_ID, SECRET_KEY, "PUT", "/hand.txt", headers)
    url = f"{signed.url}/hand.txt"

    good = requests.put(url, data=b"hand", headers={**headers, "Authorization": authorization})
    changed = {**headers, "x-cos-meta-note": "changed", "Authorization": authorization}
    bad = requests.put(url, data=b"changed", headers=changed)
    garbled = requests.put(url, data=b"x", headers={**headers, "Authorization": "q-sign-algorithm"})

    assert good.status_code == 200, good.text
    assert bad.status_code == 403
    fields = error_fields(bad.content)
    assert fields["Code"] == "SignatureDoesNotMatch"
    assert "x-cos-meta-note=changed" in fields["FormatString"]
    assert garbled.status_code == 400
    assert error_fields(garbled.content)["Code"] == "InvalidArgument"
    assert signed.objects() == {"hand.txt": b"hand"}
    assert [signature(e).part for e in signed.exchanges[1:]] == ["signature", "malformed"]
    assert "is malformed" in signed.exchanges[-1].reason


# -- anonymous requests, public buckets, preflights ----------------------------------------------


def test_with_credentials_an_unsigned_request_meets_the_acl(signed: CosCorsEndpoint) -> None:
    signed.add_bucket("open-1250000000", acl="public-read-write")
    private = requests.put(signed.url_for("a.txt"), data=b"a", timeout=5)
    public = requests.put(signed.url_for("a.txt", bucket="open-1250000000"), data=b"a", timeout=5)
    # The Python SDK's anonymous client sends an empty Authorization: no signature.
    with sdk(signed, Anonymous=True) as client:
        anonymous = refused(lambda: client.get_object(Bucket=signed.bucket, Key="a.txt"))

    assert (private.status_code, public.status_code) == (403, 200)
    assert error_fields(private.content)["Code"] == "AccessDenied"
    assert anonymous.get_error_code() == "AccessDenied"
    checks = [e.signature for e in signed.exchanges]
    assert all(c is not None and c.anonymous for c in checks)
    assert "signature refused" not in signed.exchanges[0].reason


def test_a_private_copy_source_needs_a_verified_signature(signed: CosCorsEndpoint) -> None:
    """The copy source's ACL reads anonymity from the verifier too."""
    signed.add_bucket("open-1250000000", acl="public-read-write")
    with sdk(signed) as client:
        client.put_object(Bucket=signed.bucket, Key="secret.txt", Body=b"secret")
        client.copy_object(
            Bucket="open-1250000000",
            Key="copied.txt",
            CopySource={"Bucket": signed.bucket, "Key": "secret.txt", "Region": signed.region},
        )
    source = f"{signed.bucket}.cos.{signed.region}.myqcloud.com/secret.txt"
    target = signed.url_for("leaked.txt", bucket="open-1250000000")
    # An empty Authorization is no signature (with credentials): the private source refuses.
    unsigned = requests.put(
        target, headers={"x-cos-copy-source": source, "Authorization": ""}, timeout=5
    )

    assert unsigned.status_code == 403
    assert error_fields(unsigned.content)["Code"] == "AccessDenied"
    assert signed.objects("open-1250000000") == {"copied.txt": b"secret"}
    assert signature(signed.exchanges[-1]).anonymous


def test_a_bad_signature_is_refused_on_a_public_bucket_too() -> None:
    with CosCorsEndpoint(acl="public-read-write", credentials=CREDENTIALS) as endpoint:
        with sdk(endpoint, SecretKey="wrong") as client:
            error = refused(
                lambda: client.put_object(Bucket=endpoint.bucket, Key="a.txt", Body=b"a")
            )
        assert error.get_error_code() == "SignatureDoesNotMatch"
        assert endpoint.objects() == {}


def test_a_preflight_never_needs_a_signature(signed: CosCorsEndpoint) -> None:
    headers = {
        "Origin": APP,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,x-cos-security-token",
    }
    plain = requests.options(signed.url_for("a.txt"), headers=headers, timeout=5)
    garbage = requests.options(
        signed.url_for("a.txt"), headers={**headers, "Authorization": "nonsense"}, timeout=5
    )

    assert (plain.status_code, garbage.status_code) == (200, 200)
    assert all(e.signature is None for e in signed.preflights)
    signed.assert_preflight_allowed(APP, "PUT", "authorization,x-cos-security-token")


def test_a_refusal_from_a_browser_origin_carries_the_cors_headers(signed: CosCorsEndpoint) -> None:
    with sdk(signed, SecretKey="wrong") as client:
        url = client.get_presigned_url(Bucket=signed.bucket, Key="a.txt", Method="PUT")
    answer = requests.put(url, data=b"a", headers={"Origin": APP}, timeout=5)
    other = requests.put(url, data=b"a", headers={"Origin": "https://evil.example"}, timeout=5)

    assert answer.status_code == 403
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert answer.headers["Access-Control-Expose-Headers"] == "ETag"
    assert other.status_code == 403
    assert "Access-Control-Allow-Origin" not in other.headers
    signed.assert_request_allowed(APP, "PUT")
    signed.assert_request_denied("https://evil.example", "PUT", reason="does not match")
    signed.assert_signature_refused("PUT", code="SignatureDoesNotMatch")


# -- changing credentials; none at all -----------------------------------------------------------


def test_set_credentials_swaps_them_and_none_turns_verification_off(
    signed: CosCorsEndpoint,
) -> None:
    with sdk(signed) as client:  # signs with SECRET_ID, as cos_config() was called now
        client.put_object(Bucket=signed.bucket, Key="a.txt", Body=b"a")
        signed.set_credentials({"AKIDrotated": "rotated-key"})
        error = refused(lambda: client.put_object(Bucket=signed.bucket, Key="b.txt", Body=b"b"))
        signed.set_credentials(None)
        client.put_object(Bucket=signed.bucket, Key="c.txt", Body=b"c")

    assert error.get_error_code() == "InvalidAccessKeyId"
    assert set(signed.objects()) == {"a.txt", "c.txt"}
    assert signed.credentials is None
    assert signed.exchanges[-1].signature is None


def test_credentials_are_checked_and_copied() -> None:
    mine: dict[str, Any] = {"AKIDa": "key-a"}
    endpoint = CosCorsEndpoint(credentials=mine)
    mine["AKIDb"] = "key-b"
    assert dict(endpoint.credentials or {}) == {"AKIDa": "key-a"}
    with pytest.raises(TypeError, match="credentials must be a mapping SecretId -> SecretKey"):
        CosCorsEndpoint(credentials=[("AKIDa", "key-a")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the SecretKey of 'AKIDa' must be a non-empty string"):
        endpoint.set_credentials({"AKIDa": ""})
    with pytest.raises(TypeError, match=r"a \(SecretKey, SessionToken\) pair"):
        endpoint.set_credentials({"AKIDa": ["key", "token"]})  # type: ignore[dict-item]
    assert dict(endpoint.credentials or {}) == {"AKIDa": "key-a"}


def test_without_credentials_any_signature_is_accepted_as_before() -> None:
    with CosCorsEndpoint(acl="private") as endpoint:
        with sdk(endpoint, SecretId="AKIDwhoever", SecretKey="whatever") as client:
            client.put_object(Bucket=endpoint.bucket, Key="a.txt", Body=b"a")
        bogus = requests.get(
            endpoint.url_for("a.txt"), headers={"Authorization": "nonsense"}, timeout=5
        )
        anonymous = requests.get(endpoint.url_for("a.txt"), timeout=5)
        assert (bogus.status_code, anonymous.status_code) == (200, 403)
        assert all(e.signature is None for e in endpoint.exchanges)
        assert endpoint.credentials is None


# -- the record ----------------------------------------------------------------------------------


def test_the_report_section_shows_each_signature(signed: CosCorsEndpoint) -> None:
    with sdk(signed) as client:
        client.put_object(Bucket=signed.bucket, Key="a.txt", Body=b"a")
    with sdk(signed, SecretKey="wrong") as client:
        refused(lambda: client.get_object(Bucket=signed.bucket, Key="a.txt"))
    requests.get(signed.url_for("a.txt"), timeout=5)

    text = describe_exchanges([signed])
    assert (
        "1. PUT examplebucket-1250000000/a.txt -> 200 [PutObject]\n"
        f"    signature: the COS signature in the Authorization header of SecretId {SECRET_ID!r}"
        " verified\n"
    ) in text
    assert (
        "2. GET examplebucket-1250000000/a.txt -> 403 [GetObject]\n"
        "    signature refused (403 SignatureDoesNotMatch): the COS signature in the "
        f"Authorization header of SecretId {SECRET_ID!r} does not match: "
    ) in text
    assert text.endswith(
        "3. GET examplebucket-1250000000/a.txt -> 403 [GetObject]\n"
        "    signature: none, an anonymous request"
    )


def test_assert_signature_refused_explains_a_request_that_was_not(
    signed: CosCorsEndpoint,
) -> None:
    with sdk(signed) as client:
        client.put_object(Bucket=signed.bucket, Key="a.txt", Body=b"a")

    with pytest.raises(AssertionError) as caught:
        signed.assert_signature_refused("PUT", "a.txt")
    assert str(caught.value) == (
        "expected a recorded request (method='PUT', path='a.txt') refused for its signature, "
        "but the one matching was not\n"
        "- PUT examplebucket-1250000000/a.txt -> 200: signature: the COS signature in the "
        f"Authorization header of SecretId {SECRET_ID!r} verified\n"
        "recorded requests (1):\n"
        "  1. PUT examplebucket-1250000000/a.txt -> 200: signature: the COS signature in the "
        f"Authorization header of SecretId {SECRET_ID!r} verified"
    )
    with pytest.raises(AssertionError, match=r"^expected a recorded request \(method='GET'\)"):
        signed.assert_signature_refused("GET")


def test_the_request_helpers_show_the_signature(signed: CosCorsEndpoint) -> None:
    with sdk(signed, SecretKey="wrong") as client:
        url = client.get_presigned_url(Bucket=signed.bucket, Key="a.txt", Method="PUT")
    requests.put(url, data=b"a", headers={"Origin": "https://evil.example"}, timeout=5)

    with pytest.raises(AssertionError) as caught:
        signed.assert_request_allowed("https://evil.example", "PUT")
    lines = str(caught.value).splitlines()
    assert lines[1] == (
        "- PUT examplebucket-1250000000/a.txt origin='https://evil.example' -> 403 DENIED: "
        "origin 'https://evil.example' does not match any rule's AllowedOrigin"
    )
    assert lines[2:6] == [
        "  nearest rule rules[0]: AllowedOrigin=['https://app.example.com'], "
        "AllowedMethod=['PUT', 'GET', 'HEAD', 'DELETE'], AllowedHeader=['*']",
        "    failed on: AllowedOrigin does not match 'https://evil.example'",
        "  CORS headers: none",
        "  preflight: not checked (not a browser's CORS request)",
    ]
    assert lines[6].startswith(
        "  signature refused (403 SignatureDoesNotMatch): the COS signature in the URL query of "
        f"SecretId {SECRET_ID!r} does not match: "
    )
    assert lines[-1].startswith(
        "  1. PUT examplebucket-1250000000/a.txt origin='https://evil.example' -> 403 DENIED "
        "(above)"
    )
