"""Values the tests share, spelt once: the endpoint's defaults and the origins used everywhere.

Import as ``from values import BUCKET, APP`` (``tests/`` is on ``sys.path``, as for
``rawhttp``). The defaults are spelt out here on purpose rather than read from the package, so
that a change of default shows up as a failing test.
"""

from __future__ import annotations

#: The bucket, region and canned ACL an endpoint starts with unless told otherwise.
BUCKET = "examplebucket-1250000000"
REGION = "ap-beijing"
ACL = "public-read-write"
#: The host name COS gives the default bucket (virtual-hosted style).
BUCKET_HOST = f"{BUCKET}.cos.{REGION}.myqcloud.com"

#: The five methods a CORS rule can allow, in COS's order.
METHODS = ("PUT", "GET", "POST", "DELETE", "HEAD")
#: The canned ACLs.
ACLS = ("private", "public-read", "public-read-write")

#: The site the rules of most tests allow, and one they never allow.
APP = "https://app.example.com"
EVIL = "https://evil.example"
