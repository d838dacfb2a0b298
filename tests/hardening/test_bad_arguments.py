"""More bad ``cors_rules`` markers and ``cos_cors_settings`` than tests/plugin covers, each with
its exact message; and the endpoint's own refusal of a bucket name it could never serve."""

from __future__ import annotations

import pytest
import pytester_runs

from pytest_cos_cors.endpoint import CosCorsEndpoint

R = '{"AllowedOrigin": "*", "AllowedMethod": "GET"}'
WHERE = "@pytest.mark.cors_rules on test test_it"
XML_RULE = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    return pytester_runs.run(pytester)


BAD_MARKERS = [
    pytest.param(
        f'{R}, bucket=""', f"{WHERE}: bucket must be a non-empty string, got ''", id="empty-bucket"
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "ExposeHeader": "x-*"}',
        f'{WHERE}, rules[0].ExposeHeader: ExposeHeader "x-*" contains wildcard. We currently do '
        "not support wildcard for ExposeHeader. [COS would answer InvalidArgument]",
        id="expose-wildcard",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "AllowedHeader": "x-*-*"}',
        f'{WHERE}, rules[0].AllowedHeader: AllowedHeader "x-*-*" can not have more than one '
        "wildcard. [COS would answer InvalidArgument]",
        id="header-two-wildcards",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "MaxAgeSeconds": "abc"}',
        f"{WHERE}, rules[0].MaxAgeSeconds: expected an integer, got 'abc' "
        "[COS would answer MalformedXML]",
        id="max-age-text",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "MaxAgeSeconds": True}',
        f"{WHERE}, rules[0].MaxAgeSeconds: expected an integer, got True "
        "[COS would answer MalformedXML]",
        id="max-age-bool",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "MaxAgeSeconds": 2147483648}',
        f"{WHERE}, rules[0].MaxAgeSeconds: 2147483648 is outside 0..2147483647 "
        "[COS would answer MalformedXML]",
        id="max-age-too-big",
    ),
    pytest.param(
        '{"AllowedOrigin": "", "AllowedMethod": "GET"}',
        f"{WHERE}, rules[0].AllowedOrigin: empty value [COS would answer MalformedXML]",
        id="empty-origin",
    ),
    pytest.param(
        '{"AllowedOrigin": [], "AllowedMethod": "GET"}',
        f"{WHERE}, rules[0].AllowedOrigin: a rule needs at least one AllowedOrigin "
        "[COS would answer MalformedXML]",
        id="no-origin",
    ),
    pytest.param(
        '{"AllowedOrigin": 5, "AllowedMethod": "GET"}',
        f"{WHERE}, rules[0].AllowedOrigin: expected a string, got int 5 "
        "[COS would answer MalformedXML]",
        id="origin-not-a-string",
    ),
    pytest.param(
        '{"AllowedOrigin": "https://a\\x01", "AllowedMethod": "GET"}',
        f"{WHERE}, rules[0].AllowedOrigin: control character in 'https://a\\x01' "
        "[COS would answer MalformedXML]",
        id="origin-control-character",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "get"}',
        f"{WHERE}, rules[0].AllowedMethod: Found unsupported HTTP method in CORS config. "
        "Unsupported method is get ('get' is not one of PUT, GET, POST, DELETE, HEAD) "
        "[COS would answer InvalidRequest]",
        id="lower-case-method",
    ),
    pytest.param(
        '{"AllowedOrigin": "*", "AllowedMethod": "GET", "ID": ["a", "b"]}',
        f"{WHERE}, rules[0].ID: expected a string, got list ['a', 'b'] "
        "[COS would answer MalformedXML]",
        id="two-ids",
    ),
    pytest.param(
        f'"<CORSConfiguration><CORSRule><ID>a</ID><ID>b</ID>{XML_RULE}</CORSRule>'
        '</CORSConfiguration>"',
        f"{WHERE}, rules[0].ID: more than one ID [COS would answer MalformedXML]",
        id="xml-two-ids",
    ),
    pytest.param(
        '\'<!DOCTYPE c [<!ENTITY x "y">]><CORSConfiguration><CORSRule>'
        "<AllowedOrigin>&x;</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"
        "</CORSConfiguration>'",
        f"{WHERE}: DTD and entity declarations are refused [COS would answer MalformedXML]",
        id="xml-entity",
    ),
    pytest.param(
        f"CORSConfiguration([CORSRule('*', 'GET')]), {R}",
        f"{WHERE}, rules[0]: a whole configuration must be the only argument; give rules "
        "otherwise [COS would answer MalformedXML]",
        id="configuration-and-rule",
    ),
    pytest.param(
        '{"CORSRules": [{"AllowedOrigin": "*", "AllowedMethod": "GET"}]}',
        f"{WHERE}, rules[0].CORSRules: unknown rule key 'CORSRules' (did you mean "
        "'CORSRule'?) [COS would answer MalformedXML]",
        id="misspelt-configuration-key",
    ),
    pytest.param(
        f"{R}, response_vary=1",
        f"{WHERE}: response_vary must be True, False, 'true', 'false' or None, got 1",
        id="response-vary-int",
    ),
    pytest.param(
        f"rules=[{R}]",
        f"{WHERE}: cors_rules() got an unexpected keyword argument 'rules'",
        id="rules-keyword",
    ),
    pytest.param(
        f'{R}, bucket="b-1", respons_vary=True',
        f"{WHERE}: cors_rules() got an unexpected keyword argument 'respons_vary' "
        "(did you mean 'response_vary'?)",
        id="misspelt-response-vary",
    ),
]


