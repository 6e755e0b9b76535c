"""From a VolumeFilter to disk volume listings: one per Zenlayer zone or JD Cloud region.

Every condition has an exact provider parameter, so all of it is pushed down:

    condition    Zenlayer DescribeDisks        JD Cloud describeDisks
    volumeIds    diskIds                       filters diskId (any of)
    name         diskName (fuzzy)              filters name (fuzzy)
    instanceId   instanceId                    filters instanceId
    status       diskStatus (raw, e.g. IN_USE) filters status (raw, e.g. in-use)
    tags         tags [{key, value}] (all of)  tags [{key, values: [value]}] (all of)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.base import ProviderName

from . import errors
from .filters import MAX_TAG_FILTERS, TagFilterLike, non_empty, non_empty_list


@dataclass(frozen=True, slots=True)
class VolumeCriteria:
    providers: frozenset[ProviderName] | None = None
    locations: tuple[str, ...] | None = None
    volume_ids: tuple[str, ...] | None = None
    name: str | None = None
    instance_id: str | None = None
    status: str | None = None
    tags: tuple[tuple[str, str], ...] | None = None

    def digest(self) -> str:
        data = {
            "kind": "volumes",
            "providers": sorted(p.value for p in self.providers) if self.providers else None,
            "locations": sorted(self.locations) if self.locations else None,
            "volumeIds": self.volume_ids, "name": self.name, "instanceId": self.instance_id,
            "status": self.status, "tags": self.tags,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def volume_criteria(
    *,
    providers: Sequence[ProviderName] | None = None,
    locations: Sequence[str] | None = None,
    volume_ids: Sequence[str] | None = None,
    name: str | None = None,
    instance_id: str | None = None,
    status: str | None = None,
    tags: Sequence[TagFilterLike] | None = None,
) -> VolumeCriteria:
    if providers is not None and not providers:
        raise errors.bad_input("`providers` must not be an empty list; omit it for every provider",
                               argument="providers")
    pairs: tuple[tuple[str, str], ...] | None = None
    if tags is not None:
        if not tags or len(tags) > MAX_TAG_FILTERS:
            raise errors.bad_input(f"`tags` takes 1 to {MAX_TAG_FILTERS} entries, got {len(tags)}", argument="tags")
        pairs = tuple(dict.fromkeys((non_empty(t.key, "tags.key") or "", t.value) for t in tags))
    return VolumeCriteria(
        providers=frozenset(providers) if providers else None,
        locations=non_empty_list(locations, "locations"),
        volume_ids=non_empty_list(volume_ids, "volumeIds"),
        name=non_empty(name, "name"),
        instance_id=non_empty(instance_id, "instanceId"),
        status=non_empty(status, "status"),
        tags=pairs,
    )


def _jd_filter(name: str, values: Sequence[str]) -> dict[str, Any]:
    return {"name": name, "operator": "eq", "values": list(values)}


def volume_params(provider: ProviderName, criteria: VolumeCriteria) -> dict[str, Any]:
    """The provider's own DescribeDisks / describeDisks parameters for the criteria (no paging)."""
    if provider is ProviderName.ZENLAYER:
        params: dict[str, Any] = {
            "diskIds": list(criteria.volume_ids) if criteria.volume_ids else None,
            "diskName": criteria.name,
            "instanceId": criteria.instance_id,
            "diskStatus": criteria.status,
            "tags": [{"key": k, "value": v} for k, v in criteria.tags] if criteria.tags else None,
        }
        return {k: v for k, v in params.items() if v is not None}
    filters = [
        _jd_filter(name, values) for name, values in (
            ("diskId", criteria.volume_ids or ()),
            ("name", [criteria.name] if criteria.name else []),
            ("instanceId", [criteria.instance_id] if criteria.instance_id else []),
            ("status", [criteria.status] if criteria.status else []),
        ) if values
    ]
    jd: dict[str, Any] = {}
    if filters:
        jd["filters"] = filters
    if criteria.tags:
        jd["tags"] = [{"key": k, "values": [v]} for k, v in criteria.tags]
    return jd


def volume_id_params(provider: ProviderName, ids: Sequence[str]) -> Mapping[str, Any]:
    """Parameters selecting exactly these volume ids (for lookups by id)."""
    return volume_params(provider, VolumeCriteria(volume_ids=tuple(ids)))
