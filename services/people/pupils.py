"""Pupil cards, arrivals and departures: enrolment with the order, moving to another class,
leaving (transfer, expulsion, graduation). The journal history stays with the old class: an
enrolment is ended, never deleted."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import Enrolment, Person, Pupil, SchoolClass, User
from models.people import DEPARTURE_REASONS, MEDICAL_GROUPS
from services import audit
from services.people.common import PERSON_FIELDS, PeopleError, PersonData, apply_person

PUPIL_FIELDS = ("class_id", "enrolled_on", "left_on", "notes")
HEALTH_FIELDS = ("medical_group", "medical_notes")
NOTES_MAX = 2000


def current_enrolment(pupil: Pupil) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(
        Enrolment.pupil_id == pupil.id, Enrolment.end_date.is_(None))
        .order_by(Enrolment.start_date.desc()).limit(1))


def enrol(actor: User, data: PersonData, school_class: SchoolClass, on: dt.date,
          order_no: str, order_date: dt.date | None, today: dt.date) -> Pupil:
    """A new pupil arrives in a class by an order; audited. Raises PeopleError."""
    data.check(today)
    _check_class_date(school_class, on)
    person = Person(last_name="", first_name="", sex=data.sex)
    apply_person(person, data)
    pupil = Pupil(person=person, class_id=school_class.id, enrolled_on=on)
    db.session.add(pupil)
    db.session.flush()
    db.session.add(Enrolment(pupil_id=pupil.id, class_id=school_class.id, start_date=on,
                             order_no=order_no.strip(), order_date=order_date))
    audit.record_change(actor, "pupil", pupil.id, {}, {
        **audit.snapshot(person, PERSON_FIELDS), "class_id": school_class.id,
        "enrolled_on": on.isoformat(), "order_no": order_no}, "create", pupil_id=pupil.id)
    return pupil


def _check_class_date(school_class: SchoolClass, on: dt.date) -> None:
    year = school_class.year
    if not year.start_date - dt.timedelta(days=92) <= on <= year.end_date:
        raise PeopleError(_("The date must fall in the class's academic year (%(start)s – "
                            "%(end)s).", start=year.start_date.isoformat(),
                            end=year.end_date.isoformat()), "on")


def update_card(actor: User, pupil: Pupil, data: PersonData, notes: str,
                health: tuple[str | None, str] | None, today: dt.date) -> bool:
    """Change a pupil's card. health=(medical group, notes) only from someone who may see it
    (the caller asks services.policy); None leaves health data as it is. Audited."""
    data.check(today)
    if len(notes) > NOTES_MAX:
        raise PeopleError(_("The notes are too long: %(now)d characters, at most %(max)d.",
                            now=len(notes), max=NOTES_MAX), "notes")
    fields = PERSON_FIELDS + ("notes",) + (HEALTH_FIELDS if health is not None else ())
    before = {**audit.snapshot(pupil.person, PERSON_FIELDS),
              **audit.snapshot(pupil, ("notes",) + HEALTH_FIELDS)}
    apply_person(pupil.person, data)
    pupil.notes = notes.strip()
    if health is not None:
        group, medical = health
        if group not in (None, *MEDICAL_GROUPS):
            raise PeopleError(_("Choose the medical group from the list."), "medical_group")
        if len(medical) > NOTES_MAX:
            raise PeopleError(_("The medical notes are too long: %(now)d characters, at most "
                                "%(max)d.", now=len(medical), max=NOTES_MAX), "medical_notes")
        pupil.medical_group, pupil.medical_notes = group, medical.strip()
    after = {**audit.snapshot(pupil.person, PERSON_FIELDS),
             **audit.snapshot(pupil, ("notes",) + HEALTH_FIELDS)}
    return audit.record_change(actor, "pupil", pupil.id,
                               {k: before[k] for k in fields}, {k: after[k] for k in fields},
                               pupil_id=pupil.id)


def move(actor: User, pupils: list[Pupil], school_class: SchoolClass, on: dt.date,
         order_no: str = "", order_date: dt.date | None = None) -> int:
    """Move pupils to another class from a day: each current enrolment ends the day before.
    Returns how many moved (those already in the class stay)."""
    _check_class_date(school_class, on)
    moved = 0
    for pupil in pupils:
        if pupil.left_on is not None:
            raise PeopleError(_("%(name)s has left the school: enrol them again instead.",
                                name=pupil.person.short_name))
        if pupil.class_id == school_class.id:
            continue
        current = current_enrolment(pupil)
        if current is not None:
            if on <= current.start_date:
                raise PeopleError(_("%(name)s joined the present class on %(date)s: the move "
                                    "must come later.", name=pupil.person.short_name,
                                    date=current.start_date.isoformat()), "on")
            current.end_date, current.end_reason = on - dt.timedelta(days=1), "moved"
            current.end_order_no, current.end_order_date = order_no, order_date
        old_class = pupil.class_id
        db.session.add(Enrolment(pupil_id=pupil.id, class_id=school_class.id, start_date=on,
                                 order_no=order_no, order_date=order_date))
        pupil.class_id = school_class.id
        audit.record_change(actor, "pupil", pupil.id, {"class_id": old_class},
                            {"class_id": school_class.id}, "move", pupil_id=pupil.id)
        moved += 1
    db.session.flush()
    return moved


def depart(actor: User, pupil: Pupil, on: dt.date, reason: str, order_no: str,
           order_date: dt.date | None) -> None:
    """The pupil leaves on a day (the last day in the school is the day before); the
    family's access ends with it (services.accounts.access). Raises PeopleError."""
    if reason not in DEPARTURE_REASONS:
        raise PeopleError(_("Choose why the pupil leaves."), "reason")
    if not order_no.strip():
        raise PeopleError(_("Enter the number of the order."), "order_no")
    current = current_enrolment(pupil)
    if current is not None and on <= current.start_date:
        raise PeopleError(_("The pupil joined the class on %(date)s: the day of leaving must "
                            "come later.", date=current.start_date.isoformat()), "on")
    if current is not None:
        current.end_date, current.end_reason = on - dt.timedelta(days=1), reason
        current.end_order_no, current.end_order_date = order_no.strip(), order_date
    before = audit.snapshot(pupil, ("left_on",))
    pupil.left_on = on
    audit.record_change(actor, "pupil", pupil.id, before,
                        {"left_on": on.isoformat(), "reason": reason, "order_no": order_no},
                        "depart", pupil_id=pupil.id)
