"""``python -m pytest_cos_cors``: ``check`` a configuration, ``serve`` the fake, ``diff`` two
configurations.

Subcommands are registered from :data:`COMMANDS`; each adds its arguments to a sub-parser and the
function that runs it. The command modules import the evaluator and the endpoint only when they
run, so ``--help`` stays fast. Every verdict comes from the same evaluator and every server from the
same :class:`~pytest_cos_cors.endpoint.CosCorsEndpoint` the pytest plugin uses.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import check, diff, serve
from .common import BROKEN, DENIED, OK, PROG, USAGE, UsageError, usage_error

if TYPE_CHECKING:
    from .common import SubParsers

__all__ = [
    "BROKEN",
    "COMMANDS",
    "DENIED",
    "OK",
    "PROG",
    "USAGE",
    "UsageError",
    "build_parser",
    "main",
]

Registration = Callable[["SubParsers"], None]

#: The subcommands, in the order ``--help`` lists them.
COMMANDS: tuple[Registration, ...] = (check.register, serve.register, diff.register)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m pytest_cos_cors`` parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="The fake Tencent COS CORS endpoint of pytest-cos-cors, outside pytest.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the command line), run the subcommand; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except UsageError as error:
        return usage_error(args.command, error)
    except BrokenPipeError:
        # The reader went away (``... | head``): stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE
    return status
