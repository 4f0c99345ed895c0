"""Issue codes (stable; merchants filter by them), what each asks the merchant to do, and `Issue`."""

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    NO_EMAIL = "no_email"
    DUPLICATE_EMAIL = "duplicate_email"
    INVALID_PHONE = "invalid_phone"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_PROVINCE = "unknown_province"
    INVALID_RECORD = "invalid_record"
    SHOPIFY_USER_ERROR = "shopify_user_error"
    METAFIELD_TOO_LARGE = "metafield_too_large"
    SKU_NOT_FOUND = "sku_not_found"
    DUPLICATE_SKU = "duplicate_sku"
    DUPLICATE_TIER_NAME = "duplicate_tier_name"
    DEFINITION_CONFLICT = "definition_conflict"
    INVITE_FAILED = "invite_failed"
    UNMAPPED_PAYMENT_TERM = "unmapped_payment_term"
    CUSTOMER_PRICE_ABOVE_TIER = "customer_price_above_tier"
    B2B_CATALOG_LIMIT = "b2b_catalog_limit"
    B2B_TIER_NOT_SERVED = "b2b_tier_not_served"
    B2B_CUSTOMER_PRICES_NEED_PLUS = "b2b_customer_prices_need_plus"
    B2B_PLAN_REFUSED = "b2b_plan_refused"
    B2B_UNAVAILABLE = "b2b_unavailable"
    B2B_HEAD_OFFICE_OUT_OF_SCOPE = "b2b_head_office_out_of_scope"
    B2B_HEAD_OFFICE_MISSING = "b2b_head_office_missing"
    B2B_CONTACT_IN_TWO_COMPANIES = "b2b_contact_in_two_companies"
    B2B_DISCOUNT_RULE_NOT_FOUND = "b2b_discount_rule_not_found"
    B2B_DISCOUNT_LINE_UNSUPPORTED = "b2b_discount_line_unsupported"
    B2B_PACK_SIZE_UNUSABLE = "b2b_pack_size_unusable"
    B2B_BREAK_OFF_PACK_SIZE = "b2b_break_off_pack_size"
    MISSING_SCOPES = "missing_scopes"
    CIN7_CREDENTIALS = "cin7_credentials"
    CIN7_UNAVAILABLE = "cin7_unavailable"
    SHOPIFY_ACCESS_REVOKED = "shopify_access_revoked"
    SHOPIFY_UNAVAILABLE = "shopify_unavailable"
    NOT_CONFIGURED = "not_configured"
    WORKER_LOST = "worker_lost"
    INTERNAL_ERROR = "internal_error"


