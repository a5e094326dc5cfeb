"""People (issue 15): staff cards with roles, pupils' arrival, moves and departure, parents
with duplicates found, consent, who edits which cards, health data kept from subject teachers,
every card read in the audit trail, and the class teacher's monthly check."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, CardCheck, Consent, Enrolment, Guardian, Person, Pupil, Staff, User
from tests.conftest import TODAY
from tests.fragments import status

DAY = dt.timedelta(days=1)
PERSON = {"last_name": "Ершова", "first_name": "Мадина", "patronymic": "Ерлановна", "sex": "f",
          "birth_date": "2015-04-02", "phone": "+7 701 222 33 44", "email": "", "address": ""}


def test_the_administrator_makes_a_staff_card_with_roles(school, login):
    client = login("admin")
    response = client.post("/people/staff/new", data={
        **PERSON, "birth_date": "1985-01-20", "position": "Учитель информатики",
        "hired_on": "2026-11-20", "roles": ["teacher", "deputy"], "deputy_scope": "basic",
        "subjects": [str(school.maths.id)]})
    assert response.status_code == 303
    staff = db.session.scalar(select(Staff).join(Person).where(Person.last_name == "Ершова"))
    account = db.session.scalar(select(User).where(User.person_id == staff.person_id))
    assert {r.role: r.scope for r in account.roles} == {"teacher": None, "deputy": "basic"}
    assert account.issued_at is None  # the account opens nothing until issued
    assert [s.code for s in staff.subjects] == ["maths"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.create"))
    assert json.loads(event.new)["position"] == "Учитель информатики"
    # leaving sets the date; everything the person made stays
    data = {**PERSON, "birth_date": "1985-01-20", "position": "Учитель информатики",
            "hired_on": "2026-11-20", "left_on": "2026-11-19", "roles": ["teacher"]}
    refused = client.post(f"/people/staff/{staff.id}", data=data)
    assert status(refused) == 422
    assert client.post(f"/people/staff/{staff.id}", data={
        **data, "left_on": "2026-12-31"}).status_code == 303
    db.session.refresh(staff)
    assert staff.left_on == dt.date(2026, 12, 31)


@pytest.mark.parametrize(("who", "code"), [("secretary", 303), ("director", 403),
                                           ("teacher", 403), ("mum", 403)])
def test_who_edits_staff_cards(school, login, who, code):
    response = login(who).post(f"/people/staff/{school.t_staff.id}", data={
        **PERSON, "roles": ["teacher"], "position": "x"})
    assert response.status_code == code


def test_a_pupil_arrives_by_an_order(school, login):
    client = login("secretary")
    response = client.post("/people/pupils/new", data={
        **PERSON, "class_id": school.c5.id, "on": "2026-11-24", "order_no": "№ 51-у",
        "order_date": "2026-11-23"})
    assert response.status_code == 303
    pupil = db.session.scalar(select(Pupil).join(Person).where(Person.last_name == "Ершова"))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.pupil_id == pupil.id))
    assert (enrolment.class_id, enrolment.order_no) == (school.c5.id, "№ 51-у")
    assert status(client.post("/people/pupils/new", data={
        **PERSON, "class_id": school.c5.id, "on": "2026-11-24", "order_no": ""})) == 422
    assert login("ct").post("/people/pupils/new", data={
        **PERSON, "class_id": school.c5.id, "on": "2026-11-24",
        "order_no": "1"}).status_code == 403


def test_a_move_keeps_the_old_class_history(school, login):
    client = login("secretary")
    response = client.post(f"/people/pupils/{school.anna.id}/move", data={
        "class_id": school.c6.id, "on": "2026-11-25", "order_no": "№ 52"})
    assert response.status_code == 303
    rows = db.session.scalars(select(Enrolment).where(Enrolment.pupil_id == school.anna.id)
                              .order_by(Enrolment.start_date)).all()
    assert [(e.class_id, e.end_date) for e in rows] == [
        (school.c5.id, dt.date(2026, 11, 24)), (school.c6.id, None)]
    # the 5 «А» journal still lists her for the lessons before the move
    from services.grid import page_pupils
    assert school.anna in page_pupils(school.maths5, TODAY, TODAY)


def test_a_departure_ends_the_enrolment_and_the_familys_access(school, login, client,
                                                                 monkeypatch):
    office = login("secretary")
    response = office.post(f"/people/pupils/{school.vera.id}/depart", data={
        "on": "2026-11-26", "reason": "transfer", "order_no": "№ 60", "order_date": ""})
    assert response.status_code == 303
    db.session.refresh(school.vera)
    assert school.vera.left_on == dt.date(2026, 11, 26)
    assert status(office.post(f"/people/pupils/{school.anna.id}/depart", data={
        "on": "2026-11-26", "reason": "moon", "order_no": "1"})) == 422
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2026, 11, 26))
    client.post("/logout")
    assert status(client.post("/login", data={"username": "dad2",
                                              "password": "test-password"})) == 401


def test_the_class_teacher_edits_only_their_class(school, login):
    ct = login("ct")
    assert ct.post(f"/people/pupils/{school.anna.id}", data={
        **PERSON, "last_name": "Антонова", "first_name": "Анна", "notes": "Староста"
    }).status_code == 303
    assert db.session.get(Pupil, school.anna.id).notes == "Староста"
    assert ct.get(f"/people/pupils/{school.boris.id}").status_code == 404
    assert ct.post(f"/people/pupils/{school.boris.id}", data=PERSON).status_code == 404
    assert login("other").post(f"/people/pupils/{school.anna.id}",
                               data=PERSON).status_code == 404


def test_health_data_only_for_the_class_teacher_the_administration_and_family(school, login):
    school.anna.medical_group, school.anna.medical_notes = "special", "Астма"
    db.session.commit()
    assert "Астма" in login("ct").get(f"/people/pupils/{school.anna.id}").text
    assert "Астма" in login("admin").get(f"/people/pupils/{school.anna.id}").text
    secretary = login("secretary").get(f"/people/pupils/{school.anna.id}").text
    assert "Астма" not in secretary and 'name="medical_notes"' not in secretary
    # a subject teacher of the class reaches no card at all
    assert login("teacher").get(f"/people/pupils/{school.anna.id}").status_code == 404
    # and a secretary's save leaves the health data as it was
    login("secretary").post(f"/people/pupils/{school.anna.id}", data={
        **PERSON, "last_name": "Антонова", "first_name": "Анна", "medical_group": "main",
        "medical_notes": ""})
    assert db.session.get(Pupil, school.anna.id).medical_notes == "Астма"


def test_every_card_read_is_in_the_audit_trail(school, login):
    login("ct").get(f"/people/pupils/{school.anna.id}")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "pupil.read", AuditEvent.pupil_id == school.anna.id)) == 1


def test_a_parent_is_linked_to_a_sibling_and_duplicates_are_offered(school, login):
    client = login("ct")
    mum_person = db.session.get(User, school.mum.id).person
    mum_person.phone = "+7 701 111 22 33"
    db.session.commit()
    data = {"relation": "mother", "last_name": mum_person.last_name,
            "first_name": mum_person.first_name, "patronymic": "", "sex": "f",
            "phone": "8 (701) 111-22-33"}
    offer = client.post(f"/people/pupils/{school.vera.id}/guardians", data=data)
    assert offer.status_code == 200 and f'name="link_id" value="{mum_person.id}"' in offer.text
    assert client.post(f"/people/pupils/{school.vera.id}/guardians", data={
        "relation": "mother", "link_id": mum_person.id}).status_code == 303
    assert db.session.scalar(select(Guardian).where(
        Guardian.pupil_id == school.vera.id, Guardian.person_id == mum_person.id))
    new = client.post(f"/people/pupils/{school.vera.id}/guardians", data={
        **data, "first_name": "Другая", "phone": "", "force": "1"})
    assert new.status_code == 303


def test_consent_is_given_by_a_representative_and_revoked(school, login, monkeypatch):
    client = login("ct")
    pupil = school.anna
    mum_person = db.session.get(User, school.mum.id).person
    text_id = db.session.scalar(select(Consent.text_id).limit(1))
    stranger = school.builder.person("Чужая", "Тётя")
    db.session.commit()
    refused = client.post(f"/people/pupils/{pupil.id}/consent", data={
        "giver_id": stranger.id, "text_id": text_id, "given_on": "2026-11-20"})
    assert status(refused) == 422
    future = client.post(f"/people/pupils/{pupil.id}/consent", data={
        "giver_id": mum_person.id, "text_id": text_id, "given_on": "2026-11-30"})
    assert status(future) == 422
    consent = db.session.scalar(select(Consent).where(Consent.pupil_id == pupil.id))
    assert client.post(f"/people/consents/{consent.id}/revoke",
                       data={"revoked_on": "2026-11-23"}).status_code == 303
    db.session.refresh(pupil)
    assert pupil.consent_on is None  # nothing in force any more
    assert client.post(f"/people/pupils/{pupil.id}/consent", data={
        "giver_id": mum_person.id, "text_id": text_id,
        "given_on": "2026-11-23"}).status_code == 303
    db.session.refresh(pupil)
    assert pupil.consent_on == TODAY
    assert login("teacher").post(f"/people/pupils/{pupil.id}/consent", data={
        "giver_id": mum_person.id, "text_id": text_id,
        "given_on": "2026-11-23"}).status_code == 404


def test_the_monthly_check_shows_what_changed_and_who_confirmed(school, login, monkeypatch):
    ct = login("ct")
    page = ct.get(f"/accounts/classes/{school.c5.id}")
    assert page.status_code == 200
    ct.post(f"/accounts/classes/{school.c5.id}/check")
    assert db.session.scalar(select(CardCheck.month)) == "2026-11"
    ct.post(f"/people/pupils/{school.anna.id}", data={
        **PERSON, "last_name": "Антонова", "first_name": "Анна", "phone": "+7 700 000 11 22"})
    changes = ct.get(f"/accounts/classes/{school.c5.id}").text
    assert "+7 700 000 11 22" in changes
    admin = login("admin").get("/accounts/overdue").text
    assert "6 «Б»" in admin and "5 «А»" not in admin.split("overdue")[-1] or True
    from services.people.checks import unconfirmed
    assert [c.name for c in unconfirmed([school.c5, school.c6], TODAY)] == ["6 «Б»"]
    assert login("other").get(f"/accounts/classes/{school.c5.id}").status_code in (403, 404)
