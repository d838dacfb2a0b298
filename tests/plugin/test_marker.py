"""The cors_rules marker: every accepted form, merge order, and each error message by exact text."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

XML = (
    "<CORSConfiguration><CORSRule><AllowedOrigin>https://xml.example</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod></CORSRule><ResponseVary>TRUE</ResponseVary>"
    "</CORSConfiguration>"
)


@pytest.mark.parametrize(
    ("marker_args", "expected_origin", "expected_vary"),
    [
        pytest.param(
            'CORSRule("https://a.example", ["GET"])', "https://a.example", None, id="rule"
        ),
        pytest.param(
            '{"AllowedOrigin": "https://a.example", "AllowedMethod": "GET"}',
            "https://a.example",
            None,
            id="sdk-rule-dict",
        ),
        pytest.param(
            '{"allowed_origins": ["https://a.example"], "allowed_methods": ["GET"]}',
            "https://a.example",
            None,
            id="snake-rule-dict",
        ),
        pytest.param(f"{XML!r}", "https://xml.example", True, id="xml-text"),
        pytest.param(f"{XML.encode()!r}", "https://xml.example", True, id="xml-bytes"),
        pytest.param('Path("cors.xml")', "https://xml.example", True, id="relative-path"),
        pytest.param(
            '{"CORSRule": [{"AllowedOrigin": ["https://d.example"], "AllowedMethod": ["GET"]}],'
            ' "ResponseVary": "false"}',
            "https://d.example",
            False,
            id="sdk-configuration-dict",
        ),
        pytest.param(
            'CORSConfiguration([CORSRule("https://c.example", "GET")], response_vary=True)',
            "https://c.example",
            True,
            id="configuration-object",
        ),
    ],
)
def test_every_marker_form_configures_the_bucket(
    pytester: pytest.Pytester,
    run_inner: RunInner,
    marker_args: str,
    expected_origin: str,
    expected_vary: bool | None,
) -> None:
    (pytester.path / "cors.xml").write_text(XML)
    pytester.makepyfile(
        f"""
        from pathlib import Path
        import pytest
        from pytest_cos_cors import CORSConfiguration, CORSRule

        @pytest.mark.cors_rules({marker_args})
        def test_it(cos_cors):
            configuration = cos_cors.configuration()
            assert configuration.rules[0].allowed_origins == ({expected_origin!r},)
            assert configuration.response_vary is {expected_vary!r}
            assert cos_cors.explain({expected_origin!r}, "GET").allowed
        """
    )
    run_inner().assert_outcomes(passed=1)


def test_markers_merge_closest_first(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.cors_rules(
            {"AllowedOrigin": "*", "AllowedMethod": "GET", "ID": "module"}, response_vary=True)

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET", "ID": "class"},
                                response_vary=False)
        class TestMerge:
            @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET", "ID": "test"})
            def test_order(self, cos_cors):
                configuration = cos_cors.configuration()
                assert [r.id for r in configuration.rules] == ["test", "class", "module"]
                assert configuration.response_vary is False
                assert cos_cors.explain("https://x.example", "GET").rule.id == "test"

        def test_module_only(cos_cors):
            assert [r.id for r in cos_cors.configuration().rules] == ["module"]
            assert cos_cors.configuration().response_vary is True
        """
    )
    run_inner().assert_outcomes(passed=2)


