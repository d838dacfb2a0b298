"""The serving engine (``pytest_cos_cors.serving``) against the baselines.

``python -m benchmarks.serving_engine [--quick] [--rounds N]`` prints medians and ratios, every
figure measured in this run:

1. start+stop of one server (no request), median of many;
2. preflight throughput, each request on a new connection, 1 and 8 clients: the fake endpoint
   served by the engine, and a bare pytest-httpserver handler returning a
   fixed 200 (the floor of the werkzeug stack), each in this process; the load runs in a
   separate process (``--load``) so that it does not share the servers' interpreter lock;
3. the same with keep-alive clients (one persistent connection per client, as a browser does)
   on the engine, against the engine with new connections; with each row, the CPU time
   this process spent per request (the servers' own cost: on a 2-core machine the load
   generator, not the server, can be what limits a rate);
4. the framing cost of one preflight cycle (parse the request, serialise a 10-field answer):
   h11 (if installed) against the engine's own parser.

Rounds are interleaved across servers and the median round's rate is quoted. Nothing asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import itertools
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
import timeit
from collections.abc import Callable, Iterator
from typing import Any

BUCKET = "examplebucket-1250000000"
PATH = f"/{BUCKET}/avatar.png"
RULE: dict[str, Any] = {
    "AllowedOrigin": ["https://app.example.com"],
    "AllowedMethod": ["PUT", "GET"],
    "AllowedHeader": ["*"],
    "ExposeHeader": ["ETag"],
    "MaxAgeSeconds": 600,
}
HEADERS = {
    "Origin": "https://app.example.com",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type",
}


# -- the load, in its own process -----------------------------------------------------------


def run_load(port: int, clients: int, requests: int, seconds: float, keep: bool) -> dict[str, Any]:
    """``clients`` threads send OPTIONS preflights until ``requests`` were sent or ``seconds``
    passed; a new connection per request, or one persistent connection per client."""
    tickets = itertools.count()
    counts = [0] * clients
    failures: list[str] = []
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        barrier.wait()
        conn: http.client.HTTPConnection | None = None
        while next(tickets) < requests and time.perf_counter() < deadline[0]:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("OPTIONS", PATH, headers=HEADERS)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"status {response.status}")
                counts[index] += 1
            except OSError as error:
                failures.append(repr(error))
                conn.close()
                conn = None
                continue
            if not keep or response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "done": sum(counts),
        "failed": len(failures),
        "failures": failures[:3],
    }


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def load(port: int, clients: int, requests: int, seconds: float, keep: bool) -> tuple[float, float]:
    """Requests per second, and this process's CPU seconds per request while it served them
    (the servers' own cost, whatever the load generator can keep up with)."""
    cpu = _cpu()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.serving_engine",
            "--load",
            json.dumps([port, clients, requests, seconds, keep]),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout)
    cpu = _cpu() - cpu
    if result["failed"]:
        raise RuntimeError(f"{result['failed']} requests failed: {result['failures']}")
    return float(result["done"] / result["elapsed"]), cpu / max(1, result["done"])


# -- the servers ----------------------------------------------------------------------------


def serving_factory() -> Callable[..., Any]:
    from pytest_cos_cors.serving import CosServer
    from pytest_cos_cors.wire import internal_error, protocol_error

    return functools.partial(CosServer, framing_error=protocol_error, internal_error=internal_error)


@contextlib.contextmanager
def endpoint() -> Iterator[int]:
    from pytest_cos_cors.endpoint import CosCorsEndpoint

    with CosCorsEndpoint(bucket=BUCKET) as ep:
        ep.set_rules(RULE)
        ep.max_exchanges = 1000
        yield ep.port


@contextlib.contextmanager
def bare(threaded: bool) -> Iterator[int]:
    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", threaded=threaded)
    server.expect_request(PATH, method="OPTIONS").respond_with_data("")
    server.start()
    try:
        yield server.port
    finally:
        server.clear()
        server.stop()


# -- the sections ---------------------------------------------------------------------------


def start_stop(count: int) -> dict[str, float]:
    from pytest_cos_cors.recording import Problems

    def app(environ: object, start_response: object) -> list[bytes]:  # pragma: no cover
        return []

    from pytest_cos_cors.serving import held

    make = serving_factory()
    # "engine": the driver's thread starts and ends with the one server; "driver held": as
    # under the cos_cors fixture, which holds it for the session.
    holds: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
        "engine": contextlib.nullcontext,
        "engine, driver held": held,
    }
    medians: dict[str, list[float]] = {name: [] for name in holds}
    for _ in range(5):
        for name, hold in holds.items():
            durations = []
            with hold():
                for _ in range(count):
                    started = time.perf_counter()
                    server = make("127.0.0.1", 0, app, Problems())
                    server.start()
                    server.stop()
                    durations.append(time.perf_counter() - started)
            medians[name].append(statistics.median(durations))
    return {name: statistics.median(values) for name, values in medians.items()}


