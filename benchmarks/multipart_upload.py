"""Issue 14: a large multipart upload through the official Python SDK, and what the endpoint's
memory does with large bodies.

``python -m benchmarks.multipart_upload [--quick]`` prints one line per figure; ``section()`` is
what ``python -m benchmarks`` calls. Each figure comes from a fresh subprocess:

1. ``upload`` - ``CosS3Client.upload_file`` of a SIZE MiB file in PART MiB parts (5 threads, the
   SDK's default) against a ``CosCorsEndpoint`` in the same process, ROUNDS times (the object is
   deleted between rounds): the median time, and the growth of the process's peak RSS
   (``VmHWM``) over the whole run. The file itself is on disk; the SDK holds one part per thread
   in memory (5 threads), the endpoint the object.
2. ``put`` - tracemalloc's peak while the endpoint receives one PUT of SIZE MiB over a raw
   socket (the client sends from a buffer allocated before tracing starts, so only the
   endpoint's own allocations count), then while it answers a GET of the whole object and a
   ranged GET of most of it.

Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from .common import Section, peak_rss_bytes

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


# -- in the child process ------------------------------------------------------------------------


def child_upload(size_mib: int, part_mib: int, rounds: int) -> dict[str, Any]:
    import logging

    from qcloud_cos import CosS3Client

    from pytest_cos_cors import CosCorsEndpoint

    logging.getLogger("qcloud_cos").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "upload.bin"
        with source.open("wb") as handle:
            block = os.urandom(MIB)
            for _ in range(size_mib):
                handle.write(block)
        with CosCorsEndpoint() as endpoint:
            client = CosS3Client(endpoint.cos_config(), retry=0)
            before = peak_rss_bytes()
            times = []
            parts = 0
            for _ in range(rounds):
                endpoint.clear_log()
                started = time.perf_counter()
                client.upload_file(
                    Bucket=endpoint.bucket,
                    Key="bench/upload.bin",
                    LocalFilePath=str(source),
                    PartSize=part_mib,
                )
                times.append(time.perf_counter() - started)
                parts = sum(e.operation == "UploadPart" for e in endpoint.exchanges)
                assert len(endpoint.objects()) == 1  # (a snapshot would keep the object alive)
                client.delete_object(Bucket=endpoint.bucket, Key="bench/upload.bin")
            after = peak_rss_bytes()
            client._session.close()
    return {"times": times, "before": before, "after": after, "parts": parts}


def _exchange(port: int, head: bytes, body: bytes | None = None) -> int:
    sink = bytearray(MIB)
    view = memoryview(sink)
    total = 0
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(head)
        if body is not None:
            sock.sendall(memoryview(body))
        while received := sock.recv_into(view):
            total += received
    return total


def child_put(size_mib: int) -> dict[str, Any]:
    from pytest_cos_cors import CosCorsEndpoint

    size = size_mib * MIB
    body = bytes(size)
    result: dict[str, Any] = {"size": size}
    with CosCorsEndpoint() as endpoint:
        host = f"Host: {endpoint.bucket_host}\r\n"

        def settle() -> None:
            while endpoint.requests_in_progress():
                time.sleep(0.005)

        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        head = f"PUT /big HTTP/1.1\r\n{host}Content-Length: {size}\r\nConnection: close\r\n\r\n"
        _exchange(endpoint.port, head.encode(), body)
        settle()
        result["put_seconds"] = time.perf_counter() - started
        current, peak = tracemalloc.get_traced_memory()
        result["put_peak"] = peak - base
        result["put_held"] = current - base
        for name, extra in (
            ("get", ""),
            ("range", f"Range: bytes={MIB}-{size - MIB - 1}\r\n"),
        ):
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            received = _exchange(
                endpoint.port,
                f"GET /big HTTP/1.1\r\n{host}{extra}Connection: close\r\n\r\n".encode(),
            )
            settle()
            result[f"{name}_peak"] = tracemalloc.get_traced_memory()[1] - base
            result[f"{name}_received"] = received
        tracemalloc.stop()
    return result


# -- in the parent -------------------------------------------------------------------------------


def _run(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.multipart_upload", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def section(size_mib: int, part_mib: int, rounds: int, put_mib: int) -> Section:
    s = Section(
        "multipart_upload",
        "8. Multipart upload and large bodies (benchmarks/multipart_upload.py)",
        f"`upload_file` of a {size_mib} MiB file in {part_mib} MiB parts through "
        "cos-python-sdk-v5 (5 threads) against an endpoint in the same fresh subprocess, "
        f"{rounds} round(s), the object deleted between rounds; peak RSS is `VmHWM`. Then, in "
        f"another subprocess, tracemalloc's peak while the endpoint takes one {put_mib} MiB "
        "PUT and answers a GET and a ranged GET of it (the client's buffers are allocated "
        "before tracing starts).",
    )
    upload = _run("upload", str(size_mib), str(part_mib), str(rounds))
    times = upload["times"]
    grown = upload["after"] - upload["before"]
    median = statistics.median(times)
    s.add(
        f"upload_file {size_mib} MiB, {upload['parts']} parts",
        f"{median:.2f} s",
        baseline=f"min {min(times):.2f} s, max {max(times):.2f} s, {len(times)} round(s)",
        ratio=f"{size_mib / median:.0f} MiB/s",
    )
    s.add(
        "peak RSS growth, multipart upload",
        f"+{grown / MIB:.1f} MiB",
        baseline=f"{upload['before'] / MIB:.1f} MiB before",
        ratio=f"{grown / (size_mib * MIB):.2f} x the file",
        target="the object + the SDK's 5 parts in flight",
    )
    put = _run("put", str(put_mib))
    size = put["size"]
    s.add(
        f"PUT {put_mib} MiB, endpoint peak (tracemalloc)",
        f"{put['put_peak'] / MIB:.1f} MiB",
        baseline=f"kept {put['put_held'] / MIB:.1f} MiB, {put['put_seconds']:.2f} s",
        ratio=f"{put['put_peak'] / size:.2f} copies of the body",
        target="one copy (+ 4 MiB)",
        met=put["put_peak"] <= size + 4 * MIB,
    )
    for name, label in (("get", "GET, whole object"), ("range", "GET, ranged")):
        s.add(
            f"{label}: endpoint peak (tracemalloc)",
            f"{put[f'{name}_peak'] / MIB:.2f} MiB",
            baseline=f"sent {put[f'{name}_received'] / MIB:.1f} MiB",
            target="< 4 MiB (no copy of the object)",
            met=put[f"{name}_peak"] < 4 * MIB,
        )
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.multipart_upload")
    parser.add_argument("mode", nargs="?", choices=["upload", "put", "all"], default="all")
    parser.add_argument("args", nargs="*", type=int)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    options = parser.parse_args(argv)
    if options.mode == "upload":
        print(json.dumps(child_upload(*options.args)))
    elif options.mode == "put":
        print(json.dumps(child_put(*options.args)))
    else:
        sizes = QUICK if options.quick else FULL
        for row in section(**sizes).rows:
            print(" | ".join(c for c in (row.name, row.value, row.baseline, row.ratio) if c))
    return 0


FULL = {"size_mib": 100, "part_mib": 10, "rounds": 3, "put_mib": 200}
QUICK = {"size_mib": 4, "part_mib": 1, "rounds": 1, "put_mib": 8}

if __name__ == "__main__":
    raise SystemExit(main())
