"""COS's names for buckets and regions, checked where a user gives them (settings, the marker's
``bucket=``, ``CosCorsEndpoint``, ``serve``), with a did-you-mean for near misses.

Light on purpose (no lxml, no pytest): the plugin, the endpoint and the command line import it.

- Buckets [doc: COS "Bucket Overview", naming conventions]: ``<BucketName>-<APPID>``. The
  BucketName holds lower-case letters, digits and ``-`` and neither starts nor ends with ``-``;
  the APPID is the account's number (digits; ``1250000000`` in COS's examples); the bucket's
  domain name ``<bucket>.cos.<region>.myqcloud.com`` is at most 60 characters.
- Regions [doc: COS "Regions and Access Endpoints"]: :data:`REGIONS`, the public regions of the
  Chinese mainland, the financial regions, and the regions of Hong Kong (China) and abroad.
"""

from __future__ import annotations

import difflib
import re

#: COS's regions, as the ``<region>`` of ``<bucket>.cos.<region>.myqcloud.com``.
MAINLAND_REGIONS = (
    "ap-beijing-1",
    "ap-beijing",
    "ap-nanjing",
    "ap-shanghai",
    "ap-guangzhou",
    "ap-chengdu",
    "ap-chongqing",
)
FINANCIAL_REGIONS = ("ap-shenzhen-fsi", "ap-shanghai-fsi", "ap-beijing-fsi")
OVERSEAS_REGIONS = (
    "ap-hongkong",
    "ap-singapore",
    "ap-mumbai",
    "ap-jakarta",
    "ap-seoul",
    "ap-bangkok",
    "ap-tokyo",
    "na-siliconvalley",
    "na-ashburn",
    "na-toronto",
    "sa-saopaulo",
    "eu-frankfurt",
)
REGIONS: tuple[str, ...] = (*MAINLAND_REGIONS, *FINANCIAL_REGIONS, *OVERSEAS_REGIONS)
#: The host ``<bucket>.cos.accelerate.myqcloud.com`` reaches a bucket in any region (global
#: acceleration): in a host name it is not a region.
ACCELERATE = "accelerate"

#: The longest domain name ``<bucket>.cos.<region>.myqcloud.com`` COS gives a bucket.
MAX_DOMAIN = 60
#: The APPID of COS's examples, used in suggestions.
EXAMPLE_APPID = "1250000000"

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_APPID = re.compile(r"^[0-9]+$")
_OTHER = re.compile(r"[^a-z0-9-]")


def _suggest_bucket(value: str) -> str | None:
    """A valid bucket name close to ``value``: lower case, other characters made ``-``, with
    :data:`EXAMPLE_APPID` when ``value`` has no APPID."""
    text = re.sub(r"[^a-z0-9-]+", "-", value.strip().lower())
    text = re.sub(r"-{2,}", "-", text).strip("-")
    name, dash, appid = text.rpartition("-")
    if not dash or not _APPID.match(appid):
        name, appid = text, EXAMPLE_APPID
    if not name or not _NAME.match(name):
        return None
    return f"{name}-{appid}"


def bucket_name_problem(value: str, region: str | None = None) -> str | None:
    """Why ``value`` is not a COS bucket name (in ``region``, for the length of its domain
    name), as the rest of a sentence starting ``'value' is not a COS bucket name: ``; None when
    it is one."""
    name, dash, appid = value.rpartition("-")
    if _OTHER.search(value):
        problem = "a bucket name holds only lower-case letters, digits and '-'"
    elif not dash or not name or not _APPID.match(appid):
        problem = (
            "it must end in -<APPID>, the account's number, as 'examplebucket-1250000000' does"
        )
    elif not _NAME.match(name):
        problem = "the name before the APPID may not start or end with '-'"
    elif region is not None and len(host := f"{value}.cos.{region}.myqcloud.com") > MAX_DOMAIN:
        return (
            f"its domain name {host} has {len(host)} characters, and COS allows {MAX_DOMAIN}"
        )
    else:
        return None
    suggestion = _suggest_bucket(value)
    if suggestion is not None and suggestion != value:
        problem += f" (did you mean {suggestion!r}?)"
    return problem


def check_bucket(value: object, region: str | None = None) -> str:
    """``value`` when it is a COS bucket name (see :func:`bucket_name_problem`); ``ValueError``
    with the reason otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"a bucket name must be a non-empty string, got {value!r}")
    problem = bucket_name_problem(value, region)
    if problem is not None:
        raise ValueError(f"{value!r} is not a COS bucket name: {problem}")
    return value


def region_problem(value: str) -> str | None:
    """Why ``value`` is not a COS region, as the rest of a sentence starting ``'value' is not a
    COS region``; None when it is one."""
    if value in REGIONS:
        return None
    close = difflib.get_close_matches(value.strip().lower(), REGIONS, n=1, cutoff=0.75)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f"; COS's regions are {', '.join(REGIONS)}"


def check_region(value: object) -> str:
    """``value`` when it is one of COS's :data:`REGIONS`; ``ValueError`` with the nearest one
    otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"a region must be a non-empty string, got {value!r}")
    problem = region_problem(value)
    if problem is not None:
        raise ValueError(f"{value!r} is not a COS region{problem}")
    return value


def one_edit_apart(first: str, second: str) -> bool:
    """Whether one character inserted, deleted or replaced turns ``first`` into ``second``."""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) > len(second):
        first, second = second, first
    for index, (a, b) in enumerate(zip(first, second, strict=False)):
        if a != b:
            skip = 1 if len(first) == len(second) else 0
            return first[index + skip :] == second[index + 1 :]
    return True


__all__ = [
    "ACCELERATE",
    "EXAMPLE_APPID",
    "FINANCIAL_REGIONS",
    "MAINLAND_REGIONS",
    "MAX_DOMAIN",
    "OVERSEAS_REGIONS",
    "REGIONS",
    "bucket_name_problem",
    "check_bucket",
    "check_region",
    "one_edit_apart",
    "region_problem",
]
