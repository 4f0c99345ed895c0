"""The values `syncs` writes are the ones the app's models store (the ORM store maps nothing)."""

from integration_app.models import InviteStatus, OnUntag, RunKind
from syncs.context import RunKind as SyncsRunKind
from syncs.store import InviteState


def test_invite_states_are_the_stored_invite_statuses():
    assert {state.value for state in InviteState} == set(InviteStatus.values)


def test_run_kinds_and_untag_choice_are_the_stored_ones():
    assert {SyncsRunKind.ALL, SyncsRunKind.CUSTOMERS, SyncsRunKind.PRICING} == set(RunKind.values)
    assert OnUntag.STRIP == "strip" and OnUntag.KEEP == "keep"
