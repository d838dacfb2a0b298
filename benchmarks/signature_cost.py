"""Issue 17: what verifying one request signature costs (target: under 50 us).

``python -m benchmarks.signature_cost [--quick]`` (or ``python benchmarks/signature_cost.py``).
Each case builds one request signed the way the SDKs sign it (COS's signature in the
``Authorization`` header and in a presigned URL, a temporary key with its token, AWS SigV4 in the
header and presigned) and times :func:`verify_signature` on it: ``timeit``, the median of several
rounds, per call. The baseline, measured in the same run, is one ``evaluate_preflight`` on a
10-rule configuration matching its last rule (``benchmarks/evaluator_cost.py``'s case): the
ratio says what verification adds next to the CORS decision every request already pays.

Nothing is cached per request; the one thing kept is SigV4's signing key per (key, day, region),
as a server would: the "first request of the day" row clears it before every call.

Then the same over HTTP: one endpoint without credentials and one with, each answering a signed
``GET`` of a small object over one kept-alive connection, rounds interleaved; the median round's
time per request, and the difference (what verification adds to a whole request).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.evaluator_cost import decision_call
from pytest_cos_cors.signatures import SignedRequest, verify_signature
from pytest_cos_cors.signatures import sigv4 as sigv4_module
from pytest_cos_cors.signatures.request import RequestView

SECRET_ID = "AKIDbenchmark000000000000000000000000"
SECRET_KEY = "benchmark-secret-key"
TMP_ID = "AKIDbenchmarktemporary00000000000000"
TMP_KEY = "benchmark-temporary-key"
TOKEN = "benchmark-session-token-" + "x" * 200
CREDENTIALS: dict[str, str | tuple[str, str]] = {
    SECRET_ID: SECRET_KEY,
    TMP_ID: (TMP_KEY, TOKEN),
    **{f"AKIDother{i:02d}": f"other-key-{i}" for i in range(8)},
}
HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
PATH = "/photos/a%20b%20%E4%B8%AD%E6%96%87.png"
TARGET = 50e-6


def _cos_authorization(
    secret_id: str,
    secret_key: str,
    method: str,
    headers: dict[str, str],
    params: dict[str, str],
) -> str:
    """COS's signature, computed here from the Request Signature page (as an SDK would)."""
    now = int(time.time())
    window = f"{now - 60};{now + 3600}"
    names = sorted(headers, key=str.lower)
    keys = sorted(params)
    http_string = "\n".join(
        [
            method.lower(),
            "/photos/a b 中文.png",
            "&".join(f"{k.lower()}={quote(params[k], safe='-_.~')}" for k in keys),
            "&".join(f"{n.lower()}={quote(headers[n], safe='-_.~')}" for n in names),
            "",
        ]
    )
    sign_key = hmac.new(secret_key.encode(), window.encode(), hashlib.sha1).hexdigest()
    to_sign = f"sha1\n{window}\n{hashlib.sha1(http_string.encode()).hexdigest()}\n"
    signature = hmac.new(sign_key.encode(), to_sign.encode(), hashlib.sha1).hexdigest()
    return (
        f"q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={window}&q-key-time={window}"
        f"&q-header-list={';'.join(n.lower() for n in names)}&q-url-param-list={';'.join(keys)}"
        f"&q-signature={signature}"
    )


def cos_header() -> SignedRequest:
    headers = {
        "Host": HOST,
        "Content-Type": "image/png",
        "Content-Length": "52341",
        "Content-MD5": "mQ/fVh815F3k6TAUm8m0eg==",
        "x-cos-meta-author": "benchmark",
    }
    auth = _cos_authorization(SECRET_ID, SECRET_KEY, "PUT", headers, {"x-cos-acl": "private"})
    fields = [*headers.items(), ("User-Agent", "cos-python-sdk-v5.1.9"), ("Authorization", auth)]
    return SignedRequest("PUT", PATH, "x-cos-acl=private", tuple(fields))


def cos_temporary() -> SignedRequest:
    headers = {"Host": HOST, "x-cos-security-token": TOKEN}
    auth = _cos_authorization(TMP_ID, TMP_KEY, "GET", headers, {})
    return SignedRequest("GET", PATH, "", (*headers.items(), ("Authorization", auth)))


def cos_presigned() -> SignedRequest:
    params = {"response-content-type": "image/png"}
    auth = _cos_authorization(SECRET_ID, SECRET_KEY, "GET", {"Host": HOST}, params)
    query = "&".join(
        f"{k}={quote(v, safe='')}" for k, v in (p.split("=", 1) for p in auth.split("&"))
    )
    query += "&response-content-type=image%2Fpng"
    fields = (("Host", HOST), ("User-Agent", "Mozilla/5.0"), ("Accept", "*/*"))
    return SignedRequest("GET", PATH, query, fields)


