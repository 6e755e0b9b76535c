"""The answer memo (`CIG_ANSWER_MEMO`, `providers.base.Memo`): nodes and verifications built once per
cached provider answer, with answers identical to the ones built fresh.

The differential test runs one set of documents over the demo catalogs through the real schema and
provider cache, with the memo (twice: building it, then reading it) and without, and compares the
JSON bytes. Every field of every node type is selected except `oldestDataAgeSeconds`, which is the
clock's (the age of the answer at the moment it is built). The call-count tests pin the point of it:
`from_record` once per record and one verification per cached page, however many requests read them.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from graphql import GraphQLObjectType, GraphQLSchema, get_named_type, is_leaf_type
from strawberry import relay

from graphql_api import settings as settings_module
from graphql_api.context import build_context
from graphql_api.schema import build_schema
from graphql_api.services import Services, running
from graphql_api.types.image import Image
from graphql_api.types.volume import Volume
from providers.base import ImageStatus
from providers.cache import CachedCatalog
from providers.memory_cache import BoundedMemoryCache
from providers.query import ImageQuery
from providers.trust import TrustRegistry
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers import filters, listing
from resolvers.kinds import IMAGES
from resolvers.loaders import RequestScope

from .memory import LIMITS, MemoryCatalog, image, volume

SCHEMA = build_schema()
CLOCK_FIELDS = {"oldestDataAgeSeconds"}  # the answer's age when it is built: the clock's, not the data's


def selection(schema: GraphQLSchema, type_name: str, depth: int = 4) -> str:
    """Every field of an object type without required arguments, nested types `depth` levels down."""
    object_type = schema.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    parts = []
    for name, field in object_type.fields.items():
        if name in CLOCK_FIELDS or field.args:
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif depth > 0 and isinstance(named, GraphQLObjectType):
            parts.append(f"{name} {selection(schema, named.name, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


GRAPHQL = SCHEMA._schema
IMAGE = selection(GRAPHQL, "Image")
VOLUME = selection(GRAPHQL, "Volume")
IMAGES_PAGE = selection(GRAPHQL, "ImageConnection")
VOLUMES_PAGE = selection(GRAPHQL, "VolumeConnection")
LISTINGS = [
    f"{{ images(first: 1000) {IMAGES_PAGE} }}",
    f"{{ images(first: 60) {IMAGES_PAGE} again: images(first: 100) {IMAGES_PAGE} }}",
    f"{{ images(last: 7) {IMAGES_PAGE} }}",
    f'{{ images(first: 20, filter: {{providers: [JDCLOUD], name: "centos"}}) {IMAGES_PAGE} }}',
    f"{{ images(first: 50, filter: {{sources: [OFFICIAL, CUSTOM], os: {{family: UBUNTU}}}}) {IMAGES_PAGE} }}",
    f'{{ images(first: 30, filter: {{providers: [ZENLAYER], platform: "Ubuntu"}}) {IMAGES_PAGE} }}',
    f"{{ images(first: 40, orderBy: [{{field: NAME, direction: DESC}}]) {IMAGES_PAGE} }}",
    f"{{ images(first: 40, orderBy: [{{field: CREATED_AT}}], distinctOn: [LOCATION]) {IMAGES_PAGE} }}",
    f"{{ images(first: 40, distinctOn: [OS_FAMILY]) {IMAGES_PAGE} }}",
    f"{{ volumes(first: 1000) {VOLUMES_PAGE} }}",
    f"{{ volumes(last: 3) {VOLUMES_PAGE} }}",
    f"{{ locations {{ id images(first: 5) {IMAGES_PAGE} }} }}",
]


def lookups(image_ids: list[str], volume_ids: list[str]) -> list[str]:
    """Documents reading nodes by id: every lookup field, over ids the listings answered."""
    images, volumes = orjson.dumps(image_ids[:5]).decode(), orjson.dumps(volume_ids[:5]).decode()
    entities = ", ".join(f'{{__typename: "Image", id: "{i}"}}' for i in image_ids[:5])
    return [
        f'{{ image(id: "{image_ids[0]}") {IMAGE} volume(id: "{volume_ids[0]}") {VOLUME} }}',
        f'{{ node(id: "{image_ids[-1]}") {{ __typename ... on Image {IMAGE} }} }}',
        f"{{ nodes(ids: {images}) {{ ... on Image {IMAGE} }} }}",
        f"{{ nodes(ids: {volumes}) {{ ... on Volume {VOLUME} }} }}",
        f"{{ _entities(representations: [{entities}]) {{ ... on Image {IMAGE} }} }}",
    ]


async def answer(services: Services, document: str, *, memo: bool) -> bytes:
    limits = dataclasses.replace(services.settings.limits, answer_memo=memo)
    result = await SCHEMA.execute(document, context_value=build_context(services.catalogs, limits))
    return orjson.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]})


@asynccontextmanager
async def demo(**variables: str) -> AsyncIterator[Services]:
    async with running(settings_module.load({"CIG_DEMO": "true", **variables})) as services:
        yield services


async def test_answers_with_the_memo_are_the_answers_built_fresh() -> None:
    async with demo() as services:
        first = orjson.loads(await answer(services, f"{{ images(first: 1000) {IMAGES_PAGE} }}", memo=False))
        volumes = orjson.loads(await answer(services, f"{{ volumes(first: 1000) {VOLUMES_PAGE} }}", memo=False))
        image_ids = [e["node"]["id"] for e in first["data"]["images"]["edges"]]
        volume_ids = [e["node"]["id"] for e in volumes["data"]["volumes"]["edges"]]
        assert image_ids and volume_ids
        documents = [*LISTINGS, *lookups(image_ids, volume_ids)]
        for document in documents:  # every answer is cached now: no answer differs by being the first
            await answer(services, document, memo=False)
        for document in documents:
            fresh = await answer(services, document, memo=False)
            building = await answer(services, document, memo=True)
            reading = await answer(services, document, memo=True)
            assert b'"errors":[]' in fresh, fresh[:2000]
            for found in orjson.loads(fresh)["data"].values():  # every lookup found its node
                assert found is not None and (not isinstance(found, list) or None not in found), document
            assert building == fresh, document
            assert reading == fresh, document


def counting(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """Counts `Image.from_record` calls per record (by identity)."""
    calls: Counter[int] = Counter()
    build = Image.from_record.__func__  # type: ignore[attr-defined]

    def from_record(cls: type[Any], record: Any) -> Any:
        calls[id(record)] += 1
        return build(cls, record)

    monkeypatch.setattr(Image, "from_record", classmethod(from_record))
    return calls


def verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of records of each verification made."""
    made: list[int] = []
    check = listing.contradicted

    def contradicted(source: Any, records: Any) -> frozenset[str]:
        made.append(len(records))
        return check(source, records)

    monkeypatch.setattr(listing, "contradicted", contradicted)
    return made


