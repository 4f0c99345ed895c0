"""What follows a run that a worker finished: the Cin7 webhook upkeep."""

import logging

from .. import cin7_registration
from ..models import SyncRun
from ..webhooks import cin7

logger = logging.getLogger(__name__)


def after_run(run: SyncRun) -> None:
    """Cin7 webhooks: deliveries that came during the run get theirs; a full run re-checks the
    registrations (Cin7 deactivates one after 6 failed deliveries). Never fails the finished run."""
    try:
        cin7.after_run(run.shop_id)
        if run.full and not run.dry_run:
            cin7_registration.ensure(run.shop)
    except Exception:
        logger.exception("Cin7 webhook upkeep after run %s failed", run.pk)
