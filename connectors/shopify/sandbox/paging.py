"""Relay connections over in-memory lists, with opaque cursors that stay valid while records change."""

import base64
import json
from collections.abc import Callable, Sequence

from graphql import GraphQLError


def encode_cursor(sort_key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(sort_key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return tuple(json.loads(base64.urlsafe_b64decode(padded)))
    except (ValueError, TypeError) as error:
        raise GraphQLError("Invalid cursor for current pagination sort.") from error


def connection(
    items: Sequence,
    *,
    sort_key: Callable[[object], tuple],
    view: Callable[[object], dict],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    unbounded: bool = False,
) -> dict:
    """A connection page (`edges`, `nodes`, `pageInfo`) of `items` ordered by `sort_key`.

    Page-size limits are checked before execution (cost.py); `unbounded` (bulk operations) returns every
    item when neither `first` nor `last` is given.
    """
    ordered = sorted(items, key=sort_key, reverse=reverse)
    keys = [sort_key(item) for item in ordered]
    start, end = 0, len(ordered)
    if after is not None:
        bound = _comparable(decode_cursor(after), keys)
        start = next((i for i, k in enumerate(keys) if (k < bound if reverse else k > bound)), len(keys))
    if before is not None:
        bound = _comparable(decode_cursor(before), keys)
        end = next((i for i, k in enumerate(keys) if (k <= bound if reverse else k >= bound)), len(keys))
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    if first is None and last is None and not unbounded:
        raise GraphQLError("you must provide one of first or last")
    edges = [{"cursor": encode_cursor(keys[i]), "node": view(ordered[i])} for i in window]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < len(ordered) - 1,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _comparable(cursor_key: tuple, keys: list[tuple]) -> tuple:
    if keys and len(keys[0]) != len(cursor_key):
        raise GraphQLError("Invalid cursor for current pagination sort.")
    return cursor_key
