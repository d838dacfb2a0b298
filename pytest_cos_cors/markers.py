"""Reading ``@pytest.mark.cors_rules`` markers into one configuration per bucket.

Markers are given closest first (function, class, module). Per bucket their rules are concatenated
in that order, so under first-match semantics the closest rule wins; ``response_vary`` comes from
the closest marker that sets it. Every problem becomes a :class:`MarkerError` whose message names
the marker, the rule and the field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from .errors import CosError
from .naming import bucket_name_problem, one_edit_apart
from .rules import CORSConfiguration, CORSRule, vary_flag
from .sources import read_rules

KEYWORDS = ("bucket", "response_vary")


class MarkerError(Exception):
    """A marker argument that cannot be used; the message is the whole explanation."""


def cors_rules(
    *rules: object, bucket: str | None = None, response_vary: bool | str | None = None
) -> tuple[tuple[object, ...], str | None, bool | str | None]:
    """The marker's signature: binding a marker's arguments to it checks them as Python does."""
    return rules, bucket, response_vary


@dataclass
class _Bucket:
    rules: list[CORSRule] = field(default_factory=list)
    response_vary: bool | None = None


def _bind(
    args: tuple[Any, ...], kwargs: Mapping[str, Any], where: str
) -> tuple[tuple[object, ...], str | None, bool | str | None]:
    try:
        return cors_rules(*args, **kwargs)
    except TypeError as error:
        hint = ""
        for name in kwargs:
            if name not in KEYWORDS:
                close = difflib.get_close_matches(name, KEYWORDS, n=1)
                if close:
                    hint = f" (did you mean {close[0]!r}?)"
        raise MarkerError(f"{where}: {error}{hint}") from None


def _check_bucket(where: str, bucket: object, default_bucket: str) -> None:
    """A marker's ``bucket=``: a COS bucket name, and not a near miss of the endpoint's own
    bucket (which would silently configure a second bucket)."""
    if not isinstance(bucket, str) or not bucket:
        raise MarkerError(f"{where}: bucket must be a non-empty string, got {bucket!r}")
    problem = bucket_name_problem(bucket)
    if problem is not None:
        raise MarkerError(f"{where}: bucket={bucket!r} is not a COS bucket name: {problem}")
    if one_edit_apart(bucket, default_bucket):
        raise MarkerError(
            f"{where}: bucket={bucket!r} is one character away from the endpoint's bucket "
            f"{default_bucket!r} (did you mean {default_bucket!r}?); a marker's bucket= names "
            "another bucket, which the endpoint would create"
        )


def _cos_problem(where: str, error: CosError) -> MarkerError:
    location = error.where()
    text = error.detail if error.detail else error.message
    if error.detail and error.code != "MalformedXML":
        text = f"{error.message} ({error.detail})"
    prefix = f"{where}, {location}" if location else where
    return MarkerError(f"{prefix}: {text} [COS would answer {error.code}]")


#: Configurations read from markers, by what the markers say (their arguments' ``repr``): the
#: tests of a parametrized or marked class share their markers, read once. Markers that name a
#: file are read each time (the file may change); at most :data:`_MEMO_SIZE` entries.
_memo: dict[tuple[object, ...], dict[str, CORSConfiguration]] = {}
_MEMO_SIZE = 256


def read_markers(
    marks: Iterable[tuple[str, tuple[Any, ...], Mapping[str, Any]]],
    base_dir: Path | None,
    default_bucket: str,
) -> dict[str, CORSConfiguration]:
    """``marks`` are ``(where, args, kwargs)``, closest first; returns bucket -> configuration
    (the configurations are immutable; the same ones for markers that say the same)."""
    marks = tuple(marks)
    key = _memo_key(marks, base_dir, default_bucket)
    if key is not None:
        found = _memo.get(key)
        if found is not None:
            return dict(found)
    configurations = _read(marks, base_dir, default_bucket)
    if key is not None:
        if len(_memo) >= _MEMO_SIZE:
            _memo.pop(next(iter(_memo)))
        _memo[key] = dict(configurations)
    return configurations


def _memo_key(
    marks: tuple[tuple[str, tuple[Any, ...], Mapping[str, Any]], ...],
    base_dir: Path | None,
    default_bucket: str,
) -> tuple[object, ...] | None:
    """What the markers say, or ``None`` when one names a file."""
    for _, args, kwargs in marks:
        if any(isinstance(value, PurePath) for value in (*args, *kwargs.values())):
            return None
    said = tuple((repr(args), repr(sorted(kwargs.items()))) for _, args, kwargs in marks)
    return (default_bucket, str(base_dir), said)


def _read(
    marks: tuple[tuple[str, tuple[Any, ...], Mapping[str, Any]], ...],
    base_dir: Path | None,
    default_bucket: str,
) -> dict[str, CORSConfiguration]:
    buckets: dict[str, _Bucket] = {}
    places: dict[str, str] = {}
    for where, args, kwargs in marks:
        rules_args, bucket, vary = _bind(args, kwargs, where)
        if bucket is not None:
            _check_bucket(where, bucket, default_bucket)
        name = bucket or default_bucket
        try:
            flag = vary_flag(vary)
        except CosError as error:
            raise MarkerError(
                f"{where}: response_vary must be True, False, 'true', 'false' or None, got {vary!r}"
            ) from error
        try:
            rules, file_vary = read_rules(rules_args, base_dir)
            for index, rule in enumerate(rules):
                try:
                    rule.check_values()
                except CosError as error:
                    error.rule_index = index
                    raise
        except CosError as error:
            raise _cos_problem(where, error) from None
        except OSError as error:
            raise MarkerError(f"{where}: {error}") from None
        entry = buckets.setdefault(name, _Bucket())
        places.setdefault(name, where)
        entry.rules.extend(rules)
        for candidate in (flag, file_vary):
            if entry.response_vary is None and candidate is not None:
                entry.response_vary = candidate
    configurations = {}
    for name, entry in buckets.items():
        if not entry.rules:
            raise MarkerError(f"{places[name]}: no CORS rule given for bucket {name!r}")
        try:
            configurations[name] = CORSConfiguration(entry.rules, entry.response_vary)
        except CosError as error:
            raise _cos_problem(f"{places[name]} (all markers for bucket {name!r})", error) from None
    return configurations
