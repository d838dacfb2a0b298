"""The credentials a fake endpoint accepts: ``SecretId -> SecretKey`` for permanent keys, or
``SecretId -> (SecretKey, SessionToken)`` for temporary ones (an STS answer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: What a user hands the endpoint.
Credentials = Mapping[str, str | tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Credential:
    """One SecretId's key, and its session token when the key is temporary."""

    secret_id: str
    secret_key: str
    token: str | None = None

    @property
    def temporary(self) -> bool:
        return self.token is not None


def credential(credentials: Credentials, secret_id: str) -> Credential | None:
    """The credential of ``secret_id`` (``None`` when the mapping does not name it).

    Read on every request straight from the user's mapping, so that a change to it (or a new
    mapping set mid-test) takes effect on the next request."""
    entry = credentials.get(secret_id)
    if entry is None:
        return None
    if isinstance(entry, str):
        return Credential(secret_id, entry)
    return Credential(secret_id, entry[0], entry[1])


def check_credentials(credentials: object) -> dict[str, Credential]:
    """Validate a credentials mapping as a user wrote it; ``TypeError`` / ``ValueError`` naming
    the entry at fault. Returns each SecretId's :class:`Credential`."""
    if not isinstance(credentials, Mapping):
        raise TypeError(
            "credentials must be a mapping SecretId -> SecretKey or SecretId -> "
            f"(SecretKey, SessionToken), not {type(credentials).__name__}"
        )
    checked: dict[str, Credential] = {}
    for secret_id, entry in credentials.items():
        if not isinstance(secret_id, str) or not secret_id:
            raise ValueError(f"a SecretId must be a non-empty string, not {secret_id!r}")
        if isinstance(entry, str):
            key, token = entry, None
        elif isinstance(entry, tuple) and len(entry) == 2:
            key, token = entry
            if not isinstance(token, str) or not token:
                raise ValueError(
                    f"the session token of {secret_id!r} must be a non-empty string, not {token!r}"
                )
        else:
            raise TypeError(
                f"the credential of {secret_id!r} must be a SecretKey string or a "
                f"(SecretKey, SessionToken) pair, not {entry!r}"
            )
        if not isinstance(key, str) or not key:
            raise ValueError(f"the SecretKey of {secret_id!r} must be a non-empty string")
        checked[secret_id] = Credential(secret_id, key, token)
    return checked


__all__ = ["Credential", "Credentials", "check_credentials", "credential"]
