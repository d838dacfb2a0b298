"""COS's own worked examples (the "Request Signature" page, 436/7778: its SecretId and SecretKey,
its requests, its intermediate strings and signatures), a hand-built bad signature, malformed
signatures, and requests without any."""

from __future__ import annotations

import time

import pytest
import requests

from pytest_cos_cors.signatures import SignedRequest, verify_signature

from .conftest import (
    CREDENTIALS,
    SECRET_ID,
    SECRET_KEY,
    assert_refused,
    assert_verified,
    from_prepared,
    hand_sign,
    replace_header,
    with_query,
)

DOC_ID = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
DOC_KEY = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
DOC_CREDENTIALS = {DOC_ID: DOC_KEY}
DOC_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
#: ``/exampleobject(腾讯云)`` as sent.
DOC_PATH = "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)"

PUT_AUTHORIZATION = (
    f"q-sign-algorithm=sha1&q-ak={DOC_ID}&q-sign-time=1557989151;1557996351"
    "&q-key-time=1557989151;1557996351"
    "&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read"
    "&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172"
)
PUT_REQUEST = SignedRequest(
    "PUT",
    DOC_PATH,
    "",
    (
        ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
        ("Host", DOC_HOST),
        ("Content-Type", "text/plain"),
        ("Content-Length", "13"),
        ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
        ("x-cos-acl", "private"),
        ("x-cos-grant-read", 'uin="100000000011"'),
        ("Authorization", PUT_AUTHORIZATION),
    ),
)
PUT_HTTP_STRING = (
    "put\n/exampleobject(腾讯云)\n\ncontent-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D"
    "&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT"
    "&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private"
    "&x-cos-grant-read=uin%3D%22100000000011%22\n"
)
PUT_STRING_TO_SIGN = "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n"
#: A moment inside the PUT example's window.
PUT_NOW = 1557989200.0

GET_REQUEST = SignedRequest(
    "GET",
    DOC_PATH,
    "response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600",
    (
        ("Date", "Thu, 16 May 2019 06:55:53 GMT"),
        ("Host", DOC_HOST),
        (
            "Authorization",
            f"q-sign-algorithm=sha1&q-ak={DOC_ID}&q-sign-time=1557989753;1557996953"
            "&q-key-time=1557989753;1557996953&q-header-list=date;host"
            "&q-url-param-list=response-cache-control;response-content-type"
            "&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012",
        ),
    ),
)
GET_STRING_TO_SIGN = "sha1\n1557989753;1557996953\n54ecfe22f59d3514fdc764b87a32d8133ea611e6\n"
GET_NOW = 1557990000.0


def test_the_documented_upload_is_verified_with_the_documented_strings() -> None:
    check = verify_signature(PUT_REQUEST, DOC_CREDENTIALS, now=PUT_NOW)
    assert_verified(check, DOC_ID)
    assert (check.scheme, check.carrier) == ("cos", "header")
    assert check.signed_text == PUT_HTTP_STRING
    assert check.string_to_sign == PUT_STRING_TO_SIGN


def test_the_documented_download_with_parameters_is_verified() -> None:
    check = verify_signature(GET_REQUEST, DOC_CREDENTIALS, now=GET_NOW)
    assert_verified(check, DOC_ID)
    assert check.string_to_sign == GET_STRING_TO_SIGN


def test_the_documented_example_is_expired_on_the_real_clock() -> None:
    check = verify_signature(PUT_REQUEST, DOC_CREDENTIALS)
    assert_refused(check, "AccessDenied", "expired", DOC_ID, "q-sign-time 1557989151;1557996351")
    assert (check.status, check.message) == (403, "Request has expired")
    assert "2019-05-16T08:45:51Z" in check.reason


def test_a_signed_header_changed_after_signing_shows_what_the_fake_signed() -> None:
    changed = replace_header(PUT_REQUEST, "x-cos-acl", "public-read")
    check = verify_signature(changed, DOC_CREDENTIALS, now=PUT_NOW)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "x-cos-acl")
    assert (check.status, check.message) == (403, "The Signature you specified is invalid.")
    assert check.signed_text == PUT_HTTP_STRING.replace(
        "x-cos-acl=private", "x-cos-acl=public-read"
    )
    assert check.string_to_sign is not None
    # The reason carries both strings on one line, newlines written \n as COS's page writes them.
    assert check.string_to_sign.replace("\n", "\\n") in check.reason
    assert "x-cos-acl=public-read" in check.reason
    assert "\n" not in check.reason


def test_a_signed_parameter_changed_after_signing_is_refused() -> None:
    changed = with_query(GET_REQUEST, GET_REQUEST.query.replace("600", "60"))
    check = verify_signature(changed, DOC_CREDENTIALS, now=GET_NOW)
    assert_refused(check, "SignatureDoesNotMatch", "signature", "response-cache-control")
    assert check.signed_text is not None
    assert "response-cache-control=max-age%3D60&" in check.signed_text


def test_the_oracle_reproduces_the_documented_signature() -> None:
    signature = hand_sign(DOC_KEY, PUT_HTTP_STRING, sign_time="1557989151;1557996351")
    assert signature == "3b8851a11a569213c17ba8fa7dcf2abec6935172"


def test_a_signature_made_over_the_percent_encoded_path_is_named() -> None:
    """A backend that signs the path as sent instead of decoded: the reason says so."""
    wrong = PUT_HTTP_STRING.replace("/exampleobject(腾讯云)", DOC_PATH)
    signature = hand_sign(DOC_KEY, wrong, sign_time="1557989151;1557996351")
    auth = PUT_AUTHORIZATION.replace("3b8851a11a569213c17ba8fa7dcf2abec6935172", signature)
    request = replace_header(PUT_REQUEST, "Authorization", auth)
    check = verify_signature(request, DOC_CREDENTIALS, now=PUT_NOW)
    assert_refused(check, "SignatureDoesNotMatch", "path", "percent-encoded", DOC_PATH)


