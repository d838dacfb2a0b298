"""Names and defaults shared by every layer: light on purpose (no lxml, no werkzeug, no pytest).

Each value is spelled here once; the rule model, the service, the plugin and the command line all
import it from this module.
"""

from __future__ import annotations

#: The methods a COS CORS rule can allow, in COS's documented order (case-sensitive).
METHODS: tuple[str, ...] = ("PUT", "GET", "POST", "DELETE", "HEAD")
#: The canned ACLs a bucket can have (``x-cos-acl``).
ACLS: tuple[str, ...] = ("private", "public-read", "public-read-write")

#: What an endpoint starts with unless told otherwise.
DEFAULT_BUCKET = "examplebucket-1250000000"
DEFAULT_REGION = "ap-beijing"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_ACL = "public-read-write"

#: The only ``Server`` header value COS sends.
SERVER_NAME = "tencent-cos"
