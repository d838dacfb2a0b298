"""The endpoint's buckets and objects, in memory and thread-safe (SPEC §6)."""

from __future__ import annotations

import bisect
import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from .constants import ACLS

if TYPE_CHECKING:
    from .rules import CORSConfiguration


@dataclass(frozen=True)
class StoredObject:
    """An object as stored: its content, type, user metadata, ETag and modification time."""

    data: bytes
    content_type: str
    metadata: tuple[tuple[str, str], ...]
    etag: str
    last_modified: float

    @classmethod
    def create(
        cls, data: bytes, content_type: str, metadata: Iterable[tuple[str, str]] = ()
    ) -> StoredObject:
        return cls(
            data,
            content_type,
            tuple(metadata),
            f'"{hashlib.md5(data).hexdigest()}"',
            time.time(),
        )


@dataclass(frozen=True)
class BucketInfo:
    """What a request needs to know about a bucket, taken at one instant."""

    name: str
    region: str
    acl: str
    configuration: CORSConfiguration | None


@dataclass
class _Bucket:
    region: str
    acl: str
    configuration: CORSConfiguration | None = None
    objects: dict[str, StoredObject] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # sorted


def check_acl(acl: str) -> str:
    """``acl`` itself when it is a canned ACL COS knows; ``ValueError`` otherwise."""
    if acl not in ACLS:
        raise ValueError(f"unknown ACL {acl!r}: use one of {', '.join(ACLS)}")
    return acl


class UnknownBucketError(KeyError):
    """A bucket the endpoint does not have; the message lists those it has."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        names = ", ".join(repr(n) for n in known) or "none"
        super().__init__(f"no bucket {name!r} on this endpoint (buckets: {names})")
        self.name = name

    def __str__(self) -> str:
        return str(self.args[0])


class Store:
    """Buckets by name; every method is atomic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _get(self, name: str) -> _Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            raise UnknownBucketError(name, self._buckets)
        return bucket

    def add_bucket(self, name: str, region: str, acl: str) -> bool:
        """Create a bucket; ``False`` when it already exists."""
        check_acl(acl)
        with self._lock:
            if name in self._buckets:
                return False
            self._buckets[name] = _Bucket(region, acl)
            return True

    def names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._buckets)

    def info(self, name: str) -> BucketInfo | None:
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                return None
            return BucketInfo(name, bucket.region, bucket.acl, bucket.configuration)

    def delete_bucket(self, name: str) -> bool | None:
        """``True`` when deleted, ``False`` when not empty, ``None`` when unknown."""
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                return None
            if bucket.objects:
                return False
            del self._buckets[name]
            return True

    def configuration(self, name: str) -> CORSConfiguration | None:
        with self._lock:
            return self._get(name).configuration

    def set_configuration(self, name: str, configuration: CORSConfiguration | None) -> None:
        with self._lock:
            self._get(name).configuration = configuration

    def put_object(self, name: str, key: str, stored: StoredObject) -> None:
        with self._lock:
            bucket = self._get(name)
            if key not in bucket.objects:
                bisect.insort(bucket.keys, key)
            bucket.objects[key] = stored

    def get_object(self, name: str, key: str) -> StoredObject | None:
        with self._lock:
            return self._get(name).objects.get(key)

    def delete_object(self, name: str, key: str) -> None:
        with self._lock:
            bucket = self._get(name)
            if bucket.objects.pop(key, None) is not None:
                del bucket.keys[bisect.bisect_left(bucket.keys, key)]

    def list_objects(
        self, name: str, prefix: str, marker: str, max_keys: int
    ) -> tuple[list[tuple[str, StoredObject]], bool]:
        """Keys after ``marker`` starting with ``prefix``, in order; and whether more remain."""
        with self._lock:
            bucket = self._get(name)
            start = bisect.bisect_right(bucket.keys, marker) if marker else 0
            start = max(start, bisect.bisect_left(bucket.keys, prefix))
            found: list[tuple[str, StoredObject]] = []
            for key in bucket.keys[start:]:
                if not key.startswith(prefix):
                    break
                if len(found) == max_keys:
                    return found, True
                found.append((key, bucket.objects[key]))
            return found, False

    def objects(self, name: str) -> Mapping[str, bytes]:
        with self._lock:
            bucket = self._get(name)
            return MappingProxyType({k: bucket.objects[k].data for k in bucket.keys})
