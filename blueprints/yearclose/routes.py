"""The year close wizard (000 4.1.4): 1 the check of year marks (with excuses), 2 the order
and the dry run, 3 apply, 4 the result with undo. The rules are services/yearclose; these
views load, authorise, call them, commit once and render."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import load_or_404, render, require
from blueprints.parse import to_id
from blueprints.yearclose import forms
from extensions import db
from models import (
    AcademicYear,
    MarkExcuse,
    Person,
    Promotion,
    Pupil,
    SchoolClass,
    Subject,
    SubjectPage,
    YearClose,
)
from services import clock, policy, yearclose
from services import school as school_service
from services.yearclose.plan import default_last_grade

bp = Blueprint("yearclose", __name__, url_prefix="/year-close")
SHOWN_MISSING = 300  # lines listed in full; the counts per class cover the rest


def _year() -> AcademicYear | None:
    return school_service.current_year()


# -- step 1: the check -------------------------------------------------------------------

@bp.get("/")
def index():
    require(policy.can_view_year_close(current_user))
    return _check_page(_year())


def _check_page(year: AcademicYear | None, status: int = 200, error: str | None = None,
                typed: tuple[int | None, int | None, str] | None = None):
    classes = {c.id: c for c in school_service.classes_of_year(year)
               if policy.oversees_class(current_user, c)} if year else {}
    # A deputy of one level sees the pupils of that level only, as in the journal.
    missing = [m for m in yearclose.check(year) if m.class_id in classes] if year else []
    per_class = Counter(m.class_name for m in missing)
    excusable = {cid for cid, c in classes.items()
                 if policy.can_excuse_year_mark(current_user, c)}
    closes = list(db.session.scalars(select(YearClose).order_by(YearClose.id.desc()).limit(5)))
    return render("yearclose/check.html", status=status, year=year, missing=missing,
                  shown=missing[:SHOWN_MISSING], per_class=per_class, excusable=excusable,
                  excuses=[e for e in _excuses(year) if e[1].id in classes], closes=closes, error=error, typed=typed,
                  may_close=policy.can_close_year(current_user))


def _excuses(year: AcademicYear | None) -> list[tuple]:
    """The year's excused marks: (excuse, class, subject, pupil's person), one query."""
    if year is None:
        return []
    return db.session.execute(
        select(MarkExcuse, SchoolClass, Subject, Person)
        .join(SubjectPage, SubjectPage.id == MarkExcuse.page_id)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .join(Pupil, Pupil.id == MarkExcuse.pupil_id).join(Person, Person.id == Pupil.person_id)
        .where(SchoolClass.year_id == year.id)
        .order_by(SchoolClass.grade, SchoolClass.letter, Subject.name_ru, Person.last_name)).all()


@bp.post("/excuses")
def excuse():
    """Excuse one missing year mark with a reason (administrator, deputy of the level)."""
    require(policy.can_view_year_close(current_user))
    page_id, pupil_id = to_id(request.form.get("page")), to_id(request.form.get("pupil"))
    page = load_or_404(SubjectPage, page_id or 0)
    pupil = load_or_404(Pupil, pupil_id or 0)
    require(policy.can_excuse_year_mark(current_user, page.school_class))
    reason = request.form.get("reason", "")
    try:
        yearclose.record_excuse(current_user, page, pupil, reason)
    except yearclose.YearCloseError as error:
        db.session.rollback()
        return _check_page(_year(), 422, error.message, (page.id, pupil.id, reason))
    db.session.commit()
    flash(_("The missing year mark is excused."), "success")
    return redirect(url_for("yearclose.index"), 303)


@bp.post("/excuses/<int:excuse_id>/delete")
def remove_excuse(excuse_id: int):
    require(policy.can_view_year_close(current_user))
    found = load_or_404(MarkExcuse, excuse_id)
    page = db.session.get(SubjectPage, found.page_id)
    require(policy.can_excuse_year_mark(current_user, page.school_class))
    try:
        yearclose.remove_excuse(current_user, found)
    except yearclose.YearCloseError as error:
        db.session.rollback()
        return _check_page(_year(), 422, error.message)
    db.session.commit()
    flash(_("The excuse is withdrawn."), "success")
    return redirect(url_for("yearclose.index"), 303)


# -- steps 2 and 3: the order, the dry run, apply ------------------------------------------

@bp.route("/plan", methods=["GET", "POST"])
def plan():
    """The director's order and the exceptions; a post shows the dry run."""
    require(policy.can_close_year(current_user))
    year = _year()
    if request.method == "GET" or year is None:
        typed = forms.PlanInput(order_date=clock.today(),
                                last_grade=default_last_grade(year) if year else None)
        return _plan_page(year, typed)
    try:
        typed = forms.plan_input(request.form)
        result = yearclose.dry_run(year, typed.order_no, typed.order_date, typed.exceptions,
                                   typed.last_grade)
    except yearclose.YearCloseError as error:
        return _plan_page(year, getattr(error, "typed", forms.PlanInput()), error=error)
    return _plan_page(year, typed, result=result)


