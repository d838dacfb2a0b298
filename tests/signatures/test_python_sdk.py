"""The official Python SDK (``cos-python-sdk-v5``) as the signer: ``CosS3Auth`` over a
``requests.PreparedRequest`` (what every ``CosS3Client`` call sends) and ``get_presigned_url``.
Each signature is verified, then refused once spoilt in each way a test can spoil it."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_auth import CosS3Auth

from pytest_cos_cors.signatures import SignedRequest, verify_signature

from .conftest import (
    BUCKET,
    BUCKET_HOST,
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
    from_prepared,
    header,
    replace_header,
    sign_time_end,
    wait_past,
    with_method,
    with_path,
    with_query,
)

KEY = "folder/a b 中文.txt"


def config(secret_id: str = SECRET_ID, secret_key: str = SECRET_KEY, **extra: Any) -> Any:
    return CosConfig(Region=REGION, SecretId=secret_id, SecretKey=secret_key, **extra)


def sdk_request(
    method: str = "PUT",
    key: str = KEY,
    *,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    expire: int = 300,
) -> SignedRequest:
    """A request signed by ``CosS3Auth`` exactly as ``CosS3Client.send_request`` prepares it:
    the token, when there is one, in ``x-cos-security-token`` before signing."""
    conf = config(secret_id, secret_key, Token=token)
    fields = dict(headers or {})
    if token is not None:
        fields["x-cos-security-token"] = token
    prepared = requests.Request(
        method, conf.uri(bucket=BUCKET, path=key), headers=fields, params=params or {}
    ).prepare()
    CosS3Auth(conf, key, params or {}, expire)(prepared)
    return from_prepared(prepared)


def presigned(
    method: str = "GET",
    key: str = KEY,
    *,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    expired: int = 300,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **conf_extra: Any,
) -> str:
    client = CosS3Client(config(secret_id, secret_key, **conf_extra))
    url: str = client.get_presigned_url(
        Bucket=BUCKET,
        Key=key,
        Method=method,
        Expired=expired,
        Params=params or {},
        Headers=headers or {},
    )
    return url


# -- header signatures ---------------------------------------------------------------------------


def test_a_header_signature_is_verified() -> None:
    request = sdk_request()
    assert header(request, "Host") == BUCKET_HOST
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert (check.scheme, check.carrier) == ("cos", "header")
    # COS signs the decoded path.
    assert check.signed_text is not None
    assert check.signed_text.startswith(f"put\n/{KEY}\n")


def test_extra_signed_headers_and_parameters_are_verified() -> None:
    request = sdk_request(
        "GET",
        headers={"Range": "bytes=0-9", "x-cos-meta-note": "a b/c", "Content-Type": "text/plain"},
        params={"response-content-disposition": "attachment; filename=a b.txt"},
    )
    # requests encodes the space in the query as '+'; the SDK signed it as %20.
    assert "+" in request.query
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert check.signed_text is not None
    assert "content-type=text%2Fplain" in check.signed_text
    assert "range=bytes%3D0-9" in check.signed_text
    assert "response-content-disposition=attachment%3B%20filename%3Da%20b.txt" in check.signed_text


def test_values_are_url_encoded_as_cos_encodes_them() -> None:
    """Everything but ``A-Z a-z 0-9 - _ . ~`` is encoded, ``!'()*`` and ``/`` included."""
    value = "a!'()*b c/d~e_f.g-h+i=j&k;中"
    request = sdk_request(headers={"x-cos-meta-note": value}, params={"tagging": value})
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    encoded = "a%21%27%28%29%2Ab%20c%2Fd~e_f.g-h%2Bi%3Dj%26k%3B%E4%B8%AD"
    assert f"x-cos-meta-note={encoded}" in (check.signed_text or "")
    assert f"tagging={encoded}" in (check.signed_text or "")


def test_a_temporary_key_with_its_token_is_verified() -> None:
    request = sdk_request(secret_id=TMP_ID, secret_key=TMP_KEY, token=TOKEN)
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, TMP_ID, temporary=True)
    assert "temporary key" in check.reason


def test_the_token_of_a_permanent_key_is_ignored() -> None:
    request = sdk_request(token="a-token-nobody-asked-for")
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)


