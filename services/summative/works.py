"""Declaring, changing and removing a СОР or СОЧ on a criteria-based page: the one place
every entrance (the grid's form, the plain form) goes through. Never commits."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from extensions import db
from models import PlanItem, School, SubjectPage, SummativeWork, User, WorkPoints
from models.summative import MAX_POINTS, WORK_KINDS
from services import journal as rules
from services import school as school_service
from services.entries.common import audit
from services.journal import JournalError
from services.notices import produce as notices
from services.summative import schedule, settings
from services.summative.points import work_lock

NAME_MAX = 120
SECTION_MAX = 200


@dataclass
class WorkData:
    """A work as the teacher filled the form in, checked for form."""

    kind: str
    name: str
    date: dt.date
    max_points: int
    plan_item_id: int | None = None
    section: str = ""


def parse(form: Mapping[str, str]) -> WorkData:
    """Read the work form; JournalError (translated) for anything malformed."""
    kind = (form.get("kind") or "").strip()
    if kind not in WORK_KINDS:
        raise JournalError(_("Choose SAU or SAT."))
    name = (form.get("name") or "").strip()
    if not name:
        raise JournalError(_("Give the work a name (e.g. «SAU 1. Numbers»)."))
    if len(name) > NAME_MAX:
        raise JournalError(_("The name is at most %(n)d characters.", n=NAME_MAX))
    try:
        day = dt.date.fromisoformat((form.get("date") or "").strip())
    except ValueError:
        raise JournalError(_("Give the date of the work.")) from None
    raw = (form.get("max_points") or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= MAX_POINTS:
        raise JournalError(_("The maximum is a whole number of points from 1 to %(n)d.",
                             n=MAX_POINTS))
    section = (form.get("section") or "").strip()
    if len(section) > SECTION_MAX:
        raise JournalError(_("The section is at most %(n)d characters.", n=SECTION_MAX))
    plan = (form.get("plan_item") or "").strip()
    if plan and not (plan.isascii() and plan.isdigit() and len(plan) <= 9):
        raise JournalError(_("Choose a topic of the plan from the list."))
    return WorkData(kind, name, day, int(raw), int(plan) if plan else None, section)


def plan_items(page: SubjectPage) -> list[PlanItem]:
    """The topics of the page teacher's plan for the subject and grade, to pick a section."""
    return list(db.session.scalars(select(PlanItem).where(
        PlanItem.teacher_id == page.teacher_id, PlanItem.subject_id == page.subject_id,
        PlanItem.grade == page.school_class.grade).order_by(PlanItem.number)))


def _check(school: School, page: SubjectPage, data: WorkData, today: dt.date,
           work: SummativeWork | None) -> int:
    """Every rule of a work; the id of the study period it falls in."""
    if not page.school_class.is_criteria:
        raise JournalError(_("This class keeps the classic journal: it has no SAU or SAT."))
    if rules.page_closed(page, today):
        raise JournalError(_("Year marks are set: this page is read-only."), 403)
    periods = school_service.periods_of(page.school_class)
    period = schedule.check(page, data.kind, data.date, periods, settings.rule_of(page),
                            work.id if work is not None else None)
    lock = work_lock(school, page, data.date, today)
    if not lock.open and data.date <= today:
        raise JournalError(_("%(date)s is past the window for entering points: choose a "
                             "later date.", date=format_date(data.date, "d MMMM")))
    if data.plan_item_id is not None and data.plan_item_id not in {
            p.id for p in plan_items(page)}:
        raise JournalError(_("Choose a topic of the plan from the list."))
    if work is not None and data.max_points < work.max_points:
        most = db.session.scalar(select(func.max(WorkPoints.points)).where(
            WorkPoints.work_id == work.id))
        if most is not None and most > data.max_points:
            raise JournalError(_("A pupil already has %(n)d points for this work: the maximum "
                                 "cannot be lower.", n=most))
    return period.id


def _describe(work: SummativeWork | WorkData) -> str:
    return f"{work.kind} «{work.name}» {work.date.isoformat()} /{work.max_points}"


def declare(user: User, school: School, page: SubjectPage, data: WorkData,
            today: dt.date) -> SummativeWork:
    """Add a work to the page (the caller has checked policy.can_write_page)."""
    period_id = _check(school, page, data, today, None)
    work = SummativeWork(page_id=page.id, period_id=period_id, kind=data.kind, name=data.name,
                         date=data.date, max_points=data.max_points,
                         plan_item_id=data.plan_item_id, section=data.section,
                         created_by=user.id)
    db.session.add(work)
    db.session.flush()
    audit(user, "work.create", "work", work.id, None, "", _describe(work), page=page,
          period_id=period_id)
    return work


def change(user: User, school: School, page: SubjectPage, work: SummativeWork, data: WorkData,
           today: dt.date) -> SummativeWork:
    """Change a work's name, date, maximum or section. A work with points keeps its kind
    and may not move out of its edit window (the points would be locked)."""
    _check_open(school, page, work, today)
    has_points = _has_points(work)
    if data.kind != work.kind and has_points:
        raise JournalError(_("Pupils already have points for this work: its kind stays."))
    before = _describe(work)
    period_id = _check(school, page, data, today, work)
    if has_points and (data.date > today or period_id != work.period_id):
        # Points belong to a work that took place, in the period they count for.
        raise JournalError(_("Pupils already have points for this work: it stays in its "
                             "period, on a day that has come."))
    work.kind, work.name, work.date, work.max_points = (data.kind, data.name, data.date,
                                                        data.max_points)
    work.plan_item_id, work.section, work.period_id = data.plan_item_id, data.section, period_id
    audit(user, "work.update", "work", work.id, None, before, _describe(work), page=page,
          period_id=period_id)
    db.session.flush()
    # A new date or maximum may make or withdraw the parents' notices of its points.
    notices.points_changed(work.id)
    return work


def remove(user: User, school: School, page: SubjectPage, work: SummativeWork,
           today: dt.date) -> None:
    """Remove a work without points (points are cleared first, each one audited), while
    the page is open and the work inside its edit window."""
    _check_open(school, page, work, today)
    if _has_points(work):
        raise JournalError(_("Pupils have points for this work: clear them first, then "
                             "remove the work."))
    audit(user, "work.delete", "work", work.id, None, _describe(work), "", page=page,
          period_id=work.period_id)
    db.session.delete(work)


def _check_open(school: School, page: SubjectPage, work: SummativeWork, today: dt.date) -> None:
    """A closed page, or a work past its edit window, stays as it is (403)."""
    if rules.page_closed(page, today):
        raise JournalError(_("Year marks are set: this page is read-only."), 403)
    if work.date <= today and not work_lock(school, page, work.date, today).open:
        raise JournalError(_("This work is past its edit window: it can no longer be "
                             "changed or removed."), 403)


def _has_points(work: SummativeWork) -> bool:
    return db.session.scalar(select(WorkPoints.id).where(
        WorkPoints.work_id == work.id).limit(1)) is not None
