"""When a summative work may be set (приказ № 125; DOMAIN.md 8): inside a study period of
the class, at most 3 СОЧ a day in a class, no СОЧ on the last school day of the period, never
a СОР and a СОЧ of one subject on one day, one СОЧ per period (or half-year), and none in a
subject that has no СОЧ. Each refusal names the clash."""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import StudyPeriod, Subject, SubjectPage, SummativeWork
from services import journal as rules
from services.calendar import calendar_for_id
from services.journal import JournalError
from services.summative import settings

SOCH_PER_DAY = 3


def kind_label(kind: str) -> str:
    return _("SAT") if kind == "soch" else _("SAU")


def last_school_day(page: SubjectPage, period: StudyPeriod) -> dt.date:
    """The period's last school day for the class (its end may fall on a Sunday)."""
    cls = page.school_class
    days = calendar_for_id(cls.year_id).school_days(
        max(period.start_date, period.end_date - dt.timedelta(days=20)), period.end_date,
        cls.grade, cls.days_per_week)
    return days[-1] if days else period.end_date


def check(page: SubjectPage, kind: str, day: dt.date, periods: list[StudyPeriod],
          rule: settings.Rule, work_id: int | None = None) -> StudyPeriod:
    """Refuse a work of `kind` on `day` on the page (JournalError naming the clash); the
    study period it falls in otherwise. work_id: the work being moved (not its own clash)."""
    period = rules.period_of_date(periods, day)
    if period is None:
        raise JournalError(_("%(date)s is outside the class's study periods.",
                             date=format_date(day, "d MMMM yyyy")))
    same_day = _works_of_class_on(page, day, work_id)
    same_subject = [name for w_kind, subject_id, name, _subject in same_day
                    if subject_id == page.subject_id and w_kind != kind]
    if same_subject:
        raise JournalError(_("%(other)s «%(name)s» of this subject is already on %(date)s: a "
                             "SAU and a SAT of one subject are never on the same day.",
                             other=kind_label("sor" if kind == "soch" else "soch"),
                             name=same_subject[0], date=format_date(day, "d MMMM")))
    if kind != "soch":
        return period
    if not rule.has_soch:
        raise JournalError(_("This subject has no SAT in this grade (one hour a week, or the "
                             "year's rules say so): its mark comes from the SAUs."))
    if day == last_school_day(page, period):
        raise JournalError(_("No SAT on the last school day of the period (%(date)s): choose "
                             "an earlier day.", date=format_date(day, "d MMMM")))
    span = settings.span_of(settings.marked_period(period, periods, rule), periods, rule)
    other = _soch_in(page, span, work_id)
    if other is not None:
        raise JournalError(_("This page already has its SAT for the period: «%(name)s» on "
                             "%(date)s.", name=other.name, date=format_date(other.date, "d MMMM")))
    subjects = sorted({subject for w_kind, subject_id, _name, subject in same_day
                       if w_kind == "soch" and subject_id != page.subject_id})
    if len(subjects) >= SOCH_PER_DAY:
        raise JournalError(_("%(cls)s already has %(n)d SATs on %(date)s (%(subjects)s): at "
                             "most %(n)d a day.", cls=page.school_class.name, n=SOCH_PER_DAY,
                             date=format_date(day, "d MMMM"), subjects=", ".join(subjects)))
    return period


def _works_of_class_on(page: SubjectPage, day: dt.date, work_id: int | None) -> list[tuple]:
    """(kind, subject id, work name, subject name) of the class's works on the day."""
    locale_name = Subject.name_kk if _kazakh() else Subject.name_ru
    query = (select(SummativeWork.kind, SubjectPage.subject_id, SummativeWork.name, locale_name)
             .join(SubjectPage, SubjectPage.id == SummativeWork.page_id)
             .join(Subject, Subject.id == SubjectPage.subject_id)
             .where(SubjectPage.class_id == page.class_id, SummativeWork.date == day))
    if work_id is not None:
        query = query.where(SummativeWork.id != work_id)
    return [tuple(r) for r in db.session.execute(query)]


def _soch_in(page: SubjectPage, span: list[StudyPeriod], work_id: int | None):
    if not span:
        return None
    query = select(SummativeWork).where(
        SummativeWork.page_id == page.id, SummativeWork.kind == "soch",
        SummativeWork.date >= span[0].start_date, SummativeWork.date <= span[-1].end_date)
    if work_id is not None:
        query = query.where(SummativeWork.id != work_id)
    return db.session.scalar(query.limit(1))


def _kazakh() -> bool:
    return str(get_locale() or "ru") == "kk"
