"""The worker's minute: journal notices pushed and e-mailed to parents (issue 20).

A Huey periodic task on the report worker's queue (services.reports.jobs; started by
scripts/run.sh as `huey_consumer services.backup_jobs.huey`, which imports this module).
The same delivery runs by hand as `flask notices deliver`.
"""
from __future__ import annotations

import logging

from huey import crontab

from extensions import db
from services.notices import deliver
from services.reports.jobs import _app, huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def deliver_notices_task() -> None:
    """Every minute: what is new goes out (services.notices.deliver). A failure is logged
    and the next minute tries again."""
    with _app().app_context():
        try:
            deliver.deliver_pending()
        except Exception:
            db.session.rollback()
            log.exception("delivering notices failed")
