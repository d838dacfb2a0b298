"""Issue 17 through the plugin: credentials from ``cos_cors_settings`` (a conftest, or a module's
own override of the fixture) and ``make_cos_cors(credentials=...)``, bad ones failing the test at
setup with a message naming their source, and what a test whose request was refused for its
signature shows: the SDK's error, the report section, the JSON report."""

from __future__ import annotations

import json

import pytest
import pytester_runs
from pytester_runs import RunInner

CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def cos_cors_settings():
    return {"acl": "private", "credentials": {"AKIDsessionkey": "session-secret"}}
"""


def test_credentials_from_settings_and_the_factory(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_settings="""
        import pytest
        import requests
        from qcloud_cos import CosS3Client
        from qcloud_cos.cos_exception import CosServiceError

        def test_the_sdk_signs_with_the_settings_credentials(cos_cors):
            assert dict(cos_cors.credentials) == {"AKIDsessionkey": "session-secret"}
            client = CosS3Client(cos_cors.cos_config(), retry=0)
            client.put_object(Bucket=cos_cors.bucket, Key="a.txt", Body=b"a")
            assert cos_cors.exchanges[-1].signature.secret_id == "AKIDsessionkey"

        def test_a_wrong_key_is_refused(cos_cors):
            client = CosS3Client(cos_cors.cos_config(SecretKey="wrong"), retry=0)
            with pytest.raises(CosServiceError) as caught:
                client.put_object(Bucket=cos_cors.bucket, Key="a.txt", Body=b"a")
            assert caught.value.get_error_code() == "SignatureDoesNotMatch"
            cos_cors.assert_signature_refused("PUT", "a.txt", code="SignatureDoesNotMatch",
                                              reason="another SecretKey")
            assert cos_cors.objects() == {}

        def test_the_factory_takes_its_own(make_cos_cors):
            rotated = make_cos_cors(credentials={"AKIDrotated": ("tmp-secret", "tmp-token")})
            assert rotated.cos_config()._token == "tmp-token"
            open_endpoint = make_cos_cors(credentials=None, acl="public-read-write")
            r = requests.put(open_endpoint.url_for("a.txt"), data=b"a",
                             headers={"Authorization": "anything"})
            assert r.status_code == 200
            assert open_endpoint.exchanges[-1].signature is None
            assert dict(make_cos_cors().credentials) == {"AKIDsessionkey": "session-secret"}
        """,
        test_module_override="""
        import pytest
        import requests

        @pytest.fixture(scope="module")
        def cos_cors_settings():
            return {"acl": "public-read-write"}

        def test_this_module_verifies_nothing(cos_cors):
            assert cos_cors.credentials is None
            r = requests.put(cos_cors.url_for("a.txt"), data=b"a",
                             headers={"Authorization": "q-sign-algorithm=sha1&q-ak=AKIDx"})
            assert r.status_code == 200
        """,
    )
    run_inner().assert_outcomes(passed=4)


@pytest.mark.parametrize(
    ("settings", "made", "message"),
    [
        pytest.param(
            '{"credentials": {"AKIDa": ""}}',
            "",
            "cos_cors_settings: credentials: the SecretKey of 'AKIDa' must be a non-empty string",
            id="empty-key",
        ),
        pytest.param(
            '{"credentials": "AKIDa:key"}',
            "",
            "cos_cors_settings: credentials: credentials must be a mapping SecretId -> "
            "SecretKey or SecretId -> (SecretKey, SessionToken), not str",
            id="not-a-mapping",
        ),
        pytest.param(
            '{"credential": {"AKIDa": "key"}}',
            "",
            "cos_cors_settings: unknown setting 'credential' (did you mean 'credentials'?); "
            "known: bucket, region, host, acl, credentials, intercept",
            id="typo",
        ),
        pytest.param(
            "{}",
            '{"AKIDa": ("key",)}',
            "make_cos_cors(): credentials: the credential of 'AKIDa' must be a SecretKey string "
            "or a (SecretKey, SessionToken) pair, not ('key',)",
            id="factory",
        ),
    ],
)
def test_bad_credentials_fail_the_test_naming_their_source(
    pytester: pytest.Pytester, run_inner: RunInner, settings: str, made: str, message: str
) -> None:
    test = (
        f"def test_it(make_cos_cors):\n    make_cos_cors(credentials={made})"
        if made
        else "def test_it(cos_cors):\n    pass"
    )
    pytester.makepyfile(
        "import pytest\n\n"
        f"@pytest.fixture\ndef cos_cors_settings():\n    return {settings}\n\n{test}\n"
    )
    result = run_inner()
    # At setup for a setting; in the test's call for the factory's argument.
    result.assert_outcomes(**({"failed": 1} if made else {"errors": 1}))
    assert message in result.stdout.str()


REFUSED = """
from qcloud_cos import CosS3Client

