"""The verifier's input and output: ``SignedRequest`` (from a URL, from a WSGI environ), how the
query and headers are read, the credentials mapping, and ``SignatureCheck`` with COS's refusal
table."""

from __future__ import annotations

import pytest

from pytest_cos_cors import CosError
from pytest_cos_cors.signatures import (
    REFUSALS,
    Credential,
    SignatureCheck,
    SignedRequest,
    check_credentials,
    verify_signature,
)
from pytest_cos_cors.signatures.credentials import credential
from pytest_cos_cors.signatures.request import RequestView
from pytest_cos_cors.signatures.result import duration, shown

from .conftest import (
    CREDENTIALS,
    SECRET_ID,
    SECRET_KEY,
    TMP_ID,
    TMP_KEY,
    TOKEN,
    hand_sign,
)

HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"

# -- SignedRequest -------------------------------------------------------------------------------


def test_from_url_keeps_the_path_and_query_as_written_and_adds_host() -> None:
    request = SignedRequest.from_url(
        "PUT", f"https://{HOST}:8443/a%20b.txt?acl&x=1%2B1", {"X-Cos-Acl": "private"}
    )
    assert (request.method, request.path, request.query) == ("PUT", "/a%20b.txt", "acl&x=1%2B1")
    assert request.headers == (("X-Cos-Acl", "private"), ("Host", f"{HOST}:8443"))
    assert SignedRequest.from_url("GET", "http://h/", [("host", "other")]).headers == (
        ("host", "other"),
    )
    assert SignedRequest.from_url("GET", "http://h").path == "/"


def test_from_environ_reads_the_target_as_sent_and_the_header_fields() -> None:
    environ = {
        "REQUEST_METHOD": "PUT",
        # WSGI carries the UTF-8 bytes of the target as Latin-1 text.
        "REQUEST_URI": "/a%20b/中.txt?acl&x=1".encode().decode("latin-1"),
        "PATH_INFO": "/a b/中.txt",
        "QUERY_STRING": "acl&x=1",
        "HTTP_HOST": HOST,
        "HTTP_X_COS_META_NOTE": "hi",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "",
        "wsgi.url_scheme": "http",
    }
    request = SignedRequest.from_environ(environ, key="a b/中.txt")
    assert (request.method, request.path, request.query) == ("PUT", "/a%20b/中.txt", "acl&x=1")
    assert sorted(request.headers) == [
        ("content-type", "text/plain"),
        ("host", HOST),
        ("x-cos-meta-note", "hi"),
    ]
    assert request.key == "a b/中.txt"


def test_from_environ_falls_back_on_path_info_and_reads_absolute_targets() -> None:
    request = SignedRequest.from_environ(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/a b.txt", "QUERY_STRING": "x=1"}
    )
    assert (request.path, request.query) == ("/a%20b.txt", "x=1")
    absolute = SignedRequest.from_environ(
        {"REQUEST_METHOD": "GET", "REQUEST_URI": f"http://{HOST}/k.txt?acl"}
    )
    assert (absolute.path, absolute.query) == ("/k.txt", "acl")


def test_a_request_from_an_environ_is_verified() -> None:
    http_string = f"get\n/a b.txt\nacl=\nhost={HOST}\n"
    window = "1700000000;4000000000"
    authorization = (
        f"q-sign-algorithm=sha1&q-ak={SECRET_ID}&q-sign-time={window}&q-key-time={window}"
        "&q-header-list=host&q-url-param-list=acl&q-signature="
        + hand_sign(SECRET_KEY, http_string, sign_time=window)
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "REQUEST_URI": "/a%20b.txt?acl",
        "HTTP_HOST": HOST,
        "HTTP_AUTHORIZATION": authorization,
    }
    check = verify_signature(SignedRequest.from_environ(environ), CREDENTIALS)
    assert check.verified, check.reason
    assert check.signed_text == http_string


def test_the_query_is_read_as_a_form_and_named_as_cos_signs_it() -> None:
    view = RequestView(SignedRequest("GET", "/", "a+b=c+d&acl&&X-Y=%2F&x-y=second&%E4%B8%AD=1"))
    assert view.pairs() == [
        ("a+b", "c+d", "a b", "c d"),
        ("acl", "", "acl", ""),
        ("X-Y", "%2F", "X-Y", "/"),
        ("x-y", "second", "x-y", "second"),
        ("%E4%B8%AD", "1", "中", "1"),
    ]
    assert view.param("x-y") == "/"
    assert view.param("missing") is None
    assert view.cos_params() == {"a%20b": "c d", "acl": "", "x-y": "/", "%e4%b8%ad": "1"}


