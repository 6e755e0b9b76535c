"""The GraphQL schema: an Apollo Federation v2 subgraph with Relay nodes and connections."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Cost, ListSize
from strawberry.types import ExecutionContext

from providers import base
from providers.base import ImageRecord
from resolvers import errors, filters, images, listing, nodes, volumes
from resolvers.listing import ConnectionPage
from resolvers.volume_filters import VolumeCriteria, volume_criteria

from .context import Context
from .errors import ErrorPolicy, OperationNameRequired, is_expected
from .execution import Engine, ExecutionMode, ExecutionObserver, executor_class
from .types.connection import ImageConnection, ImageEdge, PageInfo
from .types.enums import CloudProvider, to_provider
from .types.image import Image
from .types.inputs import ImageFilter
from .types.location import Location
from .types.volume import Volume, VolumeConnection, VolumeEdge, VolumeFilter

log = logging.getLogger("graphql_api.schema")

Info = strawberry.Info[Context, None]

DOCUMENT_CACHE_SIZE = 256  # distinct query documents whose validation result is kept


def _criteria(filter: ImageFilter | None) -> filters.Criteria:
    if filter is None:
        return filters.Criteria()
    return filters.criteria_from(
        providers=[to_provider(p) for p in filter.providers] if filter.providers is not None else None,
        locations=filter.locations,
        image_ids=filter.image_ids,
        name=filter.name,
        os_type=base.OsType[filter.os_type.name] if filter.os_type else None,
        platform=filter.platform,
        source=base.ImageSource[filter.source.name] if filter.source else None,
        status=base.ImageStatus[filter.status.name] if filter.status else None,
        architecture=filter.architecture,
        tag_keys=filter.tag_keys,
        tags=filter.tags,
        zenlayer=filter.zenlayer,
        jdcloud=filter.jdcloud,
    )


def _page_info(page: ConnectionPage[Any]) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next_page, has_previous_page=page.has_previous_page,
        start_cursor=page.start_cursor, end_cursor=page.end_cursor,
    )


def _connection(page: ConnectionPage[ImageRecord]) -> ImageConnection:
    return ImageConnection(
        edges=[ImageEdge(cursor=e.cursor, node=Image.from_record(e.record)) for e in page.edges],
        page_info=_page_info(page),
        total_count=page.total_count,
        oldest_data_age_seconds=page.oldest_age_seconds,
    )


def _volume_connection(page: ConnectionPage[base.VolumeRecord]) -> VolumeConnection:
    return VolumeConnection(
        edges=[VolumeEdge(cursor=e.cursor, node=Volume.from_record(e.record)) for e in page.edges],
        page_info=_page_info(page),
        total_count=page.total_count,
        oldest_data_age_seconds=page.oldest_age_seconds,
    )


def _volume_criteria(filter: VolumeFilter | None) -> VolumeCriteria:
    if filter is None:
        return VolumeCriteria()
    return volume_criteria(
        providers=[to_provider(p) for p in filter.providers] if filter.providers is not None else None,
        locations=filter.locations, volume_ids=filter.volume_ids, name=filter.name,
        instance_id=filter.instance_id, status=filter.status, tags=filter.tags,
    )


def _as_node(record: nodes.Record | None) -> Image | Volume | None:
    if isinstance(record, ImageRecord):
        return Image.from_record(record)
    if isinstance(record, base.VolumeRecord):
        return Volume.from_record(record)
    return None


async def _node(pending: Awaitable[nodes.Record | None]) -> Image | Volume | None:
    return _as_node(await pending)


@strawberry.type(description="Image catalogs of Zenlayer ZEC and JD Cloud, read on demand.")
class Query:
    @strawberry.field(
        description="Images across every configured provider and location, as a Relay connection. `first` "
        "(forward) or `last` (backward), each 0..1000; with neither, the first 50. Cursors are valid only "
        "with the filter they were issued for.",
        directives=[
            Cost(weight=10),
            ListSize(slicing_arguments=["first", "last"], sized_fields=["edges", "nodes"],
                     require_one_slicing_argument=False, assumed_size=50),
        ],
    )
    async def images(
        self,
        info: Info,
        filter: Annotated[ImageFilter | None, strawberry.argument(description="Which images; all if null.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Page forward: N items after `after`.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor to continue after.")] = None,
        last: Annotated[int | None, strawberry.argument(description="Page backward: N items before `before`.")] = None,
        before: Annotated[str | None, strawberry.argument(description="Cursor to continue before.")] = None,
    ) -> ImageConnection:
        page = await images.list_images(
            info.context, _criteria(filter), first=first, after=after, last=last, before=before,
            path=info.path.as_list(),
        )
        return _connection(page)

    @strawberry.field(description="One image by its global id; null when it no longer exists.",
                      directives=[Cost(weight=2)])
    async def image(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The image's global id.")]
    ) -> Image | None:
        record = await nodes.resolve_image(info.context, str(id))
        return Image.from_record(record) if record else None

    @strawberry.field(
        description="Disk volumes across every configured provider and location, as a Relay connection. "
        "`first` (forward) or `last` (backward), each 0..1000; with neither, the first 50.",
        directives=[
            Cost(weight=10),
            ListSize(slicing_arguments=["first", "last"], sized_fields=["edges", "nodes"],
                     require_one_slicing_argument=False, assumed_size=50),
        ],
    )
    async def volumes(
        self,
        info: Info,
        filter: Annotated[VolumeFilter | None, strawberry.argument(description="Which volumes; all if null.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Page forward: N items after `after`.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor to continue after.")] = None,
        last: Annotated[int | None, strawberry.argument(description="Page backward: N items before `before`.")] = None,
        before: Annotated[str | None, strawberry.argument(description="Cursor to continue before.")] = None,
    ) -> VolumeConnection:
        page = await volumes.list_volumes(
            info.context, _volume_criteria(filter), first=first, after=after, last=last, before=before,
            path=info.path.as_list(),
        )
        return _volume_connection(page)

    @strawberry.field(description="One disk volume by its global id; null when it no longer exists.",
                      directives=[Cost(weight=2)])
    async def volume(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The volume's global id.")]
    ) -> Volume | None:
        record = await nodes.resolve_volume(info.context, str(id))
        return Volume.from_record(record) if record else None

    @strawberry.field(description="Any object (image or volume) by its global id (Relay). Null when it does not "
                      "exist.", directives=[Cost(weight=2)])
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")]
    ) -> relay.Node | None:
        return await _node(nodes.resolve_node(info.context, str(id)))

    @strawberry.field(
        description="Objects by global ids (Relay), in the order given, at most 100. An id that does not "
        "exist gives null; a malformed id gives null and an error for that entry. Ids on one provider and "
        "location are fetched with one provider call.",
        directives=[Cost(weight=2)],
    )
    def nodes(
        self, info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids, at most 100.")],
    ) -> list[relay.Node | None]:
        return [_node(p) for p in nodes.resolve_nodes(info.context, [str(i) for i in ids])]  # type: ignore[misc]

    @strawberry.field(description="Zenlayer zones and JD Cloud regions that images can be listed in.")
    async def locations(
        self, info: Info,
        provider: Annotated[CloudProvider | None, strawberry.argument(description="Only this cloud.")] = None,
    ) -> list[Location]:
        selected = [to_provider(provider)] if provider else list(filters.PROVIDER_ORDER)
        found = await listing.locations_by_provider(info.context, selected, info.path.as_list())
        return [Location.from_record(loc) for p in filters.PROVIDER_ORDER for loc in found.get(p, [])]


def _reference_keys(origin: type) -> tuple[list[str], list[str]]:
    """(required, optional) key arguments of an entity's `resolve_reference`, `info` excluded."""
    parameters = [p for p in inspect.signature(origin.resolve_reference).parameters.values()  # type: ignore[attr-defined]
                  if p.name != "info"]
    return ([p.name for p in parameters if p.default is inspect.Parameter.empty],
            [p.name for p in parameters if p.default is not inspect.Parameter.empty])


