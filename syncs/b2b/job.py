"""The B2B phase of a run: companies, locations, contacts, catalogs and fixed prices (contract §3).

Runs after customers and pricing, only with `b2b_companies` on. Companies and catalogs are found in
Shopify (by `externalId`, by title) before any create, so a run killed between a create and its local
record makes no duplicate; what was written is kept (`CompanyLink.written`, `ManagedCatalog.prices`) so a
rerun without change writes nothing.
"""

import logging

from django.utils import timezone

from connectors.shopify.b2b import B2BAdmin, location_admin_role
from integration_app.b2b import record_b2b_facts
from integration_app.models import CompanyLink, CustomerLink, ManagedCatalog, VariantPrice

from ..customer_mapping import MappingSettings, in_scope
from ..issues import Code, Issue
from .mapping import DesiredCatalog, customer_catalog, map_company, tier_catalogs, tier_code_of

logger = logging.getLogger(__name__)

REQUIRED_SCOPES = ("write_customers", "write_products")  # companies: write_customers; price lists: products
PLAN_SAMPLE = 100
LIMIT_CODES = {"CONTEXT_CATALOG_LIMIT_REACHED", "LIMIT_REACHED"}


def required_scopes_missing(granted: str) -> list[str]:
    """Scopes B2B needs that the shop's token lacks (an empty record means unknown: nothing missing)."""
    have = {s.strip() for s in granted.split(",") if s.strip()}
    return [s for s in REQUIRED_SCOPES if have and s not in have]


