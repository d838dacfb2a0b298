"""``assert_no_broken_requests``: fail a test when a preflight the old configuration allows is
denied by the new one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..evaluator import evaluate_preflight, normalise_request_headers
from .candidates import Universe, origin_entries
from .changes import ConfigurationChange
from .classify import classify, load
from .compare import diff_configurations
from .model import BROKEN, Request

HeadersLike = str | Iterable[str] | None
RequestLike = Request | tuple[str, str] | tuple[str, str, HeadersLike] | Mapping[str, HeadersLike]


def _request(value: object) -> Request:
    if isinstance(value, Request):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - {"origin", "method", "headers"}
        if unknown:
            raise TypeError(f"unknown request keys {sorted(unknown)}: use origin, method, headers")
        origin, method, headers = value.get("origin"), value.get("method"), value.get("headers")
    elif isinstance(value, tuple) and len(value) in (2, 3):
        origin, method = value[0], value[1]
        headers = value[2] if len(value) == 3 else None
    else:
        raise TypeError(
            f"a request is an (origin, method[, headers]) tuple or a dict, got {value!r}"
        )
    if not isinstance(origin, str) or not isinstance(method, str):
        raise TypeError(f"a request needs an origin and a method as strings, got {value!r}")
    if headers is not None and not isinstance(headers, (str, Iterable)):
        raise TypeError(f"request headers must be a string or strings, got {headers!r}")
    return Request(origin, method, normalise_request_headers(headers))


def assert_no_broken_requests(
    old: object, new: object, requests: Iterable[RequestLike] | None = None
) -> None:
    """Fail when a preflight that ``old`` allows is denied by ``new``.

    ``requests``: ``(origin, method)`` or ``(origin, method, headers)`` tuples, or dicts with
    ``origin``, ``method`` and ``headers``; ``None`` checks every class of request
    :func:`diff_configurations` derives from the two configurations.
    """
    __tracebackhide__ = True
    old_configuration, new_configuration = load(old), load(new)
    broken: list[ConfigurationChange] = []
    if requests is None:
        broken.extend(diff_configurations(old_configuration, new_configuration).broken)
        what = "request class"
    else:
        universe = Universe(origin_entries(old_configuration, new_configuration))
        for value in requests:
            request = _request(value)
            old_decision = evaluate_preflight(
                old_configuration, request.origin, request.method, request.headers
            )
            new_decision = evaluate_preflight(
                new_configuration, request.origin, request.method, request.headers
            )
            if old_decision.allowed and not new_decision.allowed:
                broken.append(
                    ConfigurationChange(
                        kind=BROKEN,
                        request=request,
                        old=old_decision,
                        new=new_decision,
                        request_class=classify(universe, old_decision, new_decision),
                    )
                )
        what = "request"
    if broken:
        count = len(broken)
        plural = "" if count == 1 else ("es" if what.endswith("class") else "s")
        lines = [
            f"{count} {what}{plural} allowed by the old CORS configuration "
            f"{'is' if count == 1 else 'are'} denied by the new one:"
        ]
        for change in broken:
            lines.append("- " + change.describe().replace("\n", "\n  "))
        raise AssertionError("\n".join(lines))
