"""Global ids for images and volumes, and lookups by id (`image`, `volume`, `node`, `nodes`, federation
references).

A global id is Relay's base64("<Type>:<provider>:<location>:<providerId>") with Type `Image` or
`Volume`. Lookups go through the per-request loaders (`RequestScope.images`, `.volumes`), so N ids on
one provider and location cost one provider call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

from strawberry.relay import GlobalID, GlobalIDValueError

from providers.base import ImageRecord, ProviderName, VolumeRecord
from providers.errors import NotFoundError, ProviderError

from . import errors
from .loaders import ByKeyLoader, RequestScope, ResourceKey

IMAGE_TYPENAME = "Image"
VOLUME_TYPENAME = "Volume"
NODE_TYPENAMES = (IMAGE_TYPENAME, VOLUME_TYPENAME)

Record = ImageRecord | VolumeRecord


def node_id(provider: ProviderName, location: str, resource_id: str) -> str:
    return f"{provider.value}:{location}:{resource_id}"


def parse_node_id(node_id: str, typename: str = IMAGE_TYPENAME) -> ResourceKey:
    provider_text, _, rest = node_id.partition(":")
    location, _, resource_id = rest.partition(":")
    what = typename.lower()
    try:
        provider = ProviderName(provider_text)
    except ValueError:
        raise errors.bad_input(f"{what} id names an unknown provider {provider_text!r}", argument="id") from None
    if not location or not resource_id:
        raise errors.bad_input(f"{what} id must encode provider, location and the provider's id", argument="id")
    return ResourceKey(provider, location, resource_id)


def parse_global_id(global_id: str, expected: str | None = None) -> tuple[str, ResourceKey]:
    """(type name, key) of a global id; BAD_USER_INPUT when it is not such an id of this service."""
    try:
        gid = GlobalID.from_id(global_id)
    except GlobalIDValueError:
        raise errors.bad_input(f"{global_id!r} is not a valid global id", argument="id") from None
    allowed = (expected,) if expected else NODE_TYPENAMES
    if gid.type_name not in allowed:
        raise errors.bad_input(
            f"{global_id!r} is the id of a {gid.type_name!r}, not {' or '.join(repr(t) for t in allowed)}",
            argument="id",
        )
    return gid.type_name, parse_node_id(gid.node_id, gid.type_name)


def _loader(scope: RequestScope, typename: str) -> ByKeyLoader[ImageRecord] | ByKeyLoader[VolumeRecord]:
    return scope.images if typename == IMAGE_TYPENAME else scope.volumes


async def load(scope: RequestScope, typename: str, key: ResourceKey) -> Record | None:
    """The record, None when it or its location does not exist; other provider failures raise."""
    if key.provider not in scope.catalogs:
        return None
    try:
        return await _loader(scope, typename).load(key)
    except NotFoundError:
        return None
    except ProviderError as exc:
        raise errors.from_provider(exc) from exc


async def resolve_image(scope: RequestScope, global_id: str) -> ImageRecord | None:
    record = await load(scope, *parse_global_id(global_id, IMAGE_TYPENAME))
    return record if isinstance(record, ImageRecord) else None


async def resolve_volume(scope: RequestScope, global_id: str) -> VolumeRecord | None:
    record = await load(scope, *parse_global_id(global_id, VOLUME_TYPENAME))
    return record if isinstance(record, VolumeRecord) else None


async def resolve_node(scope: RequestScope, global_id: str) -> Record | None:
    return await load(scope, *parse_global_id(global_id))


async def load_by_node_ids(scope: RequestScope, typename: str, node_ids: Sequence[str]) -> list[Record | None]:
    """Relay's resolve_nodes: node ids (not global ids) of one type, in order."""
    keys = [parse_node_id(node_id, typename) for node_id in node_ids]
    return list(await asyncio.gather(*(load(scope, typename, key) for key in keys)))


def resolve_nodes(scope: RequestScope, global_ids: Sequence[str]) -> list[Awaitable[Record | None]]:
    """One awaitable per id, so a bad id fails its own list entry only (GraphQL nulls it, with an error)."""
    if len(global_ids) > scope.limits.max_node_ids:
        raise errors.bad_input(
            f"`ids` takes at most {scope.limits.max_node_ids} ids, got {len(global_ids)}", argument="ids"
        )
    return [resolve_node(scope, global_id) for global_id in global_ids]
