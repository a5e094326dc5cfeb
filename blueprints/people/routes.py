"""Staff and pupil cards: the full forms behind the grid's lists (blueprints/admin), with the
arrivals, departures, moves, parents and consent that are more than a cell."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.admin.history import readable
from blueprints.admin.people_tables import PUPILS
from blueprints.common import load_or_404, refuse, render, require
from blueprints.parse import to_id
from blueprints.people import forms
from extensions import db
from models import (
    Consent,
    ConsentText,
    Enrolment,
    Guardian,
    Person,
    Pupil,
    SchoolClass,
    Staff,
    Subject,
)
from services import audit, audit_log, clock, policy, transactions
from services import school as school_service
from services.accounts.issue import account_of
from services.people import consent as consent_service
from services.people import guardians as guardian_service
from services.people import pupils as pupil_service
from services.people import staff as staff_service
from services.people.common import PeopleError

bp = Blueprint("people", __name__, url_prefix="/people")


# -- staff ----------------------------------------------------------------------------------

def _staff_form(staff: Staff | None) -> forms.StaffForm:
    form = forms.StaffForm()
    form.subjects.choices = [(str(s.id), s.name_ru) for s in db.session.scalars(
        select(Subject).order_by(Subject.name_ru))]
    if request.method == "GET" and staff is not None:
        person, user = staff.person, account_of(staff.person)
        for name in ("last_name", "first_name", "patronymic", "sex", "birth_date", "phone",
                     "email", "address"):
            getattr(form, name).data = getattr(person, name)
        form.position.data, form.hired_on.data = staff.position, staff.hired_on
        form.left_on.data = staff.left_on
        form.subjects.data = [str(s.id) for s in staff.subjects]
        roles = {r.role: r.scope for r in user.roles} if user else {}
        form.roles.data, form.deputy_scope.data = list(roles), roles.get("deputy") or ""
    return form


@bp.route("/staff/new", methods=["GET", "POST"], endpoint="staff_new")
@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
def staff_card(staff_id: int | None = None):
    """A staff card: name, post, subjects, dates of work, roles; and the account."""
    require(policy.can_table(current_user, ("admin", "director", "deputy", "secretary")))
    staff = load_or_404(Staff, staff_id) if staff_id is not None else None
    form = _staff_form(staff)
    editable = policy.can_table(current_user, ("admin", "secretary"))
    if request.method == "POST":
        require(editable)
        if form.validate():
            roles = {r: (form.deputy_scope.data or None) if r == "deputy" else None
                     for r in form.roles.data}
            try:
                staff = staff_service.save_staff(
                    current_user, staff, form.person_data(), form.position.data or "",
                    form.hired_on.data, form.left_on.data, roles,
                    _subject_ids(form.subjects.data), clock.today())
            except PeopleError as error:
                refuse(form, error)
            else:
                db.session.commit()
                flash(_("The card is saved."), "success")
                return redirect(url_for("people.staff_card", staff_id=staff.id), 303)
    account = account_of(staff.person) if staff else None
    return render("people/staff.html", staff=staff, form=form, account=account,
                  editable=editable, status=422 if form.errors or form.form_errors else 200)


# -- pupils ---------------------------------------------------------------------------------

def _class_choices() -> list[SchoolClass]:
    year = school_service.current_year()
    classes = school_service.classes_of_year(year) if year else []
    return [c for c in classes if policy.can_read_class(current_user, c)]


@bp.route("/pupils/new", methods=["GET", "POST"])
def pupil_new():
    """A pupil arrives: the card, the class, the date and the order."""
    require(policy.can_table(current_user, ("admin", "secretary")))
    form = forms.EnrolForm()
    if request.method == "GET":
        form.on.data = clock.today()
    if request.method == "POST" and form.validate():
        school_class = db.session.get(SchoolClass, form.class_id.data)
        if school_class is None:
            form.class_id.errors = [_("Choose the class.")]
        else:
            try:
                pupil = pupil_service.enrol(current_user, form.person_data(), school_class,
                                            form.on.data, form.order_no.data,
                                            form.order_date.data, clock.today())
            except PeopleError as error:
                refuse(form, error)
            else:
                db.session.commit()
                flash(_("The pupil is enrolled."), "success")
                return redirect(url_for("people.pupil_card", pupil_id=pupil.id), 303)
    return render("people/enrol.html", form=form, classes=_class_choices(),
                  status=422 if form.errors or form.form_errors else 200)


def _pupil(pupil_id: int) -> Pupil:
    """A pupil the user may read; every opening of a card goes into the audit trail."""
    pupil = load_or_404(Pupil, pupil_id, may=policy.can_read_pupil)
    if not policy.can_edit_pupil_card(current_user, pupil) and not policy.can_table(
            current_user, ("admin", "director", "deputy", "secretary")):
        abort(404)
    return pupil


@bp.route("/pupils/<int:pupil_id>", methods=["GET", "POST"])
def pupil_card(pupil_id: int):
    """A pupil's card: personal data, health (only for those who may see it), notes,
    parents, consent, enrolments, and the family's accounts."""
    pupil = _pupil(pupil_id)
    health = policy.can_see_health(current_user, pupil)
    form = forms.PupilCardForm(obj=None if request.method == "POST" else _card_data(pupil))
    if request.method == "POST":
        require(policy.can_edit_pupil_card(current_user, pupil))
        if form.validate():
            try:
                pupil_service.update_card(
                    current_user, pupil, form.person_data(), form.notes.data or "",
                    (form.medical_group.data or None if form.medical_group.data != "None"
                     else None, form.medical_notes.data or "") if health else None,
                    clock.today())
            except PeopleError as error:
                refuse(form, error)
            else:
                db.session.commit()
                flash(_("The card is saved."), "success")
                return redirect(url_for("people.pupil_card", pupil_id=pupil.id), 303)
    else:
        with transactions.apart():
            audit.record(current_user, "pupil", pupil.id, "read", pupil_id=pupil.id)
    return _card_page(pupil, form, health)


