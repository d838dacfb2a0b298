"""The browser SDK (``cos-js-sdk-v5``, from npm) as the signer, run under Node: its static
``COS.getAuthorization`` (what a backend or a page's ``getAuthorization`` callback computes) and
``getObjectUrl`` (presigned URLs, with permanent and with temporary credentials).

Locally the tests skip when Node or the npm package is missing (``npm ci`` installs it); with
``CI`` set they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from pytest_cos_cors.signatures import SignedRequest, verify_signature

from .conftest import (
    BUCKET,
    BUCKET_HOST,
    CREDENTIALS,
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
    sign_time_end,
    wait_past,
    with_method,
    with_path,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("jssdk_sign.js")
SDK = ROOT / "node_modules" / "cos-js-sdk-v5" / "package.json"
PATHNAME = "/photos/a b 中文.png"
#: A header value with the characters ``encodeURIComponent`` leaves alone and COS encodes.
NOTE = "a!'()*b c/d~中"


def js_unavailable() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed (apt-get install nodejs)"
    if not SDK.is_file():
        return f"cos-js-sdk-v5 is not installed: {SDK} is missing (run `npm ci` in {ROOT})"
    return None


def require_js(environ: Mapping[str, str] = os.environ) -> None:
    """Skip locally, fail in CI (``CI`` set), when Node or the SDK is missing."""
    __tracebackhide__ = True
    why = js_unavailable()
    if why is None:
        return
    if environ.get("CI"):
        pytest.fail(f"the JS SDK signature tests must run in CI: {why}", pytrace=False)
    pytest.skip(f"JS SDK signature tests skipped: {why}")


def sign(*calls: dict[str, Any]) -> list[str]:
    """Run the calls in one Node process (``jssdk_sign.js``); their results in order."""
    require_js()
    done = subprocess.run(
        ["node", str(SCRIPT), json.dumps(calls)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, f"node failed:\n{done.stdout}\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, f"no RESULT line in:\n{done.stdout}"
    results: list[str] = json.loads(lines[0][len("RESULT ") :])
    return results


def auth(**options: Any) -> dict[str, Any]:
    return {"auth": {"SecretId": SECRET_ID, "SecretKey": SECRET_KEY, **options}}


def authorized(authorization: str, method: str = "PUT", **headers: str) -> SignedRequest:
    fields = [("Host", BUCKET_HOST), *headers.items(), ("Authorization", authorization)]
    return SignedRequest(method, quote(PATHNAME), "", tuple(fields))


@pytest.fixture(scope="module")
def signed() -> dict[str, str]:
    """Everything this module verifies that does not expire, signed in one Node run."""
    calls = {
        "basic": auth(Method="put", Pathname=PATHNAME, Headers={"Host": BUCKET_HOST}),
        "extra": auth(
            Method="get",
            Pathname=PATHNAME,
            Headers={"Host": BUCKET_HOST, "x-cos-meta-note": NOTE, "Range": "bytes=0-9"},
            Query={"response-content-type": "image/png", "versionId": "v 1"},
        ),
        "key": auth(Method="get", Key="k.txt", Headers={"Host": BUCKET_HOST}),
        "temporary": {
            "auth": {
                "SecretId": TMP_ID,
                "SecretKey": TMP_KEY,
                "Method": "put",
                "Pathname": PATHNAME,
                "Headers": {"Host": BUCKET_HOST, "x-cos-security-token": TOKEN},
            }
        },
        "wrong-key": auth(
            SecretKey="not-the-key", Method="put", Pathname=PATHNAME, Headers={"Host": BUCKET_HOST}
        ),
        "stranger": auth(
            SecretId=STRANGER_ID, Method="put", Pathname=PATHNAME, Headers={"Host": BUCKET_HOST}
        ),
        "future": auth(
            Method="put",
            Pathname=PATHNAME,
            Headers={"Host": BUCKET_HOST},
            KeyTime=f"{int(time.time()) + 600};{int(time.time()) + 1200}",
        ),
        "url": {
            "cos": {"SecretId": SECRET_ID, "SecretKey": SECRET_KEY},
            "url": {
                "Bucket": BUCKET,
                "Region": REGION,
                "Key": PATHNAME[1:],
                "Expires": 300,
                "Query": {"response-content-disposition": 'attachment; filename="a b.png"'},
            },
        },
        "sts-url": {
            "sts": {"TmpSecretId": TMP_ID, "TmpSecretKey": TMP_KEY, "SecurityToken": TOKEN},
            "url": {"Bucket": BUCKET, "Region": REGION, "Key": "k.txt", "Expires": 300},
        },
    }
    return dict(zip(calls, sign(*calls.values()), strict=True))


def test_get_authorization_is_verified(signed: dict[str, str]) -> None:
    check = verify_signature(authorized(signed["basic"]), CREDENTIALS)
    assert_verified(check, SECRET_ID)
    # The browser SDK signs the decoded path, as COS's page says.
    assert (check.signed_text or "").startswith(f"put\n{PATHNAME}\n")


def test_get_authorization_with_headers_and_query_is_verified(signed: dict[str, str]) -> None:
    request = SignedRequest(
        "GET",
        quote(PATHNAME),
        "response-content-type=image%2Fpng&versionId=v%201",
        (
            ("Host", BUCKET_HOST),
            ("x-cos-meta-note", NOTE),
            ("Range", "bytes=0-9"),
            ("Authorization", signed["extra"]),
        ),
    )
    check = verify_signature(request, CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert "versionid=v%201" in (check.signed_text or "")
    assert "x-cos-meta-note=a%21%27%28%29%2Ab%20c%2Fd~%E4%B8%AD" in (check.signed_text or "")
    changed = replace_header(request, "x-cos-meta-note", "a b/d")
    assert_refused(
        verify_signature(changed, CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        "x-cos-meta-note",
    )


def test_get_authorization_of_a_key_signs_slash_key(signed: dict[str, str]) -> None:
    request = SignedRequest(
        "GET", "/k.txt", "", (("Host", BUCKET_HOST), ("Authorization", signed["key"]))
    )
    assert_verified(verify_signature(request, CREDENTIALS), SECRET_ID)


def test_temporary_credentials_need_their_token(signed: dict[str, str]) -> None:
    with_token = authorized(signed["temporary"], **{"x-cos-security-token": TOKEN})
    assert_verified(verify_signature(with_token, CREDENTIALS), TMP_ID, temporary=True)
    without = replace_header(with_token, "x-cos-security-token", None)
    assert_refused(
        verify_signature(without, CREDENTIALS), "InvalidAccessKeyId", "token-missing", TMP_ID
    )
    other = replace_header(with_token, "x-cos-security-token", "another-token")
    assert_refused(verify_signature(other, CREDENTIALS), "InvalidToken", "token-wrong", TMP_ID)


def test_the_wrong_key_or_secret_id_is_refused(signed: dict[str, str]) -> None:
    assert_refused(
        verify_signature(authorized(signed["wrong-key"]), CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        SECRET_ID,
    )
    assert_refused(
        verify_signature(authorized(signed["stranger"]), CREDENTIALS),
        "InvalidAccessKeyId",
        "secret-id",
        STRANGER_ID,
    )


def test_a_changed_method_or_path_is_refused(signed: dict[str, str]) -> None:
    request = authorized(signed["basic"])
    assert_refused(
        verify_signature(with_method(request, "POST"), CREDENTIALS),
        "SignatureDoesNotMatch",
        "method",
        "made for PUT",
    )
    assert_refused(
        verify_signature(with_path(request, "/photos/b.png"), CREDENTIALS),
        "SignatureDoesNotMatch",
        "signature",
        "'/photos/b.png'",
    )


def test_a_key_time_that_starts_later_is_not_valid_yet(signed: dict[str, str]) -> None:
    check = verify_signature(authorized(signed["future"]), CREDENTIALS)
    assert_refused(check, "RequestTimeTooSkewed", "not-yet-valid", "not valid yet", "q-sign-time")


def test_an_expired_authorization_is_refused_on_the_real_clock() -> None:
    [authorization] = sign(
        auth(Method="put", Pathname=PATHNAME, Headers={"Host": BUCKET_HOST}, Expires=1)
    )
    request = authorized(authorization)
    end = sign_time_end(authorization)
    wait_past(end)
    check = verify_signature(request, CREDENTIALS)
    assert_refused(check, "AccessDenied", "expired", SECRET_ID, "ago", f"({end})")


def test_get_object_url_is_verified(signed: dict[str, str]) -> None:
    url = signed["url"]
    # The SDK writes the window's semicolon as is and encodes the key as a URL path.
    assert "q-sign-time=" in url
    assert quote(PATHNAME) in url
    check = verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS)
    assert_verified(check, SECRET_ID)
    assert check.carrier == "query"
    assert_refused(
        verify_signature(SignedRequest.from_url("PUT", url), CREDENTIALS),
        "SignatureDoesNotMatch",
        "method",
        "made for GET",
    )


def test_get_object_url_with_temporary_credentials_sends_the_token(signed: dict[str, str]) -> None:
    url = signed["sts-url"]
    assert f"x-cos-security-token={TOKEN}" in url
    check = verify_signature(SignedRequest.from_url("GET", url), CREDENTIALS)
    assert_verified(check, TMP_ID, temporary=True)
    stripped = url.replace(f"&x-cos-security-token={TOKEN}", "")
    assert_refused(
        verify_signature(SignedRequest.from_url("GET", stripped), CREDENTIALS),
        "InvalidAccessKeyId",
        "token-missing",
        TMP_ID,
    )


def test_ci_turns_a_missing_sdk_into_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        require_js({"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match=r"Node\.js is not installed"):
        require_js({})
