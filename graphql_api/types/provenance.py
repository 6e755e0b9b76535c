"""Where a node's data came from and when: the fields every provider-backed node shares."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from providers import base

from .enums import Freshness, freshness_of


@strawberry.type(description="A node built from one provider record.")
class Provenance:
    # The record itself: these fields are computed only when asked for (freshness depends on the operation).
    record: strawberry.Private[base.ImageRecord | base.VolumeRecord]

    @strawberry.field(description="When the provider sent this record (UTC).")
    def fetched_at(self) -> datetime:
        return datetime.fromtimestamp(self.record.fetched_at, UTC)

    @strawberry.field(description="Whether this record is live, cached or stale for this operation.")
    def freshness(self) -> Freshness:
        return freshness_of(self.record)
