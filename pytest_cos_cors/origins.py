"""Sites served from the endpoint itself: a test's pages under their production origins.

``CosCorsEndpoint.serve_origin("https://app.example.com", content)`` registers a site here; the
endpoint's WSGI application is then a :class:`SiteDispatcher` in front of the COS application,
routing by ``Host`` (and scheme) like the buckets: a request for a served origin goes to its
site, never to COS, and is not recorded; everything else goes to COS as before.

A site is HTML (text or bytes) served at ``/``, a directory of static files (``index.html`` for a
directory, content types by extension), one file served at ``/``, or any WSGI application.
"""

from __future__ import annotations

import ipaddress
import mimetypes
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union
from urllib.parse import unquote, urlsplit

from .tls import is_cos_host

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: What ``serve_origin`` accepts as a site.
SiteContent = Union[str, bytes, "os.PathLike[str]", "WSGIApplication"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HTML = "text/html; charset=utf-8"
#: Types a browser insists on (a module script must be JavaScript) that ``mimetypes`` may lack.
_TYPES = {
    ".html": _HTML,
    ".htm": _HTML,
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


@dataclass(frozen=True)
class Origin:
    """A web origin: scheme, lower-case host name, port (the scheme's default when not given)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_origin(text: object) -> Origin:
    """``https://app.example.com``, ``http://admin.example.com:8080`` (a trailing ``/`` is
    tolerated) as an :class:`Origin`; ``ValueError`` for anything else, and for the names a
    browser never sends to the fake (``localhost`` and its sub-domains, IP addresses)."""
    if not isinstance(text, str):
        raise ValueError(f"an origin is a string such as 'https://app.example.com', not {text!r}")
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as error:
        raise ValueError(f"not an origin: {text!r} ({error})") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if (
        scheme not in _DEFAULT_PORTS
        or not host
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "*" in host
    ):
        raise ValueError(
            f"not an origin: {text!r}; write scheme://host[:port], such as "
            "'https://app.example.com' or 'http://admin.example.com:8080'"
        )
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise ValueError(
            f"cannot serve {text!r}: a browser connects to an IP address itself; serve a host "
            "name such as 'https://app.example.com'"
        )
    if host == "localhost" or host.endswith(".localhost"):
        raise ValueError(
            f"cannot serve {text!r}: Chromium resolves localhost names itself, so they never "
            "reach the fake; serve a name such as 'https://app.example.com'"
        )
    if is_cos_host(host):
        raise ValueError(f"cannot serve {text!r}: COS's own domains are the buckets' host names")
    return Origin(scheme, host, _DEFAULT_PORTS[scheme] if port is None else port)


def _split_host(host_header: str, scheme: str) -> tuple[str, int] | None:
    """``Host`` as (lower-case name, port); ``None`` when it is not ``name[:port]``."""
    name, colon, port = host_header.strip().rpartition(":")
    if not colon or "]" in port:
        name, port = host_header.strip(), ""
    if port and not port.isdigit():
        return None
    number = int(port) if port else _DEFAULT_PORTS.get(scheme, 0)
    return name.lower().rstrip("."), number


# -- sites ---------------------------------------------------------------------------------------


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


class PageSite:
    """One page (HTML by default) at ``/``; 404 for any other path."""

    def __init__(self, body: bytes, content_type: str = _HTML) -> None:
        self.body = body
        self.content_type = content_type

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _not_allowed(start_response)
        if environ.get("PATH_INFO", "/") not in ("", "/"):
            return _plain(start_response, "404 Not Found", "not found\n")
        start_response(
            "200 OK",
            [
                ("Content-Type", self.content_type),
                ("Content-Length", str(len(self.body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [] if method == "HEAD" else [self.body]


def _not_allowed(start_response: StartResponse) -> list[bytes]:
    body = b"method not allowed\n"
    start_response(
        "405 Method Not Allowed",
        [
            ("Allow", "GET, HEAD"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def content_type_of(path: Path) -> str:
    """The ``Content-Type`` a static file is served with, by its extension."""
    known = _TYPES.get(path.suffix.lower())
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class DirectorySite:
    """Static files under ``root``: ``GET``/``HEAD`` only; a directory serves its
    ``index.html``; a path that leaves ``root`` (``..``, a symbolic link out) is not found."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _file(self, path_info: str) -> Path | None:
        relative = unquote(path_info.encode("latin-1").decode("utf-8", "replace")).lstrip("/")
        candidate = (self.root / relative).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _not_allowed(start_response)
        try:
            found = self._file(environ.get("PATH_INFO", "/"))
        except (OSError, ValueError, UnicodeError):
            found = None
        if found is None:
            return _plain(start_response, "404 Not Found", "not found\n")
        body = found.read_bytes()
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type_of(found)),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [] if method == "HEAD" else [body]


