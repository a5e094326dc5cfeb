"""Accounts: issuing (one person, or a whole class's families at once) with credential slips
as a PDF, resetting and disabling; a class's account and consent overview with the monthly
check of the cards; what the regulation's timings make overdue; the consent texts."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.admin.history import readable
from blueprints.admin.people_tables import PUPILS
from blueprints.common import load_or_404, render, require
from blueprints.people.forms import ConsentTextForm
from extensions import db
from models import Guardian, Person, Pupil, SchoolClass, Staff, User
from services import audit_log, clock, policy
from services import school as school_service
from services.accounts import issue as issuing
from services.accounts.overdue import overdue
from services.people import checks
from services.people import consent as consent_service
from services.people.common import PeopleError
from services.slips import render_slips

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _slips(issued: list, filename: str) -> Response:
    """The PDF of the slips just issued: the passwords are shown this once, nowhere else."""
    body = render_slips(issued, school_service.the_school(), request.host_url.rstrip("/"))
    db.session.commit()
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def _role_and_class(person: Person) -> tuple[str, SchoolClass | None]:
    """What account a person gets: staff, pupil or parent (with the class it is for)."""
    if db.session.scalar(select(Staff.id).where(Staff.person_id == person.id)):
        return "staff", None
    pupil = db.session.scalar(select(Pupil).where(Pupil.person_id == person.id))
    if pupil is not None:
        return "pupil", pupil.school_class
    child = db.session.scalar(select(Pupil).join(Guardian, Guardian.pupil_id == Pupil.id)
                              .where(Guardian.person_id == person.id, Pupil.left_on.is_(None))
                              .order_by(Pupil.id).limit(1))
    if child is None:
        abort(404)
    return "parent", child.school_class


@bp.post("/people/<int:person_id>/issue")
def issue(person_id: int):
    """Issue (or reissue) one person's account: a new one-time password on a slip."""
    person = load_or_404(Person, person_id)
    role, school_class = _role_and_class(person)
    require(policy.can_issue_account(current_user, role, school_class))
    try:
        issued = issuing.issue(current_user, person, role, school_service.the_school())
    except issuing.AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(request.referrer or url_for("home.index"), 303)
    return _slips([(issued, role)], f"slip-{issued.user.username}.pdf")


@bp.post("/users/<int:user_id>/<any(disable, enable):action>")
def switch(user_id: int, action: str):
    """Switch an account off (it stops at once, nothing it wrote is touched) or on again."""
    user = load_or_404(User, user_id)
    role, school_class = _role_and_class(user.person)
    require(policy.can_issue_account(current_user, role, school_class))
    require(user.id != current_user.id)
    (issuing.disable if action == "disable" else issuing.enable)(current_user, user)
    db.session.commit()
    flash(_("The account is disabled.") if action == "disable" else
          _("The account is enabled."), "success")
    return redirect(request.referrer or url_for("home.index"), 303)


@bp.get("/users/<int:user_id>/history")
def history(user_id: int):
    """An account's history: issued, disabled, enabled, and its person's card with the roles.
    Those who manage the account see it, and the leadership over it (not the family)."""
    user = load_or_404(User, user_id)
    role, school_class = _role_and_class(user.person)
    require(policy.can_read_account_history(current_user, role, school_class))
    return render("accounts/history.html", account=user,
                  changes=readable(PUPILS, audit_log.account_history(user)))


def _led_class(class_id: int) -> SchoolClass:
    school_class = load_or_404(SchoolClass, class_id, may=policy.can_read_class)
    require(policy.can_manage_class_families(current_user, school_class))
    return school_class


@bp.get("/classes/<int:class_id>")
def class_accounts(class_id: int):
    """A class's pupils with their consent and their family's accounts; the monthly check."""
    school_class = _led_class(class_id)
    today = clock.today()
    rows = _class_rows(school_class, today)
    last = checks.last_check(school_class)
    changes = checks.changes_since(school_class, last.checked_at if last else None)
    shown = readable(PUPILS, [c.change for c in changes])
    return render("accounts/class.html", school_class=school_class, rows=rows, today=today,
                  last=last, this_month=last is not None and last.month == checks.month_of(
                      today), changes=[replace(c, change=s) for c, s in zip(changes, shown,
                                                                  strict=True)])


