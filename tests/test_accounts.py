"""Accounts (issue 15): access decided by the dates it depends on, one-time passwords on
credential slips, the first sign-in forcing a new password, session versions, password rules,
delays after failed sign-ins, and the overdue list."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from extensions import db
from models import Consent, LoginAttempt, Pupil, Staff, User
from services import accounts
from services.accounts import issue as issuing
from services.accounts import throttle
from services.accounts.overdue import overdue
from services.accounts.passwords import PasswordRefused, check_new_password
from tests.conftest import TODAY
from tests.factories import PASSWORD
from tests.fragments import status

DAY = dt.timedelta(days=1)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def sign_in(client, username, password=PASSWORD, **kw):
    client.post("/logout")
    return client.post("/login", data={"username": username, "password": password}, **kw)


def move_clock(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr("services.clock.today", lambda: day)


# -- who may sign in -------------------------------------------------------------------------

def test_a_parent_signs_in_only_while_a_childs_consent_is_in_force(school, client,
                                                                    monkeypatch):
    consents = db.session.scalars(select(Consent).where(
        Consent.pupil_id.in_([school.anna.id, school.boris.id]))).all()
    for consent in consents:
        consent.revoked_on = TODAY + 3 * DAY
    db.session.commit()
    assert sign_in(client, "mum").status_code == 302
    assert client.get("/diary/").status_code == 302  # signed in: to the child's week
    move_clock(monkeypatch, TODAY + 3 * DAY)          # the day the consent ends
    assert client.get(f"/diary/{school.anna.id}/week").status_code == 302  # to sign-in
    refused = sign_in(client, "mum")
    assert status(refused) == 401 and "consent" in refused.text.lower() or \
        "согласи" in refused.text.lower()


def test_a_pupil_who_left_closes_the_familys_access_that_day(school, client, monkeypatch):
    school.vera.left_on = TODAY + 2 * DAY
    db.session.commit()
    assert sign_in(client, "dad2").status_code == 302
    move_clock(monkeypatch, TODAY + 2 * DAY)
    assert client.get(f"/diary/{school.vera.id}/week").status_code == 302
    assert status(sign_in(client, "dad2")) == 401
    # a parent with another child still at school keeps access
    school.anna.left_on = TODAY + 2 * DAY
    db.session.commit()
    assert sign_in(client, "mum").status_code == 302  # Борис is still enrolled


def test_staff_access_ends_on_the_day_they_leave(school, client, monkeypatch):
    school.t_staff.left_on = TODAY + DAY
    db.session.commit()
    assert sign_in(client, "teacher").status_code == 302
    assert client.get("/journal/").status_code == 200
    move_clock(monkeypatch, TODAY + DAY)
    assert client.get("/journal/").status_code == 302
    assert status(sign_in(client, "teacher")) == 401
    # nothing they wrote is touched: the staff card and account stay
    assert db.session.get(Staff, school.t_staff.id) is not None and user("teacher").active


def test_a_disabled_account_stops_at_once(school, login, client):
    client = login("anna")
    assert client.get("/diary/").status_code == 302
    admin = user("admin")
    issuing.disable(admin, user("anna"))
    db.session.commit()
    assert client.get(f"/diary/{school.anna.id}/week").status_code == 302
    assert status(sign_in(client, "anna")) == 401


# -- issuing ---------------------------------------------------------------------------------

def slip_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def test_the_class_teacher_issues_a_parent_account_with_a_slip(school, login, client):
    person = school.builder.person("Новикова", "Ирина")
    school.builder._add(__import__("models").Guardian(person_id=person.id,
                                                       pupil_id=school.anna.id))
    db.session.commit()
    ct = login("ct")
    text = slip_text(ct.post(f"/accounts/people/{person.id}/issue"))
    account = db.session.scalar(select(User).where(User.person_id == person.id))
    assert account.username in text and account.must_change_password
    password = next(line.split()[-1] for line in text.splitlines() if "-" in line.split()[-1]
                    and len(line.split()[-1]) == 9)
    assert "Новикова Ирина" in text and "Школа № 1" in text
    # the first sign-in with the slip's password must change it before anything else
    first = sign_in(client, account.username, password)
    assert first.status_code == 302 and first.headers["Location"].endswith("/account/password")
    assert client.get(f"/diary/{school.anna.id}/week").status_code in (302, 303)
    changed = client.post("/account/password", data={"current": password,
                                                     "new": "Ladoga-river-2026",
                                                     "repeat": "Ladoga-river-2026"})
    assert changed.status_code == 302
    assert client.get(f"/diary/{school.anna.id}/week").status_code == 200


def test_no_family_account_without_consent(school, login):
    orphan = school.builder.pupil(school.c5, "Безсогласия", "Олег")
    db.session.execute(Consent.__table__.delete().where(Consent.pupil_id == orphan.id))
    db.session.commit()
    ct = login("ct")
    response = ct.post(f"/accounts/people/{orphan.person_id}/issue")
    assert response.status_code == 303
    assert db.session.scalar(select(User).where(User.person_id == orphan.person_id)) is None
    page = ct.get(response.headers["Location"], follow_redirects=True).text
    assert "согласи" in page.lower() or "consent" in page.lower()


@pytest.mark.parametrize(("who", "person", "code"), [
    ("ct", "boris", 403),      # another class's pupil
    ("teacher", "anna", 403),  # a subject teacher issues nothing
    ("mum", "vera", 403), ("admin", "vera", 200)])
def test_who_issues_accounts(school, login, who, person, code):
    pupil = getattr(school, person)
    assert login(who).post(f"/accounts/people/{pupil.person_id}/issue").status_code == code


def test_issuing_again_resets_and_ends_the_old_sessions(school, login, client):
    other = sign_in(client, "vera")
    assert other.status_code == 302
    admin = user("admin")
    issued = issuing.issue(admin, school.vera.person, "pupil", school.builder.school)
    db.session.commit()
    assert client.get(f"/diary/{school.vera.id}/week").status_code == 302  # signed out
    assert status(sign_in(client, "vera")) == 401                    # the old password
    assert sign_in(client, "vera", issued.password).status_code == 302


def test_a_whole_class_in_one_pdf(school, login):
    b = school.builder
    father = b.person("Антонов", "Павел", sex="m")
    b._add(__import__("models").Guardian(person_id=father.id, pupil_id=school.anna.id))
    newcomer = b.pupil(school.c5, "Новиков", "Сергей")
    db.session.commit()
    ct = login("ct")
    text = slip_text(ct.post(f"/accounts/classes/{school.c5.id}/issue", data={"pupils": "1"}))
    assert "Антонов Павел" in text and "Новиков Сергей" in text
    assert "Родителева" not in text  # the mothers have their accounts already
    assert "Борис" not in text       # another class
    # issued: the second press has nothing left to issue
    assert ct.post(f"/accounts/classes/{school.c5.id}/issue",
                   data={"pupils": "1"}).status_code == 303
    assert db.session.scalar(select(User).where(User.person_id == newcomer.person_id))


# -- passwords and sign-in -------------------------------------------------------------------

@pytest.mark.parametrize(("password", "ok"), [
    ("short1", False), ("qwerty123", False), ("Password1", False), ("aaaaaaaaaa", False),
    ("demo-password", False), ("Antonova-2026", False), ("Ladoga-river-2026", True)])
def test_password_rules(school, password, ok):
    person = school.anna.person
    if ok:
        check_new_password(password, school.builder.school, "anna", person)
    else:
        with pytest.raises(PasswordRefused):
            check_new_password(password, school.builder.school, "anna", person)


def test_the_demo_password_only_in_the_demo_school(school):
    school.builder.school.is_demo = True
    check_new_password("demo-password", school.builder.school)


def test_failed_sign_ins_slow_down_that_name_from_that_address_only(school, client,
                                                                    monkeypatch):
    now = [dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr("services.clock.utcnow", lambda: now[0])
    attacker = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    for _ in range(throttle.FREE_PER_NAME + 1):
        sign_in(client, "teacher", "wrong", **attacker)
    slowed = sign_in(client, "teacher", PASSWORD, **attacker)
    assert status(slowed) == 401  # even the right password waits
    assert "wait" in slowed.text.lower() or "подожд" in slowed.text.lower() or \
        "күт" in slowed.text.lower()
    # the teacher at school, another address, is not locked out
    assert sign_in(client, "teacher", PASSWORD,
                   environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 302
    now[0] += dt.timedelta(seconds=70)
    assert sign_in(client, "teacher", PASSWORD, **attacker).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        ~LoginAttempt.ok)) >= throttle.FREE_PER_NAME + 1


def test_changing_the_password_signs_out_every_other_session(school, app):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert sign_in(c, "teacher").status_code == 302
    assert first.post("/account/password", data={
        "current": PASSWORD, "new": "Ladoga-river-2026",
        "repeat": "Ladoga-river-2026"}).status_code == 302
    assert first.get("/journal/").status_code == 200       # this session carries on
    assert second.get("/journal/").status_code == 302      # the other one is signed out


def test_sign_out_everywhere(school, app):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        sign_in(c, "teacher")
    first.post("/logout", data={"everywhere": "1"})
    assert second.get("/journal/").status_code == 302


# -- the overdue list ------------------------------------------------------------------------

def test_the_overdue_list(school, login, monkeypatch):
    b = school.builder
    new_staff = b._add(Staff(person_id=b.person("Новенькая", "Ольга").id,
                             hired_on=TODAY - 4 * DAY))
    gone = school.other_staff
    gone.left_on = TODAY - 4 * DAY
    newcomer = b.pupil(school.c5, "Новиков", "Сергей")
    newcomer.enrolled_on = TODAY - 6 * DAY
    db.session.commit()
    due = overdue(b.school, TODAY)
    assert new_staff in due.staff_without
    assert (gone, user("other")) in due.staff_left
    assert newcomer in due.families_without
    assert school.anna not in due.families_without  # her mother has an account
    page = login("admin").get("/accounts/overdue").text
    assert "Новенькая" in page and "Новиков" in page
    assert login("ct").get("/accounts/overdue").status_code == 403


def test_access_is_answered_in_a_fixed_number_of_queries(school):
    assert accounts.may_sign_in(user("mum"), TODAY).ok
    assert not accounts.may_sign_in(user("mum"), TODAY - 365 * DAY).ok  # before consent
    assert db.session.get(Pupil, school.anna.id)
