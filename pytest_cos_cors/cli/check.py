"""``check``: evaluate one preflight against a configuration file, as COS would."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..constants import METHODS
from .common import DENIED, OK, header_names, method, origin, out, read_configuration

if TYPE_CHECKING:
    from .common import SubParsers


def register(sub: SubParsers) -> None:
    """Add ``check`` and its arguments to the subcommands."""
    parser = sub.add_parser(
        "check",
        help="evaluate one preflight against a configuration file",
        description="Evaluate one preflight against a CORS configuration file exactly as COS "
        "would. Exit status: 0 allowed (prints the headers COS would send), 1 denied (prints "
        "the reason and the nearest rule), 2 invalid configuration or usage.",
    )
    parser.add_argument("config", metavar="CONFIG", help="COS XML file, or the SDK's dict as .json")
    parser.add_argument(
        "--origin", required=True, type=origin, help="the page's origin, e.g. https://a.b"
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
        type=header_names,
        metavar="H",
        help="a requested header (repeat, or separate with commas or spaces)",
    )
    parser.set_defaults(run=run, command="check")


def run(args: argparse.Namespace) -> int:
    """Run ``check`` with parsed arguments; returns the exit status."""
    from ..describe import configuration_notes, nearest_explanation
    from ..evaluator import evaluate_preflight

    configuration = read_configuration(args.config)
    decision = evaluate_preflight(configuration, args.origin, args.method, args.header)
    if decision.allowed:
        out(f"{decision.status} {decision.reason}")
        for name, value in decision.headers.items():
            out(f"{name}: {value}")
    else:
        nearest = nearest_explanation(decision, notes=False)
        reason = decision.short_reason if nearest else decision.reason
        out(f"{decision.status} {decision.error_code}, denied: {reason}")
        if nearest:
            out(nearest)
    for note in configuration_notes(configuration.rules):
        out(f"note: {note}")
    return OK if decision.allowed else DENIED