Figures = dict[tuple[str, int, bool], tuple[float, float]]


def throughput(requests: int, seconds: float, rounds: int) -> Figures:
    rows: list[tuple[str, Callable[[], contextlib.AbstractContextManager[int]], bool]] = [
        ("engine", endpoint, False),
        ("httpserver bare (default)", lambda: bare(False), False),
        ("httpserver bare (threaded)", lambda: bare(True), False),
        ("engine", endpoint, True),
    ]
    rates: dict[tuple[str, int, bool], list[float]] = {}
    costs: dict[tuple[str, int, bool], list[float]] = {}
    with contextlib.ExitStack() as stack:
        ports = [stack.enter_context(factory()) for _, factory, _ in rows]
        for port, (_, _, keep) in zip(ports, rows, strict=True):
            load(port, 1, 50, seconds, keep)  # warm up
        for _ in range(rounds):
            for clients in (1, 8):
                for port, (name, _, keep) in zip(ports, rows, strict=True):
                    rate, cost = load(port, clients, requests, seconds, keep)
                    rates.setdefault((name, clients, keep), []).append(rate)
                    costs.setdefault((name, clients, keep), []).append(cost)
    return {
        key: (statistics.median(values), statistics.median(costs[key]))
        for key, values in rates.items()
    }


def framing_cost(number: int) -> dict[str, float]:
    from pytest_cos_cors.serving.framing import HeadScanner, Limits, parse_head, response_head

    request = (
        b"OPTIONS /examplebucket-1250000000/avatar.png HTTP/1.1\r\nHost: 127.0.0.1:40000\r\n"
        b"Accept-Encoding: identity\r\nOrigin: https://app.example.com\r\n"
        b"Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: content-type\r\n"
        b"\r\n"
    )
    answer = [
        ("Content-Length", "0"),
        ("Access-Control-Allow-Headers", "content-type"),
        ("Access-Control-Allow-Methods", "PUT,GET"),
        ("Access-Control-Allow-Origin", "https://app.example.com"),
        ("Access-Control-Expose-Headers", "ETag"),
        ("Access-Control-Max-Age", "600"),
        ("Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
        ("Server", "tencent-cos"),
        ("x-cos-request-id", "NjU5YjFmMDBfMTIzNF9hYmNkZWYxMl8x"),
    ]
    limits = Limits()

    def engine() -> bytes:
        end = HeadScanner(limits).feed(request)
        assert end is not None
        head = parse_head(request[: end - 2])
        assert head.method == "OPTIONS"
        return response_head("200 OK", answer, "")

    costs = {"engine's parser": min(timeit.repeat(engine, number=number, repeat=5)) / number}
    try:
        import h11
    except ImportError:
        return costs

    def with_h11() -> bytes:
        conn = h11.Connection(h11.SERVER)
        conn.receive_data(request)
        event = conn.next_event()
        assert isinstance(event, h11.Request)
        [(n.decode("latin-1"), v.decode("latin-1")) for n, v in event.headers.raw_items()]
        conn.next_event()
        out = conn.send(h11.Response(status_code=200, headers=answer, reason=b"OK"))
        out = (out or b"") + (conn.send(h11.EndOfMessage()) or b"")
        conn.start_next_cycle()
        return out

    costs["h11"] = min(timeit.repeat(with_h11, number=number, repeat=5)) / number
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        port, clients, requests, seconds, keep = json.loads(args.load)
        print(json.dumps(run_load(port, clients, requests, seconds, keep)))
        return
    quick = args.quick
    rounds = 1 if quick else args.rounds
    cycles = 20 if quick else 400
    requests, seconds = (40, 0.5) if quick else (4000, 2.0)

    print(f"serving engine benchmark ({'quick: figures meaningless' if quick else 'full'})")
    print(f"\n1. start+stop, median of {cycles} per round, median of 5 rounds")
    lifecycle = start_stop(cycles)
    for name, value in lifecycle.items():
        print(f"  {name:<28} {value * 1000:8.3f} ms")

    print(f"\n2./3. preflights per second, median of {rounds} interleaved rounds")
    rates = throughput(requests, seconds, rounds)
    for clients in (1, 8):
        floor = max(
            rates[(name, clients, False)][0]
            for name in ("httpserver bare (default)", "httpserver bare (threaded)")
        )
        fresh = rates[("engine", clients, False)][0]
        for (name, count, keep), (rate, cost) in rates.items():
            if count != clients:
                continue
            mode = "keep-alive" if keep else "new connections"
            print(
                f"  {clients} client{'s' if clients > 1 else ' '} {name:<27} {mode:<16}"
                f" {rate:8.0f} req/s  {rate / floor:5.2f}x bare  {rate / fresh:5.2f}x engine new"
                f"  server CPU {cost * 1e6:6.1f} us/req"
            )

    print("\n4. framing cost of one preflight cycle (parse + answer head), best of 5")
    for name, cost in framing_cost(200 if quick else 20000).items():
        print(f"  {name:<28} {cost * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
