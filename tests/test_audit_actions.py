"""Issue 17: every audited action, done through its real HTTP route by the right user, writes
exactly one audit row naming the action, the object, the pupil, the role in which the user
acted and the old and new values; a column action writes one row per pupil whose cell changed.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Attendance, AuditEvent, Consent, Guardian, PlanItem, User
from tests.conftest import TODAY
from tests.fragments import status

DAY = dt.timedelta(days=1)
HX = {"HX-Request": "true"}


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def new_rows(since: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > since)
                                   .order_by(AuditEvent.id)))


def last_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def cell(client, lesson_id: int, pupil_id: int, value: str, old: str = "", **extra):
    return client.post(f"/journal/lessons/{lesson_id}/cell",
                       data={"pupil": pupil_id, "value": value, "old": old, **extra},
                       headers=HX)


def final(client, school, value: str, old: str = "", kind: str = "period", period: int = 1):
    return client.post(f"/journal/pages/{school.maths5.id}/final", data={
        "pupil": school.anna.id, "kind": kind, "period": school.builder.periods[period].id,
        "value": value, "old": old}, headers=HX)


@dataclass
class Expected:
    """The one row an action must write; old/new as text, or as a dict for JSON fields."""

    action: str
    object_type: str
    object_id: int | None
    role: str
    user: str
    old: Any
    new: Any
    pupil_id: int | None = None
    class_id: int | None = None
    subject_id: int | None = None
    extra: dict = field(default_factory=dict)


def journal(school, lesson_id: int, old: str, new: str, action: str = "journal.cell",
            pupil=None) -> Expected:
    """A journal cell row of maths in 5 «А», by its teacher."""
    return Expected(action, "lesson", lesson_id, "teacher", "teacher", old, new,
                    pupil_id=(pupil or school.anna).id, class_id=school.c5.id,
                    subject_id=school.maths.id)


def decoded(text: str) -> Any:
    return json.loads(text) if text else {}


def check_row(row: AuditEvent, want: Expected) -> None:
    got = {"action": row.action, "object_type": row.object_type, "object_id": row.object_id,
           "role": row.role, "user_id": row.user_id, "pupil_id": row.pupil_id}
    assert got == {"action": want.action, "object_type": want.object_type,
                   "object_id": want.object_id, "role": want.role,
                   "user_id": user(want.user).id, "pupil_id": want.pupil_id}
    if want.class_id is not None:
        assert row.class_id == want.class_id
    if want.subject_id is not None:
        assert row.subject_id == want.subject_id
    old = decoded(row.old) if isinstance(want.old, dict) else row.old
    new = decoded(row.new) if isinstance(want.new, dict) else row.new
    assert (old, new) == (want.old, want.new)


# Each case sets up what the action needs (rows written before are not counted) and returns
# the action to run and the one row it must write.
Case = Callable[[Any, Any], tuple[Callable[[], Any], Expected]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


def today_lesson(school, number: int = 1) -> int:
    lesson = school.builder.lesson(school.maths5, TODAY, number)
    db.session.commit()
    return lesson.id


# -- journal cells ------------------------------------------------------------------------

# name: (the cell before, with its comment; the value typed, with its comment; the row's
# old and new cell texts)
CELLS = {
    "mark_created": (("", ""), ("5", ""), "", "5"),
    "mark_changed": (("5", ""), ("4/5", ""), "5", "4/5"),
    "mark_deleted": (("4", ""), ("", ""), "4", ""),
    "absence_set": (("", ""), ("н", ""), "", "н"),
    "absence_removed": (("н", ""), ("", ""), "н", ""),
    "late_arrival": (("", ""), ("о", ""), "", "о"),
    "comment_added": (("5", ""), ("5", "Устно"), "5", "5 «Устно»"),
    "comment_changed": (("5", "Устно"), ("5", "У доски"), "5 «Устно»", "5 «У доски»"),
}


def _cell_case(name: str) -> Case:
    (was, was_comment), (value, comment), old, new = CELLS[name]

    def fn(school, login):
        lid, client = today_lesson(school), login("teacher")
        if was:
            cell(client, lid, school.anna.id, was, comment=was_comment)
        extra = {"comment": comment} if comment else {}
        return (lambda: cell(client, lid, school.anna.id, value, old=was, **extra),
                journal(school, lid, old, new))
    return fn


CASES.update({name: _cell_case(name) for name in CELLS})


# -- absence reasons (the class teacher's week) -------------------------------------------

def _absence(school, reason: str | None) -> int:
    lid = today_lesson(school)
    row = Attendance(lesson_id=lid, pupil_id=school.anna.id, status="absent", reason=reason)
    db.session.add(row)
    db.session.commit()
    return row.id


def _reason(school, login, old: str | None, new: str):
    absence_id = _absence(school, old)
    client = login("ct")
    want = Expected("absence.reason", "attendance", absence_id, "class_teacher", "ct",
                    old or "", new, pupil_id=school.anna.id, class_id=school.c5.id,
                    subject_id=school.maths.id)
    return (lambda: client.post(f"/classes/{school.c5.id}/attendance/{absence_id}",
                                data={"reason": new}), want)


@case
def absence_reason_set(school, login):
    return _reason(school, login, None, "illness")


@case
def absence_reason_changed(school, login):
    return _reason(school, login, "illness", "family")


# -- period and year marks ----------------------------------------------------------------

def _final(school, old: str, new: str, action: str = "journal.period_mark") -> Expected:
    return Expected(action, "page", school.maths5.id, "teacher", "teacher", old, new,
                    pupil_id=school.anna.id, class_id=school.c5.id, subject_id=school.maths.id)


def _final_case(kind: str, was: str, value: str) -> Case:
    """A period mark (the 2nd quarter, now) or a year mark (in May, the last quarter)."""
    period = 1 if kind == "period" else 3

    def fn(school, login, monkeypatch):
        if kind == "year":
            monkeypatch.setattr("services.clock.today", lambda: dt.date(2027, 5, 20))
        client = login("teacher")
        if was:
            final(client, school, was, kind=kind, period=period)
        return (lambda: final(client, school, value, old=was, kind=kind, period=period),
                _final(school, was, value, f"journal.{kind}_mark"))
    return fn


CASES.update({f"{kind}_mark_{step}": _final_case(kind, was, value)
              for kind in ("period", "year")
              for step, was, value in (("created", "", "5"), ("changed", "5", "4"),
                                       ("deleted", "5", ""))})


# -- the lesson -----------------------------------------------------------------------------

def _lesson_form(**kw) -> dict:
    return {"topic": "", "homework": "", "work_type_id": "", "substitute_id": "",
            "plan_item_id": "", **kw}


def _lesson_update(school, login, old: dict, new: dict, form: dict):
    lid, client = today_lesson(school), login("teacher")
    want = Expected("lesson.update", "lesson", lid, "teacher", "teacher", old, new,
                    class_id=school.c5.id, subject_id=school.maths.id)
    return lambda: client.post(f"/lessons/{lid}", data=_lesson_form(**form)), want


@case
def lesson_topic(school, login):
    return _lesson_update(school, login, {"topic": ""}, {"topic": "Дроби"}, {"topic": "Дроби"})


@case
def lesson_homework(school, login):
    # Homework is due at the page's next lesson: on Wednesday.
    school.builder.lesson(school.maths5, TODAY + 2 * DAY, 1)
    return _lesson_update(school, login, {"homework": "", "homework_due": None},
                          {"homework": "№ 5", "homework_due": "2026-11-25"},
                          {"homework": "№ 5"})


@case
def lesson_work_type(school, login):
    control = school.builder.work_types["control"].id
    return _lesson_update(school, login, {"work_type_id": None}, {"work_type_id": control},
                          {"work_type_id": str(control)})


@case
def grid_work_type(school, login):
    lid, client = today_lesson(school), login("teacher")
    control = school.builder.work_types["control"].id
    want = Expected("journal.work_type", "lesson", lid, "teacher", "teacher", "lesson",
                    "control", class_id=school.c5.id, subject_id=school.maths.id)
    return (lambda: client.post(f"/journal/lessons/{lid}/work-type",
                                data={"work_type": control}, headers=HX), want)


# -- the plan -------------------------------------------------------------------------------

def _plan_url(school, suffix: str = "") -> str:
    return f"/plan/{school.maths.id}/5{suffix}"


def _plan_item(school, login) -> tuple[Any, int]:
    client = login("teacher")
    client.post(_plan_url(school, "/items"), data={"number": 1, "topic": "Дроби", "hours": 2})
    return client, db.session.scalar(select(PlanItem.id))


def _plan(item_id, old, new, action: str = "update") -> Expected:
    return Expected(f"plan_item.{action}", "plan_item", item_id, "teacher", "teacher", old, new)


@case
def plan_item_created(school, login):
    client = login("teacher")

    def act():
        response = client.post(_plan_url(school, "/items"),
                               data={"number": 1, "topic": "Дроби", "hours": 2})
        want.object_id = db.session.scalar(select(PlanItem.id))
        return response
    want = _plan(None, dict.fromkeys(("number", "topic", "hours")),
                 {"number": 1, "topic": "Дроби", "hours": 2}, "create")
    return act, want


@case
def plan_item_changed(school, login):
    client, item_id = _plan_item(school, login)
    return (lambda: client.post(_plan_url(school, f"/items/{item_id}"),
                                data={"number": 1, "topic": "Сложение дробей", "hours": 3}),
            _plan(item_id, {"topic": "Дроби", "hours": 2},
                  {"topic": "Сложение дробей", "hours": 3}))


@case
def plan_item_deleted(school, login):
    client, item_id = _plan_item(school, login)
    return (lambda: client.post(_plan_url(school, f"/items/{item_id}/delete")),
            _plan(item_id, {"number": 1, "topic": "Дроби", "hours": 2}, {}, "delete"))


# -- people ---------------------------------------------------------------------------------

CARD = {"last_name": "Антонова", "first_name": "Анна", "patronymic": "", "sex": "f",
        "birth_date": "", "phone": "", "email": "", "address": "", "notes": "",
        "medical_group": "", "medical_notes": ""}


def _card_change(who: str, role: str, field_: str, value: str) -> Case:
    def fn(school, login):
        client = login(who)
        want = Expected("pupil.update", "pupil", school.anna.id, role, who, {field_: ""},
                        {field_: value}, pupil_id=school.anna.id, class_id=school.c5.id)
        return (lambda: client.post(f"/people/pupils/{school.anna.id}",
                                    data={**CARD, field_: value}), want)
    return fn


def _card_read(who: str, role: str) -> Case:
    def fn(school, login):
        client = login(who)
        want = Expected("pupil.read", "pupil", school.anna.id, role, who, "", "",
                        pupil_id=school.anna.id, class_id=school.c5.id)
        return lambda: client.get(f"/people/pupils/{school.anna.id}"), want
    return fn


CASES.update({
    "pupil_phone_changed": _card_change("ct", "class_teacher", "phone", "+7 701 222 33 44"),
    "pupil_address_changed": _card_change("secretary", "secretary", "address", "ул. Абая, 1"),
    "pupil_card_read": _card_read("ct", "class_teacher"),
    "pupil_card_read_by_admin": _card_read("admin", "admin"),
})


def _mum_person_id(school) -> int:
    return user("mum").person_id


@case
def consent_given(school, login):
    text_id = db.session.scalar(select(Consent.text_id).limit(1))
    mum = _mum_person_id(school)
    client = login("ct")

    def act():
        response = client.post(f"/people/pupils/{school.anna.id}/consent", data={
            "giver_id": mum, "text_id": text_id, "given_on": "2026-11-20"})
        want.object_id = db.session.scalar(select(func.max(Consent.id)))
        return response
    want = Expected("consent.give", "consent", None, "class_teacher", "ct", "",
                    {"giver_id": mum, "version": "test-1", "given_on": "2026-11-20"},
                    pupil_id=school.anna.id, class_id=school.c5.id)
    return act, want


@case
def consent_revoked(school, login):
    consent_id = db.session.scalar(select(Consent.id).where(Consent.pupil_id == school.anna.id))
    client = login("ct")
    want = Expected("consent.revoke", "consent", consent_id, "class_teacher", "ct", "",
                    {"revoked_on": "2026-11-23"}, pupil_id=school.anna.id,
                    class_id=school.c5.id)
    return (lambda: client.post(f"/people/consents/{consent_id}/revoke",
                                data={"revoked_on": "2026-11-23"}), want)


# -- accounts and roles ---------------------------------------------------------------------

@case
def account_issued(school, login):
    person = school.builder.person("Новикова", "Ирина")
    db.session.add(Guardian(person_id=person.id, pupil_id=school.anna.id, relation="mother"))
    db.session.commit()
    client = login("admin")

    def act():
        response = client.post(f"/accounts/people/{person.id}/issue")
        account = db.session.scalar(select(User).where(User.person_id == person.id))
        want.object_id, want.new = account.id, {"role": "parent", "username": account.username}
        return response
    want = Expected("account.issue", "account", None, "admin", "admin", "", None)
    return act, want


@case
def account_password_reset(school, login):
    client = login("admin")
    vera = user("vera")
    want = Expected("account.issue", "account", vera.id, "admin", "admin", "",
                    {"role": "pupil", "username": "vera"})
    return lambda: client.post(f"/accounts/people/{vera.person_id}/issue"), want


@case
def account_disabled(school, login):
    client = login("admin")
    anna = user("anna").id
    want = Expected("account.disable", "account", anna, "admin", "admin", "", "")
    return lambda: client.post(f"/accounts/users/{anna}/disable"), want


STAFF_CARD = {"last_name": "Предметникова", "first_name": "Teacher", "patronymic": "",
              "sex": "f", "birth_date": "", "phone": "", "email": "", "address": "",
              "position": "", "hired_on": "", "left_on": ""}


@case
def staff_role_added(school, login):
    client = login("admin")
    want = Expected("staff.update", "staff", school.t_staff.id, "admin", "admin",
                    {"roles": "teacher"}, {"roles": "deputy:basic, teacher"})
    return (lambda: client.post(f"/people/staff/{school.t_staff.id}", data={
        **STAFF_CARD, "roles": ["teacher", "deputy"], "deputy_scope": "basic"}), want)


@case
def staff_role_removed(school, login):
    client = login("admin")
    url = f"/people/staff/{school.t_staff.id}"
    client.post(url, data={**STAFF_CARD, "roles": ["teacher", "deputy"], "deputy_scope": "basic"})
    want = Expected("staff.update", "staff", school.t_staff.id, "admin", "admin",
                    {"roles": "deputy:basic, teacher"}, {"roles": "teacher"})
    return lambda: client.post(url, data={**STAFF_CARD, "roles": ["teacher"]}), want


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_action_writes_exactly_one_row_with_old_and_new(school, login, monkeypatch, name):
    fn = CASES[name]
    args = (school, login, monkeypatch) if "monkeypatch" in fn.__code__.co_varnames else (
        school, login)
    act, want = fn(*args)
    since, before = last_id(), audit_count()
    response = act()
    assert status(response) < 400, response.text[:2000]
    assert "X-Journal-Refused" not in response.headers, response.text[:500]
    rows = new_rows(since)
    assert len(rows) == 1 == audit_count() - before, [(r.action, r.old, r.new) for r in rows]
    check_row(rows[0], want)


# -- column actions: one row per pupil whose cell changed -----------------------------------

def test_whole_lesson_attendance_writes_a_row_per_changed_pupil(school, login):
    lid, client = today_lesson(school), login("teacher")
    cell(client, lid, school.anna.id, "н")
    cell(client, lid, school.vera.id, "4", comment="Устно")
    since = last_id()
    # Анна is present after all, Вера is absent (her mark stays): two cells changed.
    response = client.post(f"/journal/lessons/{lid}/attendance",
                           data={"absent": [school.vera.id]}, headers=HX)
    assert response.status_code == 200 and "X-Journal-Refused" not in response.headers
    rows = new_rows(since)
    assert sorted((r.pupil_id, r.old, r.new) for r in rows) == sorted([
        (school.anna.id, "н", ""), (school.vera.id, "4 «Устно»", "н4 «Устно»")])
    assert {(r.action, r.object_type, r.object_id, r.role, r.class_id, r.subject_id)
            for r in rows} == {("journal.attendance", "lesson", lid, "teacher", school.c5.id,
                                school.maths.id)}
    since = last_id()
    client.post(f"/journal/lessons/{lid}/attendance", data={"absent": [school.vera.id]},
                headers=HX)
    assert new_rows(since) == []  # nothing changed: no row


def test_fill_writes_a_row_per_pupil_given_a_mark(school, login):
    b = school.builder
    extra = b.pupil(school.c5, "Яковлева", "Яна")
    lid, client = today_lesson(school), login("teacher")
    cell(client, lid, school.anna.id, "3")
    since = last_id()
    response = client.post(f"/journal/lessons/{lid}/fill", data={"value": "5"}, headers=HX)
    assert response.status_code == 200 and "X-Journal-Refused" not in response.headers
    rows = new_rows(since)
    assert sorted((r.pupil_id, r.old, r.new) for r in rows) == sorted([
        (school.vera.id, "", "5"), (extra.id, "", "5")])
    assert {(r.action, r.object_id, r.role, r.class_id, r.subject_id) for r in rows} == {
        ("journal.fill", lid, "teacher", school.c5.id, school.maths.id)}


def test_a_plan_import_writes_a_row_per_topic_added_changed_or_removed(school, login):
    client = login("teacher")
    for number, topic in ((1, "Числа"), (2, "Дроби")):
        client.post(_plan_url(school, "/items"), data={"number": number, "topic": topic,
                                                        "hours": 1})
    ids = dict(db.session.execute(select(PlanItem.number, PlanItem.id)).all())
    since = last_id()
    response = client.post(_plan_url(school, "/import"), data={
        "file": (io.BytesIO("1;Числа;1\n2;Дроби;3\n3;Проценты;2\n".encode()), "ktp.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    rows = new_rows(since)
    new_id = db.session.scalar(select(PlanItem.id).where(PlanItem.number == 3))
    assert [(r.action, r.object_id, decoded(r.old), decoded(r.new), r.role) for r in rows] == [
        ("plan_item.update", ids[2], {"hours": 1}, {"hours": 3}, "teacher"),
        ("plan_item.create", new_id, dict.fromkeys(("hours", "number", "topic")),
         {"number": 3, "topic": "Проценты", "hours": 2}, "teacher")]
    since = last_id()
    client.post(_plan_url(school, "/import"), data={
        "file": (io.BytesIO("1;Числа;1\n".encode()), "ktp.csv")},
        content_type="multipart/form-data")
    assert sorted((r.action, r.object_id, decoded(r.new)) for r in new_rows(since)) == [
        ("plan_item.delete", ids[2], {}), ("plan_item.delete", new_id, {})]
