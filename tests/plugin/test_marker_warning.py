"""A ``cors_rules`` marker on a test without ``cos_cors`` warns while that test sets up: a normal
warning under the default filter, that one test's error under ``-W error``, never an
INTERNALERROR of the session (issue 18, defect 2)."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

SUITE = """
import pytest

@pytest.mark.cors_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})
def test_forgot_the_fixture():
    pass

def test_other():
    pass
"""
WARNING = (
    "CosCorsWarning: @pytest.mark.cors_rules on test_forgot_the_fixture has no effect: the test "
    "does not use the cos_cors fixture"
)


def test_under_w_error_only_that_test_errors(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner()  # the shared options hold -W error
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "INTERNALERROR" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*ERROR at setup of test_forgot_the_fixture*", f"E   *{WARNING}"]
    )


def test_a_filterwarnings_ini_error_is_that_tests_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfilterwarnings =\n    error::pytest_cos_cors.CosCorsWarning\n")
    pytester.makepyfile(SUITE)
    # Not the shared options: their -W error would decide before the ini option does.
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:playwright"
    )
    result.assert_outcomes(passed=1, errors=1)
    assert "INTERNALERROR" not in result.stdout.str()


def test_under_the_default_filter_it_is_a_warning(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner("-W", "default")
    result.assert_outcomes(passed=2, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*test_forgot_the_fixture*", f"*{WARNING}"])


def test_ignored_it_is_silent(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner("-W", "ignore::pytest_cos_cors.CosCorsWarning")
    result.assert_outcomes(passed=2)


def test_collect_only_warns_nothing(pytester: pytest.Pytester, run_inner: RunInner) -> None:
    pytester.makepyfile(SUITE)
    result = run_inner("--collect-only")
    assert result.ret == pytest.ExitCode.OK
    assert "CosCorsWarning" not in result.stdout.str()
