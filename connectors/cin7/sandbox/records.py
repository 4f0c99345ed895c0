"""Cin7 customer and product records: the field catalogue, defaults, input checks and the rendered JSON shape.

Records keep only the fields a caller set; rendering lays them over the defaults in the field order of the
reference's GET examples (FACTS §4.3-4.5, §5.2), so ten thousand records stay small in memory.
"""

import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation

ATTRIBUTES = tuple(f"AdditionalAttribute{n}" for n in range(1, 11))
TIER_FIELDS = tuple(f"PriceTier{code}" for code in range(1, 11))

# Customer scalars in wire order; `PriceTier`, `CustomerParentName`, `LastModifiedOn` are computed.
CUSTOMER_DEFAULTS = {
    "Name": None,
    "DisplayName": None,
    "Currency": None,
    "PaymentTerm": "30 days",
    "Discount": Decimal("0"),
    "TaxRule": None,
    "Carrier": None,
    "SalesRepresentative": None,
    "Location": "Main Warehouse",
    "Comments": None,
    "AccountReceivable": "610",
    "RevenueAccount": "200",
    "PriceTier": None,
    "TaxNumber": None,
    **dict.fromkeys(ATTRIBUTES),
    "AttributeSet": None,
    "Tags": "",
    "Status": "Active",
    "CreditLimit": Decimal("0"),
    "IsOnCreditHold": False,
    "IsLegalEntity": False,
    "CustomerParentID": None,
    "CustomerParentName": None,
    "IsBillParent": False,
}
CUSTOMER_COMPUTED = {"PriceTier", "CustomerParentName"}
CUSTOMER_STATUSES = {"Active", "Deprecated"}

ADDRESS_DEFAULTS = {
    "Line1": None,
    "Line2": None,
    "City": None,
    "State": None,
    "Postcode": None,
    "Country": None,
    "Type": None,
    "DefaultForType": False,
}
ADDRESS_TYPES = {"Billing", "Business", "Shipping"}

CONTACT_DEFAULTS = {
    "Name": None,
    "JobTitle": None,
    "Phone": None,
    "MobilePhone": None,
    "Fax": None,
    "Email": None,
    "Website": None,
    "Default": False,
    "Comment": None,
    "IncludeInEmail": False,
    "MarketingConsent": 1,
}

_ZERO = Decimal("0")
PRODUCT_HEAD = {
    "SKU": None,
    "Name": None,
    "Category": "Other",
    "Brand": None,
    "Type": "Stock",
    "CostingMethod": "FIFO",
    "DropShipMode": "No Drop Ship",
    "DefaultLocation": "Main Warehouse",
    "Length": _ZERO,
    "Width": _ZERO,
    "Height": _ZERO,
    "Weight": _ZERO,
    "UOM": "Item",
    "WeightUnits": "kg",
    "DimensionsUnits": "cm",
    "Barcode": "",
    "MinimumBeforeReorder": _ZERO,
    "ReorderQuantity": _ZERO,
    **dict.fromkeys(TIER_FIELDS, _ZERO),
}
PRODUCT_MIDDLE = {
    "AverageCost": _ZERO,
    "ShortDescription": "",
    "Description": "",
    "InternalNote": "",
    **dict.fromkeys(ATTRIBUTES, ""),
    "AttributeSet": None,
    "DiscountRule": None,
    "Tags": "",
    "Status": "Active",
    "StockLocator": "",
    "COGSAccount": None,
    "RevenueAccount": None,
    "ExpenseAccount": None,
    "InventoryAccount": None,
    "PurchaseTaxRule": None,
    "SaleTaxRule": None,
}
PRODUCT_TAIL = {
    "Sellable": True,
    "PickZones": "",
    "BillOfMaterial": False,
    "AutoAssembly": False,
    "AutoDisassembly": False,
    "QuantityToProduce": Decimal("1"),
    "AssemblyInstructionURL": "",
    "AssemblyCostEstimationMethod": "Average Cost",
}
PRODUCT_CARTON = {
    "CartonHeight": _ZERO,
    "CartonWidth": _ZERO,
    "CartonLength": _ZERO,
    "CartonQuantity": _ZERO,
    "CartonInnerQuantity": _ZERO,
    "HSCode": "",
    "CountryOfOrigin": "",
    "CountryOfOriginCode": "",
}
PRODUCT_DEFAULTS = {**PRODUCT_HEAD, **PRODUCT_MIDDLE, **PRODUCT_TAIL, **PRODUCT_CARTON}
PRODUCT_STATUSES = {"Active", "Setup required", "Deprecated"}

