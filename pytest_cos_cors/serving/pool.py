"""A bounded pool of worker threads, grown on demand and shrunk when idle.

A worker is started only when a request waits and no worker is free (none at start: a server
that serves nothing costs no thread), never more than ``max_workers``; a worker that finds no
work for ``idle_timeout`` seconds exits. :meth:`WorkerPool.shutdown` lets the workers finish
what they have and joins them within a deadline.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class WorkerPool(Generic[T]):
    def __init__(
        self,
        name: str,
        handle: Callable[[T], None],
        max_workers: int,
        idle_timeout: float,
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._name = name
        self._handle = handle
        self._on_error = on_error
        self._max = max(1, max_workers)
        self._idle_timeout = idle_timeout
        self._queue: queue.SimpleQueue[T | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._retired: list[threading.Thread] = []  # exited when idle; joined at shutdown
        self._idle = 0  # workers waiting for work
        self._pending = 0  # items submitted and not taken yet
        self._closed = False

    @property
    def size(self) -> int:
        with self._lock:
            return len(self._threads)

    def submit(self, item: T) -> None:
        self._queue.put(item)
        with self._lock:
            self._pending += 1
            if self._pending > self._idle and len(self._threads) < self._max and not self._closed:
                if self._retired:
                    self._retired = [t for t in self._retired if t.is_alive()]
                thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._threads.add(thread)
                self._idle += 1
                thread.start()

    def _work(self) -> None:
        me = threading.current_thread()
        get, lock = self._queue.get, self._lock
        while True:
            try:
                item = get(timeout=self._idle_timeout)
            except queue.Empty:
                with lock:
                    if self._pending > 0 and not self._closed:
                        continue  # work arrived as the wait ended
                    self._idle -= 1
                    self._threads.discard(me)
                    self._retired.append(me)
                    return
            with lock:
                self._idle -= 1
                if item is None:  # shutdown's sentinel
                    return
                self._pending -= 1
            try:
                self._handle(item)
            except Exception as error:  # the handler reports its own failures; a last resort
                self._on_error(error)
            finally:
                with lock:
                    self._idle += 1

    def shutdown(self, deadline: float) -> tuple[list[threading.Thread], list[T]]:
        """Stop taking work, let each worker finish its item, join them until ``deadline``
        (``time.monotonic()``). Returns the workers still running and the items never taken."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            retired, self._retired = self._retired, []
        for _ in threads:
            self._queue.put(None)
        for thread in threads + retired:
            thread.join(max(0.0, deadline - time.monotonic()))
        left: list[T] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                left.append(item)
        return [t for t in threads if t.is_alive()], left
