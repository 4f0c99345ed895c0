"""Revoking company contact roles (B2B.md): a revoked assignment is gone; the contact and its customer stay.
All or nothing: an assignment that does not exist, or belongs to another contact/location, fails the call."""

from ..context import RequestContext, limit_input_array
from .access import error, not_found


def contact_revoke_role(
    ctx: RequestContext, companyContactId: str, companyContactRoleAssignmentId: str
) -> dict:
    result = contact_revoke_roles(ctx, companyContactId, [companyContactRoleAssignmentId], path=[])
    revoked = result["revokedRoleAssignmentIds"] or [None]
    return {"revokedCompanyContactRoleAssignmentId": revoked[0], "userErrors": result["userErrors"]}


def contact_revoke_roles(
    ctx: RequestContext, companyContactId: str, roleAssignmentIds=None, revokeAll=False, path=None
) -> dict:
    b2b = ctx.shop.b2b
    if companyContactId not in b2b.contacts:
        return {
            "revokedRoleAssignmentIds": None,
            "userErrors": [not_found(["companyContactId"], "Company contact")],
        }
    if revokeAll:
        roleAssignmentIds = [a.id for a in b2b.assignments_of(companyContactId)]
    limit_input_array(roleAssignmentIds or [], "roleAssignmentIds")
    return _revoke(
        ctx,
        roleAssignmentIds or [],
        "contact_id",
        companyContactId,
        ["roleAssignmentIds"] if path is None else path,
    )


def location_revoke_roles(ctx: RequestContext, companyLocationId: str, rolesToRevoke: list) -> dict:
    limit_input_array(rolesToRevoke, "rolesToRevoke")
    if companyLocationId not in ctx.shop.b2b.locations:
        failed = [not_found(["companyLocationId"], "Company location")]
        return {"revokedRoleAssignmentIds": None, "userErrors": failed}
    return _revoke(ctx, rolesToRevoke, "location_id", companyLocationId, ["rolesToRevoke"])


def _revoke(ctx, assignment_ids: list, owner_field: str, owner_id: str, path: list) -> dict:
    b2b, errors = ctx.shop.b2b, []
    for index, assignment_id in enumerate(assignment_ids):
        assignment = b2b.assignments.get(assignment_id)
        if assignment is None or getattr(assignment, owner_field) != owner_id:
            at = [*path, str(index)] if path else None
            errors.append(error(at, "Company contact role assignment does not exist.", "RESOURCE_NOT_FOUND"))
    if errors:
        return {"revokedRoleAssignmentIds": None, "userErrors": errors}
    for assignment_id in dict.fromkeys(assignment_ids):
        b2b.remove_assignment(assignment_id)
    return {"revokedRoleAssignmentIds": list(dict.fromkeys(assignment_ids)), "userErrors": []}
