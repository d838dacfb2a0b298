"""A marker given a file the wrong way says how to give it (issue 18, defect 4)."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

XML = (
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
)


def test_files_given_the_wrong_way(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    (pytester.path / "cors").mkdir()
    (pytester.path / "cors" / "production.xml").write_text(XML)
    (pytester.path / "cors.yaml").write_text("CORSRule:\n  - AllowedOrigin: ['*']\n")
    pytester.makepyfile(
        """
        from pathlib import Path
        import pytest

        @pytest.mark.cors_rules("cors/production.xml")
        def test_string(cos_cors):
            pass

        @pytest.mark.cors_rules(Path("cors.yaml"))
        def test_yaml(cos_cors):
            pass

        @pytest.mark.cors_rules(Path("cors/production.xml"))
        def test_path(cos_cors):
            assert cos_cors.configuration().rules[0].allowed_methods == ("GET",)
        """
    )
    result = run_inner()
    result.assert_outcomes(passed=1, errors=2)
    assert (
        "@pytest.mark.cors_rules on test test_string: 'cors/production.xml' is a file name, not "
        "COS XML: pass a pathlib.Path to read a file, as in Path('cors/production.xml') "
        "[COS would answer MalformedXML]"
    ) in result.stdout.lines
    assert (
        "@pytest.mark.cors_rules on test test_yaml: cors.yaml is not COS XML: a configuration "
        "file is read as COS XML, or the dict the SDK's put_bucket_cors takes as JSON in a file "
        "whose name ends in .json [COS would answer MalformedXML]"
    ) in result.stdout.lines


def test_set_rules_with_a_missing_file(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(
        """
        from pathlib import Path

        def test_it(cos_cors):
            cos_cors.set_rules(Path("missing.xml"))
        """
    )
    result = run_inner()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *ConfigurationFileError: cannot read the configuration file 'missing.xml': no "
            f"such file: {pytester.path}/missing.xml (a relative path is taken from the current "
            f"directory, {pytester.path})"
        ]
    )
