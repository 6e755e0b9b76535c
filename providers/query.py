"""What a listing asks of a provider, normalized and validated: the image and volume queries, and the
*sources* (one provider listing each) a provider's planner turns an image query into.

These are plain values the resolvers build from GraphQL input and every provider package reads; a
provider's planner (its spec's `plan_image_sources`) decides which parts it can push down as its own
request parameters and which stay as a residual predicate applied by the service.

A query's `digest()` is computed from its dataclass fields, so a condition added to a query is always
part of the digest cursors are bound to: it cannot be forgotten.

Pushdown is verified: every parameter a source sends is kept beside it with the same condition as a
test on a record (`Pushed`), so the service can check what the provider answered (`Source.verify`).
A planner builds its sources with `Plan`, which also honours what the service has learned about the
provider at run time (`Trust`, kept by `providers.trust`): an untrusted parameter is applied by the
service instead of being sent, a refused partition value is not listed.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .base import ImageRecord, ImageSource, ImageStatus, OsType, ProviderName
from .canonical import canonical_json
from .osid import OsCondition

# Field metadata: the order of this field's values does not change what it selects.
UNORDERED: Mapping[str, bool] = {"unordered": True}


def _canonical(value: Any, unordered: bool = False) -> Any:
    if isinstance(value, ProviderName | enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
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
    """Stable digest of every field of a query dataclass and its listing kind. Kept by the query's repr
    (every field as data, cheaper to write than the canonical form; DIGEST_MEMO of them): a repeated
    filter is digested once."""
    written = (kind, repr(query))
    digest = _DIGESTS.get(written)
    if digest is not None:
        _DIGESTS.move_to_end(written)
        return digest
    data = {f.name: _canonical(getattr(query, f.name), bool(f.metadata.get("unordered")))
            for f in dataclasses.fields(query)}
    data["kind"] = kind
    digest = _DIGESTS[written] = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    if len(_DIGESTS) > DIGEST_MEMO:
        _DIGESTS.popitem(last=False)
    return digest


DIGEST_MEMO = 256  # query digests kept, least recently used out
_DIGESTS: OrderedDict[tuple[str, str], str] = OrderedDict()


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
    tags: tuple[tuple[str, str | None], ...] | None = None  # (key, value); value None: the key with any value
    created_after: datetime | None = None  # created at or after (time zone aware)
    created_before: datetime | None = None  # created strictly before
    raw: Mapping[ProviderName, Mapping[str, Any]] = field(default_factory=dict)  # per provider, its own params
    sources: frozenset[ImageSource] | None = None  # any of these (beside `source`, which must also hold)
    os: OsCondition | None = None  # applied by the service: no provider has a normalized OS identity

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
    tags: tuple[tuple[str, str | None], ...] | None = None  # (key, value); value None: the key with any value
    created_after: datetime | None = None
    created_before: datetime | None = None

    def digest(self) -> str:
        return digest_of(self, "volumes")


Predicate = Callable[[Any], bool]  # over a record of the listing's kind (ImageRecord, VolumeRecord)
# A condition on one record: True or False, or None when the record does not carry the field (then it
# can neither confirm nor contradict what the provider was asked).
Test = Callable[[ImageRecord], bool | None]
TestOf = Callable[[Any], Test]  # a parameter's value -> its condition


class Origin(enum.Enum):
    """Who chose a pushed-down value: decides what a refusal of it means."""

    RAW = "raw"  # the user's raw provider value: a refusal is the user's to fix (BAD_USER_INPUT)
    FILTER = "filter"  # a normalized filter the planner translated: refused, it is applied by the service
    PARTITION = "partition"  # a value the planner enumerates itself (a JD image source): refused, it is skipped


@dataclass(frozen=True, slots=True)
class Pushed:
    """A parameter a source sends, with the same condition as a test on the records it answers."""

    param: str
    value: Any
    origin: Origin
    test: Test


@dataclass(frozen=True, slots=True)
class Trust:
    """What the service has learned about one provider at run time (`providers.trust`): parameters it
    no longer sends (their conditions are applied by the service) and values it refuses."""

    untrusted: frozenset[str] = frozenset()
    refused: frozenset[tuple[str, str]] = frozenset()  # (parameter, value), e.g. ("imageSource", "community")

    def refuses(self, param: str, value: str) -> bool:
        return (param, value) in self.refused


TRUSTED = Trust()


@dataclass(frozen=True, slots=True)
class Source:
    """One provider listing (of images or volumes) and what the service still applies to it."""

    provider: ProviderName
    location: str
    params: Mapping[str, Any]
    residual: tuple[Predicate, ...] = ()
    partition_key: str | None = None  # the parameter that names a partition of the location, for the label
    pushed: tuple[Pushed, ...] = ()  # the parameters sent that records can be checked against
    # `params` as canonical JSON, what the per-request page keys hold: encoded once, with the plan
    params_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params_json", canonical_json(self.params))

    @property
    def label(self) -> str:
        """e.g. `jdcloud/cn-north-1/public`: what errors name."""
        partition = self.params.get(self.partition_key) if self.partition_key else None
        return f"{self.provider.value}/{self.location}" + (f"/{partition}" if partition else "")

    def matches(self, record: Any) -> bool:
        return all(predicate(record) for predicate in self.residual)

    def contradicted(self, record: ImageRecord) -> list[Pushed]:
        """The pushed-down conditions this record, answered for them, does not satisfy."""
        return [pushed for pushed in self.pushed if pushed.test(record) is False]


def holds(test: Test) -> Predicate:
    """A test applied by the service: a record that does not carry the field does not match."""
    return lambda record: test(record) is True


class Plan:
    """One provider's listing parameters being built from a query.

    `push` sends a condition as a parameter (and keeps its test, to verify the answer), unless the
    provider is not trusted with that parameter: then the service applies the test itself (a parameter
    the provider requires is sent anyway and checked too). A second, different value for one parameter
    means no record can match (`impossible`).
    """

    def __init__(self, trust: Trust, tests: Mapping[str, TestOf]) -> None:
        self.trust = trust
        self.tests = tests
        self.values: dict[str, Any] = {}
        self.pushed: list[Pushed] = []
        self.residual: list[Predicate] = []
        self.impossible = False

    def push(self, param: str, value: Any, origin: Origin, *, required: bool = False) -> None:
        if value is None:
            return
        test = self.tests[param](value)
        if param in self.trust.untrusted:
            self.residual.append(holds(test))
            if not required:
                return
        if param in self.values and self.values[param] != value:
            self.impossible = True
        self.values[param] = value
        if param not in self.trust.untrusted:
            self.pushed.append(Pushed(param, value, origin, test))

    def copy(self) -> Plan:
        """An independent plan holding what this one holds (e.g. one per partition of a location)."""
        other = Plan(self.trust, self.tests)
        other.values, other.pushed, other.residual = dict(self.values), list(self.pushed), list(self.residual)
        other.impossible = self.impossible
        return other

    def keep(self, predicate: Predicate) -> None:
        """A condition only the service can evaluate."""
        self.residual.append(predicate)

    def source(self, provider: ProviderName, location: str, partition_key: str | None = None) -> Source:
        return Source(provider, location, dict(self.values), tuple(self.residual), partition_key, tuple(self.pushed))


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


def one_of(attribute: str, allowed: frozenset[Any]) -> Predicate:
    """A residual predicate: the record's normalized `attribute` is one of `allowed`."""

    def predicate(record: Any) -> bool:
        return getattr(record, attribute) in allowed

    return predicate


