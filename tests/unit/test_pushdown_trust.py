"""Planning with what the service learned (`Trust`), verification tests, refusal attribution and the trust
registry (process memory, metrics callbacks, one warning)."""

from __future__ import annotations

from typing import Any

import pytest

from providers.base import ImageRecord, ImageSource, ImageStatus, Location, OsType
from providers.errors import BadRequestError, UnavailableError
from providers.jdcloud import pushdown as jd
from providers.jdcloud.models import NAME as JDCLOUD
from providers.query import TRUSTED, ImageQuery, Origin, Pushed, Trust
from providers.trust import TrustRegistry, refused_parameter
from providers.zenlayer import pushdown as zen
from providers.zenlayer.models import NAME as ZENLAYER

REGIONS = [Location(JDCLOUD, "cn-north-1")]
ZONES = [Location(ZENLAYER, "asia-east-1a")]


def record(**fields: Any) -> ImageRecord:
    base: dict[str, Any] = {"provider": JDCLOUD, "location": "cn-north-1", "image_id": "img-1", "name": "CentOS 8",
                            "os_type": OsType.LINUX, "source": ImageSource.OFFICIAL, "status": ImageStatus.AVAILABLE,
                            "raw": {}}
    return ImageRecord(**{**base, **fields})


def jd_query(**raw: Any) -> ImageQuery:
    return ImageQuery(raw={JDCLOUD: raw})


def partitions(query: ImageQuery, trust: Trust = TRUSTED) -> list[str | None]:
    return [s.params.get("imageSource") for s in jd.plan_image_sources(query, REGIONS, trust)]


def test_jd_sources_follow_what_each_parameter_means() -> None:
    assert partitions(ImageQuery()) == ["public", "thirdparty", "private", "shared", "community"]
    assert partitions(jd_query(offline=True)) == ["public", "thirdparty"]
    assert partitions(jd_query(launchPermission="ownerOnly")) == ["private"]
    assert partitions(jd_query(offline=False, launchPermission="ownerOnly")) == []
    assert partitions(ImageQuery(source=ImageSource.SHARED, raw={JDCLOUD: {"offline": True}})) == []
    assert partitions(jd_query(imageSource="nonsense", offline=True)) == ["nonsense"]  # not judged: sent as given


def test_with_ids_offline_is_applied_by_the_service_and_one_source_is_sent() -> None:
    query = ImageQuery(image_ids=("img-a", "img-b"), raw={JDCLOUD: {"offline": True}})
    [source] = jd.plan_image_sources(query, REGIONS, Trust())
    assert source.params == {"ids": ["img-a", "img-b"]}  # two sources allowed: none sent, both kept below
    assert not source.matches(record(image_id="img-a", source_raw="private", offline=None))
    assert source.matches(record(image_id="img-a", source_raw="thirdparty", offline=True))
    owner_only = ImageQuery(image_ids=("img-a",), raw={JDCLOUD: {"launchPermission": "ownerOnly"}})
    [private] = jd.plan_image_sources(owner_only, REGIONS, Trust())
    assert private.params == {"ids": ["img-a"], "launchPermission": "ownerOnly", "imageSource": "private"}


def test_an_untrusted_parameter_is_applied_by_the_service_instead_of_sent() -> None:
    trust = Trust(untrusted=frozenset({"imageName"}))
    sources = jd.plan_image_sources(ImageQuery(name="centos"), REGIONS, trust)
    assert all("imageName" not in s.params for s in sources)
    assert all(s.matches(record(name="CentOS 8")) and not s.matches(record(name="Ubuntu")) for s in sources)
    assert all("imageName" not in {p.param for p in s.pushed} for s in sources)


def test_an_untrusted_required_parameter_is_still_sent_and_also_checked_here() -> None:
    sources = jd.plan_image_sources(ImageQuery(), REGIONS, Trust(untrusted=frozenset({"imageSource"})))
    assert [s.params["imageSource"] for s in sources] == ["public", "thirdparty", "private", "shared", "community"]
    public = sources[0]
    assert public.matches(record(source_raw="public")) and not public.matches(record(source_raw="private"))


def test_untrusted_ids_list_every_source_and_keep_the_ids_here() -> None:
    trust = Trust(untrusted=frozenset({"ids"}))
    sources = jd.plan_image_sources(ImageQuery(image_ids=("img-1",)), REGIONS, trust)
    assert len(sources) == 5 and all("ids" not in s.params for s in sources)
    assert sources[0].matches(record(image_id="img-1", source_raw="public"))
    assert not sources[0].matches(record(image_id="img-2", source_raw="public"))