def _card_data(pupil: Pupil):
    class Data:  # the form reads attributes: the person's and the pupil's in one object
        pass
    data = Data()
    for name in ("last_name", "first_name", "patronymic", "sex", "birth_date", "phone",
                 "email", "address"):
        setattr(data, name, getattr(pupil.person, name))
    data.notes, data.medical_group = pupil.notes, pupil.medical_group or ""
    data.medical_notes = pupil.medical_notes
    return data


def _card_again(pupil: Pupil, status: int | None = None, **extra):
    """The card as it is stored, with one of its side forms refused (its errors shown)."""
    return _card_page(pupil, forms.PupilCardForm(obj=_card_data(pupil)),
                      policy.can_see_health(current_user, pupil), status=status, **extra)


def _history(pupil: Pupil) -> list | None:
    """The card's History section, for its class teacher and the leadership of its level
    (never the family, a subject teacher or the secretary); None for others."""
    cls = pupil.school_class
    if not (policy.can_read_change_log(current_user, cls) if cls is not None
            else policy.oversees_all(current_user)):
        return None
    return readable(PUPILS, audit_log.card_history(pupil))


def _card_page(pupil: Pupil, form, health: bool, status: int | None = None, **extra):
    guardians = list(db.session.execute(
        select(Guardian, Person).join(Person, Person.id == Guardian.person_id)
        .where(Guardian.pupil_id == pupil.id).order_by(Guardian.id)))
    enrolments = list(db.session.scalars(select(Enrolment).where(
        Enrolment.pupil_id == pupil.id).order_by(Enrolment.start_date)))
    accounts = {p.id: account_of(p) for p in [pupil.person, *[g[1] for g in guardians]]}
    context = dict(
        pupil=pupil, form=form, health=health, guardians=guardians, enrolments=enrolments,
        consents=consent_service.of_pupil(pupil), texts=consent_service.texts(),
        in_force=consent_service.in_force(pupil, clock.today()), accounts=accounts,
        editable=policy.can_edit_pupil_card(current_user, pupil),
        may_consent=policy.can_record_consent(current_user, pupil),
        may_issue=policy.can_issue_account(current_user, "parent", pupil.school_class),
        may_move=policy.can_table(current_user, ("admin", "secretary")),
        classes=_class_choices(), guardian_form=extra.pop("guardian_form", None)
        or forms.GuardianForm(formdata=None),
        consent_form=extra.pop("consent_form", None) or forms.ConsentForm(
            formdata=None, given_on=clock.today()),
        depart_form=extra.pop("depart_form", None) or forms.DepartForm(formdata=None),
        move_form=extra.pop("move_form", None) or forms.MoveForm(formdata=None,
                                                                 on=clock.today()),
        today=clock.today(), history=_history(pupil), **extra)
    failed = status or (422 if any(getattr(f, "errors", None) for f in (
        form, context["guardian_form"], context["consent_form"], context["depart_form"],
        context["move_form"])) else 200)
    return render("people/pupil.html", status=failed, **context)


def _subject_ids(values: list[str]) -> list[int]:
    """The ticked subjects; text that is no id ("²", 10^30) becomes -1, which the service
    refuses as not on the list (int() raised on "²", and SQLite on 10^30)."""
    return [-1 if to_id(v) is None else to_id(v) for v in values]


def _back(pupil: Pupil, anchor: str = ""):
    return redirect(url_for("people.pupil_card", pupil_id=pupil.id) + anchor, 303)


