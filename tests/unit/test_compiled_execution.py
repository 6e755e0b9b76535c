"""Compiled execution answers exactly what graphql-core answers: differential tests.

Hypothesis writes documents over the service's own types (fields, aliases, repeated fields,
named and inline fragments, `@skip`/`@include` with literals and variables, `__typename`, nested
disks and tags, the `Node` interface) and picks pages of objects built from the demo catalogs'
records, some of them made odd but legal for Python (nulls in non-null fields, values outside an
enum, numbers outside Int, unserializable dates, null list items). Each document runs on the
compiled executor and on plain graphql-core; the JSON bytes of data and errors must be identical.

The types below the root are the service's, found by GraphQL name in the real schema; only the
root is a test root that returns the chosen objects, so thousands of cases run in seconds.
"""

import asyncio
import dataclasses
import functools
import math
from collections import Counter
from typing import Any

import orjson
import pytest
import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLInterfaceType,
    GraphQLObjectType,
    execute,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)
from graphql.execution import MiddlewareManager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry import relay
from strawberry.execution.is_awaitable import optimized_is_awaitable

from graphql_api import settings as settings_module
from graphql_api.context import build_context
from graphql_api.execution import Engine, ExecutionMode, compiler, executor_class
from graphql_api.execution.compiler import Bail, Compiler, Unsupported
from graphql_api.execution.documents import DocumentCache, ParsedDocuments
from graphql_api.schema import build_schema
from graphql_api.services import running
from providers.query import ImageQuery, VolumeQuery
from resolvers import listing
from resolvers.kinds import IMAGES, VOLUMES

REAL = build_schema()


def _origin(name: str) -> Any:
    return REAL.schema_converter.type_map[name].definition.origin


Image = _origin("Image")
Volume = _origin("Volume")
ImageConnection = _origin("ImageConnection")
VolumeConnection = _origin("VolumeConnection")
ImageEdge = _origin("ImageEdge")
VolumeEdge = _origin("VolumeEdge")
PageInfo = _origin("PageInfo")
Tag = _origin("Tag")
Disk = _origin("Disk")


@strawberry.type(description="Test root: returns the objects a case chose.")
class DiffQuery:
    @strawberry.field(description="The chosen image page.")
    def images(self, info: strawberry.Info) -> ImageConnection:  # type: ignore[valid-type]
        return info.context["images"]

    @strawberry.field(description="The chosen volume page.")
    def volumes(self, info: strawberry.Info) -> VolumeConnection:  # type: ignore[valid-type]
        return info.context["volumes"]

    @strawberry.field(description="The chosen node.")
    def node(self, info: strawberry.Info) -> relay.Node | None:
        return info.context["node"]


class Outcomes:
    def __init__(self) -> None:
        self.executions: Counter[str] = Counter()
        self.compiles: Counter[str] = Counter()

    def observe_execution(self, outcome: str) -> None:
        self.executions[outcome] += 1

    def observe_compile(self, result: str, seconds: float) -> None:
        self.compiles[result] += 1


