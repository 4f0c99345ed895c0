"""Typed records of what the app reads from and sends to Shopify."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ShopFacts:
    id: str
    name: str
    email: str
    domain: str
    currency: str
    country_code: str
    customer_accounts_version: str
    customer_accounts_url: str


@dataclass(frozen=True)
class ShopifyCustomer:
    id: str
    email: str
    state: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserError:
    """A `userErrors` entry: Shopify refused this input; nothing of the mutation was applied."""

    field: tuple[str, ...]
    message: str
    code: str = ""
    index: int | None = None

    def __str__(self):
        where = ".".join(self.field) if self.field else ""
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class CustomerResult:
    customer: ShopifyCustomer | None
    errors: tuple[UserError, ...] = ()


@dataclass(frozen=True)
class ManagedCustomer:
    """What Shopify holds of the fields the app manages on one customer."""

    id: str
    fields: dict  # firstName, lastName, phone, taxExempt
    address_id: str | None  # the default address
    address: dict | None  # as a MailingAddressInput
    tags: tuple[str, ...]
    metafields: dict[str, str]  # key -> value, namespace cin7


@dataclass(frozen=True)
class AddressWrite:
    """A customer's default address to write: in place when `address_id` is known, else created."""

    customer_id: str
    address: dict  # MailingAddressInput
    address_id: str | None = None


@dataclass(frozen=True)
class AddressResult:
    address_id: str | None
    errors: tuple[UserError, ...] = ()


@dataclass(frozen=True)
class Variant:
    id: str
    sku: str


@dataclass(frozen=True)
class MetafieldWrite:
    owner_id: str
    namespace: str
    key: str
    type: str
    value: str

    def as_input(self) -> dict:
        return {
            "ownerId": self.owner_id,
            "namespace": self.namespace,
            "key": self.key,
            "type": self.type,
            "value": self.value,
        }


@dataclass(frozen=True)
class MetafieldRef:
    owner_id: str
    namespace: str
    key: str

    def as_input(self) -> dict:
        return {"ownerId": self.owner_id, "namespace": self.namespace, "key": self.key}
