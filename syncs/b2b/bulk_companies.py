"""New companies created in bulk (issue 26, stage 1): from `BULK_COMPANY_THRESHOLD` new head offices (or
customers without one) in a run, their `companyCreate`s (each with its first location) run as one bulk
mutation; the contact roles of the companies made are then read in one bulk export (the bulk document may
select one connection: the locations). Everything after (fields, contact, branches, buyers) goes on as for
a company the single call made (`companies.py`).

A line Shopify refuses is reported for its company, which this run then leaves; a `TAKEN` externalId is
left to the single-call path, which finds the company first. Kill safety: the links are stored before the
stage and the operation (a `BulkOperationRecord`) from before its start until its results are read; the
next run resumes it (waits for it, reads its results) before any company is looked up or created.
"""

from functools import cached_property

from connectors.shopify.bulk import bulk_file_objects, start_bulk_query, wait_for_bulk_query
from connectors.shopify.bulk_mutations import BulkMutations, BulkOperation, LineOutcome
from connectors.shopify.documents import document

from ..issues import Code, Issue
from ..store import BulkOperationRecord, CompanyLinkRecord
from . import bulk_stage as stage
from .diff import company_create_input, written_after_create
from .mapping import DesiredCompany

# As for new customers (syncs/customers/bulk_create.py): below this the single calls stay.
BULK_COMPANY_THRESHOLD = 150
COMPANY_CREATE = "company_create"


class BulkCompanyCreator:
    """Creates one run's new companies in bulk, and finishes the bulk operation a killed run left."""

    threshold = BULK_COMPANY_THRESHOLD

    def __init__(self, ctx, client, links: dict[str, CompanyLinkRecord]):
        self.ctx, self.client, self.links = ctx, client, links
        self.refused: set[str] = set()  # Cin7 IDs whose company Shopify refused: reported, left this run

    @cached_property
    def bulk(self) -> BulkMutations:
        return BulkMutations(self.client)

    def resume(self, companies: dict[str, DesiredCompany]) -> None:
        """Finish what a killed run started: wait for its operation, record the companies it made."""
        for record, operation in stage.pending(self.ctx, self.bulk, (COMPANY_CREATE,)):
            self._finish(record, operation, companies, resumed=True)

    def create(self, new: list[tuple[CompanyLinkRecord, DesiredCompany]]) -> None:
        """Create these companies (links without a company, none found in Shopify) in one bulk stage."""
        if len(new) < self.threshold:
            return
        for link, _desired in new:
            self.ctx.store.save_company_link(link)  # recorded before the create: a rerun looks it up first
        lines = ({"input": company_create_input(link.cin7_id, desired.state)} for link, desired in new)
        keys = [link.cin7_id for link, _ in new]
        record, operation = stage.start(
            self.ctx, self.bulk, COMPANY_CREATE, "bulk_company_create", keys, lines
        )
        self._finish(record, operation, {link.cin7_id: desired for link, desired in new}, resumed=False)

    def _finish(self, record: BulkOperationRecord, operation: BulkOperation, companies: dict, *, resumed):
        """Wait for the operation, record each company made (with its roles), report each refusal."""
        made = {}
        for cin7_id, outcome in stage.outcomes(self.bulk, record, operation):
            company = (outcome.payload or {}).get("company") if outcome.ok else None
            if company:
                made[company["id"]] = (cin7_id, company)
            elif not any(e.code == "TAKEN" for e in outcome.user_errors) and cin7_id in companies:
                self._refused(cin7_id, companies[cin7_id], outcome)
        roles = self._roles(made) if made else {}
        for company_id, (cin7_id, company) in made.items():
            link = self.links.get(cin7_id) or CompanyLinkRecord(cin7_id=cin7_id)
            self.links[cin7_id] = link
            desired = companies.get(cin7_id)
            locations = (company.get("locations") or {}).get("nodes") or []
            link.company_id = company_id
            link.location_id = locations[0]["id"] if locations else ""
            company_roles = roles.get(company_id)
            # resumed: what the line sent is not known for sure, so the update compares with nothing
            fresh = desired is not None and not resumed
            link.written = (
                written_after_create(desired.state, company_roles) if fresh else {"roles": company_roles}
            )
            self.ctx.store.save_company_link(link)
            self.ctx.count("created")
        self.ctx.store.delete_bulk_operation(record)

    def _roles(self, made: dict) -> dict[str, dict]:
        """Company ID -> its `contactRoles` connection (as the single call's answer has it), for `made`."""
        self.ctx.before_write()
        operation = wait_for_bulk_query(
            self.client, start_bulk_query(self.client, document("bulk_company_roles"))
        )
        roles: dict[str, dict] = {}
        for item in bulk_file_objects(self.client, operation):
            parent = item.get("__parentId")
            if parent in made:
                roles.setdefault(parent, {"nodes": []})["nodes"].append(
                    {"id": item["id"], "name": item["name"]}
                )
        return roles

    def _refused(self, cin7_id: str, desired: DesiredCompany, outcome: LineOutcome) -> None:
        self.refused.add(cin7_id)
        reason = outcome.reason("no company returned")
        self.ctx.report(
            Issue(
                Code.SHOPIFY_USER_ERROR,
                f"Shopify refused the company of “{desired.state['name']}”: {reason}",
                cin7_id=cin7_id,
                subject=f"b2b:{cin7_id}",
            )
        )
