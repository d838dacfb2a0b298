"""The endpoint's buckets, objects and multipart uploads, in memory and thread-safe (SPEC §6,
docs/cos-operations.md).

An object's content is a tuple of read-only ``memoryview`` *chunks*, never joined: the one buffer
a PUT read its body into, the parts of a completed multipart upload, or the source's chunks for a
copy (a copy shares the source's memory). A GET serves slices of them.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .constants import ACLS

if TYPE_CHECKING:
    from .rules import CORSConfiguration

#: An object's or a part's content: read-only memoryviews, in order.
Chunks = tuple[memoryview, ...]
#: Stored headers: ``(wire name, value)``.
HeaderPairs = tuple[tuple[str, str], ...]

#: The most a GET copies at once: each piece of its answer is a ``bytes`` of at most this.
PIECE = 512 * 1024

# -- CRC-64/XZ (x-cos-hash-crc64ecma) ----------------------------------------------------------

_CRC64_POLY = 0xC96C5795D7870F42  # ECMA-182 0x42F0E1EBA9EA3693, reflected
_ONES = 0xFFFFFFFFFFFFFFFF


def _crc64_table() -> list[int]:
    table = []
    for index in range(256):
        crc = index
        for _ in range(8):
            crc = (crc >> 1) ^ (_CRC64_POLY if crc & 1 else 0)
        table.append(crc)
    return table


def _crc64_python(data: bytes | memoryview, crc: int = 0) -> int:
    """The reference loop (about 15 MB/s): used only when crcmod is not installed."""
    table = _CRC64_TABLE
    crc ^= _ONES
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ _ONES


_CRC64_TABLE = _crc64_table()
try:  # crcmod's C extension: about 500 MB/s, the function cos-python-sdk-v5 itself uses
    import crcmod as _crcmod  # type: ignore[import-untyped]

    _crc64: Callable[[bytes | memoryview, int], int] = _crcmod.mkCrcFun(
        0x142F0E1EBA9EA3693, initCrc=0, xorOut=_ONES, rev=True
    )
except ImportError:  # pragma: no cover - crcmod is a dependency
    _crc64 = _crc64_python


def crc64(data: bytes | memoryview, crc: int = 0) -> int:
    """CRC-64/XZ of ``data`` as COS's ``x-cos-hash-crc64ecma`` gives it (an unsigned integer);
    ``crc64(b, crc64(a)) == crc64(a + b)``."""
    return _crc64(data, crc)


def fingerprint(chunks: Iterable[memoryview]) -> tuple[str, int]:
    """The MD5 (lower-case hex) and the CRC-64 of the chunks' bytes, in one pass."""
    md5 = hashlib.md5()
    crc = 0
    for chunk in chunks:
        md5.update(chunk)
        crc = _crc64(chunk, crc)
    return md5.hexdigest(), crc


def as_chunks(data: bytes | bytearray | memoryview | Sequence[memoryview]) -> Chunks:
    """Read-only chunks for ``data`` (bytes are wrapped, not copied)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return (memoryview(data).toreadonly(),) if len(data) else ()
    return tuple(chunk.toreadonly() for chunk in data if len(chunk))


def _slices(chunks: Chunks, start: int, stop: int) -> Iterator[memoryview]:
    offset = 0
    for chunk in chunks:
        size = len(chunk)
        low, high = max(start - offset, 0), min(stop - offset, size)
        offset += size
        if low < high:
            yield chunk[low:high]
        if offset >= stop:
            return


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object as stored: its content (:data:`Chunks`), size, ETag, CRC-64, modification time,
    its stored standard headers (``Content-Type`` first) and its ``x-cos-meta-*`` metadata."""

    chunks: Chunks
    size: int
    etag: str
    crc64: int
    last_modified: float
    headers: HeaderPairs
    metadata: HeaderPairs = ()

    @classmethod
    def create(
        cls,
        data: bytes | bytearray | memoryview | Sequence[memoryview],
        headers: Iterable[tuple[str, str]] = (),
        metadata: Iterable[tuple[str, str]] = (),
        *,
        etag: str | None = None,
        crc: int | None = None,
    ) -> StoredObject:
        """Store ``data``; the ETag (``"<md5>"``) and CRC-64 are computed unless given."""
        chunks = as_chunks(data)
        if etag is None or crc is None:
            md5, computed = fingerprint(chunks)
            etag = f'"{md5}"' if etag is None else etag
            crc = computed if crc is None else crc
        pairs = tuple(headers)
        if not any(name == "Content-Type" for name, _ in pairs):
            pairs = (("Content-Type", "application/octet-stream"), *pairs)
        return cls(
            chunks,
            sum(len(c) for c in chunks),
            etag,
            crc,
            time.time(),
            pairs,
            tuple(metadata),
        )

    @property
    def content_type(self) -> str:
        return next(v for k, v in self.headers if k == "Content-Type")

    def content(self) -> bytes:
        """The whole content as one ``bytes`` (a copy)."""
        return b"".join(self.chunks)

    def view(self, start: int = 0, stop: int | None = None) -> Chunks:
        """The bytes ``[start, stop)`` as memoryview slices of the stored chunks (no copy)."""
        return tuple(_slices(self.chunks, start, self.size if stop is None else stop))

    def pieces(self, start: int, stop: int) -> Iterator[bytes]:
        """The bytes ``[start, stop)`` as ``bytes`` of at most :data:`PIECE` each: what a GET
        sends (a WSGI body is made of ``bytes``; at most one piece is copied at a time)."""
        for chunk in _slices(self.chunks, start, stop):
            for low in range(0, len(chunk), PIECE):
                yield chunk[low : low + PIECE].tobytes()