# FACTS §5.1: the product includes other than custom prices; the sandbox has no such data, so they are empty.
PRODUCT_INCLUDE_LISTS = {
    "includesuppliers": ("Suppliers",),
    "includereorderlevels": ("ReorderLevels",),
    "includebom": ("BillOfMaterialsProducts", "BillOfMaterialsServices"),
    "includemovements": ("Movements",),
    "includeattachments": ("Attachments",),
}


def new_id(rng) -> str:
    """A random (version 4) GUID drawn from `rng`, so seeded stores make the same IDs."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def as_decimal(field: str, value, places: int | None = None) -> Decimal:
    """`value` as a finite Decimal (floats through their repr), with at most `places` decimals."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{field}: not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{field}: not a finite number: {value!r}")
    if places is not None and number.as_tuple().exponent < -places:
        raise ValueError(f"{field}: more than {places} decimal places: {value!r}")
    return number


def checked_fields(kind: str, fields: dict, defaults: dict) -> dict:
    """`fields` with each value checked against the type of its default; unknown names raise ValueError."""
    unknown = set(fields) - set(defaults)
    if unknown:
        raise ValueError(f"unknown {kind} field(s): {', '.join(sorted(unknown))}")
    checked = {}
    for name, value in fields.items():
        default = defaults[name]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{kind} {name}: expected true/false, got {value!r}")
        elif isinstance(default, Decimal):
            value = as_decimal(name, value, 4)
        elif isinstance(default, int):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{kind} {name}: expected an integer, got {value!r}")
        elif value is not None and not isinstance(value, str):
            raise ValueError(f"{kind} {name}: expected a string or null, got {value!r}")
        checked[name] = value
    return checked


def checked_addresses(addresses, rng) -> list[dict]:
    """Complete Address models (FACTS §4.4): `Line1`, `Country` and a valid `Type` are required."""
    result = []
    for given in addresses:
        address = _checked_item("address", given, ADDRESS_DEFAULTS, rng)
        if not address.get("Line1") or not address.get("Country"):
            raise ValueError(f"address needs Line1 and Country: {given!r}")
        if address.get("Type") not in ADDRESS_TYPES:
            raise ValueError(f"address Type must be one of {sorted(ADDRESS_TYPES)}: {given!r}")
        result.append(address)
    return result


def checked_contacts(contacts, rng) -> list[dict]:
    """Complete Contact models (FACTS §4.5): `Name` is required, `MarketingConsent` is 1, 2 or 3."""
    result = []
    for given in contacts:
        contact = _checked_item("contact", given, CONTACT_DEFAULTS, rng)
        if not contact.get("Name"):
            raise ValueError(f"contact needs a Name: {given!r}")
        if contact.get("MarketingConsent", 1) not in (1, 2, 3):
            raise ValueError(f"contact MarketingConsent must be 1, 2 or 3: {given!r}")
        result.append(contact)
    return result


def _checked_item(kind: str, given: dict, defaults: dict, rng) -> dict:
    """An address or contact: its `ID` (drawn when missing), then its other fields checked."""
    item = {"ID": given.get("ID") or new_id(rng)}
    return item | checked_fields(kind, {k: v for k, v in given.items() if k != "ID"}, defaults)


def render_items(items: list[dict], defaults: dict) -> list[dict]:
    """Address or contact models with every field, `ID` last as in the reference's examples."""
    return [{**defaults, **{k: v for k, v in item.items() if k != "ID"}, "ID": item["ID"]} for item in items]


def price_tiers_object(prices: list[Decimal], tier_names: list[str]) -> dict:
    """`PriceTiers` keyed by current tier names; Cin7 disables it when two tiers share a name (FACTS §5.2)."""
    if len(set(tier_names)) < len(tier_names):
        return {}
    return dict(zip(tier_names, prices, strict=True))


class Record:
    """One customer or product: the fields set on it (sparse) and its modification stamp in ms."""

    __slots__ = ("addresses", "contacts", "fields", "id", "modified_ms", "tier_code")

    def __init__(self, record_id: str, fields: dict, modified_ms: int):
        self.id = record_id
        self.fields = fields
        self.modified_ms = modified_ms
        self.tier_code = 1
        self.addresses: list[dict] = []
        self.contacts: list[dict] = []

    @property
    def deprecated(self) -> bool:
        return self.fields.get("Status", "Active") == "Deprecated"


class RecordView(Mapping):
    """Read-only `{ID: record as GET renders it}`; renders one record per lookup, under the store lock."""

    def __init__(self, lock, records: dict, render):
        self._lock, self._records, self._render = lock, records, render

    def __getitem__(self, record_id):
        with self._lock:
            return self._render(self._records[record_id])

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)