@bp.post("/pupils/<int:pupil_id>/guardians")
def guardian_add(pupil_id: int):
    """A parent: an existing person (a sibling's parent, from the duplicates offered) or a
    new card; similar people already in the school are offered before a new card is made."""
    pupil = _pupil(pupil_id)
    require(policy.can_edit_pupil_card(current_user, pupil))
    form = forms.GuardianForm()
    if form.link_id.data:
        person = db.session.get(Person, form.link_id.data)
        if person is None:
            abort(404)
        try:
            guardian_service.link(current_user, pupil, person, form.relation.data)
        except PeopleError as error:  # no relation chosen
            refuse(form, error)
            return _card_again(pupil, guardian_form=form)
        db.session.commit()
        flash(_("The parent is linked."), "success")
        return _back(pupil, "#parents")
    if not form.validate():
        return _card_again(pupil, guardian_form=form)
    data = form.person_data()
    similar = guardian_service.find_duplicates(data) if form.force.data != "1" else []
    if similar:
        return _card_again(pupil, status=200,
                          guardian_form=form, similar=similar)
    try:
        guardian_service.add_new(current_user, pupil, data, form.relation.data, clock.today())
    except PeopleError as error:
        refuse(form, error)
        return _card_again(pupil, guardian_form=form)
    db.session.commit()
    flash(_("The parent is added."), "success")
    return _back(pupil, "#parents")


@bp.post("/pupils/<int:pupil_id>/guardians/<int:guardian_id>/unlink")
def guardian_unlink(pupil_id: int, guardian_id: int):
    pupil = _pupil(pupil_id)
    require(policy.can_edit_pupil_card(current_user, pupil))
    guardian = db.session.get(Guardian, guardian_id)
    if guardian is None or guardian.pupil_id != pupil.id:
        abort(404)
    guardian_service.unlink(current_user, guardian)
    db.session.commit()
    flash(_("The parent is no longer linked to this pupil."), "success")
    return _back(pupil, "#parents")


@bp.post("/pupils/<int:pupil_id>/consent")
def consent_give(pupil_id: int):
    """Record a consent: who of the family gave it, to which text, when."""
    pupil = _pupil(pupil_id)
    require(policy.can_record_consent(current_user, pupil))
    form = forms.ConsentForm()
    giver = db.session.get(Person, form.giver_id.data) if form.validate() else None
    text = db.session.get(ConsentText, form.text_id.data) \
        if giver is not None else None
    if giver is None or text is None:
        if not form.errors:
            form.giver_id.errors = [_("Choose who gave the consent.")]
        return _card_again(pupil, consent_form=form)
    try:
        consent_service.give(current_user, pupil, giver, text, form.given_on.data,
                             clock.today())
    except PeopleError as error:
        refuse(form, error)
        return _card_again(pupil, consent_form=form)
    db.session.commit()
    flash(_("The consent is recorded."), "success")
    return _back(pupil, "#consent")


@bp.post("/consents/<int:consent_id>/revoke")
def consent_revoke(consent_id: int):
    consent = load_or_404(Consent, consent_id)
    pupil = _pupil(consent.pupil_id)
    require(policy.can_record_consent(current_user, pupil))
    form = forms.RevokeForm()
    if not form.validate():
        flash(_("Enter the date the consent was revoked."), "error")
        return _back(pupil, "#consent")
    try:
        consent_service.revoke(current_user, consent, form.revoked_on.data, clock.today())
    except PeopleError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(pupil, "#consent")
    db.session.commit()
    flash(_("The consent is revoked: the family's accounts stop working on that day."),
          "success")
    return _back(pupil, "#consent")


@bp.post("/pupils/<int:pupil_id>/depart")
def depart(pupil_id: int):
    """The pupil leaves the school by an order (transfer, expulsion, graduation)."""
    pupil = _pupil(pupil_id)
    require(policy.can_table(current_user, ("admin", "secretary")))
    form = forms.DepartForm()
    if form.validate():
        try:
            pupil_service.depart(current_user, pupil, form.on.data, form.reason.data,
                                 form.order_no.data, form.order_date.data)
        except PeopleError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("The departure is recorded."), "success")
            return _back(pupil, "#enrolment")
    return _card_again(pupil, depart_form=form)


@bp.post("/pupils/<int:pupil_id>/move")
def move(pupil_id: int):
    """The pupil moves to another class from a day; the old class keeps the history."""
    pupil = _pupil(pupil_id)
    require(policy.can_table(current_user, ("admin", "secretary")))
    form = forms.MoveForm()
    school_class = db.session.get(SchoolClass, form.class_id.data) if form.validate() else None
    if school_class is not None:
        try:
            pupil_service.move(current_user, [pupil], school_class, form.on.data,
                               form.order_no.data or "")
        except PeopleError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("The pupil is moved."), "success")
            return _back(pupil, "#enrolment")
    return _card_again(pupil, move_form=form)
