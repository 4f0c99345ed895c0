"""Errors of the Shopify connector. Each `str()` says which call failed and what came back, never a secret."""


class ShopifyError(Exception):
    """A Shopify call failed. `call` names it, `status` is the HTTP status (0 when none came back)."""

    def __init__(self, message: str, *, call: str = "", status: int = 0, excerpt: str = ""):
        self.call, self.status, self.excerpt = call, status, excerpt
        parts = [message]
        if call:
            parts.append(f"(call: {call}")
            parts[-1] += f", HTTP {status})" if status else ")"
        if excerpt:
            parts.append(f"Shopify said: {excerpt}")
        super().__init__(" ".join(parts))


class ShopifyAuthError(ShopifyError):
    """Shopify rejected the access token (HTTP 401): the shop must be re-authorised."""


class ShopifyUnavailableError(ShopifyError):
    """Shopify kept failing (5xx, timeouts, throttling) after the retries the policy allows."""


class ShopifyQueryError(ShopifyError):
    """Shopify refused a GraphQL document (top-level `errors` other than THROTTLED)."""


class OAuthError(ShopifyError):
    """The token endpoint refused a grant; `error` is Shopify's OAuth error code (e.g. `invalid_grant`)."""

    def __init__(self, message: str, *, error: str = "", **kwargs):
        self.error = error
        super().__init__(message, **kwargs)


def excerpt_of(text: str, limit: int = 300) -> str:
    """A short, single-line excerpt of a response body for error messages."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
