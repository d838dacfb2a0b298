"""Issue 17 with the browser SDK as the signer: ``cos-js-sdk-v5`` in Chromium, configured with a
permanent ``SecretId``/``SecretKey`` or with ``getAuthorization`` handing it temporary
credentials (``TmpSecretId``, ``TmpSecretKey``, ``SecurityToken``, ``StartTime``,
``ExpiredTime``), as a backend's STS answer would. The endpoint verifies every signature: the
right credentials succeed, a wrong key fails in the page with COS's error (readable: the rule
decorates the refusal), and the record says why."""

from __future__ import annotations

from .conftest import SdkPage

SECRET_ID = "AKIDbrowserpermanent0000000000000000"
SECRET_KEY = "browser-permanent-secret-key"
TMP_ID = "AKIDbrowsertemporary0000000000000000"
TMP_KEY = "browser-temporary-secret-key"
TOKEN = "browser-session-token-0123456789abcdef"

#: A COS object with permanent keys, as ``new COS({SecretId, SecretKey})``.
PERMANENT = """([secretId, secretKey]) => {
    window.__cos = new COS({SecretId: secretId, SecretKey: secretKey});
}"""
#: A COS object whose ``getAuthorization`` answers as a backend's STS call would.
TEMPORARY = """([tmpSecretId, tmpSecretKey, securityToken]) => {
    window.__authorizations = 0;
    window.__cos = new COS({
        getAuthorization: (options, callback) => {
            window.__authorizations += 1;
            const now = Math.floor(Date.now() / 1000);
            callback({
                TmpSecretId: tmpSecretId,
                TmpSecretKey: tmpSecretKey,
                SecurityToken: securityToken,
                StartTime: now - 5,
                ExpiredTime: now + 900,
            });
        },
    });
}"""


def test_permanent_keys_sign_puts_and_gets(sdk_page: SdkPage) -> None:
    sdk_page.cos_cors.set_credentials({SECRET_ID: SECRET_KEY})
    sdk_page.page.evaluate(PERMANENT, [SECRET_ID, SECRET_KEY])

    put = sdk_page.call("putObject", {"Key": "signed/hello.txt", "Body": "hello"})
    got = sdk_page.call("getObject", {"Key": "signed/hello.txt"})

    assert put.err is None, f"{put.describe()}\n{sdk_page.log()}"
    assert got.err is None, f"{got.describe()}\n{sdk_page.log()}"
    assert got.data["Body"] == "hello"
    actual = sdk_page.actual()
    assert [e.operation for e in actual] == ["PutObject", "GetObject"], sdk_page.log()
    checks = [e.signature for e in actual]
    assert all(c is not None and c.verified and c.secret_id == SECRET_ID for c in checks)
    assert all(c is not None and (c.scheme, c.carrier) == ("cos", "header") for c in checks)
    # No preflight needed a signature: the PUT's was answered before any key was checked.
    assert all(e.signature is None for e in sdk_page.cos_cors.preflights)
    sdk_page.cos_cors.assert_request_allowed(sdk_page.origin, "PUT")


def test_a_wrong_key_fails_in_the_page_and_the_record_says_why(sdk_page: SdkPage) -> None:
    sdk_page.cos_cors.set_credentials({SECRET_ID: SECRET_KEY})
    sdk_page.page.evaluate(PERMANENT, [SECRET_ID, "a-key-from-another-project"])

    put = sdk_page.call("putObject", {"Key": "signed/hello.txt", "Body": "hello"})

    assert put.err is not None, put.describe()
    # The page reads COS's error: the refusal carries the rule's CORS headers.
    assert put.err["statusCode"] == 403, put.describe()
    assert put.err["code"] == "SignatureDoesNotMatch", put.describe()
    assert sdk_page.cos_cors.objects() == {}
    (exchange,) = sdk_page.actual()
    assert exchange.allowed
    assert exchange.reason.startswith(
        "decorated by rules[0]; signature refused (403 SignatureDoesNotMatch): the COS "
        f"signature in the Authorization header of SecretId {SECRET_ID!r} does not match: "
    )
    assert "built from HttpString 'put\\n/signed/hello.txt\\n" in exchange.reason
    sdk_page.cos_cors.assert_signature_refused(
        "PUT", "signed/hello.txt", code="SignatureDoesNotMatch", reason="another SecretKey"
    )


def test_temporary_credentials_from_get_authorization(sdk_page: SdkPage) -> None:
    sdk_page.cos_cors.set_credentials({TMP_ID: (TMP_KEY, TOKEN)})
    sdk_page.page.evaluate(TEMPORARY, [TMP_ID, TMP_KEY, TOKEN])

    put = sdk_page.call("putObject", {"Key": "sts/report.txt", "Body": "quarterly"})
    head = sdk_page.call("headObject", {"Key": "sts/report.txt"})
    got = sdk_page.call("getObject", {"Key": "sts/report.txt"})

    for result in (put, head, got):
        assert result.err is None, f"{result.describe()}\n{sdk_page.log()}"
    assert got.data["Body"] == "quarterly"
    assert sdk_page.page.evaluate("window.__authorizations") >= 1
    actual = sdk_page.actual()
    assert [e.operation for e in actual] == ["PutObject", "HeadObject", "GetObject"]
    for exchange in actual:
        assert exchange.headers["x-cos-security-token"] == TOKEN
        check = exchange.signature
        assert check is not None, exchange.describe()
        assert (check.outcome, check.temporary, check.secret_id) == ("verified", True, TMP_ID)


def test_temporary_credentials_with_a_wrong_key_or_token(sdk_page: SdkPage) -> None:
    sdk_page.cos_cors.set_credentials({TMP_ID: (TMP_KEY, TOKEN)})
    sdk_page.page.evaluate(TEMPORARY, [TMP_ID, "a-stale-temporary-key", TOKEN])
    wrong_key = sdk_page.call("putObject", {"Key": "sts/a.txt", "Body": "a"})
    sdk_page.page.evaluate(TEMPORARY, [TMP_ID, TMP_KEY, "a-stale-session-token"])
    wrong_token = sdk_page.call("putObject", {"Key": "sts/b.txt", "Body": "b"})

    assert wrong_key.err is not None, wrong_key.describe()
    assert wrong_token.err is not None, wrong_token.describe()
    assert (wrong_key.err["statusCode"], wrong_key.err["code"]) == (403, "SignatureDoesNotMatch")
    assert (wrong_token.err["statusCode"], wrong_token.err["code"]) == (400, "InvalidToken")
    assert sdk_page.cos_cors.objects() == {}
    parts = [None if e.signature is None else e.signature.part for e in sdk_page.actual()]
    assert parts == ["signature", "token-wrong"], sdk_page.log()
    assert (
        f"of temporary SecretId {TMP_ID!r} comes with x-cos-security-token 'a-stale-…', which "
        "is not its session token ('browser-…')"
    ) in sdk_page.actual()[-1].reason
