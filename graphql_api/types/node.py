"""`KindNode`: the Relay node and federation entity behaviour every listing kind's type shares.

A kind's type (`Image`, `Volume`) subclasses it, names its `kind` (`resolvers.kinds`) and writes only
`from_record`; lookups by global id, by Relay node ids and by federation reference are the same code
for every kind, through the kind's per-request by-id loader.

Every node is made with `of`: with `CIG_ANSWER_MEMO` on, a record's node is built once and kept in the
record's memo (`providers.base.Memo`), so a record the provider cache holds is converted once, not on
every request. That is sound because a node holds nothing of one request: its fields are the record's,
and what depends on the operation (`freshness`, `Provenance`) is computed from the record when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import strawberry
from strawberry import relay

from resolvers import nodes
from resolvers.kinds import ListingKind

if TYPE_CHECKING:
    from graphql_api.context import Context

T = TypeVar("T", bound=type)

ID_DESCRIPTION = (
    "Global id (the Relay id and the federation key): base64 of `{type}:<provider>:<location>:<{id}>`. The same "
    "{noun} always has the same id; treat it as opaque and pass it to `node`, `nodes` or `{noun}(id:)`."
)


def described_id(id_field: str) -> Callable[[T], T]:
    """Describe a kind's `id` precisely (Strawberry's Node gives every type the same generic sentence); goes
    above the type's Strawberry decorator. `id_field` is the type's field with the provider's own id."""

    def wrap(cls: T) -> T:
        for graphql_field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if graphql_field.python_name == "_id":
                graphql_field.description = ID_DESCRIPTION.format(type=cls.__name__, id=id_field,
                                                                  noun=cls.__name__.lower())
        return cls

    return wrap


class KindNode(relay.Node):
    kind: ClassVar[ListingKind[Any, Any]]
    # A node never changes once made (`of` keeps it with its record): compiled execution keeps its
    # completed answer for this many selections (documents) per node (graphql_api.execution.compiler).
    kept_answers: ClassVar[int] = 4

    @classmethod
    def from_record(cls, record: Any) -> Self:
        raise NotImplementedError

    @classmethod
    def of(cls, record: Any, *, memo: bool) -> Self:
        """The node of `record`: built once per record with `memo` (`Limits.answer_memo`), else every time."""
        if not memo:
            return cls.from_record(record)
        node: Self | None = record.memo.get(cls)
        if node is None:
            node = record.memo[cls] = cls.from_record(record)
        return node

    @classmethod
    def global_node_id(cls, record: Any) -> str:
        return nodes.node_id(record.provider, record.location, cls.kind.id_of(record))

    @classmethod
    def relay_id(cls, node_id: str) -> strawberry.ID:
        """The `id` field's value, encoded as relay.Node's own `id` resolver encodes it (`GlobalID` of the
        type name and `node_id`). A kind's type declares `id` as a plain field holding it, so it is encoded
        once per node (per cached record, with the memo) instead of resolved on every request."""
        return strawberry.ID(relay.to_base64(cls.kind.typename, node_id))

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info[Context, None], id: strawberry.ID) -> Self | None:
        record = await nodes.resolve(info.context, str(id), cls.kind)
        return cls.of(record, memo=info.context.limits.answer_memo) if record is not None else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: strawberry.Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        records = await nodes.load_by_node_ids(info.context, cls.kind, list(node_ids))
        memo = info.context.limits.answer_memo
        return [cls.of(r, memo=memo) if r is not None else None for r in records]
