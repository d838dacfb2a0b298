"""Issue 16: interception is patched in only while it is active and restored exactly; the
setting turns it off; ``endpoint.intercept()`` by hand; two endpoints; a thread that outlives
its test fails loudly; 200 tests under ``-n 2`` leave nothing behind."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest
import requests
from pytester_runs import RunInner
from values import BUCKET_HOST

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.intercept import InterceptConflictError, intercepting

#: What the inner sessions compare with: the functions interception patches.
ORIGINALS = """
import socket, ssl
ORIGINALS = (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex,
             ssl.SSLContext.wrap_socket, ssl.SSLContext.wrap_bio)

def current():
    return (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex,
            ssl.SSLContext.wrap_socket, ssl.SSLContext.wrap_bio)
"""


def _current() -> tuple[Any, ...]:
    return (
        socket.getaddrinfo,
        socket.gethostbyname,
        socket.gethostbyname_ex,
        ssl.SSLContext.wrap_socket,
        ssl.SSLContext.wrap_bio,
    )


@pytest.fixture
def stub_resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A resolver in place of the real one (no network here): it records the names asked and
    refuses COS host names, so a test can tell the real resolver from the fake."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(host))
        if str(host).endswith(".myqcloud.com"):
            raise socket.gaierror(socket.EAI_NONAME, "stub: no such name")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return asked


def test_patched_only_inside_and_restored_by_identity(
    endpoint: CosCorsEndpoint, stub_resolver: list[str]
) -> None:
    before = _current()
    assert not intercepting()
    with endpoint.intercept() as same:
        assert same is endpoint
        assert intercepting()
        assert socket.getaddrinfo is not before[0]
        assert ssl.SSLContext.wrap_socket is not before[3]
        assert ssl.SSLContext.wrap_bio is not before[4]
        assert (
            requests.get(endpoint.cos_url_for("x", scheme="https"), timeout=10).status_code == 404
        )
        assert stub_resolver == ["127.0.0.1"]  # only the endpoint's literal address
    assert _current() == before
    assert all(a is b for a, b in zip(_current(), before, strict=True))
    assert not intercepting()
    # After: a COS name goes to the resolver again (here the stub), never to the fake.
    with pytest.raises(socket.gaierror, match="stub"):
        socket.getaddrinfo(BUCKET_HOST, 443)
    assert stub_resolver[-1] == BUCKET_HOST
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(endpoint.cos_url_for("x", scheme="https"), timeout=10)
    assert len(endpoint.exchanges) == 1


def test_restored_when_the_block_fails(endpoint: CosCorsEndpoint) -> None:
    before = _current()
    with pytest.raises(ZeroDivisionError), endpoint.intercept():
        1 / 0  # noqa: B018
    assert _current() == before


def test_a_stopped_endpoint_cannot_intercept() -> None:
    with pytest.raises(RuntimeError, match="start"), CosCorsEndpoint().intercept():
        pass


def test_two_endpoints_of_one_bucket_conflict(endpoint: CosCorsEndpoint) -> None:
    with CosCorsEndpoint() as other, endpoint.intercept(label="the first endpoint"):
        with pytest.raises(InterceptConflictError) as info, other.intercept(label="the second"):
            pass
        assert str(info.value).startswith(
            "the second cannot intercept COS host names: the first endpoint already "
            "intercepts them for bucket examplebucket-1250000000."
        )
        assert intercepting()
    assert not intercepting()


def test_two_endpoints_of_different_buckets(endpoint: CosCorsEndpoint) -> None:
    with CosCorsEndpoint(bucket="photos-1250000000") as photos:
        with endpoint.intercept(), photos.intercept():
            requests.put(endpoint.cos_url_for("a"), data=b"1", timeout=10)
            requests.put(photos.cos_url_for("b"), data=b"2", timeout=10)
            unknown = requests.get(endpoint.cos_url_for("c", bucket="other-1250000000"))
            assert "<Code>NoSuchBucket</Code>" in unknown.text
        assert endpoint.objects() == {"a": b"1"}
        assert photos.objects() == {"b": b"2"}
        assert len(endpoint.exchanges) == 2  # the unknown bucket reached the first one


def test_the_fixture_intercepts_and_restores(
    run_inner: RunInner, pytester: pytest.Pytester
) -> None:
    pytester.makeconftest(
        ORIGINALS
        + """
import pytest

@pytest.fixture(autouse=True)
def restored():
    yield
    assert all(a is b for a, b in zip(current(), ORIGINALS)), "a patch was left behind"
