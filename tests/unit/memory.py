"""An in-memory ImageCatalog for the resolver unit tests: the real protocol over lists, counting calls.

Not a mock: it pages, filters by id and fails exactly like a provider's contract says, so the
connection machinery and node routing can be tested without I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from providers.base import (
    ImagePage,
    ImageRecord,
    ImageSource,
    ImageStatus,
    Location,
    OsType,
    ProviderName,
    VolumePage,
    VolumeRecord,
    VolumeStatus,
)
from providers.errors import NotFoundError, UnavailableError
from resolvers.loaders import Limits, RequestScope

LIMITS = Limits(default_page_size=3, max_page_size=50, max_scan_items=5, max_node_ids=5, operation_timeout=None,
                min_max_age=0.0, answer_memo=True)


def image(provider: ProviderName, location: str, image_id: str, os_type: OsType = OsType.LINUX) -> ImageRecord:
    return ImageRecord(provider, location, image_id, image_id, os_type, ImageSource.OFFICIAL, ImageStatus.AVAILABLE,
                       raw={})


def volume(provider: ProviderName, location: str, disk_id: str) -> VolumeRecord:
    return VolumeRecord(provider, location, disk_id, disk_id, VolumeStatus.AVAILABLE, raw={})


class MemoryCatalog:
    page_size_min = 1
    account_key = "memory"

    def __init__(
        self, provider: ProviderName, images: Mapping[str, Sequence[ImageRecord]], *, page_size_max: int = 2,
        volumes: Mapping[str, Sequence[VolumeRecord]] | None = None,
    ) -> None:
        self.provider = provider
        self.page_size_max = page_size_max
        self.images = images
        self.volumes = volumes or {}
        self.calls: Counter[str] = Counter()
        self.failing: set[str] = set()  # locations (or "locations") whose calls fail

    def _check(self, what: str, location: str) -> None:
        self.calls[what] += 1
        if location in self.failing:
            raise UnavailableError(provider=self.provider.value, action=what, status=503, location=location)
        if location != "locations" and location not in self.images:
            raise NotFoundError(provider=self.provider.value, action=what, status=404, location=location)

    async def list_locations(self) -> list[Location]:
        self._check("locations", "locations")
        return [Location(self.provider, loc) for loc in self.images]

    async def probe(self) -> str:
        return "memory"

    async def list_images(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> ImagePage:
        self._check("list_images", location)
        records = list(self.images[location])
        start = (page_number - 1) * page_size
        return ImagePage(records[start:start + page_size], len(records))

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        self._check("get_images", location)
        return [r for r in self.images[location] if r.image_id in image_ids]

    async def list_volumes(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> VolumePage:
        self._check("list_volumes", location)
        records = [r for r in self.volumes.get(location, ()) if not params or _matches(r, params)]
        start = (page_number - 1) * page_size
        return VolumePage(records[start:start + page_size], len(records))


def _matches(record: VolumeRecord, params: Mapping[str, Any]) -> bool:
    """The id selection of both real providers' volume parameters (`diskIds`, or a `diskId` filter)."""
    ids = params.get("diskIds") or next(
        (f["values"] for f in params.get("filters", ()) if f["name"] == "diskId"), None
    )
    return ids is None or record.disk_id in ids


def scope(*catalogs: MemoryCatalog, limits: Limits = LIMITS) -> RequestScope:
    return RequestScope({c.provider: c for c in catalogs}, limits)  # type: ignore[misc]
