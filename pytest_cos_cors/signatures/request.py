"""A request as the signature verifier sees it, and the one way it reads its headers and query.

The verifier needs the method, the path as received (percent-encoded), the raw query string and
the header fields. :class:`SignedRequest` carries exactly that; :meth:`SignedRequest.from_environ`
builds one from a WSGI environ (PEP 3333) and :meth:`SignedRequest.from_url` from a URL, so the
verifier depends on no HTTP library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote, unquote_plus, urlsplit

#: A character COS's UrlEncode changes.
_UNSAFE = re.compile(r"[^A-Za-z0-9\-_.~]")


def _undance(text: str) -> str:
    """Undo WSGI's "encoding dance" (UTF-8 bytes carried as Latin-1 text)."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What the verifier reads of a request.

    ``path`` is the path as received, percent-encoded, without the query (``/a%20b.txt``);
    ``query`` the raw query string without ``?``; ``headers`` the header fields as
    ``(name, value)`` pairs in any case. ``key`` is the decoded object key when the endpoint
    routed a path-style request (``/bucket/key``): COS's SDKs sign either the whole path or
    ``/`` + the key, and the verifier accepts both.
    """

    method: str
    path: str
    query: str = ""
    headers: Sequence[tuple[str, str]] = ()
    key: str | None = None

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        *,
        key: str | None = None,
    ) -> SignedRequest:
        """The request an HTTP client sends for ``url``: its path and query as written, and a
        ``Host`` header from the URL's authority unless ``headers`` has one."""
        parts = urlsplit(url)
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
        if parts.netloc and not any(name.lower() == "host" for name, _ in pairs):
            pairs.append(("Host", parts.netloc))
        return cls(method, parts.path or "/", parts.query, tuple(pairs), key)

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any], *, key: str | None = None) -> SignedRequest:
        """The request a WSGI application received: ``REQUEST_METHOD``, the target from
        ``REQUEST_URI`` (or ``RAW_URI``; ``PATH_INFO`` re-encoded when neither is there), the
        ``HTTP_*`` fields plus ``CONTENT_TYPE`` and ``CONTENT_LENGTH``."""
        target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if target:
            target = _undance(str(target))
            if not target.startswith("/"):
                parts = urlsplit(target)
                path, query = parts.path or "/", parts.query
            else:
                path, _, query = target.partition("?")
                path = path.partition("#")[0]
        else:
            path = quote(_undance(str(environ.get("PATH_INFO") or "/")), safe="/")
            query = _undance(str(environ.get("QUERY_STRING") or ""))
        headers: list[tuple[str, str]] = []
        for name, value in environ.items():
            if name.startswith("HTTP_"):
                field = name[5:]
            elif name in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                field = name
            else:
                continue
            headers.append((field.replace("_", "-").lower(), _undance(str(value))))
        return cls(str(environ.get("REQUEST_METHOD") or "GET"), path, query, tuple(headers), key)


class Malformed(ValueError):
    """A signature that cannot be read; the message says what is wrong with it."""


class RequestView:
    """A :class:`SignedRequest` read once: header fields by lower-case name (repeated fields
    joined with ``,``), and the query parsed on first use."""

    __slots__ = ("_cos_params", "_pairs", "headers", "method", "path", "query", "request")

    def __init__(self, request: SignedRequest) -> None:
        self.request = request
        self.method = request.method
        self.path = request.path or "/"
        self.query = request.query
        headers: dict[str, str] = {}
        for name, value in request.headers:
            lower = name.lower()
            if lower in headers:
                headers[lower] = f"{headers[lower]},{value}"
            else:
                headers[lower] = value
        self.headers = headers
        self._pairs: list[tuple[str, str, str, str]] | None = None
        self._cos_params: dict[str, str] | None = None

    def pairs(self) -> list[tuple[str, str, str, str]]:
        """Each query parameter as ``(raw name, raw value, name, value)``, decoded as a form
        (``+`` is a space: the Python SDK's presigned URLs encode spaces so); a parameter
        without ``=`` has the empty value."""
        if self._pairs is None:
            pairs = []
            if self.query:
                for item in self.query.split("&"):
                    if not item:
                        continue
                    raw_name, _, raw_value = item.partition("=")
                    pairs.append((raw_name, raw_value, _decode(raw_name), _decode(raw_value)))
            self._pairs = pairs
        return self._pairs

    def param(self, lower_name: str) -> str | None:
        """The first value of the parameter whose decoded name is ``lower_name`` in any case."""
        for _, _, name, value in self.pairs():
            if name.lower() == lower_name:
                return value
        return None

    def cos_params(self) -> dict[str, str]:
        """Decoded values by the name COS signs them under (UrlEncoded, lower-case); the first
        of repeated parameters."""
        if self._cos_params is None:
            params: dict[str, str] = {}
            for _, _, name, value in self.pairs():
                params.setdefault(_cos_name(name), value)
            self._cos_params = params
        return self._cos_params

    def decoded_path(self) -> str:
        return _decoded_path(self.path)


@lru_cache(maxsize=512)
def _decoded_path(path: str) -> str:
    """The path as COS signs it (decoded); paths repeat from request to request."""
    return unquote(path) if "%" in path else path


def _decode(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def cos_encode(text: str) -> str:
    """COS's UrlEncode: UTF-8, everything but ``A-Z a-z 0-9 - _ . ~`` percent-encoded with
    upper-case hex (the Request Signature page's table; the SDKs' ``quote(..., '-_.~')`` and
    ``camSafeUrlEncode``)."""
    return quote(text, safe="-_.~") if _UNSAFE.search(text) else text


@lru_cache(maxsize=512)
def _cos_name(name: str) -> str:
    """A parameter's name as COS signs it: UrlEncoded, then lower-cased (names repeat from
    request to request, hence the cache)."""
    return cos_encode(name).lower()


__all__ = ["Malformed", "RequestView", "SignedRequest", "cos_encode"]
