"""The teaching load: which teacher teaches which class or subgroup in which subject, from
which day; hand-overs; each teacher's weekly hours against the curriculum. The
administrator changes it, the director and the deputies read it (services.policy)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import load_or_404, refuse, render, require
from blueprints.load import forms
from blueprints.parse import arg_id
from extensions import db
from models import (
    AcademicYear,
    Person,
    SchoolClass,
    Staff,
    Subgroup,
    Subject,
    SubjectPage,
    User,
    UserRole,
)
from services import clock, load, policy
from services import school as school_service

bp = Blueprint("load", __name__, url_prefix="/load")


def _year() -> AcademicYear:
    require(policy.can_read_load(current_user))
    year = school_service.current_year()
    if year is None:
        abort(404)
    return year


def _choices(year: AcademicYear) -> dict[str, list[tuple[int, str]]]:
    """The options of the forms: classes, subgroups, subjects, teachers working now, and
    teachers holding pages (five queries)."""
    locale = str(get_locale())
    classes = school_service.classes_of_year(year)
    groups = db.session.scalars(select(Subgroup).join(SchoolClass).where(
        SchoolClass.year_id == year.id).order_by(SchoolClass.grade, SchoolClass.letter,
                                                 Subgroup.name))
    names = {c.id: c.name for c in classes}
    return {
        "classes": [(c.id, c.name) for c in classes],
        "subgroups": [(g.id, f"{names.get(g.class_id, '')}: {g.name}") for g in groups],
        "subjects": [(s.id, s.name(locale)) for s in db.session.scalars(
            select(Subject).order_by(Subject.name_ru))],
        "teachers": [(s.id, s.person.short_name) for s in db.session.scalars(
            select(Staff).join(Person, Person.id == Staff.person_id)
            .where(Staff.left_on.is_(None) | (Staff.left_on > clock.today()),
                   Staff.person_id.in_(select(User.person_id).join(UserRole).where(
                       UserRole.role == "teacher")))
            .order_by(Person.search_name))],
        # A teacher who has left already may still hold pages to hand over.
        "holders": [(s.id, s.person.short_name) for s in db.session.scalars(
            select(Staff).join(Person, Person.id == Staff.person_id)
            .where(Staff.id.in_(select(SubjectPage.teacher_id).join(SchoolClass).where(
                SchoolClass.year_id == year.id)))
            .order_by(Person.search_name))],
    }


def _fill(form, options: dict) -> None:
    for name, key in (("class_id", "classes"), ("subgroup_id", "subgroups"),
                      ("subject_id", "subjects"), ("teacher_id", "teachers"),
                      ("old", "holders"), ("new", "teachers")):
        if name in form:
            form[name].choices = ([] if form[name].required else [("", "—")]) + options[key]


def _index(year: AcademicYear, assign_form=None, all_form=None, status: int = 200):
    options = _choices(year)
    class_id = arg_id(request.args, "class_id")
    assign_form = assign_form or forms.AssignForm(formdata=None, start=clock.today(),
                                                  class_id=class_id,
                                                  subject_id=arg_id(request.args, "subject_id"))
    all_form = all_form or forms.HandOverAllForm(formdata=None, start=clock.today())
    _fill(assign_form, options)
    _fill(all_form, options)
    every, curriculum = load.year_pages(year), load.curriculum_of(year)
    pages = every if class_id is None else [p for p in every if p.class_id == class_id]
    return render("load/index.html", status=status, year=year, options=options,
                  class_id=class_id, pages=pages, curriculum=curriculum,
                  loads=load.teacher_loads(year, every, curriculum),
                  assign_form=assign_form, all_form=all_form,
                  may_edit=policy.can_manage_load(current_user), locale=str(get_locale()))


@bp.get("/")
def index():
    """The pages of the year (of one class with ?class_id=) and every teacher's load."""
    return _index(_year())


def _get(model, value):
    return db.session.get(model, value) if value is not None else None


@bp.post("/assign")
def assign():
    year = _year()
    require(policy.can_manage_load(current_user))
    form = forms.AssignForm()
    _fill(form, _choices(year))
    if form.validate():
        try:
            page = load.assign(current_user, _get(SchoolClass, form.class_id.data),
                               _get(Subject, form.subject_id.data),
                               _get(Staff, form.teacher_id.data), form.start.data,
                               _get(Subgroup, form.subgroup_id.data), form.hours.data)
        except load.LoadError as error:
            db.session.rollback()
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("The page is assigned."), "success")
            return redirect(url_for("load.index", class_id=page.class_id), 303)
    return _index(year, assign_form=form, status=422)


@bp.post("/hand-over")
def hand_over_all():
    """Every page of one teacher to another from a date (a teacher leaving mid-year)."""
    year = _year()
    require(policy.can_manage_load(current_user))
    form = forms.HandOverAllForm()
    _fill(form, _choices(year))
    if form.validate():
        try:
            pages = load.hand_over_all(current_user, _get(Staff, form.old.data),
                                       _get(Staff, form.new.data), form.start.data, year)
        except load.LoadError as error:
            db.session.rollback()
            refuse(form, error)
        else:
            db.session.commit()
            flash(ngettext("%(num)d page handed over.", "%(num)d pages handed over.",
                           len(pages)), "success")
            return redirect(url_for("load.index"), 303)
    return _index(year, all_form=form, status=422)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
def page(page_id: int):
    """A page's teachers over time, and the form that hands it to another from a date."""
    year = _year()
    subject_page = load_or_404(SubjectPage, page_id)
    if subject_page.school_class.year_id != year.id:
        abort(404)
    form = forms.HandOverForm(formdata=None if request.method == "GET" else request.form,
                              start=clock.today())
    options = _choices(year)
    _fill(form, options)
    status = 200
    if request.method == "POST":
        require(policy.can_manage_load(current_user))
        if form.validate():
            try:
                load.hand_over(current_user, subject_page, _get(Staff, form.teacher_id.data),
                               form.start.data)
            except load.LoadError as error:
                db.session.rollback()
                refuse(form, error)
            else:
                db.session.commit()
                flash(_("The page is handed over."), "success")
                return redirect(url_for("load.page", page_id=page_id), 303)
        status = 422
    spans = load.spans_of(subject_page)
    names = {s.id: s.name for s in db.session.scalars(
        select(Staff).where(Staff.id.in_([span.teacher_id for span in spans])))}
    return render("load/page.html", status=status, page=subject_page, form=form,
                  spans=spans, names=names, options=options,
                  may_edit=policy.can_manage_load(current_user), locale=str(get_locale()))
