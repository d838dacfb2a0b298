"""Item 4: peak memory of the exchange log, and its cap.

Each figure comes from a fresh subprocess (``python -m benchmarks.memory N CAP``) that builds N
exchanges the way the endpoint records them (a real preflight ``Decision``, the request's and
the response's headers) and appends them to an ``ExchangeLog``; it reports its peak RSS
(``VmHWM`` in ``/proc/self/status``, else ``getrusage``) before and after. The cap is then shown
on a live endpoint: ``CosCorsEndpoint(max_exchanges=...)`` keeps the newest exchanges and counts
the dropped ones.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from typing import Any

from .common import Section, peak_rss_bytes


def child(count: int, cap: int | None) -> dict[str, Any]:
    from pytest_cos_cors import CORSConfiguration, evaluate_preflight
    from pytest_cos_cors.recording import Exchange, ExchangeLog, HeaderMap

    configuration = CORSConfiguration(
        [
            {
                "AllowedOrigin": ["https://app.example.com"],
                "AllowedMethod": ["PUT", "GET"],
                "AllowedHeader": ["*"],
                "ExposeHeader": ["ETag"],
                "MaxAgeSeconds": 600,
            }
        ]
    )
    log = ExchangeLog(cap)
    before = peak_rss_bytes()
    started = time.perf_counter()
    for n in range(count):
        decision = evaluate_preflight(
            configuration, "https://app.example.com", "PUT", "content-type"
        )
        request = HeaderMap(
            [
                ("Host", "127.0.0.1:50000"),
                ("User-Agent", "python-requests/2.32"),
                ("Accept-Encoding", "gzip, deflate"),
                ("Accept", "*/*"),
                ("Connection", "keep-alive"),
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "content-type"),
            ]
        )
        response = HeaderMap(
            [
                ("Content-Length", "0"),
                *decision.headers.items(),
                ("Date", "Wed, 01 Jan 2025 00:00:00 GMT"),
                ("Server", "tencent-cos"),
                ("x-cos-request-id", f"NjVhZjE2MjBfNDBkZTBkMDlfNzE2Nl8{n:08x}"),
            ]
        )
        log.append(
            Exchange(
                "OPTIONS",
                "examplebucket-1250000000",
                f"/key{n}",
                {},
                request,
                200,
                response,
                decision,
                True,
                0,
                time.time(),
            )
        )
    elapsed = time.perf_counter() - started
    return {
        "before": before,
        "after": peak_rss_bytes(),
        "kept": len(log),
        "dropped": log.dropped,
        "first": log.snapshot()[0].path,
        "seconds": elapsed,
    }


def run_child(count: int, cap: int | None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", str(count), str(cap)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def live_cap(cap: int, requests: int) -> dict[str, Any]:
    from pytest_cos_cors import CosCorsEndpoint

    with CosCorsEndpoint(max_exchanges=cap) as endpoint:
        endpoint.set_rules({"AllowedOrigin": "*", "AllowedMethod": "GET"})
        for n in range(requests):
            conn = http.client.HTTPConnection("127.0.0.1", endpoint.port)
            conn.request(
                "OPTIONS",
                f"/{endpoint.bucket}/k{n}",
                headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
            )
            conn.getresponse().read()
            conn.close()
        return {"kept": [e.path for e in endpoint.exchanges], "dropped": endpoint.dropped_exchanges}


def section(count: int, cap: int) -> Section:
    from pytest_cos_cors import CosCorsEndpoint

    full = run_child(count, None)
    capped = run_child(count, cap)
    s = Section(
        "memory",
        "4. Memory of the exchange log",
        "A fresh subprocess per figure builds exchanges as the endpoint records them (a real "
        "preflight decision and both header sets) and appends them to an `ExchangeLog`; peak RSS "
        "is `VmHWM` from `/proc/self/status`. Growth is the peak after minus the peak before.",
    )
    grown = full["after"] - full["before"]
    s.add(
        f"peak RSS after {count:,} exchanges (no cap)",
        f"{full['after'] / 2**20:.1f} MiB",
        baseline=f"{full['before'] / 2**20:.1f} MiB before",
        ratio=f"+{grown / 2**20:.1f} MiB, {grown / count:.0f} B per exchange",
    )
    s.add(
        f"same with a cap of {cap:,}",
        f"{capped['after'] / 2**20:.1f} MiB",
        baseline=f"kept {capped['kept']:,}, dropped {capped['dropped']:,}",
        ratio=f"oldest kept: {capped['first']}",
        target="oldest dropped, counted",
        met=capped["kept"] == cap
        and capped["dropped"] == count - cap
        and capped["first"] == f"/key{count - cap}",
    )
    live = live_cap(5, 12)
    s.add(
        "live endpoint, max_exchanges=5, 12 preflights",
        f"kept {len(live['kept'])}",
        baseline=f"dropped_exchanges={live['dropped']}",
        ratio=" ".join(live["kept"]),
        target="oldest dropped, counted",
        met=live["dropped"] == 7 and live["kept"][0].endswith("/k7"),
    )
    s.notes.append(
        f"The default cap is `CosCorsEndpoint.max_exchanges = {CosCorsEndpoint.max_exchanges:,}` "
        "(a class attribute, or the `max_exchanges=` keyword of the constructor; `None` means "
        "no limit): the figure above for the uncapped log is therefore also the most the default "
        "can hold."
    )
    return s


if __name__ == "__main__":
    size = int(sys.argv[1])
    limit = None if sys.argv[2] == "None" else int(sys.argv[2])
    print(json.dumps(child(size, limit)))
