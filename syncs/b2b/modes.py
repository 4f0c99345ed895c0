"""Moving a shop between the B2B modes when its plan changes (contract §3 "B2B prices below Plus"), on the
next full run, without leaving buyers unpriced beyond that run.

Downgrade (to markets): the app's direct catalogs go first: below Plus they still price (the plan does not
archive them) and they count among the 3 active B2B catalogs the markets need. Upgrade (to direct): the
app's market catalogs step aside (catalog titles are unique) while the direct catalogs are made, and their
markets are deleted once every direct catalog is active.
"""

from connectors.shopify.b2b import B2BAdmin

from ..issues import Code, Issue
from .markets import PRICE_LIST_SUFFIX, retire_markets
from .writes import Refused, write_one

GONE = {"CATALOG_NOT_FOUND"}


def retire_direct(ctx, api: B2BAdmin, links: dict) -> None:
    """Delete the app's direct catalogs (with their price lists); their locations leave them."""
    if ctx.dry_run:
        return
    for key, row in sorted(ctx.store.catalogs(markets=False).items()):
        if row.catalog_id:
            ctx.before_write()
            errors = [e for e in api.delete_catalog(row.catalog_id, True) if e.code not in GONE]
            if errors:
                ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused to delete catalog “{row.title}”: {errors[0]}",
                        subject="b2b:shop",
                    )
                )
                continue
        for link in links.values():
            if key in (link.written.get("catalogs") or ()):
                link.written["catalogs"] = [k for k in link.written["catalogs"] if k != key]
                ctx.store.save_company_link(link)
        ctx.store.delete_catalog(row)


def market_rows(ctx) -> dict:
    return ctx.store.catalogs(markets=True)


def step_aside(ctx, api: B2BAdmin) -> None:
    """The app's market catalogs take another title, so the direct catalogs can have theirs."""
    if ctx.dry_run:
        return
    for row in market_rows(ctx).values():
        if not row.catalog_id or row.title.endswith(PRICE_LIST_SUFFIX):
            continue
        try:
            write_one(ctx, api.rename_catalog, row.catalog_id, row.title + PRICE_LIST_SUFFIX)
        except Refused:
            continue  # deleted in Shopify meanwhile: nothing to step aside
        row.title += PRICE_LIST_SUFFIX
        ctx.store.save_catalog(row)


def finish_upgrade(ctx, api: B2BAdmin, links: dict, active: bool) -> None:
    """Once every direct catalog is `active`, the app's markets are deleted."""
    if ctx.dry_run or not active:
        return
    rows = market_rows(ctx)
    if rows:
        retire_markets(ctx, api, rows, links, list(rows))
