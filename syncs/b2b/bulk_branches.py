"""New branch locations created in bulk (issue 26, stage 2): from `BULK_COMPANY_THRESHOLD` branches
without a location whose head office's company is ready, their `companyLocationCreate`s (into the head
office's company, `externalId` = the branch's Cin7 ID) run as one bulk mutation, after the companies'.

A line Shopify refuses is reported for its branch, which this run then leaves; a `TAKEN` externalId is
left to the single-call path (`branches.py`), which finds the location first. Kill safety as in
`bulk_companies.py`: links stored before the stage, the operation kept until its results are read and
resumed by the next run before any location is looked up or created.
"""

from ..issues import Code, Issue
from ..store import CompanyLinkRecord
from . import bulk_stage as stage
from .branches import is_branch
from .diff import company_create_input, written_after_create
from .mapping import DesiredCompany

LOCATION_CREATE = "location_create"


class BulkBranchCreator:
    def __init__(self, ctx, creator, branches, links: dict[str, CompanyLinkRecord]):
        self.ctx, self.creator, self.branches, self.links = ctx, creator, branches, links
        # `creator`: the companies' (bulk client, threshold, refused); `branches`: the `BranchWriter`

    def resume(self, companies: dict[str, DesiredCompany]) -> None:
        """Finish what a killed run started: wait for its operation, record the locations it made."""
        for record, operation in stage.pending(self.ctx, self.creator.bulk, (LOCATION_CREATE,)):
            self._finish(record, operation, companies, resumed=True)

    def create(self, companies: dict[str, DesiredCompany]) -> None:
        """The new branches' locations, in one bulk stage from the threshold on."""
        new = self._new(companies)
        if len(new) < self.creator.threshold:
            return
        for link, _desired, head in new:
            if link.id is not None:
                self.branches.find(link, head)  # a location a killed run made: adopted
        new = [(link, desired, head) for link, desired, head in new if not link.location_id]
        if len(new) < self.creator.threshold:
            return
        for link, _desired, head in new:
            link.company_id = head.company_id
            self.ctx.store.save_company_link(link)  # recorded before the create: a rerun looks it up first
        keys = [[link.cin7_id, head.cin7_id] for link, _d, head in new]
        lines = (
            {
                "companyId": head.company_id,
                "input": company_create_input(link.cin7_id, desired.state)["companyLocation"],
            }
            for link, desired, head in new
        )
        record, operation = stage.start(
            self.ctx, self.creator.bulk, LOCATION_CREATE, "b2b_location_create", keys, lines
        )
        self._finish(record, operation, companies, resumed=False)

    def _new(self, companies: dict[str, DesiredCompany]) -> list:
        """(link, desired, head link) of the branches without a location whose head office is ready
        (a link moving between companies is left to the single path)."""
        new = []
        for cin7_id, desired in companies.items():
            if not is_branch(cin7_id, desired):
                continue
            link, head = self.links.get(cin7_id), self.links.get(desired.state["head"])
            if head is None or not head.company_id or not head.location_id:
                continue
            if link is not None and (link.location_id or link.company_id not in ("", head.company_id)):
                continue
            link = link or CompanyLinkRecord(cin7_id=cin7_id)
            self.links[cin7_id] = link
            new.append((link, desired, head))
        return new

    def _finish(self, record, operation, companies: dict, *, resumed: bool) -> None:
        for (cin7_id, head_id), outcome in stage.outcomes(self.creator.bulk, record, operation):
            location = (outcome.payload or {}).get("companyLocation") if outcome.ok else None
            link, head, desired = self.links.get(cin7_id), self.links.get(head_id), companies.get(cin7_id)
            if location and link is not None:
                roles = head.written.get("roles") if head is not None else None
                link.company_id = head.company_id if head is not None else link.company_id
                link.location_id = location["id"]
                fresh = desired is not None and not resumed
                # resumed: what the line sent is not known for sure, so the update compares with nothing
                link.written = (
                    written_after_create(desired.state, roles)
                    if fresh
                    else {"head": head_id, "roles": roles, "catalogs": []}
                )
                self.ctx.store.save_company_link(link)
                self.ctx.count("created")
            elif (
                not location
                and desired is not None
                and not any(e.code == "TAKEN" for e in outcome.user_errors)
            ):
                self._refused(cin7_id, desired, outcome)
        self.ctx.store.delete_bulk_operation(record)

    def _refused(self, cin7_id: str, desired: DesiredCompany, outcome) -> None:
        self.creator.refused.add(cin7_id)
        self.ctx.report(
            Issue(
                Code.SHOPIFY_USER_ERROR,
                f"Shopify refused the location of “{desired.state['location']['name']}”: "
                f"{outcome.reason('no location returned')}",
                cin7_id=cin7_id,
                subject=f"b2b:{cin7_id}",
            )
        )
