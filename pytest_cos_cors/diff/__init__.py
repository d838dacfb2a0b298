"""Which preflight requests change verdict between two CORS configurations.

:func:`diff_configurations` compares (:mod:`.compare`, whose documentation explains why the result
is exact), :func:`assert_no_broken_requests` fails a test on a broken request (:mod:`.assertion`),
:func:`format_changes` prints the result as a table (:mod:`.formatting`). The request model is in
:mod:`.model`, the result types in :mod:`.changes`, the candidate requests in :mod:`.candidates`
and :mod:`.header_sets`, request classes in :mod:`.classify` and short texts in :mod:`.labels`.
"""

from __future__ import annotations

from .assertion import HeadersLike, RequestLike, assert_no_broken_requests
from .changes import ConfigurationChange, ConfigurationDiff
from .classify import classify_request
from .compare import diff_configurations
from .formatting import format_changes
from .model import BROKEN, HEADERS_CHANGED, NEWLY_ALLOWED, ChangeKind, Request, RequestClass

__all__ = [
    "BROKEN",
    "HEADERS_CHANGED",
    "NEWLY_ALLOWED",
    "ChangeKind",
    "ConfigurationChange",
    "ConfigurationDiff",
    "HeadersLike",
    "Request",
    "RequestClass",
    "RequestLike",
    "assert_no_broken_requests",
    "classify_request",
    "diff_configurations",
    "format_changes",
]
