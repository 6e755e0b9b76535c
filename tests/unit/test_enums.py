from __future__ import annotations

import pytest

from graphql_api.types import enums, ordering, os
from providers import base, osid
from providers.registry import PROVIDERS
from resolvers.ordering import DistinctField, OrderField


@pytest.mark.parametrize(
    ("graphql_enum", "provider_enum"),
    [(enums.OsType, base.OsType), (enums.ImageSource, base.ImageSource), (enums.ImageStatus, base.ImageStatus),
     (enums.VolumeStatus, base.VolumeStatus), (os.OsFamily, osid.OsFamily), (ordering.ImageOrderField, OrderField),
     (ordering.ImageDistinctField, DistinctField)],
)
def test_graphql_enums_mirror_the_normalized_enums(graphql_enum: type, provider_enum: type) -> None:
    assert [m.name for m in graphql_enum] == [m.name for m in provider_enum]  # type: ignore[attr-defined]


def test_cloud_provider_has_a_member_per_registered_provider_in_order() -> None:
    assert [(m.name, m.value) for m in enums.CloudProvider] == [(p.name, p.value) for p in PROVIDERS.names]
    assert [enums.to_provider(m) for m in enums.CloudProvider] == list(PROVIDERS.names)


def test_every_graphql_enum_value_is_documented() -> None:
    from graphql_api.schema import schema

    for name in ("OsType", "ImageSource", "ImageStatus", "CloudProvider", "OsFamily", "ImageOrderField",
                 "ImageDistinctField", "OrderDirection"):
        graphql_type = schema._schema.type_map[name]
        assert graphql_type.description
        assert all(value.description for value in graphql_type.values.values()), name  # type: ignore[attr-defined]
