"""The fake's TLS identity: one key pair per process, a certificate per host name.

Made on first use (an endpoint that never sees a TLS client, and never gives
:func:`browser_flag`, costs nothing) and kept for the life of the process, so every endpoint, the
session browser's front and every Python client agree on it:

- one ECDSA P-256 key pair;
- a certificate authority ("pytest-cos-cors test CA") self-signed with that key: what
  :func:`ca_file` and :func:`client_context` give Python clients to trust;
- for each host name a TLS client asks for (SNI), a certificate signed by that authority for the
  same key: ``*.cos.<region>.myqcloud.com`` (and the other COS domains) for a bucket's host,
  the exact name otherwise (a served origin's host); without SNI (a client that connects to
  ``127.0.0.1``), one for ``localhost``, ``127.0.0.1``, ``::1``, ``*.myqcloud.com`` and
  ``*.tencentcos.cn``.

Every certificate carries the same public key, so Chromium started with
``--ignore-certificate-errors-spki-list=<base64 SHA-256 of that key>`` (:func:`browser_flag`)
accepts exactly these certificates, for whichever host name, and no other certificate error.

The PEM files live in a private temporary directory, removed when the process exits
(``ssl.SSLContext.load_cert_chain`` reads only files).
"""

from __future__ import annotations

import atexit
import base64
import datetime
import hashlib
import ipaddress
import re
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "browser_flag",
    "ca_file",
    "certificate_names",
    "client_context",
    "identity",
    "is_cos_host",
    "server_context",
    "spki_pin",
]

#: The COS domains whose host names get a wildcard certificate for their parent.
COS_DOMAINS = ("myqcloud.com", "tencentcos.cn")
#: The names of the certificate a client that sends no SNI gets.
DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1", "*.myqcloud.com", "*.tencentcos.cn")
#: What Chromium and Python clients negotiate: HTTP/1.1 only (the engine speaks nothing else).
ALPN = ["http/1.1"]
_VALID_DAYS = 365
_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_*](?:[a-z0-9_.-]*[a-z0-9_])?$")

#: Decides the certificate of a server name: ``None`` refuses the handshake.
Policy = Callable[[str], ssl.SSLContext | None]


def is_cos_host(name: str) -> bool:
    """Whether ``name`` (no port) is under one of COS's domains."""
    name = name.lower().rstrip(".")
    return any(name == domain or name.endswith("." + domain) for domain in COS_DOMAINS)


def certificate_names(server_name: str) -> tuple[str, ...]:
    """The subject alternative names of the certificate for ``server_name``: ``*.<parent>`` for
    a host under a COS domain (one certificate for every bucket of a region), the name itself
    otherwise. ``ValueError`` for something that is not a host name."""
    name = server_name.lower().rstrip(".")
    if not _NAME.match(name) or "*" in name:
        raise ValueError(f"not a host name: {server_name!r}")
    if is_cos_host(name) and name.count(".") >= 2 and name not in COS_DOMAINS:
        return ("*." + name.split(".", 1)[1],)
    return (name,)


