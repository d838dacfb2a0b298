"""Argument types shared by the command-line subcommands."""

from __future__ import annotations

import argparse

#: The methods a COS CORS rule can allow (the same five as ``rules.METHODS``, without loading lxml).
METHODS = ("PUT", "GET", "POST", "DELETE", "HEAD")


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
