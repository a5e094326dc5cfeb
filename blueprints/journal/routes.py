"""The class journal: the subject page grid and its small saves (issues 3 and 11).

The grid page is rendered once; static/js/journal.js turns the focused cell into an editor and
posts each change to one of the small endpoints below, which answer with JSON under 1 KB.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from blueprints.common import load_or_404, render, require
from blueprints.journal import cells, forms
from extensions import db
from models import Lesson, StudyPeriod, SubjectPage, WorkType
from services import clock, entries, lesson_gen, policy
from services import grid as grid_service
from services import journal as rules
from services import school as school_service

bp = Blueprint("journal", __name__, url_prefix="/journal")


@bp.get("/")
def index():
    """My pages (teachers) and every class's pages the user may read (leadership)."""
    require(policy.is_staff(current_user))
    staff = policy.staff_of(current_user)
    mine = school_service.pages_of_teacher(staff) if staff else []
    year = school_service.current_year()
    classes = [c for c in school_service.classes_of_year(year)
               if policy.can_read_class(current_user, c)] if year else []
    pages = list(db.session.scalars(select(SubjectPage).where(
        SubjectPage.class_id.in_([c.id for c in classes])).order_by(SubjectPage.subject_id)
        .options(selectinload(SubjectPage.teacher))))
    by_class = {c.id: [p for p in pages if p.class_id == c.id
                       and policy.can_read_page(current_user, p) and p not in mine]
                for c in classes}
    return render("journal/index.html", mine=mine, classes=classes, by_class=by_class)


@bp.get("/pages/<int:page_id>")
def page(page_id: int):
    """The grid of one subject page in one study period."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    today = clock.today()
    periods, period = grid_service.pick_period(page, request.args.get("period", type=int), today)
    school = school_service.the_school()
    if period is None or school is None:
        return render("journal/page.html", page=page, grid=None)
    if lesson_gen.ensure_lessons(page, period):
        db.session.commit()
    grid = grid_service.load_grid(page, period, periods, school)
    writer = policy.can_write_page(current_user, page)
    cols, reasons, today_col = grid_service.columns(
        grid, writer, lambda lesson: policy.can_write_lesson(current_user, lesson), today)
    return render("journal/page.html", page=page, grid=grid, cols=cols, reasons=reasons,
                  today=today, can_write=writer or any(c.lock is None for c in cols),
                  final_lock=_final_lock(grid, school, today),
                  locale=str(get_locale()), **_grid_html(grid, cols, today_col))


def _grid_html(grid, cols: list, today_col: int | None) -> dict:
    """The grid's cells as HTML: the columns around today first, the others in a <template>
    journal.js moves into the rows after the first frame (issue 11: time to screen)."""
    kk = str(get_locale()) == "kk"
    letters = ("ж", "к") if kk else ("н", "о")
    see = bool(grid.rows) and policy.can_see_absence_reason(current_user, grid.rows[0].pupil)
    start, end = grid_service.first_window(len(cols), today_col)
    shown, rest = cols[start:end], cols[:start] + cols[end:]
    url = _lesson_url()
    return {"shown": shown, "rest_before": start,
            "today_col": (today_col or 0) - start,
            "head_cells": cells.head_cells(shown, url),
            "body_rows": cells.body_rows(grid, shown, *letters, see),
            "rest_head": cells.head_cells(rest, url) if rest else "",
            "rest_rows": cells.rest_rows(grid, rest, *letters, see) if rest else ""}


def _lesson_url() -> str:
    """The lesson panel's URL without the id, or '' when that feature is not installed."""
    if "lessons.lesson" not in current_app.view_functions:
        return ""
    return url_for("lessons.lesson", lesson_id=0)[:-1]


def _final_lock(grid, school, today) -> dict[str, str | None]:
    """Why the period / year columns are read-only for this user (None when open)."""
    if not policy.can_write_page(current_user, grid.page):
        reason = rules.read_only_reason()
        return {"period": reason, "year": reason}
    period = rules.final_lock(school, grid.page, grid.period.end_date, today)
    year = rules.final_lock(school, grid.page, grid.periods[-1].end_date, today)
    return {"period": None if period.open else period.reason,
            "year": None if year.open else year.reason}


def _lesson_for_write() -> tuple[Lesson, SubjectPage]:
    """The lesson with its page in one query: 404 if unknown to the user, 403 if read-only."""
    lesson = db.session.scalar(select(Lesson).options(joinedload(Lesson.page))
                               .where(Lesson.id == request.view_args["lesson_id"]))
    if lesson is None or not policy.can_read_page(current_user, lesson.page):
        abort(404)
    require(policy.can_write_lesson(current_user, lesson))
    return lesson, lesson.page


