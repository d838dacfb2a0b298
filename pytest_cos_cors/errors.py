"""COS error codes and wire messages, and the exception that carries them."""

from __future__ import annotations

MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
XML_SIZE_LIMIT = "The XML you provided was larger than the maximum of 65536 bytes allowed."
INVALID_DIGEST = "The Content-MD5 you specified was invalid."
BAD_DIGEST = "The Content-MD5 you specified did not match what we received."
TOO_MANY_RULES = "The number of CORS rules should not exceed allowed limit of 100 rules."
NO_CORS_CONFIGURATION = "The CORS configuration does not exist"
NO_SUCH_BUCKET = "The specified bucket does not exist."
NO_SUCH_KEY = "The specified key does not exist."
BUCKET_REQUIRED = "A bucket name is required."
ACCESS_DENIED = "Access Denied."
BUCKET_EXISTS = "Your previous request to create the named bucket succeeded and you already own it."
BUCKET_NOT_EMPTY = "The bucket you tried to delete is not empty."
INVALID_BUCKET_NAME = "The specified bucket is not valid."
ORIGIN_NEEDED = "Insufficient information. Origin request header needed."
CORS_FORBIDDEN = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are "
    "not whitelisted by the resource's CORS spec"
)

MAX_BODY_BYTES = 65536
MAX_RULES = 100


def unsupported_method(method: str) -> str:
    return f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"


def origin_wildcards(value: str) -> str:
    return f'AllowedOrigin "{value}" can not have more than one wildcard.'


def header_wildcards(value: str) -> str:
    return f'AllowedHeader "{value}" can not have more than one wildcard.'


def expose_wildcard(value: str) -> str:
    return (
        f'ExposeHeader "{value}" contains wildcard. '
        "We currently do not support wildcard for ExposeHeader."
    )


def invalid_request_method(value: str | None) -> str:
    return f"Invalid Access-Control-Request-Method: {'null' if value is None else value}"


def not_implemented(method: str, name: str) -> str:
    return f"The requested operation {method} ?{name} is not implemented by this fake."


class CosError(Exception):
    """A COS error: ``code`` and ``message`` are the wire strings, ``status`` the HTTP status.

    ``rule_index`` (0-based) and ``field`` say where in a configuration the problem was found and
    ``detail`` says what it was, for humans; none of them is part of COS's answer.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        rule_index: int | None = None,
        field: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = status
        self.rule_index = rule_index
        self.field = field
        self.detail = detail

    def where(self) -> str:
        """``rules[1].AllowedOrigin``-style location, or an empty string when unknown."""
        parts = []
        if self.rule_index is not None:
            parts.append(f"rules[{self.rule_index}]")
        if self.field is not None:
            parts.append(self.field)
        return ".".join(parts)

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        extra = ": ".join(p for p in (self.where(), self.detail) if p)
        return f"{text} ({extra})" if extra else text

    def __repr__(self) -> str:
        return f"CosError({self.code!r}, {self.message!r}, {self.status})"


def malformed(detail: str, *, rule_index: int | None = None, field: str | None = None) -> CosError:
    return CosError(
        "MalformedXML", MALFORMED_XML, rule_index=rule_index, field=field, detail=detail
    )


# Added for the fake endpoint (pytest_cos_cors.endpoint and friends).
INTERNAL_ERROR = "We encountered an internal error. Please try again."
INVALID_ACL = "The ACL you provided is not valid. Use private, public-read or public-read-write."
INVALID_MAX_KEYS = "Argument max-keys must be an integer between 0 and 2147483647."


def not_implemented_operation(method: str, name: str | None) -> str:
    """``not_implemented`` for a sub-resource; without one, the method alone."""
    if name:
        return not_implemented(method, name)
    return f"The requested operation {method} is not implemented by this fake."


POST_NEEDS_FILE = "POST requires exactly one file upload per request."
POST_NEEDS_KEY = "Bucket POST must contain a field named 'key'."

# Added for the object operations (docs/cos-operations.md, section 1.2). The wording is S3's
# wherever COS documents the code but not its message.
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)
INVALID_PART = (
    "One or more of the specified parts could not be found. The part may not have been uploaded, "
    "or the specified entity tag may not match the part's entity tag."
)
INVALID_PART_ORDER = (
    "The list of parts was not in ascending order. The parts list must be specified in order by "
    "part number."
)
ENTITY_TOO_SMALL = "Your proposed upload is smaller than the minimum allowed object size."
ENTITY_TOO_LARGE = "Your proposed upload exceeds the maximum allowed object size."
INVALID_PART_NUMBER = "Part number must be an integer between 1 and 10000, inclusive"
MISSING_CONTENT_MD5 = "Missing required header for this request: Content-MD5."
PRECONDITION_FAILED = "Precondition not match."
INVALID_RANGE = "The requested range is not satisfiable"
INVALID_ENCODING_TYPE = "Invalid Encoding Method specified in Request"
INVALID_METADATA_DIRECTIVE = "Unknown metadata directive."
INVALID_COPY_SOURCE = "Copy Source must mention the source bucket and key: bucket/key."
INVALID_COPY_RANGE = (
    "The x-cos-copy-source-range value must be of the form bytes=first-last where first and "
    "last are the zero-based offsets of the first and last bytes to copy"
)
COPY_TO_ITSELF = (
    "This copy request is illegal because it is trying to copy an object to itself without "
    "changing the object's metadata, storage class, website redirect location or encryption "
    "attributes."
)
BAD_CHECKSUM = "The {algorithm} you specified did not match the calculated checksum."
INVALID_CHECKSUM = "Value for {header} header is invalid."


def invalid_argument(name: str) -> str:
    """A query parameter that is not a non-negative integer (``max-parts``, ``max-uploads``...)."""
    return f"Argument {name} must be an integer between 0 and 2147483647."


def invalid_header_value(name: str) -> str:
    """A value that cannot be stored as an HTTP header (a line break, a character beyond
    Latin-1): refused at upload, so that no later GET fails on it."""
    return (
        f"The value of {name} cannot be sent back as an HTTP header: it contains a line break "
        "or a character outside ISO-8859-1."
    )


def not_implemented_header(operation: str, name: str) -> str:
    """A request header that changes what ``operation`` means and that the fake does not do."""
    return f"The header {name} is not implemented by this fake for {operation}."


def not_implemented_parameter(operation: str, name: str) -> str:
    """A query parameter (or form field, or XML element) that changes what ``operation`` means
    and that the fake does not do."""
    return f"The parameter {name} is not implemented by this fake for {operation}."
