"""The people of the school in the back-office grid: staff, pupils, parents, sign-in attempts.

A row's person fields live on its Person: the columns read and write them there (get/put) and
sort and filter by them (sql). Arrivals, departures, moves between classes, roles, consent
and accounts have their own forms on the cards (blueprints/people), not grid cells.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from blueprints.admin.grid import Access, Bulk, Col, Table
from blueprints.parse import to_id
from extensions import db
from models import Guardian, LoginAttempt, Person, Pupil, SchoolClass, Staff
from models.users import STAFF_ROLES
from services import clock, policy
from services import school as school_service
from services.people import pupils as pupil_service
from services.people.importing import ClassListImporter

OFFICE = ("admin", "director", "deputy", "secretary")


def _person_col(name: str, label, **kw) -> Col:
    """A column of the row's person."""
    text = kw.get("kind", "text") == "text"
    return Col(name, label, get=lambda row: getattr(row.person, name),
               put=lambda row, value: _put_person(row.person, name, value, text),
               sql=lambda: getattr(Person, name), **kw)


def _put_person(person: Person, name: str, value, text: bool) -> None:
    # An emptied text field is "" on the card; an emptied date is no date.
    setattr(person, name, "" if value is None and text else value)
    person.refresh_search_name()


def _sexes():
    return [("f", _l("female")), ("m", _l("male"))]


def _classes():
    year = school_service.current_year()
    return [(c.id, c.name) for c in school_service.classes_of_year(year)] if year else []


def _yes_no(value) -> str:
    return str(_l("yes") if value else _l("no"))


def _roles(row: Staff) -> str:
    names = {"admin": _l("administrator"), "director": _l("director"), "deputy": _l("deputy"),
             "secretary": _l("secretary"), "teacher": _l("teacher")}
    roles = sorted({r.role for u in row.person.users for r in u.roles if r.role in STAFF_ROLES})
    return ", ".join(str(names[r]) for r in roles) or "—"


def _school_time(value) -> str:
    """A stored UTC moment in the school's time zone (babel's zone is the school's)."""
    return format_datetime(value, "short") if value else ""


def _new_person() -> dict:
    return {"person": Person(last_name="", first_name="", sex="f")}


STAFF = Table(
    "staff", _l("Staff"), Staff, (
        _person_col("last_name", _l("Last name"), max_length=60),
        _person_col("first_name", _l("First name"), max_length=60),
        _person_col("patronymic", _l("Patronymic"), max_length=60, required=False),
        _person_col("sex", _l("Sex"), kind="choice", choices=_sexes, listed=False),
        Col("position", _l("Position"), max_length=80, required=False),
        _person_col("phone", _l("Phone"), max_length=30, required=False),
        _person_col("email", _l("E-mail"), max_length=120, required=False),
        Col("hired_on", _l("Started work"), "date", required=False, filter="date"),
        Col("left_on", _l("Left"), "date", required=False, filter="present"),
        Col("roles", _l("Roles"), editable=False, sortable=False, get=_roles),
    ),
    order_by=(Person.search_name,),
    query=lambda: select(Staff).join(Person, Person.id == Staff.person_id).options(
        selectinload(Staff.person).selectinload(Person.users)),
    search=lambda: [Person.search_name, Staff.position],
    access=Access(list=OFFICE, edit=("admin", "secretary"), export=OFFICE,
                  import_=("admin", "secretary"), history=("admin", "secretary")),
    import_key=("last_name", "first_name", "patronymic"),
    defaults=_new_person, audit_type="staff", deletable=False,
    card_url=lambda row: url_for("people.staff_card", staff_id=row.id),
    new_url=lambda: url_for("people.staff_new"),
)


def _move(user, rows: list[Pupil], value) -> int:
    """Move the selected pupils to the chosen class from today."""
    class_id = to_id(value)
    school_class = db.session.get(SchoolClass, class_id) if class_id is not None else None
    if school_class is None or not policy.can_read_class(user, school_class):
        raise pupil_service.PeopleError(_l("Choose the class to move the pupils to."))
    return pupil_service.move(user, rows, school_class, clock.today())