class Identity:
    """The key, the authority and the certificates of this process (see the module's text)."""

    def __init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        self._crypto: Any = (x509, hashes, serialization, ExtendedKeyUsageOID, NameOID)
        self._key: Any = ec.generate_private_key(ec.SECP256R1())
        public = self._key.public_key()
        spki = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        #: base64 of the SHA-256 of the key's SubjectPublicKeyInfo (what Chromium pins).
        self.spki_pin = base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")
        self._ski: Any = x509.SubjectKeyIdentifier.from_public_key(public)
        #: The private directory of the PEM files (removed at exit).
        self.directory = Path(tempfile.mkdtemp(prefix="pytest-cos-cors-tls-"))
        atexit.register(shutil.rmtree, self.directory, True)
        self.key_file = self.directory / "key.pem"
        self.key_file.write_bytes(
            self._key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        now = datetime.datetime.now(datetime.timezone.utc)
        self._not_before = now - datetime.timedelta(days=1)
        self._not_after = now + datetime.timedelta(days=_VALID_DAYS)
        self._ca_name: Any = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pytest-cos-cors"),
                x509.NameAttribute(NameOID.COMMON_NAME, "pytest-cos-cors test CA"),
            ]
        )
        ca = (
            self._builder(self._ca_name)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(x509, sign_certificates=True), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self._ca_pem: bytes = ca.public_bytes(serialization.Encoding.PEM)
        #: The PEM certificate of the authority.
        self.ca_file = self.directory / "ca.pem"
        self.ca_file.write_bytes(self._ca_pem)
        self._lock = threading.Lock()
        self._chains: dict[tuple[str, ...], tuple[Path, ssl.SSLContext]] = {}
        self._client: ssl.SSLContext | None = None

    def _builder(self, subject: Any) -> Any:
        x509 = self._crypto[0]
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._ca_name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(self._ski, critical=False)
        )

    def _leaf_pem(self, names: tuple[str, ...]) -> bytes:
        x509, hashes, serialization, eku, oid = self._crypto
        alternatives: list[Any] = []
        for name in names:
            try:
                alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alternatives.append(x509.DNSName(name))
        subject = x509.Name([x509.NameAttribute(oid.COMMON_NAME, names[0])])
        leaf = (
            self._builder(subject)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(x509, sign_certificates=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([eku.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(self._ski),
                critical=False,
            )
            .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        pem: bytes = leaf.public_bytes(serialization.Encoding.PEM)
        return pem

    def chain(self, names: tuple[str, ...]) -> tuple[Path, ssl.SSLContext]:
        """The chain file (leaf, then authority) for ``names`` and a server context that
        presents it; made once, then cached."""
        entry = self._chains.get(names)
        if entry is not None:
            return entry
        with self._lock:
            entry = self._chains.get(names)
            if entry is None:
                path = self.directory / f"chain-{len(self._chains)}.pem"
                path.write_bytes(self._leaf_pem(names) + self._ca_pem)
                context = _server_context()
                context.load_cert_chain(path, self.key_file)
                entry = self._chains[names] = (path, context)
        return entry

    def context_for(self, server_name: str) -> ssl.SSLContext | None:
        """The context for a client's SNI ``server_name``; ``None`` if it is no host name."""
        try:
            names = certificate_names(server_name)
        except ValueError:
            return None
        return self.chain(names)[1]

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this authority (and only it)."""
        if self._client is None:
            client = ssl.create_default_context(cafile=str(self.ca_file))
            client.set_alpn_protocols(ALPN)
            self._client = client
        return self._client


def _key_usage(x509: Any, *, sign_certificates: bool) -> Any:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certificates,
        crl_sign=sign_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(ALPN)
    # No session tickets: each browser context starts without a session cache anyway, and a
    # server that writes nothing after its handshake never waits to write in the selector loop.
    context.num_tickets = 0
    return context


_identity: Identity | None = None
_identity_lock = threading.Lock()


def identity() -> Identity:
    """This process's TLS identity, made on first use (about 2 ms) and kept."""
    global _identity
    made = _identity
    if made is None:
        with _identity_lock:
            made = _identity
            if made is None:
                made = _identity = Identity()
    return made


def spki_pin() -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of the key every certificate of this process has."""
    return identity().spki_pin


def browser_flag() -> str:
    """The Chromium flag that accepts this process's certificates, and no other bad one."""
    return f"--ignore-certificate-errors-spki-list={spki_pin()}"


def ca_file() -> str:
    """The path of the PEM certificate of this process's test authority (``verify=`` for
    ``requests``, ``cafile=`` for ``ssl.create_default_context``)."""
    return str(identity().ca_file)


def client_context() -> ssl.SSLContext:
    """An ``ssl.SSLContext`` for Python clients that trusts the fake's certificates."""
    return identity().client_context()


_shared_server: ssl.SSLContext | None = None


def server_context(policy: Policy | None = None) -> ssl.SSLContext:
    """A server context: without SNI it presents the default certificate; with SNI the one
    ``policy(name)`` gives, and refuses the handshake (``unrecognized_name``) when that is
    ``None``. Without ``policy``, every host name gets its certificate
    (:meth:`Identity.context_for`), from one context shared by every endpoint."""
    global _shared_server
    if policy is None and _shared_server is not None:
        return _shared_server
    ident = identity()
    choose: Policy = policy if policy is not None else ident.context_for
    chain, default = ident.chain(DEFAULT_NAMES)
    base = _server_context()
    base.load_cert_chain(chain, ident.key_file)

    def pick(sslobj: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> int | None:
        if name is None:
            return None
        try:
            chosen = choose(name)
        except Exception:  # a policy must never break a handshake (nor the selector loop)
            chosen = None
        if chosen is None:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        if chosen is not default:
            sslobj.context = chosen
        return None

    base.sni_callback = pick
    if policy is None:
        _shared_server = base
    return base