def test_bad_markers(pytester: pytest.Pytester) -> None:
    """Each bad marker fails its own test at setup with exactly its message, no traceback
    (one pytest run for the whole matrix: each case is a test of its own in it)."""
    cases = [(str(p.id), str(p.values[0]), str(p.values[1])) for p in BAD_MARKERS]
    source = ["import pytest", "from pytest_cos_cors import CORSConfiguration, CORSRule", ""]
    for case_id, marker_args, _ in cases:
        name = "test_" + str(case_id).replace("-", "_")
        source += [f"@pytest.mark.cors_rules({marker_args})", f"def {name}(cos_cors):", "    pass"]
    source += ["", "def test_good(cos_cors):", "    pass"]
    pytester.makepyfile("\n".join(source))
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=len(cases))
    lines = result.stdout.lines
    missing = []
    for case_id, _, message in cases:
        name = "test_" + str(case_id).replace("-", "_")
        if message.replace("on test test_it", f"on test {name}", 1) not in lines:
            missing.append(case_id)
    assert missing == [], result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_bad_xml_in_a_marker_names_the_parser_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.cors_rules("<CORSConfiguration>")
        def test_unclosed(cos_cors):
            pass

        @pytest.mark.cors_rules(b"<CORSConfiguration><CORSRule><AllowedOrigin>\\xff"
                                b"</AllowedOrigin></CORSRule></CORSConfiguration>")
        def test_bad_utf8(cos_cors):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.cors_rules on test test_unclosed: not well-formed: Premature end of "
            "data in tag CORSConfiguration line 1* [[]COS would answer MalformedXML[]]",
            "@pytest.mark.cors_rules on test test_bad_utf8: not well-formed: *encoding* "
            "[[]COS would answer MalformedXML[]]",
        ],
        consecutive=False,
    )


def test_bad_files_in_a_marker(pytester: pytest.Pytester) -> None:
    (pytester.path / "adir").mkdir()
    (pytester.path / "cors.json").write_text("{bad json")
    pytester.makepyfile(
        """
        from pathlib import Path
        import pytest

        @pytest.mark.cors_rules(Path("adir"))
        def test_directory(cos_cors):
            pass

        @pytest.mark.cors_rules(Path("cors.json"))
        def test_json(cos_cors):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    lines = result.stdout.lines
    assert (
        "@pytest.mark.cors_rules on test test_directory: cannot read the configuration file "
        f"'adir': it is a directory: {pytester.path / 'adir'} (a relative path is taken from the "
        f"test file's directory, {pytester.path})"
    ) in lines
    assert (
        f"@pytest.mark.cors_rules on test test_json: {pytester.path / 'cors.json'} is not valid "
        "JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1) "
        "[COS would answer MalformedXML]"
    ) in lines


def test_module_and_class_markers_are_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_where="""
        import pytest

        pytestmark = pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "TRACE"})

        def test_module(cos_cors):
            pass

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethods": "GET"})
        class TestRules:
            def test_class(self, cos_cors):
                pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    lines = result.stdout.lines
    assert (
        "@pytest.mark.cors_rules on module test_where.py, rules[0].AllowedMethod: Found "
        "unsupported HTTP method in CORS config. Unsupported method is TRACE ('TRACE' is not "
        "one of PUT, GET, POST, DELETE, HEAD) [COS would answer InvalidRequest]"
    ) in lines
    assert (
        "@pytest.mark.cors_rules on class TestRules, rules[0].AllowedMethods: unknown rule key "
        "'AllowedMethods' (did you mean 'AllowedMethod'?) [COS would answer MalformedXML]"
    ) in lines


