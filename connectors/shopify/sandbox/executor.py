"""One Admin GraphQL request, as Shopify answers it (FACTS §4, §5): parse and validate against the schema,
price the query, charge the shop's bucket or answer THROTTLED, execute, refund the unused points."""

from dataclasses import dataclass
from typing import NamedTuple

from graphql import (
    GraphQLError,
    GraphQLSchema,
    NoDeprecatedCustomRule,
    OperationDefinitionNode,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import get_operation_ast

from ..schema.gate import variable_deprecations
from .bulk_mutation import advance_bulk_mutations
from .context import BulkModel, RequestContext
from .cost import MAX_QUERY_COST, QueryCost, SelectionWalker
from .extensions import Extensions
from .mutations import mutation_root
from .oauth import AccessToken
from .queries import query_root
from .runtime import run
from .store import SandboxShop

THROTTLED = {
    "message": "Throttled",
    "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
}
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)
DOCUMENT_CACHE_SIZE = 512


class GraphQLCall(NamedTuple):
    """One GraphQL request as the sandbox saw it; `actual_cost` is None when nothing was executed."""

    shop: str
    operation_name: str | None
    root_fields: tuple[str, ...]
    mutation: bool
    requested_cost: int | None
    actual_cost: int | None
    throttled: bool
    status: int
    at: float


@dataclass
class Outcome:
    status: int
    payload: dict
    call: GraphQLCall


class _Rejected(Exception):
    """The request is answered with `errors` and nothing is executed or charged."""

    def __init__(self, errors: list[dict], requested: int | None = None, extensions: dict | None = None):
        super().__init__(errors[0]["message"])
        self.errors, self.requested, self.extensions = errors, requested, extensions


