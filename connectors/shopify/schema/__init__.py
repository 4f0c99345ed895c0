"""The Shopify Admin GraphQL schema (2026-01 SDL, see ORIGIN.md), loaded once per process."""

import functools
import gzip
import re
from pathlib import Path

from graphql import GraphQLSchema, build_ast_schema, parse

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
    """The schema the app checks its documents against: the same types, fields, arguments and
    deprecations without descriptions or source locations (about 33 MB of a process instead of 58)."""
    with gzip.open(SCHEMA_FILE) as fh:
        text = LINE_DESCRIPTION.sub("", BLOCK_DESCRIPTION.sub("", fh.read().decode()))
    return _checked(build_ast_schema(parse(text, no_location=True), assume_valid_sdl=True))


def _checked(schema: GraphQLSchema) -> GraphQLSchema:
    # Shopify's own schema breaks one type-system rule graphql-core enforces before validating documents
    # (some implementations deprecate a field their interface does not, e.g. Customer.hasTimelineComment).
    # That rule is about the schema, not about documents, so record the schema as checked.
    schema._validation_errors = []
    return schema