class Schema(strawberry.federation.Schema):
    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """Strawberry's `_entities`, but a malformed representation (not an object, unknown `__typename`,
        missing or non-scalar key) fails only its own entity, with BAD_USER_INPUT: Strawberry failed the
        whole batch for an unknown `__typename` and masked a missing key as an internal error.

        A batch holds at most `CIG_MAX_PAGE_SIZE` representations, the most one page can reference."""
        limit = info.context.limits.max_page_size
        if len(representations) > limit:
            raise errors.bad_input(
                f"`representations` takes at most {limit} entries, got {len(representations)}",
                argument="representations",
            )
        checked = [self._checked_representation(r) for r in representations]
        valid = [FederationAny(c) for c in checked if not isinstance(c, GraphQLError)]
        resolved = iter(super().entities_resolver(info, valid))
        return [FederationAny(c) if isinstance(c, GraphQLError) else next(resolved) for c in checked]

    def _checked_representation(self, representation: object) -> dict[str, Any] | GraphQLError:
        """The representation reduced to `__typename` and the key arguments, or the error to return for it."""
        if not isinstance(representation, dict):
            return errors.bad_input("a representation must be an object with `__typename` and key fields",
                                    argument="representations")
        type_name = representation.get("__typename")
        graphql_type = self.schema_converter.type_map.get(type_name) if isinstance(type_name, str) else None
        origin = getattr(getattr(graphql_type, "definition", None), "origin", None)
        if origin is None or not hasattr(origin, "resolve_reference"):
            return errors.bad_input(f"__typename {type_name!r} is not an entity this subgraph resolves",
                                    argument="representations")
        required, optional = _reference_keys(origin)
        checked: dict[str, Any] = {"__typename": type_name}
        for key in required + optional:
            value = representation.get(key)
            if key not in representation and key in optional:
                continue
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                return errors.bad_input(f"{type_name} representations need the key field `{key}` (an ID)",
                                        argument="representations")
            checked[key] = str(value)
        return checked

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if is_expected(error):
                log.info("graphql error: %s code=%s", error.message, (error.extensions or {}).get("code"))
            else:
                log.error("unexpected error at %s", error.path, exc_info=error.original_error)


def build_schema(
    *, max_depth: int = 12, max_aliases: int = 30, execution: ExecutionMode = ExecutionMode.ON,
    observer: ExecutionObserver | None = None,
) -> Schema:
    # The limits are validation rules. Built once, the same rule classes reach every request, so the
    # validation cache (keyed by document and rules) hits; per-request limiter instances would each
    # carry new rule classes and defeat it.
    limit_rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    return Schema(
        query=Query,
        types=[Image, Volume, ImageConnection, VolumeConnection, PageInfo],
        extensions=[
            lambda: AddValidationRules(limit_rules),
            # Frontends send the same few documents over and over: validate each once.
            lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
            OperationNameRequired,
            ErrorPolicy,
        ],
        execution_context_class=None if execution is ExecutionMode.OFF else executor_class(Engine(execution, observer)),
    )


schema = build_schema()