class B2BJob:
    def __init__(self, ctx):
        self.ctx = ctx
        self.api = B2BAdmin(ctx.shopify.client)
        self.refused_catalogs: list[str] = []

    def run(self) -> None:
        """Takes the customers read and (on full runs) the products from the run, so they are freed once
        mapped: with 10k customers and 20k products they are the run's largest objects."""
        ctx = self.ctx
        customers, products = ctx.b2b_customers or [], ctx.all_products
        ctx.b2b_customers = ctx.all_products = None
        if not ctx.full and not customers and not ctx.products_read:
            return  # nothing changed in Cin7: not even a read (incremental reruns stay at Cin7's floor)
        ctx.evaluated("b2b:shop")
        missing = required_scopes_missing(ctx.shop.scopes)
        if missing:
            ctx.report(
                Issue(
                    Code.MISSING_SCOPES,
                    f"Shopify B2B needs the app's access to {', '.join(missing)}.",
                    subject="b2b:shop",
                )
            )
            return
        ctx.progress.phase("Shopify B2B")
        facts = self.api.facts()
        record_b2b_facts(ctx.shop, facts)
        if not facts.available:
            ctx.report(Issue(Code.B2B_UNAVAILABLE, facts.reason, subject="b2b:shop"))
            return
        self.currency = facts.currency or ctx.shop.currency
        terms = ctx.cin7.payment_terms()
        if products is None:
            products = list(ctx.cin7.iter_products())
        products = [p for p in products if not p.is_deprecated]
        variants = ctx.all_variants if ctx.dry_run and ctx.all_variants else variants_by_sku(ctx.shop)
        companies, catalogs = self._desired(customers, products, variants, terms, list(facts.templates))
        read_ids = [customer.id for customer in customers]
        del customers, products, variants
        self.companies = companies
        self._write_companies(companies)
        self._write_catalogs(catalogs)
        del catalogs
        self._write_membership(companies, self._leaving(read_ids, companies))
        if self.refused_catalogs:
            ctx.report(
                Issue(
                    Code.B2B_CATALOG_LIMIT,
                    "Shopify refused these catalogs (the plan's catalog limit): "
                    + ", ".join(self.refused_catalogs)
                    + ". Their buyers pay their other catalog's price or retail.",
                    subject="b2b:shop",
                )
            )

    # Desired state ------------------------------------------------------------------------------------
    def _desired(self, customers, products, variants, terms, templates):
        ctx = self.ctx
        links = {
            link.cin7_id: link.shopify_id
            for link in CustomerLink.objects.filter(shop=ctx.shop, in_scope=True).exclude(shopify_id="")
        }
        rules = frozenset(r.strip().casefold() for r in ctx.settings.tax_exempt_rules)
        by_sku = {p.sku: p for p in products}
        variants = self._with_customer_price_skus(customers, variants, links)
        companies, customer_catalogs = {}, {}
        scope = MappingSettings.build(customer_tags=ctx.settings.customer_tags)
        for customer in customers:
            gid = links.get(customer.id)
            if not gid and ctx.dry_run and in_scope(customer, scope):
                gid = "(the customer this run would create)"  # a preview shows its company too
            if not gid:
                continue
            ctx.evaluated(f"b2b:{customer.id}")
            code = tier_code_of(customer, ctx.tiers)
            tier_prices = {  # the customer's own SKUs only: customers x products would not scale
                row.sku: by_sku[row.sku].tier_prices.get(code)
                for row in customer.product_prices
                if code is not None and row.sku in by_sku
            }
            catalog, issues = customer_catalog(customer, tier_prices, variants)
            for issue in issues:
                ctx.report(issue)
            company, issues = map_company(
                customer,
                gid,
                tiers=ctx.tiers,
                terms=terms,
                templates=templates,
                tax_exempt_rules=rules,
                has_customer_catalog=catalog is not None,
            )
            for issue in issues:
                ctx.report(issue)
            companies[customer.id] = company
            if catalog is not None:
                customer_catalogs[catalog.key] = catalog
        in_use = {
            int(key.split(":")[1])
            for company in companies.values()
            for key in company.state["catalogs"]
            if key.startswith("tier:")
        }
        for cin7_id, written in CompanyLink.objects.filter(shop=ctx.shop).values_list("cin7_id", "written"):
            if cin7_id in companies:
                continue
            in_use.update(
                int(k.split(":")[1]) for k in written.get("catalogs") or () if k.startswith("tier:")
            )
        catalogs = tier_catalogs(in_use, ctx.tiers, products, variants)
        catalogs.update(customer_catalogs)
        return companies, catalogs

    def _with_customer_price_skus(self, customers: list, variants: dict, links: dict) -> dict:
        """`variants` plus the variants of SKUs only customer prices name (no tier prices them, so the
        pricing phase recorded no variant for them): searched by exact SKU, the same on every run."""
        missing = {
            row.sku
            for customer in customers
            if customer.id in links
            for row in customer.product_prices
            if row.sku and row.sku not in variants
        }
        if not missing:
            return variants
        found = self.ctx.shopify.variants_by_sku(missing)
        return {**variants, **{sku: [v.id for v in found[sku]] for sku in found}}

    # Companies ----------------------------------------------------------------------------------------
    def _write_companies(self, companies: dict) -> None:
        ctx = self.ctx
        links = {link.cin7_id: link for link in CompanyLink.objects.filter(shop=ctx.shop)}
        self.found = None
        for cin7_id, desired in companies.items():
            link = links.get(cin7_id) or CompanyLink(shop=ctx.shop, cin7_id=cin7_id)
            links[cin7_id] = link
            # A row without a company: a run may have created it and been killed before recording it.
            if not link.company_id and link.pk is not None and not ctx.dry_run:
                self._find(link, desired)
            if ctx.dry_run:
                self._plan_company(link, desired)
                continue
            try:
                if not link.company_id:
                    link.save()  # recorded before the create, so a rerun after a kill looks it up first
                    self._create_company(link, desired)
                if link.company_id and not link.location_id:
                    self._create_location(link, desired)
                if link.company_id and link.location_id:
                    self._update_company(link, desired)
                    self._assign_contact(link, desired)
            except _Refused as refused:
                ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused the company of “{desired.state['name']}”: {refused}",
                        cin7_id=cin7_id,
                        subject=f"b2b:{cin7_id}",
                    )
                )
        self.links = links

    def _find(self, link: CompanyLink, desired) -> None:
        """Adopt the company with this customer's externalId, if Shopify has one (companies read once)."""
        if self.found is None:
            self.found = {node["externalId"]: node for node in self.api.companies() if node.get("externalId")}
        if link.cin7_id in self.found:
            self._adopt(link, self.found[link.cin7_id], desired.customer_gid)

    def _adopt(self, link: CompanyLink, node: dict, customer_gid: str) -> None:
        """Take over the company a killed run created: its location and the contact made of the customer."""
        link.company_id = node["id"]
        locations = (node.get("locations") or {}).get("nodes") or []
        location = next((loc for loc in locations if loc.get("externalId") == link.cin7_id), None)
        location = location or (locations[0] if locations else None)
        link.location_id = location["id"] if location else ""
        link.written = {"roles": node.get("contactRoles")}
        contacts = (node.get("contacts") or {}).get("nodes") or []
        contact = next((c for c in contacts if (c.get("customer") or {}).get("id") == customer_gid), None)
        if contact:
            link.contact_id = contact["id"]
            link.written["contact_of"] = customer_gid
            if (node.get("mainContact") or {}).get("id") == contact["id"]:
                link.written["customer"] = customer_gid
        link.save()

    def _create_location(self, link: CompanyLink, desired) -> None:
        """An adopted company without a location (made by hand) gets the customer's."""
        self.ctx.before_write()
        location, errors = self.api.create_location(
            link.company_id, {"name": desired.state["location"]["name"], "externalId": link.cin7_id}
        )
        if errors or not location:
            raise _Refused(errors[0] if errors else "no location returned")
        link.location_id = location["id"]
        link.save()

    def _create_company(self, link: CompanyLink, desired) -> None:
        state = desired.state
        location = {
            "name": state["location"]["name"],
            "externalId": link.cin7_id,
            "taxExempt": state["tax_exempt"],
            "buyerExperienceConfiguration": {
                "checkoutToDraft": state["draft"],
                "paymentTermsTemplateId": state["terms"],
            },
        }
        shipping, billing = state["location"]["shipping"], state["location"]["billing"]
        if shipping:
            location["shippingAddress"] = shipping
            if billing == shipping:
                location["billingSameAsShipping"] = True
            else:
                location["billingAddress"] = billing
        self.ctx.before_write()
        company, errors = self.api.create_company(
            {"company": {"name": state["name"], "externalId": link.cin7_id}, "companyLocation": location}
        )
        if any(e.code == "TAKEN" for e in errors):  # its externalId is taken: the company exists
            self._find(link, desired)
            if link.company_id:
                return
        if errors or not company:
            raise _Refused(errors[0] if errors else "no company returned")
        locations = (company.get("locations") or {}).get("nodes") or []
        link.company_id = company["id"]
        link.location_id = locations[0]["id"] if locations else ""
        link.written = {
            **{k: v for k, v in state.items() if k != "catalogs"},
            "catalogs": [],
            "roles": company.get("contactRoles"),
        }
        link.save()
        self.ctx.count("created")

    def _update_company(self, link: CompanyLink, desired) -> None:
        state, written, api = desired.state, link.written, self.api
        changed = False
        if written.get("name") != state["name"]:
            self._do(api.update_company, link.company_id, {"name": state["name"]})
            written["name"] = state["name"]
            changed = True
        old_location = written.get("location") or {}
        experience = {"checkoutToDraft": state["draft"], "paymentTermsTemplateId": state["terms"]}
        if (
            old_location.get("name") != state["location"]["name"]
            or written.get("draft") != state["draft"]
            or written.get("terms", "unset") != state["terms"]
        ):
            data = {"name": state["location"]["name"], "buyerExperienceConfiguration": experience}
            self._do(api.update_location, link.location_id, data)
            written.update(draft=state["draft"], terms=state["terms"])
            changed = True
        shipping, billing = state["location"]["shipping"], state["location"]["billing"]
        if old_location.get("shipping") != shipping or old_location.get("billing") != billing:
            if shipping:
                if billing == shipping:
                    self._do(api.assign_address, link.location_id, shipping, ["SHIPPING", "BILLING"])
                else:
                    self._do(api.assign_address, link.location_id, shipping, ["SHIPPING"])
                    if billing:
                        self._do(api.assign_address, link.location_id, billing, ["BILLING"])
            changed = True
        written["location"] = state["location"]
        if written.get("tax_exempt") != state["tax_exempt"]:
            self._do(api.set_tax_exempt, link.location_id, state["tax_exempt"])
            written["tax_exempt"] = state["tax_exempt"]
            changed = True
        link.written = written
        link.save()
        if changed:
            self.ctx.count("updated")

    def _assign_contact(self, link: CompanyLink, desired) -> None:
        """The synced customer as contact (never a new customer), main contact and location admin."""
        gid = desired.customer_gid
        if link.written.get("customer") == gid and link.contact_id:
            return
        role = location_admin_role(link.written.get("roles"))
        if not role:
            raise _Refused("the company has no “Location admin” role")
        if link.written.get("contact_of") != gid:
            self.ctx.before_write()
            contact_id, errors = self.api.assign_contact(link.company_id, gid)
            if errors or not contact_id:
                raise _Refused(errors[0] if errors else "no contact returned")
            link.contact_id = contact_id
            link.written["contact_of"] = gid
            link.save()
        self._do(self.api.make_main_contact, link.company_id, link.contact_id, link.location_id, role)
        link.written["customer"] = gid
        link.save()

    def _planned(self, entry: dict) -> None:
        """A preview entry; B2B keeps its own sample, so many planned customers cannot crowd it out."""
        if sum(1 for e in self.ctx.plan if "company" in e or "catalog" in e) < PLAN_SAMPLE:
            self.ctx.plan.append(entry)

    def _do(self, call, *args) -> None:
        """One write: counted (and stopped by the test hook) before it is sent; a refusal raises."""
        self.ctx.before_write()
        errors = call(*args)
        if errors:
            raise _Refused(errors[0])

    def _plan_company(self, link: CompanyLink, desired) -> None:
        changes = {
            key: {"from": link.written.get(key), "to": value}
            for key, value in desired.state.items()
            if link.written.get(key) != value
        }
        if changes:
            self._planned(
                {
                    "action": "update" if link.company_id else "create",
                    "company": desired.state["name"],
                    "cin7_id": link.cin7_id,
                    "changes": changes,
                }
            )

    # Catalogs -----------------------------------------------------------------------------------------
    def _write_catalogs(self, catalogs: dict[str, DesiredCatalog]) -> None:
        ctx = self.ctx
        rows = {row.key: row for row in ManagedCatalog.objects.filter(shop=ctx.shop)}
        found = None
        self.catalog_rows = rows
        if ctx.full and not ctx.dry_run and any(row.catalog_id for row in rows.values()):
            found = {node["title"]: node for node in self.api.catalogs()}
            self._forget_deleted(rows, found)
        for key, desired in sorted(catalogs.items()):
            row = rows.get(key) or ManagedCatalog(shop=ctx.shop, key=key, title=desired.title)
            rows[key] = row
            if ctx.dry_run:
                self._plan_catalog(row, desired)
                continue
            if (not row.catalog_id or not row.price_list_id) and found is None:
                found = {node["title"]: node for node in self.api.catalogs()}
            if not row.catalog_id and desired.title in (found or {}):
                row.catalog_id = found[desired.title]["id"]
                row.price_list_id = (found[desired.title].get("priceList") or {}).get("id") or ""
                row.save()
            try:
                if not row.catalog_id and not self._create_catalog(row, desired):
                    continue
                if row.title != desired.title:
                    self._do(self.api.rename_catalog, row.catalog_id, desired.title)
                    row.title = desired.title
                    row.save()
                if not row.price_list_id:
                    self._create_price_list(row, desired, found or {})
                self._write_prices(row, desired)
            except _Refused as refused:
                ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused catalog “{desired.title}”: {refused}",
                        subject="b2b:shop",
                    )
                )

    def _forget_deleted(self, rows: dict, found: dict) -> None:
        """Cin7 wins on full runs: a catalog or price list deleted in Shopify is made again, whole."""
        by_id = {node["id"]: node for node in found.values()}
        for row in rows.values():
            if not row.catalog_id:
                continue
            node = by_id.get(row.catalog_id)
            if node is None:
                row.catalog_id, row.price_list_id, row.prices = "", "", {}
                for link in self.links.values():
                    if row.key in (link.written.get("catalogs") or ()):
                        link.written["catalogs"] = [k for k in link.written["catalogs"] if k != row.key]
                        link.save()
            elif ((node.get("priceList") or {}).get("id") or "") != row.price_list_id:
                row.price_list_id, row.prices = (node.get("priceList") or {}).get("id") or "", {}
            else:
                continue
            row.save()

    def _create_catalog(self, row: ManagedCatalog, desired: DesiredCatalog) -> bool:
        """Created with its first member location (a catalog needs a context); False when refused."""
        member = self._first_member(row.key)
        if member is None:
            return False
        if row.refused_at and not self.ctx.retry_refused:  # tried again on full runs started by a person
            self.refused_catalogs.append(desired.title)
            return False
        self.ctx.before_write()
        catalog_id, errors = self.api.create_catalog(desired.title, [member.location_id])
        if errors or not catalog_id:
            if any(_is_limit(e) for e in errors):
                self.refused_catalogs.append(desired.title)
                row.title, row.refused_at = desired.title, timezone.now()
                row.save()
                return False
            raise _Refused(errors[0] if errors else "no catalog returned")
        row.catalog_id, row.title, row.refused_at = catalog_id, desired.title, None
        row.save()
        member.written["catalogs"] = sorted({*member.written.get("catalogs", []), row.key})
        member.save()
        self.ctx.count("created")
        return True

    def _first_member(self, key: str) -> CompanyLink | None:
        for cin7_id, link in sorted(self.links.items()):
            desired = self.companies.get(cin7_id)
            if desired and key in desired.state["catalogs"] and link.location_id:
                return link
        return None

    def _create_price_list(self, row: ManagedCatalog, desired: DesiredCatalog, found: dict) -> None:
        node = found.get(desired.title) or {}
        existing = (node.get("priceList") or {}).get("id") if node.get("id") == row.catalog_id else None
        if existing:
            row.price_list_id = existing
        else:
            self.ctx.before_write()
            price_list_id, errors = self.api.create_price_list(desired.title, self.currency, row.catalog_id)
            if errors or not price_list_id:
                raise _Refused(errors[0] if errors else "no price list returned")
            row.price_list_id = price_list_id
            row.prices = {}
        row.save()

    def _write_prices(self, row: ManagedCatalog, desired: DesiredCatalog) -> None:
        written = row.prices or {}
        changed = {v: amount for v, amount in desired.prices.items() if written.get(v) != amount}
        removed = [v for v in written if v not in desired.prices]
        if not changed and not removed:
            return
        calls = -(-(len(changed) + len(removed)) // 250)
        for _ in range(calls):
            self.ctx.before_write()
        done, errors = self.api.set_fixed_prices(row.price_list_id, changed, removed, self.currency)
        for variant_id in done:
            if variant_id in changed:
                written[variant_id] = changed[variant_id]
            else:
                written.pop(variant_id, None)
        row.prices = written
        row.save()
        self.ctx.count("variants_updated", len(done))
        if errors:
            raise _Refused(errors[0])

    def _plan_catalog(self, row: ManagedCatalog, desired: DesiredCatalog) -> None:
        written = row.prices or {}
        changed = sum(1 for v, amount in desired.prices.items() if written.get(v) != amount)
        removed = sum(1 for v in written if v not in desired.prices)
        if not row.catalog_id or changed or removed:
            self._planned(
                {
                    "action": "update" if row.catalog_id else "create",
                    "catalog": desired.title,
                    "changes": {"fixed prices": {"set": changed, "removed": removed}},
                }
            )

    # Membership ---------------------------------------------------------------------------------------
    def _leaving(self, read_ids: list[str], companies: dict) -> list[str]:
        """Customers read now that are out of scope: with `on_untag: strip` they leave the app's catalogs
        (their company stays; the app never deletes one)."""
        if self.ctx.settings.on_untag != "strip":
            return []
        return [cin7_id for cin7_id in read_ids if cin7_id not in companies and cin7_id in self.links]

    def _write_membership(self, companies: dict, leaving: list[str]) -> None:
        ctx = self.ctx
        if ctx.dry_run:
            return
        moves: dict[str, tuple[list, list]] = {}
        wanted = {cin7_id: desired.state["catalogs"] for cin7_id, desired in companies.items()}
        wanted.update({cin7_id: [] for cin7_id in leaving})
        for cin7_id, catalogs in wanted.items():
            link = self.links.get(cin7_id)
            if link is None or not link.location_id:
                continue
            old, new = set(link.written.get("catalogs") or ()), set(catalogs)
            for key in new - old:
                moves.setdefault(key, ([], []))[0].append(link)
            for key in old - new:
                moves.setdefault(key, ([], []))[1].append(link)
        for key, (added, removed) in sorted(moves.items()):
            row = self.catalog_rows.get(key)
            if row is None or not row.catalog_id:
                continue
            for start in range(0, max(len(added), len(removed)), 250):
                add, remove = added[start : start + 250], removed[start : start + 250]
                ctx.before_write()
                errors = self.api.change_locations(
                    row.catalog_id, [link.location_id for link in add], [link.location_id for link in remove]
                )
                if errors:
                    ctx.report(
                        Issue(
                            Code.SHOPIFY_USER_ERROR,
                            f"Shopify refused a change to catalog “{row.title}”: {errors[0]}",
                            subject="b2b:shop",
                        )
                    )
                    continue
                for link in add:
                    link.written["catalogs"] = sorted({*link.written.get("catalogs", []), key})
                    link.save()
                for link in remove:
                    link.written["catalogs"] = sorted(set(link.written.get("catalogs", [])) - {key})
                    link.save()


class _Refused(Exception):
    pass


def variants_by_sku(shop) -> dict[str, list[str]]:
    """SKU -> variant gids of the variants the pricing phase matched to a Cin7 product (exact SKU)."""
    found: dict[str, list[str]] = {}
    for variant_id, sku in VariantPrice.objects.filter(shop=shop).values_list("variant_id", "sku"):
        found.setdefault(sku, []).append(variant_id)
    return found


def _is_limit(error) -> bool:
    """Shopify's refusal of one more catalog on the plan (code, or its message, as codes vary)."""
    message = error.message.lower()
    return error.code in LIMIT_CODES or "limit" in message or "maximum number" in message
