"""Compiled execution for hot documents (`CIG_COMPILED_EXECUTION`).

Strawberry runs every field through a resolver wrapper and graphql-core's generic completion, about
3 us per field; a 100-image page of 20 fields spends nearly all its time there. This package
compiles, once per document and schema, the selection below each root field into Python code that
reads plain attributes directly, serializes builtin scalars and enums inline and completes lists
in a loop, while keeping graphql-core's semantics exactly (see `compiler`); root fields and any
field with its own resolver still run their resolvers.

- `compiler`: selection -> generated completer; `Unsupported` at compile time, `Bail` at run time.
- `plans`: the bounded cache of compiled root fields (`PLAN_CACHE_SIZE` documents).
- `executor`: the graphql-core executor class Strawberry uses, the modes (on, off, shadow) and
  the outcomes reported to metrics.
"""

from __future__ import annotations

from .executor import CompiledExecutor, Engine, ExecutionMode, ExecutionObserver, executor_class

__all__ = ["CompiledExecutor", "Engine", "ExecutionMode", "ExecutionObserver", "executor_class"]