def test_repeated_header_fields_are_joined_and_names_lower_cased() -> None:
    view = RequestView(SignedRequest("GET", "/", "", (("X-A", "1"), ("x-a", "2"), ("Host", "h"))))
    assert view.headers == {"x-a": "1,2", "host": "h"}


# -- credentials ---------------------------------------------------------------------------------


def test_credentials_are_read_from_the_mapping_on_every_request() -> None:
    live: dict[str, str | tuple[str, str]] = {SECRET_ID: SECRET_KEY}
    assert credential(live, SECRET_ID) == Credential(SECRET_ID, SECRET_KEY)
    live[SECRET_ID] = (TMP_KEY, TOKEN)
    found = credential(live, SECRET_ID)
    assert found == Credential(SECRET_ID, TMP_KEY, TOKEN)
    assert found is not None
    assert found.temporary
    assert credential(live, TMP_ID) is None


def test_check_credentials_accepts_both_forms() -> None:
    assert check_credentials(CREDENTIALS)[TMP_ID] == Credential(TMP_ID, TMP_KEY, TOKEN)
    assert check_credentials({}) == {}


@pytest.mark.parametrize(
    ("credentials", "error", "words"),
    [
        ([("id", "key")], TypeError, "mapping"),
        ({"": "key"}, ValueError, "SecretId"),
        ({"id": ""}, ValueError, "SecretKey of 'id'"),
        ({"id": 42}, TypeError, "'id'"),
        ({"id": ("key",)}, TypeError, "pair"),
        ({"id": ("key", "")}, ValueError, "session token of 'id'"),
        ({"id": ("", "token")}, ValueError, "SecretKey of 'id'"),
    ],
)
def test_check_credentials_names_the_entry_at_fault(
    credentials: object, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        check_credentials(credentials)


# -- SignatureCheck ------------------------------------------------------------------------------


def test_the_refusal_table_is_cos_s() -> None:
    assert {
        "malformed": (400, "InvalidArgument", "The signature you provided is malformed."),
        "secret-id": (
            403,
            "InvalidAccessKeyId",
            "The Access Key Id you provided does not exist in our records",
        ),
        "token-missing": (
            403,
            "InvalidAccessKeyId",
            "The Access Key Id you provided does not exist in our records",
        ),
        "token-wrong": (
            400,
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        ),
        "expired": (403, "AccessDenied", "Request has expired"),
        "not-yet-valid": (
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ),
        "skewed": (
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ),
        **{
            part: (403, "SignatureDoesNotMatch", "The Signature you specified is invalid.")
            for part in (
                "header-missing",
                "param-missing",
                "method",
                "path",
                "secret-key",
                "signature",
            )
        },
    } == REFUSALS


def test_a_refusal_becomes_a_cos_error_carrying_its_reason() -> None:
    check = SignatureCheck("refused", "cos", "header", SECRET_ID, part="expired", reason="why")
    error = check.as_cos_error()
    assert isinstance(error, CosError)
    assert (error.status, error.code, error.message, error.detail) == (
        403,
        "AccessDenied",
        "Request has expired",
        "why",
    )
    assert str(check) == "403 AccessDenied: why"
    assert (check.anonymous, check.verified, check.refused, check.accepted) == (
        False,
        False,
        True,
        False,
    )


def test_only_a_refusal_has_a_cos_answer() -> None:
    verified = SignatureCheck("verified", "cos", "header", SECRET_ID, reason="fine")
    assert (verified.status, verified.code, verified.message) == (None, None, None)
    assert str(verified) == "fine"
    with pytest.raises(ValueError, match="did not refuse"):
        verified.as_cos_error()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.04, "0.0 s"),
        (3.25, "3.2 s"),
        (59, "59 s"),
        (200, "3 min 20 s"),
        (7500, "2 h 5 min"),
        (3 * 86400 + 4 * 3600 + 5, "3 d 4 h"),
    ],
)
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_signed_strings_are_shown_on_one_line() -> None:
    assert shown("put\n/a\\b\n") == "'put\\n/a\\\\b\\n'"
