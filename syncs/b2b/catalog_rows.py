"""What both catalog writers (`catalogs.py` direct, `markets.py` below Plus) and their bulk stages share
about a catalog row: the plan's refusals remembered on it, its preview entry, a link's membership."""

from datetime import UTC, datetime

from ..store import CatalogRecord, CompanyLinkRecord
from .diff import price_changes
from .mapping import DesiredCatalog
from .refusals import LIMIT, first_refusal
from .writes import planned

PER_CALL = 250  # fixed prices per priceListFixedPricesUpdate, locations per catalogContextUpdate


def note_refused(writer, row: CatalogRecord, title: str) -> None:
    """A catalog the plan refused before: named again in this run's issue, not sent again."""
    (writer.refused if row.refusal in ("", LIMIT) else writer.plan_refused).append(title)


def remember_refusal(writer, row: CatalogRecord, title: str, errors) -> bool:
    """Whether `errors` are the plan's refusal; if so it is recorded on `row` (not retried every run)."""
    kind = first_refusal(errors)
    if kind is None:
        return False
    row.title, row.refused_at, row.refusal = title, datetime.now(UTC), kind
    writer.ctx.store.save_catalog(row)
    note_refused(writer, row, title)
    return True


def add_catalog(ctx, link: CompanyLinkRecord, key: str) -> None:
    """Record that `link`'s location is in catalog `key`."""
    link.written["catalogs"] = sorted({*link.written.get("catalogs", []), key})
    ctx.store.save_company_link(link)


def plan_catalog(ctx, row: CatalogRecord, desired: DesiredCatalog, **extra) -> None:
    """A preview's entry for a catalog to create or whose fixed prices change (`extra`: what else to show)."""
    changed, removed = price_changes(desired.prices, row.prices or {})
    if not row.catalog_id or changed or removed:
        planned(
            ctx,
            {
                "action": "update" if row.catalog_id else "create",
                "catalog": desired.title,
                **extra,
                "changes": {"fixed prices": {"set": len(changed), "removed": len(removed)}},
            },
        )
