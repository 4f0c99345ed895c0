"""Bulk operations (FACTS §5 "Bulk operations"): wait for a started one to finish, then read its file."""

import json

import requests

from .client import GraphQLClient
from .documents import document
from .errors import ShopifyUnavailableError, excerpt_of

BULK_POLL_MAX_DELAY = 10.0
BULK_TIMEOUT_SECONDS = 1800.0


def bulk_results(client: GraphQLClient, operation_id: str) -> list[dict]:
    """The objects of bulk operation `operation_id` once it completed, polling with a growing delay."""
    number = operation_id.rsplit("/", 1)[-1]
    waited, delay = 0.0, 0.5
    while True:
        found = client.execute(document("bulk_operation"), {"query": f"id:{number}"})
        operation = next(iter(found["bulkOperations"]["nodes"]), {})
        status = operation.get("status")
        if status == "COMPLETED":
            break
        if status not in ("CREATED", "RUNNING") or waited > BULK_TIMEOUT_SECONDS:
            raise ShopifyUnavailableError(
                f"The bulk export ended as {status} ({operation.get('errorCode') or 'no error code'})."
            )
        client.wait(delay)
        waited += delay
        delay = min(delay * 2, BULK_POLL_MAX_DELAY)
    if not operation.get("url"):
        return []  # a completed export with no objects has no file
    try:
        response = requests.get(operation["url"], timeout=client.timeout * 4)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ShopifyUnavailableError(
            f"The bulk export file could not be downloaded ({type(exc).__name__}).",
            excerpt=excerpt_of(getattr(getattr(exc, "response", None), "text", "") or ""),
        ) from None
    return _jsonl_objects(response.text)


def _jsonl_objects(text: str) -> list[dict]:
    """The objects of a bulk export file, one per line; anything else is a typed error, never a crash."""
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if not isinstance(item, dict):
            raise ShopifyUnavailableError(f"The bulk export file is not JSONL (line {number}).")
        objects.append(item)
    return objects
