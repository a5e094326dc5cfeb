"""The lesson panel, extra lessons, the thematic plan and the class teacher's absence week."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from blueprints.common import htmx_redirect, is_htmx, load_or_404, render, require
from blueprints.lessons.forms import (
    ExtraLessonForm,
    LessonForm,
    PlanImportForm,
    PlanItemForm,
    ReasonForm,
)
from blueprints.parse import arg_id, to_id
from extensions import db
from models import Lesson, PlanItem, SchoolClass, Staff, Subject, SubjectPage
from services import absences, clock, entries, policy
from services import grid as grid_service
from services import journal as rules
from services import lessons as lesson_service
from services import plan as plan_service
from services import school as school_service
from services.grid import cell_text

bp = Blueprint("lessons", __name__)


def _locale() -> str:
    from flask_babel import get_locale
    return str(get_locale())


def journal_url(page: SubjectPage) -> str | None:
    """The journal grid of the page, when the journal blueprint is there."""
    try:
        return url_for("journal.page", page_id=page.id)
    except BuildError:
        return None


# -- the lesson panel ---------------------------------------------------------------------------

def _lesson_form(lesson: Lesson, suggested: PlanItem | None) -> LessonForm:
    if request.method == "POST":
        return LessonForm()
    data = {"topic": lesson.topic, "homework": lesson.homework, "ict_used": lesson.ict_used,
            "homework_due": lesson.homework_due,
            "plan_item_id": lesson.plan_item_id, "substitute_id": lesson.substitute_id,
            "work_type_id": lesson.work_type_id or _default_work_type_id()}
    if lesson.plan_item_id is None and not lesson.topic and suggested is not None:
        # The plan moves on by itself: an empty lesson is offered the next topic.
        data.update(plan_item_id=suggested.id, topic=suggested.topic)
    return LessonForm(data=data)


def _default_work_type_id() -> int | None:
    school = school_service.the_school()
    code = school.default_work_type_code if school else None
    return next((w.id for w in lesson_service.work_types() if w.code == code), None)


def _marks_form(lesson: Lesson, typed: dict | None = None, errors: dict | None = None) -> dict:
    """The lesson's pupils with their cells, for the plain marks form (full page only)."""
    if is_htmx():
        return {}
    school = school_service.the_school()
    rows = grid_service.lesson_rows(lesson.page, lesson, school) if school else []
    letters = ("ж", "к") if _locale() == "kk" else ("н", "о")
    cells = {r.pupil.id: cell_text(r, lesson.id, *letters) for r in rows}
    # The class's scale: 2-5 (1-5), or formative marks 1-10 in a criteria-based class.
    scale = rules.mark_values(school, lesson.page.school_class) if school else range(2, 6)
    return {"mark_rows": rows, "mark_cells": cells, "mark_typed": typed or {},
            "mark_errors": errors or {}, "scale_low": scale.start, "scale_high": scale.stop - 1}


