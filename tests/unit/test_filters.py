from __future__ import annotations

from dataclasses import dataclass

import pytest
from graphql import GraphQLError

from providers.base import ImageSource, ImageStatus, Location, OsType
from providers.jdcloud.models import NAME as JDCLOUD
from providers.query import ImageQuery
from providers.zenlayer.models import NAME as ZENLAYER
from resolvers.filters import image_query, plan_sources

ZONES = [Location(ZENLAYER, z) for z in ("na-west-1a", "asia-east-1a")]
REGIONS = [Location(JDCLOUD, r) for r in ("cn-north-1", "cn-east-2")]
LOCATIONS = {ZENLAYER: ZONES, JDCLOUD: REGIONS}


@dataclass
class Tag:
    key: str
    value: str


def labels(criteria: ImageQuery) -> list[str]:
    return [s.label for s in plan_sources(criteria, LOCATIONS)]


def test_no_filter_lists_every_zone_then_every_region_and_jd_source_in_order() -> None:
    assert labels(ImageQuery()) == [
        "zenlayer/asia-east-1a", "zenlayer/na-west-1a",
        *[f"jdcloud/{r}/{s}" for r in ("cn-east-2", "cn-north-1")
          for s in ("public", "thirdparty", "private", "shared", "community")],
    ]


def test_tag_filters_skip_jdcloud_and_architecture_skips_zenlayer() -> None:
    assert labels(image_query(tag_keys=["env"])) == ["zenlayer/asia-east-1a", "zenlayer/na-west-1a"]
    assert all(label.startswith("jdcloud/") for label in labels(image_query(architecture="arm64")))


def test_source_pushdown_and_sources_a_provider_cannot_have() -> None:
    sources = plan_sources(image_query(source=ImageSource.MARKETPLACE), LOCATIONS)
    assert {s.provider: s.params["imageSource"] for s in sources} == {
        ZENLAYER: "MARKETING", JDCLOUD: "thirdparty"}
    assert len(sources) == 4  # one per zone, one per region: the JD partition is given
    assert labels(image_query(source=ImageSource.SHARED)) == ["jdcloud/cn-east-2/shared", "jdcloud/cn-north-1/shared"]
    assert labels(image_query(source=ImageSource.OTHER)) == ["zenlayer/asia-east-1a", "zenlayer/na-west-1a"]


def test_filters_without_an_exact_provider_equivalent_become_residual() -> None:
    sources = plan_sources(image_query(status=ImageStatus.CREATING, os_type=OsType.LINUX), LOCATIONS)
    zen = [s for s in sources if s.provider == ZENLAYER]
    jd = [s for s in sources if s.provider == JDCLOUD]
    assert zen[0].params == {"osType": "linux"} and len(zen[0].residual) == 1  # CREATING covers SYNCING too
    assert "status" not in jd[0].params and len(jd[0].residual) == 2  # no osType parameter on JD
    available = plan_sources(image_query(status=ImageStatus.AVAILABLE), LOCATIONS)
    assert {s.params.get("status") or s.params.get("imageStatus") for s in available} == {"ready", "AVAILABLE"}
    assert all(not s.residual for s in available)


def test_ids_make_the_jd_source_optional() -> None:
    sources = plan_sources(image_query(image_ids=["img-1", "img-1", "img-2"]), LOCATIONS)
    jd = [s for s in sources if s.provider == JDCLOUD]
    assert [s.params for s in jd] == [{"ids": ["img-1", "img-2"]}] * 2


def test_contradicting_raw_and_normalized_values_match_nothing_without_a_call() -> None:
    class Zen:
        category = "CentOS"
        image_type = image_source = os_type = image_status = None

    assert labels(image_query(platform="Ubuntu", raw={ZENLAYER: Zen()}, providers=[ZENLAYER])) == []


def test_unknown_locations_are_bad_input() -> None:
    with pytest.raises(GraphQLError) as info:
        plan_sources(image_query(locations=["mars-1a"]), LOCATIONS)
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": "locations"}
    assert labels(image_query(locations=["cn-north-1"], source=ImageSource.CUSTOM)) == ["jdcloud/cn-north-1/private"]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"locations": []}, "locations"),
        ({"providers": []}, "providers"),
        ({"image_ids": [""]}, "imageIds"),
        ({"tag_keys": [f"k{i}" for i in range(21)]}, "tagKeys"),
        ({"tags": [Tag(f"k{i}", "v") for i in range(21)]}, "tags"),
        ({"tags": [Tag("", "v")]}, "tags.key"),
    ],
)
def test_bad_filters_name_the_argument(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(GraphQLError) as info:
        image_query(**kwargs)  # type: ignore[arg-type]
    assert info.value.extensions == {"code": "BAD_USER_INPUT", "argument": argument}


def test_twenty_tags_are_allowed_and_the_digest_tracks_the_filter() -> None:
    a = image_query(tag_keys=[f"k{i}" for i in range(20)])
    assert a.digest() == image_query(tag_keys=[f"k{i}" for i in range(20)]).digest()
    assert a.digest() != image_query(tag_keys=["k0"]).digest()
    assert ImageQuery().digest() != image_query(name="x").digest()