@dataclass(frozen=True, slots=True)
class Part:
    """One uploaded part of a multipart upload."""

    number: int
    chunks: Chunks
    size: int
    etag: str
    crc64: int
    last_modified: float

    @classmethod
    def create(
        cls, number: int, data: bytes | bytearray | memoryview | Sequence[memoryview]
    ) -> Part:
        chunks = as_chunks(data)
        md5, crc = fingerprint(chunks)
        return cls(number, chunks, sum(len(c) for c in chunks), f'"{md5}"', crc, time.time())


@dataclass(frozen=True, slots=True)
class UploadInfo:
    """A multipart upload at one instant: its key, id, initiation time, the headers and metadata
    it will give the object, and its parts by number."""

    upload_id: str
    key: str
    initiated: float
    headers: HeaderPairs
    metadata: HeaderPairs
    parts: Mapping[int, Part]


@dataclass
class _Upload:
    key: str
    initiated: float
    headers: HeaderPairs
    metadata: HeaderPairs
    parts: dict[int, Part] = field(default_factory=dict)


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
    uploads: dict[str, _Upload] = field(default_factory=dict)


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


class Contents(Mapping[str, bytes]):
    """A read-only snapshot of a bucket's objects, key -> content; each content is joined into
    ``bytes`` when it is looked up (the snapshot itself copies nothing)."""

    __slots__ = ("_objects",)

    def __init__(self, objects: dict[str, StoredObject]) -> None:
        self._objects = objects

    def __getitem__(self, key: str) -> bytes:
        return self._objects[key].content()

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects)

    def __len__(self) -> int:
        return len(self._objects)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


_UPLOAD_COUNTER = itertools.count(1)
_LAST_SECOND = 0


def new_upload_id() -> str:
    """COS's form (10-digit Unix time, then 64 lower-case hex digits), sorting in the order
    the uploads were initiated: a counter follows the time."""
    global _LAST_SECOND
    _LAST_SECOND = max(_LAST_SECOND, int(time.time()))
    return f"{_LAST_SECOND:010d}{next(_UPLOAD_COUNTER):016x}{secrets.token_hex(24)}"