class _Schema(strawberry.federation.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Both answers carry their errors; logging thousands of tracebacks would only cost time."""


def _schema(engine: Engine | None) -> strawberry.Schema:
    """The test root over the service's types, as a federation schema like the service's."""
    return _Schema(
        query=DiffQuery, types=[Image, Volume], execution_context_class=executor_class(engine) if engine else None
    )


OUTCOMES = Outcomes()
COMPILED = _schema(Engine(ExecutionMode.ON, OUTCOMES))
SHADOW_OUTCOMES = Outcomes()
SHADOW = _schema(Engine(ExecutionMode.SHADOW, SHADOW_OUTCOMES))
PLAIN = _schema(None)
TYPES = PLAIN._schema.type_map


@functools.cache
def demo_records() -> tuple[list[Any], list[Any]]:
    """Every image and volume record of the demo catalogs, read once through the real service."""

    async def read() -> tuple[list[Any], list[Any]]:
        async with running(settings_module.load({"CIG_DEMO": "true"})) as services:
            scope = build_context(services.catalogs, services.settings.limits)
            image_page = await listing.list_connection(scope, IMAGES, ImageQuery(), first=1000, after=None,
                                                       last=None, before=None, path=["images"])
            volume_page = await listing.list_connection(scope, VOLUMES, VolumeQuery(), first=1000, after=None,
                                                        last=None, before=None, path=["volumes"])
        return [e.record for e in image_page.edges], [e.record for e in volume_page.edges]

    return asyncio.run(read())


ODD_IMAGE_CHANGES: list[dict[str, Any]] = [
    {"name": None},  # non-null String: the image becomes null, and so does every non-null parent
    {"os_type": "SOMETHING_NEW"},  # not an OsType member
    {"status": None},
    {"description": 12},  # Int where String is expected: graphql-core serializes "12"
    {"description": True},
    {"size_gib": math.nan},
    {"size_gib": 3},  # int for Float
    {"progress": 2**40},  # outside Int
    {"progress": 1.5},
    {"created_at": "2024-01-01"},  # a str has no isoformat
    {"offline": "yes"},
    {"nic_network_types": None},
    {"nic_network_types": ["virtio", None]},
    {"nic_network_types": ("virtio",)},  # a tuple is a list to GraphQL, not to the fast path
    {"tags": [None]},
    {"tags": "not a list"},
    {"data_disks": [None]},
    {"system_disk": "disk"},
]
ODD_VOLUME_CHANGES: list[dict[str, Any]] = [
    {"disk_id": None}, {"size_gib": -(2**31) - 1}, {"encrypted": 0}, {"tags": None}, {"created_at": 5},
]


def _image(record: Any, change: dict[str, Any] | None) -> Any:
    image = Image.from_record(record)
    return dataclasses.replace(image, **change) if change else image


def _volume(record: Any, change: dict[str, Any] | None) -> Any:
    volume = Volume.from_record(record)
    return dataclasses.replace(volume, **change) if change else volume


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    image_records, volume_records = demo_records()
    count = draw(st.integers(0, 4))
    chosen_images = [
        _image(draw(st.sampled_from(image_records)), draw(st.none() | st.sampled_from(ODD_IMAGE_CHANGES)))
        for _ in range(count)
    ]
    chosen_volumes = [
        _volume(draw(st.sampled_from(volume_records)), draw(st.none() | st.sampled_from(ODD_VOLUME_CHANGES)))
        for _ in range(draw(st.integers(0, 3)))
    ]
    page_info = PageInfo(has_next_page=draw(st.booleans()), has_previous_page=False, start_cursor=None,
                         end_cursor=draw(st.none() | st.just("Y3Vyc29y")))
    edges = [ImageEdge(cursor=f"c{i}", node=image) for i, image in enumerate(chosen_images)]
    if edges and draw(st.booleans()):
        edges.insert(draw(st.integers(0, len(edges))), None)  # a null edge in a non-null list
    node_pool = [*chosen_images, *chosen_volumes, None, "not a node"]
    complete = draw(st.booleans())
    connection = ImageConnection(edges=edges, page_info=page_info,
                                 total_count=draw(st.integers(0, 5000)) if complete else None,
                                 complete=complete, failed_sources=[] if complete else ["jdcloud/cn-north-1/public"],
                                 oldest_data_age_seconds=draw(st.none() | st.floats(0, 1e6)))
    return {
        # now and then a null for the non-null root: graphql-core's error for the root position itself
        "images": draw(st.sampled_from([connection, connection, connection, None])),
        "volumes": VolumeConnection(edges=[VolumeEdge(cursor=f"v{i}", node=v) for i, v in enumerate(chosen_volumes)],
                                    page_info=page_info, total_count=len(chosen_volumes), complete=True,
                                    failed_sources=[], oldest_data_age_seconds=None),
        "node": draw(st.sampled_from(node_pool)),
    }


class Document:
    def __init__(self) -> None:
        self.fragments: list[str] = []
        self.variables: set[str] = set()
        self.aliases = 0


DIRECTIVES = ["", "", "", " @skip(if: true)", " @include(if: false)", " @include(if: true)",
              " @include(if: $on)", " @skip(if: $off)", " @include(if: $off)"]


def _directive(draw: st.DrawFn, document: Document) -> str:
    directive = draw(st.sampled_from(DIRECTIVES))
    for name in ("on", "off"):
        if f"${name}" in directive:
            document.variables.add(name)
    return directive


def _selection(draw: st.DrawFn, document: Document, type_: Any, depth: int, prefix: str = "") -> str:
    """A selection on `type_`; under an interface, fields of one object type get that type's alias prefix
    (Image.status and Volume.status have different types: the same response name would not validate)."""
    parts: list[str] = []
    fields = list(type_.fields.items())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["field"] * 6 + ["typename", "inline", "fragment"]))
        if kind == "typename":
            parts.append("__typename" + _directive(draw, document))
            continue
        if kind in ("inline", "fragment"):
            if isinstance(type_, GraphQLInterfaceType):
                condition = draw(st.sampled_from([type_, *PLAIN._schema.get_possible_types(type_)]))
            else:
                condition = type_
            narrowed = prefix or (condition.name.lower() if condition is not type_ else "")
            inner = _selection(draw, document, condition, depth - 1, narrowed)
            if kind == "inline":
                on = f" on {condition.name}" if draw(st.booleans()) or condition is not type_ else ""
                parts.append(f"...{on}{_directive(draw, document)} {{ {inner} }}")
            else:
                name = f"F{len(document.fragments)}"
                document.fragments.append(f"fragment {name} on {condition.name} {{ {inner} }}")
                parts.append(f"...{name}{_directive(draw, document)}")
            continue
        name, field = draw(st.sampled_from(fields))
        named = get_named_type(field.type)
        if field.args:
            continue
        alias = f"{prefix}_{name}: " if prefix else ""
        if draw(st.integers(0, 3)) == 0:
            document.aliases += 1
            alias = f"x{document.aliases}: "
        if is_leaf_type(named):
            parts.append(f"{alias}{name}{_directive(draw, document)}")
        elif depth > 0 and isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            inner = _selection(draw, document, named, depth - 1)
            parts.append(f"{alias}{name}{_directive(draw, document)} {{ {inner} }}")
    return " ".join(parts) or "__typename"


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, bool]]:
    document = Document()
    root = draw(st.sampled_from(["images", "volumes", "node"]))
    root_type = get_named_type(TYPES["Query"].fields[root].type)  # type: ignore[attr-defined]
    body = f"{root} {{ {_selection(draw, document, root_type, 3)} }}"
    if draw(st.integers(0, 3)) == 0:
        body += f" again: {root} {{ {_selection(draw, document, root_type, 2)} }}"
    declared = ", ".join(f"${name}: Boolean!" for name in sorted(document.variables))
    header = f"query Case({declared})" if declared else "query Case"
    text = " ".join([f"{header} {{ {body} }}", *document.fragments])
    variables = {name: draw(st.booleans()) for name in document.variables}
    return text, variables


def _answer(schema: strawberry.Schema, document: str | DocumentNode, variables: dict[str, bool],
            context: dict[str, Any]) -> bytes:
    """The executor under test, called as Strawberry calls it (its executor class, no middleware)."""
    parsed = parse(document) if isinstance(document, str) else document
    result = execute(schema._schema, parsed, context_value=context, variable_values=variables,
                     middleware=MiddlewareManager(), is_awaitable=optimized_is_awaitable,
                     executor_class=schema.execution_context_class)
    assert isinstance(result, ExecutionResult)
    errors = [e.formatted for e in result.errors or []]
    assert all(e.path is not None for e in result.errors or []), errors  # executed: no request error
    return orjson.dumps({"data": result.data, "errors": errors}, option=orjson.OPT_NON_STR_KEYS)


CONTEXTS_PER_DOCUMENT = 3  # each document compiles once and is compared over this many sets of objects


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=documents(), contexts=st.lists(objects(), min_size=CONTEXTS_PER_DOCUMENT, max_size=CONTEXTS_PER_DOCUMENT))
def test_compiled_answers_are_graphql_cores_bytes(
    case: tuple[str, dict[str, bool]], contexts: list[dict[str, Any]]
) -> None:
    """3,000 cases per run: 1,000 documents, each over three sets of objects."""
    document, variables = case
    parsed = parse(document)
    assert not validate(PLAIN._schema, parsed), document
    for context in contexts:
        expected = _answer(PLAIN, parsed, variables, context)
        assert _answer(COMPILED, parsed, variables, context) == expected, document
        assert _answer(COMPILED, parsed, variables, context) == expected, document  # nodes' kept answers
    assert OUTCOMES.compiles["failed"] == 0


def test_the_cases_exercise_the_compiled_path() -> None:
    """The differential test must compare compiled answers, not graphql-core with itself."""
    image_records, _ = demo_records()
    context = {"images": ImageConnection(
        edges=[ImageEdge(cursor="c", node=Image.from_record(r)) for r in image_records[:3]],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=3, complete=True, failed_sources=[], oldest_data_age_seconds=None), "volumes": None, "node": None}
    before = OUTCOMES.executions["compiled"]
    document = "{ images { edges { node { id name tags { key } } } nodes { osType } } }"
    assert _answer(COMPILED, document, {}, context) == _answer(PLAIN, document, {}, context)
    assert OUTCOMES.executions["compiled"] == before + 1


@pytest.mark.parametrize("odd", [None, *ODD_IMAGE_CHANGES])
def test_an_object_is_answered_in_one_expression_unless_a_value_needs_graphql_cores_care(
    monkeypatch: pytest.MonkeyPatch, odd: dict[str, Any] | None
) -> None:
    """Plain records take the one-expression path (no fallback); an odd value falls back to the
    field-by-field code, whose answer (errors and nulls included) is still graphql-core's. The
    field-by-field code makes a response path per field, the one-expression path none: counting the
    paths made tells which ran."""
    paths: list[None] = []

    original = compiler.Path

    def counted_path(*args: Any) -> Any:
        paths.append(None)
        return original(*args)

    monkeypatch.setattr(compiler, "Path", counted_path)  # what the generated code is compiled with
    schema = _schema(Engine(ExecutionMode.ON, Outcomes()))
    image_records, _ = demo_records()
    images = [Image.from_record(r) for r in image_records[:3]]
    if odd is not None:
        images[1] = dataclasses.replace(images[1], **odd)
    context = {"images": ImageConnection(
        edges=[ImageEdge(cursor=f"c{i}", node=image) for i, image in enumerate(images)],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=3, complete=True, failed_sources=[], oldest_data_age_seconds=None), "volumes": None, "node": None}
    document = ("{ images { totalCount edges { cursor node { id name description osType status sizeGiB progress "
                "createdAt offline nicNetworkTypes tags { key value } dataDisks { sizeGiB } systemDisk { sizeGiB } "
                "} } } }")  # every field the odd changes touch
    paths.clear()
    assert _answer(schema, document, {}, context) == _answer(PLAIN, document, {}, context)
    assert bool(paths) is (odd is not None)


def test_a_node_keeps_its_answer_per_selection_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[str] = []
    original = compiler.keep

    def counted(src: Any, selection: object, answer: dict[str, Any], bound: int) -> dict[str, Any]:
        kept.append(type(src).__name__)
        return original(src, selection, answer, bound)

    monkeypatch.setattr(compiler, "keep", counted)
    schema = _schema(Engine(ExecutionMode.ON, Outcomes()))
    image_records, _ = demo_records()
    images = [Image.from_record(r) for r in image_records[:3]]
    context = {"images": ImageConnection(
        edges=[ImageEdge(cursor=f"c{i}", node=image) for i, image in enumerate(images)],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=3, complete=True, failed_sources=[], oldest_data_age_seconds=None), "volumes": None, "node": None}
    documents = [f"{{ images {{ edges {{ cursor node {{ id name{' osType' * (n % 2)} x{n}: imageId }} }} }} }}"
                 for n in range(Image.kept_answers + 2)]
    for document in documents[:2]:
        first = _answer(schema, document, {}, context)
        assert _answer(schema, document, {}, context) == first == _answer(PLAIN, document, {}, context)
    assert kept == ["Image"] * 3 * 2  # once per node and selection; the edges and the page keep nothing
    for document in documents:
        _answer(schema, document, {}, context)
    assert all(len(image.__dict__[compiler.ANSWERS]) == Image.kept_answers for image in images)
    again = len(kept)
    assert _answer(schema, documents[0], {}, context) == _answer(PLAIN, documents[0], {}, context)
    assert len(kept) == again + 3  # the oldest answers were dropped: made again


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=documents(), context=objects())
def test_shadow_mode_serves_graphql_core_and_finds_no_difference(
    case: tuple[str, dict[str, bool]], context: dict[str, Any]
) -> None:
    document, variables = case
    assert _answer(SHADOW, document, variables, context) == _answer(PLAIN, document, variables, context)
    assert SHADOW_OUTCOMES.executions["shadow_mismatch"] == 0


def test_shadow_mode_counts_a_difference() -> None:
    """A compiled completer that answers wrongly is caught by shadow mode, and graphql-core's answer served."""
    outcomes = Outcomes()
    engine = Engine(ExecutionMode.SHADOW, outcomes)
    schema = _schema(engine)
    image_records, _ = demo_records()
    node = Image.from_record(image_records[0])
    document = "{ node { id } }"
    context = {"node": node, "images": None, "volumes": None}
    assert _answer(schema, document, {}, context) == _answer(PLAIN, document, {}, context)
    roots = next(iter(engine.plans._documents.values())).variants[()]
    roots["node"] = lambda ex, value, path, info: {"id": "wrong"}
    assert _answer(schema, document, {}, context) == _answer(PLAIN, document, {}, context)
    assert outcomes.executions == Counter({"shadow_match": 1, "shadow_mismatch": 1})


def test_an_awaitable_below_the_root_hands_the_field_to_graphql_core() -> None:
    """A sync resolver returning an awaitable: the compiled attempt bails, graphql-core awaits it."""

    @strawberry.type(description="Holds a value only reachable by awaiting.")
    class Later:
        @strawberry.field(description="A coroutine from a sync resolver.")
        def value(self) -> str:
            async def later() -> str:
                return "awaited"

            return later()  # type: ignore[return-value]

    @strawberry.type(description="Root.")
    class Root:
        @strawberry.field(description="One Later.")
        def later(self) -> Later:
            return Later()

    outcomes = Outcomes()
    schema = strawberry.Schema(query=Root, execution_context_class=executor_class(Engine(ExecutionMode.ON, outcomes)))
    result = asyncio.run(schema.execute("{ later { value } }"))
    assert result.data == {"later": {"value": "awaited"}} and not result.errors
    assert outcomes.executions == Counter({"bailed": 1})


def test_what_the_compiler_leaves_to_graphql_core_is_answered_by_it() -> None:
    @strawberry.type(description="A field with an argument below the root.")
    class Greeter:
        @strawberry.field(description="Greets.")
        def greet(self, name: str) -> str:
            return f"hello {name}"

    @strawberry.type(description="Root.")
    class Root:
        @strawberry.field(description="One greeter.")
        def greeter(self) -> Greeter:
            return Greeter()

    outcomes = Outcomes()
    schema = strawberry.Schema(query=Root, execution_context_class=executor_class(Engine(ExecutionMode.ON, outcomes)))
    result = schema.execute_sync('{ greeter { greet(name: "you") } }')
    assert result.data == {"greeter": {"greet": "hello you"}}
    assert outcomes.compiles == Counter({"unsupported": 1}) and outcomes.executions == Counter({"graphql_core": 1})


def test_the_plan_cache_is_bounded() -> None:
    engine = Engine(ExecutionMode.ON)
    engine.plans.size = 5
    schema = _schema(engine)
    for n in range(40):
        schema.execute_sync(f"{{ node {{ id a{n}: __typename }} }}", context_value={"node": None})
    assert len(engine.plans) == 5


def test_bail_is_not_an_exception_the_generated_code_could_catch() -> None:
    assert not issubclass(Bail, Exception) and issubclass(Unsupported, Exception)
    assert Compiler.__doc__


@pytest.mark.parametrize("value", ["shadow", "true", "false", None])
def test_setting(value: str | None) -> None:
    env = {} if value is None else {"CIG_COMPILED_EXECUTION": value}
    assert settings_module.load(env).compiled_execution == {"shadow": "shadow", "false": "off"}.get(value or "", "on")


def test_a_hot_document_is_parsed_once_and_a_broken_one_is_never_kept() -> None:
    documents = ParsedDocuments(2)
    schema = _Schema(query=DiffQuery, types=[Image, Volume], extensions=[lambda: DocumentCache(documents)])
    context = {"node": None, "images": None, "volumes": None}
    first = schema.execute_sync("{ node { id } }", context_value=context)
    kept = documents.get("{ node { id } }")
    again = schema.execute_sync("{ node { id } }", context_value=context)
    assert first.data == again.data == {"node": None} and documents.get("{ node { id } }") is kept
    broken = schema.execute_sync("{ node { id ", context_value=context)
    assert broken.errors and broken.errors[0].message.startswith("Syntax Error") and len(documents) == 1
    for n in range(3):
        schema.execute_sync(f"{{ a{n}: node {{ id }} }}", context_value=context)
    assert len(documents) == 2 and documents.get("{ node { id } }") is None
