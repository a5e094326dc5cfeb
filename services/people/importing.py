"""Importing a secretary's class list: pupils with their class and up to three parents a row.

The columns are found by their headers, in Russian, Kazakh or English (Фамилия / Тегі / Last
name...). Each row is checked and matched before anything is written: a pupil is found again
by name and birth date, a parent among the school's parents by name and phone (a sibling's
mother is one person) or among the pupil's own parents by name, so a second import of the
same file changes nothing. A name alone never links a row to someone already in the school: two
women can share a name, and a wrong link would show one family another's child. The plan is read in a fixed number of
queries whatever the file's size, and written all or nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select

from extensions import db
from models import Enrolment, Guardian, Person, Pupil, SchoolClass, User
from services import audit, clock
from services import school as school_service
from services.imports import Plan, PlannedRow
from services.people import pupils as pupil_service
from services.people.common import PersonData, apply_person
from services.people.guardians import digits
from services.tabular import cell_text

MAX_ROWS = 3000
PARENTS = 3
HEADERS = {
    "last_name": ("фамилия", "тегі", "last name", "surname"),
    "first_name": ("имя", "аты", "first name", "name"),
    "patronymic": ("отчество", "әкесінің аты", "patronymic"),
    "birth_date": ("дата рождения", "туған күні", "birth date", "date of birth"),
    "sex": ("пол", "жынысы", "sex", "gender"),
    "class": ("класс", "сынып", "class"),
    "address": ("адрес", "мекенжайы", "address"),
    "phone": ("телефон", "телефон ученика", "оқушының телефоны", "phone"),
    "order_no": ("приказ", "номер приказа", "бұйрық", "order"),
    "enrolled_on": ("дата зачисления", "қабылданған күні", "enrolled on"),
}
PARENT_HEADERS = {
    "name": ("родитель {n}", "ата-ана {n}", "parent {n}"),
    "relation": ("кем приходится {n}", "туыстығы {n}", "relation {n}"),
    "phone": ("телефон родителя {n}", "ата-ананың телефоны {n}", "parent {n} phone"),
}
SEXES = {"м": "m", "муж": "m", "мужской": "m", "m": "m", "male": "m", "ер": "m", "ұл": "m",
         "ж": "f", "жен": "f", "женский": "f", "f": "f", "female": "f", "әйел": "f", "қыз": "f"}
RELATIONS = {"мать": "mother", "мама": "mother", "ана": "mother", "анасы": "mother",
             "mother": "mother", "отец": "father", "папа": "father", "әке": "father",
             "әкесі": "father", "father": "father", "опекун": "guardian", "қамқоршы": "guardian",
             "guardian": "guardian", "": "parent", "родитель": "parent", "parent": "parent"}


def _as_date(text: str) -> dt.date | None:
    text = text.strip()
    match = re.fullmatch(r"([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})", text)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        raise ValueError(text) from None


def class_key(text: str) -> str:
    """"5 «А»", "5А", "5-а" and "5 A" (a Latin A) are one class: "5А"."""
    folded = re.sub(r"[\s«»\"'\-.]", "", text).upper()
    return folded.translate(str.maketrans("ABEKMHOPCTX", "АВЕКМНОРСТХ"))


def split_name(full: str) -> tuple[str, str, str]:
    parts = full.split()
    return (parts + ["", "", ""])[0], (parts + ["", ""])[1], " ".join(parts[2:])


@dataclass
class _Existing:
    """The school's people, read once for the whole file."""

    classes: dict[str, SchoolClass]
    pupils: dict[tuple[str, dt.date | None], Pupil]
    by_phone: dict[str, list[Person]]  # the school's parents, by the digits of their phone
    guardians: dict[int, list[tuple[Person, str]]]


def _existing() -> _Existing:
    year = school_service.current_year()
    classes = {class_key(c.name): c for c in school_service.classes_of_year(year)} \
        if year else {}
    pupils = {(p.person.search_name, p.person.birth_date): p for p in db.session.scalars(
        select(Pupil).where(Pupil.left_on.is_(None)))}
    by_phone = defaultdict(list)
    for person in db.session.scalars(select(Person).where(
            Person.phone != "", exists().where(Guardian.person_id == Person.id))):
        by_phone[digits(person.phone)].append(person)
    guardians = defaultdict(list)
    for guardian, person in db.session.execute(
            select(Guardian, Person).join(Person, Person.id == Guardian.person_id)):
        guardians[guardian.pupil_id].append((person, guardian.relation))
    return _Existing(classes, pupils, by_phone, guardians)


