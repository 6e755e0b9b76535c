"""GraphiQL's documentation explorer is the reference a new user reads: everything is described."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from graphql_api.schema import schema

# Federation's own plumbing and GraphQL's built-ins are documented by their specifications.
SKIPPED_TYPES = {"_Service", "_Entity", "_Any", "_FieldSet", "FieldSet", "link__Import", "link__Purpose", "Query"}
SKIPPED_FIELDS = {("Query", "_entities"), ("Query", "_service")}
BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def undocumented() -> list[str]:
    missing: list[str] = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILTIN_SCALARS:
            continue
        if name in SKIPPED_TYPES - {"Query"}:
            continue
        if name != "Query" and not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if (name, field_name) in SKIPPED_FIELDS:
                    continue
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({arg})" for arg, a in field.args.items() if not a.description]
        elif isinstance(graphql_type, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in graphql_type.fields.items() if not field.description]
        elif isinstance(graphql_type, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in graphql_type.values.items() if not value.description]
    return missing


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    assert undocumented() == []
