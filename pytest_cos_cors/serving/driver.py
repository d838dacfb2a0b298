"""One thread drives the selector loops of every running server of the process.

Each server's selector loop (:mod:`.loop`) keeps its own ``epoll``; the driver's thread waits on
all of them at once (an ``epoll`` of their ``epoll`` descriptors) and runs a loop's turn when it
has something to do or a timer of it falls due. So starting a server starts no thread when the
driver runs already, and a request never waits for a thread to start.

Stopping a server (:func:`stop`) runs its stop sequence on the stopping thread itself when nothing
is in progress there (the common case: no hand-off to another thread and back); otherwise the
driver's thread runs the loop on until it is done, and the stopping thread waits for it.

The driver's thread starts with the first server and ends, joined, with the last one, unless it
is held (:func:`held`): the pytest plugin holds it for the session, so that a test's endpoint
costs no thread start and no join (the thread is there from the first test that uses the fixture
to the end of the session).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import traceback
from collections.abc import Iterator

from .loop import SelectorLoop

#: The driver thread's name (every thread of the engine is named ``cos-cors-...``).
THREAD_NAME = "cos-cors-loop"
#: How long ending the thread waits for it (it ends at once unless a turn is stuck).
JOIN_TIMEOUT = 10.0


class Driver:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # _loops, _holds, _generation
        self._lifecycle = threading.Lock()  # starting and ending the thread
        self._loops: dict[int, SelectorLoop] = {}
        self._holds = 0
        self._thread: threading.Thread | None = None
        self._epoll: select.epoll | None = None
        self._wake_fd = -1  # an eventfd
        # Changes when a thread is started or told to end: a thread whose generation is over
        # (ended, or abandoned with a stuck turn) stops at its next look.
        self._generation = 0

    @property
    def driving(self) -> int:
        """How many selector loops it drives now."""
        with self._lock:
            return len(self._loops)

    @property
    def thread(self) -> threading.Thread | None:
        """The driver's thread while it runs."""
        return self._thread

    # -- servers -----------------------------------------------------------------------------

    def attach(self, loop: SelectorLoop) -> None:
        """Drive ``loop`` from now on (starting the thread if it is not running)."""
        with self._lifecycle:
            self._ensure_thread()
            assert self._epoll is not None
            with self._lock:
                self._epoll.register(loop.fileno(), select.EPOLLIN)
                self._loops[loop.fileno()] = loop

    def stop(self, loop: SelectorLoop, deadline: float, grace: float) -> bool:
        """Stop ``loop`` by ``deadline`` (``time.monotonic()``): here and now if nothing is in
        progress on it, else by the driver's thread, waited for until ``grace`` seconds past
        the deadline; whether it finished. Its resources are closed once it has; the driver's
        thread ends if it drove the last loop and is not held."""
        if not loop.lock.acquire(timeout=max(0.0, deadline - time.monotonic()) + grace):
            return self._abandon(loop, deadline)  # a turn is stuck on the driver's thread
        try:
            loop.request_stop(deadline, wake=False)
            for _ in range(2):  # the stop sequence, then the connections it closed
                if loop.finished.is_set():
                    break
                if not loop.turn():
                    self._finish(loop)
                    break
        finally:
            loop.lock.release()
        if not loop.finished.is_set():
            loop.wake()  # the driver's thread goes on with it, deadline included
            if not loop.finished.wait(max(0.0, deadline - time.monotonic()) + grace):
                return self._abandon(loop, deadline)
        self._detach(loop)
        loop.close_resources()
        self.end_if_idle()
        return True

    @staticmethod
    def _abandon(loop: SelectorLoop, deadline: float) -> bool:
        """The loop could not be finished in time: the driver's thread finishes it when it can
        (and closes its resources then); ``False``."""
        loop.abandoned = True
        loop.request_stop(deadline)
        if loop.finished.is_set():  # finished as it was abandoned (closing twice is harmless)
            loop.close_resources()
        return False

    # -- holding -----------------------------------------------------------------------------

    def hold(self) -> None:
        """Keep the thread running even while no server runs (until :meth:`release`)."""
        with self._lifecycle:
            with self._lock:
                self._holds += 1
            self._ensure_thread()

    def release(self) -> None:
        with self._lock:
            self._holds = max(0, self._holds - 1)
        self.end_if_idle()

    # -- the thread --------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        """Start the thread if it is not running (``_lifecycle`` held)."""
        if self._thread is not None:
            return
        self._epoll = select.epoll()
        self._wake_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._epoll.register(self._wake_fd, select.EPOLLIN)
        self._generation += 1
        thread = threading.Thread(
            target=self._run, args=(self._generation,), name=THREAD_NAME, daemon=True
        )
        self._thread = thread
        thread.start()

    def end_if_idle(self) -> None:
        """End and join the thread when it drives nothing and nobody holds it (stopping the
        last server and releasing the last hold do it)."""
        with self._lifecycle:
            with self._lock:
                thread = self._thread
                if thread is None or self._loops or self._holds > 0:
                    return
                if thread is threading.current_thread():  # a turn stopped the last server:
                    return  # the thread cannot join itself; the next stop or release ends it
                self._generation += 1
            self._wake()
            thread.join(JOIN_TIMEOUT)
            if not thread.is_alive():
                os.close(self._wake_fd)
                if self._epoll is not None:
                    self._epoll.close()
            # else (a turn is stuck): the thread is abandoned with what it uses, and ends
            # when it can (its generation is over); the next server starts a new one.
            self._thread = self._epoll = None
            self._wake_fd = -1

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.eventfd_write(self._wake_fd, 1)

    def _detach(self, loop: SelectorLoop) -> None:
        with self._lock:
            if self._loops.get(loop.fileno()) is loop:
                del self._loops[loop.fileno()]
                assert self._epoll is not None
                with contextlib.suppress(OSError, ValueError):
                    self._epoll.unregister(loop.fileno())

    def _finish(self, loop: SelectorLoop) -> None:
        """``loop`` said it is done (``loop.lock`` held): it closes what it owns and is driven
        no more."""
        self._detach(loop)  # first: once it is finished, nothing drives it
        loop.finish()
        if loop.abandoned:  # its stopper gave up waiting: nobody else closes them
            loop.close_resources()

    def _run(self, generation: int) -> None:
        epoll, wake = self._epoll, self._wake_fd
        assert epoll is not None
        while True:
            with self._lock:
                if self._generation != generation:
                    return
                loops = list(self._loops.values())
            now = time.monotonic()
            due = min((loop.due() for loop in loops), default=float("inf"))
            timeout = -1.0 if due == float("inf") else max(0.0, due - now)
            ready = {fd for fd, _ in epoll.poll(timeout)}
            if wake in ready:
                with contextlib.suppress(OSError):
                    os.eventfd_read(wake)
            now = time.monotonic()
            for loop in loops:
                if loop.fileno() in ready or loop.due() <= now:
                    self._step(loop)

    def _step(self, loop: SelectorLoop) -> None:
        with loop.lock:
            if loop.finished.is_set():
                return
            try:
                if loop.turn():
                    return
            except BaseException:  # pragma: no cover - turn() reports its own failures
                loop.report(f"the selector loop failed:\n{traceback.format_exc()}")
            self._finish(loop)


_DRIVER = Driver()


def driver() -> Driver:
    """The process's driver."""
    return _DRIVER


def _new_in_child() -> None:
    """A forked child has none of its parent's threads: it gets a driver of its own, whose
    thread its first server starts."""
    global _DRIVER
    _DRIVER = Driver()


os.register_at_fork(after_in_child=_new_in_child)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Keep the driver's thread running for the block (see the module's text)."""
    _DRIVER.hold()
    try:
        yield
    finally:
        _DRIVER.release()
