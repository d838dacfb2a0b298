"""Bucket and region settings COS would never have fail the test with a did-you-mean; a marker's
``bucket=`` one character away from the endpoint's bucket is taken for a typo; a ``Host`` that
names another region than the bucket's is answered as COS answers for a bucket that is not in
that region (issue 18, defect 3)."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

NOT_A_NAME = (
    "it must end in -<APPID>, the account's number, as 'examplebucket-1250000000' does "
    "(did you mean 'avatars-1250000000'?)"
)


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        pytest.param(
            "cos_cors_bucket = avatars",
            f"ini option cos_cors_bucket: 'avatars' is not a COS bucket name: {NOT_A_NAME}",
            id="bucket-without-appid",
        ),
        pytest.param(
            "cos_cors_bucket = Avatars_1250000000",
            "ini option cos_cors_bucket: 'Avatars_1250000000' is not a COS bucket name: a bucket "
            "name holds only lower-case letters, digits and '-' (did you mean "
            "'avatars-1250000000'?)",
            id="bucket-upper-case-underscore",
        ),
        pytest.param(
            "cos_cors_bucket = -avatars-1250000000",
            "ini option cos_cors_bucket: '-avatars-1250000000' is not a COS bucket name: the "
            "name before the APPID may not start or end with '-' (did you mean "
            "'avatars-1250000000'?)",
            id="bucket-leading-dash",
        ),
        pytest.param(
            "cos_cors_region = ap-guanzhou",
            "ini option cos_cors_region: 'ap-guanzhou' is not a COS region (did you mean "
            "'ap-guangzhou'?)",
            id="region-typo",
        ),
    ],
)
def test_ini_options_cos_would_never_have(
    pytester: pytest.Pytester, run_inner: RunInner, ini: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_it(cos_cors):\n    pass\n")
    result = run_inner()
    result.assert_outcomes(errors=1)
    assert message in result.stdout.lines


def test_settings_fixture_and_factory(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    long_name = "a" * 30 + "-1250000000"
    pytester.makepyfile(
        f"""
        import pytest

        class TestSettings:
            @pytest.fixture
            def cos_cors_settings(self):
                return {{"bucket": "avatars"}}

            def test_settings(self, cos_cors):
                pass

        def test_factory_region(make_cos_cors):
            make_cos_cors(region="eu-west-1")

        def test_factory_long_bucket(make_cos_cors):
            make_cos_cors(bucket="avatars-1250000000", region="na-siliconvalley")
            make_cos_cors(bucket={long_name!r}, region="na-siliconvalley")
        """
    )
    result = run_inner()
    result.assert_outcomes(errors=1, failed=2)
    lines = result.stdout.lines
    assert f"cos_cors_settings: 'avatars' is not a COS bucket name: {NOT_A_NAME}" in lines
    assert (
        "make_cos_cors(): 'eu-west-1' is not a COS region; COS's regions are ap-beijing-1, "
        "ap-beijing, ap-nanjing, ap-shanghai, ap-guangzhou, ap-chengdu, ap-chongqing, "
        "ap-shenzhen-fsi, ap-shanghai-fsi, ap-beijing-fsi, ap-hongkong, ap-singapore, ap-mumbai, "
        "ap-jakarta, ap-seoul, ap-bangkok, ap-tokyo, na-siliconvalley, na-ashburn, na-toronto, "
        "sa-saopaulo, eu-frankfurt"
    ) in lines
    assert (
        f"make_cos_cors(): {long_name!r} is not a COS bucket name: its domain name "
        f"{long_name}.cos.na-siliconvalley.myqcloud.com has 75 characters, and COS allows 60"
    ) in lines


@pytest.mark.parametrize(
    ("bucket", "message"),
    [
        pytest.param(
            "examplebucket-125000000",
            "@pytest.mark.cors_rules on test test_it: bucket='examplebucket-125000000' is one "
            "character away from the endpoint's bucket 'examplebucket-1250000000' (did you mean "
            "'examplebucket-1250000000'?); a marker's bucket= names another bucket, which the "
            "endpoint would create",
            id="one-edit-from-the-default",
        ),
        pytest.param(
            "avatars",
            f"@pytest.mark.cors_rules on test test_it: bucket='avatars' is not a COS bucket "
            f"name: {NOT_A_NAME}",
            id="not-a-bucket-name",
        ),
    ],
)
def test_marker_bucket(
    pytester: pytest.Pytester, run_inner: RunInner, bucket: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.cors_rules({{"AllowedOrigin": "*", "AllowedMethod": "GET"}}, bucket={bucket!r})
        def test_it(cos_cors):
            pass
        """
    )
    result = run_inner()
    result.assert_outcomes(errors=1)
    assert message in result.stdout.lines


def test_valid_names_and_regions(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makeini(
        "[pytest]\ncos_cors_bucket = avatars-1250000000\ncos_cors_region = ap-guangzhou\n"
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"},
                                bucket="assets-1250000000")
        def test_it(cos_cors, make_cos_cors):
            assert cos_cors.bucket_host == "avatars-1250000000.cos.ap-guangzhou.myqcloud.com"
            assert cos_cors.configuration("assets-1250000000") is not None
            other = make_cos_cors(region="ap-shanghai-fsi", bucket="a-b-1-1250000000")
            assert other.region == "ap-shanghai-fsi"
        """
    )
    run_inner().assert_outcomes(passed=1)


def test_a_host_of_another_region_is_answered_as_for_a_bucket_not_there(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        BUCKET = "examplebucket-1250000000"
        PREFLIGHT = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}

        def send(cos_cors, method, region, headers=()):
            host = f"{BUCKET}.cos.{region}.myqcloud.com"
            return requests.request(method, f"{cos_cors.url}/a.txt",
                                    headers={"Host": host, **dict(headers)})

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})
        def test_regions(cos_cors):
            assert cos_cors.region == "ap-beijing"
            for method, headers in (("GET", {}), ("OPTIONS", PREFLIGHT)):
                refused = send(cos_cors, method, "ap-guangzhou", headers)
                assert refused.status_code == 404
                assert "<Code>NoSuchBucket</Code>" in refused.text
                assert (
                    f"<Resource>{BUCKET}.cos.ap-guangzhou.myqcloud.com/a.txt</Resource>"
                    in refused.text
                )
            assert send(cos_cors, "OPTIONS", "ap-beijing", PREFLIGHT).status_code == 200
            assert send(cos_cors, "OPTIONS", "accelerate", PREFLIGHT).status_code == 200
            assert send(cos_cors, "GET", "ap-beijing").status_code == 404  # NoSuchKey
            first = cos_cors.exchanges[0]
            assert first.reason == (
                f"the bucket '{BUCKET}' is in ap-beijing, not in ap-guangzhou (the region of "
                "the Host)"
            )
            assert cos_cors.preflights[0].decision is None
        """
    )
    run_inner().assert_outcomes(passed=1)
