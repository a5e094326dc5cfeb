"""The curriculum and the school's list of final-attestation exams, in the back-office grid.

The curriculum (weekly hours per grade and subject) is the administrator's; the director
and the deputies read it. The exam list is a setting the administrator and the deputy keep.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from blueprints.admin.grid import Access, Col, Table
from extensions import db
from models import CurriculumHours, Exam, Subject
from services import school as school_service

LEADERSHIP = ("admin", "director", "deputy")


def subject_choices() -> list[tuple[int, str]]:
    locale = str(get_locale())
    return [(s.id, s.name(locale)) for s in db.session.scalars(
        db.select(Subject).order_by(Subject.name_ru))]


def _exam_kinds():
    return [("OGE", _l("OGE, basic state exam")), ("GVE", _l("GVE, state final exam")),
            ("EGE", _l("EGE, unified state exam")), ("ENT", _l("ENT, unified national testing")),
            ("school", _l("school exam"))]


def _year_id() -> int:
    year = school_service.current_year()
    return year.id if year else -1


def _curriculum_defaults() -> dict:
    return {"year_id": _year_id()}


CURRICULUM = Table(
    "curriculum", _l("Curriculum (weekly hours)"), CurriculumHours, (
        Col("grade", _l("Grade"), "int", min=0, max=12, filter="choice",
            choices=lambda: [(g, str(g)) for g in range(0, 13)]),
        Col("subject_id", _l("Subject"), "choice", choices=subject_choices, filter="choice"),
        Col("hours", _l("Hours a week"), "int", min=0, max=12),
    ),
    order_by=(CurriculumHours.grade, CurriculumHours.subject_id),
    query_filter=lambda: CurriculumHours.year_id == _year_id(),
    defaults=_curriculum_defaults, import_key=("grade", "subject_id"),
    access=Access(list=LEADERSHIP, edit=("admin",), export=LEADERSHIP, import_=("admin",),
                  history=("admin",)),
)

EXAMS = Table(
    "exams", _l("Final attestation exams"), Exam, (
        Col("kind", _l("Kind"), "choice", choices=_exam_kinds, filter="choice"),
        Col("grade", _l("Grade"), "int", min=1, max=12),
        Col("subject_id", _l("Subject"), "choice", choices=subject_choices, required=False),
        Col("name_ru", _l("Name in Russian")),
        Col("name_kk", _l("Name in Kazakh")),
        Col("max_points", _l("Maximum points"), "int", min=1, max=1000, required=False),
    ),
    order_by=(Exam.grade, Exam.kind, Exam.name_ru), import_key=("kind", "grade", "name_ru"),
    access=Access(list=LEADERSHIP, edit=("admin", "deputy"), export=LEADERSHIP,
                  import_=("admin", "deputy"), history=("admin", "deputy")),
)

LOAD_TABLES: dict[str, Table] = {t.key: t for t in (CURRICULUM, EXAMS)}
