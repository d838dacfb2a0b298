"""Request signatures, verified as COS verifies them: COS's own ``q-sign-algorithm=sha1``
signature (``Authorization`` header or presigned URL, temporary keys with
``x-cos-security-token``) and AWS SigV4 (boto3 against COS's S3-compatible API).

Standard library only (``hmac``, ``hashlib``, ``urllib``): the service layer calls
:func:`verify_signature` with a :class:`SignedRequest` and the endpoint's credentials and gets a
:class:`SignatureCheck` — anonymous, verified, unverified (AWS SigV2) or refused with COS's
status, code and message and a reason for the record. See ``docs/signatures.md``.
"""

from .credentials import Credential, Credentials, check_credentials
from .request import SignedRequest
from .result import REFUSALS, SignatureCheck
from .verify import verify_signature

__all__ = [
    "REFUSALS",
    "Credential",
    "Credentials",
    "SignatureCheck",
    "SignedRequest",
    "check_credentials",
    "verify_signature",
]
