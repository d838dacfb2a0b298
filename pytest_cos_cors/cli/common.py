"""What every subcommand shares: printing, usage errors, exit statuses, argument types, and
reading a configuration file named on the command line."""

from __future__ import annotations

import argparse
import re
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


def origin(value: str) -> str:
    """An ``--origin`` value: an ``Origin`` a browser can send (scheme, host and port, lower
    case, no path; ``null`` too), with the one meant when it is not."""
    from ..describe import origin_facts
    from ..rules import browser_origin, origin_flaws

    non_empty(value)
    flaws = origin_flaws(value)
    if flaws:
        hint = browser_origin(value)
        suggestion = f" (did you mean {hint!r}?)" if not origin_flaws(hint) else ""
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an Origin a browser sends: {origin_facts(flaws)}{suggestion}"
        )
    return value


#: What a header name is made of (an RFC 9110 token).
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def header_names(value: str) -> str:
    """A ``--header`` value: one or more header names, separated by commas or spaces; returned
    with commas between them."""
    names = [name for name in re.split(r"[\s,]+", value) if name]
    for name in names:
        if not _TOKEN.match(name):
            raise argparse.ArgumentTypeError(f"{name!r} is not a header name")
    return ",".join(names)


def bucket(value: str) -> str:
    """A ``--bucket`` value: a COS bucket name (``<name>-<appid>``)."""
    from ..naming import check_bucket

    try:
        return check_bucket(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def region(value: str) -> str:
    """A ``--region`` value: one of COS's regions."""
    from ..naming import check_region

    try:
        return check_region(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
    from ..sources import FILE_FORMATS, FileFormatError, read_file

    try:
        return read_file(Path(path))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    except FileFormatError:
        raise UsageError(
            f"{path}: not a format this command reads: CONFIG is {FILE_FORMATS}"
        ) from None
    except CosError as error:
        text = f"{path}: COS would refuse this configuration: {error.code}: {error.message}"
        where = ": ".join(p for p in (error.where(), error.detail) if p)
        raise UsageError(f"{text}\n  {where}" if where else text) from None
