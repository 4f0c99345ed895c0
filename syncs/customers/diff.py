"""Desired Shopify state, the snapshot of what was last written, and the difference between them.

A customer link's `written` snapshot is `{"fields": {...}, "tags": [...], "metafields": {key: stored}}`,
plus `"address_id"`, the Shopify address the app keeps Cin7's address in (updated in place), where
`stored` is the value itself, or `sha256:<hex>` for long values (customer prices can reach 128 KB).
Comparing a desired state with it tells exactly which writes a record needs; equal means zero writes.
"""

import hashlib
import json
from dataclasses import dataclass, field

from ..definitions import NAMESPACE

JSON_LIMIT_BYTES = 128 * 1024  # json metafields written by apps (FACTS §4 "Limits")
INLINE_LIMIT = 200


@dataclass(frozen=True, slots=True)  # slots: 10k customers carry nine each
class Metafield:
    """A desired metafield value; `value` None means "should not exist"."""

    type: str
    value: str | None


KEEP = Metafield("keep", None)  # leave whatever Shopify has (e.g. a new value was too large to write)


@dataclass(frozen=True, slots=True)
class DesiredCustomer:
    cin7_id: str
    email: str
    fields: dict  # Shopify CustomerInput keys; "address" holds the one address; absent keys are left alone
    tags: tuple[str, ...]
    metafields: dict[str, Metafield]

    @property
    def state_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()

    def to_json(self) -> dict:
        return {
            "cin7_id": self.cin7_id,
            "email": self.email,
            "fields": self.fields,
            "tags": list(self.tags),
            "metafields": {k: [mf.type, mf.value] for k, mf in self.metafields.items() if mf is not KEEP},
        }

    def create_input(self) -> dict:
        """`CustomerInput` for `customerCreate`: every field with a value, tags and metafields at once.
        The address is not part of it: it is written with the address mutations once the customer exists."""
        data = {k: v for k, v in self.fields.items() if v is not None and k != "address"}
        if self.tags:
            data["tags"] = list(self.tags)
        metafields = [
            {"namespace": NAMESPACE, "key": key, "type": mf.type, "value": mf.value}
            for key, mf in sorted(self.metafields.items())
            if mf is not KEEP and mf.value is not None
        ]
        if metafields:
            data["metafields"] = metafields
        return data


def stored_form(value: str | None) -> str | None:
    if value is None or len(value) <= INLINE_LIMIT:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


@dataclass
class CustomerChanges:
    """What one linked customer needs: a field update, tag adds/removals, metafield sets/deletes."""

    fields: dict = field(default_factory=dict)  # changed CustomerInput keys -> new value
    field_diff: dict = field(default_factory=dict)  # key -> [old, new], for previews
    metafields_set: dict[str, Metafield] = field(default_factory=dict)
    metafields_delete: list[str] = field(default_factory=list)
    tags_add: list[str] = field(default_factory=list)
    tags_remove: list[str] = field(default_factory=list)
    metafields_before: dict[str, str | None] = field(default_factory=dict)  # stored forms, for previews

    @property
    def empty(self) -> bool:
        return not (
            self.fields or self.metafields_set or self.metafields_delete or self.tags_add or self.tags_remove
        )

    def update_input(self, customer_id: str, *, with_metafields: bool) -> dict:
        data = {"id": customer_id}
        data.update({key: value for key, value in self.fields.items() if key != "address"})
        if with_metafields and self.metafields_set:
            data["metafields"] = [
                {"namespace": NAMESPACE, "key": key, "type": mf.type, "value": mf.value}
                for key, mf in sorted(self.metafields_set.items())
            ]
        return data

    def preview(self) -> dict:
        diff = {key: {"from": old, "to": new} for key, (old, new) in self.field_diff.items()}
        for key, mf in self.metafields_set.items():
            diff[f"metafield {NAMESPACE}.{key}"] = {"from": self._before(key), "to": _short(mf.value)}
        for key in self.metafields_delete:
            diff[f"metafield {NAMESPACE}.{key}"] = {"from": self._before(key), "to": None}
        if self.tags_add:
            diff["tags added"] = self.tags_add
        if self.tags_remove:
            diff["tags removed"] = self.tags_remove
        return diff

    def _before(self, key: str) -> str | None:
        before = self.metafields_before.get(key)
        return "(a previous value)" if before and before.startswith("sha256:") else _short(before)


def diff_customer(
    desired: DesiredCustomer, written: dict, *, components: frozenset[str] | None = None
) -> CustomerChanges:
    """Compare `desired` with the `written` snapshot. `components` limits the comparison to some metafield
    keys (e.g. only `customer_prices` for a pricing run); None compares everything."""
    changes = CustomerChanges()
    if components is None:
        old_fields = written.get("fields") or {}
        for key, value in desired.fields.items():
            if old_fields.get(key, _MISSING) != value:
                if value is None and key not in old_fields:
                    continue  # nothing written before, nothing to clear now
                changes.fields[key] = value
                changes.field_diff[key] = [old_fields.get(key), value]
        old_tags = {t.casefold(): t for t in written.get("tags") or ()}
        new_tags = {t.casefold(): t for t in desired.tags}
        changes.tags_add = sorted((new_tags[k] for k in new_tags.keys() - old_tags.keys()), key=str.casefold)
        changes.tags_remove = sorted(
            (old_tags[k] for k in old_tags.keys() - new_tags.keys()), key=str.casefold
        )
    old_metafields = written.get("metafields") or {}
    for key, mf in desired.metafields.items():
        if mf is KEEP or (components is not None and key not in components):
            continue
        old = old_metafields.get(key)
        if mf.value is None:
            if old is not None:
                changes.metafields_delete.append(key)
                changes.metafields_before[key] = old
        elif stored_form(mf.value) != old:
            changes.metafields_set[key] = mf
            changes.metafields_before[key] = old
    return changes


def apply_changes(
    written: dict, changes: CustomerChanges, *, fields: bool, tags: bool, metafields: bool
) -> dict:
    """The snapshot after the named parts of `changes` were confirmed by Shopify."""
    snapshot = {
        **written,
        "fields": dict(written.get("fields") or {}),
        "tags": list(written.get("tags") or ()),
        "metafields": dict(written.get("metafields") or {}),
    }
    if fields:
        snapshot["fields"].update(changes.fields)
    if tags:
        removed = {t.casefold() for t in changes.tags_remove}
        snapshot["tags"] = sorted(
            [t for t in snapshot["tags"] if t.casefold() not in removed] + changes.tags_add, key=str.casefold
        )
    if metafields:
        for key, mf in changes.metafields_set.items():
            snapshot["metafields"][key] = stored_form(mf.value)
        for key in changes.metafields_delete:
            snapshot["metafields"].pop(key, None)
    return snapshot


def snapshot_of(desired: DesiredCustomer, *, phone_written: bool = True) -> dict:
    """The snapshot right after `desired` was created in Shopify."""
    fields = {k: v for k, v in desired.fields.items() if phone_written or k != "phone"}
    return {
        "fields": fields,
        "tags": list(desired.tags),
        "metafields": {
            key: stored_form(mf.value)
            for key, mf in desired.metafields.items()
            if mf is not KEEP and mf.value is not None
        },
    }


def _short(value: str | None) -> str | None:
    return value if value is None or len(value) <= 120 else value[:117] + "…"


_MISSING = object()
