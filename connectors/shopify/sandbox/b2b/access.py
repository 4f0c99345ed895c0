"""Who may call the B2B fields, and the userError shape they answer with (B2B.md "Scopes")."""

from graphql import GraphQLError

from ..context import RequestContext

MAX_NAME = 255


def require_b2b(ctx: RequestContext, field_name: str, *scopes: str) -> None:
    """Shopify's ACCESS_DENIED unless the token holds one of `scopes` and the shop has B2B."""
    if not any(s in ctx.scopes or s.replace("read_", "write_", 1) in ctx.scopes for s in scopes):
        required = " or ".join(f"`{s}` access scope" for s in scopes)
        raise GraphQLError(
            f"Access denied for {field_name} field. Required access: {required}.",
            extensions={
                "code": "ACCESS_DENIED",
                "documentation": "https://shopify.dev/api/usage/access-scopes",
                "requiredAccess": f"{required}.",
            },
        )
    if not ctx.shop.b2b.settings.enabled:
        raise GraphQLError(
            f"Access denied for {field_name} field. The shop must have access to B2B.",
            extensions={"code": "ACCESS_DENIED"},
        )


def error(field: list[str] | None, message: str, code: str | None) -> dict:
    return {"field": field, "message": message, "code": code}


def not_found(field: list[str], what: str) -> dict:
    return error(field, f"{what} does not exist.", "RESOURCE_NOT_FOUND")
