"""Global ids for images, and lookups by id (`image`, `node`, `nodes`, federation references).

An image's global id is Relay's base64("Image:<provider>:<location>:<imageId>"). Lookups go through
`RequestScope.images`, a DataLoader, so N ids on one provider and location cost one provider call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

from strawberry.relay import GlobalID, GlobalIDValueError

from providers.base import ImageRecord, ProviderName
from providers.errors import NotFoundError, ProviderError

from . import errors
from .loaders import ImageKey, RequestScope

IMAGE_TYPENAME = "Image"


def image_node_id(provider: ProviderName, location: str, image_id: str) -> str:
    return f"{provider.value}:{location}:{image_id}"


def parse_node_id(node_id: str) -> ImageKey:
    provider_text, _, rest = node_id.partition(":")
    location, _, image_id = rest.partition(":")
    try:
        provider = ProviderName(provider_text)
    except ValueError:
        raise errors.bad_input(f"image id names an unknown provider {provider_text!r}", argument="id") from None
    if not location or not image_id:
        raise errors.bad_input("image id must encode provider, location and image id", argument="id")
    return ImageKey(provider, location, image_id)


def parse_global_id(global_id: str) -> ImageKey:
    """ImageKey of a global id; BAD_USER_INPUT when it is not an image id of this service."""
    try:
        gid = GlobalID.from_id(global_id)
    except GlobalIDValueError:
        raise errors.bad_input(f"{global_id!r} is not a valid global id", argument="id") from None
    if gid.type_name != IMAGE_TYPENAME:
        raise errors.bad_input(f"{global_id!r} is the id of a {gid.type_name!r}, not an Image", argument="id")
    return parse_node_id(gid.node_id)


async def load_image(scope: RequestScope, key: ImageKey) -> ImageRecord | None:
    """The image, None when it or its location does not exist; other provider failures raise."""
    if key.provider not in scope.catalogs:
        return None
    try:
        return await scope.images.load(key)
    except NotFoundError:
        return None
    except ProviderError as exc:
        raise errors.from_provider(exc) from exc


async def resolve_image(scope: RequestScope, global_id: str) -> ImageRecord | None:
    return await load_image(scope, parse_global_id(global_id))


async def load_images_by_node_id(scope: RequestScope, node_ids: Sequence[str]) -> list[ImageRecord | None]:
    keys = [parse_node_id(node_id) for node_id in node_ids]
    return list(await asyncio.gather(*(load_image(scope, key) for key in keys)))


def resolve_nodes(scope: RequestScope, global_ids: Sequence[str]) -> list[Awaitable[ImageRecord | None]]:
    """One awaitable per id, so a bad id fails its own list entry only (GraphQL nulls it, with an error)."""
    if len(global_ids) > scope.limits.max_node_ids:
        raise errors.bad_input(
            f"`ids` takes at most {scope.limits.max_node_ids} ids, got {len(global_ids)}", argument="ids"
        )
    return [resolve_image(scope, global_id) for global_id in global_ids]
