"""Bulk exports (FACTS §5 "Bulk operations"): start one, wait for it to finish, stream its file.

Only the start (10 points) and the polls (about 1 point each) go through the request bucket; the export
itself does not (sandbox/BULK.md, source Q). The result file is read line by line, never held whole.
"""

import json
from collections.abc import Iterator

import requests

from .client import GraphQLClient
from .documents import document
from .errors import ShopifyQueryError, ShopifyUnavailableError, excerpt_of

BULK_POLL_MAX_DELAY = 10.0
BULK_TIMEOUT_SECONDS = 1800.0
RUNNING = ("CREATED", "RUNNING")


def start_bulk_query(client: GraphQLClient, query: str) -> str:
    """Start a bulk export of `query`; returns the operation's ID."""
    data = client.execute(document("bulk_run_query"), {"query": query})
    payload = data["bulkOperationRunQuery"]
    errors = payload.get("userErrors") or []
    if errors:
        messages = "; ".join(str(e.get("message")) for e in errors)
        raise ShopifyQueryError(f"Shopify refused the bulk export: {messages}")
    return (payload.get("bulkOperation") or {}).get("id") or ""


def bulk_status(client: GraphQLClient, operation_id: str) -> dict:
    """The export's `id`, `status`, `errorCode`, `objectCount` and `url` ({} if Shopify has no such one)."""
    number = operation_id.rsplit("/", 1)[-1]
    found = client.execute(document("bulk_operation"), {"query": f"id:{number}"})
    return next(iter(found["bulkOperations"]["nodes"]), {})


def bulk_results(client: GraphQLClient, operation_id: str) -> Iterator[dict]:
    """The objects of bulk export `operation_id` once it completed, polling with a growing delay."""
    return bulk_file_objects(client, wait_for_bulk_query(client, operation_id))


def wait_for_bulk_query(client: GraphQLClient, operation_id: str) -> dict:
    """Poll the export until it ends; returns its status once COMPLETED, else raises."""
    waited, delay = 0.0, 0.5
    while True:
        operation = bulk_status(client, operation_id)
        status = operation.get("status")
        if status == "COMPLETED":
            return operation
        if status not in RUNNING or waited > BULK_TIMEOUT_SECONDS:
            raise ShopifyUnavailableError(
                f"The bulk export ended as {status} ({operation.get('errorCode') or 'no error code'})."
            )
        client.wait(delay)
        waited += delay
        delay = min(delay * 2, BULK_POLL_MAX_DELAY)


def bulk_file_objects(client: GraphQLClient, operation: dict) -> Iterator[dict]:
    """The objects of a completed export's file, one per line, streamed. The download starts now (its
    failure raises here); a line that is not a JSON object raises a typed error when reached."""
    if not operation.get("url"):
        return iter(())  # a completed export with no objects has no file
    try:
        response = requests.get(operation["url"], timeout=client.timeout * 4, stream=True)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ShopifyUnavailableError(
            f"The bulk export file could not be downloaded ({type(exc).__name__}).",
            excerpt=excerpt_of(getattr(getattr(exc, "response", None), "text", "") or ""),
        ) from None
    return _objects(response)


def _objects(response: requests.Response) -> Iterator[dict]:
    with response:
        for number, line in enumerate(response.iter_lines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                item = None
            if not isinstance(item, dict):
                raise ShopifyUnavailableError(f"The bulk export file is not JSONL (line {number}).")
            yield item
