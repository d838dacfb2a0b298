"""One thread drives every server's selector loop (issue 13's per-test cost): servers share it,
it ends with the last server unless held (the plugin holds it for the session), a server with
nothing in progress stops on the caller's thread (no hand-off), and a turn stuck on the driver's
thread does not make stop() wait past its deadline."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.serving import held
from pytest_cos_cors.serving.driver import THREAD_NAME, driver

from .conftest import BUCKET, Client, Engine, engine_threads, exchange, request, wait_for


def _drivers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def _preflight(port: int) -> int:
    return exchange(
        port,
        request(
            "OPTIONS",
            f"/{BUCKET}/k",
            [
                ("Host", "h"),
                ("Origin", "https://a.example"),
                ("Access-Control-Request-Method", "GET"),
            ],
        ),
    ).status


def test_servers_share_one_thread(engine: Engine) -> None:
    assert _drivers() == [] or driver().thread is not None  # a session may hold one already
    before = set(_drivers())
    endpoints = [CosCorsEndpoint() for _ in range(5)]
    try:
        for endpoint in endpoints:
            endpoint.start()
        assert [_preflight(e.port) for e in endpoints] == [403] * 5  # no rules: denied
        assert len(engine_threads()) <= 1
        assert len(set(_drivers()) | before) == 1
    finally:
        for endpoint in endpoints:
            endpoint.stop()
    if not before:  # not held: it ended with the last server
        assert _drivers() == []


def test_a_held_driver_keeps_its_thread_across_servers() -> None:
    with held():
        thread = driver().thread
        assert thread is not None
        assert thread.is_alive()
        for _ in range(3):
            with CosCorsEndpoint() as endpoint:
                assert _preflight(endpoint.port) == 403
            assert driver().thread is thread
            assert thread.is_alive()
    if driver().thread is None:  # nothing else holds it: it ended, joined
        assert not thread.is_alive()


def _blocking_app(release: threading.Event, entered: threading.Event) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        entered.set()
        release.wait(10)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    return app


def _always(head: Any, secure: bool) -> bool:
    return True


def _turn_held(port: int, entered: threading.Event) -> Client:
    """A client whose request holds the driver's thread in a quick answer (``_blocking_app``)
    until its release is set."""
    client = Client(port, timeout=10)
    client.send(request("GET", "/", [("Host", "h")]))
    assert entered.wait(5)
    return client


def test_an_idle_server_stops_while_the_driver_is_busy(serve: Any) -> None:
    """The stop sequence of a server with nothing in progress runs on the stopping thread: it
    does not wait for the driver's thread, here stuck in another server's quick answer."""
    release, entered = threading.Event(), threading.Event()
    busy = serve(_blocking_app(release, entered), quick=_always)
    idle = serve(_blocking_app(threading.Event(), threading.Event()), quick=_always)
    client = _turn_held(busy.port, entered)
    try:
        started = time.monotonic()
        idle.stop()
        stopped_in = time.monotonic() - started
        assert stopped_in < 0.5, stopped_in
        assert idle.problems.snapshot() == ()
        release.set()
        assert client.answer().body == b"ok"
    finally:
        release.set()
        client.close()
    busy.stop()
    assert busy.problems.snapshot() == ()


def test_a_stuck_turn_does_not_hold_stop_past_its_deadline(serve: Any) -> None:
    release, entered = threading.Event(), threading.Event()
    stuck = serve(_blocking_app(release, entered), quick=_always, stop_timeout=0.3)
    client = _turn_held(stuck.port, entered)
    try:
        started = time.monotonic()
        stuck.stop()
        stopped_in = time.monotonic() - started
        assert stopped_in < 0.3 + 0.25 + 0.5, stopped_in
        (problem,) = stuck.problems.snapshot()
        assert "did not stop in time" in problem
    finally:
        release.set()
        client.close()
    # Once the turn ends, the driver's thread finishes the loop and closes what it owned.
    assert wait_for(lambda: stuck.server.closed, 5.0)
    driver().end_if_idle()  # the thread ends too, unless the session holds it


def test_a_forked_child_serves_with_a_driver_of_its_own() -> None:
    """The parent's driver thread (held, as under the fixtures) does not exist in a forked
    child: the child's endpoint starts a thread of its own and answers."""
    with held():
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            status = 1
            try:
                with CosCorsEndpoint() as endpoint:
                    status = 0 if _preflight(endpoint.port) == 403 else 2
            finally:
                os.write(write, bytes([status]))
                os._exit(0)
        os.close(write)
        try:
            assert os.read(read, 1) == b"\0"
        finally:
            os.close(read)
            os.waitpid(pid, 0)


def test_endpoints_started_and_stopped_from_many_threads_at_once(engine: Engine) -> None:
    """Eight threads, each starting an endpoint, asking it, stopping it, 40 times over, with
    and without the driver held: every answer right, nothing reported, nothing left behind
    (the autouse fixture counts threads, sockets and descriptors)."""
    failures: list[str] = []

    def cycles(count: int) -> None:
        try:
            for _ in range(count):
                with CosCorsEndpoint() as endpoint:
                    status = _preflight(endpoint.port)
                    if status != 403 or endpoint.problems:
                        failures.append(f"{status} {endpoint.problems}")
        except Exception as error:  # pragma: no cover - reported below
            failures.append(repr(error))

    for hold in (False, True):
        with held() if hold else contextlib.nullcontext():
            threads = [threading.Thread(target=cycles, args=(40,)) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert not any(thread.is_alive() for thread in threads)
        assert failures == []
