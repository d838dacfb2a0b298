"""The session report: ``--cos-cors-report=PATH`` and the terminal summary line.

Each test's exchanges are turned into plain JSON-ready dicts when its teardown report is made (the
endpoints of ``cos_cors`` and ``make_cos_cors`` are stopped by then, so nothing is missed) and
travel on that report as the attribute ``cos_cors``. pytest-xdist serialises a report's attributes
from the worker to the controller, so the controller sees every test's records in
``pytest_runtest_logreport`` whether the session runs in one process or in many; only the controller
writes the file and prints the summary.

This module imports nothing heavy: it reads exchanges through their attributes only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .endpoint import CosCorsEndpoint
    from .recording import Exchange
    from .signatures import SignatureCheck

    EndpointsKey = pytest.StashKey[list[CosCorsEndpoint]]

OPTION = "--cos-cors-report"
#: The attribute of a teardown ``TestReport`` that carries the test's records.
ATTRIBUTE = "cos_cors"
FORMAT = "pytest-cos-cors-report"
VERSION = 1


def add_option(parser: pytest.Parser) -> None:
    """``--cos-cors-report=PATH``."""
    group = parser.getgroup("cos_cors", "pytest-cos-cors")
    group.addoption(
        OPTION,
        dest="cos_cors_report",
        metavar="PATH",
        default=None,
        help="write every exchange of the cos_cors endpoints in the session to PATH as JSON "
        "(complete under pytest-xdist too)",
    )


def register(config: pytest.Config, endpoints: EndpointsKey) -> None:
    """Register the session report; ``endpoints`` is the stash key under which the plugin keeps
    each test's endpoints."""
    config.pluginmanager.register(SessionReport(config, endpoints), "cos_cors_session_report")


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in headers}


def signature_record(check: SignatureCheck | None) -> dict[str, Any] | None:
    """The verdict on a request's signature as the report stores it (``None`` when the
    endpoint has no credentials, and for a preflight)."""
    if check is None:
        return None
    return {
        "outcome": check.outcome,
        "scheme": check.scheme,
        "carrier": check.carrier,
        "secret_id": check.secret_id,
        "temporary": check.temporary,
        "part": check.part,
        "code": check.code,
        "reason": check.reason,
        "string_to_sign": check.string_to_sign,
        "signed_text": check.signed_text,
    }


def _preflight_ref(preflight: Exchange | None) -> dict[str, Any] | None:
    """Where to find the preflight that covered a request: its record's timestamp and path."""
    if preflight is None:
        return None
    return {"timestamp": preflight.timestamp, "path": preflight.path}


def exchange_record(exchange: Exchange, test: str, worker: str | None) -> dict[str, Any]:
    """One exchange as the report stores it."""
    decision = exchange.decision
    return {
        "test": test,
        "worker": worker,
        "timestamp": exchange.timestamp,
        "preflight": exchange.is_preflight,
        "operation": exchange.operation,
        "via": exchange.via,
        "needs_preflight": exchange.needs_preflight,
        "covering_preflight": _preflight_ref(exchange.covering_preflight),
        "request": {
            "method": exchange.method,
            "bucket": exchange.bucket,
            "path": exchange.path,
            "query": dict(exchange.query),
            "headers": _headers(exchange.headers),
        },
        "decision": None
        if decision is None
        else {
            "kind": decision.kind,
            "allowed": decision.allowed,
            "reason": decision.reason,
            "rule_index": decision.rule_index,
            "nearest": decision.nearest,
        },
        "note": exchange.reason if decision is None else "",
        "signature": signature_record(exchange.signature),
        "response": {
            "status": exchange.status,
            "headers": _headers(exchange.response_headers),
        },
    }


def payload_for(
    endpoints: Iterable[CosCorsEndpoint], test: str, worker: str | None, full: bool
) -> dict[str, Any]:
    """What one test's teardown report carries: preflight counts, and the records when a report
    file was asked for."""
    allowed = denied = dropped = 0
    records: list[dict[str, Any]] = []
    for endpoint in endpoints:
        dropped += endpoint.dropped_exchanges
        for exchange in endpoint.exchanges:
            if exchange.is_preflight:
                if exchange.allowed:
                    allowed += 1
                else:
                    denied += 1
            if full:
                records.append(exchange_record(exchange, test, worker))
    return {"allowed": allowed, "denied": denied, "dropped": dropped, "exchanges": records}


def summary_line(allowed: int, denied: int) -> str:
    """The terminal summary: how many preflights were allowed and denied in the session."""
    return f"cos_cors: {allowed} preflight{'' if allowed == 1 else 's'} allowed, {denied} denied"


class SessionReport:
    """Collects the records on the controller (or the only process) and writes them out."""

    def __init__(self, config: pytest.Config, endpoints: EndpointsKey) -> None:
        self.config = config
        self.endpoints = endpoints
        path = config.getoption("cos_cors_report")
        self.path: Path | None = None if path is None else Path(path)
        workerinput = getattr(config, "workerinput", None)
        self.worker: str | None = None if workerinput is None else str(workerinput["workerid"])
        self.allowed = 0
        self.denied = 0
        self.dropped = 0
        self.records: list[dict[str, Any]] = []

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report: pytest.TestReport = yield
        if report.when == "teardown":
            endpoints = item.stash.get(self.endpoints, None)
            if endpoints:
                payload = payload_for(
                    endpoints, report.nodeid, self.worker, full=self.path is not None
                )
                setattr(report, ATTRIBUTE, payload)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker is not None:
            return
        payload = getattr(report, ATTRIBUTE, None)
        if not isinstance(payload, dict):
            return
        self.allowed += int(payload["allowed"])
        self.denied += int(payload["denied"])
        self.dropped += int(payload["dropped"])
        self.records.extend(payload["exchanges"])

    def document(self) -> dict[str, Any]:
        """The report file's content."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "preflights": {"allowed": self.allowed, "denied": self.denied},
            "dropped": self.dropped,
            "exchanges": self.records,
        }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.worker is not None or self.path is None:
            return
        path = self.path
        if not path.is_absolute():
            path = self.config.invocation_params.dir / path
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.document(), indent=1) + "\n", encoding="utf-8")
        os.replace(partial, path)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.worker is not None:
            return
        if self.allowed or self.denied:
            terminalreporter.write_line(summary_line(self.allowed, self.denied))
        if self.path is not None:
            count = len(self.records)
            terminalreporter.write_line(
                f"cos_cors: {count} exchange{'' if count == 1 else 's'} written to {self.path}"
            )
