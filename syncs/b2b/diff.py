"""What a B2B run must write: the desired state compared with what was written last. Pure, no I/O.

A company's `written` holds the state Shopify confirmed (`name`, `location`, `draft`, `terms`,
`tax_exempt`, `catalogs`, plus the contact bookkeeping); a catalog's `prices` the fixed prices it holds.
Equal states mean no write at all, which is what keeps a rerun without change at zero writes.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CompanyWrite:
    """One write to a company (`on="company"`) or its location; `written`: what holds once it is done.
    `call` None: nothing to send, only `written` to record."""

    call: str | None
    on: str
    args: tuple = ()
    written: dict = field(default_factory=dict)


@dataclass
class CompanyUpdate:
    writes: list[CompanyWrite]
    changed: bool  # the company counts as updated


def company_update(state: dict, written: dict, cin7_id: str | None = None) -> CompanyUpdate:
    """The writes that bring an existing company and its location from `written` to `state`, in order.
    A branch (`state["head"]` another customer) writes its location only."""
    writes, changed = [], False
    branch = state.get("head", cin7_id) != cin7_id  # a branch's company is its head office's to name
    if not branch and written.get("name") != state["name"]:
        writes.append(
            CompanyWrite("update_company", "company", ({"name": state["name"]},), {"name": state["name"]})
        )
        changed = True
    old_location, location = written.get("location") or {}, state["location"]
    if (
        old_location.get("name") != location["name"]
        or written.get("draft") != state["draft"]
        or written.get("terms", "unset") != state["terms"]
    ):
        data = {"name": location["name"], "buyerExperienceConfiguration": _experience(state)}
        writes.append(
            CompanyWrite(
                "update_location", "location", (data,), {"draft": state["draft"], "terms": state["terms"]}
            )
        )
        changed = True
    shipping, billing = location["shipping"], location["billing"]
    if old_location.get("shipping") != shipping or old_location.get("billing") != billing:
        writes += _address_writes(shipping, billing)
        changed = True
    writes.append(CompanyWrite(None, "location", written={"location": location}))
    if written.get("tax_exempt") != state["tax_exempt"]:
        exempt = state["tax_exempt"]
        writes.append(CompanyWrite("set_tax_exempt", "location", (exempt,), {"tax_exempt": exempt}))
        changed = True
    if written.get("tax_id") != state.get("tax_id"):
        tax_id = state.get("tax_id")
        writes.append(CompanyWrite("set_tax_registration", "location", (tax_id,), {"tax_id": tax_id}))
        changed = True
    return CompanyUpdate(writes, changed)


def _address_writes(shipping: dict | None, billing: dict | None) -> list[CompanyWrite]:
    if not shipping:
        return []
    if billing == shipping:
        return [CompanyWrite("assign_address", "location", (shipping, ["SHIPPING", "BILLING"]))]
    writes = [CompanyWrite("assign_address", "location", (shipping, ["SHIPPING"]))]
    if billing:
        writes.append(CompanyWrite("assign_address", "location", (billing, ["BILLING"])))
    return writes


def _experience(state: dict) -> dict:
    return {"checkoutToDraft": state["draft"], "paymentTermsTemplateId": state["terms"]}


def company_create_input(cin7_id: str, state: dict) -> dict:
    """`companyCreate`'s input: the company with its one location, addresses, tax and buyer experience."""
    location = {
        "name": state["location"]["name"],
        "externalId": cin7_id,
        "taxExempt": state["tax_exempt"],
        "buyerExperienceConfiguration": _experience(state),
    }
    if state.get("tax_id"):  # `CompanyLocationInput.taxRegistrationId`: no separate call after the create
        location["taxRegistrationId"] = state["tax_id"]
    shipping, billing = state["location"]["shipping"], state["location"]["billing"]
    if shipping:
        location["shippingAddress"] = shipping
        if billing == shipping:
            location["billingSameAsShipping"] = True
        else:
            location["billingAddress"] = billing
    return {"company": {"name": state["name"], "externalId": cin7_id}, "companyLocation": location}


def written_after_create(state: dict, roles) -> dict:
    """The snapshot of a company (or branch location) just created with `company_create_input`:
    everything but its catalogs (the membership adds them)."""
    kept = {k: v for k, v in state.items() if k != "catalogs"}
    return {**kept, "catalogs": [], "roles": roles}


def company_preview(state: dict, written: dict) -> dict:
    """Key -> {"from", "to"} of every part of the company that differs, for a preview."""
    return {
        key: {"from": written.get(key), "to": value}
        for key, value in state.items()
        if written.get(key) != value
    }


def price_changes(desired: dict[str, str], written: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Fixed prices to set (variant -> amount) and variants to remove from a price list."""
    changed = {variant: amount for variant, amount in desired.items() if written.get(variant) != amount}
    removed = [variant for variant in written if variant not in desired]
    return changed, removed


def membership_moves(
    wanted: dict[str, list[str]], current: dict[str, list[str]]
) -> dict[str, tuple[list, list]]:
    """Catalog key -> (Cin7 IDs whose location joins it, those whose location leaves it).

    `wanted`: Cin7 ID -> the catalogs its location should be in; `current`: those it is in (only
    companies with a location)."""
    moves: dict[str, tuple[list, list]] = {}
    for cin7_id, catalogs in wanted.items():
        if cin7_id not in current:
            continue
        old, new = set(current[cin7_id]), set(catalogs)
        for key in new - old:
            moves.setdefault(key, ([], []))[0].append(cin7_id)
        for key in old - new:
            moves.setdefault(key, ([], []))[1].append(cin7_id)
    return moves
