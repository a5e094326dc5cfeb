"""The transfer extract of a pupil who moves school (DOMAIN.md 8: "a pupil who changes
school gets a certified extract of each work's maximum and points"): every criteria-based
subject of the pupil's class for the year, each СОР and СОЧ with its date, maximum and the
pupil's points, each period's percentages with the suggested and the given mark, and the
signature lines of the director and the class teacher with the stamp's place. A4 PDF."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from flask import render_template
from flask_babel import get_locale
from sqlalchemy import select

from extensions import db
from models import FinalMark, Pupil, SchoolClass, StudyPeriod, SummativeWork
from services import clock, diary, pdf
from services import journal as rules
from services import school as school_service
from services.reports.extract import director_name
from services.summative import formula, results, settings
from services.summative.schedule import kind_label


@dataclass
class WorkLine:
    period: StudyPeriod
    work: SummativeWork
    points: int | None  # None: the pupil did not write it


@dataclass
class PeriodLine:
    """A period whose mark this subject gives: the parts, the total and the marks."""

    period: StudyPeriod
    outcome: formula.Outcome | None
    given: str  # the period mark given, as the journal writes it

    @property
    def suggested(self) -> int | None:
        return self.outcome.mark if self.outcome is not None else None

    def part(self, name: str) -> Fraction | None:
        return getattr(self.outcome, name) if self.outcome is not None else None


@dataclass
class SubjectLine:
    name: str
    teacher: str
    works: list[WorkLine] = field(default_factory=list)
    periods: list[PeriodLine] = field(default_factory=list)
    year_mark: str = ""


@dataclass
class Transfer:
    pupil: Pupil
    school_class: SchoolClass
    school_name: str
    address: str
    class_teacher: str
    director: str
    printed: dt.date
    weights: formula.Weights
    subjects: list[SubjectLine]


def class_of_year(pupil: Pupil, year_id: int | None) -> SchoolClass:
    """The pupil's class in the year asked (by default the latest year at this school).
    Raises LookupError when the pupil was in no class that year (the view answers 404)."""
    classes = diary.classes_of_pupil(pupil)
    if year_id is None:
        if not classes:
            raise LookupError(pupil.id)
        return classes[-1]
    found = next((c for c in classes if c.year_id == year_id), None)
    if found is None:
        raise LookupError(year_id)
    return found


def build(pupil: Pupil, school_class: SchoolClass) -> Transfer:
    """The extract for the class's year, in the current locale: 4 queries per period and a
    few more, whatever the number of subjects and works. A classic class has no subject."""
    periods = school_service.periods_of(school_class)
    pages = diary.pages_of(pupil, school_class) if school_class.is_criteria else []
    locale = str(get_locale())
    finals = _finals(pupil, [p.id for p in pages])
    lines = {p.id: SubjectLine(p.subject.name(locale), p.teacher.name) for p in pages}
    for period in [p for p in periods if p.start_date <= clock.today()]:
        for page_id, found in results.pupil_results(pupil.id, pages, period, periods).items():
            line, mine = lines[page_id], found.result(pupil.id)
            line.works += [WorkLine(period, w, mine.points.get(w.id)) for w in found.works]
            if found.span:
                line.periods.append(PeriodLine(period, mine.outcome,
                                               finals.get((page_id, period.id), "")))
    for page_id, line in lines.items():
        line.year_mark = finals.get((page_id, None), "")
    school = school_service.the_school()
    teacher = school_class.class_teacher
    subjects = sorted(lines.values(), key=lambda s: s.name.casefold())
    return Transfer(pupil, school_class, school.name if school else "",
                    school.address if school else "", teacher.name if teacher else "",
                    director_name(), clock.today(), settings.weights_of(school_class.year),
                    subjects)


def _finals(pupil: Pupil, page_ids: list[int]) -> dict[tuple[int, int | None], str]:
    """The pupil's period and year marks on the pages, written as the journal writes them,
    by (page id, period id or None for the year). One query."""
    if not page_ids:
        return {}
    return {(f.page_id, f.period_id if f.kind == "period" else None):
            rules.final_label(f.value, f.special)
            for f in db.session.scalars(select(FinalMark).where(
                FinalMark.pupil_id == pupil.id, FinalMark.page_id.in_(page_ids),
                FinalMark.kind.in_(("period", "year"))))}


def _shown(percent: Fraction | None) -> str:
    """A percentage cut to one decimal with the decimal comma, "—" when there is none."""
    return formula.shown(percent) or "—"


def transfer_pdf(x: Transfer) -> bytes:
    """The extract as an A4 portrait PDF. Raises pdf.PdfError if xhtml2pdf fails."""
    return pdf.render(render_template("pdf/summative_transfer.html",
                                      font_css=pdf.font_face_css(), x=x,
                                      shown=_shown, kind_label=kind_label,
                                      period_name=school_service.period_name))
