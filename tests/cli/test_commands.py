"""The subcommand table."""

from __future__ import annotations

import argparse

from pytest_cos_cors.cli import COMMANDS, build_parser


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise AssertionError("no subcommands")


def test_commands_come_from_the_table() -> None:
    assert len(COMMANDS) == 3
    assert _commands(build_parser())[:2] == ["check", "serve"]
