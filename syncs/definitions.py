"""Metafield definitions for every key the app writes, with storefront read access (contract §3).

Created once per shop (and again when this list changes: bump `DEFINITIONS_VERSION`). A definition that
already exists with the same type is adopted as it is; one with another type is reported
(`definition_conflict`), checked again on every run until it is gone, and its values are not sent meanwhile.
"""

import logging

from .issues import Code, Issue

logger = logging.getLogger(__name__)

NAMESPACE = "cin7"  # every metafield the app writes

DEFINITIONS_VERSION = 1
DEFINITIONS = (
    ("CUSTOMER", "company_name", "single_line_text_field", "Company", "Cin7 customer name"),
    ("CUSTOMER", "customer_group", "single_line_text_field", "Customer group", "From the Cin7 tag mapping"),
    ("CUSTOMER", "credit_limit", "number_decimal", "Credit limit", "Cin7 credit limit"),
    ("CUSTOMER", "on_hold", "boolean", "On credit hold", "Cin7 IsOnCreditHold"),
    ("CUSTOMER", "price_tier", "single_line_text_field", "Price tier", "Cin7 price tier name"),
    ("CUSTOMER", "payment_term", "single_line_text_field", "Payment term", "Cin7 payment term"),
    ("CUSTOMER", "discount", "number_decimal", "Discount %", "Cin7 customer discount"),
    ("CUSTOMER", "customer_prices", "json", "Customer prices", "Cin7 customer-specific prices by SKU"),
    ("CUSTOMER", "cin7_id", "single_line_text_field", "Cin7 ID", "Cin7 customer ID"),
    ("PRODUCTVARIANT", "price_tiers", "json", "Price tiers", "Cin7 tier prices by tier name"),
    ("SHOP", "price_tier_names", "json", "Price tier names", "Cin7 price tier names in tier order"),
)

OWNER_LABELS = {"CUSTOMER": "customer", "PRODUCTVARIANT": "variant", "SHOP": "shop"}


def ensure_definitions(ctx) -> None:
    state = ctx.state
    if state.definitions_version >= DEFINITIONS_VERSION:
        return
    complete = True
    for owner_type in sorted({d[0] for d in DEFINITIONS}):
        existing = ctx.shopify.metafield_definitions(owner_type, NAMESPACE)
        for owner, key, type_name, name, description in DEFINITIONS:
            if owner != owner_type:
                continue
            subject = f"definition:{owner}.{key}"
            ctx.evaluated(subject)
            if key in existing:
                if existing[key] != type_name:
                    complete = False
                    ctx.definition_conflicts.add((owner, key))
                    ctx.report(
                        Issue(
                            Code.DEFINITION_CONFLICT,
                            f"Shopify already has a {OWNER_LABELS[owner]} metafield definition "
                            f"{NAMESPACE}.{key} of type {existing[key]}; the app writes {type_name}, so "
                            "these values are not written.",
                            subject=subject,
                        )
                    )
                continue
            ctx.before_write()
            errors = ctx.shopify.create_metafield_definition(
                {
                    "namespace": NAMESPACE,
                    "key": key,
                    "name": name,
                    "description": description,
                    "ownerType": owner,
                    "type": type_name,
                    "access": {"storefront": "PUBLIC_READ"},
                }
            )
            if errors and not all(e.code == "TAKEN" for e in errors):
                complete = False  # tried again next run; values are written without definitions meanwhile
                logger.warning(
                    "Metafield definition %s.%s not created on %s: %s",
                    NAMESPACE,
                    key,
                    ctx.shop.domain,
                    errors,
                )
    if not complete:
        return
    state.definitions_version = DEFINITIONS_VERSION
    ctx.store.save_state(state, ["definitions_version"])