def test_a_refused_source_is_not_listed() -> None:
    trust = Trust(refused=frozenset({("imageSource", "community")}))
    assert partitions(ImageQuery(), trust) == ["public", "thirdparty", "private", "shared"]
    assert partitions(ImageQuery(source=ImageSource.COMMUNITY), trust) == []


def test_verification_tests_only_judge_fields_a_record_carries() -> None:
    [source] = jd.plan_image_sources(ImageQuery(raw={JDCLOUD: {"offline": True, "imageSource": "public"}}), REGIONS,
                                     Trust())
    assert source.contradicted(record(source_raw="public", offline=True)) == []
    assert source.contradicted(record(source_raw="public", offline=None)) == []  # the seed records: not carried
    assert [p.param for p in source.contradicted(record(source_raw="public", offline=False))] == ["offline"]
    assert [p.param for p in source.contradicted(record(source_raw="shared", offline=True))] == ["imageSource"]
    [zone] = zen.plan_image_sources(ImageQuery(tag_keys=("env",)), ZONES, Trust())
    assert zone.contradicted(record(provider=ZENLAYER, tags=())) == []  # no tags: cannot say


def test_a_refusal_is_attributed_to_the_one_parameter_the_service_chose_that_it_names() -> None:
    def refusal(message: str) -> BadRequestError:
        return BadRequestError(provider="jdcloud", action="describeImages", status=400, message=message)

    chosen = Pushed("architecture", "arm64", Origin.FILTER, lambda r: None)
    source = Pushed("imageSource", "community", Origin.PARTITION, lambda r: None)
    raw = Pushed("bootMode", "uefi", Origin.RAW, lambda r: None)
    assert refused_parameter(refusal("Invalid parameter architecture"), [chosen, source, raw]) is chosen
    assert refused_parameter(refusal("Invalid imageSource 'community'"), [chosen, source]) is source
    assert refused_parameter(refusal("Parameter ImageSource missing"), [source]) is source  # any case
    assert refused_parameter(refusal("Invalid parameter bootMode"), [chosen, raw]) is None  # the user's value
    assert refused_parameter(refusal("architecture and imageSource are wrong"), [chosen, source]) is None
    assert refused_parameter(refusal("Invalid parameter architectures"), [chosen]) is None  # a whole word only
    unavailable = UnavailableError(provider="jdcloud", action="describeImages", status=503, message="architecture")
    assert refused_parameter(unavailable, [chosen]) is None


async def test_the_registry_learns_once_counts_once_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    drifts: list[tuple[str, str]] = []
    refusals: list[tuple[str, str]] = []
    registry = TrustRegistry(on_drift=lambda *a: drifts.append(a), on_refusal=lambda *a: refusals.append(a))
    for _ in range(3):
        await registry.drift(JDCLOUD, "imageName", "jdcloud/cn-north-1/public")
        await registry.refusal(JDCLOUD, Pushed("imageSource", "community", Origin.PARTITION, lambda r: None), "x")
        await registry.refusal(ZENLAYER, Pushed("category", "Ubuntu", Origin.FILTER, lambda r: None), "y")
    assert registry.trust(JDCLOUD) == Trust(frozenset({"imageName"}), frozenset({("imageSource", "community")}))
    assert registry.trust(ZENLAYER) == Trust(frozenset({"category"}))
    assert drifts == [("jdcloud", "imageName")]
    assert refusals == [("jdcloud", "imageSource=community"), ("zenlayer", "category")]
    warnings = [r.getMessage() for r in caplog.records if r.name == "providers.trust"]
    assert len(warnings) == 3 and "Ubuntu" not in " ".join(warnings)  # never a filter value


def test_an_undocumented_value_is_data_not_a_contradiction() -> None:
    public = jd.plan_image_sources(ImageQuery(status=ImageStatus.AVAILABLE), REGIONS, TRUSTED)[0]
    assert public.contradicted(record(source_raw="UNDOCUMENTED_VALUE", status_raw="UNDOCUMENTED_VALUE")) == []
    assert {p.param for p in public.contradicted(record(source_raw="private", status_raw="error"))} == {
        "imageSource", "status"}
    [zone] = zen.plan_image_sources(ImageQuery(os_type=OsType.LINUX), ZONES, TRUSTED)
    assert zone.contradicted(record(provider=ZENLAYER, os_type_raw="UNDOCUMENTED_VALUE")) == []
    assert [p.param for p in zone.contradicted(record(provider=ZENLAYER, os_type_raw="windows"))] == ["osType"]
