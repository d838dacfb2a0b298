"""The COS CORS configuration as frozen value objects, validated with COS's error codes."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import cos_xml
from .constants import METHODS as METHODS  # re-exported: ``rules.METHODS`` stays importable
from .errors import (
    MAX_RULES,
    TOO_MANY_RULES,
    CosError,
    expose_wildcard,
    header_wildcards,
    malformed,
    origin_wildcards,
    unsupported_method,
)

MAX_AGE_LIMIT = 2147483647

#: XML element name -> attribute name, in the order COS documents the elements.
XML_FIELDS = {
    "ID": "id",
    "AllowedOrigin": "allowed_origins",
    "AllowedMethod": "allowed_methods",
    "AllowedHeader": "allowed_headers",
    "ExposeHeader": "expose_headers",
    "MaxAgeSeconds": "max_age_seconds",
}
_SNAKE_TO_XML = {snake: xml for xml, snake in XML_FIELDS.items()}
_RULE_KEYS = {**{k: k for k in XML_FIELDS}, **_SNAKE_TO_XML}
_CONFIG_KEYS = {
    "CORSRule": "CORSRule",
    "rules": "CORSRule",
    "ResponseVary": "ResponseVary",
    "response_vary": "ResponseVary",
}

StrOrSeq = str | Iterable[str]


def _unknown_key(key: object, known: Iterable[str], *, what: str) -> CosError:
    names = list(known)
    close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        if str(key).lower() in lowered:
            close = [lowered[str(key).lower()]]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return malformed(f"unknown {what} key {key!r}{hint}", field=str(key))


def _text(value: object, xml_name: str) -> str:
    if not isinstance(value, str):
        raise malformed(f"expected a string, got {type(value).__name__} {value!r}", field=xml_name)
    text = value.strip()
    if not text:
        raise malformed("empty value", field=xml_name)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise malformed(f"control character in {text!r}", field=xml_name)
    return text


def _texts(value: object, xml_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return (_text(value, xml_name),)
    return tuple(_text(v, xml_name) for v in value)


def _max_age(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise malformed(f"expected an integer, got {value!r}", field="MaxAgeSeconds")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise malformed(f"expected an integer, got {value!r}", field="MaxAgeSeconds")
    if not 0 <= number <= MAX_AGE_LIMIT:
        raise malformed(f"{number} is outside 0..{MAX_AGE_LIMIT}", field="MaxAgeSeconds")
    return number


def vary_flag(value: object) -> bool | None:
    """``ResponseVary`` as given (a bool, ``true``/``false`` in any case, or None) as a bool."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise malformed(f"expected true or false, got {value!r}", field="ResponseVary")


class Pattern:
    """A value with at most one ``*`` that matches any run of characters."""

    __slots__ = ("exact", "minimum", "prefix", "suffix")

    def __init__(self, text: str) -> None:
        if "*" in text:
            self.exact: str | None = None
            self.prefix, _, self.suffix = text.partition("*")
            self.minimum = len(self.prefix) + len(self.suffix)
        else:
            self.exact, self.prefix, self.suffix, self.minimum = text, "", "", 0

    def matches(self, value: str) -> bool:
        """Whether ``value`` is the text, or fits around the ``*``."""
        if self.exact is not None:
            return value == self.exact
        return (
            len(value) >= self.minimum
            and value.startswith(self.prefix)
            and value.endswith(self.suffix)
        )


#: Why an ``AllowedOrigin`` entry can never equal a browser's ``Origin`` (scheme, host and port,
#: lower case, no path, no default port): COS accepts such entries, they just never match.
NO_SCHEME = "no scheme"
UPPER_CASE = "upper case"
TRAILING_SLASH = "trailing slash"
PATH = "path"
DEFAULT_PORT = "default port"
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def origin_flaws(entry: str) -> tuple[str, ...]:
    """Why ``entry`` (an ``AllowedOrigin`` value, or an origin) can never match the ``Origin`` a
    browser sends: among :data:`NO_SCHEME`, :data:`UPPER_CASE`, :data:`TRAILING_SLASH`,
    :data:`PATH` and :data:`DEFAULT_PORT`; empty when it can. ``*`` and ``null`` are fine."""
    if entry in ("*", "null"):
        return ()
    flaws = []
    scheme, separator, rest = entry.partition("://")
    if not separator:
        if "*" not in entry:
            flaws.append(NO_SCHEME)
        rest = ""
    if any("A" <= c <= "Z" for c in entry):
        flaws.append(UPPER_CASE)
    host, slash, path = rest.partition("/")
    if slash:
        flaws.append(TRAILING_SLASH if not path else PATH)
    port = _DEFAULT_PORTS.get(scheme.lower())
    if port is not None and host.endswith(port):
        flaws.append(DEFAULT_PORT)
    return tuple(flaws)


def browser_origin(entry: str) -> str:
    """``entry`` as a browser would send it: lower case, with a scheme (``https://`` when it has
    none), without a path or a default port."""
    text = entry.lower()
    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = "https", text
    host = rest.partition("/")[0]
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and host.endswith(port):
        host = host[: -len(port)]
    return f"{scheme}://{host}"


