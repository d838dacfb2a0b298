"""The tricky configuration pairs of issue 9, shared by the example and the exactness tests."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_cos_cors import CORSConfiguration, CORSRule

APP = "https://app.example.com"


@dataclass(frozen=True)
class Pair:
    name: str
    old: CORSConfiguration | None
    new: CORSConfiguration | None


def config(*rules: CORSRule, vary: bool | None = None) -> CORSConfiguration:
    return CORSConfiguration(rules, vary)


PUBLIC = CORSRule("*", ["GET", "HEAD"], ["Range"], ["Content-Length"], 600, id="public")
UPLOAD = CORSRule(APP, ["GET", "PUT"], "*", ["ETag"], id="upload")
NO_HEADERS = CORSRule(APP, "PUT", id="no-headers")

PAIRS = (
    Pair(
        "wildcard narrowed",
        config(CORSRule("https://*.example.com", ["PUT", "GET"], ["content-type"])),
        config(CORSRule(APP, ["PUT", "GET"], ["content-type"])),
    ),
    Pair("rule reordered", config(PUBLIC, UPLOAD), config(UPLOAD, PUBLIC)),
    Pair(
        "header wildcard removed",
        config(CORSRule(APP, "PUT", "*")),
        config(CORSRule(APP, "PUT", "Content-Type")),
    ),
    Pair(
        "method removed",
        config(CORSRule(APP, ["GET", "PUT", "DELETE"])),
        config(CORSRule(APP, ["GET", "PUT"])),
    ),
    Pair(
        "* origin replaced by a list",
        config(CORSRule("*", "GET")),
        config(CORSRule(["https://a.example.com", "https://b.example.com"], "GET")),
    ),
    Pair(
        "MaxAge changed",
        config(CORSRule(APP, ["GET", "HEAD"], max_age_seconds=600)),
        config(CORSRule(APP, ["GET", "HEAD"], max_age_seconds=60)),
    ),
    Pair(
        "ExposeHeader changed",
        config(CORSRule(APP, "GET", expose_headers=["ETag"])),
        config(CORSRule(APP, "GET", expose_headers=["ETag", "x-cos-meta-author"])),
    ),
    Pair(
        "overlapping wildcards reordered",
        config(
            CORSRule("https://*", "GET", max_age_seconds=1),
            CORSRule("*.example.com", "GET", max_age_seconds=2),
        ),
        config(
            CORSRule("*.example.com", "GET", max_age_seconds=2),
            CORSRule("https://*", "GET", max_age_seconds=1),
        ),
    ),
    Pair(
        "header patterns overlap",
        config(
            NO_HEADERS,
            CORSRule(APP, "PUT", ["x-cos-meta-*"], max_age_seconds=1),
            CORSRule(APP, "PUT", ["*-author"], max_age_seconds=2),
        ),
        config(
            NO_HEADERS,
            CORSRule(APP, "PUT", ["*-author"], max_age_seconds=2),
            CORSRule(APP, "PUT", ["x-cos-meta-*"], max_age_seconds=1),
        ),
    ),
    # Requesting exactly the new list, in its order, is answered with the same Allow-Headers.
    Pair(
        "echo meets a list in its order",
        config(CORSRule(APP, "PUT", "*", max_age_seconds=1)),
        config(CORSRule(APP, "PUT", ["b-header", "c-header", "a-header"], max_age_seconds=2)),
    ),
    # Reaching the last rule takes both headers; only one of their two orders echoes the list.
    Pair(
        "echo meets a list in one of two orders",
        config(
            CORSRule(APP, "PUT", ["b-header"]),
            CORSRule(APP, "PUT", ["a-header"]),
            CORSRule(APP, "PUT", "*", max_age_seconds=1),
        ),
        config(
            CORSRule(APP, "PUT", ["b-header"]),
            CORSRule(APP, "PUT", ["a-header"]),
            CORSRule(APP, "PUT", ["a-header", "b-header"], max_age_seconds=2),
        ),
    ),
    # "https://a.com" matches the two one-sided patterns but is too short for the first rule's.
    Pair(
        "short origin where wildcards overlap",
        config(
            CORSRule("https://a*a.com", "GET", max_age_seconds=1),
            CORSRule("https://a*", "GET", max_age_seconds=2),
        ),
        config(
            CORSRule("https://a*a.com", "GET", max_age_seconds=1),
            CORSRule("*a.com", "GET", max_age_seconds=3),
        ),
    ),
    Pair("ResponseVary turned on", config(UPLOAD), config(UPLOAD, vary=True)),
    Pair("no configuration before", None, config(UPLOAD)),
    Pair("no configuration after", config(UPLOAD), None),
    Pair("unchanged", config(PUBLIC, UPLOAD), config(PUBLIC, UPLOAD)),
)
