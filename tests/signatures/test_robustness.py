"""Whatever a client sends, the verifier answers with a ``SignatureCheck`` and never raises."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_cos_cors.signatures import SignedRequest, verify_signature

from .conftest import CREDENTIALS, SECRET_ID, TMP_ID

_TIMES = st.one_of(
    st.sampled_from(["1;2", "1;99999999999", "9;1", "1;", ";", "²;3", "1;2;3", "-1;5"]),
    st.text(max_size=12),
)
_ANY = st.text(max_size=30)
_PER_FIELD = {
    "q-sign-algorithm": st.one_of(st.sampled_from(["sha1", "SHA1", "md5", ""]), _ANY),
    "q-ak": st.one_of(st.sampled_from([SECRET_ID, TMP_ID, ""]), _ANY),
    "q-sign-time": _TIMES,
    "q-key-time": _TIMES,
    "q-header-list": st.one_of(st.sampled_from(["host", "host;date", ";;", ""]), _ANY),
    "q-url-param-list": st.one_of(st.sampled_from(["acl", "", "a;b"]), _ANY),
    "q-signature": st.one_of(st.sampled_from(["0" * 40, "", "xyz"]), _ANY),
}
#: Every field present (so that each check is reached), each value odd or not.
_COS_TEXT = st.fixed_dictionaries(_PER_FIELD).map(
    lambda fields: "&".join(f"{name}={value}" for name, value in fields.items())
)
_SIGV4_TEXT = st.builds(
    lambda credential, headers, signature: (
        f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={headers}, Signature={signature}"
    ),
    st.one_of(st.just(f"{SECRET_ID}/20240101/ap-beijing/s3/aws4_request"), st.text(max_size=40)),
    st.one_of(st.just("host;x-amz-date"), st.text(max_size=20)),
    st.text(alphabet="0123456789abcdef", max_size=64),
)
_SIGV4_QUERY = st.builds(
    lambda credential, date, expires: (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={credential}&X-Amz-Date={date}"
        f"&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
    ),
    st.one_of(st.just(f"{SECRET_ID}%2F20240101%2Fr%2Fs3%2Faws4_request"), st.text(max_size=30)),
    st.one_of(st.just("20240101T000000Z"), st.text(max_size=20)),
    st.one_of(st.sampled_from(["60", "0", "604801", "²", "-1"]), st.text(max_size=8)),
)


@settings(max_examples=300, deadline=None)
@example(
    authorization="q-sign-algorithm=sha1&q-ak=X&q-sign-time=²;3&q-key-time=1;2&q-signature=ab",
    query="",
    path="/a.txt",
    date=None,
)
@example(
    authorization=None,
    query=f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={SECRET_ID}%2F20240101%2Fr%2Fs3"
    "%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=²&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=00",
    path="/a.txt",
    date=None,
)
@given(
    authorization=st.one_of(st.none(), _COS_TEXT, _SIGV4_TEXT, st.text(max_size=60)),
    query=st.one_of(st.just(""), _COS_TEXT, _SIGV4_QUERY, st.text(max_size=60)),
    path=st.one_of(st.just("/a.txt"), st.text(max_size=20).map(lambda p: "/" + p)),
    date=st.one_of(st.none(), st.text(max_size=40), st.just("20240101T000000Z")),
)
def test_any_request_gets_a_verdict(
    authorization: str | None, query: str, path: str, date: str | None
) -> None:
    headers = [("Host", "h")]
    if authorization is not None:
        headers.append(("Authorization", authorization))
    if date is not None:
        headers.append(("X-Amz-Date", date))
        headers.append(("Date", date))
    check = verify_signature(SignedRequest("GET", path, query, tuple(headers)), CREDENTIALS)
    assert check.outcome in ("anonymous", "verified", "unverified", "refused")
    if check.refused:
        assert check.status in (400, 403)
        assert check.reason
