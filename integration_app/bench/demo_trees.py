"""The demo's company tree: a head office with its branches as Shopify shows them (CONTRACT §3 "Companies as
Cin7 shapes them") — one company, a location per Cin7 customer, buyers and roles, tax ID, billing."""

from collections import Counter

from ..models import CompanyLink, Shop

TREE_ISSUES = ("b2b_head_office_out_of_scope", "b2b_head_office_missing", "b2b_contact_in_two_companies")


def print_company_tree(out, shop: Shop, sandbox_shop, run) -> None:
    """The company with the most locations, read back from the Shopify sandbox, and the run's tree issues."""
    found = ", ".join(f"{code} ({run.issues.filter(code=code).count()})" for code in TREE_ISSUES)
    out.write(f"Company-tree issues: {found}\n")
    counts = Counter(
        CompanyLink.objects.filter(shop=shop).exclude(location_id="").values_list("company_id", flat=True)
    )
    if not counts:
        return
    company_id, size = counts.most_common(1)[0]
    b2b = sandbox_shop.b2b
    company = b2b.companies[company_id]
    head_billing = None
    out.write(f"Head office “{company.name}” with {size - 1} branch(es): one company, {size} locations\n")
    for location_id in company.location_ids:
        location = b2b.locations[location_id]
        kind = "head office" if location.external_id == company.external_id else "branch"
        billing = location.billing_address.fields if location.billing_address else {}
        if kind == "head office":
            head_billing = billing
        where = "the head office's" if kind == "branch" and billing == head_billing else billing.get("city")
        tax_id = location.tax_registration_id or "none"
        out.write(
            f"  {location.name} ({kind}, externalId {location.external_id[:8]}…): tax ID {tax_id}, "
            f"billing {where}\n"
        )
        for assignment in b2b.assignments_of(location.id):
            email = sandbox_shop.customers[b2b.contacts[assignment.contact_id].customer_id].email
            out.write(f"    buyer {email} — {b2b.roles[assignment.role_id].name}\n")