def _panel(lesson: Lesson, form: LessonForm | None = None, status: int = 200,
           saved: bool = False, error: str | None = None, marks: dict | None = None):
    page, locale = lesson.page, _locale()
    items = lesson_service.plan_items_for(page)
    suggested = lesson_service.next_plan_item(lesson, items)
    form = form or _lesson_form(lesson, suggested)
    types = lesson_service.work_types()
    subs = lesson_service.substitute_candidates(page)
    form.plan_item_id.choices = [("", _("— not from the plan —"))] + [
        (str(i.id), f"{i.number}. {i.topic}") for i in items]
    form.work_type_id.choices = [("", _("— not chosen —"))] + [
        (str(w.id), _("%(name)s (weight %(weight)d)", name=w.name(locale), weight=w.weight))
        for w in types]
    form.substitute_id.choices = [("", _("— no substitute —"))] + [
        (str(s.id), s.person.short_name) for s in subs]
    next_lesson = lesson_service.next_lesson_date(lesson)
    if next_lesson is not None:
        form.homework_due.description = _("Empty: the next lesson of this subject, %(day)s.",
                                          day=format_date(next_lesson, "EEEE, d MMMM"))
    substitute = db.session.get(Staff, lesson.substitute_id) if lesson.substitute_id else None
    attendance_only = lesson_service.is_attendance_only(page)
    may_set_substitute = policy.can_write_page(current_user, page)
    hidden = ([form.plan_item_id] if not items else []) + (
        [form.substitute_id] if not may_set_substitute else []) + (
        [form.homework, form.work_type_id] if attendance_only else [])
    # Errors of fields the panel does not show go to the top of the form.
    error = " ".join([error or ""] + [e for f in hidden for e in f.errors]).strip() or None
    return render("lessons/lesson.html", block="panel", status=status, lesson=lesson, page=page,
                  form=form, plan_items=items, suggested=suggested, saved=saved, error=error,
                  substitute=substitute, marks_types=lesson_service.marks_work_types(lesson),
                  attendance_only=attendance_only, closed=lesson_service.closed_reason(page),
                  may_write=policy.can_write_lesson(current_user, lesson),
                  may_set_substitute=may_set_substitute,
                  journal_url=journal_url(page), locale=locale,
                  **(marks if marks is not None else _marks_form(lesson)))


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def lesson(lesson_id: int):
    """Show a lesson's details; its teacher (or substitute) saves them."""
    lesson = load_or_404(Lesson, lesson_id, may=lambda u, x: policy.can_read_page(u, x.page))
    if request.method == "GET":
        return _panel(lesson)
    require(policy.can_write_lesson(current_user, lesson))
    form = LessonForm()
    if not form.validate():
        return _panel(lesson, form, status=422)
    data = lesson_service.LessonInput(
        topic=form.topic.data or "", homework=form.homework.data or "",
        work_type_id=form.work_type_id.data, substitute_id=form.substitute_id.data,
        plan_item_id=form.plan_item_id.data, ict_used=bool(form.ict_used.data),
        homework_due=form.homework_due.data)
    try:
        lesson_service.update_lesson(lesson, data, current_user,
                                     may_set_substitute=policy.can_write_page(current_user,
                                                                              lesson.page))
    except lesson_service.LessonError as error:
        db.session.rollback()
        if error.field:
            getattr(form, error.field).errors.append(error.message)
        return _panel(lesson, form, status=422, error=None if error.field else error.message)
    db.session.commit()
    if not is_htmx():
        flash(_("The lesson is saved."), "success")
        return redirect(url_for("lessons.lesson", lesson_id=lesson.id), 303)
    response = _panel(lesson, saved=True)
    # The journal grid listens for this to refresh the column's topic and homework.
    response.headers["HX-Trigger"] = json.dumps({"lessonSaved": {"id": lesson.id}})
    return response


@bp.post("/lessons/<int:lesson_id>/marks")
def marks(lesson_id: int):
    """The lesson's marks and absences as one plain form: every changed row, or none."""
    lesson = load_or_404(Lesson, lesson_id, may=lambda u, x: policy.can_read_page(u, x.page))
    require(policy.can_write_lesson(current_user, lesson))
    changes, typed = [], {}
    for pupil_id in {to_id(k[5:]) for k in request.form if k.startswith("cell-")} - {None}:
        text, comment = request.form.get(f"cell-{pupil_id}", ""), request.form.get(
            f"comment-{pupil_id}", "")
        old, old_comment = request.form.get(f"old-{pupil_id}"), request.form.get(
            f"oldcomment-{pupil_id}", "")
        typed[pupil_id] = (text, comment)
        if text.strip() != (old or "").strip() or comment.strip() != old_comment.strip():
            changes.append(entries.CellChange(pupil_id, text, old,
                                              comment if comment != old_comment else None))
    errors = entries.save_cells(current_user, lesson.id, changes, clock.today())
    if errors:
        db.session.rollback()
        return _panel(lesson, status=422, error=_("Nothing was saved: correct the marked rows "
                                                  "and save again."),
                      marks=_marks_form(lesson, typed, errors))
    db.session.commit()
    flash(ngettext("%(num)d row saved.", "%(num)d rows saved.", len(changes)), "success")
    return redirect(url_for("lessons.lesson", lesson_id=lesson.id) + "#marks", 303)


