"""Every form a CORS configuration can be given in, turned into the rule model.

Shared by the marker, ``CosCorsEndpoint.set_rules`` and the command line, so that all of them
accept exactly the same things.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from .errors import MALFORMED_XML, CosError, malformed
from .rules import CORSConfiguration, CORSRule

_WHOLE_KEYS = frozenset({"CORSRule", "ResponseVary", "rules", "response_vary"})
#: How a configuration file is read, for the messages about one that is not.
FILE_FORMATS = (
    "COS XML, or the dict the SDK's put_bucket_cors takes as JSON in a file whose name ends "
    "in .json"
)
_FILE_SUFFIXES = (".xml", ".json")


class FileFormatError(CosError):
    """A configuration file in neither of the formats read (:data:`FILE_FORMATS`); COS would
    answer ``MalformedXML`` to its content."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            "MalformedXML",
            MALFORMED_XML,
            detail=f"{path.name} is not COS XML: a configuration file is read as {FILE_FORMATS}",
        )
        self.path = path


class ConfigurationFileError(OSError):
    """A configuration file that cannot be read: the message names the path given, the path it
    was resolved to and, for a relative path, where relative paths are taken from."""

    def __init__(self, given: PurePath, resolved: Path, base: str | None, error: OSError) -> None:
        if isinstance(error, FileNotFoundError):
            why = "no such file"
        elif isinstance(error, IsADirectoryError):
            why = "it is a directory"
        else:
            why = error.strerror or str(error)
        text = f"cannot read the configuration file {str(given)!r}: {why}: {resolved}"
        if base is not None:
            text += f" (a relative path is taken from {base})"
        super().__init__(text)
        self.given = given
        self.resolved = resolved
        #: The error reading the file raised.
        self.error = error


def _looks_like_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def is_whole_configuration(value: object) -> bool:
    """Whether ``value`` is a whole configuration rather than one rule."""
    if isinstance(value, (CORSConfiguration, str, bytes, bytearray, PurePath)):
        return True
    return isinstance(value, Mapping) and any(k in _WHOLE_KEYS for k in value)


def read_file(path: Path) -> CORSConfiguration:
    """A configuration file: COS XML, or the SDK's dict as JSON when the name ends in ``.json``.

    A file whose name ends in neither ``.xml`` nor ``.json`` and whose content is not XML (a
    YAML file, say) raises :class:`FileFormatError`."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            parsed: Any = json.loads(data)
        except ValueError as error:
            raise malformed(f"{path} is not valid JSON: {error}") from None
        return CORSConfiguration.from_dict(parsed)
    if suffix not in _FILE_SUFFIXES and not _looks_like_xml(data):
        raise FileFormatError(path)
    return CORSConfiguration.from_xml(data)


def _names_a_file(text: str, base_dir: Path | None) -> bool:
    """Whether a string given as a configuration is a file name rather than XML."""
    if text.startswith("<") or "\n" in text:
        return False
    if text.lower().endswith(_FILE_SUFFIXES):
        return True
    try:
        return (Path(base_dir or ".") / text).is_file()
    except (OSError, ValueError):
        return False


def read_path(value: PurePath, base_dir: Path | None = None) -> CORSConfiguration:
    """The configuration file ``value`` names; a relative path is taken from ``base_dir`` (a
    marker's test file directory) or else the current directory. :class:`ConfigurationFileError`
    when it cannot be read."""
    path = Path(value)
    base = None
    if not path.is_absolute():
        if base_dir is not None:
            base = f"the test file's directory, {base_dir}"
            path = base_dir / path
        else:
            base = f"the current directory, {Path.cwd()}"
            path = path.absolute()
    try:
        return read_file(path)
    except OSError as error:
        raise ConfigurationFileError(value, path, base, error) from None


def whole_configuration(value: object, base_dir: Path | None = None) -> CORSConfiguration:
    """One whole configuration in any accepted form."""
    if isinstance(value, CORSConfiguration):
        return value
    if isinstance(value, (bytes, bytearray)):
        return CORSConfiguration.from_xml(bytes(value))
    if isinstance(value, str):
        if _names_a_file(value.strip(), base_dir):
            raise malformed(
                f"{value!r} is a file name, not COS XML: pass a pathlib.Path to read a file, "
                f"as in Path({value!r})"
            )
        return CORSConfiguration.from_xml(value)
    if isinstance(value, PurePath):
        return read_path(value, base_dir)
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