"""
    )
    pytester.makepyfile(
        """
        import requests
        from conftest import ORIGINALS, current

        def test_intercepted(cos_cors):
            assert current()[0] is not ORIGINALS[0]
            requests.put(cos_cors.cos_url_for("a", scheme="https"), data=b"1")
            assert cos_cors.objects() == {"a": b"1"}

        def test_without_cos_cors():
            assert all(a is b for a, b in zip(current(), ORIGINALS))

        def test_make_cos_cors_does_not_intercept_unless_asked(make_cos_cors):
            make_cos_cors()
            assert current()[0] is ORIGINALS[0]

        def test_make_cos_cors_asked(make_cos_cors):
            extra = make_cos_cors(bucket="photos-1250000000", intercept=True)
            requests.put(extra.cos_url_for("b"), data=b"2")
            assert extra.objects() == {"b": b"2"}

        def test_conflict(cos_cors, make_cos_cors):
            make_cos_cors(intercept=True)
        """
    )
    result = run_inner()
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "make_cos_cors() endpoint of test_the_fixture_intercepts_and_restores"
            ".py::test_conflict cannot intercept COS host names: the cos_cors endpoint of "
            "test_the_fixture_intercepts_and_restores.py::test_conflict already intercepts them "
            "for bucket examplebucket-1250000000.*"
        ]
    )
    assert not intercepting()


@pytest.mark.parametrize(
    ("ini", "settings"),
    [
        pytest.param("[pytest]\ncos_cors_intercept = false\n", "", id="ini"),
        pytest.param(
            "",
            "@pytest.fixture(scope='session')\n"
            "def cos_cors_settings():\n    return {'intercept': False}\n",
            id="settings",
        ),
    ],
)
def test_the_setting_turns_it_off(
    run_inner: RunInner, pytester: pytest.Pytester, ini: str, settings: str
) -> None:
    if ini:
        pytester.makeini(ini)
    pytester.makeconftest(ORIGINALS + "import pytest\n" + settings)
    pytester.makepyfile(
        """
        from conftest import ORIGINALS, current

        def test_off(cos_cors):
            assert all(a is b for a, b in zip(current(), ORIGINALS))
        """
    )
    run_inner().assert_outcomes(passed=1)


def test_a_bad_setting(run_inner: RunInner, pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import pytest\n@pytest.fixture(scope='session')\n"
        "def cos_cors_settings():\n    return {'intercept': 'no'}\n"
    )
    pytester.makepyfile("def test_it(cos_cors):\n    pass\n")
    result = run_inner()
    result.assert_outcomes(errors=1)
    assert "cos_cors_settings: intercept must be True or False, got 'no'" in result.stdout.lines


def test_a_thread_that_outlives_its_test_fails_loudly(
    run_inner: RunInner, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(
        """
        import threading
        import requests

        go = [threading.Event(), threading.Event()]
        done = [threading.Event(), threading.Event()]
        outcome = []

        def late(url):
            for n in range(2):
                go[n].wait(10)
                try:
                    outcome.append(requests.get(url, timeout=5).status_code)
                except Exception as error:
                    outcome.append(error)
                done[n].set()

        def test_starts_a_thread(cos_cors):
            url = cos_cors.cos_url_for("a", scheme="https")
            threading.Thread(target=late, args=(url,), daemon=True).start()

        def test_without_cos_cors():
            go[0].set()
            assert done[0].wait(10)
            text = str(outcome[0])
            # requests wraps it in its ConnectionError, with the message.
            assert "examplebucket-1250000000.cos.ap-beijing.myqcloud.com" in text, text
            assert "test_starts_a_thread, which has ended" in text, text
            assert "the request was not sent" in text, text

        def test_a_later_interception_answers_it(cos_cors):
            go[1].set()
            assert done[1].wait(10)
            assert outcome[1] == 404
            assert len(cos_cors.exchanges) == 1
        """
    )
    # In a subprocess: the loud failure needs an audit hook, which stays for the process's life.
    run_inner("-p", "no:randomly", subprocess=True).assert_outcomes(passed=3)


def test_200_tests_under_xdist_leave_nothing_behind(
    run_inner: RunInner, pytester: pytest.Pytester
) -> None:
    pytester.makeconftest(
        ORIGINALS
        + """
import pytest

@pytest.fixture(autouse=True)
def restored():
    assert all(a is b for a, b in zip(current(), ORIGINALS)), "a patch was there before"
    yield
    assert all(a is b for a, b in zip(current(), ORIGINALS)), "a patch was left behind"
"""
    )
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.parametrize("n", range(200))
        def test_put(cos_cors, n):
            scheme = "https" if n % 2 else "http"
            url = cos_cors.cos_url_for(f"k{n}", scheme=scheme)
            assert requests.put(url, data=b"x").status_code == 200
            assert cos_cors.objects() == {f"k{n}": b"x"}
        """
    )
    run_inner("-n", "2", subprocess=True).assert_outcomes(passed=200)
