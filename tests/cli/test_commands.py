"""The subcommand table: ``diff`` is registered only when ``diff_cli`` can be imported."""

from __future__ import annotations

import argparse
import sys
import types

import pytest

import pytest_cos_cors
from pytest_cos_cors.cli import COMMANDS, build_parser, main


def _without_real_diff_cli(monkeypatch: pytest.MonkeyPatch, module: object) -> None:
    monkeypatch.delattr(pytest_cos_cors, "diff_cli", raising=False)
    monkeypatch.setitem(sys.modules, "pytest_cos_cors.diff_cli", module)


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise AssertionError("no subcommands")


def test_commands_come_from_the_table() -> None:
    assert len(COMMANDS) == 3
    assert _commands(build_parser())[:2] == ["check", "serve"]


def test_without_diff_cli_there_is_no_diff_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_real_diff_cli(monkeypatch, None)
    assert _commands(build_parser()) == ["check", "serve"]
    with pytest.raises(SystemExit):
        main(["diff", "a", "b"])
    assert "invalid choice: 'diff'" in capsys.readouterr().err


def test_diff_cli_is_registered_when_present(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = types.ModuleType("pytest_cos_cors.diff_cli", "Compare two configurations.")

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("old")
        parser.add_argument("new")

    def run(args: argparse.Namespace) -> int:
        print(f"diff {args.old} {args.new}")
        return 1

    fake.add_arguments = add_arguments  # type: ignore[attr-defined]
    fake.run = run  # type: ignore[attr-defined]
    _without_real_diff_cli(monkeypatch, fake)
    assert _commands(build_parser()) == ["check", "serve", "diff"]
    assert main(["diff", "a.xml", "b.xml"]) == 1
    assert capsys.readouterr().out == "diff a.xml b.xml\n"


def test_a_broken_diff_cli_does_not_break_the_other_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    real_import = builtins.__import__

    def failing_import(name: str, *args: object, **kwargs: object) -> object:
        fromlist = args[2] if len(args) > 2 else kwargs.get("fromlist")
        if fromlist and "diff_cli" in fromlist:  # type: ignore[operator]
            raise ModuleNotFoundError("No module named 'somedependency'", name="somedependency")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delattr(pytest_cos_cors, "diff_cli", raising=False)
    monkeypatch.setattr(builtins, "__import__", failing_import)
    assert _commands(build_parser()) == ["check", "serve", "diff"]
    assert main(["diff"]) == 2
    assert capsys.readouterr().err == (
        "python -m pytest_cos_cors diff: error: the diff command is unavailable: "
        "No module named 'somedependency'\n"
    )
