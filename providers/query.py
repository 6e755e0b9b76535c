"""What a listing asks of a provider, normalized and validated: the image and volume queries, and the
*sources* (one provider listing each) a provider's planner turns an image query into.

These are plain values the resolvers build from GraphQL input and every provider package reads; a
provider's planner (its spec's `plan_image_sources`) decides which parts it can push down as its own
request parameters and which stay as a residual predicate applied by the service.

A query's `digest()` is computed from its dataclass fields, so a condition added to a query is always
part of the digest cursors are bound to: it cannot be forgotten.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .base import ImageRecord, ImageSource, ImageStatus, OsType, ProviderName

# Field metadata: the order of this field's values does not change what it selects.
UNORDERED: Mapping[str, bool] = {"unordered": True}


def _canonical(value: Any, unordered: bool = False) -> Any:
    if isinstance(value, ProviderName | enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()  # one instant, one digest, whatever offset it was given in
    if isinstance(value, Mapping):
        return {str(_canonical(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, tuple | list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=json.dumps) if unordered else items
    return value


def digest_of(query: Any, kind: str) -> str:
    """Stable digest of every field of a query dataclass and its listing kind."""
    data = {f.name: _canonical(getattr(query, f.name), bool(f.metadata.get("unordered")))
            for f in dataclasses.fields(query)}
    data["kind"] = kind
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ImageQuery:
    """Which images: the validated `ImageFilter` (resolvers.filters builds it)."""

    providers: frozenset[ProviderName] | None = None
    locations: tuple[str, ...] | None = field(default=None, metadata=UNORDERED)
    image_ids: tuple[str, ...] | None = None
    name: str | None = None
    os_type: OsType | None = None
    platform: str | None = None
    source: ImageSource | None = None
    status: ImageStatus | None = None
    architecture: str | None = None
    tag_keys: tuple[str, ...] | None = None
    tags: tuple[tuple[str, str], ...] | None = None
    created_after: datetime | None = None  # created at or after (time zone aware)
    created_before: datetime | None = None  # created strictly before
    raw: Mapping[ProviderName, Mapping[str, Any]] = field(default_factory=dict)  # per provider, its own params

    def digest(self) -> str:
        return digest_of(self, "images")

    def raw_for(self, provider: ProviderName) -> Mapping[str, Any]:
        return self.raw.get(provider, {})


@dataclass(frozen=True, slots=True)
class VolumeQuery:
    """Which disk volumes: the validated `VolumeFilter`. Every condition but the created range has a
    provider parameter."""

    providers: frozenset[ProviderName] | None = None
    locations: tuple[str, ...] | None = field(default=None, metadata=UNORDERED)
    volume_ids: tuple[str, ...] | None = None
    name: str | None = None
    instance_id: str | None = None
    status: str | None = None
    tags: tuple[tuple[str, str], ...] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def digest(self) -> str:
        return digest_of(self, "volumes")


Predicate = Callable[[Any], bool]  # over a record of the listing's kind (ImageRecord, VolumeRecord)


@dataclass(frozen=True, slots=True)
class Source:
    """One provider listing (of images or volumes) and what the service still applies to it."""

    provider: ProviderName
    location: str
    params: Mapping[str, Any]
    residual: tuple[Predicate, ...] = ()
    partition_key: str | None = None  # the parameter that names a partition of the location, for the label

    @property
    def label(self) -> str:
        """e.g. `jdcloud/cn-north-1/public`: what errors name."""
        partition = self.params.get(self.partition_key) if self.partition_key else None
        return f"{self.provider.value}/{self.location}" + (f"/{partition}" if partition else "")

    def matches(self, record: Any) -> bool:
        return all(predicate(record) for predicate in self.residual)


class Params:
    """Provider parameters being built; a second, different value for one key means no record can match."""

    def __init__(self, initial: Mapping[str, Any]) -> None:
        self.values: dict[str, Any] = dict(initial)
        self.impossible = False

    def put(self, key: str, value: Any) -> None:
        if value is None:
            return
        if key in self.values and self.values[key] != value:
            self.impossible = True
        self.values[key] = value


def created_between(after: datetime | None, before: datetime | None) -> Predicate | None:
    """The created-range predicate: `after` <= createdAt < `before`; a record without a creation time never
    matches a range. None when neither bound is given. No provider API filters by creation time, so this
    is always applied by the service."""
    if after is None and before is None:
        return None

    def predicate(record: Any) -> bool:
        created: datetime | None = record.created_at
        return created is not None and (after is None or created >= after) and (before is None or created < before)

    return predicate


def equals(attribute: str, expected: object) -> Predicate:
    """A residual predicate: the record's normalized `attribute` is `expected`."""

    def predicate(record: ImageRecord) -> bool:
        return bool(getattr(record, attribute) == expected)

    return predicate
