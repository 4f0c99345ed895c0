"""Company trees and buyers (CONTRACT §3 "Companies as Cin7 shapes them"), over `GraphQLClient`: branch
locations found by externalId or deleted when they move to another company, company contacts found by
customer, and location roles assigned and read back.

Each write returns Shopify's `userErrors` (empty = applied). A location has at most 50 customers
(help.shopify.com "Creating and managing B2B companies": "A company location can have a maximum of 50
customers"), so its roles fit one `companyLocationAssignRoles` call and one page of `roleAssignments`.
"""

from dataclasses import dataclass

from .admin import _user_errors
from .client import GraphQLClient
from .documents import document
from .records import UserError

CONTACT_PAGE = 100


@dataclass(frozen=True)
class RoleAssignment:
    id: str
    contact_id: str
    customer_id: str
    role: str  # the role's name as Shopify shows it ("Location admin", "Ordering only")


class TreeAdmin:
    def __init__(self, client: GraphQLClient):
        self.client = client

    def location_by_external_id(self, external_id: str) -> dict | None:
        """`{id, externalId, company: {id}}` of the location with exactly this externalId, or None.
        `external_id` is a tokenised search field on locations, so the value is quoted and compared."""
        quoted = external_id.replace("\\", "\\\\").replace('"', '\\"')
        data = self.client.execute(document("b2b_location_find"), {"query": f'external_id:"{quoted}"'})
        nodes = data["companyLocations"]["nodes"]
        return next((node for node in nodes if node.get("externalId") == external_id), None)

    def delete_location(self, location_id: str) -> tuple[UserError, ...]:
        """Deletes a location (its roles and catalog places go with it); one already gone is no error."""
        payload = self.client.execute(document("b2b_location_delete"), {"companyLocationId": location_id})
        errors = _user_errors(payload["companyLocationDelete"])
        return tuple(e for e in errors if e.code != "RESOURCE_NOT_FOUND")

    def contact_of(self, company_id: str, customer_id: str) -> str | None:
        """The company contact a customer already is in this company (read after a `TAKEN`), or None."""
        after = None
        while True:
            variables = {"id": company_id, "first": CONTACT_PAGE, "after": after}
            contacts = self.client.execute(document("b2b_company_contacts"), variables)["company"]["contacts"]
            for node in contacts["nodes"]:
                if (node.get("customer") or {}).get("id") == customer_id:
                    return node["id"]
            if not contacts["pageInfo"]["hasNextPage"]:
                return None
            after = contacts["pageInfo"]["endCursor"]

    def assign_roles(
        self, location_id: str, roles: list[tuple[str, str]]
    ) -> tuple[dict[str, str], tuple[UserError, ...]]:
        """Assigns (contact id, role id) pairs at one location; returns contact id -> assignment id."""
        variables = {
            "companyLocationId": location_id,
            "rolesToAssign": [{"companyContactId": c, "companyContactRoleId": r} for c, r in roles],
        }
        payload = self.client.execute(document("b2b_location_roles_assign"), variables)
        payload = payload["companyLocationAssignRoles"]
        assigned = {a["companyContact"]["id"]: a["id"] for a in payload.get("roleAssignments") or ()}
        return assigned, _user_errors(payload)

    def role_assignments(self, location_id: str) -> list[RoleAssignment]:
        """Every role assignment at a location (read when a killed run may have assigned some)."""
        location = self.client.execute(document("b2b_location_roles"), {"id": location_id})["companyLocation"]
        return [
            RoleAssignment(
                node["id"],
                node["companyContact"]["id"],
                (node["companyContact"].get("customer") or {}).get("id") or "",
                (node.get("role") or {}).get("name") or "",
            )
            for node in ((location or {}).get("roleAssignments") or {}).get("nodes") or ()
        ]