def _class_rows(school_class: SchoolClass, today) -> list[dict]:
    """Each pupil with consent in force (or not), the pupil's account and the parents' —
    a fixed number of queries."""
    pupils = school_service.class_pupils(school_class, today)
    ids = [p.id for p in pupils]
    guardians = {}
    for guardian, person in db.session.execute(
            select(Guardian, Person).join(Person, Person.id == Guardian.person_id)
            .where(Guardian.pupil_id.in_(ids))):
        guardians.setdefault(guardian.pupil_id, []).append(person)
    people = [p.person_id for p in pupils] + [g.id for gs in guardians.values() for g in gs]
    users = {u.person_id: u for u in db.session.scalars(select(User).where(
        User.person_id.in_(people)))}
    consented = consent_service.pupils_in_force(ids, today)
    return [{"pupil": p, "consent": p.id in consented, "account": users.get(p.person_id),
             "parents": [(g, users.get(g.id)) for g in guardians.get(p.id, [])]}
            for p in pupils]


@bp.post("/classes/<int:class_id>/issue")
def class_issue(class_id: int):
    """Accounts for every family of the class with consent in force and no account yet
    (the parents, and the pupils from the school's grade for it): one PDF of slips."""
    school_class = _led_class(class_id)
    require(policy.can_issue_account(current_user, "parent", school_class))
    today, school = clock.today(), school_service.the_school()
    issued = []
    for row in _class_rows(school_class, today):
        if not row["consent"]:
            continue
        for person, account, role in [(g, a, "parent") for g, a in row["parents"]] + (
                [(row["pupil"].person, row["account"], "pupil")]
                if request.form.get("pupils") else []):
            if account is None or account.issued_at is None:
                try:
                    issued.append((issuing.issue(current_user, person, role, school, today),
                                   role))
                except issuing.AccountError:
                    continue
    if not issued:
        flash(_("Every family with consent in force has an account already."), "info")
        return redirect(url_for("accounts.class_accounts", class_id=class_id), 303)
    return _slips(issued, f"slips-{school_class.grade}{school_class.letter}.pdf")


@bp.post("/classes/<int:class_id>/check")
def class_check(class_id: int):
    """The class teacher confirms this month that the cards are correct."""
    school_class = _led_class(class_id)
    checks.confirm(current_user, school_class, clock.today())
    db.session.commit()
    flash(_("Thank you: this month's check of the cards is recorded."), "success")
    return redirect(url_for("accounts.class_accounts", class_id=class_id), 303)


@bp.get("/overdue")
def overdue_list():
    """What the regulation's account timings make overdue today, and the unchecked classes."""
    require(policy.can_manage_school(current_user))
    school = school_service.the_school()
    if school is None:
        abort(404)
    year = school_service.current_year()
    classes = school_service.classes_of_year(year) if year else []
    return render("accounts/overdue.html", school=school, today=clock.today(),
                  due=overdue(school, clock.today()),
                  unchecked=checks.unconfirmed([c for c in classes if c.class_teacher_id],
                                               clock.today()))


@bp.route("/consent-texts", methods=["GET", "POST"])
def consent_texts():
    """The school's consent texts, in Russian and Kazakh; a change is a new version."""
    require(policy.can_table(current_user, ("admin", "secretary")))
    form = ConsentTextForm()
    if request.method == "POST" and form.validate():
        try:
            consent_service.add_text(current_user, form.version.data, form.text_ru.data,
                                     form.text_kk.data)
        except PeopleError as error:
            db.session.rollback()
            form.version.errors = [error.message]
        else:
            db.session.commit()
            flash(_("The new version of the consent text is saved."), "success")
            return redirect(url_for("accounts.consent_texts"), 303)
    return render("accounts/consent_texts.html", form=form, texts=consent_service.texts(),
                  status=422 if form.errors else 200)