class GraphQLEndpoint:
    """Serves `POST {admin}/api/{version}/graphql.json` for authenticated requests. Caller holds the lock."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        app_id: int,
        bulk_delay: float,
        extensions: Extensions,
        bulk_model: BulkModel | None = None,
    ):
        self.schema, self.app_id, self.bulk_delay = schema, app_id, bulk_delay
        self.extensions, self.bulk_model = extensions, bulk_model or BulkModel()
        self._documents: dict[str, tuple] = {}

    def handle(self, shop: SandboxShop, token: AccessToken, body, api_version: str, base_url: str) -> Outcome:
        advance_bulk_mutations(shop)  # the lines Shopify would have run by now (BULK.md)
        now = shop.clock.now()
        if not _well_formed(body):
            call = GraphQLCall(shop.domain, None, (), False, None, None, False, 400, now)
            return Outcome(400, {"errors": {"query": "Required parameter missing or invalid"}}, call)
        name, fields, mutation = body.get("operationName"), (), False
        ctx = RequestContext(
            self.schema,
            shop,
            token.scopes,
            api_version,
            self.app_id,
            base_url,
            self.bulk_delay,
            bulk_model=self.bulk_model,
            extensions=self.extensions,
        )
        try:
            document, operation = self._operation(body["query"], name)
            _refuse_deprecated_variables(self.schema, body["query"], body.get("variables"))
            cost = self._cost(document, operation, body.get("variables"))
            name = name or (operation.name.value if operation.name else None)
            fields, mutation = tuple(f.name.value for f in cost.root_fields()), cost.is_mutation
            root = mutation_root(ctx) if mutation else query_root(ctx)
            missing = [f for f in fields if f not in root]
            if missing:
                message = f"The Shopify sandbox does not implement {cost.root_type.name}.{missing[0]}."
                raise _Rejected([{"message": message, "extensions": {"code": "NOT_IMPLEMENTED_IN_SANDBOX"}}])
            requested = _requested(cost, shop)
        except _Rejected as rejected:
            payload = {"errors": rejected.errors} | (
                {"extensions": rejected.extensions} if rejected.extensions else {}
            )
            call = GraphQLCall(shop.domain, name, fields, mutation, rejected.requested, None, False, 200, now)
            return Outcome(200, payload, call)
        if not shop.bucket.take(requested):
            payload = {"errors": [THROTTLED], "extensions": _cost(requested, None, shop)}
            return Outcome(
                200,
                payload,
                GraphQLCall(shop.domain, name, fields, mutation, requested, None, True, 200, now),
            )
        result = run(self.schema, document, root, body.get("variables"), body.get("operationName"))
        actual = min(requested, cost.actual(result.data))
        shop.bucket.refund(requested - actual)
        payload: dict = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        payload["extensions"] = _cost(requested, actual, shop)
        if ctx.search_warnings:
            payload["extensions"]["search"] = ctx.search_warnings
        call = GraphQLCall(shop.domain, name, fields, mutation, requested, actual, False, 200, now)
        return Outcome(200, payload, call)

    def _operation(self, query: str, operation_name: str | None):
        document, errors = self._parse(query)
        if errors:
            raise _Rejected(errors)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"No operation named {operation_name}" if operation_name else "An operation name is required"
            )
            raise _Rejected([{"message": message, "extensions": {"code": "OPERATION_NOT_FOUND"}}])
        return document, operation

    def _cost(self, document, operation: OperationDefinitionNode, variables: dict | None) -> QueryCost:
        coerced = get_variable_values(self.schema, operation.variable_definitions or [], variables or {})
        if isinstance(coerced, list):
            raise _Rejected([_formatted(e, "INVALID_VARIABLE") for e in coerced])
        fragments = {
            d.name.value: d for d in document.definitions if not isinstance(d, OperationDefinitionNode)
        }
        return QueryCost(SelectionWalker(self.schema, fragments, coerced), operation)

    def _parse(self, query: str):
        """(document, formatted errors) for a query string; validated documents are cached."""
        cached = self._documents.get(query)
        if cached is None:
            try:
                document = parse(query)
                errors = validate(self.schema, document) or [
                    _removed(e) for e in validate(self.schema, document, [NoDeprecatedCustomRule])
                ]
                cached = (document, [_formatted(e, "GRAPHQL_VALIDATION_FAILED") for e in errors])
            except GraphQLError as error:
                cached = (None, [_formatted(error, "GRAPHQL_PARSE_FAILED")])
            if len(self._documents) >= DOCUMENT_CACHE_SIZE:
                self._documents.clear()
            self._documents[query] = cached
        return cached


def _removed(error: GraphQLError) -> GraphQLError:
    """A use of something deprecated in the schema, refused as the version that removes it would."""
    return GraphQLError(f"{error.message} The Shopify sandbox refuses it as removed.", error.nodes)


def _refuse_deprecated_variables(schema: GraphQLSchema, query: str, variables: dict | None) -> None:
    """Deprecated input fields and enum values sent in variables, refused as undefined ones are."""
    found = variable_deprecations(query, variables, schema)
    if found:
        errors = [
            {
                "message": f"Variable ${d.variable} was provided invalid value for {d.coordinate} "
                f"({d.kind} removed: {d.reason.strip()})",
                "extensions": {"code": "INVALID_VARIABLE"},
            }
            for d in found
        ]
        raise _Rejected(errors)


def _well_formed(body) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("query"), str)
        and isinstance(body.get("variables"), dict | None)
    )


def _requested(cost: QueryCost, shop: SandboxShop) -> int:
    """The requested cost, refusing queries Shopify refuses before charging anything."""
    try:
        requested = cost.requested()
    except GraphQLError as error:
        raise _Rejected([_formatted(error, "BAD_REQUEST")]) from error
    if requested > MAX_QUERY_COST:
        message = MAX_COST_MESSAGE.format(cost=requested, limit=MAX_QUERY_COST)
        extensions = {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST}
        raise _Rejected(
            [{"message": message, "extensions": extensions}], requested, _cost(requested, None, shop)
        )
    return requested


def _formatted(error: GraphQLError, code: str) -> dict:
    formatted = dict(error.formatted)
    formatted["extensions"] = {"code": code, **(formatted.get("extensions") or {})}
    return formatted


def _cost(requested: int, actual: int | None, shop: SandboxShop) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": shop.bucket.status(),
        }
    }
