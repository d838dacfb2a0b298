"""``serve``: run the fake COS endpoint until Ctrl-C or SIGTERM, one log line per exchange."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING

from ..constants import ACLS, DEFAULT_ACL, DEFAULT_BUCKET, DEFAULT_HOST, DEFAULT_REGION
from ..describe import serve_log_line
from .common import DENIED, OK, UsageError, bucket, out, port, read_configuration, region

if TYPE_CHECKING:
    from ..endpoint import CosCorsEndpoint
    from ..recording import Exchange
    from .common import SubParsers

#: A long-running server keeps only this many of the last exchanges (it prints them as they come).
SERVE_LOG_SIZE = 10_000
#: How often the server's log is read for new exchanges, in seconds.
POLL_INTERVAL = 0.05


def register(sub: SubParsers) -> None:
    """Add ``serve`` and its arguments to the subcommands."""
    parser = sub.add_parser(
        "serve",
        help="run the fake COS endpoint until Ctrl-C or SIGTERM",
        description="Run the fake COS endpoint as a standalone server (for Playwright-for-JS, "
        "Cypress or local frontend work). Logs one line per exchange with its CORS verdict; "
        "stops on Ctrl-C (SIGINT) and SIGTERM. Exit status: 0 after a clean stop, 1 when the "
        "endpoint reported problems (on standard error: a request still in progress that it cut "
        "off when it stopped, such as a stalled upload, or a failure inside the fake), 2 usage.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=port, default=0, help="port to bind (default 0: a free port)"
    )
    parser.add_argument(
        "--bucket",
        type=bucket,
        default=DEFAULT_BUCKET,
        help=f"the bucket to serve, <name>-<appid> (default {DEFAULT_BUCKET})",
    )
    parser.add_argument(
        "--region",
        type=region,
        default=DEFAULT_REGION,
        help=f"COS region (default {DEFAULT_REGION})",
    )
    parser.add_argument(
        "--acl",
        choices=ACLS,
        default=DEFAULT_ACL,
        help=f"the bucket's ACL (default {DEFAULT_ACL})",
    )
    parser.add_argument(
        "--rules", metavar="CONFIG", help="a CORS configuration file (COS XML or SDK .json)"
    )
    parser.set_defaults(run=run, command="serve")


class _Follower:
    """Prints the exchanges an endpoint records that it has not printed yet."""

    def __init__(self, endpoint: CosCorsEndpoint) -> None:
        self.endpoint = endpoint
        self.last: Exchange | None = None
        self.count = 0
        self.allowed = 0
        self.denied = 0

    def drain(self) -> None:
        exchanges = self.endpoint.exchanges
        start = 0
        if self.last is not None:
            start = next(
                (len(exchanges) - i for i, e in enumerate(reversed(exchanges)) if e is self.last),
                0,
            )
            if start == 0 and exchanges:
                out("(older exchanges were dropped from the log before they could be printed)")
        for exchange in exchanges[start:]:
            self.count += 1
            if exchange.is_preflight:
                if exchange.allowed:
                    self.allowed += 1
                else:
                    self.denied += 1
            out(serve_log_line(exchange))
        if exchanges:
            self.last = exchanges[-1]


def banner(endpoint: CosCorsEndpoint, rules: str) -> list[str]:
    """What ``serve`` prints once it listens: where, which rules, the Chromium flags."""
    return [
        f"serving {endpoint.url} (bucket {endpoint.bucket}, region {endpoint.region})",
        f"rules: {rules}",
        f"path-style URLs: {endpoint.url}/{endpoint.bucket}/<key>",
        f"production URLs: http://{endpoint.bucket_host}/<key> (with the Chromium flags below)",
        # The host-resolver flag only: the SPKI flag (for HTTPS) changes with every process.
        f"chromium flags: {shlex.join(endpoint.browser_args()[:1])}",
        "stop with Ctrl-C or SIGTERM",
    ]


def _make_endpoint(args: argparse.Namespace) -> CosCorsEndpoint:
    from ..endpoint import CosCorsEndpoint

    class ServeEndpoint(CosCorsEndpoint):
        max_exchanges = SERVE_LOG_SIZE

    return ServeEndpoint(
        bucket=args.bucket, region=args.region, host=args.host, port=args.port, acl=args.acl
    )


def run(args: argparse.Namespace) -> int:
    """Run ``serve`` with parsed arguments until a signal; returns the exit status."""
    configuration = None
    rules = "none (every preflight is denied until rules are PUT with ?cors)"
    if args.rules is not None:
        configuration = read_configuration(args.rules)
        count = len(configuration.rules)
        rules = f"{count} rule{'' if count == 1 else 's'} from {args.rules}"
    try:
        endpoint = _make_endpoint(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if configuration is not None:
        endpoint.set_rules(configuration)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            endpoint.start()
        except OSError as error:
            raise UsageError(
                f"cannot serve on {args.host}:{args.port}: {error.strerror or error}"
            ) from None
        follower = _Follower(endpoint)
        for line in banner(endpoint, rules):
            out(line)
        try:
            while not stop.wait(POLL_INTERVAL):
                follower.drain()
        finally:
            endpoint.stop()
            follower.drain()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    out(
        f"stopped after {follower.count} exchange{'' if follower.count == 1 else 's'} "
        f"({follower.allowed} preflight{'' if follower.allowed == 1 else 's'} allowed, "
        f"{follower.denied} denied)"
    )
    try:
        endpoint.check()
    except AssertionError as error:
        out(str(error), sys.stderr)
        return DENIED
    return OK