# --- tests: conditions on record attributes, one factory per kind of parameter ----------------------


def same(attribute: str, *, fold: bool = False, documented: Callable[[str], bool] | None = None) -> TestOf:
    """The attribute equals the value (`fold`: text compared without case). With `documented`, a value it
    does not know cannot contradict: an undocumented word is data the service keeps, not provider drift."""

    def of(value: Any) -> Test:
        def test(record: ImageRecord) -> bool | None:
            actual = getattr(record, attribute)
            if actual is None or (documented is not None and not documented(str(actual))):
                return None
            if fold and isinstance(actual, str) and isinstance(value, str):
                return actual.lower() == value.lower()
            return bool(actual == value)

        return test

    return of


def contains(attribute: str) -> TestOf:
    """A fuzzy match: the value is part of the attribute, without case (both providers' name search)."""

    def of(value: Any) -> Test:
        wanted = str(value).lower()
        return lambda record: wanted in str(getattr(record, attribute)).lower()

    return of


def among(attribute: str) -> TestOf:
    """The attribute is one of the values (a list parameter: ids)."""

    def of(values: Any) -> Test:
        wanted = frozenset(values)

        def test(record: ImageRecord) -> bool | None:
            actual = getattr(record, attribute)
            return None if actual is None else actual in wanted

        return test

    return of


def raw_same(key: str) -> TestOf:
    """The provider's raw field equals the value (a field no typed attribute models)."""

    def of(value: Any) -> Test:
        return lambda record: (record.raw[key] == value) if key in record.raw else None

    return of