FIXES = {
    Code.NO_EMAIL: "In Cin7, open the customer, mark one contact as Default and give it an email address.",
    Code.DUPLICATE_EMAIL: "Give each of these Cin7 customers' default contacts its own email address; "
    "the app will not guess which one the Shopify customer belongs to.",
    Code.INVALID_PHONE: "Correct the default contact's phone in Cin7 (include the country code if the "
    "number is not from the address country). The customer was synced without a phone.",
    Code.UNKNOWN_COUNTRY: "Use the full English country name (for example “United States”) on the "
    "customer's address in Cin7. The customer was synced without an address.",
    Code.UNKNOWN_PROVINCE: "Use the full state or province name (or its official code) on the address "
    "in Cin7. The address was synced without a state.",
    Code.INVALID_RECORD: "Cin7 sent this record in a shape the app cannot read; the message says what. "
    "Correct that value in Cin7 and save the record; the next sync retries it. If it persists, contact "
    "support with the message and the Cin7 ID.",
    Code.SHOPIFY_USER_ERROR: "Shopify refused the change for the reason shown. Correct the value in Cin7 "
    "(the next sync retries the customer), or, if another Shopify customer already has it (an email or "
    "phone “already taken”), change that customer in Shopify and click Sync now.",
    Code.METAFIELD_TOO_LARGE: "This customer has too many customer-specific prices for one Shopify "
    "metafield (128 KB). Remove unused prices in Cin7; the last value that fitted stays in Shopify.",
    Code.SKU_NOT_FOUND: "Create these products in Shopify with the same SKU as in Cin7 (exact, "
    "case-sensitive), or ignore this if you do not sell them online.",
    Code.DUPLICATE_SKU: "Several Shopify variants share this SKU; all of them got the Cin7 prices. If they "
    "are different products, give each variant its own SKU in Shopify (Products > the product > Variant > "
    "SKU) matching Cin7.",
    Code.DUPLICATE_TIER_NAME: "Two Cin7 price tiers have the same name; rename one in Cin7 (Settings > "
    "General > Price tiers). Until then the app tells them apart by adding the tier number.",
    Code.DEFINITION_CONFLICT: "A metafield definition with the app's namespace and key already exists in "
    "Shopify with another type, so Shopify refuses these values. In Shopify open Settings > Custom data, "
    "delete that definition (or change its type), then run a full sync; the app creates it again.",
    Code.INVITE_FAILED: "The account invite could not be sent after 5 tries. Check the customer's email "
    "address (in Cin7, on its default contact), then click Send again under Invites on the app's page.",
    Code.UNMAPPED_PAYMENT_TERM: "Shopify's payment terms are Net 7, 15, 30, 45, 60, 90 days or due on "
    "receipt. Give the customer a Cin7 payment term with Method “number of days” and one of those "
    "durations, or set the location's terms in Shopify yourself (the app leaves them alone until then).",
    Code.CUSTOMER_PRICE_ABOVE_TIER: "Shopify charges a B2B buyer the lowest price of its catalogs, so a "
    "customer price above the tier price never applies. Lower the customer price in Cin7, or move the "
    "customer to a tier whose price is not lower.",
    Code.B2B_CATALOG_LIMIT: "Shopify refused another catalog (your plan allows fewer catalogs than Plus). "
    "The named tiers or customers are charged their other catalog's price or retail. Upgrade the plan, or "
    "use fewer price tiers / customer-specific prices in Cin7.",
    Code.B2B_TIER_NOT_SERVED: "Choose up to 3 price tiers to serve under Shopify B2B (settings, Shopify "
    "B2B), or upgrade to Shopify Plus, where every tier gets its own catalog.",
    Code.B2B_CUSTOMER_PRICES_NEED_PLUS: "Below Shopify Plus, customer-specific prices cannot reach checkout; "
    "they stay in the customer's cin7.customer_prices metafield for your theme. Upgrade to Shopify Plus to "
    "charge them at checkout.",
    Code.B2B_PLAN_REFUSED: "Your Shopify plan does not allow this catalog; the app retries after a plan "
    "change or when you run a full sync.",
    Code.B2B_UNAVAILABLE: "Shopify B2B is not available on this shop's plan, so companies and catalogs are "
    "not synced. Customers and price metafields still are. Turn “Shopify B2B” off, or change plan.",
    Code.B2B_HEAD_OFFICE_OUT_OF_SCOPE: "This Cin7 customer is a branch of a head office that does not carry "
    "a B2B tag, so it became a company of its own. Tag the head office in Cin7 to make the branch a location "
    "of the head office's company (the next full sync moves it), or ignore this if that is intended.",
    Code.B2B_HEAD_OFFICE_MISSING: "This Cin7 customer names a parent customer the sync did not find "
    "(deleted, deprecated or not readable), so it became a company of its own. In Cin7 open "
    "the customer and pick an active parent, or clear the parent.",
    Code.B2B_CONTACT_IN_TWO_COMPANIES: "A contact email appears on Cin7 customers of two different "
    "companies. A Shopify customer can buy for one company only, so it stays where it was first. "
    "Give each company's contact its own email in Cin7, or remove the contact from one of them.",
    Code.B2B_DISCOUNT_RULE_NOT_FOUND: "The product names a discount rule that is not in Cin7's Product "
    "Discounts (or is inactive), so it has no volume pricing in Shopify. Pick an active rule on the product "
    "in Cin7, or clear it.",
    Code.B2B_DISCOUNT_LINE_UNSUPPORTED: "Shopify volume pricing can only lower the unit price from a "
    "quantity of 2 or more (percent off, amount off, or a fixed price). "
    "The lines named here (free shipping, markups, flat amounts, a discount from the first unit, "
    "or a price outside zero and the price list's price) are not in Shopify; buyers pay "
    "the price list's price there. Change the rule in Cin7, or use a Shopify discount for them.",
    Code.B2B_PACK_SIZE_UNUSABLE: "Shopify sells in whole units, so a carton quantity with decimals cannot "
    "become a quantity rule. Set a whole carton quantity on the product in Cin7; until then it has no "
    "pack-size rule.",
    Code.B2B_BREAK_OFF_PACK_SIZE: "With pack sizes on, Shopify accepts volume prices only at multiples of "
    "the carton quantity. Align the discount rule's quantities with the carton quantity in Cin7; the other "
    "breaks are synced.",
    Code.MISSING_SCOPES: "The app needs more access for Shopify B2B. Open the app from the Shopify admin "
    "and approve the requested access; the next sync then creates the companies and catalogs.",
    Code.CIN7_CREDENTIALS: "Cin7 rejected the Account ID or API key, so nothing was synced. In Cin7 Core "
    "open Integrations > API and this app's API application (create one if it was deleted), copy the "
    "Account ID and Key from its Setup tab into Connect Cin7 Core on the app's page, click Test "
    "connection, then Save.",
    Code.CIN7_UNAVAILABLE: "Cin7 could not be reached or kept refusing requests. Nothing is lost; the "
    "next scheduled sync tries again. If this lasts for hours, check Cin7's status page, and whether other "
    "integrations use up your Cin7 API limit (60 calls a minute per account).",
    Code.SHOPIFY_ACCESS_REVOKED: "Shopify no longer accepts the app's access, so nothing was synced. Open "
    "the app from your Shopify admin (Apps > Cin7 Sync) to authorise it again; your settings are kept.",
    Code.SHOPIFY_UNAVAILABLE: "Shopify kept failing or asking the app to slow down. Nothing is lost; the "
    "next sync retries. No action is needed unless this repeats for hours.",
    Code.NOT_CONFIGURED: "Finish the settings on the app's page: the Cin7 Account ID and API key (under "
    "Connect Cin7 Core) and at least one B2B customer tag, then Save.",
    Code.WORKER_LOST: "The sync was interrupted (the app's server restarted). Nothing is needed: the next "
    "sync picks up where it left off.",
    Code.INTERNAL_ERROR: "An unexpected error stopped the sync. It has been logged and the next sync "
    "retries; if it keeps happening, contact support and mention the time of the failed sync.",
}


@dataclass(frozen=True)
class Issue:
    """A problem with one record or one run. `subject` is what a later run re-checks to clear it."""

    code: Code
    message: str
    cin7_id: str = ""
    email: str = ""
    sku: str = ""
    subject: str = ""
    items: tuple[str, ...] = ()  # one run-level issue about many SKUs: each stays an open problem alone

    @property
    def fix(self) -> str:
        return FIXES[self.code]

    @property
    def fingerprint(self) -> str:
        """Same problem, same fingerprint: what emails de-duplicate on."""
        detail = hashlib.sha256(f"{self.message}|{self.email}|{self.sku}".encode()).hexdigest()[:16]
        return f"{self.code}:{self.subject or self.cin7_id}:{detail}"


def customer_issue(code: Code, message: str, cin7_id: str, email: str = "") -> Issue:
    """An issue about one Cin7 customer (cleared when a run evaluates that customer again)."""
    return Issue(code, message, cin7_id=cin7_id, email=email, subject=f"customer:{cin7_id}")
