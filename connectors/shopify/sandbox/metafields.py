"""Metafield writes: `metafieldsSet`, `metafieldsDelete`, `metafieldDefinitionCreate` and the `metafields`
input of `customerCreate`/`customerUpdate` (FACTS §4: at most 25 per call, atomic, compare-and-set)."""

from .context import RequestContext
from .store import Metafield, MetafieldDefinition, gid
from .validation import METAFIELD_TYPES, identifier_errors, normalize_value, value_error
from .views import definition_view, metafield_view

MAX_METAFIELDS_PER_CALL = 25
WRITE_SCOPES = {
    "CUSTOMER": "write_customers",
    "PRODUCTVARIANT": "write_products",
    "PRODUCT": "write_products",
}


class MetafieldWriter:
    """Validates a batch of metafield writes against the shop, then applies all of them or none."""

    def __init__(self, ctx: RequestContext):
        self.ctx = ctx
        self.planned: list[tuple[str, str, str, str, str]] = []  # owner, namespace, key, type, value

    def check(
        self, owner_id: str, item: dict, index: int, path: list[str], *, new_owner: str | None = None
    ) -> list[dict]:
        """Plan one write; return userErrors (`field`, `message`, `code`, `elementIndex`) if it is invalid.

        `new_owner` is the owner type of an owner being created in the same mutation (no metafields yet).
        """
        shop = self.ctx.shop
        owner_type = new_owner or shop.owner_type(owner_id)
        if owner_type is None:
            return [_error([*path, "ownerId"], "Owner does not exist.", "INVALID_VALUE", index)]
        if owner_type in WRITE_SCOPES:
            self.ctx.require(WRITE_SCOPES[owner_type], "metafieldsSet")
        if item.get("id") and not item.get("key"):  # MetafieldInput may name an existing metafield by id
            by_id = next(
                (m for m in (shop.metafields_of(owner_id) or {}).values() if m.id == item["id"]), None
            )
            if by_id is None:
                return [_error([*path, "id"], "Metafield does not exist", "INVALID_VALUE", index)]
            item = {**item, "namespace": by_id.namespace, "key": by_id.key}
        namespace, key = self.ctx.namespace(item.get("namespace")), item.get("key") or ""
        errors = [_error([*path, f], m, c, index) for f, c, m in identifier_errors(namespace, key)]
        if errors:
            return errors
        existing = None if new_owner else shop.metafields_of(owner_id).get((namespace, key))
        definition = shop.definition(owner_type, namespace, key)
        type_ = (
            item.get("type")
            or (definition.type if definition else None)
            or (existing.type if existing else None)
        )
        if not type_:
            return [_error([*path, "type"], "Type can't be blank", "BLANK", index)]
        if definition and type_ != definition.type:
            message = f"Type '{type_}' must be consistent with the definition's type: '{definition.type}'."
            return [_error([*path, "type"], message, "INVALID_TYPE", index)]
        value = item.get("value")
        if value is None:
            return [_error([*path, "value"], "Value can't be blank", "BLANK", index)]
        invalid = value_error(type_, value)
        if invalid:
            return [_error([*path, "value"], invalid[1], invalid[0], index)]
        if "compareDigest" in item:
            current = existing.compare_digest if existing else None
            if item["compareDigest"] != current:
                message = (
                    "The resource has been updated since it was loaded. "
                    "Try again with an updated `compareDigest` value."
                )
                return [_error([*path, "compareDigest"], message, "STALE_OBJECT", index)]
        self.planned.append((owner_id, namespace, key, type_, normalize_value(type_, value)))
        return []

    def apply(self) -> list[Metafield]:
        """Write every planned metafield; unchanged values keep their `updatedAt`."""
        shop, now, written = self.ctx.shop, self.ctx.now(), []
        for owner_id, namespace, key, type_, value in self.planned:
            metafields = shop.metafields_of(owner_id)
            current = metafields.get((namespace, key))
            if current is None:
                current = Metafield(
                    gid("Metafield", shop.ids.next("Metafield")),
                    owner_id,
                    namespace,
                    key,
                    type_,
                    value,
                    now,
                    now,
                )
                metafields[(namespace, key)] = current
            elif (current.type, current.value) != (type_, value):
                current.type, current.value, current.updated_at = type_, value, now
            written.append(current)
        return written


def metafields_set(ctx: RequestContext, metafields: list[dict]) -> dict:
    if len(metafields) > MAX_METAFIELDS_PER_CALL:
        message = f"Exceeded the maximum metafields input limit of {MAX_METAFIELDS_PER_CALL}."
        return {
            "metafields": [],
            "userErrors": [_error(["metafields"], message, "LESS_THAN_OR_EQUAL_TO", None)],
        }
    writer = MetafieldWriter(ctx)
    errors = [
        error
        for index, item in enumerate(metafields)
        for error in writer.check(item["ownerId"], item, index, ["metafields", str(index)])
    ]
    if errors:
        return {"metafields": [], "userErrors": errors}
    return {"metafields": [metafield_view(ctx, m) for m in writer.apply()], "userErrors": []}


def metafields_delete(ctx: RequestContext, metafields: list[dict]) -> dict:
    shop, deleted = ctx.shop, []
    for item in metafields:
        owner_type = shop.owner_type(item["ownerId"])
        if owner_type in WRITE_SCOPES:
            ctx.require(WRITE_SCOPES[owner_type], "metafieldsDelete")
        owned = shop.metafields_of(item["ownerId"]) or {}
        namespace = ctx.namespace(item["namespace"])
        removed = owned.pop((namespace, item["key"]), None)
        deleted.append(
            {"ownerId": item["ownerId"], "namespace": namespace, "key": item["key"]} if removed else None
        )
    return {"deletedMetafields": deleted, "userErrors": []}


def metafield_definition_create(ctx: RequestContext, definition: dict) -> dict:
    shop = ctx.shop
    owner_type = definition["ownerType"]
    if owner_type in WRITE_SCOPES:
        ctx.require(WRITE_SCOPES[owner_type], "metafieldDefinitionCreate")
    namespace, key = ctx.namespace(definition.get("namespace")), definition["key"]
    errors = [_error(["definition", f], m, c) for f, c, m in identifier_errors(namespace, key)]
    if definition["type"] not in METAFIELD_TYPES:
        errors.append(
            _error(["definition", "type"], f"Type '{definition['type']}' is not supported.", "INCLUSION")
        )
    if not definition["name"].strip():
        errors.append(_error(["definition", "name"], "Name can't be blank", "PRESENT"))
    if shop.definition(owner_type, namespace, key):
        message = f"Key is in use for {owner_type.title()} metafields on the '{namespace}' namespace."
        errors.append(_error(["definition", "key"], message, "TAKEN"))
    if errors:
        return {"createdDefinition": None, "userErrors": [_without_index(e) for e in errors]}
    created = MetafieldDefinition(
        id=gid("MetafieldDefinition", shop.ids.next("MetafieldDefinition")),
        namespace=namespace,
        key=key,
        name=definition["name"],
        type=definition["type"],
        owner_type=owner_type,
        description=definition.get("description"),
        storefront_access=((definition.get("access") or {}).get("storefront")),
    )
    shop.definitions.append(created)
    return {"createdDefinition": definition_view(ctx, created), "userErrors": []}


def _error(field: list[str], message: str, code: str, index: int | None = None) -> dict:
    return {"field": field, "message": message, "code": code, "elementIndex": index}


def _without_index(error: dict) -> dict:
    return {**error, "elementIndex": None}
