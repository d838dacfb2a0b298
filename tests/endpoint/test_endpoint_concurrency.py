"""8 threads x 500 mixed preflights and object PUTs against one endpoint."""

from __future__ import annotations

import http.client
import threading
from collections import Counter

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.evaluator import evaluate_preflight

from .conftest import CONFIG_A, HOST

THREADS = 8
PER_THREAD = 500
ORIGINS = ["https://example.com", "https://bar.com", "https://evil.org", "https://a.example.com"]
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"]
HEADER_SETS = [None, "range", "content-type,x-cos-meta-author", "authorization"]


def plan(thread: int, index: int) -> tuple[str, dict[str, str]]:
    n = thread * PER_THREAD + index
    headers = {"Host": HOST, "X-Seq": f"{thread}-{index}"}
    if n % 3 == 0:
        return "PUT", headers
    headers["Origin"] = ORIGINS[n % len(ORIGINS)]
    headers["Access-Control-Request-Method"] = METHODS[n % len(METHODS)]
    requested = HEADER_SETS[(n // 7) % len(HEADER_SETS)]
    if requested is not None:
        headers["Access-Control-Request-Headers"] = requested
    return "OPTIONS", headers


def test_concurrent_preflights_and_puts(endpoint: CosCorsEndpoint) -> None:
    configuration = endpoint.set_rules(CONFIG_A)
    statuses: Counter[int] = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(thread: int) -> None:
        try:
            for index in range(PER_THREAD):
                method, headers = plan(thread, index)
                connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
                try:
                    body = f"{thread}-{index}".encode() if method == "PUT" else None
                    connection.request(method, f"/t{thread}/{index}", body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    with lock:
                        statuses[response.status] += 1
                finally:
                    connection.close()
        except BaseException as error:  # reported below, in the test's thread
            with lock:
                failures.append(error)

    workers = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for started in workers:
        started.start()
    for joined in workers:
        joined.join()
    assert failures == []
    assert sum(statuses.values()) == THREADS * PER_THREAD
    assert all(status < 500 for status in statuses), statuses

    exchanges = endpoint.exchanges
    assert len(exchanges) == THREADS * PER_THREAD
    seen = Counter(e.headers["X-Seq"] for e in exchanges)
    assert len(seen) == THREADS * PER_THREAD
    assert set(seen.values()) == {1}
    for exchange in exchanges:
        number, index = map(int, exchange.headers["X-Seq"].split("-"))
        method, headers = plan(number, index)
        assert exchange.method == method
        assert exchange.path == f"/t{number}/{index}"
        if method == "OPTIONS":
            expected = evaluate_preflight(
                configuration,
                headers["Origin"],
                headers["Access-Control-Request-Method"],
                headers.get("Access-Control-Request-Headers"),
            )
            assert exchange.decision == expected
            assert exchange.status == (200 if expected.allowed else expected.status)
        else:
            assert exchange.status == 200
    objects = endpoint.objects()
    assert len(objects) == sum(1 for e in exchanges if e.method == "PUT")
    assert objects["t0/0"] == b"0-0"
