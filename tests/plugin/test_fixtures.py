"""The fixtures: isolation, settings, the factory, teardown, report section, xdist."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner


def test_each_test_gets_its_own_endpoint(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        SEEN = {}

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "PUT"})
        def test_first(cos_cors):
            r = requests.put(cos_cors.url_for("a.txt"), data=b"hello")
            assert r.status_code == 200
            SEEN["url"] = cos_cors.url_for("a.txt")
            SEEN["port"] = cos_cors.port
            assert cos_cors.objects() == {"a.txt": b"hello"}

        def test_second(cos_cors):
            assert cos_cors.port != SEEN["port"]
            assert cos_cors.objects() == {}
            assert cos_cors.exchanges == ()
            assert cos_cors.configuration() is None
            with pytest.raises(requests.ConnectionError):
                requests.get(SEEN["url"], timeout=2)
        """
    )
    run_inner().assert_outcomes(passed=2)


def test_settings_from_ini_and_override_fixture(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makeini(
        """
        [pytest]
        cos_cors_bucket = inibucket-1250000000
        cos_cors_region = ap-guangzhou
        """
    )
    pytester.makepyfile(
        test_ini="""
        def test_it(cos_cors):
            assert cos_cors.bucket == "inibucket-1250000000"
            assert cos_cors.region == "ap-guangzhou"
            assert cos_cors.bucket_host == "inibucket-1250000000.cos.ap-guangzhou.myqcloud.com"
        """,
        test_override="""
        import pytest
        import requests

        @pytest.fixture(scope="module")
        def cos_cors_settings():
            return {"bucket": "private-1250000000", "acl": "private"}

        def test_it(cos_cors):
            assert cos_cors.bucket == "private-1250000000"
            assert cos_cors.region == "ap-guangzhou"
            r = requests.get(cos_cors.url_for("x"))
            assert r.status_code == 403
            assert "<Code>AccessDenied</Code>" in r.text
        """,
    )
    run_inner().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            '{"buckt": "b-1"}',
            "cos_cors_settings: unknown setting 'buckt' (did you mean 'bucket'?); known: bucket, "
            "region, host, acl, credentials, intercept",
            id="unknown-key",
        ),
        pytest.param(
            '{"acl": "public"}',
            "cos_cors_settings: acl must be one of private, public-read, public-read-write, got "
            "'public'",
            id="bad-acl",
        ),
        pytest.param(
            '{"region": 3}',
            "cos_cors_settings: region must be a non-empty string, got 3",
            id="bad-type",
        ),
        pytest.param(
            '["bucket"]',
            "cos_cors_settings must return a dict, got list",
            id="not-a-dict",
        ),
    ],
)
def test_bad_settings_fail_the_test(
    pytester: pytest.Pytester, run_inner: RunInner, settings: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.fixture
        def cos_cors_settings():
            return {settings}

        def test_it(cos_cors):
            pass
        """
    )
    result = run_inner()
    result.assert_outcomes(errors=1)
    assert message in result.stdout.lines


def test_make_cos_cors_gives_independent_endpoints(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        """
        import requests

        PORTS = []

        def test_it(cos_cors, make_cos_cors):
            other = make_cos_cors(bucket="other-1250000000", region="ap-shanghai")
            assert other.port != cos_cors.port
            assert other.bucket_host == "other-1250000000.cos.ap-shanghai.myqcloud.com"
            other.set_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})
            assert cos_cors.configuration() is None
            PORTS.append(other.url)

        def test_stopped(cos_cors):
            import pytest
            with pytest.raises(requests.ConnectionError):
                requests.get(PORTS[0], timeout=2)
        """
    )
    run_inner().assert_outcomes(passed=2)


def test_report_section_lists_the_exchanges(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.cors_rules({"AllowedOrigin": "https://app.example", "AllowedMethod": "GET"})
        def test_it(cos_cors):
            requests.options(cos_cors.url_for("k.txt"), headers={
                "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
            assert False, "boom"
        """
    )
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- cos_cors -*",
            "endpoint http://127.0.0.1:*: 1 exchange(s)",
            "  1. OPTIONS examplebucket-1250000000/k.txt -> 403 origin='https://evil.example' "
            "request-method='GET' request-headers=- [PreflightRequest]",
            "    CORS denied: origin 'https://evil.example' does not match any rule's "
            "AllowedOrigin; nearest is rules[0], which failed on origin",
        ]
    )


def test_fixtures_are_documented(run_inner: RunInner) -> None:
    result = run_inner("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "cos_cors -- *plugin.py:*",
            "    A started fake COS endpoint for this test, with cors_rules applied *",
        ]
    )
    result.stdout.fnmatch_lines(["make_cos_cors -- *", "    Factory of extra started*"])
    result.stdout.fnmatch_lines(["cos_cors_settings [[]session scope[]] -- *", "    Overrides*"])


def test_parallel_workers(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.parametrize("n", range(8))
        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})
        def test_it(cos_cors, n):
            r = requests.options(cos_cors.url_for(f"k{n}"), headers={
                "Origin": "https://a.example", "Access-Control-Request-Method": "GET"})
            assert r.status_code == 200
            cos_cors.assert_preflight_count(1)
        """
    )
    result = run_inner("-n", "2", subprocess=True)
    result.assert_outcomes(passed=8)