PAGE = "query Page($first: Int!) { images(first: $first) { edges { node { id name freshness } } } }"


async def served(services: Services, first: int, *, memo: bool) -> list[str]:
    limits = dataclasses.replace(services.settings.limits, answer_memo=memo)
    result = await SCHEMA.execute(PAGE, variable_values={"first": first},
                                  context_value=build_context(services.catalogs, limits))
    assert not result.errors, result.errors
    assert result.data is not None
    return [e["node"]["id"] for e in result.data["images"]["edges"]]


@pytest.mark.parametrize("memo", [True, False])
async def test_a_cached_record_is_converted_once_and_a_cached_page_verified_once(
    monkeypatch: pytest.MonkeyPatch, memo: bool
) -> None:
    async with demo() as services:
        await served(services, 100, memo=False)  # fills the provider cache, not the memo
        built = counting(monkeypatch)
        verified = verifications(monkeypatch)
        answers = [await served(services, 100, memo=memo) for _ in range(3)]
        assert len(set(answers[0])) == 100 and answers[0] == answers[1] == answers[2]
        per_request = 3 if not memo else 1
        assert sorted(set(built.values())) == [per_request]  # each record node: once, or once per request
        assert len(built) == 100
        pages = len(verified) // per_request
        assert pages > 0 and len(verified) == pages * per_request
        assert sum(verified) > 100  # every record of every page read is checked, not just those shown


async def test_memo_off_is_the_setting() -> None:
    assert settings_module.load({}).limits.answer_memo is True
    assert settings_module.load({"CIG_ANSWER_MEMO": "false"}).limits.answer_memo is False


async def test_a_node_served_again_says_how_fresh_its_record_is_in_this_operation() -> None:
    """`freshness` is the operation's, not the node's: the same memoized nodes are CACHED in one request,
    STALE in the next (the provider fails past the TTL), CACHED again once it answers."""
    now = [1000.0]
    inner = MemoryCatalog(ZENLAYER, {"a": [image(ZENLAYER, "a", "i1"), image(ZENLAYER, "a", "i2")]})
    cached = CachedCatalog(inner, BoundedMemoryCache(max_entries=100, max_bytes=1 << 20), ttl=10,
                           stale_if_error=100, clock=lambda: now[0])
    catalogs = {ZENLAYER: cached}
    document = "{ images(first: 2) { edges { node { imageId freshness } } } }"
    seen: list[list[str]] = []
    for advance, failing in ((0.0, False), (1.0, False), (60.0, True), (0.0, False)):
        now[0] += advance
        inner.failing = {"a"} if failing else set()
        result = await SCHEMA.execute(document, context_value=build_context(catalogs, LIMITS))
        assert not result.errors, result.errors
        assert result.data is not None
        seen.append([e["node"]["freshness"] for e in result.data["images"]["edges"]])
    assert seen == [["CACHED", "CACHED"], ["CACHED", "CACHED"], ["STALE", "STALE"], ["CACHED", "CACHED"]]
    assert inner.calls["list_images"] == 3  # the first read, the failed refresh, the one after it
    assert all(Image in record.memo for record in inner.images["a"])  # one node per record throughout


