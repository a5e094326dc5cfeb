"""Final attestation results (001 3.2.9): the school's exams, and one page per exam where the
deputy enters each pupil's points, mark and date (a row saved at a time, by htmx or a plain
form). The list of exams itself is a grid table (blueprints/admin/load_tables.py)."""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import is_htmx, load_or_404, render, require
from blueprints.parse import to_int
from extensions import db
from models import Exam, Pupil
from services import clock, exams, policy
from services import school as school_service

bp = Blueprint("exams", __name__, url_prefix="/exams")


def _may_see(user, exam: Exam) -> bool:
    return user.has_role("director") or policy.can_enter_exam_results(user, exam.grade)


@bp.get("/")
def index():
    require(policy.can_read_load(current_user))
    rows = list(db.session.scalars(select(Exam).order_by(Exam.grade, Exam.kind, Exam.name_ru)))
    return render("exams/index.html", exams=[e for e in rows if _may_see(current_user, e)],
                  locale=str(get_locale()),
                  may_edit=policy.can_table(current_user, ("admin", "deputy")))


@bp.post("/usual")
def usual():
    """Add the usual exams of the school's country to the list."""
    require(policy.can_read_load(current_user) and policy.can_table(current_user,
                                                                    ("admin", "deputy")))
    added = exams.add_usual(school_service.the_school())
    db.session.commit()
    flash(ngettext("%(num)d exam added.", "%(num)d exams added.", len(added)) if added
          else _("The usual exams are in the list already."), "success")
    return redirect(url_for("exams.index"), 303)


def _exam(exam_id: int) -> Exam:
    return load_or_404(Exam, exam_id, may=_may_see)


def _year():
    year = school_service.current_year()
    if year is None:
        abort(404)
    return year


@bp.get("/<int:exam_id>")
def results(exam_id: int):
    """One row per pupil of the exam's grade this year."""
    exam, year = _exam(exam_id), _year()
    return render("exams/results.html", exam=exam, year=year,
                  pupils=exams.pupils_for(exam, year), results=exams.results_of(exam, year),
                  may_edit=policy.can_enter_exam_results(current_user, exam.grade),
                  scale=exams.mark_scale(school_service.the_school()), errors={}, typed={},
                  locale=str(get_locale()), today=clock.today())


@bp.post("/<int:exam_id>/pupils/<int:pupil_id>")
def save(exam_id: int, pupil_id: int):
    """Save one pupil's result; a refusal shows the row again with the message."""
    exam, year = _exam(exam_id), _year()
    require(policy.can_enter_exam_results(current_user, exam.grade))
    pupil = load_or_404(Pupil, pupil_id)
    school = school_service.the_school()
    try:
        entry = _entry(request.form)
        exams.save(current_user, exam, pupil, year, entry, school, clock.today())
    except exams.ExamError as error:
        db.session.rollback()
        return _row(exam, year, pupil, school, {error.field or "row": error.message},
                    request.form, 422)
    db.session.commit()
    if not is_htmx():
        flash(_("Saved."), "success")
        return redirect(url_for("exams.results", exam_id=exam.id) + f"#pupil-{pupil.id}", 303)
    return _row(exam, year, pupil, school, {}, {}, 200)


def _entry(form) -> exams.Entry:
    """Points, mark and date as typed; text that is not a number is refused by field."""
    values = {}
    for name, low, high in (("points", 0, 10**6), ("mark", 0, 100)):
        raw = (form.get(name) or "").strip()
        values[name] = to_int(raw, low, high) if raw else None
        if raw and values[name] is None:
            raise exams.ExamError(_("Enter a whole number, such as 3."), name)
    raw = (form.get("taken_on") or "").strip()
    if raw and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise exams.ExamError(_("Enter a date such as 2026-11-23."), "taken_on")
    try:
        taken_on = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise exams.ExamError(_("Enter a date such as 2026-11-23."), "taken_on") from None
    return exams.Entry(values["points"], values["mark"], taken_on)


def _row(exam, year, pupil, school, errors: dict, typed, status: int):
    """The pupil's row (htmx), or the whole page with the row's message (a plain form)."""
    results = exams.results_of(exam, year)
    context = dict(exam=exam, may_edit=True, scale=exams.mark_scale(school), today=clock.today(),
                   errors={pupil.id: errors} if errors else {}, typed={pupil.id: typed})
    if is_htmx():
        return render_template("exams/_row.html", p=pupil, result=results.get(pupil.id),
                               **context), status
    pupils = exams.pupils_for(exam, year)
    if errors and pupil not in pupils:  # no row to show the message in
        flash(" ".join(errors.values()), "error")
    return render("exams/results.html", status=status, year=year, results=results,
                  pupils=pupils, locale=str(get_locale()), **context)
