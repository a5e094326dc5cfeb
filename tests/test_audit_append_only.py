"""The audit trail is append-only (DOMAIN.md 9, issue 17): no route changes or deletes a
row, whoever calls it with whatever form, and the database itself refuses to."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from extensions import db
from models import AuditEvent
from services import audit
from tests.test_route_walk import _urls
from tests.test_route_walk import lessons as lessons  # noqa: F401  (the walk's journal)

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Plausible junk: the names most forms use, with values that are sometimes right.
JUNK = {"value": "5", "topic": "x", "homework": "x", "reason": "illness", "name": "x",
        "q": "x", "on": "2026-11-23", "date": "2026-11-23", "day": "2026-11-23",
        "comment": "x", "note": "x", "status": "n", "mark": "5", "pupils": "1", "ids": "1",
        "confirm": "1", "action": "delete", "version": "9", "text_ru": "x", "text_kk": "x",
        "last_name": "X", "first_name": "Y", "relation": "mother", "order_no": "1"}


def _rows() -> dict[int, tuple]:
    """Every audit row, every column."""
    return {row.id: tuple(row) for row in db.session.execute(select(*AuditEvent.__table__.c))}


def _seed(school) -> None:
    """Rows of every kind the application writes, old enough to be anyone's target."""
    at = dt.datetime(2026, 11, 2, 6, 0)
    db.session.execute(insert(AuditEvent), [
        {"at": at, "user_id": school.teacher.id, "role": "teacher", "action": "journal.cell",
         "object_type": "lesson", "object_id": 1, "pupil_id": school.anna.id,
         "class_id": school.c5.id, "subject_id": school.maths.id, "old": "", "new": "5"},
        {"at": at, "user_id": school.ct.id, "role": "class_teacher",
         "action": "absence.reason", "object_type": "attendance", "object_id": 1,
         "pupil_id": school.vera.id, "class_id": school.c5.id, "old": "", "new": "illness"},
        {"at": at, "user_id": school.admin.id, "role": "admin", "action": "account.issue",
         "object_type": "account", "object_id": school.teacher.id,
         "new": json.dumps({"role": "staff"})},
        {"at": at, "user_id": school.deputy.id, "role": "deputy",
         "action": "correction.apply", "object_type": "correction", "object_id": 1,
         "pupil_id": school.vera.id, "class_id": school.c5.id, "correction_id": 1}])
    audit.record_change(school.secretary, "pupil", school.anna.id, {"phone": "1"},
                        {"phone": "2"}, pupil_id=school.anna.id)
    audit.record(school.deputy, "pupil", school.boris.id, "read", pupil_id=school.boris.id)
    db.session.commit()


def test_no_route_changes_or_deletes_an_audit_row(app, school, login, request):
    made = request.getfixturevalue("lessons")
    _seed(school)
    before = _rows()
    client = login("admin")
    for method in WRITES:
        for endpoint, url in _urls(app, school, made, method):
            if endpoint.startswith("auth."):
                continue  # signing out or changing the password would end the walk
            client.open(url, method=method, data=JUNK)
    after = _rows()
    missing = sorted(set(before) - set(after))
    changed = [i for i in before if i in after and after[i] != before[i]]
    assert not missing and not changed, (missing, changed)
    assert client.get("/audit/").status_code == 200  # still the administrator: it walked


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET new = 'x'", "UPDATE audit_event SET at = at",
    "DELETE FROM audit_event", "DELETE FROM audit_event WHERE id = (SELECT max(id) "
    "FROM audit_event)"])
def test_the_database_refuses(app, school, statement):
    _seed(school)
    before = _rows()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert _rows() == before
