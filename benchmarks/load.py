"""A load client, run in its own process so that it does not share the server's GIL.

``python -m benchmarks.load PORT PATH CLIENTS REQUESTS SECONDS``: CLIENTS threads send OPTIONS
preflights on a new connection each (werkzeug closes every connection) until REQUESTS were sent
in all or SECONDS passed; prints one JSON object: elapsed seconds, latencies, failures.
"""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time

HEADERS = {
    "Origin": "https://app.example.com",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type",
}


def run(port: int, path: str, clients: int, requests: int, seconds: float) -> dict[str, object]:
    tickets = itertools.count()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    barrier = threading.Barrier(clients + 1)
    deadline = 0.0

    def client(mine: list[float]) -> None:
        barrier.wait()
        while next(tickets) < requests and time.perf_counter() < deadline:
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("OPTIONS", path, headers=HEADERS)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"status {response.status}")
            except OSError as error:
                failures.append(repr(error))
            finally:
                conn.close()
            mine.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(mine,)) for mine in latencies]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "latencies": [x for mine in latencies for x in mine],
        "failures": failures[:5],
        "failed": len(failures),
    }


if __name__ == "__main__":
    port, path, clients, requests, seconds = sys.argv[1:6]
    print(json.dumps(run(int(port), path, int(clients), int(requests), float(seconds))))