def _group_end(keys: Sequence[str], start: int, prefix: str) -> int:
    """The first index from ``start`` whose key does not start with ``prefix`` (the keys from
    ``start`` on are sorted and all >= ``prefix``, so those with it come first)."""
    low, high = start, len(keys)
    while low < high:
        middle = (low + high) // 2
        if keys[middle].startswith(prefix):
            low = middle + 1
        else:
            high = middle
    return low


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

    # -- buckets -----------------------------------------------------------------------------

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
        """``True`` when deleted, ``False`` when it holds objects or unfinished multipart
        uploads, ``None`` when unknown."""
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                return None
            if bucket.objects or bucket.uploads:
                return False
            del self._buckets[name]
            return True

    def configuration(self, name: str) -> CORSConfiguration | None:
        with self._lock:
            return self._get(name).configuration

    def set_configuration(self, name: str, configuration: CORSConfiguration | None) -> None:
        with self._lock:
            self._get(name).configuration = configuration

    # -- objects -----------------------------------------------------------------------------

    def put_object(self, name: str, key: str, stored: StoredObject) -> None:
        with self._lock:
            self._put(self._get(name), key, stored)

    @staticmethod
    def _put(bucket: _Bucket, key: str, stored: StoredObject) -> None:
        if key not in bucket.objects:
            bisect.insort(bucket.keys, key)
        bucket.objects[key] = stored

    def get_object(self, name: str, key: str) -> StoredObject | None:
        with self._lock:
            return self._get(name).objects.get(key)

    def delete_object(self, name: str, key: str) -> None:
        self.delete_objects(name, (key,))

    def delete_objects(self, name: str, keys: Iterable[str]) -> None:
        with self._lock:
            bucket = self._get(name)
            for key in keys:
                if bucket.objects.pop(key, None) is not None:
                    del bucket.keys[bisect.bisect_left(bucket.keys, key)]

    def list_objects(
        self, name: str, prefix: str, marker: str, max_keys: int, delimiter: str = ""
    ) -> tuple[list[tuple[str, StoredObject | None]], bool]:
        """GET Bucket: the keys after ``marker`` that start with ``prefix``, in order, those
        holding ``delimiter`` after the prefix rolled up into common prefixes (an entry with
        ``None``), at most ``max_keys`` entries in all; and whether more remain. A common
        prefix not after ``marker`` was listed on an earlier page and is skipped."""
        with self._lock:
            bucket = self._get(name)
            keys = bucket.keys
            index = bisect.bisect_right(keys, marker) if marker else 0
            index = max(index, bisect.bisect_left(keys, prefix))
            found: list[tuple[str, StoredObject | None]] = []
            while index < len(keys):
                key = keys[index]
                if not key.startswith(prefix):
                    break
                entry: tuple[str, StoredObject | None] = (key, bucket.objects[key])
                following = index + 1
                if delimiter:
                    cut = key.find(delimiter, len(prefix))
                    if cut >= 0:
                        common = key[: cut + len(delimiter)]
                        following = _group_end(keys, index, common)
                        if marker and common <= marker:
                            index = following
                            continue
                        entry = (common, None)
                if len(found) == max_keys:
                    return found, True
                found.append(entry)
                index = following
            return found, False

    def objects(self, name: str) -> Mapping[str, bytes]:
        with self._lock:
            bucket = self._get(name)
            return Contents({k: bucket.objects[k] for k in bucket.keys})

    # -- multipart uploads -------------------------------------------------------------------

    def create_upload(
        self, name: str, key: str, headers: HeaderPairs, metadata: HeaderPairs
    ) -> str:
        """Initiate a multipart upload of ``key``; its upload id."""
        with self._lock:
            bucket = self._get(name)
            upload_id = new_upload_id()
            bucket.uploads[upload_id] = _Upload(key, time.time(), headers, metadata)
            return upload_id

    def _upload(self, name: str, key: str, upload_id: str) -> _Upload | None:
        upload = self._get(name).uploads.get(upload_id)
        return upload if upload is not None and upload.key == key else None

    def put_part(self, name: str, key: str, upload_id: str, part: Part) -> bool:
        """Add (or replace) a part; ``False`` when there is no such upload of ``key``."""
        with self._lock:
            upload = self._upload(name, key, upload_id)
            if upload is None:
                return False
            upload.parts[part.number] = part
            return True

    def upload(self, name: str, key: str, upload_id: str) -> UploadInfo | None:
        """The upload ``upload_id`` of ``key`` now (parts by number, ascending), or ``None``."""
        with self._lock:
            upload = self._upload(name, key, upload_id)
            if upload is None:
                return None
            return UploadInfo(
                upload_id,
                key,
                upload.initiated,
                upload.headers,
                upload.metadata,
                {n: upload.parts[n] for n in sorted(upload.parts)},
            )

    def finish_upload(self, name: str, key: str, upload_id: str, stored: StoredObject) -> bool:
        """Complete: store ``stored`` under ``key`` and forget the upload, at once; ``False``
        (nothing stored) when the upload is gone (aborted or completed meanwhile)."""
        with self._lock:
            bucket = self._get(name)
            if self._upload(name, key, upload_id) is None:
                return False
            del bucket.uploads[upload_id]
            self._put(bucket, key, stored)
            return True

    def abort_upload(self, name: str, key: str, upload_id: str) -> bool:
        """Forget the upload and its parts; ``False`` when there is no such upload of ``key``."""
        with self._lock:
            if self._upload(name, key, upload_id) is None:
                return False
            del self._get(name).uploads[upload_id]
            return True

    def list_uploads(
        self,
        name: str,
        prefix: str,
        delimiter: str,
        key_marker: str,
        upload_id_marker: str,
        max_uploads: int,
    ) -> tuple[list[tuple[str, UploadInfo | None]], bool]:
        """List Multipart Uploads: ``(key, upload)`` by key then initiation order, keys holding
        ``delimiter`` after ``prefix`` rolled up into common prefixes (``(prefix, None)``), after
        the markers; at most ``max_uploads`` entries, and whether more remain."""
        with self._lock:
            bucket = self._get(name)
            ordered = sorted(
                (upload.key, upload_id, upload) for upload_id, upload in bucket.uploads.items()
            )
            found: list[tuple[str, UploadInfo | None]] = []
            seen_common: set[str] = set()
            for key, upload_id, upload in ordered:
                if not key.startswith(prefix):
                    continue
                if key_marker:
                    after = key > key_marker or (
                        key == key_marker
                        and bool(upload_id_marker)
                        and upload_id > upload_id_marker
                    )
                    if not after:
                        continue
                entry: tuple[str, UploadInfo | None]
                if delimiter and (cut := key.find(delimiter, len(prefix))) >= 0:
                    common = key[: cut + len(delimiter)]
                    if common in seen_common or (key_marker and common <= key_marker):
                        continue
                    seen_common.add(common)
                    entry = (common, None)
                else:
                    entry = (
                        key,
                        UploadInfo(
                            upload_id, key, upload.initiated, upload.headers, upload.metadata, {}
                        ),
                    )
                if len(found) == max_uploads:
                    return found, True
                found.append(entry)
            return found, False
