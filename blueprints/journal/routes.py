"""The class journal: the subject page grid, the touch mark picker and the grid's saves.

The grid page is rendered once; static/js/journal.js keeps the focus and the order of saves,
and every save is an htmx request answered with HTML fragments (blueprints/journal/answers.py)
built by the same functions that drew the page (blueprints/journal/cells.py). Each save also
works as a plain form post (the lesson page, no JavaScript) answered with a redirect.
"""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select, true
from sqlalchemy.orm import joinedload, selectinload

from blueprints.common import load_or_404, render, require
from blueprints.journal import answers, cells, forms
from blueprints.journal import finals as final_form
from blueprints.parse import arg_id, to_id
from extensions import db
from models import (
    AcademicYear,
    FinalMark,
    Lesson,
    Pupil,
    School,
    Staff,
    StudyPeriod,
    SubjectPage,
    SummativeWork,
    WorkPoints,
    WorkType,
)
from services import clock, entries, policy
from services import grid as grid_service
from services import journal as rules
from services import school as school_service
from services.summative.points import work_lock
from services.summative.schedule import kind_label

bp = Blueprint("journal", __name__, url_prefix="/journal")


@bp.get("/")
def index():
    """My pages (teachers) and every class's pages the user may read (leadership), in the
    current year or in the ?year= asked (a closed year's pages stay readable)."""
    require(policy.is_staff(current_user))
    staff = policy.staff_of(current_user)
    years = list(db.session.scalars(select(AcademicYear).order_by(AcademicYear.start_date)))
    asked = arg_id(request.args, "year")
    year = next((y for y in years if y.id == asked), None) if asked else \
        school_service.current_year()
    if asked and year is None:
        abort(404)
    mine = [p for p in school_service.pages_of_teacher(staff)
            if year is None or p.school_class.year_id == year.id] if staff else []
    classes = [c for c in school_service.classes_of_year(year)
               if policy.can_read_class(current_user, c)] if year else []
    pages = list(db.session.scalars(select(SubjectPage).where(
        SubjectPage.class_id.in_([c.id for c in classes])).order_by(SubjectPage.subject_id)
        .options(selectinload(SubjectPage.teacher))))
    by_class = {c.id: [p for p in pages if p.class_id == c.id
                       and policy.can_read_page(current_user, p) and p not in mine]
                for c in classes}
    return render("journal/index.html", mine=mine, classes=classes, by_class=by_class,
                  years=years, year=year)


