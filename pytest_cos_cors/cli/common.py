"""What every subcommand shares: printing, usage errors, exit statuses, argument types, and
reading a configuration file named on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from ..constants import METHODS

if TYPE_CHECKING:
    from ..rules import CORSConfiguration

    #: The sub-parser collection each subcommand registers itself in.
    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

PROG = "python -m pytest_cos_cors"

#: Exit statuses: success; a denied preflight (``check``), a broken request (``diff``) or
#: problems found by the endpoint (``serve``); an invalid configuration or usage.
OK, DENIED, USAGE = 0, 1, 2
BROKEN = DENIED


class UsageError(Exception):
    """A problem with the command line or its files: printed, exit status 2."""


def out(text: str = "", stream: TextIO | None = None) -> None:
    """Print one line to standard output (or ``stream``), flushed at once."""
    print(text, file=sys.stdout if stream is None else stream, flush=True)


def usage_error(command: str, error: object) -> int:
    """Report ``error`` for ``command`` on standard error; returns the usage exit status."""
    out(f"{PROG} {command}: error: {error}", sys.stderr)
    return USAGE


def method(value: str) -> str:
    """An ``--method`` value: one of the five, case-sensitive, with a hint for lower case."""
    if value in METHODS:
        return value
    hint = f" (did you mean {value.upper()!r}?)" if value.upper() in METHODS else ""
    raise argparse.ArgumentTypeError(
        f"{value!r} is not a method a COS CORS rule can allow{hint}; "
        f"use one of {', '.join(METHODS)} (case-sensitive)"
    )


def non_empty(value: str) -> str:
    """A value such as ``--origin`` that must not be blank."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def port(value: str) -> int:
    """A ``--port`` value: 0 (any free port) to 65535."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is outside 0..65535")
    return number


def read_configuration(path: str) -> CORSConfiguration:
    """A configuration file (COS XML, or the SDK's dict in a ``.json`` file); ``UsageError`` when
    it cannot be read or COS would refuse it."""
    from ..errors import CosError
    from ..sources import read_file

    try:
        return read_file(Path(path))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    except CosError as error:
        text = f"{path}: COS would refuse this configuration: {error.code}: {error.message}"
        where = ": ".join(p for p in (error.where(), error.detail) if p)
        raise UsageError(f"{text}\n  {where}" if where else text) from None