def _sigv4(request: SignedRequest, presigned: bool) -> SignedRequest:
    """Sign ``request`` with SigV4 (canonical request built by the package's own functions, so
    the figure measures verification, not a second signer)."""
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    scope = f"{amz_date[:8]}/ap-beijing/s3/aws4_request"
    signed = tuple(
        sorted(name.lower() for name, _ in request.headers if name.lower() != "user-agent")
    )
    if presigned:
        credential = quote(f"{SECRET_ID}/{scope}", safe="")
        query = (
            f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={credential}"
            f"&X-Amz-Date={amz_date}&X-Amz-Expires=3600&X-Amz-SignedHeaders={'%3B'.join(signed)}"
        )
        request = SignedRequest(request.method, request.path, query, request.headers)
    signature = sigv4_module.SigV4Signature(
        secret_id=SECRET_ID,
        amz_date=amz_date,
        timestamp=0,
        scope=scope,
        date=amz_date[:8],
        region="ap-beijing",
        service="s3",
        signed_headers=signed,
        signature="",
        expires=3600 if presigned else None,
    )
    view = RequestView(request)
    pairs = sorted((quote(n, safe="-_.~"), quote(v, safe="-_.~")) for _, _, n, v in view.pairs())
    canonical = sigv4_module.canonical_request(
        signature, view, request.method, request.path, "&".join(f"{n}={v}" for n, v in pairs)
    )
    key = sigv4_module.signing_key(SECRET_KEY, amz_date[:8], "ap-beijing", "s3")
    mac = hmac.new(key, sigv4_module.string_to_sign(signature, canonical).encode(), hashlib.sha256)
    if presigned:
        return SignedRequest(
            request.method,
            request.path,
            f"{request.query}&X-Amz-Signature={mac.hexdigest()}",
            request.headers,
        )
    auth = (
        f"AWS4-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders={';'.join(signed)}, "
        f"Signature={mac.hexdigest()}"
    )
    return SignedRequest(
        request.method, request.path, "", (*request.headers, ("Authorization", auth))
    )


def sigv4_header() -> SignedRequest:
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    headers = (
        ("Host", HOST),
        ("Content-Type", "image/png"),
        ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"),
        ("X-Amz-Date", amz_date),
        ("x-amz-meta-author", "benchmark"),
        ("User-Agent", "Boto3/1.43"),
    )
    return _sigv4(SignedRequest("PUT", PATH, "", headers), presigned=False)


def sigv4_presigned() -> SignedRequest:
    return _sigv4(SignedRequest("GET", PATH, "", (("Host", HOST),)), presigned=True)


def anonymous() -> SignedRequest:
    return SignedRequest("GET", PATH, "", (("Host", HOST), ("Origin", "https://app.example.com")))


def mismatch() -> SignedRequest:
    request = cos_header()
    headers = tuple((n, "2" if n == "Content-Length" else v) for n, v in request.headers)
    return SignedRequest(request.method, request.path, request.query, headers)


CASES: dict[str, tuple[Callable[[], SignedRequest], str, bool]] = {
    "COS, Authorization header (5 signed headers, 1 parameter)": (cos_header, "verified", True),
    "COS, temporary key and x-cos-security-token": (cos_temporary, "verified", True),
    "COS, presigned URL (host, 1 parameter)": (cos_presigned, "verified", True),
    "AWS SigV4, Authorization header (5 signed headers)": (sigv4_header, "verified", True),
    "AWS SigV4, presigned URL": (sigv4_presigned, "verified", True),
    "AWS SigV4, header, first request of the day (key derived)": (sigv4_header, "verified", True),
    "no signature (anonymous)": (anonymous, "anonymous", False),
    "COS, refused: a signed header changed (with the diagnosis)": (mismatch, "refused", False),
}


def _signed_gets(ports: dict[str, int], requests: int, rounds: int) -> dict[str, float]:
    """The client side of :func:`http_cost` (run in its own process, so that it does not share
    the servers' interpreter lock): seconds per signed ``GET`` on each port, one kept-alive
    connection each, the median of ``rounds`` interleaved rounds of ``requests``."""
    import http.client

    auth = _cos_authorization(SECRET_ID, SECRET_KEY, "GET", {"Host": HOST}, {})
    headers = {"Host": HOST, "Authorization": auth}
    connections = {
        name: http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for name, port in ports.items()
    }
    times: dict[str, list[float]] = {name: [] for name in ports}
    for _ in range(rounds):
        for name, connection in connections.items():
            started = time.perf_counter()
            for _ in range(requests):
                connection.request("GET", PATH, headers=headers)
                answer = connection.getresponse()
                answer.read()
            times[name].append((time.perf_counter() - started) / requests)
            assert answer.status == 200, (name, answer.status)
    for connection in connections.values():
        connection.close()
    return {name: statistics.median(values) for name, values in times.items()}


