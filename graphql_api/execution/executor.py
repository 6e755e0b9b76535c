"""The executor Strawberry hands to graphql-core: root fields as graphql-core runs them, the values
below them completed by compiled code.

graphql-core resolves each root field (`images`, `node`, ...) with its resolver and then calls
`complete_value` for it; there the compiled completer of that root field takes over. Its field
errors are recorded aside and replayed into the operation's errors when it finishes, so a `Bail`
(an awaitable the compiled code does not await) can hand the field to graphql-core as if the
compiled attempt had never run. In shadow mode graphql-core completes the field and serves the
answer; the compiled completer runs beside it and any difference is logged and counted.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from graphql import GraphQLError, GraphQLOutputType, OperationType
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from .compiler import Bail, Compiler, FieldSite, Info, RootCompleter, Unsupported
from .plans import PlanCache, Roots

log = logging.getLogger("graphql_api.execution")


class ExecutionMode(enum.Enum):
    ON = "on"  # compiled completion, graphql-core where the compiler does not apply
    OFF = "off"  # graphql-core only
    SHADOW = "shadow"  # graphql-core answers; compiled completion runs beside it and is compared


class ExecutionObserver(Protocol):
    def observe_execution(self, outcome: str) -> None:
        """One root field completed: `compiled`, `graphql_core`, `bailed`, or `shadow_<match|mismatch|skipped>`."""

    def observe_compile(self, result: str, seconds: float) -> None:
        """One root field compiled: `compiled`, `unsupported` or `failed`, and how long it took."""


class _Recorder(CollectedErrors):
    """Field errors of a compiled attempt, replayed into the operation's errors when it finishes."""

    __slots__ = ("added",)

    def __init__(self) -> None:
        super().__init__()
        self.added: list[tuple[GraphQLError, Path | None]] = []

    def add(self, error: GraphQLError, path: Path | None) -> None:
        self.added.append((error, path))
        super().add(error, path)

    def replay(self, into: CollectedErrors) -> None:
        for error, path in self.added:
            into.add(error, path)


def _describe(outcome: Any, raised: BaseException | None, errors: Sequence[GraphQLError]) -> str:
    failure = "" if raised is None else f"{type(raised).__name__}: {raised}"
    return repr((outcome, failure, [e.formatted for e in errors]))


