"""Global ids of every listing kind, and lookups by id (`image`, `volume`, `node`, `nodes`, federation
references).

A global id is Relay's base64("<Type>:<provider>:<location>:<providerId>"), Type being a listing
kind's type name (`resolvers.kinds`). Lookups go through the kind's per-request by-id loader, so N ids
on one provider and location cost one provider call. An id naming an unknown kind or provider is
BAD_USER_INPUT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from strawberry.relay import GlobalID, GlobalIDValueError

from providers.base import ProviderName
from providers.errors import NotFoundError, ProviderError
from providers.registry import PROVIDERS, UnknownProviderError

from . import errors
from .kinds import KINDS, ListingKind
from .loaders import RequestScope, ResourceKey

Found = tuple[ListingKind[Any, Any], Any]  # a kind and its record


def node_id(provider: ProviderName, location: str, resource_id: str) -> str:
    return f"{provider.value}:{location}:{resource_id}"


def parse_node_id(node_id: str, kind: ListingKind[Any, Any]) -> ResourceKey:
    provider_text, _, rest = node_id.partition(":")
    location, _, resource_id = rest.partition(":")
    try:
        provider = PROVIDERS.get(provider_text).name
    except UnknownProviderError:
        raise errors.bad_input(f"{kind.noun} id names an unknown provider {provider_text!r}", argument="id") from None
    if not location or not resource_id:
        raise errors.bad_input(f"{kind.noun} id must encode provider, location and the provider's id", argument="id")
    return ResourceKey(provider, location, resource_id)


def parse_global_id(global_id: str, expected: ListingKind[Any, Any] | None = None) -> tuple[
    ListingKind[Any, Any], ResourceKey
]:
    """(kind, key) of a global id; BAD_USER_INPUT when it is not such an id of this service."""
    try:
        gid = GlobalID.from_id(global_id)
    except GlobalIDValueError:
        raise errors.bad_input(f"{global_id!r} is not a valid global id", argument="id") from None
    allowed = (expected.typename,) if expected else KINDS.typenames
    if gid.type_name not in allowed:
        raise errors.bad_input(
            f"{global_id!r} is the id of a {gid.type_name!r}, not {' or '.join(repr(t) for t in allowed)}",
            argument="id",
        )
    kind = KINDS.get(gid.type_name)
    return kind, parse_node_id(gid.node_id, kind)


async def load(scope: RequestScope, kind: ListingKind[Any, Any], key: ResourceKey) -> Any:
    """The record, None when it or its location does not exist; other provider failures raise."""
    if key.provider not in scope.catalogs:
        return None
    try:
        return await scope.by_key(kind).load(key)
    except NotFoundError:
        return None
    except ProviderError as exc:
        raise errors.from_provider(exc) from exc


async def resolve(scope: RequestScope, global_id: str, kind: ListingKind[Any, Any]) -> Any:
    """The record of `kind` a global id names (an id of another kind is BAD_USER_INPUT), or None."""
    return await load(scope, *parse_global_id(global_id, kind))


async def resolve_node(scope: RequestScope, global_id: str) -> Found | None:
    """A record of any kind, with its kind; None when it does not exist."""
    kind, key = parse_global_id(global_id)
    record = await load(scope, kind, key)
    return None if record is None else (kind, record)


async def load_by_node_ids(scope: RequestScope, kind: ListingKind[Any, Any], node_ids: Sequence[str]) -> list[Any]:
    """Relay's resolve_nodes: node ids (not global ids) of one kind, in order."""
    keys = [parse_node_id(node_id, kind) for node_id in node_ids]
    return list(await asyncio.gather(*(load(scope, kind, key) for key in keys)))


def resolve_nodes(scope: RequestScope, global_ids: Sequence[str]) -> list[Awaitable[Found | None]]:
    """One awaitable per id, so a bad id fails its own list entry only (GraphQL nulls it, with an error)."""
    if len(global_ids) > scope.limits.max_node_ids:
        raise errors.bad_input(
            f"`ids` takes at most {scope.limits.max_node_ids} ids, got {len(global_ids)}", argument="ids"
        )
    return [resolve_node(scope, global_id) for global_id in global_ids]
