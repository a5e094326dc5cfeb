"""A class's subgroups: the class teacher (and the administrator) makes groups, puts pupils
in them and moves a pupil to another group from a day; the class's teachers and leadership
read it. Plain forms answered with a redirect; a refusal re-renders the page (422)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import load_or_404, refuse, render, require
from blueprints.groups import forms
from blueprints.parse import arg_id, to_id
from extensions import db
from models import Enrolment, Pupil, SchoolClass, Subgroup
from services import clock, policy
from services import groups as group_service
from services.groups import GroupError

bp = Blueprint("groups", __name__)


def _class(class_id: int, manage: bool = False) -> SchoolClass:
    school_class = load_or_404(SchoolClass, class_id, may=policy.can_read_groups)
    if manage:
        require(policy.can_manage_groups(current_user, school_class))
    return school_class


def _group(school_class: SchoolClass, group_id: int | None) -> Subgroup | None:
    group = db.session.get(Subgroup, group_id) if group_id is not None else None
    return group if group is not None and group.class_id == school_class.id else None


def _page(school_class: SchoolClass, status: int = 200, **form_objs):
    today = clock.today()
    # Prefixed: three forms on one page must not share the ids of their fields.
    context = {"group_form": forms.GroupForm(formdata=None, prefix="new"),
               "add_form": forms.AddForm(formdata=None, data={"day": today}, prefix="add"),
               "move_form": forms.MoveForm(formdata=None, data={"day": today}, prefix="move"),
               **form_objs}
    return render("groups/class.html", status=status, school_class=school_class, today=today,
                  groups=group_service.groups_of(school_class),
                  spans=group_service.memberships(school_class),
                  pupils=group_service.class_pupils(school_class, today),
                  may_manage=policy.can_manage_groups(current_user, school_class),
                  chosen_group=arg_id(request.args, "group"), **context)


def _done(school_class: SchoolClass, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("groups.class_groups", class_id=school_class.id), 303)


@bp.get("/classes/<int:class_id>/groups")
def class_groups(class_id: int):
    """The class's groups with every pupil's dates in them, and the forms to change them."""
    return _page(_class(class_id))


@bp.post("/classes/<int:class_id>/groups")
def create(class_id: int):
    school_class = _class(class_id, manage=True)
    form = forms.GroupForm(prefix="new")
    if form.validate():
        try:
            group_service.create_group(current_user, school_class, form.name.data)
        except GroupError as error:
            refuse(form, error)
        else:
            return _done(school_class, _("The group is added."))
    return _page(school_class, 422, group_form=form)


@bp.post("/classes/<int:class_id>/groups/pupils")
def add_pupils(class_id: int):
    school_class = _class(class_id, manage=True)
    form = forms.AddForm(prefix="add")
    if form.validate():
        group = _group(school_class, form.group.data)
        ids = [i for i in (to_id(v) for v in request.form.getlist("pupils")) if i is not None]
        pupils = _of_class(school_class, ids)
        try:
            if group is None:
                raise GroupError(_("Choose the group."), "group")
            added = group_service.add_pupils(current_user, group, pupils, form.day.data)
        except GroupError as error:
            refuse(form, error)
        else:
            return _done(school_class, _("Pupils added to the group: %(n)d.", n=added))
    return _page(school_class, 422, add_form=form)


@bp.post("/classes/<int:class_id>/groups/move")
def move(class_id: int):
    school_class = _class(class_id, manage=True)
    form = forms.MoveForm(prefix="move")
    if form.validate():
        source, target = _group(school_class, form.source.data), _group(school_class,
                                                                        form.target.data)
        pupil = next(iter(_of_class(school_class, [form.pupil.data])), None)
        try:
            if source is None or target is None or pupil is None:
                raise GroupError(_("Choose the pupil and two groups of this class."))
            group_service.move_pupil(current_user, pupil, source, target, form.day.data)
        except GroupError as error:
            refuse(form, error)
        else:
            return _done(school_class, _("The pupil is moved to the group “%(name)s”.",
                                         name=target.name))
    return _page(school_class, 422, move_form=form)


def _of_class(school_class: SchoolClass, ids: list[int]) -> list[Pupil]:
    """The pupils among ids who were ever in the class: another class's pupil is not named
    back to the user (no probing of names by id)."""
    if not ids:
        return []
    return list(db.session.scalars(
        db.select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .where(Pupil.id.in_(ids), Enrolment.class_id == school_class.id)).unique())
