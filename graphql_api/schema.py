"""The GraphQL schema: an Apollo Federation v2 subgraph with Relay nodes and connections.

Each listing kind appears through `_connection_field` (the connection) and `NODE_TYPES` (its node
type, for `node`, `nodes` and its own by-id field); the query and filter conversion are per kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema, print_schema, specified_directives
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.federation.schema_directives import Cost
from strawberry.schema.config import StrawberryConfig

from providers.query import VolumeQuery
from providers.registry import PROVIDERS
from resolvers import filters, listing, nodes
from resolvers.kinds import VOLUMES, ListingKind

from .budget import UpstreamBudget
from .errors import ErrorPolicy, OperationNameRequired
from .execution import Engine, ExecutionMode, ExecutionObserver, executor_class
from .execution.documents import DocumentCache, ParsedDocuments
from .federation import Info, Schema
from .image_listing import images_field, providers_of
from .limits import ParseLimits, document_rule
from .operations import OperationScope
from .request_context import OperationInfo
from .settings import DEFAULTS
from .types.connection import PageInfo, connection_directives
from .types.enums import CloudProvider, to_provider
from .types.image import Image, ImageConnection
from .types.inputs import VolumeFilter
from .types.location import Location
from .types.node import KindNode
from .types.volume import Volume, VolumeConnection

DOCUMENT_CACHE_SIZE = 256  # distinct query documents whose validation result is kept

NODE_TYPES: dict[str, type[KindNode]] = {t.kind.typename: t for t in (Image, Volume)}


def volume_query(filter: VolumeFilter | None) -> VolumeQuery:
    if filter is None:
        return VolumeQuery()
    return filters.volume_query(
        providers=providers_of(filter.providers), locations=filter.locations, volume_ids=filter.volume_ids,
        name=filter.name, instance_id=filter.instance_id, status=filter.status, tags=filter.tags,
        created_after=filter.created_after, created_before=filter.created_before,
    )


def _as_node(found: nodes.Found | None, *, memo: bool) -> KindNode | None:
    return None if found is None else NODE_TYPES[found[0].typename].of(found[1], memo=memo)


async def _node(pending: Awaitable[nodes.Found | None], *, memo: bool) -> KindNode | None:
    return _as_node(await pending, memo=memo)


def _connection_field(
    kind: ListingKind[Any, Any], connection: type, filter_type: type, to_query: Callable[[Any], Any], *,
    description: str,
) -> Any:
    """The connection field of a listing kind: filter + Relay arguments -> one page of the connection."""

    async def resolve(
        info: Info, filter: Any = None, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
    ) -> Any:
        page = await listing.list_connection(
            info.context, kind, to_query(filter), first=first, after=after, last=last, before=before,
            path=info.path.as_list(),
        )
        return connection.from_page(page, memo=info.context.limits.answer_memo)  # type: ignore[attr-defined]

    plural = f"{kind.noun}s"
    resolve.__annotations__ = {
        "info": Info,
        "filter": Annotated[filter_type | None, strawberry.argument(description=f"Which {plural}; all if null.")],
        "first": Annotated[int | None, strawberry.argument(description="Page forward: N items after `after`.")],
        "after": Annotated[str | None, strawberry.argument(description="Cursor to continue after.")],
        "last": Annotated[int | None, strawberry.argument(description="Page backward: N items before `before`.")],
        "before": Annotated[str | None, strawberry.argument(description="Cursor to continue before.")],
        "return": connection,
    }
    return strawberry.field(resolve, description=description,
                            directives=connection_directives(DEFAULTS.default_page_size))


def _by_id_field(node: type[KindNode], *, description: str) -> Any:
    """A kind's own lookup field: one node by its global id (an id of another kind is BAD_USER_INPUT)."""

    async def resolve(info: Info, id: strawberry.ID) -> Any:
        return await node.resolve_reference(info, id)

    resolve.__annotations__ = {
        "info": Info,
        "id": Annotated[strawberry.ID, strawberry.argument(description=f"The {node.kind.noun}'s global id.")],
        "return": node | None,
    }
    return strawberry.field(resolve, description=description, directives=[Cost(weight=2)])


@strawberry.type(description="VM images, disk volumes and locations of Zenlayer ZEC and JD Cloud, read from the "
                  "providers' APIs on demand: connections (`images`, `volumes`), lookups by global id (`image`, "
                  "`volume`, `node`, `nodes`) and `locations`.")
