"""The merchant-facing title and fix of each issue code, shared by the page (API) and the emails."""

from syncs.issues import FIXES, Code

# What the merchant reads instead of an issue's code (the code stays in the payload: it is stable and
# what filters use). Emails use the same titles.
ISSUE_TITLES = {
    Code.NO_EMAIL: "Customer has no email",
    Code.DUPLICATE_EMAIL: "Email used by several Cin7 customers",
    Code.INVALID_PHONE: "Phone number not valid",
    Code.UNKNOWN_COUNTRY: "Country not recognised",
    Code.UNKNOWN_PROVINCE: "State or province not recognised",
    Code.INVALID_RECORD: "Cin7 record could not be read",
    Code.SHOPIFY_USER_ERROR: "Shopify refused a change",
    Code.METAFIELD_TOO_LARGE: "Too many customer prices",
    Code.SKU_NOT_FOUND: "SKU not found in Shopify",
    Code.DUPLICATE_SKU: "SKU used by several Shopify variants",
    Code.DUPLICATE_TIER_NAME: "Two Cin7 price tiers share a name",
    Code.DEFINITION_CONFLICT: "Conflicting metafield definition in Shopify",
    Code.INVITE_FAILED: "Account invite could not be sent",
    Code.UNMAPPED_PAYMENT_TERM: "Payment term has no Shopify equivalent",
    Code.CUSTOMER_PRICE_ABOVE_TIER: "Customer price above its tier price",
    Code.B2B_CATALOG_LIMIT: "Shopify's catalog limit reached",
    Code.B2B_TIER_NOT_SERVED: "Price tier not served below Plus",
    Code.B2B_CUSTOMER_PRICES_NEED_PLUS: "Customer prices need Shopify Plus",
    Code.B2B_PLAN_REFUSED: "Shopify's plan refused a B2B catalog",
    Code.B2B_UNAVAILABLE: "Shopify B2B not available",
    Code.B2B_HEAD_OFFICE_OUT_OF_SCOPE: "Branch's head office is not a B2B customer",
    Code.B2B_HEAD_OFFICE_MISSING: "Branch's head office not found",
    Code.B2B_CONTACT_IN_TWO_COMPANIES: "Contact used by two companies",
    Code.B2B_DISCOUNT_RULE_NOT_FOUND: "Discount rule not found",
    Code.B2B_DISCOUNT_LINE_UNSUPPORTED: "Discount line Shopify cannot express",
    Code.B2B_PACK_SIZE_UNUSABLE: "Carton quantity not a whole number",
    Code.B2B_BREAK_OFF_PACK_SIZE: "Volume price not at a carton multiple",
    Code.MISSING_SCOPES: "The app needs more Shopify access",
    Code.CIN7_CREDENTIALS: "Cin7 rejected the Account ID or API key",
    Code.CIN7_UNAVAILABLE: "Cin7 could not be reached",
    Code.SHOPIFY_ACCESS_REVOKED: "Shopify access needs to be renewed",
    Code.SHOPIFY_UNAVAILABLE: "Shopify was unavailable",
    Code.NOT_CONFIGURED: "Setup not finished",
    Code.WORKER_LOST: "Sync stopped unexpectedly",
    Code.INTERNAL_ERROR: "Unexpected error",
}


def issue_title(code: str) -> str:
    """The merchant-facing name of an issue code; an unknown code is shown as it is."""
    try:
        return ISSUE_TITLES[Code(code)]
    except ValueError:
        return code


def issue_fix(code: str) -> str:
    try:
        return FIXES[Code(code)]
    except ValueError:
        return ""
