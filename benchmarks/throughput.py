"""Item 2: preflight throughput and latency over loopback, against the baselines.

Servers, all in this process, each given the same rule: the fake (``CosCorsEndpoint``), a bare
pytest-httpserver handler returning a fixed 200 (the floor of the werkzeug stack: no rules, no
recording) in its default single-threaded mode and threaded, and moto's ``ThreadedMotoServer``
with the rule set through boto3 ``put_bucket_cors``. The load runs in a separate process
(:mod:`benchmarks.load`): 1 or 8 threads, each request on a new connection. Rounds are
interleaved across servers and the median round is quoted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .common import Section, median, percentile, ratio

BUCKET = "examplebucket-1250000000"
RULE: dict[str, Any] = {
    "AllowedOrigin": ["https://app.example.com"],
    "AllowedMethod": ["PUT", "GET"],
    "AllowedHeader": ["*"],
    "ExposeHeader": ["ETag"],
    "MaxAgeSeconds": 600,
}


@contextlib.contextmanager
def fake_server() -> Iterator[tuple[int, str]]:
    from pytest_cos_cors import CosCorsEndpoint

    with CosCorsEndpoint(bucket=BUCKET) as endpoint:
        endpoint.set_rules(RULE)
        yield endpoint.port, f"/{BUCKET}/avatar.png"


@contextlib.contextmanager
def bare_server(threaded: bool) -> Iterator[tuple[int, str]]:
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", threaded=threaded)
    server.expect_request(f"/{BUCKET}/avatar.png", method="OPTIONS").respond_with_data("")
    server.start()
    try:
        yield server.port, f"/{BUCKET}/avatar.png"
    finally:
        server.clear()
        server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_server() -> Iterator[tuple[int, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        bucket = "examplebucket"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_cors(
            Bucket=bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": RULE["AllowedOrigin"],
                        "AllowedMethods": RULE["AllowedMethod"],
                        "AllowedHeaders": RULE["AllowedHeader"],
                        "ExposeHeaders": RULE["ExposeHeader"],
                        "MaxAgeSeconds": RULE["MaxAgeSeconds"],
                    }
                ]
            },
        )
        yield port, f"/{bucket}/avatar.png"
    finally:
        server.stop()


SERVERS: dict[str, Callable[[], contextlib.AbstractContextManager[tuple[int, str]]]] = {
    "cos_cors fake": fake_server,
    "httpserver bare (default)": lambda: bare_server(False),
    "httpserver bare (threaded)": lambda: bare_server(True),
    "moto ThreadedMotoServer": moto_server,
}


def load(port: int, path: str, clients: int, requests: int, seconds: float) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.load",
            str(port),
            path,
            str(clients),
            str(requests),
            str(seconds),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(requests: int, seconds: float, rounds: int) -> dict[tuple[str, int], dict[str, Any]]:
    figures: dict[tuple[str, int], dict[str, Any]] = {}
    with contextlib.ExitStack() as stack:
        addresses = {name: stack.enter_context(factory()) for name, factory in SERVERS.items()}
        for port, path in addresses.values():  # warm up each server once
            load(port, path, 1, 20, seconds)
        runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for _ in range(rounds):
            for clients in (1, 8):
                for name, (port, path) in addresses.items():
                    result = load(
                        port, path, clients, requests * (2 if clients > 1 else 1), seconds
                    )
                    runs.setdefault((name, clients), []).append(result)
    for key, results in runs.items():
        rates = [len(r["latencies"]) / r["elapsed"] for r in results]
        latencies = [x for r in results for x in r["latencies"]]
        figures[key] = {
            "rps": median(rates),
            "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99),
            "requests": len(latencies),
            "failed": sum(r["failed"] for r in results),
            "failures": [f for r in results for f in r["failures"]][:3],
        }
    return figures


def section(requests: int, seconds: float, rounds: int) -> Section:
    figures = measure(requests, seconds, rounds)
    s = Section(
        "throughput",
        "2. Preflight throughput and latency",
        "Each server in this process; the load in a separate process (1 or 8 threads, "
        "`http.client`, a new connection per request, loopback only), bounded by request count "
        f"and {seconds:g} s per run; {rounds} interleaved rounds, the median round's rate and "
        "the p50/p99 latency over all rounds' requests. Latency includes the connect.",
    )
    for clients in (1, 8):
        fake = figures[("cos_cors fake", clients)]["rps"]
        floor = max(figures[(n, clients)]["rps"] for n in SERVERS if n.startswith("httpserver"))
        moto = figures[("moto ThreadedMotoServer", clients)]["rps"]
        for name in SERVERS:
            f = figures[(name, clients)]
            value = f"{f['rps']:.0f} req/s"
            detail = f"p50 {f['p50'] * 1000:.2f} ms, p99 {f['p99'] * 1000:.2f} ms"
            if f["failed"]:
                detail += f", {f['failed']} failed: {f['failures']}"
            if name == "cos_cors fake":
                s.add(
                    f"{name}, {clients} client{'s' if clients > 1 else ''}",
                    value,
                    baseline=detail,
                    ratio=f"{ratio(fake / floor)} of the faster bare handler",
                    target=">= 0.9x",
                    met=fake / floor >= 0.9,
                )
                s.add(
                    f"{name} vs moto, {clients} client{'s' if clients > 1 else ''}",
                    ratio(fake / moto),
                    ratio=f"{fake:.0f} vs {moto:.0f} req/s",
                    target=">= 3x",
                    met=fake / moto >= 3,
                )
            else:
                s.add(
                    f"{name}, {clients} client{'s' if clients > 1 else ''}",
                    value,
                    baseline=detail,
                    ratio=f"fake is {ratio(fake / f['rps'])}",
                )
    s.notes.append(
        "How the fake keeps up: a lazily grown pool of persistent worker threads, one woken per "
        "connection (EPOLLEXCLUSIVE), the response written in one sendall, and the COS answer "
        "built without werkzeug's Response object. With 8 clients the remaining gap to the bare "
        "handler is contention for the interpreter lock between concurrently active workers, "
        "which the single-threaded bare server does not have; the fake needs several workers "
        "so that one slow or idle connection cannot block the others."
    )
    return s