def http_cost(requests: int, rounds: int) -> tuple[float, float]:
    """Seconds per signed ``GET`` of a 1 KiB object over HTTP: an endpoint without credentials,
    and one with (which verifies the signature), loaded from another process."""
    import json
    import subprocess
    import urllib.request

    from pytest_cos_cors import CosCorsEndpoint

    put = _cos_authorization(SECRET_ID, SECRET_KEY, "PUT", {"Host": HOST}, {})
    with CosCorsEndpoint() as plain, CosCorsEndpoint(credentials=CREDENTIALS) as signed:
        for endpoint in (plain, signed):
            upload = urllib.request.Request(
                f"{endpoint.url}{PATH}",
                data=b"x" * 1024,
                method="PUT",
                headers={"Host": HOST, "Authorization": put},
            )
            with urllib.request.urlopen(upload, timeout=10) as answer:
                assert answer.status == 200
        check = signed.exchanges[-1].signature
        assert check is not None, "the signed endpoint recorded no signature"
        assert check.verified, check.reason
        ports = json.dumps({"plain": plain.port, "signed": signed.port})
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.signature_cost",
                "--client",
                ports,
                "--requests",
                str(requests),
                "--repeat",
                str(rounds),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert signed.exchanges[-1].signature is not None
    figures = json.loads(done.stdout)
    return figures["plain"], figures["signed"]


def per_call(call: Callable[[], object], number: int, repeat: int) -> float:
    return statistics.median(timeit.repeat(call, number=number, repeat=repeat)) / number


def measure(number: int, repeat: int) -> tuple[dict[str, float], float]:
    figures: dict[str, float] = {}
    for name, (build, outcome, _) in CASES.items():
        request = build()
        check = verify_signature(request, CREDENTIALS)
        assert check.outcome == outcome, (name, check.reason)
        if "first request of the day" in name:

            def call(request: SignedRequest = request) -> object:
                sigv4_module.signing_key.cache_clear()
                return verify_signature(request, CREDENTIALS)

        else:

            def call(request: SignedRequest = request) -> object:
                return verify_signature(request, CREDENTIALS)

        figures[name] = per_call(call, number, repeat)
    baseline = per_call(decision_call(10, "last"), number, repeat)
    return figures, baseline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--number", type=int, default=5000, help="calls per round")
    parser.add_argument("--repeat", type=int, default=7, help="rounds")
    parser.add_argument("--requests", type=int, default=300, help="HTTP requests per round")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # the HTTP load's own process
    args = parser.parse_args(argv)
    if args.client:
        import json

        ports = json.loads(args.client)
        print(json.dumps(_signed_gets(ports, args.requests, args.repeat)))
        return 0
    number, repeat = (50, 3) if args.quick else (args.number, args.repeat)
    http_requests, http_rounds = (20, 3) if args.quick else (args.requests, 9)
    figures, baseline = measure(number, repeat)
    plain, signed = http_cost(http_requests, http_rounds)
    width = max(len(name) for name in CASES) + 2
    print(f"Signature verification, per call (timeit: median of {repeat} rounds of {number})")
    print(f"{'case':<{width}}{'cost':>10}  {'vs preflight':>12}  target < 50 us")
    met = True
    for name, value in figures.items():
        counted = CASES[name][2]
        verdict = ("met" if value < TARGET else "NOT MET") if counted else "-"
        met = met and (value < TARGET or not counted)
        print(f"{name:<{width}}{value * 1e6:>7.1f} us  {value / baseline:>11.2f}x  {verdict}")
    print(
        f"{'baseline: evaluate_preflight, 10 rules, match last':<{width}}{baseline * 1e6:>7.1f} us"
    )
    print(f"every verification under 50 us: {'yes' if met else 'NO'}")
    print(
        f"Over HTTP, signed GET of 1 KiB, one kept-alive connection from another process "
        f"(median of {http_rounds} rounds of {http_requests})"
    )
    print(f"{'endpoint without credentials':<{width}}{plain * 1e6:>7.1f} us")
    print(f"{'endpoint with credentials (verified)':<{width}}{signed * 1e6:>7.1f} us")
    print(f"{'added by verification, per request':<{width}}{(signed - plain) * 1e6:>7.1f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
