"""Every form a CORS configuration can be given in, turned into the rule model.

Shared by the marker, ``CosCorsEndpoint.set_rules`` and the command line, so that all of them
accept exactly the same things.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from .errors import CosError, malformed
from .rules import CORSConfiguration, CORSRule

_WHOLE_KEYS = frozenset({"CORSRule", "ResponseVary", "rules", "response_vary"})


def is_whole_configuration(value: object) -> bool:
    """Whether ``value`` is a whole configuration rather than one rule."""
    if isinstance(value, (CORSConfiguration, str, bytes, bytearray, PurePath)):
        return True
    return isinstance(value, Mapping) and any(k in _WHOLE_KEYS for k in value)


def read_file(path: Path) -> CORSConfiguration:
    """A configuration file: COS XML, or the SDK's dict as JSON when the name ends in ``.json``."""
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            parsed: Any = json.loads(data)
        except ValueError as error:
            raise malformed(f"{path} is not valid JSON: {error}") from None
        return CORSConfiguration.from_dict(parsed)
    return CORSConfiguration.from_xml(data)


def whole_configuration(value: object, base_dir: Path | None = None) -> CORSConfiguration:
    """One whole configuration in any accepted form."""
    if isinstance(value, CORSConfiguration):
        return value
    if isinstance(value, (bytes, bytearray)):
        return CORSConfiguration.from_xml(bytes(value))
    if isinstance(value, str):
        return CORSConfiguration.from_xml(value)
    if isinstance(value, PurePath):
        path = Path(value)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return read_file(path)
    if isinstance(value, Mapping):
        return CORSConfiguration.from_dict(value)
    raise malformed(f"not a configuration: {type(value).__name__}")


def read_rules(
    args: tuple[object, ...], base_dir: Path | None = None
) -> tuple[tuple[CORSRule, ...], bool | None]:
    """The rules given as ``args`` (rules, or one whole configuration) and its ResponseVary.

    Rules are checked one by one (a :class:`CosError` carries the argument's index as
    ``rule_index``); the configuration-wide checks are left to :class:`CORSConfiguration`.
    """
    if len(args) == 1 and is_whole_configuration(args[0]):
        configuration = whole_configuration(args[0], base_dir)
        return configuration.rules, configuration.response_vary
    rules = []
    for index, value in enumerate(args):
        try:
            if isinstance(value, CORSRule):
                rules.append(value)
            elif is_whole_configuration(value):
                raise malformed(
                    "a whole configuration must be the only argument; give rules otherwise"
                )
            elif isinstance(value, Mapping):
                rules.append(CORSRule.from_dict(value))
            else:
                raise malformed(
                    f"a rule must be a CORSRule or a dict, got {type(value).__name__} {value!r}"
                )
        except CosError as error:
            error.rule_index = index
            raise
    return tuple(rules), None


def load_configuration(
    *args: object, response_vary: bool | str | None = None, base_dir: Path | None = None
) -> CORSConfiguration:
    """A validated configuration from rules or one whole configuration in any accepted form.

    ``response_vary``, when not ``None``, overrides the configuration's own ``ResponseVary``.
    """
    rules, vary = read_rules(args, base_dir)
    return CORSConfiguration(rules, vary if response_vary is None else response_vary)
