"""What a browser does before a cross-origin request, per the Fetch standard: whether the request,
as the fake saw it, is a browser's CORS-mode request, whether the browser had to preflight it, and
whether an earlier preflight's answer covers it.

Pure string code, light on purpose (no lxml): :class:`~pytest_cos_cors.recording.ExchangeLog`
calls it for every recorded actual request that carries ``Origin``.

- :func:`is_browser_cors_request`: ``Sec-Fetch-Mode: cors``, or, when the request carries no
  ``Sec-Fetch-Mode`` at all (Chromium sends none to a plain-http host that is not localhost, such
  as ``http://<bucket>.cos.<region>.myqcloud.com``), a browser's ``User-Agent`` (``Mozilla/...``);
  never a same-origin request.
- :func:`unsafe_request_headers`: the author headers that are not CORS-safelisted (the names a
  browser lists in ``Access-Control-Request-Headers``), leaving out the headers the browser sets
  itself (forbidden request headers, ``User-Agent``, and the cache's ``Cache-Control: no-cache``,
  ``Pragma: no-cache`` and conditional headers, which it adds after deciding on the preflight).
- :func:`needs_preflight`: a method other than GET, HEAD and POST, or such a header.
- :func:`preflight_covers`: an allowed preflight's answer allows this origin, method and headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: Methods a browser never preflights (CORS-safelisted methods).
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

#: Forbidden request-header names (Fetch): the browser sets them, a page cannot.
FORBIDDEN_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
#: Headers a browser adds itself, after deciding whether to preflight: its user agent, the
#: HTTP cache's conditional headers, and what it sends for a navigation or a prefetch.
BROWSER_SET_HEADERS = frozenset(
    {
        "user-agent",
        "if-none-match",
        "if-modified-since",
        "if-range",
        "upgrade-insecure-requests",
        "priority",
        "purpose",
        "x-client-data",
    }
)
#: Sent by the browser itself with these values when the request bypasses the cache (Playwright's
#: request interception and DevTools' "disable cache" do that): not the page's headers.
BROWSER_SET_VALUES = {
    "cache-control": frozenset({"no-cache", "max-age=0"}),
    "pragma": frozenset({"no-cache"}),
}
_SAFELISTED_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
#: CORS-unsafe request-header bytes: controls but HT, and ``"():<>?@[\\]{}`` and DEL.
_UNSAFE_BYTE = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')
_LANGUAGE = re.compile(r"^[0-9A-Za-z *,\-.;=]*$")
_SIMPLE_RANGE = re.compile(r"^bytes=([0-9]+)-([0-9]*)$")
#: A value longer than this is never safelisted; nor are they all beyond this total.
_VALUE_LIMIT = 128
_TOTAL_LIMIT = 1024


def _browser_set(name: str, value: str) -> bool:
    if name in FORBIDDEN_HEADERS or name in BROWSER_SET_HEADERS:
        return True
    if name.startswith(("proxy-", "sec-")):
        return True
    values = BROWSER_SET_VALUES.get(name)
    return values is not None and value.strip().lower() in values


def is_safelisted(name: str, value: str) -> bool:
    """Whether ``name: value`` is a CORS-safelisted request header (``name`` lower-cased)."""
    if len(value) > _VALUE_LIMIT:
        return False
    if name == "accept":
        return _UNSAFE_BYTE.search(value) is None
    if name in ("accept-language", "content-language"):
        return _LANGUAGE.match(value) is not None
    if name == "content-type":
        if _UNSAFE_BYTE.search(value) is not None:
            return False
        essence = value.split(";", 1)[0].strip().lower()
        return essence in _SAFELISTED_TYPES
    if name == "range":
        match = _SIMPLE_RANGE.match(value)
        if match is None:
            return False
        start, end = match.groups()
        return not end or int(start) <= int(end)
    return False


def unsafe_request_headers(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The author headers of a request that a browser lists in ``Access-Control-Request-Headers``:
    lower-cased, sorted, without repeats (as Chromium sends them)."""
    unsafe: set[str] = set()
    safelisted: list[tuple[str, str]] = []
    for raw_name, value in pairs:
        name = raw_name.lower()
        if _browser_set(name, value):
            continue
        if is_safelisted(name, value):
            safelisted.append((name, value))
        else:
            unsafe.add(name)
    if sum(len(value) for _, value in safelisted) > _TOTAL_LIMIT:
        unsafe.update(name for name, _ in safelisted)
    return tuple(sorted(unsafe))


def needs_preflight(method: str, headers: tuple[str, ...]) -> bool:
    """Whether a browser preflights a request with this method and these unsafe headers."""
    return method not in SAFELISTED_METHODS or bool(headers)


def is_browser_cors_request(headers: Mapping[str, str], origin: str | None) -> bool:
    """Whether a browser sent this request in CORS mode to another origin (see the module)."""
    if not origin:
        return False
    mode = headers.get("Sec-Fetch-Mode")
    if mode is not None:
        if mode.strip().lower() != "cors":
            return False
    elif not headers.get("User-Agent", "").startswith("Mozilla/"):
        return False
    if (headers.get("Sec-Fetch-Site") or "").strip().lower() == "same-origin":
        return False
    host = (headers.get("Host") or "").strip().lower()
    return not host or origin.lower() not in (f"http://{host}", f"https://{host}")


def _listed(value: str | None) -> set[str]:
    return {part.strip() for part in (value or "").split(",") if part.strip()}


def preflight_covers(
    answer: Mapping[str, str], origin: str, method: str, headers: Iterable[str]
) -> bool:
    """Whether the headers of a successful preflight's answer let a browser send a request with
    this origin, method and unsafe headers (the CORS check and the preflight-cache match)."""
    allowed_origin = answer.get("Access-Control-Allow-Origin")
    if allowed_origin != origin and allowed_origin != "*":
        return False
    methods = _listed(answer.get("Access-Control-Allow-Methods"))
    if method not in SAFELISTED_METHODS and method not in methods and "*" not in methods:
        return False
    allowed = {name.lower() for name in _listed(answer.get("Access-Control-Allow-Headers"))}
    return all(
        name in allowed or ("*" in allowed and name != "authorization") for name in headers
    )


__all__ = [
    "BROWSER_SET_HEADERS",
    "BROWSER_SET_VALUES",
    "FORBIDDEN_HEADERS",
    "SAFELISTED_METHODS",
    "is_browser_cors_request",
    "is_safelisted",
    "needs_preflight",
    "preflight_covers",
    "unsafe_request_headers",
]
