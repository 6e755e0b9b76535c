"""The upstream-call budget of every operation, its dry run, and the calls it made.

Before execution, `UpstreamBudget` plans the operation (`resolvers.plan`): the root fields it selects
(fragments, `@skip` and `@include` applied, variables coerced) with their arguments, as the resolvers
will see them. Above `CIG_MAX_UPSTREAM_CALLS` provider calls it is refused before any call with
QUERY_TOO_EXPENSIVE, naming the count. A dry run (`X-Dry-Run: true`, or `"extensions": {"dryRun":
true}` in the request) answers the plan instead of executing, without calling any provider:

    "extensions": {"upstreamPlan": {"calls": 22, "exact": true, "byProvider": {"JDCLOUD": {"images": 15,
                   "locations": 1}, ...}, "cacheHits": 0, "pages": 20, ...}}

With `CIG_REPORT_UPSTREAM_CALLS=true` every executed response carries the provider calls it made
(`extensions.upstreamCalls`: attempts by provider and action, retries included).

A plan of no calls at all (every answer it needs is fresh in the in-process cache) is kept for the
same document, variables, freshness bound and learned trust (`PlanMemo`, with CIG_ANSWER_MEMO) while
it must still be the same: until the first answer it read stops being fresh, or the cache stores or
drops anything. Planning a warm page cost a fifth of its request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLObjectType, OperationType
from graphql.execution.collect_fields import collect_fields
from graphql.execution.executor import Executor
from graphql.execution.values import get_argument_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.arguments import convert_arguments

from providers import operation
from providers.cache import CachedCatalog
from providers.registry import PROVIDERS
from resolvers import errors
from resolvers.kinds import IMAGES, KINDS, VOLUMES
from resolvers.loaders import RequestScope
from resolvers.plan import Plan, Planner

from . import request_context
from .context import Context
from .types.enums import to_provider

DRY_RUN_HEADER = "X-Dry-Run"
PLAN_MEMO_SIZE = 256  # zero-call plans kept (least recently used out)
DRY_RUN_EXTENSION = "dryRun"
PLAN_EXTENSION = "upstreamPlan"
CALLS_EXTENSION = "upstreamCalls"
TRUE_VALUES = ("1", "true", "yes", "on")
DEFINITION_BACKREF = "strawberry-definition"  # where Strawberry keeps a GraphQL field's own definition


def is_dry_run(context: object, operation_extensions: dict[str, Any] | None) -> bool:
    if isinstance(operation_extensions, dict) and operation_extensions.get(DRY_RUN_EXTENSION) is True:
        return True
    request = getattr(context, "request", None)
    header = request.headers.get(DRY_RUN_HEADER) if request is not None else None
    return header is not None and header.strip().lower() in TRUE_VALUES


async def plan_operation(strawberry_schema: Any, document: Any, variables: dict[str, Any] | None,
                         operation_name: str | None, scope: RequestScope, *, dry_run: bool) -> Plan | None:
    """The plan of a validated query document; None when it cannot run (execution reports why)."""
    schema = strawberry_schema._schema
    executor = Executor.build(schema, document, raw_variable_values=variables, operation_name=operation_name)
    if isinstance(executor, list) or executor.operation.operation is not OperationType.QUERY:
        return None
    root = schema.query_type
    assert isinstance(root, GraphQLObjectType)
    planner = Planner(scope, list_locations=not dry_run)
    fields = collect_fields(schema, executor.fragments, executor.variable_values, root, executor.operation)
    for details in fields.grouped_field_set.values():
        node = details[0].node
        definition = root.fields.get(node.name.value)
        if definition is None:
            continue
        try:
            args = get_argument_values(definition, node, executor.variable_values, details[0].fragment_variable_values)
        except GraphQLError:
            continue  # refused before any call
        field = definition.extensions.get(DEFINITION_BACKREF)
        if field is not None:
            # As the resolver receives them: input objects as their Strawberry classes.
            args = convert_arguments(
                args, field.arguments, scalar_registry=strawberry_schema.schema_converter.scalar_registry,
                config=strawberry_schema.config,
            )
        await _plan_field(planner, node.name.value, args)
    return await planner.finish()


async def _plan_field(planner: Planner, name: str, args: dict[str, Any]) -> None:
    # The schema module imports this one: read its converters when planning, not at import.
    from .image_listing import image_query
    from .schema import volume_query

    paging: dict[str, Any] = {k: args.get(k) for k in ("first", "after", "last", "before")}
    try:
        if name == "images":
            whole = bool(args.get("order_by") or args.get("distinct_on"))  # sorted in the service: read whole
            await planner.connection(IMAGES, image_query(args.get("filter")), **paging, whole=whole)
        elif name == "volumes":
            await planner.connection(VOLUMES, volume_query(args.get("filter")), **paging)
        elif name in ("image", "volume"):
            planner.ids([args.get("id")], KINDS.get(name.capitalize()))
        elif name == "node":
            planner.ids([args.get("id")])
        elif name == "nodes":
            ids = args.get("ids") or []
            if len(ids) <= planner.scope.limits.max_node_ids:
                planner.ids(ids)
        elif name == "locations":
            provider = args.get("provider")
            await planner.locations([to_provider(provider)] if provider else list(PROVIDERS.names))
        elif name == "_entities":
            for representation in args.get("representations") or []:
                if isinstance(representation, dict) and representation.get("__typename") in KINDS.typenames:
                    planner.ids([representation.get("id")], KINDS.get(representation["__typename"]))
    except errors.ServiceError:
        return  # a filter refused before any call


@dataclass(frozen=True, slots=True)
class _Kept:
    plan: Plan
    generations: tuple[int | None, ...]  # of every catalog, in order, when planned
    fresh_until: tuple[tuple[CachedCatalog, float], ...]


class PlanMemo:
    """Plans of no provider call, kept while nothing they read can have changed (see the module)."""

    def __init__(self, size: int = PLAN_MEMO_SIZE) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()

    def key(self, scope: RequestScope, query: str | None, operation_name: str | None,
            variables: dict[str, Any] | None) -> tuple[Any, ...] | None:
        """What the plan depends on besides the cache; None when the request cannot be keyed."""
        if not query or not all(isinstance(c, CachedCatalog) and c.generation is not None
                                for c in scope.catalogs.values()):
            return None  # a catalog without an in-process cache can change without telling
        try:
            encoded = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # values orjson cannot write (integers past 64 bits)
            return None
        current = operation.current()
        return (query, operation_name, encoded, current.max_age if current is not None else None,
                tuple(scope.trust.trust(p) for p in scope.catalogs))

    def get(self, key: tuple[Any, ...], scope: RequestScope) -> Plan | None:
        kept = self._plans.get(key)
        if kept is None:
            return None
        if kept.generations != _generations(scope) or not all(c.still_fresh(t) for c, t in kept.fresh_until):
            del self._plans[key]
            return None
        self._plans.move_to_end(key)
        return kept.plan

    def keep(self, key: tuple[Any, ...], plan: Plan, scope: RequestScope, generations: tuple[int | None, ...]) -> None:
        """Keep a plan of no call; `generations` as read before planning (a store while it ran: not kept)."""
        if plan.calls or not plan.exact or plan.scans or plan.unknown_locations or _generations(scope) != generations:
            return
        self._plans[key] = _Kept(plan, generations, tuple(plan.fresh_until))
        while len(self._plans) > self.size:
            self._plans.popitem(last=False)


def _generations(scope: RequestScope) -> tuple[int | None, ...]:
    return tuple(c.generation if isinstance(c, CachedCatalog) else None for c in scope.catalogs.values())


class UpstreamBudget(SchemaExtension):
    """Refuses operations over the budget, answers dry runs, and (optionally) reports the calls made."""

    max_calls: int = 0  # 0: no budget (plans still answer dry runs)
    report_calls: bool = False
    plans: PlanMemo = PlanMemo()

    @classmethod
    def configured(cls, *, max_calls: int, report_calls: bool) -> type[UpstreamBudget]:
        return type("ConfiguredUpstreamBudget", (cls,), {
            "max_calls": max_calls, "report_calls": report_calls, "plans": PlanMemo(),  # one per schema
        })

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        scope = context.context
        document = context.graphql_document
        if not isinstance(scope, RequestScope) or document is None:
            yield
            return
        dry_run = is_dry_run(scope, context.operation_extensions)
        request = getattr(scope, "request", None)
        if request is not None and (dry_run or self.report_calls):
            request.state.unrepeatable = True  # the response cache must not replay it
        if dry_run or self.max_calls:
            memo = self.plans if scope.limits.answer_memo and not dry_run else None
            key = memo.key(scope, context.query, context.operation_name, context.variables) if memo else None
            plan = memo.get(key, scope) if memo is not None and key is not None else None
            if plan is None:
                generations = _generations(scope)
                plan = await plan_operation(
                    self.execution_context.schema, document, context.variables, context.operation_name, scope,
                    dry_run=dry_run,
                )
                if memo is not None and key is not None and plan is not None:
                    memo.keep(key, plan, scope, generations)
            if plan is not None:
                self._plan = plan
                if self.max_calls and plan.upfront > self.max_calls and not dry_run:
                    raise errors.ServiceError(
                        f"this operation needs up to {plan.upfront} provider calls, more than the limit of "
                        f"{self.max_calls}; ask for fewer fields, aliases, locations or items per page (send "
                        f"`{DRY_RUN_HEADER}: true` to see the plan)",
                        errors.QUERY_TOO_EXPENSIVE, calls=plan.upfront, limit=self.max_calls,
                    )
                if self.max_calls:
                    scope.upstream_budget = self.max_calls - plan.upfront
            if dry_run:
                # No execution: the plan is the answer.
                context.result = ExecutionResult(data=None, errors=None)
        yield

    def get_results(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        plan: Plan | None = getattr(self, "_plan", None)
        if plan is not None and is_dry_run(self.execution_context.context, self.execution_context.operation_extensions):
            found[PLAN_EXTENSION] = plan.describe()
        info = request_context.current()
        if self.report_calls and info is not None and isinstance(self.execution_context.context, Context):
            found[CALLS_EXTENSION] = {"calls": info.upstream_calls, "byProvider": info.upstream_actions()}
        return found
