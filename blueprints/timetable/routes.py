"""The timetable: a class's weekly grid per study period (day x lesson number), saved cell by
cell through htmx; one-day changes; printable timetables per class and per teacher.

Each cell is a small form (a select of the class's subject pages and a room) that also works
without JavaScript (303 back to the grid, or the grid again with the refusal and 422).
static/js/timetable.js only moves the focus with the arrow keys and keeps it after a save.
A saved cell regenerates the class's lessons of the period (services.lesson_gen) and commits.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import is_htmx, load_or_404, render, require
from blueprints.parse import arg_id, to_id, to_int
from blueprints.timetable import forms, views
from extensions import db
from models import Lesson, SchoolClass, Staff
from services import lesson_gen, policy
from services import school as school_service
from services.lessons import LessonError
from services.timetable import TimetableError, changes, set_cell

bp = Blueprint("timetable", __name__, url_prefix="/timetable")
REFUSED = "X-Refused-Status"


@bp.get("/")
def index():
    """The classes whose timetable the user may read, and the teacher's own timetable."""
    require(policy.is_staff(current_user))
    year = school_service.current_year()
    classes = [c for c in school_service.classes_of_year(year)
               if policy.can_read_timetable(current_user, c)] if year else []
    return render("timetable/index.html", classes=classes, me=policy.staff_of(current_user))


@bp.get("/classes/<int:class_id>")
def grid(class_id: int):
    """The weekly grid of a class in a period (?period=, else the current one)."""
    cls = load_or_404(SchoolClass, class_id, may=policy.can_read_timetable)
    periods, period = views.pick_period(cls, arg_id(request.args, "period"))
    return views.grid_page(cls, period, periods=periods)


@bp.post("/classes/<int:class_id>/cells")
def save_cell(class_id: int):
    """Save one cell; the answer is the cell (htmx) or the grid again."""
    cls = load_or_404(SchoolClass, class_id, may=policy.can_read_timetable)
    require(policy.can_edit_timetable(current_user))
    period = views.period_or_404(cls, to_id(request.form.get("period")))
    weekday = to_int(request.form.get("weekday", ""), 1, 6)
    number = to_int(request.form.get("number", ""), 0, 12)
    if weekday is None or number is None:
        abort(404)
    week = views.week_of(cls, period)
    try:
        pages = forms.cell_pages(week, request.form.get("pages", ""))
        set_cell(cls, period, weekday, number, pages, forms.cell_rooms(request.form))
        kept = lesson_gen.regenerate_period(cls, period).kept
        db.session.commit()
    except TimetableError as error:
        db.session.rollback()
        return _refused(cls, period, weekday, number, error.message)
    if not is_htmx():
        flash(_("Saved."), "success")
        return redirect(url_for(".grid", class_id=cls.id, period=period.id), 303)
    week = views.week_of(cls, period)
    return _fragment(views.cell_html(week, weekday, number)
                     + views.kept_html(week, kept, oob=True) + views.load_html(week))


def _refused(cls, period, weekday: int, number: int, message: str) -> Response:
    """The cell as stored, with the refusal beside it; nothing was saved."""
    if not is_htmx():
        return views.grid_page(cls, period, errors={(weekday, number): message}, status=422)
    week = views.week_of(cls, period)
    return _fragment(views.cell_html(week, weekday, number, error=message),
                     refused=422)


def _fragment(body: str, refused: int | None = None) -> Response:
    """An htmx answer; a refusal is a 200 with its status in X-Refused-Status (a browser
    logs every 4xx as a console error)."""
    response = make_response(body, 200)
    response.vary.add("HX-Request")
    if refused:
        response.headers[REFUSED] = str(refused)
    return response


@bp.post("/classes/<int:class_id>/changes")
def change(class_id: int):
    """A one-day change: move, cancel or restore a lesson, or add an extra one."""
    cls = load_or_404(SchoolClass, class_id, may=policy.can_read_timetable)
    require(policy.can_edit_timetable(current_user))
    period = views.period_or_404(cls, to_id(request.form.get("period")))
    week = views.week_of(cls, period)
    data = forms.ChangeForm(request.form, week)
    try:
        message = _apply(data)
        db.session.commit()
    except (TimetableError, LessonError) as error:
        db.session.rollback()
        return views.grid_page(cls, period, change_form=data, change_error=error.message,
                               status=422)
    flash(message, "success")
    return redirect(url_for(".grid", class_id=cls.id, period=period.id) + "#changes", 303)


def _apply(data: forms.ChangeForm) -> str:
    """Run the change the form asks for; its success message. Raises TimetableError."""
    data.validate()
    if data.action == "extra":
        changes.add_extra(data.page, data.day, data.number, current_user)
        return _("The extra lesson is added.")
    lesson = data.lesson()
    if data.action == "cancel":
        changes.cancel_lesson(lesson)
        return _("The lesson is cancelled.")
    if data.action == "restore":
        changes.restore_lesson(lesson)
        return _("The lesson is restored.")
    changes.move_lesson(lesson, data.to_day, data.to_number)
    return _("The lesson is moved.")


@bp.post("/lessons/<int:lesson_id>/keep")
def keep(lesson_id: int):
    """Keep a lesson the timetable no longer has (it holds data) as an extra lesson."""
    lesson = load_or_404(Lesson, lesson_id)
    cls = lesson.page.school_class
    require(policy.can_read_timetable(current_user, cls) and policy.can_edit_timetable(
        current_user))
    period = views.period_or_404(cls, to_id(request.form.get("period")))
    lesson.is_extra = True
    db.session.commit()
    flash(_("The lesson is kept as an extra lesson."), "success")
    return redirect(url_for(".grid", class_id=cls.id, period=period.id) + "#kept", 303)


@bp.get("/classes/<int:class_id>/timetable.pdf")
def class_pdf(class_id: int):
    """The class's timetable of a period, printable."""
    cls = load_or_404(SchoolClass, class_id, may=policy.can_read_timetable)
    _periods, period = views.pick_period(cls, arg_id(request.args, "period"))
    return views.pdf_response(views.class_pdf(cls, period),
                              f"timetable-{cls.grade}-{cls.id}.pdf")


@bp.get("/teachers/<int:staff_id>")
def teacher(staff_id: int):
    """A teacher's week: every class they teach, on the day asked (?day=) or today."""
    staff = load_or_404(Staff, staff_id, may=policy.can_read_teacher_timetable)
    return views.teacher_page(staff, request.args.get("day"))


@bp.get("/teachers/<int:staff_id>/timetable.pdf")
def teacher_pdf(staff_id: int):
    """A teacher's timetable, printable."""
    staff = load_or_404(Staff, staff_id, may=policy.can_read_teacher_timetable)
    return views.pdf_response(views.teacher_pdf(staff, request.args.get("day")),
                              f"timetable-teacher-{staff.id}.pdf")
