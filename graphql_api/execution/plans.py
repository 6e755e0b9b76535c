"""The bounded cache of compiled root fields, per document, operation and `@skip`/`@include` switches.

A document's text and its operation's position identify it across requests (each request parses
its own AST). Field collection applies `@skip`/`@include` with the request's variables, so a
compiled selection holds only for the same values of the variables those directives read: they
are part of the key, with at most `MAX_VARIANTS` combinations kept per document.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from .compiler import EXECUTION_DIRECTIVES, RootCompleter

PLAN_CACHE_SIZE = 256  # documents whose compiled root fields are kept (least recently used dropped)
MAX_VARIANTS = 8  # `@skip`/`@include` variable combinations compiled per document
MAX_DOCUMENT_CHARS = 64 * 1024  # longer documents run on graphql-core: plans stay small

# A compiled root field, or None when the compiler left it to graphql-core.
Roots = dict[str, RootCompleter | None]


@dataclass
class DocumentPlans:
    switches: tuple[str, ...]  # the variables `@skip(if:)` / `@include(if:)` read
    variants: dict[tuple[Any, ...], Roots] = field(default_factory=dict)


def _selection_sets(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]
) -> Iterator[SelectionSetNode]:
    pending = [operation.selection_set, *(f.selection_set for f in fragments)]
    while pending:
        selection_set = pending.pop()
        yield selection_set
        for selection in selection_set.selections:
            inner = getattr(selection, "selection_set", None)  # fragment spreads have none
            if inner is not None:
                pending.append(inner)


def switches(operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]) -> tuple[str, ...]:
    """Names of the variables that `@skip`/`@include` read anywhere in the operation or its fragments."""
    names: set[str] = set()
    for selection_set in _selection_sets(operation, fragments):
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in EXECUTION_DIRECTIVES:
                    names.update(a.value.name.value for a in directive.arguments or ()
                                 if isinstance(a.value, VariableNode))
    return tuple(sorted(names))


class PlanCache:
    """Least recently used documents first out; never more than `size` documents."""

    def __init__(self, size: int = PLAN_CACHE_SIZE) -> None:
        self.size = size
        self._documents: OrderedDict[tuple[str, int], DocumentPlans] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def roots(self, body: str, operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode],
              values: Mapping[str, Any]) -> Roots | None:
        """The compiled root fields of this operation for these variables; None when not to compile."""
        if len(body) > MAX_DOCUMENT_CHARS or operation.loc is None:
            return None
        key = (body, operation.loc.start)
        plans = self._documents.get(key)
        if plans is None:
            plans = DocumentPlans(switches(operation, fragments))
            self._documents[key] = plans
            if len(self._documents) > self.size:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        variant = tuple(values.get(name) for name in plans.switches)
        roots = plans.variants.get(variant)
        if roots is None:
            if len(plans.variants) >= MAX_VARIANTS:
                return None
            roots = plans.variants[variant] = {}
        return roots