def test_upload(cos_cors):
    client = CosS3Client(cos_cors.cos_config(SecretKey="from-the-old-vault"), retry=0)
    client.put_object(Bucket=cos_cors.bucket, Key="avatar.png", Body=b"PNG")
"""


def test_a_refused_request_fails_the_test_and_the_section_says_why(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_refused=REFUSED)
    result = pytester_runs.run(pytester, "--cos-cors-report=out/report.json")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *CosServiceError*SignatureDoesNotMatch*",
            "*- cos_cors -*",
            "endpoint http://127.0.0.1:*: 1 exchange(s)",
            "  1. PUT examplebucket-1250000000/avatar.png -> 403 [PutObject]",
            "    signature refused (403 SignatureDoesNotMatch): the COS signature in the "
            "Authorization header of SecretId 'AKIDsessionkey' does not match: either it was "
            "made with another SecretKey, or a signed value changed after signing: *. The fake "
            "signed StringToSign 'sha1\\n*\\n*\\n' built from HttpString "
            "'put\\n/examplebucket-1250000000/avatar.png\\n\\ncontent-length=3&*' "
            "(it also tried the path '/avatar.png' and host '127.0.0.1' without its port, as "
            "an SDK may sign them)",
        ]
    )
    document = json.loads((pytester.path / "out" / "report.json").read_text())
    (record,) = document["exchanges"]
    signature = record["signature"]
    assert {k: signature[k] for k in ("outcome", "scheme", "carrier", "part", "code")} == {
        "outcome": "refused",
        "scheme": "cos",
        "carrier": "header",
        "part": "signature",
        "code": "SignatureDoesNotMatch",
    }
    assert signature["secret_id"] == "AKIDsessionkey"
    assert signature["temporary"] is False
    assert signature["string_to_sign"].startswith("sha1\n")
    assert signature["signed_text"].startswith("put\n/examplebucket-1250000000/avatar.png\n")
    assert record["note"].startswith(
        "the request has no Origin header; signature refused (403 SignatureDoesNotMatch): "
    )
    assert signature["reason"] in record["note"]


def test_the_report_has_no_signature_without_credentials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain=REFUSED)
    result = pytester_runs.run(pytester, "--cos-cors-report=out/report.json")

    result.assert_outcomes(passed=1)
    document = json.loads((pytester.path / "out" / "report.json").read_text())
    assert [record["signature"] for record in document["exchanges"]] == [None]


def test_assert_signature_refused_fails_with_what_was_recorded(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        from qcloud_cos import CosS3Client

        def test_expects_a_refusal(cos_cors):
            client = CosS3Client(cos_cors.cos_config(), retry=0)
            client.put_object(Bucket=cos_cors.bucket, Key="a.txt", Body=b"a")
            cos_cors.assert_signature_refused("PUT", "a.txt", reason="expired")
        """
    )
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: expected a recorded request (method='PUT', path='a.txt') "
            "refused for its signature with a reason containing 'expired', but the one "
            "matching was not",
            "E       - PUT examplebucket-1250000000/a.txt -> 200: signature: the COS signature "
            "in the Authorization header of SecretId 'AKIDsessionkey' verified",
            "E       recorded requests (1):",
            "E         1. PUT examplebucket-1250000000/a.txt -> 200: signature: *verified",
        ]
    )