class ClassListImporter:
    """The grid's importer for the pupils table: plan(cells) and apply(user, plan)."""

    def plan(self, cells: list[list[object]], filename: str = "") -> Plan:
        cells = [r for r in cells if any(cell_text(c) for c in r)]
        if not cells:
            return Plan("pupils", [], filename)
        columns = _columns(cells[0])
        missing = [k for k in ("last_name", "first_name", "sex", "class") if k not in columns]
        if missing:
            return Plan("pupils", [PlannedRow(1, "refused", reason=_(
                "The file has no column for: %(names)s.", names=", ".join(
                    HEADERS[k][0].capitalize() for k in missing)))], filename)
        known, seen, rows = _existing(), set(), []
        for number, raw in enumerate(cells[1:MAX_ROWS + 1], start=2):
            values = {k: cell_text(raw[i]) if i < len(raw) else "" for k, i in columns.items()}
            rows.append(_plan_row(number, values, known, seen))
        return Plan("pupils", rows, filename)

    def apply(self, user: User, plan: Plan) -> dict[str, int]:
        """Write the plan's rows (none is refused): new pupils enrolled, cards updated, parents
        linked. Returns the count of each status."""
        known, counts = _existing(), defaultdict(int)
        today = clock.today()
        for row in plan.rows:
            counts[row.status] += 1
            if row.status in ("create", "change"):
                _write(user, row.values, known, today)
        db.session.flush()
        return dict(counts)


def _columns(header: list[object]) -> dict[str, int]:
    names = {cell_text(h).casefold().strip(" :*"): i for i, h in enumerate(header)}
    out = {}
    for key, words in HEADERS.items():
        found = next((names[w] for w in words if w in names), None)
        if found is not None:
            out[key] = found
    for n in range(1, PARENTS + 1):
        for key, words in PARENT_HEADERS.items():
            found = next((names[w.format(n=n)] for w in words if w.format(n=n) in names), None)
            if found is not None:
                out[f"parent{n}_{key}"] = found
    return out


def _plan_row(number: int, values: dict[str, str], known: _Existing, seen: set) -> PlannedRow:
    make = PlannedRow
    try:
        data = _parse(values, known)
    except ValueError as error:
        return make(number, "refused", values, str(error))
    key = (data["search_name"], data["birth_date"])
    if key in seen:
        return make(number, "refused", values, _("The same pupil is earlier in the file."))
    seen.add(key)
    pupil = known.pupils.get((data["search_name"], _date(data["birth_date"])))
    if pupil is None:
        return make(number, "create", data)
    changes = _changes(pupil, data, known)
    return make(number, "change" if changes else "same", data, row_id=pupil.id,
                changes=changes)


def _parse(values: dict[str, str], known: _Existing) -> dict:
    """A row as plain values; ValueError with the reason when a cell cannot be read."""
    last, first = _cell(values, "last_name", 60), _cell(values, "first_name", 60)
    if not last or not first:
        raise ValueError(_("The last name or the first name is missing."))
    sex = SEXES.get(values.get("sex", "").strip().casefold().rstrip("."))
    if sex is None:
        raise ValueError(_("“%(value)s” is not a sex: write м or ж.", value=values.get("sex")))
    school_class = known.classes.get(class_key(values.get("class", "")))
    if school_class is None:
        raise ValueError(_("There is no class “%(value)s” this year.", value=values.get("class")))
    try:
        born = _as_date(values.get("birth_date", ""))
        enrolled = _as_date(values.get("enrolled_on", ""))
    except ValueError as error:
        raise ValueError(_("“%(value)s” is not a date: write 23.11.2026.",
                           value=str(error))) from None
    if born is not None and not dt.date(1990, 1, 1) <= born <= clock.today():
        raise ValueError(_("The birth date %(value)s cannot be right.", value=born.isoformat()))
    patronymic = _cell(values, "patronymic", 60)
    name = " ".join(p for p in (last, first, patronymic) if p).casefold()
    return {"last_name": last, "first_name": first, "patronymic": patronymic, "sex": sex,
            "birth_date": born.isoformat() if born else None, "class_id": school_class.id,
            "class": school_class.name, "address": _cell(values, "address", 300),
            "phone": _cell(values, "phone", 30), "order_no": _cell(values, "order_no", 40),
            "enrolled_on": enrolled.isoformat() if enrolled else None,
            "search_name": name, "parents": _parents(values)}


def _cell(values: dict[str, str], key: str, limit: int) -> str:
    """A cell's text; a longer one than the card holds refuses the row (never cut short)."""
    text = values.get(key, "").strip()
    if len(text) > limit:
        raise ValueError(_("“%(value)s…” is longer than %(n)d characters.",
                           value=text[:20], n=limit))
    return text


