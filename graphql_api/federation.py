"""The federation subgraph schema: Strawberry's, with `_entities` failing a malformed representation
alone (BAD_USER_INPUT) and errors logged by whether they were expected."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema import FederationAny
from strawberry.types import ExecutionContext

from resolvers import errors

from .context import Context
from .errors import is_expected

log = logging.getLogger("graphql_api.schema")

Info = strawberry.Info[Context, None]


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