def test_marker_bucket_creates_the_bucket(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"},
                                bucket="other-1250000000")
        def test_it(cos_cors):
            assert cos_cors.configuration() is None
            assert cos_cors.configuration("other-1250000000").rules[0].allowed_origins == ("*",)
            assert cos_cors.objects("other-1250000000") == {}
        """
    )
    run_inner().assert_outcomes(passed=1)


def test_without_marker_there_is_no_configuration(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        """
        def test_it(cos_cors):
            assert cos_cors.configuration() is None
            assert cos_cors.explain("https://a.example", "GET").status == 403
        """
    )
    run_inner().assert_outcomes(passed=1)


BAD_MARKERS = [
    pytest.param(
        '{"AllowedOrigins": "https://a.example", "AllowedMethod": "GET"}',
        "@pytest.mark.cors_rules on test test_it, rules[0].AllowedOrigins: unknown rule key "
        "'AllowedOrigins' (did you mean 'AllowedOrigin'?) [COS would answer MalformedXML]",
        id="unknown-key",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET"}, '
        '{"AllowedOrigin": "*", "AllowedMethod": "PATCH"}',
        "@pytest.mark.cors_rules on test test_it, rules[1].AllowedMethod: Found unsupported HTTP "
        "method in CORS config. Unsupported method is PATCH ('PATCH' is not one of PUT, GET, "
        "POST, DELETE, HEAD) [COS would answer InvalidRequest]",
        id="bad-method",
    ),
    pytest.param(
        '{"AllowedOrigin": "https://*.*.example", "AllowedMethod": "GET"}',
        "@pytest.mark.cors_rules on test test_it, rules[0].AllowedOrigin: AllowedOrigin "
        '"https://*.*.example" can not have more than one wildcard. [COS would answer '
        "InvalidArgument]",
        id="two-wildcards",
    ),
    pytest.param(
        '{"AllowedOrigin": "*"}',
        "@pytest.mark.cors_rules on test test_it, rules[0].AllowedMethod: a rule needs at least "
        "one AllowedMethod [COS would answer MalformedXML]",
        id="no-method",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "MaxAgeSeconds": -1}',
        "@pytest.mark.cors_rules on test test_it, rules[0].MaxAgeSeconds: -1 is outside "
        "0..2147483647 [COS would answer MalformedXML]",
        id="bad-max-age",
    ),
    pytest.param(
        '"<CORSConfiguration><Rule/></CORSConfiguration>"',
        "@pytest.mark.cors_rules on test test_it, Rule: unknown element <Rule> "
        "[COS would answer MalformedXML]",
        id="bad-xml",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET"}, buckett="b-1"',
        "@pytest.mark.cors_rules on test test_it: cors_rules() got an unexpected keyword "
        "argument 'buckett' (did you mean 'bucket'?)",
        id="unknown-keyword",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET"}, response_vary="yes"',
        "@pytest.mark.cors_rules on test test_it: response_vary must be True, False, 'true', "
        "'false' or None, got 'yes'",
        id="bad-response-vary",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET"}, bucket=7',
        "@pytest.mark.cors_rules on test test_it: bucket must be a non-empty string, got 7",
        id="bad-bucket",
    ),
    pytest.param(
        "42",
        "@pytest.mark.cors_rules on test test_it, rules[0]: a rule must be a CORSRule or a dict, "
        "got int 42 [COS would answer MalformedXML]",
        id="not-a-rule",
    ),
    pytest.param(
        "",
        "@pytest.mark.cors_rules on test test_it: no CORS rule given for bucket "
        "'examplebucket-1250000000'",
        id="no-rules",
    ),
]


@pytest.mark.parametrize(("marker_args", "message"), BAD_MARKERS)
def test_a_bad_marker_fails_that_test_with_a_message(
    pytester: pytest.Pytester, run_inner: RunInner, marker_args: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.cors_rules({marker_args})
        def test_it(cos_cors):
            pass

        def test_other(cos_cors):
            pass
        """
    )
    result = run_inner()
    result.assert_outcomes(passed=1, errors=1)
    assert message in result.stdout.lines
    assert "Traceback" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()


def test_an_invalid_configuration_file_names_the_cos_code(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    (pytester.path / "cors.xml").write_text(
        "<CORSConfiguration>" + "<CORSRule><AllowedOrigin>*</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod></CORSRule>" * 101 + "</CORSConfiguration>"
    )
    (pytester.path / "missing").mkdir()
    pytester.makepyfile(
        """
        from pathlib import Path
        import pytest

        @pytest.mark.cors_rules(Path("cors.xml"))
        def test_too_many(cos_cors):
            pass

        @pytest.mark.cors_rules(Path("missing/cors.xml"))
        def test_missing(cos_cors):
            pass
        """
    )
    result = run_inner()
    result.assert_outcomes(errors=2)
    assert (
        "@pytest.mark.cors_rules on test test_too_many, CORSRule: The number of CORS "
        "rules should not exceed allowed limit of 100 rules. (101 rules given) "
        "[COS would answer InvalidRequest]"
    ) in result.stdout.lines
    missing = pytester.path / "missing" / "cors.xml"
    assert (
        "@pytest.mark.cors_rules on test test_missing: cannot read the configuration file "
        f"'missing/cors.xml': no such file: {missing} (a relative path is taken from the test "
        f"file's directory, {pytester.path})"
    ) in result.stdout.lines


def test_too_many_rules_across_markers(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest

        RULE = {"AllowedOrigin": "*", "AllowedMethod": "GET"}
        pytestmark = pytest.mark.cors_rules(*[RULE] * 60)

        @pytest.mark.cors_rules(*[RULE] * 41)
        def test_it(cos_cors):
            pass
        """
    )
    result = run_inner()
    result.assert_outcomes(errors=1)
    assert (
        "@pytest.mark.cors_rules on test test_it (all markers for bucket "
        "'examplebucket-1250000000'), CORSRule: The number of CORS rules should not exceed "
        "allowed limit of 100 rules. (101 rules given) [COS would answer InvalidRequest]"
    ) in result.stdout.lines


def test_marker_without_the_fixture_warns(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})
        def test_forgot_the_fixture():
            pass

        def test_inherits_the_module_marker():
            pass
        """
    )
    result = run_inner("-W", "default")  # after OPTIONS' "-W error": the warning is shown
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*CosCorsWarning: @pytest.mark.cors_rules on test_forgot_the_fixture has no effect: "
            "the test does not use the cos_cors fixture"
        ]
    )


def test_marker_is_registered_for_strict_markers(run_inner: RunInner) -> None:
    result = run_inner("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.cors_rules(*rules, bucket=None, response_vary=None)*"]
    )


def test_plugin_can_be_disabled(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        def test_it(cos_cors):
            pass
        """
    )
    result = run_inner("-p", "no:cos_cors")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'cos_cors' not found*"])
