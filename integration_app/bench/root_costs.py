"""Bucket points per GraphQL root field, as the app's client spent them in one benchmark phase.

`counting_root_fields()` wraps `GraphQLClient.execute` for the phase: each request's points (what the
bucket charged, retries included) and its count go to the root fields of its document, shared evenly when
a document has several. A `bulkOperationRunMutation` is named after the mutation it runs
(`bulkOperationRunMutation(priceListFixedPricesAdd)`), so a stage's start is told from another's.
"""

import functools
from contextlib import contextmanager

from graphql import FieldNode, OperationDefinitionNode, parse

from connectors.shopify.client import GraphQLClient


@functools.lru_cache(maxsize=512)
def root_fields(document: str) -> tuple[str, ...]:
    """The top-level field names of a document's first operation (an alias counts as its field)."""
    operations = (d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
    operation = next(operations, None)
    if operation is None:
        return ()
    return tuple(s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode))


def root_label(document: str, variables: dict | None) -> tuple[str, ...]:
    """The names a request's points go under: its root fields, a bulk run's named after its mutation."""
    fields = root_fields(document)
    if fields == ("bulkOperationRunMutation",) and (variables or {}).get("mutation"):
        inner = ",".join(root_fields(variables["mutation"]))
        return (f"bulkOperationRunMutation({inner})",)
    return fields


@contextmanager
def counting_root_fields():
    """Yields {root field: {"requests": n, "cost": points}}, filled while the block runs."""
    counts: dict[str, dict] = {}
    original = GraphQLClient.execute

    def execute(client, document, variables=None, **kwargs):
        requests, cost = client.stats.requests, client.stats.actual_cost
        try:
            return original(client, document, variables, **kwargs)
        finally:
            fields = root_label(document, variables) or ("?",)
            for name in fields:
                entry = counts.setdefault(name, {"requests": 0, "cost": 0.0})
                entry["requests"] += (client.stats.requests - requests) / len(fields)
                entry["cost"] += (client.stats.actual_cost - cost) / len(fields)

    GraphQLClient.execute = execute
    try:
        yield counts
    finally:
        GraphQLClient.execute = original


def top(counts: dict[str, dict], limit: int = 20) -> list[tuple[str, int, int]]:
    """(root field, requests, points) of the costliest root fields, most points first."""
    rows = sorted(counts.items(), key=lambda item: -item[1]["cost"])[:limit]
    return [(name, round(entry["requests"]), round(entry["cost"])) for name, entry in rows]
