"""16 threads mixing preflights, ``PUT /?cors`` that swaps between two configurations, and object
PUTs: every preflight is decided by one whole configuration, every exchange recorded once."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Mapping

from pytest_cos_cors.endpoint import CosCorsEndpoint
from pytest_cos_cors.evaluator import Decision, evaluate_preflight
from pytest_cos_cors.rules import CORSConfiguration

from .conftest import HOST

THREADS = 16
PER_THREAD = 120
CONFIG_A = (
    "<CORSConfiguration>"
    "<CORSRule><AllowedOrigin>https://other.example</AllowedOrigin>"
    "<AllowedMethod>PUT</AllowedMethod></CORSRule>"
    "<CORSRule><ID>a</ID><AllowedOrigin>https://app.example</AllowedOrigin>"
    "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
    "<AllowedHeader>Content-Type</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
    "<MaxAgeSeconds>100</MaxAgeSeconds></CORSRule>"
    "</CORSConfiguration>"
)
CONFIG_B = (
    "<CORSConfiguration>"
    "<CORSRule><ID>b</ID><AllowedOrigin>*</AllowedOrigin>"
    "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
    "<AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader>"
    "<ExposeHeader>x-cos-meta-b</ExposeHeader><MaxAgeSeconds>5</MaxAgeSeconds></CORSRule>"
    "<ResponseVary>true</ResponseVary>"
    "</CORSConfiguration>"
)
# Both probes get different verdicts under A and B: rule 1 vs rule 0, allowed vs refused.
PROBES = {
    "probe-put": ("https://app.example", "PUT", "content-type"),
    "probe-custom": ("https://app.example", "GET", "x-custom"),
}
KINDS = ["probe-put", "probe-put", "probe-custom", "put-cors", "put-object"]
CORS_PREFIXES = ("access-control-", "vary")


def cors_headers(headers: Mapping[str, str] | list[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k.lower(): v for k, v in items if k.lower().startswith(CORS_PREFIXES)}


def plan(thread: int, index: int) -> str:
    return KINDS[(thread + index) % len(KINDS)]


def test_preflights_see_one_whole_configuration_at_a_time(endpoint: CosCorsEndpoint) -> None:
    a = CORSConfiguration.from_xml(CONFIG_A)
    b = CORSConfiguration.from_xml(CONFIG_B)
    expected: dict[str, tuple[Decision, Decision]] = {
        name: (evaluate_preflight(a, *probe), evaluate_preflight(b, *probe))
        for name, probe in PROBES.items()
    }
    for decision_a, decision_b in expected.values():
        assert decision_a != decision_b
        assert decision_a.headers != decision_b.headers or decision_a.allowed != decision_b.allowed
    endpoint.set_rules(CONFIG_A)

    sent: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def one(thread: int, index: int) -> None:
        kind = plan(thread, index)
        headers = {"Host": HOST, "X-Seq": f"{thread}-{index}"}
        body: bytes | None = None
        target = "/k.txt"
        method = "OPTIONS"
        if kind in PROBES:
            origin, acrm, acrh = PROBES[kind]
            headers.update(
                {
                    "Origin": origin,
                    "Access-Control-Request-Method": acrm,
                    "Access-Control-Request-Headers": acrh,
                }
            )
        elif kind == "put-cors":
            method, target = "PUT", "/?cors"
            body = (CONFIG_A if index % 2 else CONFIG_B).encode()
        else:
            method, target, body = "PUT", f"/t{thread}/{index}", f"{thread}-{index}".encode()
        connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            wire = cors_headers(response.getheaders())
            status = response.status
        finally:
            connection.close()
        with lock:
            sent[kind] += 1
        if kind in PROBES:
            under_a, under_b = expected[kind]
            matches = [
                label
                for label, d in (("A", under_a), ("B", under_b))
                if status == (200 if d.allowed else d.status) and wire == cors_headers(d.headers)
            ]
            assert len(matches) == 1, (kind, status, wire)
            with lock:
                verdicts[f"{kind}:{matches[0]}"] += 1
        else:
            assert status == 200, (kind, status)

    def worker(thread: int) -> None:
        try:
            start.wait()
            for index in range(PER_THREAD):
                one(thread, index)
        except BaseException as error:  # re-raised in the test's thread below
            with lock:
                failures.append(error)

    workers = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert failures == []
    assert sum(sent.values()) == THREADS * PER_THREAD

    # every exchange recorded exactly once, per kind
    exchanges = endpoint.exchanges
    seqs = Counter(e.headers["X-Seq"] for e in exchanges)
    assert set(seqs.values()) == {1}
    assert set(seqs) == {f"{t}-{i}" for t in range(THREADS) for i in range(PER_THREAD)}
    recorded: Counter[str] = Counter()
    for exchange in exchanges:
        number, index = map(int, exchange.headers["X-Seq"].split("-"))
        kind = plan(number, index)
        recorded[kind] += 1
        if kind in PROBES:
            # the whole recorded decision is the one of A or the one of B, never a blend
            assert exchange.is_preflight
            assert exchange.decision in expected[kind], exchange.decision
            assert exchange.decision is not None
            assert cors_headers(exchange.response_headers) == cors_headers(
                exchange.decision.headers
            )
        elif kind == "put-cors":
            assert (exchange.method, exchange.path, exchange.status) == ("PUT", "/", 200)
        else:
            assert (exchange.method, exchange.path, exchange.status) == (
                "PUT",
                f"/t{number}/{index}",
                200,
            )
    assert recorded == sent
    assert len(endpoint.objects()) == sent["put-object"]
    # both configurations were really in force while preflights ran
    assert {v.split(":")[1] for v in verdicts} == {"A", "B"}, verdicts
    endpoint.check()