def site_app(content: object) -> WSGIApplication:
    """The WSGI application of ``content`` (see the module's text); ``TypeError`` for
    anything else, ``ValueError`` for a path that does not exist."""
    if isinstance(content, str):
        return PageSite(content.encode("utf-8"))
    if isinstance(content, bytes | bytearray | memoryview):
        return PageSite(bytes(content))
    if isinstance(content, os.PathLike):
        path = Path(os.fspath(content))
        if path.is_dir():
            return DirectorySite(path)
        if path.is_file():
            return PageSite(path.read_bytes(), content_type_of(path))
        raise ValueError(f"cannot serve {str(path)!r}: no such file or directory")
    if callable(content):
        return content
    raise TypeError(
        "serve_origin() content must be HTML (str or bytes), a pathlib.Path to a directory or "
        f"file, or a WSGI application, not {type(content).__name__}"
    )


# -- routing -------------------------------------------------------------------------------------


class SiteDispatcher:
    """The endpoint's WSGI application: served origins first (by scheme, ``Host`` name and
    port), COS (``cos_app``) for everything else. A request for a served host name under
    another scheme or port is answered ``421 Misdirected Request``, not sent to COS.

    Thread-safe: :meth:`serve` may be called while requests are being served."""

    def __init__(self, cos_app: WSGIApplication) -> None:
        self.cos_app = cos_app
        self._lock = threading.Lock()
        self._sites: dict[Origin, WSGIApplication] = {}
        self._hosts: frozenset[str] = frozenset()

    def serve(self, origin: Origin, app: WSGIApplication) -> None:
        """Serve ``app`` under ``origin`` (replacing what was served there)."""
        with self._lock:
            sites = dict(self._sites)
            sites[origin] = app
            self._sites = sites
            self._hosts = frozenset(o.host for o in sites)

    @property
    def origins(self) -> tuple[Origin, ...]:
        """The served origins, in the order they were first served."""
        return tuple(self._sites)

    @property
    def hosts(self) -> frozenset[str]:
        """The host names of the served origins."""
        return self._hosts

    def site(self, scheme: str, host_header: str) -> WSGIApplication | None:
        """The site of a request, or ``None`` when no served origin is its (scheme, host,
        port)."""
        if not self._sites:
            return None
        split = _split_host(host_header, scheme)
        if split is None:
            return None
        return self._sites.get(Origin(scheme, split[0], split[1]))

    def browser_route(self, scheme: str, host_header: str) -> WSGIApplication | None:
        """Where a browser's request goes when every host name reaches the fake (the session
        browser): a served origin's site, COS for a COS host name, nothing otherwise."""
        site = self.site(scheme, host_header)
        if site is not None:
            return site
        split = _split_host(host_header, scheme)
        if split is not None and is_cos_host(split[0]):
            return self.cos_app
        return None

    def claims(self, scheme: str, host_header: str) -> bool:
        """Whether a request for ``host_header`` goes to a served origin's site (or gets the
        421 for one) instead of COS."""
        if not self._hosts:
            return False
        split = _split_host(host_header, scheme)
        return split is not None and split[0] in self._hosts

    def knows_name(self, name: str) -> bool:
        """Whether a TLS client asking for ``name`` (SNI) may be answered: a COS host name or
        a served origin's host."""
        name = name.lower().rstrip(".")
        return name in self._hosts or is_cos_host(name)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self._sites:
            scheme = environ.get("wsgi.url_scheme", "http")
            host = environ.get("HTTP_HOST", "")
            site = self.site(scheme, host)
            if site is not None:
                return site(environ, start_response)
            split = _split_host(host, scheme)
            if split is not None and split[0] in self._hosts:
                served = ", ".join(str(o) for o in self._sites if o.host == split[0])
                return _plain(
                    start_response,
                    "421 Misdirected Request",
                    f"{scheme}://{host} is not served here; served: {served}\n",
                )
        return self.cos_app(environ, start_response)