@bp.post("/apply")
def apply():
    """Apply the plan in one transaction, after the confirmation box is ticked."""
    require(policy.can_close_year(current_user))
    year, typed = _year(), None
    try:
        typed = forms.plan_input(request.form)
        if request.form.get("confirm") != "yes":
            raise yearclose.YearCloseError(_("Tick the box to confirm the year close."),
                                           "confirm")
        close = yearclose.apply(current_user, year, typed.order_no, typed.order_date,
                                typed.exceptions, typed.last_grade) if year else None
    except yearclose.YearCloseError as error:
        db.session.rollback()
        typed = getattr(error, "typed", None) or typed or forms.PlanInput()
        return _plan_page(year, typed, error=error,
                          result=_dry_run(year, typed) if error.field == "confirm" else None)
    if close is None:
        return redirect(url_for("yearclose.index"), 303)
    db.session.commit()
    flash(_("The year is closed and the new year is open."), "success")
    return redirect(url_for("yearclose.result", close_id=close.id), 303)


def _dry_run(year: AcademicYear | None, typed: forms.PlanInput):
    """The plan again for the page, or None when it is refused."""
    try:
        return yearclose.dry_run(year, typed.order_no, typed.order_date, typed.exceptions,
                                 typed.last_grade) if year else None
    except yearclose.YearCloseError:
        return None


def _plan_page(year, typed: forms.PlanInput, error=None, result=None):
    pupils = _pupil_choices(year)
    rows = [*typed.rows, *[("", "", "")] * 3]
    return render("yearclose/plan.html", status=422 if error else 200, year=year, typed=typed,
                  rows=rows, pupils=pupils, error=error, result=result,
                  kinds=_kind_labels())


def _pupil_choices(year: AcademicYear | None) -> list[tuple[str, list[tuple[int, str]]]]:
    """The year's pupils by class for the exception rows (one query)."""
    if year is None:
        return []
    groups: dict[str, list[tuple[int, str]]] = {}
    rows = db.session.execute(
        select(Pupil.id, Person, SchoolClass).join(Person, Person.id == Pupil.person_id)
        .join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .where(SchoolClass.year_id == year.id, Pupil.left_on.is_(None))
        .order_by(SchoolClass.grade, SchoolClass.letter, Person.last_name, Person.first_name))
    for pupil_id, person, school_class in rows:
        groups.setdefault(school_class.name, []).append((pupil_id, person.full_name))
    return list(groups.items())


def _kind_labels() -> dict[str, str]:
    return {"promoted": _("promoted"), "conditional": _("promoted conditionally"),
            "repeats": _("repeats the year"), "transferred": _("transferred"),
            "graduated": _("graduated")}


# -- step 4: the result and undo -----------------------------------------------------------

@bp.get("/closes/<int:close_id>")
def result(close_id: int):
    require(policy.can_view_year_close(current_user))
    return _result_page(load_or_404(YearClose, close_id))


def _result_page(close: YearClose, status: int = 200, error: str | None = None):
    rows = db.session.execute(
        select(SchoolClass, Promotion.outcome, Promotion.new_class_id)
        .join(Promotion, Promotion.from_class_id == SchoolClass.id)
        .where(Promotion.close_id == close.id)
        .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    new_names = {c.id: c.name for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.id.in_({r[2] for r in rows if r[2]})))}
    table: dict[int, dict] = {}
    for school_class, outcome, new_class_id in rows:
        line = table.setdefault(school_class.id, {"name": school_class.name,
                                                  "counts": Counter(), "to": ""})
        line["counts"][outcome] += 1
        if outcome in ("promoted", "conditional") and new_class_id in new_names:
            line["to"] = new_names[new_class_id]
    total = sum((line["counts"] for line in table.values()), Counter())
    return render("yearclose/result.html", status=status, close=close, table=table.values(),
                  total=total, kinds=_kind_labels(), error=error,
                  year=db.session.get(AcademicYear, close.year_id),
                  new_year=db.session.get(AcademicYear, close.new_year_id or 0),
                  may_close=policy.can_close_year(current_user),
                  refusal=yearclose.undo_refusal(close))


@bp.post("/closes/<int:close_id>/undo")
def undo(close_id: int):
    require(policy.can_close_year(current_user))
    close = load_or_404(YearClose, close_id)
    try:
        yearclose.undo(current_user, close)
    except yearclose.YearCloseError as error:
        db.session.rollback()
        return _result_page(close, 422, error.message)
    db.session.commit()
    flash(_("The year close is undone: the year is open again."), "success")
    return redirect(url_for("yearclose.index"), 303)