@bp.get("/pages/<int:page_id>")
def page(page_id: int):
    """The grid of one subject page in one study period."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    today = clock.today()
    periods, period = grid_service.pick_period(page, arg_id(request.args, "period"), today)
    school = school_service.the_school()
    if period is None or school is None:
        return render("journal/page.html", page=page, grid=None)
    grid = grid_service.load_grid(page, period, periods, school)
    writer = policy.can_write_page(current_user, page)
    cols, reasons, today_col = grid_service.columns(
        grid, writer, lambda lesson: policy.can_write_lesson(current_user, lesson), today)
    final_lock = _final_lock(grid, school, today)
    if grid.results is not None:  # a criteria-based page: its works among the lessons
        cols, today_col = grid_service.with_works(grid, cols, reasons, writer, today)
        if not grid.results.span:  # a half-year subject's first quarter gives no mark
            final_lock["period"] = final_lock["period"] or cells.half_year_text()
    return render("journal/page.html", page=page, grid=grid, cols=cols, reasons=reasons,
                  today=today, can_write=writer or any(c.lock is None for c in cols),
                  final_lock=final_lock,
                  work_types=list(grid.work_types.values()), writer=writer,
                  scale=rules.mark_values(school, page.school_class), kind_label=kind_label,
                  summary_heads=Markup(cells.summary_heads(grid.results)) if grid.results
                  else "", locale=str(get_locale()), **_grid_html(grid, cols, today_col))


def _grid_html(grid, cols: list, today_col: int | None) -> dict:
    """The grid's cells as HTML: the columns around today first, the others in a <template>
    journal.js moves into the rows after the first frame (issue 11: time to screen)."""
    sees = answers.sees_reasons(grid.page)
    start, end = grid_service.first_window(len(cols), today_col)
    shown, rest = cols[start:end], cols[:start] + cols[end:]
    url = answers.lesson_url_prefix()
    work_url = url_for("journal.work", work_id=0)[:-1] if grid.results is not None else ""
    return {"shown": shown, "rest_before": start,
            "today_col": (today_col or 0) - start,
            "head_cells": cells.head_cells(shown, url, work_url),
            "body_rows": cells.body_rows(grid, shown, sees),
            "rest_head": cells.head_cells(rest, url, work_url) if rest else "",
            "rest_rows": cells.rest_rows(grid, rest, sees) if rest else ""}


def _final_lock(grid, school, today) -> dict[str, str | None]:
    """Why the period / year columns are read-only for this user (None when open)."""
    if not policy.can_write_page(current_user, grid.page):
        reason = rules.read_only_reason()
        return {"period": reason, "year": reason}
    if rules.is_no_marks_grade(school, grid.page.school_class.grade):
        reason = _("Grade %(grade)d keeps attendance only: no marks are entered.",
                   grade=grid.page.school_class.grade)
        return {"period": reason, "year": reason}
    period = rules.final_lock(school, grid.page, grid.period.end_date, today)
    year = rules.final_lock(school, grid.page, grid.periods[-1].end_date, today)
    return {"period": None if period.open else period.reason,
            "year": None if year.open else year.reason}


@bp.get("/pages/<int:page_id>/picker")
def picker(page_id: int):
    """The touch mark picker for one cell: big buttons, or why the cell cannot change."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    pupil_id = arg_id(request.args, "pupil")
    kind = request.args.get("kind", "lesson")
    if pupil_id is None or kind not in ("lesson", "period", "year", "work"):
        abort(404)
    school = school_service.the_school()
    today = clock.today()
    pupil = _pupil_on(page, pupil_id)
    if kind == "work":
        return _work_picker(page, pupil, school, today)
    if kind == "lesson":
        lesson = db.session.get(Lesson, arg_id(request.args, "lesson") or 0)
        if lesson is None or lesson.page_id != page.id:
            abort(404)
        lock = _lesson_lock(school, page, lesson, today)
        current, marks, _att = entries.current_cell(lesson.id, pupil_id)
        absent, late = cells.letters()
        return render("journal/_picker.html", page=page, lesson=lesson, kind=kind,
                      pupil=pupil, lock=lock, school=school,
                      marks=reversed(rules.mark_values(school, page.school_class)),
                      text=current.text(absent=absent, late=late), absent=absent, late=late,
                      has_mark=bool(current.marks),
                      comment=marks[0].comment if marks else "")
    period = db.session.get(StudyPeriod, arg_id(request.args, "period") or 0)
    if period is None or period not in school_service.periods_of(page.school_class):
        abort(404)
    grid_lock = _final_lock_for(page, school, period, today)[kind]
    mark, _notice = entries.stored_final(page, pupil_id, kind, period)
    return render("journal/_picker.html", page=page, kind=kind, period=period, school=school,
                  pupil=pupil, lock=grid_lock, marks=reversed(rules.mark_values(school)),
                  text=rules.final_label(*mark) if mark else "")


def _work_picker(page: SubjectPage, pupil: Pupil, school: School, today):
    """The picker of a work's cell: a button for each number of points, 0 to the maximum."""
    work = db.session.get(SummativeWork, arg_id(request.args, "work") or 0)
    if work is None or work.page_id != page.id:
        abort(404)
    lock = None
    if not policy.can_write_page(current_user, page):
        lock = rules.read_only_reason()
    else:
        found = work_lock(school, page, work.date, today)
        lock = None if found.open else found.reason
    got = db.session.scalar(select(WorkPoints.points).where(
        WorkPoints.work_id == work.id, WorkPoints.pupil_id == pupil.id))
    return render("journal/_picker.html", page=page, kind="work", work=work, pupil=pupil,
                  lock=lock, school=school, marks=range(work.max_points, -1, -1),
                  text="" if got is None else f"{got}/{work.max_points}")