BAD_SETTINGS = [
    pytest.param(
        '{"bucket": ""}',
        "cos_cors_settings: bucket must be a non-empty string, got ''",
        id="bucket",
    ),
    pytest.param(
        '{"region": ""}',
        "cos_cors_settings: region must be a non-empty string, got ''",
        id="region",
    ),
    pytest.param(
        '{"host": 3}', "cos_cors_settings: host must be a non-empty string, got 3", id="host"
    ),
    pytest.param(
        '{"acl": "PRIVATE"}',
        "cos_cors_settings: acl must be one of private, public-read, public-read-write, got "
        "'PRIVATE'",
        id="acl-case",
    ),
    pytest.param(
        '{1: "x"}',
        "cos_cors_settings: unknown setting 1; known: bucket, region, host, acl, credentials, "
        "intercept",
        id="non-string-key",
    ),
    pytest.param(
        '{"Bucket": "x"}',
        "cos_cors_settings: unknown setting 'Bucket' (did you mean 'bucket'?); known: bucket, "
        "region, host, acl, credentials, intercept",
        id="key-case",
    ),
    pytest.param("None", "cos_cors_settings must return a dict, got NoneType", id="none"),
]


def test_bad_settings(pytester: pytest.Pytester) -> None:
    """One module per bad ``cos_cors_settings`` (the fixture is overridden per module), all in
    one pytest run."""
    cases = [(str(p.id), str(p.values[0]), str(p.values[1])) for p in BAD_SETTINGS]
    for case_id, settings, _ in cases:
        pytester.makepyfile(
            **{
                f"test_{str(case_id).replace('-', '_')}": f"""
                import pytest

                @pytest.fixture
                def cos_cors_settings():
                    return {settings}

                def test_it(cos_cors):
                    pass
                """
            }
        )
    result = run(pytester)
    result.assert_outcomes(errors=len(cases))
    missing = [case_id for case_id, _, message in cases if message not in result.stdout.lines]
    assert missing == [], result.stdout.str()


def test_bad_ini_value(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncos_cors_acl = everyone\n")
    pytester.makepyfile("def test_it(cos_cors):\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    assert (
        "ini option cos_cors_acl: acl must be one of private, public-read, public-read-write, "
        "got 'everyone'"
    ) in result.stdout.lines


def test_bad_make_cos_cors_arguments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_unknown(make_cos_cors):
            make_cos_cors(buckt="x")

        def test_acl(make_cos_cors):
            make_cos_cors(acl="nope")
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    lines = result.stdout.lines
    assert (
        "make_cos_cors(): unknown setting 'buckt' (did you mean 'bucket'?); known: bucket, "
        "region, host, acl, credentials, intercept"
    ) in lines
    assert (
        "make_cos_cors(): acl must be one of private, public-read, public-read-write, got 'nope'"
    ) in lines


@pytest.mark.parametrize("bucket", ["", "a/b", "/x"])
def test_endpoint_refuses_a_bucket_it_could_not_serve(bucket: str) -> None:
    with pytest.raises(ValueError, match=r"not a COS bucket name|non-empty string") as info:
        CosCorsEndpoint(bucket=bucket)
    assert str(info.value).startswith(
        f"{bucket!r} is not a COS bucket name: " if bucket else "a bucket name must be"
    )


def test_settings_bucket_with_a_slash_fails_the_test(pytester: pytest.Pytester) -> None:
    """A starting bucket named ``a/b`` could never be reached path-style; the fixture errors
    instead of handing out an endpoint that answers NoSuchBucket to everything."""
    pytester.makepyfile(
        test_slash_settings="""
        import pytest

        @pytest.fixture
        def cos_cors_settings():
            return {"bucket": "a/b"}

        def test_it(cos_cors):
            pass
        """,
        test_slash_marker="""
        import pytest

        @pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"}, bucket="c/d")
        def test_marker(cos_cors):
            pass
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    assert (
        "cos_cors_settings: 'a/b' is not a COS bucket name: a bucket name holds only lower-case "
        "letters, digits and '-' (did you mean 'a-b-1250000000'?)"
    ) in result.stdout.lines
    assert (
        "@pytest.mark.cors_rules on test test_marker: bucket='c/d' is not a COS bucket name: a "
        "bucket name holds only lower-case letters, digits and '-' (did you mean "
        "'c-d-1250000000'?)"
    ) in result.stdout.lines
    assert "Traceback" not in result.stdout.str()


def test_a_host_that_cannot_be_bound_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def cos_cors_settings():
            return {"host": "192.0.2.1"}

        def test_it(cos_cors):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["cos_cors_settings: cannot listen on host '192.0.2.1': [[]Errno 99[]] *"]
    )
