"""Compare two CORS configurations: which browser preflights change verdict.

Prints one row per class of preflight request whose answer differs (an example request, the
answer and deciding rule before and after, and the response headers that differ), then the rules
responsible for each broken request. Exit status: 0 when nothing that was allowed becomes denied,
1 when something breaks (with --strict: when anything changes), 2 when a configuration is invalid
or cannot be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..constants import METHODS
from .common import (
    BROKEN,
    OK,
    UsageError,
    header_names,
    method,
    origin,
    out,
    read_configuration,
    usage_error,
)

if TYPE_CHECKING:
    from ..rules import CORSConfiguration
    from .common import SubParsers

#: The word that stands for "no CORS configuration" in place of a file.
NONE = "none"


def register(sub: SubParsers) -> None:
    """Add ``diff`` and its arguments to the subcommands (help: this module's documentation)."""
    doc = (__doc__ or "compare two CORS configurations").strip()  # None under -OO
    parser = sub.add_parser("diff", help=doc.splitlines()[0], description=doc)
    add_arguments(parser)
    parser.set_defaults(run=run, command="diff")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``diff`` arguments: ``OLD NEW [--origin O ...] [--method M ...] [--header H ...]
    [--strict]``."""
    where = "COS XML file, or the SDK's dict as .json; 'none' for no configuration"
    parser.add_argument("old", metavar="OLD", help=f"the configuration in place: {where}")
    parser.add_argument("new", metavar="NEW", help=f"the configuration to deploy: {where}")
    parser.add_argument(
        "--origin",
        dest="origins",
        action="append",
        type=origin,
        metavar="O",
        help="compare only these origins (repeat); default: every class of origin the two "
        "configurations distinguish",
    )
    parser.add_argument(
        "--method",
        dest="methods",
        action="append",
        type=method,
        metavar="M",
        help=f"compare only these methods (repeat); default: {', '.join(METHODS)}",
    )
    parser.add_argument(
        "--header",
        dest="headers",
        action="append",
        type=header_names,
        metavar="H",
        help="compare only requests made of these headers (repeat, or separate with commas or "
        "spaces); "
        "default: every header the configurations name, and one they do not",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 on any change, including a newly allowed request or a changed header",
    )


def _load(value: str) -> CORSConfiguration | None:
    if value == NONE and not Path(value).exists():
        return None
    return read_configuration(value)


def run(args: argparse.Namespace) -> int:
    """Run ``diff`` with parsed arguments; returns the exit status."""
    from ..diff import diff_configurations, format_changes
    from ..diff.formatting import summary

    try:
        old, new = _load(args.old), _load(args.new)
    except UsageError as error:
        return usage_error("diff", error)
    changes = diff_configurations(
        old, new, origins=args.origins, methods=args.methods, headers=args.headers
    )
    out(summary(changes, args.old, args.new))
    if not changes:
        return OK
    broken = changes.broken
    out("")
    out(format_changes(changes))
    if broken:
        out("")
        out("Broken requests and the rules responsible:")
        for change in broken:
            out(f"- {change.request}")
            for line in change.responsible().splitlines():
                out(f"    {line}")
    if broken or (args.strict and changes):
        return BROKEN
    return OK
