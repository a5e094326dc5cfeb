"""The extract from the class journal for one pupil (выписка, 001 3.11): the current marks
with their dates and the period marks by subject for one study period, with the school's
name and address and the signature lines of the class teacher and the director and the
place of the school's stamp. Shown on screen, printed as an A4 portrait PDF.

Also registers the report "extract": the pupils of the classes a user may issue extracts
for, each with a link to the pupil's extract (the secretary's way in).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models import Enrolment, Person, Pupil, SchoolClass, StudyPeriod, User, UserRole
from services import clock, diary, pdf, policy
from services import journal as rules
from services import school as school_service
from services.corrections.log import period_title
from services.reports import filters as report_filters
from services.reports.registry import Report, register
from services.reports.sheet import Column, Link, Sheet


@dataclass
class Extract:
    """Everything the extract shows, in the current locale."""

    pupil: Pupil
    school_class: SchoolClass | None
    period: StudyPeriod
    periods: list[StudyPeriod]
    subjects: list[diary.SubjectMarks]
    school_name: str
    address: str
    class_teacher: str
    director: str
    printed: dt.date

    @property
    def period_name(self) -> str:
        return period_title(self.period)

    def period_mark(self, subject: diary.SubjectMarks) -> str:
        """The subject's mark for the period as the journal writes it (5, н/а, осв.), or ""."""
        final = subject.period_marks.get(self.period.id)
        return rules.final_label(final.value, final.special) if final is not None else ""


def choose(pupil: Pupil, period_id: int | None
           ) -> tuple[SchoolClass | None, list[StudyPeriod], StudyPeriod | None]:
    """The pupil's class, its periods and the period asked (by default the one of today;
    for a period of another scheme, the class's own one holding its last day) in the year
    the period belongs to. Raises LookupError for a period of a year the pupil was not at
    this school (the view answers 404)."""
    classes = diary.classes_of_pupil(pupil)
    candidates = [c for c in (pupil.school_class, *reversed(classes)) if c is not None]
    school_class = candidates[0] if candidates else None
    if period_id is not None:
        asked = db.session.get(StudyPeriod, period_id)
        school_class = next((c for c in candidates
                             if asked is not None and c.year_id == asked.year_id), None)
        if school_class is None:
            raise LookupError(period_id)
    periods = diary.periods_of_pupil(pupil, school_class)
    if period_id is None:
        return school_class, periods, diary.pick_period(periods, None, clock.today())
    # a quarter asked of a half-year class: the class's own period holding its last day
    own = report_filters.period_of_class(school_class, asked)
    return school_class, periods, own if own in periods else None


def director_name() -> str:
    """The director who signs, as a journal names a person; "" when the school has none
    (the line is then filled in by hand)."""
    user = db.session.scalar(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "director", User.active).order_by(User.id).limit(1))
    return user.person.short_name if user is not None else ""


def build(pupil: Pupil, school_class: SchoolClass | None, period: StudyPeriod,
          periods: list[StudyPeriod]) -> Extract:
    """The pupil's extract for the period, in the current locale (about ten queries)."""
    report = diary.load_marks(pupil, period, periods, str(get_locale()), school_class)
    school = school_service.the_school()
    teacher = school_class.class_teacher if school_class is not None else None
    return Extract(pupil=pupil, school_class=school_class, period=period, periods=periods,
                   subjects=report.subjects, school_name=school.name if school else "",
                   address=school.address if school else "",
                   class_teacher=teacher.name if teacher is not None else "",
                   director=director_name(), printed=clock.today())


def extract_pdf(extract: Extract) -> bytes:
    """The extract as an A4 portrait PDF. Raises pdf.PdfError if xhtml2pdf fails."""
    return pdf.render(render_template("pdf/extract.html", font_css=pdf.font_face_css(),
                                      x=extract))


# -- the report: pupils with a link to each one's extract ---------------------------------

def _pupils_sheet(user: User, f: report_filters.Filters) -> list[Sheet]:
    """One sheet: the pupils of the classes the user may read, A-Z per class (one query)."""
    classes = {c.id: c for c in report_filters.classes(user, f)
               if policy.can_print_hard_copy(user, c) or user.has_role("secretary")}
    on = min(clock.today(), f.year.end_date) if f.year else clock.today()
    rows = db.session.execute(
        select(Pupil.id, Enrolment.class_id, Person.last_name, Person.first_name,
               Person.patronymic)
        .join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id.in_(list(classes)), Enrolment.start_date <= on,
               (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= on))
        .order_by(Person.last_name, Person.first_name, Person.patronymic, Pupil.id)).all()
    args = {"period": f.period.id} if f.period else {}
    order = {cid: n for n, cid in enumerate(classes)}
    out = [[classes[cid].name,
            Link(" ".join(p for p in (last, first, middle) if p),
                 url_for("reports.extract", pupil_id=pid, **args)),
            Link(_("PDF"), url_for("reports.extract_pdf", pupil_id=pid, **args))]
           for pid, cid, last, first, middle in sorted(rows, key=lambda r: order[r[1]])]
    return [Sheet(_("Extracts from the journal"),
                  [Column("class", _("Class"), width=8),
                   Column("pupil", _("Pupil"), width=40),
                   Column("pdf", _("Extract"), width=10)], out,
                  empty=_("No pupils in the classes chosen."))]


register(Report("extract", title=lambda: _l("Extracts from the journal"),
                may=policy.may_issue_extracts, build=_pupils_sheet,
                filters=("year", "period", "grade", "class"),
                about=lambda: _l("A pupil's current and period marks for a period, with "
                                 "signature lines (001 3.11)."), order=80))
