"""What issue 13's per-test cost work changed in the fixtures, and must not change in behaviour:
markers that say the same are read once (a file is read each time: it may change), a test's
endpoints are let go once its reports are made, and the engine's one thread is kept for the
session by the fixtures and by nothing else."""

from __future__ import annotations

import pytest
from pytester_runs import RunInner

XML = (
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
    "<AllowedMethod>{method}</AllowedMethod></CORSRule></CORSConfiguration>"
)


def test_a_marker_file_is_read_for_each_test(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    (pytester.path / "cors.xml").write_text(XML.format(method="GET"))
    pytester.makepyfile(
        f"""
        from pathlib import Path
        import pytest

        pytestmark = pytest.mark.cors_rules(Path("cors.xml"))

        def test_first(cos_cors):
            assert cos_cors.configuration().rules[0].allowed_methods == ("GET",)
            Path("cors.xml").write_text({XML.format(method="PUT")!r})

        def test_second(cos_cors):
            assert cos_cors.configuration().rules[0].allowed_methods == ("PUT",)
        """
    )
    run_inner("-p", "no:randomly").assert_outcomes(passed=2)


def test_markers_that_say_the_same_give_the_same_rules(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        """
        import pytest

        RULE = {"AllowedOrigin": "https://a.example", "AllowedMethod": "PUT"}
        seen = []

        @pytest.mark.parametrize("n", range(3))
        @pytest.mark.cors_rules(RULE)
        def test_same(cos_cors, n):
            seen.append(cos_cors.configuration())
            assert cos_cors.configuration().rules[0].allowed_origins == ("https://a.example",)

        RULE_B = {"AllowedOrigin": "https://b.example", "AllowedMethod": "PUT"}

        @pytest.mark.cors_rules(RULE_B)
        class TestOneMarker:
            def test_other(self, cos_cors):
                assert seen[0] == seen[1] == seen[2]
                assert cos_cors.configuration().rules[0].allowed_origins == ("https://b.example",)
                RULE_B["AllowedOrigin"] = "https://c.example"

            def test_after_its_dict_changed(self, cos_cors):
                assert cos_cors.configuration().rules[0].allowed_origins == ("https://c.example",)
        """
    )
    run_inner("-p", "no:randomly").assert_outcomes(passed=5)


def test_a_tests_endpoints_are_let_go_after_its_reports(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        """
        import gc
        import weakref

        refs = []

        def test_keeps_objects(cos_cors, make_cos_cors):
            refs.append(weakref.ref(cos_cors))
            refs.append(weakref.ref(make_cos_cors(bucket="other-1250000000")))

        def test_later():
            gc.collect()
            assert [ref() for ref in refs] == [None, None]
        """
    )
    run_inner("-p", "no:randomly").assert_outcomes(passed=2)


def test_the_engine_thread_lives_for_the_session_with_the_fixtures(
    pytester: pytest.Pytester, run_inner: RunInner
) -> None:
    pytester.makepyfile(
        """
        import threading
        import pytest

        SEEN = {}

        def engine():
            return [t for t in threading.enumerate() if t.name == "cos-cors-loop"]

        @pytest.fixture(autouse=True)
        def leak_check(request):
            SEEN[request.node.name] = engine()  # what a user's leak check sees first

        def test_before():
            assert engine() == []

        def test_with_fixture(cos_cors):
            assert len(engine()) == 1
            assert SEEN["test_with_fixture"] == engine()  # there before the function fixtures

        def test_after_the_fixture():
            assert len(engine()) == 1  # kept for the next test's endpoint
        """
    )
    # In a process of its own: this one's session may hold the thread already.
    run_inner("-p", "no:randomly", subprocess=True).assert_outcomes(passed=3)