@bp.route("/pages/<int:page_id>/lessons/new", methods=["GET", "POST"])
def add(page_id: int):
    """An extra lesson on another date, outside the timetable."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    require(policy.can_write_page(current_user, page))
    form = ExtraLessonForm()
    status, error = 200, None
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                new = lesson_service.add_extra_lesson(page, form.day.data, form.number.data,
                                                      current_user)
            except lesson_service.LessonError as exc:
                db.session.rollback()
                error = exc.message
            else:
                db.session.commit()
                flash(_("The extra lesson is added."), "success")
                return htmx_redirect(url_for("lessons.lesson", lesson_id=new.id))
    elif form.day.data is None:
        form.day.data = clock.today()
    return render("lessons/add.html", block="add_form", status=status, page=page, form=form,
                  error=error, journal_url=journal_url(page), locale=_locale())


# -- the calendar-thematic plan -----------------------------------------------------------------

@bp.get("/plan")
def plans():
    """The signed-in teacher's plans; leadership sees every teacher's."""
    staff = policy.staff_of(current_user)
    leader = current_user.has_role(*policy.LEADERSHIP)
    require(leader or (staff is not None and current_user.has_role("teacher")))
    rows = plan_service.plans_of_teachers(None if leader else staff.id)
    return render("lessons/plans.html", rows=rows, leader=leader, locale=_locale())


def _plan_key(subject_id: int, grade: int) -> tuple[plan_service.PlanKey, Staff, Subject]:
    """The plan in the URL (another teacher's via ?teacher= for leadership), or 404."""
    teacher_id = arg_id(request.args, "teacher")
    teacher = (db.session.get(Staff, teacher_id) if teacher_id
               else policy.staff_of(current_user))
    subject = db.session.get(Subject, subject_id)
    if teacher is None or subject is None or not policy.can_read_plan(current_user, teacher):
        abort(404)
    key = plan_service.PlanKey(teacher.id, subject.id, grade)
    if not plan_service.teaches(key):
        abort(404)
    return key, teacher, subject


def _plan_page(key, teacher, subject, status=200, error=None, add_form=None, import_form=None):
    items = plan_service.items_of(key)
    add_form = add_form or PlanItemForm(formdata=None, number=len(items) + 1, hours=1)
    return render("lessons/plan.html", status=status, key=key, teacher=teacher,
                  subject=subject, items=items, taught=plan_service.taught_counts(items),
                  may_write=policy.can_write_plan(current_user, teacher), error=error,
                  add_form=add_form, import_form=import_form or PlanImportForm(formdata=None),
                  locale=_locale())


def _back_to_plan(key: plan_service.PlanKey):
    return redirect(url_for("lessons.plan", subject_id=key.subject_id, grade=key.grade), 303)


@bp.get("/plan/<int:subject_id>/<int:grade>")
def plan(subject_id: int, grade: int):
    """A plan's numbered topics with hours, and where each was taught."""
    return _plan_page(*_plan_key(subject_id, grade))


@bp.post("/plan/<int:subject_id>/<int:grade>/items")
def plan_add(subject_id: int, grade: int):
    """Add a topic at a number."""
    key, teacher, subject = _plan_key(subject_id, grade)
    require(policy.can_write_plan(current_user, teacher))
    form = PlanItemForm()
    if not form.validate():
        return _plan_page(key, teacher, subject, 422, add_form=form)
    try:
        row = plan_service.clean_row(form.number.data, form.topic.data, form.hours.data)
    except plan_service.PlanError as error:
        return _plan_page(key, teacher, subject, 422, error=error.message, add_form=form)
    plan_service.add_item(key, row, current_user)
    db.session.commit()
    flash(_("The topic is added."), "success")
    return _back_to_plan(key)


def _item_of(key: plan_service.PlanKey, item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or (item.teacher_id, item.subject_id, item.grade) != (
            key.teacher_id, key.subject_id, key.grade):
        abort(404)
    return item


@bp.post("/plan/<int:subject_id>/<int:grade>/items/<int:item_id>")
def plan_edit(subject_id: int, grade: int, item_id: int):
    """Change a topic's text, hours or number (a new number moves it)."""
    key, teacher, subject = _plan_key(subject_id, grade)
    require(policy.can_write_plan(current_user, teacher))
    item = _item_of(key, item_id)
    form = PlanItemForm()
    if not form.validate():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _plan_page(key, teacher, subject, 422,
                          error=_("Topic %(n)d is not saved: %(why)s", n=item.number, why=message))
    try:
        row = plan_service.clean_row(form.number.data, form.topic.data, form.hours.data)
    except plan_service.PlanError as error:
        return _plan_page(key, teacher, subject, 422, error=error.message)
    plan_service.edit_item(key, item, row, current_user)
    db.session.commit()
    flash(_("The topic is saved."), "success")
    return _back_to_plan(key)


@bp.post("/plan/<int:subject_id>/<int:grade>/items/<int:item_id>/delete")
def plan_delete(subject_id: int, grade: int, item_id: int):
    """Remove a topic; lessons keep their topic text."""
    key, teacher, _subject = _plan_key(subject_id, grade)
    require(policy.can_write_plan(current_user, teacher))
    plan_service.delete_item(key, _item_of(key, item_id), current_user)
    db.session.commit()
    flash(_("The topic is deleted."), "success")
    return _back_to_plan(key)


@bp.post("/plan/<int:subject_id>/<int:grade>/import")
def plan_import(subject_id: int, grade: int):
    """Replace the plan with the topics of a CSV or XLSX file, all or nothing."""
    key, teacher, subject = _plan_key(subject_id, grade)
    require(policy.can_write_plan(current_user, teacher))
    form = PlanImportForm()
    if not form.validate():
        return _plan_page(key, teacher, subject, 422, import_form=form)
    upload = form.file.data
    try:
        rows = plan_service.parse_plan_file(upload.filename or "", upload.read())
    except plan_service.PlanError as error:
        form.file.errors.append(error.message + " " + _("Nothing was imported."))
        return _plan_page(key, teacher, subject, 422, import_form=form)
    added, changed, removed = plan_service.replace_plan(key, rows, current_user)
    db.session.commit()
    flash(ngettext("%(num)d topic imported", "%(num)d topics imported", len(rows)) + " "
          + _("(new: %(a)d, changed: %(c)d, removed: %(r)d).", a=added, c=changed, r=removed),
          "success")
    return _back_to_plan(key)


# -- the class teacher's absence week -----------------------------------------------------------

def _class_for_reasons(class_id: int) -> SchoolClass:
    school_class = load_or_404(SchoolClass, class_id, may=policy.can_read_class)
    require(policy.can_set_absence_reasons(current_user, school_class))
    return school_class


def _week_arg() -> dt.date:
    try:
        day = dt.date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return clock.today()
    # The week's arithmetic overflows near date.min and date.max (?week=0001-01-01).
    return day if 2000 <= day.year <= 2100 else clock.today()


@bp.get("/classes/<int:class_id>/attendance")
def week(class_id: int):
    """Pupils x days of one week with each absence and its reason."""
    school_class = _class_for_reasons(class_id)
    grid = absences.load_week(school_class, _week_arg())
    # Never a fragment: the week links are boosted and swap the whole page body.
    return render("lessons/week.html", week=grid, reasons=absences.REASON_LABELS,
                  locale=_locale(), today=clock.today())


def _reason_answer(school_class: SchoolClass, pupil_id: int, day: dt.date, changed: int):
    if not is_htmx():
        flash(_("Reasons saved."), "success")
        return redirect(url_for("lessons.week", class_id=school_class.id,
                                week=absences.week_start(day).isoformat()), 303)
    grid = absences.load_week(school_class, day, pupil_ids=[pupil_id])
    if not grid.rows:
        abort(404)
    response = render("lessons/week.html", block="pupil_row", week=grid, row=grid.rows[0],
                      reasons=absences.REASON_LABELS, locale=_locale(), changed=changed,
                      today=clock.today())
    # static/js/lessons.js announces the save to screen readers.
    response.headers["HX-Trigger"] = json.dumps({"reasonSaved": {"changed": changed}})
    return response


@bp.post("/classes/<int:class_id>/attendance/day")
def week_day(class_id: int):
    """One reason for every absence of a pupil on one day."""
    school_class = _class_for_reasons(class_id)
    form = ReasonForm()
    if not form.validate() or form.pupil_id.data is None or form.day.data is None:
        abort(400)
    try:
        changed = absences.set_day_reason(school_class, form.pupil_id.data, form.day.data,
                                          form.reason.data, current_user)
    except absences.AbsenceError:
        abort(400)
    db.session.commit()
    return _reason_answer(school_class, form.pupil_id.data, form.day.data, changed)


@bp.post("/classes/<int:class_id>/attendance/<int:attendance_id>")
def week_absence(class_id: int, attendance_id: int):
    """The reason of one absence."""
    school_class = _class_for_reasons(class_id)
    absence = absences.absence_of_class(school_class, attendance_id)
    if absence is None:
        abort(404)
    form = ReasonForm()
    try:
        changed = absences.set_reason(absence, form.reason.data, current_user)
    except absences.AbsenceError:
        abort(400)
    db.session.commit()
    return _reason_answer(school_class, absence.pupil_id, absence.lesson.date, int(changed))