def recorder(into: list[tuple[str, str]]) -> Callable[[str, str], None]:
    def observe(provider: str, param: str) -> None:
        into.append((provider, param))

    return observe


async def test_a_memoized_contradiction_is_still_a_lesson_for_every_registry_that_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The verification is kept with the page, the lesson is taught on each read: a registry that does
    not know it yet (another app, a restart of the registry) learns it from the cached page too."""
    records = [image(ZENLAYER, "a", "ubuntu-1"), image(ZENLAYER, "a", "debian-1")]  # the provider ignores names
    inner = MemoryCatalog(ZENLAYER, {"a": records}, page_size_max=10)
    cached = CachedCatalog(inner, BoundedMemoryCache(max_entries=100, max_bytes=1 << 20), ttl=60)
    verified = verifications(monkeypatch)
    learned: list[list[tuple[str, str]]] = []
    for _ in range(2):
        drifts: list[tuple[str, str]] = []
        learned.append(drifts)
        request = RequestScope({ZENLAYER: cached}, LIMITS, trust=TrustRegistry(on_drift=recorder(drifts)))
        page = await listing.list_connection(request, IMAGES, ImageQuery(name="ubuntu"), first=10, after=None,
                                             last=None, before=None, path=["images"])
        assert [e.record.image_id for e in page.edges] == ["ubuntu-1"]  # planned again, applied here
    assert learned == [[("zenlayer", "imageName")], [("zenlayer", "imageName")]]
    assert inner.calls["list_images"] == 2  # the page with the name sent, then the one without: both cached
    assert verified == [2]  # the page with the name sent, checked once; the other pushed nothing


def test_the_memo_never_leaves_the_process_and_a_changed_record_starts_its_own() -> None:
    record = image(ZENLAYER, "a", "i1")
    node = Image.of(record, memo=True)
    assert Image.of(record, memo=True) is node
    assert Image.of(record, memo=False) is not node
    again = pickle.loads(pickle.dumps(record))  # what Redis hands back
    assert again == record and not again.memo
    changed = dataclasses.replace(record, status=ImageStatus.UNAVAILABLE)
    assert not changed.memo
    assert Image.of(changed, memo=True).status.name == "UNAVAILABLE"
    assert Image.of(record, memo=True).status.name == "AVAILABLE"


@pytest.mark.parametrize(("node", "record"), [(Image, image(ZENLAYER, "asia-east-1a", "img-1")),
                                              (Volume, volume(ZENLAYER, "asia-east-1a", "disk-1"))])
def test_the_id_a_node_is_built_with_is_the_relay_global_id(node: Any, record: Any) -> None:
    """`id` is a plain field holding what relay.Node's `id` resolver answers: the GlobalID of the GraphQL
    type name and the node id, in its string form (how the ID scalar serializes it)."""
    expected = relay.GlobalID(node.__strawberry_definition__.name, node.global_node_id(record))
    built = node.of(record, memo=False)
    assert built._id == str(expected)
    assert relay.GlobalID.from_id(built._id) == expected


@pytest.mark.parametrize("memo", [True, False])
async def test_a_repeated_filter_is_planned_once(monkeypatch: pytest.MonkeyPatch, memo: bool) -> None:
    planned: list[int] = []
    original = filters.with_created_range

    def counting(sources: list[Any], query: Any) -> list[Any]:
        planned.append(len(sources))
        return original(sources, query)

    monkeypatch.setattr(filters, "with_created_range", counting)
    async with demo() as services:
        document = f'{{ images(first: 5, filter: {{name: "plan-memo-{memo}"}}) {{ totalCount }} }}'
        answers = {await answer(services, document, memo=memo) for _ in range(3)}
        assert len(answers) == 1 and b'"errors":[]' in answers.pop()
        assert len(planned) == (1 if memo else 3) and planned[0] > 1  # one plan covers every listing
        other = document.replace("plan-memo", "another-name")
        await answer(services, other, memo=memo)
        assert len(planned) == (2 if memo else 4)  # another filter, another plan
