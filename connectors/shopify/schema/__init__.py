"""The Shopify Admin GraphQL schema (2025-01 introspection, see ORIGIN.md), loaded once per process."""

import functools
import gzip
import json
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

SCHEMA_FILE = Path(__file__).with_name("admin_schema_2025-01.json.gz")


@functools.cache
def admin_schema() -> GraphQLSchema:
    with gzip.open(SCHEMA_FILE) as fh:
        schema = build_client_schema(json.load(fh)["data"])
    # Shopify's own schema breaks one type-system rule graphql-core enforces before validating documents
    # (some implementations deprecate a field their interface does not, e.g. Customer.hasTimelineComment).
    # That rule is about the schema, not about documents, so record the schema as checked.
    schema._validation_errors = []
    return schema
