"""History where people look (issue 17): the pupil card's History section, an account's
history page, and staff reads of a diary written to the audit trail."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from extensions import db
from models import AuditEvent
from services import audit
from services.accounts import issue as issuing


def _history_section(html: str) -> str:
    return html.split('id="history"', 1)[1] if 'id="history"' in html else ""


@pytest.mark.parametrize("who", ["admin", "director", "deputy", "ct"])
def test_the_card_shows_its_history_to_leadership_and_class_teacher(client, login, school,
                                                                     who):
    audit.record_change(school.secretary, "pupil", school.anna.id, {"phone": "1"},
                        {"phone": "+7 701"}, pupil_id=school.anna.id)
    db.session.commit()
    login(who)
    with force_locale("en"):
        html = client.get(f"/people/pupils/{school.anna.id}").get_data(as_text=True)
    section = _history_section(html)
    assert "+7 701" in section and "Секретарева" in section
    assert 'href="#history"' in html


@pytest.mark.parametrize("who", ["secretary", "deputy1"])
def test_others_reading_the_card_see_no_history(client, login, school, who):
    login(who)
    response = client.get(f"/people/pupils/{school.anna.id}")
    assert response.status_code in (200, 404)
    assert _history_section(response.get_data(as_text=True)) == ""


def test_card_history_holds_reads_consents_and_account(client, login, school):
    audit.record(school.ct, "consent", 77, "give", {"text": 1}, pupil_id=school.anna.id)
    audit.record(school.admin, "account", _user_of(school.anna).id, "disable")
    db.session.commit()
    login("deputy")
    client.get(f"/people/pupils/{school.anna.id}")  # a read, recorded
    html = client.get(f"/people/pupils/{school.anna.id}").get_data(as_text=True)
    section = _history_section(html)
    assert section.count("Завучева") >= 2  # the deputy's own reads, newest first
    assert "Классная" in section and "Админова" in section


def _user_of(pupil):
    from models import User
    return db.session.scalar(select(User).where(User.person_id == pupil.person_id))


def test_history_is_never_shown_to_the_family(client, login, school):
    login("mum")
    response = client.get(f"/people/pupils/{school.anna.id}")
    assert _history_section(response.get_data(as_text=True)) == ""


def test_account_history(client, login, school):
    user = _user_of(school.vera)
    issuing.disable(school.admin, user)
    db.session.commit()
    login("admin")
    with force_locale("en"):
        html = client.get(f"/accounts/users/{user.id}/history").get_data(as_text=True)
    assert "Админова" in html and "history-list" in html


def test_account_history_shows_role_changes(client, login, school):
    audit.record_change(school.admin, "staff", school.t_staff.id, {"roles": "teacher"},
                        {"roles": "deputy, teacher"})
    db.session.commit()
    login("director")
    html = client.get(f"/accounts/users/{school.teacher.id}/history").get_data(as_text=True)
    assert "deputy, teacher" in html


@pytest.mark.parametrize("who, status", [("teacher", 403), ("mum", 403), ("anna", 403),
                                         ("ct", 200), ("deputy", 200)])
def test_account_history_access(client, login, school, who, status):
    user = _user_of(school.vera)
    login(who)
    assert client.get(f"/accounts/users/{user.id}/history").status_code == status


def test_a_staff_read_of_the_diary_is_audited(client, login, school):
    login("ct")
    assert client.get(f"/diary/{school.anna.id}/marks").status_code == 200
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "pupil.diary_read")).all()
    assert [(r.user_id, r.pupil_id, r.object_id, r.class_id) for r in rows] == [
        (school.ct.id, school.anna.id, school.anna.id, school.c5.id)]


def test_a_family_visit_is_not_an_audit_row(client, login, school):
    login("mum")
    assert client.get(f"/diary/{school.anna.id}/marks").status_code == 200
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "pupil.diary_read")) is None



@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_admin_drawer_shares_the_list(client, login, school, headers):
    audit.record_change(school.secretary, "pupil", school.anna.id, {"phone": "1"},
                        {"phone": "+7 702"}, pupil_id=school.anna.id)
    db.session.commit()
    login("admin")
    response = client.get(f"/admin/pupils/{school.anna.id}/history", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "history-list" in html and "+7 702" in html
    assert ("<html" in html) != bool(headers)
