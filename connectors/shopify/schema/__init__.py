"""The Shopify Admin GraphQL schema (2026-01 SDL, see ORIGIN.md), loaded once per process."""

import functools
import gzip
import re
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_ast_schema,
    parse,
)

SCHEMA_VERSION = "2026-01"
SCHEMA_FILE = Path(__file__).with_name(f"admin_schema_{SCHEMA_VERSION}.graphql.gz")
# Descriptions: block strings, and plain strings alone on their line (a `@deprecated(reason: "…")` is not).
BLOCK_DESCRIPTION = re.compile(r'"""[\s\S]*?"""')
LINE_DESCRIPTION = re.compile(r'(?m)^\s*"(?:[^"\\\n]|\\.)*"\s*$')


@functools.cache
def admin_schema() -> GraphQLSchema:
    """The whole schema, descriptions and source locations included (the sandbox serves it)."""
    with gzip.open(SCHEMA_FILE) as fh:
        return _checked(build_ast_schema(parse(fh.read().decode()), assume_valid_sdl=True))


@functools.cache
def validation_schema() -> GraphQLSchema:
    """The schema the app checks its documents against (the specified rules): the same types, fields,
    arguments and deprecations without descriptions, source locations or the syntax tree they were built
    from (about 10 MB of live objects; the tree was as much again).

    No syntax nodes: `NoDeprecatedCustomRule` names a deprecated argument's field by its node, so the
    deprecation gate (`gate.py`) runs on `admin_schema()`."""
    with gzip.open(SCHEMA_FILE) as fh:
        text = LINE_DESCRIPTION.sub("", BLOCK_DESCRIPTION.sub("", fh.read().decode()))
    built = build_ast_schema(parse(text, no_location=True), assume_valid_sdl=True)
    return _checked(_without_syntax_tree(built))


def _without_syntax_tree(schema: GraphQLSchema) -> GraphQLSchema:
    """`schema` keeping none of the SDL's definition nodes (an argument's default keeps its literal):
    each part's node dropped, and each type's fields, interfaces, members and values kept as resolved.
    graphql-core keeps the closures it resolved them from, over the tree, in `_fields`, `_interfaces`,
    `_types` and `_values` (a test checks that no definition node stays reachable)."""
    parts = [schema, *schema.directives]
    parts.extend(arg for directive in schema.directives for arg in directive.args.values())
    for named in schema.type_map.values():
        parts.append(named)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            named._fields = named.fields
            parts.extend(named.fields.values())
            parts.extend(
                arg for field in named.fields.values() for arg in getattr(field, "args", {}).values()
            )
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            named._interfaces = named.interfaces
        elif isinstance(named, GraphQLUnionType):
            named._types = named.types
        elif isinstance(named, GraphQLEnumType):
            named._values = named.values
            parts.extend(named.values.values())
    for part in parts:
        part.ast_node = None
        if hasattr(part, "extension_ast_nodes"):
            part.extension_ast_nodes = ()
    return schema


def _checked(schema: GraphQLSchema) -> GraphQLSchema:
    # Shopify's own schema breaks one type-system rule graphql-core enforces before validating documents
    # (some implementations deprecate a field their interface does not, e.g. Customer.hasTimelineComment).
    # That rule is about the schema, not about documents, so record the schema as checked.
    schema._validation_errors = []
    return schema