class _CompiledPatterns:
    """A rule's entries as :class:`Pattern` objects, made once by its constructor.

    Declared on this plain (non-dataclass) base so that they are instance attributes but not
    dataclass fields: ``dataclasses.fields(CORSRule)`` lists the six COS elements only, and
    equality, hashing and ``repr`` never look at them.
    """

    #: ``AllowedOrigin`` entries (case-sensitive).
    _origins: tuple[Pattern, ...]
    #: ``AllowedHeader`` entries, lower-cased.
    _headers: tuple[Pattern, ...]


@dataclass(frozen=True, init=False)
class CORSRule(_CompiledPatterns):
    """One ``<CORSRule>``: values in their original case and order."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None
    id: str | None = None

    def __init__(
        self,
        allowed_origins: StrOrSeq,
        allowed_methods: StrOrSeq,
        allowed_headers: StrOrSeq = (),
        expose_headers: StrOrSeq = (),
        max_age_seconds: int | str | None = None,
        id: str | None = None,  # noqa: A002 - the COS element is called ID
    ) -> None:
        origins = _texts(allowed_origins, "AllowedOrigin")
        methods = _texts(allowed_methods, "AllowedMethod")
        if not origins:
            raise malformed("a rule needs at least one AllowedOrigin", field="AllowedOrigin")
        if not methods:
            raise malformed("a rule needs at least one AllowedMethod", field="AllowedMethod")
        headers = _texts(allowed_headers, "AllowedHeader")
        setattr_ = object.__setattr__
        setattr_(self, "allowed_origins", origins)
        setattr_(self, "allowed_methods", methods)
        setattr_(self, "allowed_headers", headers)
        setattr_(self, "expose_headers", _texts(expose_headers, "ExposeHeader"))
        setattr_(self, "max_age_seconds", _max_age(max_age_seconds))
        setattr_(self, "id", None if id is None else _text(id, "ID"))
        setattr_(self, "_origins", tuple(Pattern(o) for o in origins))
        setattr_(self, "_headers", tuple(Pattern(h.lower()) for h in headers))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CORSRule:
        """A rule from the SDK's shape (``AllowedOrigin``...) or snake_case keys."""
        if not isinstance(data, Mapping):
            raise malformed(f"a rule must be a mapping, got {type(data).__name__}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            xml_name = _RULE_KEYS.get(key)
            if xml_name is None:
                raise _unknown_key(key, [*_RULE_KEYS, "CORSRule"], what="rule")
            if xml_name in values:
                raise malformed(f"{xml_name} given twice", field=xml_name)
            values[xml_name] = value
        if "AllowedOrigin" not in values:
            raise malformed("a rule needs at least one AllowedOrigin", field="AllowedOrigin")
        if "AllowedMethod" not in values:
            raise malformed("a rule needs at least one AllowedMethod", field="AllowedMethod")
        return cls(**{XML_FIELDS[k]: v for k, v in values.items()})

    def to_dict(self) -> dict[str, Any]:
        """The SDK's shape: lists for repeatable elements, absent keys for unset values."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out["ID"] = self.id
        out["AllowedOrigin"] = list(self.allowed_origins)
        out["AllowedMethod"] = list(self.allowed_methods)
        if self.allowed_headers:
            out["AllowedHeader"] = list(self.allowed_headers)
        if self.expose_headers:
            out["ExposeHeader"] = list(self.expose_headers)
        if self.max_age_seconds is not None:
            out["MaxAgeSeconds"] = str(self.max_age_seconds)
        return out

    def elements(self) -> list[tuple[str, str]]:
        """``(element, text)`` pairs in COS's documented element order."""
        pairs = []
        for name, values in self.to_dict().items():
            for value in values if isinstance(values, list) else [values]:
                pairs.append((name, value))
        return pairs

    def check_values(self) -> None:
        """COS's value checks (SPEC §3 rows 5-8), in order; raises :class:`CosError`."""
        for method in self.allowed_methods:
            if method not in METHODS:
                raise CosError(
                    "InvalidRequest",
                    unsupported_method(method),
                    field="AllowedMethod",
                    detail=f"{method!r} is not one of {', '.join(METHODS)}",
                )
        for origin in self.allowed_origins:
            if origin.count("*") > 1:
                raise CosError("InvalidArgument", origin_wildcards(origin), field="AllowedOrigin")
        for header in self.allowed_headers:
            if header.count("*") > 1:
                raise CosError("InvalidArgument", header_wildcards(header), field="AllowedHeader")
        for header in self.expose_headers:
            if "*" in header:
                raise CosError("InvalidArgument", expose_wildcard(header), field="ExposeHeader")

    def matched_origin(self, origin: str) -> str | None:
        """The first ``AllowedOrigin`` entry that matches ``origin`` (case-sensitive), if any."""
        for entry, pattern in zip(self.allowed_origins, self._origins, strict=True):
            if pattern.matches(origin):
                return entry
        return None

    def allows_header(self, header: str) -> bool:
        """Whether a lower-cased requested header matches one of the ``AllowedHeader`` entries."""
        return any(p.matches(header) for p in self._headers)

    @property
    def has_header_wildcard(self) -> bool:
        """Whether an ``AllowedHeader`` entry has a ``*``."""
        return any("*" in h for h in self.allowed_headers)

    def unmatchable_origins(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The ``AllowedOrigin`` entries that can never match a browser's ``Origin``, each with
        its :func:`origin_flaws`."""
        found = ((entry, origin_flaws(entry)) for entry in self.allowed_origins)
        return tuple((entry, flaws) for entry, flaws in found if flaws)

    def label(self, index: int) -> str:
        """``rules[index]``, with the ``ID`` when the rule has one."""
        return f"rules[{index}]" + (f" (ID {self.id!r})" if self.id is not None else "")


def _with_index(error: CosError, index: int) -> CosError:
    error.rule_index = index
    return error


def _rule(value: object, index: int) -> CORSRule:
    try:
        if isinstance(value, CORSRule):
            return value
        if isinstance(value, Mapping):
            return CORSRule.from_dict(value)
        raise malformed(f"a rule must be a CORSRule or a mapping, got {type(value).__name__}")
    except CosError as error:
        raise _with_index(error, index) from None


@dataclass(frozen=True, init=False)
class CORSConfiguration:
    """A whole ``<CORSConfiguration>``: rules in document order, the optional ``ResponseVary``.

    Its fields are the two COS elements, nothing else. The evaluator keeps its index of an
    (immutable) configuration in the instance, outside the fields: see ``evaluator.py``.
    """

    rules: tuple[CORSRule, ...]
    response_vary: bool | None = None

    def __init__(
        self,
        rules: Iterable[CORSRule | Mapping[str, Any]] | CORSRule | Mapping[str, Any],
        response_vary: bool | str | None = None,
    ) -> None:
        items: Iterable[object] = (
            [rules] if isinstance(rules, (CORSRule, Mapping, str, bytes)) else rules
        )
        built = tuple(_rule(r, i) for i, r in enumerate(items))
        vary = vary_flag(response_vary)
        if not built:
            raise malformed("a configuration needs at least one CORSRule", field="CORSRule")
        if len(built) > MAX_RULES:
            raise CosError(
                "InvalidRequest",
                TOO_MANY_RULES,
                field="CORSRule",
                detail=f"{len(built)} rules given",
            )
        for index, rule in enumerate(built):
            try:
                rule.check_values()
            except CosError as error:
                raise _with_index(error, index) from None
        object.__setattr__(self, "rules", built)
        object.__setattr__(self, "response_vary", vary)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> CORSConfiguration:
        """From the SDK's dict (``{"CORSRule": [...], "ResponseVary": "true"}``), a snake_case one
        (``{"rules": [...], "response_vary": True}``), a list of rule dicts, or one rule dict."""
        if isinstance(data, Mapping):
            if data and all(k in _RULE_KEYS for k in data):
                return cls([data])
            values: dict[str, Any] = {}
            for key, value in data.items():
                name = _CONFIG_KEYS.get(key)
                if name is None:
                    raise _unknown_key(key, _CONFIG_KEYS, what="configuration")
                if name in values:
                    raise malformed(f"{name} given twice", field=name)
                values[name] = value
            rules = values.get("CORSRule", [])
            if isinstance(rules, Mapping):
                rules = [rules]
            return cls(rules, values.get("ResponseVary"))
        if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
            raise malformed(f"expected a mapping or a list of rules, got {type(data).__name__}")
        return cls(data)

    def to_dict(self) -> dict[str, Any]:
        """The SDK's shape, as ``put_bucket_cors(CORSConfiguration=...)`` takes it."""
        out: dict[str, Any] = {"CORSRule": [r.to_dict() for r in self.rules]}
        if self.response_vary is not None:
            out["ResponseVary"] = "true" if self.response_vary else "false"
        return out

    @classmethod
    def from_xml(cls, body: bytes | str) -> CORSConfiguration:
        """Parse and validate a COS ``<CORSConfiguration>`` document (SPEC §3 rows 1, 3-8)."""
        document = cos_xml.parse_configuration(body)
        rules = []
        for index, elements in enumerate(document.rules):
            grouped: dict[str, list[str]] = {}
            for name, text in elements:
                grouped.setdefault(name, []).append(text)
            for single in ("ID", "MaxAgeSeconds"):
                if len(grouped.get(single, ())) > 1:
                    raise malformed(f"more than one {single}", rule_index=index, field=single)
            try:
                rules.append(
                    CORSRule(
                        grouped.get("AllowedOrigin", ()),
                        grouped.get("AllowedMethod", ()),
                        grouped.get("AllowedHeader", ()),
                        grouped.get("ExposeHeader", ()),
                        grouped.get("MaxAgeSeconds", [None])[0],
                        grouped.get("ID", [None])[0],
                    )
                )
            except CosError as error:
                raise _with_index(error, index) from None
        return cls(rules, document.response_vary)

    def to_xml(self) -> bytes:
        """The document COS returns for ``GET /?cors``."""
        vary = None if self.response_vary is None else str(self.response_vary).lower()
        return cos_xml.render_configuration([r.elements() for r in self.rules], vary)