def _timed(sign_time: str, key_time: str) -> SignedRequest:
    """The documented download signed again with other windows."""
    http_string = "get\n/notes.txt\n\nhost=examplebucket-1250000000.cos.ap-beijing.myqcloud.com\n"
    signature = hand_sign(SECRET_KEY, http_string, sign_time=sign_time, key_time=key_time)
    authorization = (
        f"q-sign-algorithm=sha1&q-ak={SECRET_ID}&q-sign-time={sign_time}&q-key-time={key_time}"
        f"&q-header-list=host&q-url-param-list=&q-signature={signature}"
    )
    return SignedRequest(
        "GET",
        "/notes.txt",
        "",
        (
            ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
            ("Authorization", authorization),
        ),
    )


def test_both_windows_are_held_against_the_real_clock() -> None:
    now = int(time.time())
    assert_verified(
        verify_signature(_timed(f"{now - 5};{now + 60}", f"{now - 5};{now + 60}"), CREDENTIALS),
        SECRET_ID,
    )
    key_ended = _timed(f"{now - 5};{now + 60}", f"{now - 100};{now - 40}")
    assert_refused(
        verify_signature(key_ended, CREDENTIALS), "AccessDenied", "expired", "q-key-time", "ago"
    )
    sign_later = _timed(f"{now + 30};{now + 60}", f"{now - 5};{now + 60}")
    check = verify_signature(sign_later, CREDENTIALS)
    assert_refused(check, "RequestTimeTooSkewed", "not-yet-valid", f"q-sign-time {now + 30};")
    assert check.message == (
        "The difference between the request time and the current time is too large."
    )


def test_a_hand_built_bad_signature_sent_with_requests_is_refused() -> None:
    authorization = (
        f"q-sign-algorithm=sha1&q-ak={SECRET_ID}&q-sign-time=1700000000;4000000000"
        "&q-key-time=1700000000;4000000000&q-header-list=host&q-url-param-list="
        "&q-signature=" + "0" * 40
    )
    prepared = requests.Request(
        "GET",
        "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/notes.txt",
        headers={"Authorization": authorization},
    ).prepare()
    check = verify_signature(from_prepared(prepared), CREDENTIALS)
    assert_refused(check, "SignatureDoesNotMatch", "signature", SECRET_ID, "'/notes.txt'")
    assert check.signed_text == (
        "get\n/notes.txt\n\nhost=examplebucket-1250000000.cos.ap-beijing.myqcloud.com\n"
    )


@pytest.mark.parametrize(
    ("authorization", "words"),
    [
        ("q-sign-algorithm=sha1&q-ak=X", ["q-sign-time", "q-key-time", "q-signature"]),
        ("q-ak=X&q-sign-time=1;2&q-key-time=1;2&q-signature=ab", ["q-sign-algorithm"]),
        (
            "q-sign-algorithm=md5&q-ak=X&q-sign-time=1;2&q-key-time=1;2&q-signature=ab",
            ["'md5'", "sha1"],
        ),
        (
            "q-sign-algorithm=sha1&q-ak=X&q-sign-time=soon&q-key-time=1;2&q-signature=ab",
            ["q-sign-time 'soon'"],
        ),
        (
            "q-sign-algorithm=sha1&q-ak=X&q-sign-time=9;2&q-key-time=1;2&q-signature=ab",
            ["ends before it starts"],
        ),
        ("q-sign-algorithm=sha1&q-ak", ["'q-ak' is not name=value"]),
        ("Bearer abc", ["'Bearer abc' is not name=value"]),
        (
            "q-sign-algorithm=sha1&q-ak=X&q-ak=Y&q-sign-time=1;2&q-key-time=1;2&q-signature=ab",
            ["q-ak twice"],
        ),
    ],
)
def test_a_malformed_authorization_is_refused_with_invalid_argument(
    authorization: str, words: list[str]
) -> None:
    request = SignedRequest("GET", "/a.txt", "", (("Authorization", authorization),))
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "InvalidArgument", "malformed", "Authorization header", *words)
    assert check.status == 400


def test_a_malformed_presigned_url_is_refused_with_invalid_argument() -> None:
    request = SignedRequest("GET", "/a.txt", f"q-sign-algorithm=sha1&q-ak={SECRET_ID}")
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "InvalidArgument", "malformed", "URL query", "q-signature")


@pytest.mark.parametrize(
    "request_",
    [
        SignedRequest("GET", "/a.txt"),
        SignedRequest("GET", "/a.txt", "response-content-type=text%2Fplain&acl"),
        # The Python SDK's anonymous requests send an empty Authorization.
        SignedRequest("GET", "/a.txt", "", (("Authorization", ""),)),
        SignedRequest("GET", "/a.txt", "sign=notacossignature"),
    ],
)
def test_a_request_without_a_signature_is_anonymous(request_: SignedRequest) -> None:
    check = verify_signature(request_, CREDENTIALS)
    assert check.anonymous
    assert check.accepted
    assert not check.refused
    assert (check.scheme, check.secret_id, check.status) == (None, None, None)


def test_a_signature_is_checked_even_when_the_endpoint_has_no_credentials() -> None:
    check = verify_signature(PUT_REQUEST, {}, now=PUT_NOW)
    assert_refused(check, "InvalidAccessKeyId", "secret-id", DOC_ID, "it has none")