def test_the_wrong_secret_key_is_refused() -> None:
    check = verify_signature(sdk_request(secret_key="not-the-key"), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", SECRET_ID, "another SecretKey")
    assert check.string_to_sign is not None
    assert check.signed_text is not None


def test_the_secret_key_of_another_secret_id_is_named() -> None:
    check = verify_signature(sdk_request(secret_key=OTHER_KEY), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "secret-key", repr(OTHER_ID), repr(SECRET_ID))


def test_an_unknown_secret_id_is_refused() -> None:
    check = verify_signature(sdk_request(secret_id=STRANGER_ID), CREDENTIALS)
    assert_refused(check, "InvalidAccessKeyId", "secret-id", STRANGER_ID, repr(SECRET_ID))
    assert check.status == 403


def test_a_changed_method_is_named() -> None:
    check = verify_signature(with_method(sdk_request("PUT"), "DELETE"), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "method", "made for PUT", "request is DELETE")


def test_a_changed_path_is_refused() -> None:
    check = verify_signature(with_path(sdk_request(), "/folder/other.txt"), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "'/folder/other.txt'")
    assert check.signed_text is not None
    assert "\n/folder/other.txt\n" in check.signed_text


def test_a_changed_header_is_refused() -> None:
    request = sdk_request(headers={"x-cos-meta-note": "signed"})
    check = verify_signature(replace_header(request, "x-cos-meta-note", "changed"), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "x-cos-meta-note")
    assert "x-cos-meta-note=changed" in (check.signed_text or "")


def test_a_signed_header_left_out_is_named() -> None:
    request = sdk_request(headers={"Content-Type": "image/png"})
    check = verify_signature(replace_header(request, "Content-Type", None), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "header-missing", "'content-type'")


def test_a_changed_parameter_is_refused() -> None:
    request = sdk_request("GET", params={"response-content-type": "text/plain"})
    changed = with_query(request, "response-content-type=text%2Fhtml")
    check = verify_signature(changed, CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "response-content-type")
    assert "response-content-type=text%2Fhtml" in (check.signed_text or "")


def test_a_signed_parameter_left_out_is_named() -> None:
    request = sdk_request("GET", params={"versionId": "v1"})
    check = verify_signature(with_query(request, ""), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "param-missing", "'versionid'")


def test_an_expired_header_signature_is_refused_on_the_real_clock() -> None:
    request = sdk_request(expire=1)
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
    end = sign_time_end(header(request, "Authorization"))
    wait_past(end)
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "AccessDenied", "expired", SECRET_ID, "ago", f"({end})")
    assert check.message == "Request has expired"


def test_a_temporary_key_without_its_token_is_refused() -> None:
    request = sdk_request(secret_id=TMP_ID, secret_key=TMP_KEY)
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "InvalidAccessKeyId", "token-missing", TMP_ID, "x-cos-security-token")


def test_a_temporary_key_with_another_token_is_refused() -> None:
    request = sdk_request(secret_id=TMP_ID, secret_key=TMP_KEY, token="stale-session-token")
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "InvalidToken", "token-wrong", TMP_ID, "'stale-se…'")
    assert check.status == 400


def test_a_host_signed_without_the_port_matches_a_host_header_with_it() -> None:
    """The SDK signs ``urlparse(url).hostname``; a fake on port 8123 receives ``Host`` with it."""
    conf = CosConfig(
        Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, IP="127.0.0.1", Port=8123
    )
    prepared = requests.Request("GET", conf.uri(bucket=BUCKET, path="a.txt")).prepare()
    CosS3Auth(conf, "a.txt")(prepared)
    request = from_prepared(prepared)
    assert header(request, "Host") == "127.0.0.1:8123"
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
    # ... and only the port is forgiven.
    spoilt = replace_header(request, "Host", "127.0.0.2:8123")
    assert verify_signature(spoilt, CREDENTIALS).part == "signature"


def test_a_path_style_request_may_be_signed_over_the_key_alone() -> None:
    conf = config()
    prepared = requests.Request(
        "GET", f"https://cos.{REGION}.myqcloud.com/{BUCKET}/a.txt"
    ).prepare()
    CosS3Auth(conf, "a.txt")(prepared)
    request = from_prepared(prepared, key="a.txt")
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
    without_key = from_prepared(prepared)
    assert verify_signature(without_key, CREDENTIALS).refused


