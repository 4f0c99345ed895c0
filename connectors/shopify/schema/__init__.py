"""The Shopify Admin GraphQL schema (2026-01 SDL, see ORIGIN.md), loaded once per process."""

import functools
import gzip
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SCHEMA_VERSION = "2026-01"
SCHEMA_FILE = Path(__file__).with_name(f"admin_schema_{SCHEMA_VERSION}.graphql.gz")


@functools.cache
def admin_schema() -> GraphQLSchema:
    with gzip.open(SCHEMA_FILE) as fh:
        schema = build_schema(fh.read().decode(), assume_valid_sdl=True)
    # Shopify's own schema breaks one type-system rule graphql-core enforces before validating documents
    # (some implementations deprecate a field their interface does not, e.g. Customer.hasTimelineComment).
    # That rule is about the schema, not about documents, so record the schema as checked.
    schema._validation_errors = []
    return schema
