"""``python -m pytest_cos_cors``: ``check`` a configuration, ``serve`` the fake, and more.

Subcommands are registered from :data:`COMMANDS`; each entry adds its arguments to a sub-parser
and returns the function that runs it, or ``None`` when the command is unavailable. Every verdict
comes from the same evaluator and every server from the same :class:`CosCorsEndpoint` the pytest
plugin uses.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from .cli_args import METHODS, method, non_empty

if TYPE_CHECKING:
    from .endpoint import CosCorsEndpoint
    from .recording import Exchange
    from .rules import CORSConfiguration

PROG = "python -m pytest_cos_cors"
ACLS = ("private", "public-read", "public-read-write")

#: Exit statuses.
OK, REFUSED, USAGE = 0, 1, 2

Registration = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class UsageError(Exception):
    """A problem with the command line or its files: printed, exit status 2."""


def _out(text: str = "", stream: TextIO | None = None) -> None:
    print(text, file=sys.stdout if stream is None else stream, flush=True)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is outside 0..65535")
    return port


def _read_configuration(path: str) -> CORSConfiguration:
    """A configuration file (COS XML, or the SDK's dict in a ``.json`` file); ``CosError`` when
    COS would refuse it, ``UsageError`` when it cannot be read."""
    from .sources import read_file

    try:
        return read_file(Path(path))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def _cos_error_text(path: str, error: Exception) -> str:
    from .errors import CosError

    if isinstance(error, CosError):
        text = f"{path}: COS would refuse this configuration: {error.code}: {error.message}"
        where = ": ".join(p for p in (error.where(), error.detail) if p)
        return f"{text}\n  {where}" if where else text
    return f"{path}: {error}"


# -- check ------------------------------------------------------------------------------------


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check",
        help="evaluate one preflight against a configuration file",
        description="Evaluate one preflight against a CORS configuration file exactly as COS "
        "would. Exit status: 0 allowed (prints the headers COS would send), 1 refused (prints "
        "the reason and the nearest rule), 2 invalid configuration or usage.",
    )
    parser.add_argument("config", metavar="CONFIG", help="COS XML file, or the SDK's dict as .json")
    parser.add_argument(
        "--origin", required=True, type=non_empty, help="the page's origin, e.g. https://a.b"
    )
    parser.add_argument(
        "--method",
        required=True,
        type=method,
        help=f"Access-Control-Request-Method: one of {', '.join(METHODS)}",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="H",
        help="a requested header (repeat, or separate with commas)",
    )
    parser.set_defaults(run=run_check, command="check")


def run_check(args: argparse.Namespace) -> int:
    from .assertions import describe_nearest
    from .errors import CosError
    from .evaluator import evaluate_preflight

    try:
        configuration = _read_configuration(args.config)
    except CosError as error:
        raise UsageError(_cos_error_text(args.config, error)) from None
    decision = evaluate_preflight(configuration, args.origin, args.method, args.header)
    if decision.allowed:
        _out(f"{decision.status} {decision.reason}")
        for name, value in decision.headers.items():
            _out(f"{name}: {value}")
        return OK
    _out(f"{decision.status} {decision.error_code}, refused: {decision.reason}")
    nearest = describe_nearest(decision)
    if nearest:
        _out(nearest)
    return REFUSED


# -- serve ------------------------------------------------------------------------------------


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "serve",
        help="run the fake COS endpoint until Ctrl-C or SIGTERM",
        description="Run the fake COS endpoint as a standalone server (for Playwright-for-JS, "
        "Cypress or local frontend work). Logs one line per exchange with its CORS verdict; "
        "stops cleanly on Ctrl-C (SIGINT) and SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to bind (default 0: a free port)"
    )
    parser.add_argument(
        "--bucket",
        default="examplebucket-1250000000",
        help="the bucket to serve (default examplebucket-1250000000)",
    )
    parser.add_argument("--region", default="ap-beijing", help="COS region (default ap-beijing)")
    parser.add_argument(
        "--acl",
        choices=ACLS,
        default="public-read-write",
        help="the bucket's ACL (default public-read-write)",
    )
    parser.add_argument(
        "--rules", metavar="CONFIG", help="a CORS configuration file (COS XML or SDK .json)"
    )
    parser.set_defaults(run=run_serve, command="serve")


def log_line(exchange: Exchange) -> str:
    """One line per exchange: the request, its status and its CORS verdict."""
    where = f"{exchange.bucket}{exchange.path}" if exchange.bucket else exchange.path
    query = "&".join(f"{k}={v}" if v else k for k, v in exchange.query.items())
    line = f"{exchange.method} {where}{'?' + query if query else ''}"
    if exchange.origin is not None:
        line += f" origin={exchange.origin}"
    if exchange.is_preflight:
        line += f" method={exchange.request_method or '-'}"
        line += f" headers={','.join(exchange.request_headers) or '-'}"
    line += f" -> {exchange.status}"
    decision = exchange.decision
    if decision is not None:
        verdict = decision.reason
        if not decision.allowed:
            verdict = ("REFUSED: " if exchange.is_preflight else "no CORS headers: ") + verdict
        line += f" {verdict}"
    elif exchange.reason:
        line += f" ({exchange.reason})"
    return line


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
                _out("(older exchanges were dropped from the log before they could be printed)")
        for exchange in exchanges[start:]:
            self.count += 1
            if exchange.is_preflight:
                if exchange.allowed:
                    self.allowed += 1
                else:
                    self.denied += 1
            _out(log_line(exchange))
        if exchanges:
            self.last = exchanges[-1]


def banner(endpoint: CosCorsEndpoint, rules: str) -> list[str]:
    return [
        f"serving {endpoint.url} (bucket {endpoint.bucket}, region {endpoint.region})",
        f"rules: {rules}",
        f"path-style URLs: {endpoint.url}/{endpoint.bucket}/<key>",
        f"production URLs: http://{endpoint.bucket_host}/<key> (with the Chromium flags below)",
        f"chromium flags: {shlex.join(endpoint.browser_args())}",
        "stop with Ctrl-C or SIGTERM",
    ]


#: A long-running server keeps only this many of the last exchanges (it prints them as they come).
SERVE_LOG_SIZE = 10_000


def _make_endpoint(args: argparse.Namespace) -> CosCorsEndpoint:
    from .endpoint import CosCorsEndpoint

    class ServeEndpoint(CosCorsEndpoint):
        max_exchanges = SERVE_LOG_SIZE

    return ServeEndpoint(
        bucket=args.bucket, region=args.region, host=args.host, port=args.port, acl=args.acl
    )


#: How often the server's log is read for new exchanges, in seconds.
POLL_INTERVAL = 0.05


def run_serve(args: argparse.Namespace) -> int:
    from .errors import CosError

    configuration = None
    rules = "none (every preflight is refused until rules are PUT with ?cors)"
    if args.rules is not None:
        try:
            configuration = _read_configuration(args.rules)
        except CosError as error:
            raise UsageError(_cos_error_text(args.rules, error)) from None
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
            _out(line)
        try:
            while not stop.wait(POLL_INTERVAL):
                follower.drain()
        finally:
            endpoint.stop()
            follower.drain()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _out(
        f"stopped after {follower.count} exchange{'' if follower.count == 1 else 's'} "
        f"({follower.allowed} preflight{'' if follower.allowed == 1 else 's'} allowed, "
        f"{follower.denied} denied)"
    )
    try:
        endpoint.check()
    except AssertionError as error:
        _out(str(error), sys.stderr)
        return REFUSED
    return OK


# -- diff (built separately) ------------------------------------------------------------------


def _add_diff(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    try:
        from . import diff_cli
    except ImportError as error:
        if error.name == f"{__package__}.diff_cli":
            return  # not part of this version
        message = f"the diff command is unavailable: {error}"

        def unavailable(args: argparse.Namespace) -> int:
            raise UsageError(message)

        sub.add_parser("diff", help="(unavailable)").set_defaults(run=unavailable, command="diff")
        return
    doc = (diff_cli.__doc__ or "compare two CORS configurations").strip()
    parser = sub.add_parser("diff", help=doc.splitlines()[0], description=doc)
    diff_cli.add_arguments(parser)
    parser.set_defaults(run=diff_cli.run, command="diff")


#: The subcommands, in the order ``--help`` lists them.
COMMANDS: tuple[Registration, ...] = (_add_check, _add_serve, _add_diff)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="The fake Tencent COS CORS endpoint of pytest-cos-cors, outside pytest.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except UsageError as error:
        _out(f"{PROG} {args.command}: error: {error}", sys.stderr)
        return USAGE
    except BrokenPipeError:
        # The reader went away (``... | head``): stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE
    return status