class Query:
    images: ImageConnection = images_field(
        scoped=False,
        description="Images across every configured provider and location, as a Relay connection. `first` "
        "(forward) or `last` (backward), each 0..1000; with neither, the first 50. Cursors are valid only "
        "with the filter, `orderBy` and `distinctOn` they were issued for.",
    )

    image: Image | None = _by_id_field(Image, description="One image by its global id; null when it no longer exists.")

    volumes: VolumeConnection = _connection_field(
        VOLUMES, VolumeConnection, VolumeFilter, volume_query,
        description="Disk volumes across every configured provider and location, as a Relay connection. "
        "`first` (forward) or `last` (backward), each 0..1000; with neither, the first 50.",
    )

    volume: Volume | None = _by_id_field(
        Volume, description="One disk volume by its global id; null when it no longer exists."
    )

    @strawberry.field(description="Any object (image or volume) by its global id (Relay). Null when it does not "
                      "exist.", directives=[Cost(weight=2)])
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")]
    ) -> relay.Node | None:
        return await _node(nodes.resolve_node(info.context, str(id)), memo=info.context.limits.answer_memo)

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
        memo = info.context.limits.answer_memo
        return [_node(p, memo=memo) for p in nodes.resolve_nodes(info.context, [str(i) for i in ids])]  # type: ignore[misc]

    @strawberry.field(description="Zenlayer zones and JD Cloud regions that images and volumes can be listed in "
                      "(the ids `ImageFilter.locations` and `VolumeFilter.locations` take), in provider order, "
                      "then the provider's order.")
    async def locations(
        self, info: Info,
        provider: Annotated[CloudProvider | None, strawberry.argument(description="Only this cloud.")] = None,
    ) -> list[Location]:
        selected = [to_provider(provider)] if provider else list(PROVIDERS.names)
        found = await listing.locations_by_provider(info.context, selected, info.path.as_list())
        return [Location.from_record(loc) for p in PROVIDERS.names for loc in found.get(p, [])]


def build_schema(
    *, max_depth: int = DEFAULTS.max_query_depth, max_aliases: int = DEFAULTS.max_aliases,
    max_tokens: int = DEFAULTS.max_tokens, max_fragments: int = DEFAULTS.max_fragments,
    max_directives: int = DEFAULTS.max_directives, introspection: bool = DEFAULTS.introspection,
    field_suggestions: bool = DEFAULTS.field_suggestions, max_upstream_calls: int = DEFAULTS.max_upstream_calls,
    report_upstream_calls: bool = DEFAULTS.report_upstream_calls, plan_operations: bool = False,
    execution: ExecutionMode = ExecutionMode.ON, observer: ExecutionObserver | None = None,
) -> Schema:
    """`plan_operations` adds the upstream-call budget and dry run (`graphql_api.budget`): the served
    schema has them; they plan asynchronously, so the module's `schema` (SDL export, synchronous
    execution in tools) does not."""
    # The limits are validation rules. Built once, the same rule classes reach every request, so the
    # validation cache (keyed by document and rules) hits; per-request limiter instances would each
    # carry new rule classes and defeat it.
    limit_rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
        document_rule(max_fragments=max_fragments, max_directives=max_directives),
        *([] if introspection else [NoSchemaIntrospectionCustomRule]),
    ]
    budget = UpstreamBudget.configured(max_calls=max_upstream_calls, report_calls=report_upstream_calls)
    # Compiled execution also parses each hot document once (off with it: the straightforward path).
    documents = ParsedDocuments(DOCUMENT_CACHE_SIZE) if execution is not ExecutionMode.OFF else None
    return Schema(
        query=Query,
        types=[*NODE_TYPES.values(), ImageConnection, VolumeConnection, PageInfo],
        config=StrawberryConfig(disable_field_suggestions=not field_suggestions),
        extensions=[
            lambda: ParseLimits(max_token_count=max_tokens),
            *([lambda: DocumentCache(documents)] if documents is not None else []),
            lambda: AddValidationRules(limit_rules),
            # Frontends send the same few documents over and over: validate each once.
            lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
            OperationNameRequired,
            OperationScope,  # deadline and freshness of every provider call; stale sources in `extensions`
            *([budget] if plan_operations else []),  # inside the operation's scope: its freshness bound
            ErrorPolicy,
            OperationInfo,
        ],
        execution_context_class=None if execution is ExecutionMode.OFF else executor_class(Engine(execution, observer)),
    )


schema = build_schema()


FEDERATION_ONLY = ("_service", "_entities", "_Service", "_Entity", "_Any", "_FieldSet", "link__Import",
                   "link__Purpose")  # what a router uses and a client never sends


def client_sdl(source: Schema = schema) -> str:
    """The API as clients see it (`schema.client.graphql`): the subgraph schema without federation's
    fields, types and directives, printed by graphql-core, so graphql-js `buildSchema`, graphql-core
    `build_schema` and every tool built on them load it."""
    full = source._schema
    query = full.query_type
    assert query is not None
    client_query = GraphQLObjectType(
        query.name, {name: f for name, f in query.fields.items() if name not in FEDERATION_ONLY},
        interfaces=query.interfaces, description=query.description,
    )
    types = [t for name, t in full.type_map.items() if name not in (*FEDERATION_ONLY, query.name)
             and not name.startswith("__")]
    return print_schema(GraphQLSchema(client_query, types=types, directives=specified_directives)) + "\n"