def _pupil_on(page: SubjectPage, pupil_id: int) -> Pupil:
    """The pupil, if ever on the page (404 otherwise: no probing for other pupils)."""
    pupil = db.session.get(Pupil, pupil_id)
    if pupil is None or not grid_service.is_on_page_ever(page, pupil_id):
        abort(404)
    return pupil


def _lesson_lock(school, page, lesson, today) -> str | None:
    if not policy.can_write_lesson(current_user, lesson):
        return rules.read_only_reason()
    wt = entries.column_work_type(lesson, school)
    lock = rules.lesson_lock(school, page, lesson, wt, today)
    return None if lock.open else lock.reason


def _final_lock_for(page, school, period, today) -> dict[str, str | None]:
    periods = school_service.periods_of(page.school_class)
    grid = grid_service.Grid(page, school, periods, period, [], {}, [], period == periods[-1])
    return _final_lock(grid, school, today)


@bp.route("/pages/<int:page_id>/finals", methods=["GET", "POST"])
def finals(page_id: int):
    """The period (and year) marks of the whole page as one form: no JavaScript needed."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    today = clock.today()
    periods, period = grid_service.pick_period(page, arg_id(request.args, "period"), today)
    school = school_service.the_school()
    if period is None or school is None:
        abort(404)
    grid = grid_service.load_grid(page, period, periods, school)
    lock = _final_lock(grid, school, today)
    status, rows = 200, final_form.rows_of(grid)
    if request.method == "POST":
        require(policy.can_write_page(current_user, page))
        rows, saved = final_form.save_all(current_user, grid, request.form, today)
        if not any(r.errors for r in rows):
            db.session.commit()
            return answers.back(request.full_path, ngettext(
                "%(num)d mark saved.", "%(num)d marks saved.", saved))
        db.session.rollback()
        status = 422
    return render("journal/finals.html", status=status, page=page, grid=grid, rows=rows,
                  lock=lock, today=today, locale=str(get_locale()),
                  criteria=grid.results is not None)


# -- saves -----------------------------------------------------------------------------------

def _lesson_for_write() -> tuple[Lesson, SubjectPage, School]:
    """The lesson with its page, the school and the user's staff record in one query: 404 if
    unknown to the user, 403 if read-only."""
    row = db.session.execute(
        select(Lesson, School, Staff).select_from(Lesson).options(joinedload(Lesson.page))
        .join(School, true())
        .outerjoin(Staff, Staff.person_id == current_user.person_id)
        .where(Lesson.id == request.view_args["lesson_id"]).order_by(School.id).limit(1)).first()
    if row is None:
        abort(404)
    lesson, school, staff = row
    policy.know_staff(current_user, staff)
    if not policy.can_read_page(current_user, lesson.page):
        abort(404)
    require(policy.can_write_lesson(current_user, lesson))
    return lesson, lesson.page, school


@bp.post("/lessons/<int:lesson_id>/cell")
def save_cell(lesson_id: int):
    """One cell: marks, attendance and the mark's comment for one pupil."""
    pupil_id = to_id(request.form.get("pupil", ""))
    target = entries.load_cell(lesson_id, pupil_id, current_user.person_id)
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
        return answers.cell_refused(error, lesson_id, pupil_id if target.on_page else None)
    db.session.commit()
    return answers.cell_saved(result, post.pupil_id, target.lesson)