def _parents(values: dict[str, str]) -> list[dict]:
    out = []
    for n in range(1, PARENTS + 1):
        full = _cell(values, f"parent{n}_name", 180)
        if not full:
            continue
        last, first, patronymic = split_name(full)
        if not first:
            raise ValueError(_("Parent %(n)d: write the last name and the first name.", n=n))
        if max(len(last), len(first), len(patronymic)) > 60:
            raise ValueError(_("Parent %(n)d: a part of the name is longer than %(max)d "
                               "characters.", n=n, max=60))
        relation = RELATIONS.get(values.get(f"parent{n}_relation", "").strip().casefold())
        if relation is None:
            raise ValueError(_("Parent %(n)d: “%(value)s” is not mother, father or guardian.",
                               n=n, value=values.get(f"parent{n}_relation")))
        out.append({"last_name": last, "first_name": first, "patronymic": patronymic,
                    "relation": relation, "sex": "m" if relation == "father" else "f",
                    "phone": _cell(values, f"parent{n}_phone", 30)})
    return out


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _changes(pupil: Pupil, data: dict, known: _Existing) -> list[tuple[str, str, str]]:
    changes = []
    if pupil.class_id != data["class_id"]:
        changes.append((_("Class"), pupil.school_class.name if pupil.school_class else "—",
                        data["class"]))
    for field, label in (("address", _("Address")), ("phone", _("Phone"))):
        if data[field] and getattr(pupil.person, field) != data[field]:
            changes.append((label, getattr(pupil.person, field) or "—", data[field]))
    linked = {p.search_name for p, _r in known.guardians.get(pupil.id, [])}
    for parent in data["parents"]:
        name = _parent_name(parent)
        if name not in linked:
            changes.append((_("Parent"), "—", f"{parent['last_name']} {parent['first_name']}"))
    return changes


def _parent_name(parent: dict) -> str:
    return " ".join(p for p in (parent["last_name"], parent["first_name"], parent["patronymic"])
                    if p).casefold()


def _write(user: User, data: dict, known: _Existing, today: dt.date) -> None:
    born = _date(data["birth_date"])
    pupil = known.pupils.get((data["search_name"], born))
    if pupil is None:
        pupil = _enrol(user, data, born, today)
        known.pupils[(data["search_name"], born)] = pupil
    else:
        _update(user, pupil, data, today)
    linked = {p.search_name for p, _r in known.guardians.get(pupil.id, [])}
    for parent in data["parents"]:
        name = _parent_name(parent)
        if name in linked:
            continue
        person = _find_parent(parent, name, known)
        if person is None:
            person = Person(last_name="", first_name="", sex=parent["sex"])
            apply_person(person, PersonData(parent["last_name"], parent["first_name"],
                                            parent["patronymic"], parent["sex"],
                                            phone=parent["phone"]))
            db.session.add(person)
            if parent["phone"]:
                known.by_phone[digits(parent["phone"])].append(person)
        db.session.add(Guardian(pupil=pupil, person=person, relation=parent["relation"]))
        known.guardians[pupil.id].append((person, parent["relation"]))
        linked.add(name)


def _find_parent(parent: dict, name: str, known: _Existing) -> Person | None:
    """A parent already in the school (a sibling's): the same name and the same phone.
    Without a phone nobody is matched; the card's duplicate search offers the link."""
    phone = digits(parent["phone"])
    for person in known.by_phone.get(phone, []) if phone else []:
        if person.search_name == name:
            return person
    return None


def _enrol(user: User, data: dict, born: dt.date | None, today: dt.date) -> Pupil:
    school_class = db.session.get(SchoolClass, data["class_id"])
    year = school_class.year
    on = _date(data["enrolled_on"]) or max(year.start_date, min(today, year.end_date))
    person = Person(last_name="", first_name="", sex=data["sex"])
    apply_person(person, PersonData(data["last_name"], data["first_name"], data["patronymic"],
                                    data["sex"], born, data["phone"], "", data["address"]))
    pupil = Pupil(person=person, class_id=school_class.id, enrolled_on=on)
    db.session.add(pupil)
    db.session.add(Enrolment(pupil=pupil, class_id=school_class.id, start_date=on,
                             order_no=data["order_no"]))
    db.session.flush()
    audit.record(user, "pupil", pupil.id, "import",
                 {"class": data["class"], "order_no": data["order_no"]}, pupil_id=pupil.id)
    return pupil


def _update(user: User, pupil: Pupil, data: dict, today: dt.date) -> None:
    for field in ("address", "phone"):
        if data[field] and getattr(pupil.person, field) != data[field]:
            before = {field: getattr(pupil.person, field)}
            setattr(pupil.person, field, data[field])
            audit.record_change(user, "pupil", pupil.id, before, {field: data[field]},
                                pupil_id=pupil.id)
    if pupil.class_id != data["class_id"]:
        school_class = db.session.get(SchoolClass, data["class_id"])
        pupil_service.move(user, [pupil], school_class, today, data["order_no"])