# -- presigned URLs ------------------------------------------------------------------------------


def test_a_presigned_url_is_verified() -> None:
    url = presigned()
    check = verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert (check.scheme, check.carrier) == ("cos", "query")


def test_a_presigned_url_with_parameters_and_headers_is_verified() -> None:
    url = presigned(
        "PUT",
        params={"x-cos-traffic-limit": "819200"},
        headers={"Content-Type": "image/png"},
    )
    request = SignedRequest.from_url("PUT", url, {"Content-Type": "image/png"})
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
    other_type = SignedRequest.from_url("PUT", url, {"Content-Type": "image/gif"})
    assert_refused(
        verify_signature(other_type, CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        "content-type",
    )
    no_type = SignedRequest.from_url("PUT", url)
    assert_refused(
        verify_signature(no_type, CREDENTIALS),
        "SignatureDoesNotMatch",
        "header-missing",
        "'content-type'",
    )


def test_a_presigned_url_for_a_temporary_key_carries_its_token_as_a_parameter() -> None:
    url = presigned(secret_id=TMP_ID, secret_key=TMP_KEY, params={"x-cos-security-token": TOKEN})
    assert_verified(
        verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS), TMP_ID, temporary=True
    )
    without = presigned(secret_id=TMP_ID, secret_key=TMP_KEY)
    check = verify_signature(SignedRequest.from_url("GET", without), CREDENTIALS)
    assert_refused(check, "InvalidAccessKeyId", "token-missing", TMP_ID)
    wrong = presigned(
        secret_id=TMP_ID, secret_key=TMP_KEY, params={"x-cos-security-token": "x" * 20}
    )
    check = verify_signature(SignedRequest.from_url("GET", wrong), CREDENTIALS)
    assert_refused(check, "InvalidToken", "token-wrong", TMP_ID)


def test_a_presigned_url_used_with_another_method_is_named() -> None:
    request = SignedRequest.from_url("DELETE", presigned("GET"))
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "method", "made for GET", "request is DELETE")


def test_a_presigned_url_for_another_key_is_refused() -> None:
    url = presigned(key="mine.txt").replace("/mine.txt?", "/yours.txt?")
    check = verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "'/yours.txt'")


def test_a_presigned_url_with_a_parameter_changed_is_refused() -> None:
    url = presigned(params={"response-content-type": "text/plain"})
    assert "response-content-type=text%2Fplain" in url
    changed = url.replace("response-content-type=text%2Fplain", "response-content-type=text%2Fhtml")
    check = verify_signature(SignedRequest.from_url("GET", changed), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "response-content-type")


def test_a_presigned_url_signed_with_the_wrong_key_or_id_is_refused() -> None:
    wrong_key = presigned(secret_key="not-the-key")
    assert_refused(
        verify_signature(SignedRequest.from_url("GET", wrong_key), CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        SECRET_ID,
    )
    stranger = presigned(secret_id=STRANGER_ID)
    assert_refused(
        verify_signature(SignedRequest.from_url("GET", stranger), CREDENTIALS),
        "InvalidAccessKeyId",
        "secret-id",
        STRANGER_ID,
    )


def test_an_expired_presigned_url_is_refused_on_the_real_clock() -> None:
    url = presigned(expired=1)
    request = SignedRequest.from_url("GET", url)
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
    end = sign_time_end(request.query)
    wait_past(end)
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "AccessDenied", "expired", "URL query", SECRET_ID, "ago")
    assert check.status == 403


def test_a_presigned_url_of_the_ip_port_configuration_is_verified() -> None:
    """What ``cos_cors.cos_config()`` users get: ``http://127.0.0.1:PORT/key?q-...``, ``host``
    signed without the port."""
    url = presigned(key="a.txt", IP="127.0.0.1", Port=8123, Scheme="http")
    assert url.startswith("http://127.0.0.1:8123/a.txt?")
    assert_verified(verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS), SECRET_ID)


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD", "DELETE", "POST"])
def test_get_auth_signs_each_method_the_verifier_accepts(method: str) -> None:
    client = CosS3Client(config())
    authorization = client.get_auth(Method=method, Bucket=BUCKET, Key="a.txt", Expired=60)
    request = SignedRequest(
        method, "/a.txt", "", (("Host", BUCKET_HOST), ("Authorization", authorization))
    )
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)