def _commit() -> None:
    db.session.commit()


def _refused(error: Exception, **extra):
    status = getattr(error, "status", 422)
    body = {"ok": False, "error": getattr(error, "message", str(error)), **extra}
    if isinstance(error, entries.NeedsNotice):
        body["ask"] = "notice"
    db.session.rollback()
    return jsonify(body), status


@bp.post("/lessons/<int:lesson_id>/cell")
def save_cell(lesson_id: int):
    """One cell: marks, attendance and the mark's comment for one pupil."""
    raw = request.form.get("pupil", "")
    target = entries.load_cell(lesson_id, int(raw) if raw.isdigit() and len(raw) <= 12 else None,
                               current_user.person_id)
    if target is None:
        abort(404)
    policy.know_staff(current_user, target.staff)  # read by load_cell: spares staff_of a query
    if not policy.can_read_page(current_user, target.page):
        abort(404)
    require(policy.can_write_lesson(current_user, target.lesson))
    try:
        post = forms.cell_post(request.form)
        result = entries.save_cell(current_user, target, post.pupil_id, post.text, post.old,
                                   clock.today(), comment=post.comment)
    except (forms.FormError, rules.JournalError) as error:
        return _refused(error, text=_shown_cell(lesson_id, raw))
    _commit()
    return jsonify(ok=True, text=_letters(result.cell), comment=result.comment,
                   avg=_avg(result.average), pred=result.predicted)


def _letters(cell: rules.CellValue) -> str:
    kk = str(get_locale()) == "kk"
    return cell.text(absent="ж" if kk else "н", late="к" if kk else "о")


def _avg(value: float | None) -> str:
    return cells.average_text(value)


def _shown_cell(lesson_id: int, pupil: str) -> str | None:
    """What the cell holds now, so a refused page can show the stored value again."""
    if not pupil.isdigit():
        return None
    current, _marks, _att = entries.current_cell(lesson_id, int(pupil))
    return _letters(current)


@bp.post("/lessons/<int:lesson_id>/attendance")
def attendance(lesson_id: int):
    """Everyone present, except the pupils listed absent: one request for the whole lesson."""
    lesson, page = _lesson_for_write()
    try:
        result = entries.take_attendance(current_user, school_service.the_school(), page, lesson,
                                         forms.absent_ids(request.form), clock.today())
    except (forms.FormError, rules.JournalError) as error:
        return _refused(error)
    _commit()
    return jsonify(ok=True, absent=[p for p, s in result.items() if s == "absent"],
                   late=[p for p, s in result.items() if s == "late"])


@bp.post("/lessons/<int:lesson_id>/fill")
def fill(lesson_id: int):
    """One mark for every present pupil without one."""
    lesson, page = _lesson_for_write()
    try:
        value = forms.fill_value(request.form)
        given = entries.fill_column(current_user, school_service.the_school(), page, lesson,
                                    value, clock.today())
    except (forms.FormError, rules.JournalError) as error:
        return _refused(error)
    _commit()
    return jsonify(ok=True, value=str(value), pupils=given)


@bp.post("/lessons/<int:lesson_id>/work-type")
def work_type(lesson_id: int):
    """The work type (and so the weight) of a lesson column's marks."""
    lesson, page = _lesson_for_write()
    try:
        wt = db.session.get(WorkType, forms.work_type_id(request.form))
        if wt is None:
            raise forms.FormError(rules.hint(school_service.the_school()))
        entries.set_work_type(current_user, school_service.the_school(), page, lesson, wt,
                              clock.today())
    except (forms.FormError, rules.JournalError) as error:
        return _refused(error)
    _commit()
    return jsonify(ok=True, name=wt.name(str(get_locale())), weight=wt.weight)


@bp.post("/pages/<int:page_id>/final")
def final(page_id: int):
    """A period mark, or the year mark in the last period."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    require(policy.can_write_page(current_user, page))
    try:
        post = forms.final_post(request.form)
        period = db.session.get(StudyPeriod, post.period_id)
        periods = school_service.periods_of(page.school_class)
        if period is None or period not in periods:
            raise forms.FormError(_no_period())
        label = entries.save_final(current_user, school_service.the_school(), page,
                                   post.pupil_id, post.kind, period, periods[-1], post.text,
                                   post.old, clock.today(), post.notice)
    except (forms.FormError, rules.JournalError) as error:
        return _refused(error)
    _commit()
    return jsonify(ok=True, text=label)


def _no_period() -> str:
    return _("This study period is not one of this class's periods.")