@bp.post("/lessons/<int:lesson_id>/attendance")
def attendance(lesson_id: int):
    """Everyone present, except the pupils listed absent: one request for the whole lesson."""
    lesson, page, school = _lesson_for_write()
    try:
        absent = forms.absent_ids(request.form)
        change = entries.take_attendance(current_user, school, page, lesson, absent,
                                         clock.today())
    except (forms.FormError, rules.JournalError) as error:
        return answers.refused(error)
    db.session.commit()
    message = _("Attendance saved: everyone present.") if not absent else ngettext(
        "Attendance saved: %(num)d absent.", "Attendance saved: %(num)d absent.", len(absent))
    return answers.column_saved(page, lesson, forms.column_index(request.form), message, change,
                                school)


@bp.post("/lessons/<int:lesson_id>/fill")
def fill(lesson_id: int):
    """One mark for every present pupil without one."""
    lesson, page, school = _lesson_for_write()
    try:
        value = forms.fill_value(request.form)
        change = entries.fill_column(current_user, school, page, lesson, value, clock.today())
    except (forms.FormError, rules.JournalError) as error:
        return answers.refused(error)
    db.session.commit()
    message = ngettext("%(num)d pupil got %(mark)d.", "%(num)d pupils got %(mark)d.",
                       len(change.given), mark=value)
    return answers.column_saved(page, lesson, forms.column_index(request.form), message, change,
                                school)


@bp.post("/lessons/<int:lesson_id>/work-type")
def work_type(lesson_id: int):
    """The work type (and so the weight and the edit window) of a lesson column's marks."""
    lesson, page, school = _lesson_for_write()
    try:
        wt_id = forms.work_type_id(request.form)
        wt = db.session.get(WorkType, wt_id) if wt_id is not None else None
        if wt_id is not None and wt is None:
            raise forms.FormError(_("Choose a work type from the list."))
        entries.set_work_type(current_user, school, page, lesson, wt, clock.today())
    except (forms.FormError, rules.JournalError) as error:
        return answers.refused(error)
    db.session.commit()
    shown = wt or entries.column_work_type(lesson, school)
    name = shown.name(str(get_locale())) if shown else "—"
    message = _("Work type: %(name)s (weight %(weight)d).", name=name,
                weight=shown.weight if shown else 1)
    return answers.work_type_saved(page, lesson, message)


@bp.post("/pages/<int:page_id>/final")
def final(page_id: int):
    """A period mark, or the year mark in the last period."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    require(policy.can_write_page(current_user, page))
    period = post = None
    try:
        post = forms.final_post(request.form)
        period = db.session.get(StudyPeriod, post.period_id)
        periods = school_service.periods_of(page.school_class)
        if period is None or period not in periods:
            period = None
            raise forms.FormError(_("This study period is not one of this class's periods."))
        entries.save_final(current_user, school_service.the_school(), page, post.pupil_id,
                           post.kind, period, periods[-1], post.text, post.old, clock.today(),
                           post.notice, reason=post.reason)
    except (forms.FormError, rules.JournalError) as error:
        kind = post.kind if post else "period"
        return answers.final_refused(error, kind, page, post.pupil_id if post else None,
                                     period if post and _on_page(page, post.pupil_id) else None)
    db.session.commit()
    mark, notice = entries.stored_final(page, post.pupil_id, post.kind, period)
    reason = final_reason(page, post.pupil_id, post.kind, period) \
        if page.school_class.is_criteria else ""
    return answers.final_saved(post.kind, mark, notice, page, period, reason)


def final_reason(page: SubjectPage, pupil_id: int, kind: str, period: StudyPeriod) -> str:
    """The stored reason of a criteria-based class's period or year mark ("" without)."""
    return db.session.scalar(select(FinalMark.reason).where(
        FinalMark.page_id == page.id, FinalMark.pupil_id == pupil_id, FinalMark.kind == kind,
        FinalMark.period_id == period.id if kind == "period" else
        FinalMark.period_id.is_(None))) or ""


def _on_page(page: SubjectPage, pupil_id: int) -> bool:
    return grid_service.is_on_page_ever(page, pupil_id)


from blueprints.journal import history, works  # noqa: E402,F401 -- their routes go on bp
