"""What a resolver knows about the request it serves: the shop, the token's scopes, the API version."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from graphql import GraphQLError, GraphQLSchema

from .extensions import Extensions
from .paging import connection
from .store import SandboxShop

APP_NAMESPACE = "$app"
BULK_UPLOAD_LIMIT = 100 * 1024 * 1024  # "The size of the JSONL file can't exceed 100MB" (BULK.md)
MAX_INPUT_ARRAY = 250  # any array argument (shopify.dev "API limits": input limits)


@dataclass(frozen=True)
class BulkModel:
    """How the sandbox runs bulk operations (BULK.md "Processing model"): a mutation waits
    `startup_seconds`, then runs `rows_per_second` lines per second of the shop's clock, each operation
    at that rate independently; uploads above `upload_limit` bytes are refused. An export completes
    after `export_startup_seconds` plus its root objects at `export_rows_per_second`."""

    rows_per_second: float = 100.0
    startup_seconds: float = 2.0
    upload_limit: int = BULK_UPLOAD_LIMIT
    export_rows_per_second: float = 1000.0
    export_startup_seconds: float = 1.0

    def export_seconds(self, root_objects: int) -> float:
        return self.export_startup_seconds + root_objects / self.export_rows_per_second


@dataclass
class RequestContext:
    schema: GraphQLSchema
    shop: SandboxShop
    scopes: frozenset[str]
    api_version: str
    app_id: int
    base_url: str
    bulk_delay: float = 0.0
    bulk: bool = False
    bulk_model: BulkModel = field(default_factory=BulkModel)
    extensions: Extensions = field(default_factory=Extensions)
    search_warnings: list[dict] = field(default_factory=list)
    memo: dict = field(default_factory=dict)  # what one request computes once (e.g. a bulk export's rows)

    def page(self, items, *, sort_key, view, **arguments) -> dict:
        """A connection over `items`; bulk operations read whole connections, ignoring page sizes."""
        if self.bulk:
            arguments = {k: v for k, v in arguments.items() if k not in ("first", "last")}
        return connection(items, sort_key=sort_key, view=view, unbounded=self.bulk, **arguments)

    def now(self) -> float:
        return self.shop.clock.now()

    def require(self, scope: str, field_name: str) -> None:
        """Raise Shopify's ACCESS_DENIED error unless the token holds `scope` (a write scope implies read)."""
        held = scope in self.scopes or scope.replace("read_", "write_", 1) in self.scopes
        if not held:
            raise GraphQLError(
                f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
                extensions={
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"`{scope}` access scope.",
                },
            )

    def namespace(self, namespace: str | None) -> str:
        """The stored namespace: omitted or `$app` means the app-reserved `app--<app id>` namespace."""
        if namespace is None or namespace == APP_NAMESPACE:
            return f"app--{self.app_id}"
        if namespace.startswith(APP_NAMESPACE + ":"):
            return f"app--{self.app_id}--{namespace[len(APP_NAMESPACE) + 1 :]}"
        return namespace


def limit_input_array(items: list, argument: str) -> None:
    if len(items) > MAX_INPUT_ARRAY:
        raise GraphQLError(
            f"The input array size of {len(items)} is greater than the maximum allowed of {MAX_INPUT_ARRAY}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED", "argumentName": argument},
        )


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
