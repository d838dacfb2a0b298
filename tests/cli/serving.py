"""Run ``python -m pytest_cos_cors serve`` in a subprocess and read its output with deadlines."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]
#: Every wait is bounded by this many seconds.
DEADLINE = 15.0
LAST_BANNER_LINE = "stop with Ctrl-C or SIGTERM"


class ServeProcess:
    """``serve`` in a subprocess; :meth:`start` returns once the banner has been printed."""

    def __init__(self, *args: str, cwd: Path = ROOT) -> None:
        self.args = args
        self.cwd = cwd
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.port = 0

    def start(self) -> ServeProcess:
        # No PYTHONUNBUFFERED: the command must flush each line itself.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_cos_cors", "serve", *self.args],
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        threading.Thread(target=self._read, daemon=True).start()
        first = self.wait_for_line(lambda line: line.startswith("serving "))
        match = re.match(r"serving (http://[^ ]+:(\d+)) ", first)
        assert match, first
        self.url, self.port = match[1], int(match[2])
        self.wait_for_line(lambda line: line == LAST_BANNER_LINE)
        return self

    def _read(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, predicate: object) -> str:
        """The next line (all lines are kept in :attr:`lines`) for which ``predicate`` holds."""
        assert callable(predicate)
        deadline = time.monotonic() + DEADLINE
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no such line within {DEADLINE}s; output so far: {self.lines}"
                )
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"serve ended early; output: {self.lines}; {self.stderr()}")
            self.lines.append(line)
            if predicate(line):
                return line

    def wait_for_lines(self, count: int) -> list[str]:
        """Wait until ``count`` lines follow the banner; returns them."""
        start = self.lines.index(LAST_BANNER_LINE) + 1
        while len(self.lines) - start < count:
            self.wait_for_line(lambda line: True)
        return self.lines[start:]

    def stop(self, signum: int = signal.SIGINT) -> int:
        """Send ``signum`` and wait (bounded) for the exit; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signum)
        status = self.process.wait(timeout=DEADLINE)
        while True:
            line = self._queue.get(timeout=DEADLINE)
            if line is None:
                break
            self.lines.append(line)
        return status

    def stderr(self) -> str:
        assert self.process is not None
        assert self.process.stderr is not None
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read()

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=DEADLINE)
        if self.process is not None:
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