class Engine:
    """Per schema: the mode, the plan cache and where outcomes are reported."""

    def __init__(self, mode: ExecutionMode, observer: ExecutionObserver | None = None,
                 plans: PlanCache | None = None) -> None:
        self.mode = mode
        self.observer = observer
        self.plans = plans or PlanCache()

    def observe(self, outcome: str) -> None:
        if self.observer is not None:
            self.observer.observe_execution(outcome)

    def compile(
        self, ex: CompiledExecutor, info: Info, details: list[FieldDetails]
    ) -> RootCompleter | None:
        started = time.perf_counter()
        result = "compiled"
        completer: RootCompleter | None = None
        try:
            field_def = ex.schema.get_field(info.parent_type, details[0].node.name.value)
            if field_def is None:
                raise Unsupported("unknown root field")
            completer = Compiler(ex).compile_root(FieldSite(field_def, details, info.parent_type, field_def.resolve))
        except Unsupported as reason:
            result = "unsupported"
            log.debug("root field %s left to graphql-core: %s", info.field_name, reason)
        except Exception:  # the compiler never fails a request: graphql-core runs this field
            result = "failed"
            log.exception("compiling root field %s failed; it runs on graphql-core", info.field_name)
        if self.observer is not None:
            self.observer.observe_compile(result, time.perf_counter() - started)
        return completer


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    engine: ClassVar[Engine]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._roots: Roots | None = None
        self._eligible: bool | None = None
        # The root position being completed: graphql-core's completion of it (a fallback, a slow path,
        # the non-null wrapper's recursion) re-enters `complete_value` with the same path and must
        # reach graphql-core itself.
        self._completing: Path | None = None

    def _completer(self, info: Info, details: list[FieldDetails], key: str) -> RootCompleter | None:
        if self._eligible is None:
            self._eligible = self._check_eligible()
        roots = self._roots
        if roots is None:
            return None
        if key not in roots:
            roots[key] = self.engine.compile(self, info, details)
        return roots[key]

    def _check_eligible(self) -> bool:
        """Queries only, and only when no extension wraps resolvers (those must see every field)."""
        operation = self.operation
        manager = self.middleware_manager
        if operation.operation != OperationType.QUERY or (manager is not None and manager.middlewares):
            return False
        source = operation.loc.source if operation.loc is not None else None
        if source is None or any(f.variable_signatures for f in self.fragments.values()):
            return False
        self._roots = self.engine.plans.roots(
            source.body, operation, self.fragment_definitions.values(), self.variable_values.coerced
        )
        return self._roots is not None

    def complete_value(self, return_type: GraphQLOutputType, field_details_list: list[FieldDetails],
                       info: Info, path: Path, result: Any, position_context: Any) -> Any:
        if path.prev is not None or path is self._completing:
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        self._completing = path
        try:
            return self._complete_root(return_type, field_details_list, info, path, result, position_context)
        finally:
            self._completing = None

    def _complete_root(self, return_type: GraphQLOutputType, field_details_list: list[FieldDetails],
                       info: Info, path: Path, result: Any, position_context: Any) -> Any:
        completer = self._completer(info, field_details_list, str(path.key))
        if completer is None or (type(result) is list and any(map(self.is_awaitable, result))):
            self.engine.observe("graphql_core")
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        if self.engine.mode is ExecutionMode.SHADOW:
            return self._shadow(completer, return_type, field_details_list, info, path, result)
        errors = self.collected_errors
        recorder = self.collected_errors = _Recorder()
        try:
            completed = completer(self, result, path, info)
        except Bail:
            self.collected_errors = errors
            self.engine.observe("bailed")
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        except Exception:
            self.collected_errors = errors
            recorder.replay(errors)
            self.engine.observe("compiled")
            raise
        self.collected_errors = errors
        recorder.replay(errors)
        self.engine.observe("compiled")
        return completed

    def _shadow(self, completer: RootCompleter, return_type: GraphQLOutputType, details: list[FieldDetails],
                info: Info, path: Path, result: Any) -> Any:
        errors = self.collected_errors
        before = len(errors.errors)
        raised: Exception | None = None
        expected: Any = None
        try:
            expected = super().complete_value(return_type, details, info, path, result, None)
        except Exception as exc:
            raised = exc
        if raised is None and self.is_awaitable(expected):
            self.engine.observe("shadow_skipped")
            return expected
        reference = _describe(expected, raised, errors.errors[before:])
        recorder = self.collected_errors = _Recorder()
        compiled_raised: Exception | None = None
        completed: Any = None
        try:
            completed = completer(self, result, path, info)
        except Bail:
            completed = Bail
        except Exception as exc:
            compiled_raised = exc
        finally:
            self.collected_errors = errors
        if completed is Bail:
            self.engine.observe("shadow_skipped")
        elif _describe(completed, compiled_raised, recorder.errors) == reference:
            self.engine.observe("shadow_match")
        else:
            self.engine.observe("shadow_mismatch")
            body = self.operation.loc.source.body if self.operation.loc is not None else ""
            log.warning("compiled execution differs from graphql-core: root field %s of document sha256:%s",
                        info.field_name, hashlib.sha256(body.encode()).hexdigest()[:16])
        if raised is not None:
            raise raised
        return expected


def executor_class(engine: Engine) -> type[CompiledExecutor]:
    """The executor class for one schema, bound to its engine (graphql-core builds one per operation)."""
    return type("CompiledExecutor", (CompiledExecutor,), {"engine": engine})