PUPILS = Table(
    "pupils", _l("Pupils"), Pupil, (
        _person_col("last_name", _l("Last name"), max_length=60),
        _person_col("first_name", _l("First name"), max_length=60),
        _person_col("patronymic", _l("Patronymic"), max_length=60, required=False),
        _person_col("birth_date", _l("Birth date"), kind="date", required=False,
                    filter="date"),
        _person_col("sex", _l("Sex"), kind="choice", choices=_sexes, filter="choice"),
        Col("class_id", _l("Class"), "choice", choices=_classes, editable=False,
            filter="choice", sql=lambda: Pupil.class_id,
            sort=lambda: (SchoolClass.grade, SchoolClass.letter)),
        Col("enrolled_on", _l("Arrived"), "date", editable=False, filter="date"),
        Col("left_on", _l("Left"), "date", editable=False, filter="present"),
        Col("consent_on", _l("Consent"), "date", editable=False, filter="present"),
        _person_col("phone", _l("Phone"), max_length=30, required=False),
    ),
    order_by=(SchoolClass.grade, SchoolClass.letter, Person.search_name),
    query=lambda: select(Pupil).join(Person, Person.id == Pupil.person_id)
    .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
    .options(joinedload(Pupil.school_class)),
    scope=policy.pupils_scope,
    search=lambda: [Person.search_name],
    access=Access(list=(*OFFICE, "class_teacher"), edit=("admin", "secretary", "class_teacher"),
                  export=(*OFFICE, "class_teacher"), import_=("admin", "secretary"),
                  history=("admin", "secretary", "class_teacher")),
    import_key=("last_name", "first_name", "patronymic", "birth_date"),
    importer=ClassListImporter(), audit_type="pupil", deletable=False,
    bulk=(Bulk("move", _l("Move to class"), _move, choices=_classes,
               roles=("admin", "secretary")),),
    card_url=lambda row: url_for("people.pupil_card", pupil_id=row.id),
    new_url=lambda: url_for("people.pupil_new"),
)


def _children(row: Person) -> str:
    return ", ".join(g.pupil.person.short_name for g in row.guardianships) or "—"


PARENTS = Table(
    "parents", _l("Parents and legal representatives"), Person, (
        Col("last_name", _l("Last name"), max_length=60),
        Col("first_name", _l("First name"), max_length=60),
        Col("patronymic", _l("Patronymic"), max_length=60, required=False),
        Col("phone", _l("Phone"), max_length=30, required=False),
        Col("email", _l("E-mail"), max_length=120, required=False),
        Col("children", _l("Children"), editable=False, sortable=False, get=_children),
    ),
    order_by=(Person.search_name,),
    query=lambda: select(Person).where(exists().where(Guardian.person_id == Person.id))
    .options(selectinload(Person.guardianships).joinedload(Guardian.pupil)
             .joinedload(Pupil.person)),
    search=lambda: [Person.search_name, Person.phone],
    access=Access(list=OFFICE, edit=("admin", "secretary"), export=OFFICE, import_=(),
                  history=("admin", "secretary")),
    audit_type="person", deletable=False,
)

SIGN_INS = Table(
    "sign-ins", _l("Sign-in attempts"), LoginAttempt, (
        Col("at", _l("When"), editable=False, display=_school_time),
        Col("username", _l("Username typed"), editable=False),
        Col("address", _l("Address"), editable=False),
        Col("ok", _l("Signed in"), "bool", editable=False, filter="bool", display=_yes_no),
    ),
    order_by=(LoginAttempt.at.desc(),),
    search=lambda: [LoginAttempt.username, LoginAttempt.address],
    access=Access(list=("admin",), edit=(), export=("admin",), import_=(), history=()),
    deletable=False, addable=False,
)

PEOPLE_TABLES: dict[str, Table] = {t.key: t for t in (STAFF, PUPILS, PARENTS, SIGN_INS)}
