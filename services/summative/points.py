"""A pupil's points for a summative work: parsed, checked and saved by the journal's rules
at every entrance (the grid's cell, the work's plain form). Never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from extensions import db
from models import School, SubjectPage, SummativeWork, User, WorkPoints
from services import grid as grid_service
from services import journal as rules
from services.calendar import calendar_for_id
from services.entries.common import audit
from services.journal import JournalError, Lock
from services.notices import produce as notices


def work_lock(school: School, page: SubjectPage, day: dt.date, today: dt.date) -> Lock:
    """Points of a work on `day` may change for the school's control-work window (counted in
    school days, as for control work marks); never before the work, never on a closed page."""
    if rules.page_closed(page, today):
        return Lock(False, _("Year marks are set: this page is read-only."))
    if day > today:
        return Lock(False, _("This work has not taken place yet."))
    days = school.lock_days_control
    if today <= day + dt.timedelta(days=days):
        return Lock(True)
    until = rules.window_end(calendar_for_id(page.school_class.year_id), page, day, days)
    if today <= until:
        return Lock(True, until=until)
    return Lock(False, ngettext(
        "Points of a summative work can be changed for %(num)d school day after it.",
        "Points of a summative work can be changed for %(num)d school days after it.", days),
        until)


def parse_points(text: str | None, work: SummativeWork) -> int | None:
    """'' clears; otherwise a whole number from 0 to the work's maximum."""
    raw = (text or "").strip()
    if not raw:
        return None
    # At most three digits before int(): a form field of 5,000 digits is refused, not a 500.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or int(raw) > work.max_points:
        raise JournalError(_("Type points from 0 to %(max)d.", max=work.max_points))
    return int(raw)


@dataclass
class PointsResult:
    points: int | None
    changed: bool


def save_points(user: User, school: School, page: SubjectPage, work: SummativeWork,
                pupil_id: int, text: str, old: str | None, today: dt.date,
                notify: bool = True) -> PointsResult:
    """Save one pupil's points. old is what the teacher's page showed: another stored value
    refuses the entry as stale (409). The caller has checked policy.can_write_page.
    The parents' notices follow (notify=False: the caller brings them in line)."""
    if work.page_id != page.id:
        raise JournalError(_("This work is not on this page."), 404)
    value = parse_points(text, work)
    if not grid_service.is_on_page(page, pupil_id, work.date):
        raise JournalError(_("This pupil is not on this page on the day of the work."), 404)
    row = db.session.scalar(select(WorkPoints).where(WorkPoints.work_id == work.id,
                                                     WorkPoints.pupil_id == pupil_id))
    now = row.points if row is not None else None
    if old is not None and _old_value(old) != now:
        raise JournalError(_("Someone else changed these points after you opened the page: "
                             "they are now %(now)s. Your entry was not saved.",
                             now="" if now is None else now), 409)
    if value == now:
        return PointsResult(now, False)
    lock = work_lock(school, page, work.date, today)
    if not lock.open:
        raise JournalError(lock.reason, 403)
    if value is None:
        db.session.delete(row)
    elif row is None:
        db.session.add(WorkPoints(work_id=work.id, pupil_id=pupil_id, points=value,
                                  author_id=user.id))
    else:
        row.points, row.author_id = value, user.id
    audit(user, "journal.points", "work", work.id, pupil_id,
          "" if now is None else f"{now}/{work.max_points}",
          "" if value is None else f"{value}/{work.max_points}", page=page,
          period_id=work.period_id)
    db.session.flush()
    if notify:
        notices.points_changed(work.id, [pupil_id])
    return PointsResult(value, True)


def _old_value(old: str) -> int | None | str:
    raw = old.strip().split("/")[0]
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else "?"


def save_many(user: User, school: School, page: SubjectPage, work: SummativeWork,
              entries: dict[int, tuple[str, str | None]], today: dt.date) -> dict[int, str]:
    """A whole work's points from the plain form: (text, old) by pupil id. The refusals by
    pupil id; the caller commits only when there are none, so one bad row changes nothing."""
    errors, changed = {}, []
    for pupil_id, (text, old) in entries.items():
        try:
            if save_points(user, school, page, work, pupil_id, text, old, today,
                           notify=False).changed:
                changed.append(pupil_id)
        except JournalError as error:
            errors[pupil_id] = error.message
    notices.points_changed(work.id, changed)  # one statement set for the whole work
    return errors
