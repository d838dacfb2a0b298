"""What a signature check concludes, COS's answer when it refuses, and the reason recorded.

A :class:`SignatureCheck` is anonymous (no signature at all), verified (which SecretId), unverified
(recognised and accepted without checking: AWS signature version 2), or refused. A refusal carries
COS's status, error code and message (``REFUSALS``; sources in ``docs/signatures.md``) and a
one-line human reason for the recorded exchange; a mismatch also carries the StringToSign and the
HttpString (COS) or canonical request (SigV4) the fake computed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from ..errors import CosError

Outcome = Literal["anonymous", "verified", "unverified", "refused"]
Scheme = Literal["cos", "sigv4", "sigv2"]
Carrier = Literal["header", "query"]

#: Which part of a refused signature was at fault (``SignatureCheck.part``).
Part = Literal[
    "malformed",
    "secret-id",
    "token-missing",
    "token-wrong",
    "expired",
    "not-yet-valid",
    "skewed",
    "header-missing",
    "param-missing",
    "method",
    "path",
    "secret-key",
    "signature",
]

#: Part -> (HTTP status, COS error code, COS message).
REFUSALS: dict[str, tuple[int, str, str]] = {
    "malformed": (400, "InvalidArgument", "The signature you provided is malformed."),
    "secret-id": (
        403,
        "InvalidAccessKeyId",
        "The Access Key Id you provided does not exist in our records",
    ),
    "token-missing": (
        403,
        "InvalidAccessKeyId",
        "The Access Key Id you provided does not exist in our records",
    ),
    "token-wrong": (400, "InvalidToken", "The provided token is malformed or otherwise invalid."),
    "expired": (403, "AccessDenied", "Request has expired"),
}
_SKEWED = (
    403,
    "RequestTimeTooSkewed",
    "The difference between the request time and the current time is too large.",
)
REFUSALS["not-yet-valid"] = REFUSALS["skewed"] = _SKEWED
_MISMATCH = (403, "SignatureDoesNotMatch", "The Signature you specified is invalid.")
for _part in ("header-missing", "param-missing", "method", "path", "secret-key", "signature"):
    REFUSALS[_part] = _MISMATCH


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The verdict on one request's signature.

    ``scheme`` and ``carrier`` say which signature was found (COS's ``q-sign-algorithm``, AWS
    SigV4 or SigV2; in the ``Authorization`` header or the URL query); ``secret_id`` is the
    SecretId it names. For a refusal, ``status``, ``code`` and ``message`` are COS's answer,
    ``part`` says what was at fault and ``reason`` says it for a person. ``string_to_sign`` and
    ``signed_text`` (the HttpString, or SigV4's canonical request) are what the fake signed with
    the SecretId's key when the signature did not match (or, when verified, what it matched).
    """

    outcome: Outcome
    scheme: Scheme | None = None
    carrier: Carrier | None = None
    secret_id: str | None = None
    temporary: bool = False
    part: Part | None = None
    reason: str = ""
    string_to_sign: str | None = None
    signed_text: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.outcome == "anonymous"

    @property
    def verified(self) -> bool:
        return self.outcome == "verified"

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"

    @property
    def accepted(self) -> bool:
        """Whether the request goes on (to the ACL check): anonymous, verified or unverified."""
        return self.outcome != "refused"

    @property
    def status(self) -> int | None:
        return REFUSALS[self.part][0] if self.refused and self.part else None

    @property
    def code(self) -> str | None:
        return REFUSALS[self.part][1] if self.refused and self.part else None

    @property
    def message(self) -> str | None:
        return REFUSALS[self.part][2] if self.refused and self.part else None

    def as_cos_error(self) -> CosError:
        """The refusal as the package's :class:`~pytest_cos_cors.CosError` (``detail`` = the
        reason); ``ValueError`` when the check did not refuse."""
        if not self.refused or self.part is None:
            raise ValueError(f"the signature check did not refuse the request ({self.outcome})")
        status, code, message = REFUSALS[self.part]
        return CosError(code, message, status, detail=self.reason)

    def __str__(self) -> str:
        if self.refused:
            return f"{self.status} {self.code}: {self.reason}"
        return self.reason


# -- reason texts --------------------------------------------------------------------------------


def carrier_text(scheme: Scheme, carrier: Carrier) -> str:
    """``the COS signature in the Authorization header`` and the like."""
    name = {"cos": "COS signature", "sigv4": "AWS SigV4 signature", "sigv2": "AWS SigV2 signature"}
    where = "the Authorization header" if carrier == "header" else "the URL query"
    return f"the {name[scheme]} in {where}"


def iso(seconds: float) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.0f} s after 1970"


def duration(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3 min 20 s``, ``2 h 5 min``, ``3 d 4 h``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 120:
        return f"{whole} s"
    if whole < 7200:
        return f"{whole // 60} min {whole % 60} s"
    if whole < 172800:
        return f"{whole // 3600} h {whole % 3600 // 60} min"
    return f"{whole // 86400} d {whole % 86400 // 3600} h"


def shown(text: str) -> str:
    """A signed string on one line: newlines written ``\\n`` (as COS's documentation writes
    them), in single quotes."""
    return "'" + text.replace("\\", "\\\\").replace("\n", "\\n") + "'"


def token_shown(token: str) -> str:
    return repr(token if len(token) <= 12 else token[:8] + "…")


__all__ = [
    "REFUSALS",
    "Carrier",
    "Outcome",
    "Part",
    "Scheme",
    "SignatureCheck",
    "carrier_text",
    "duration",
    "iso",
    "shown",
    "token_shown",
]
