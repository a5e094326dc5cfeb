"""Every route, as every role: no 500s, and no family ever sees another family's child."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from extensions import db
from models import (
    Attendance,
    AuditEvent,
    Consent,
    Correction,
    Exam,
    FinalMark,
    Guardian,
    Lesson,
    Mark,
    ParentNotice,
    PlanItem,
    User,
)

USERS = ("admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other",
         "mum", "dad2", "anna", "vera")
FAMILY = ("mum", "dad2", "anna", "vera")
# Names a family member must never meet: the children of the other family.
FOREIGN = {"mum": ("Васильева",), "anna": ("Васильева", "Антонов Борис"),
           "dad2": ("Антонова", "Антонов"), "vera": ("Антонова", "Антонов")}
SKIP_ENDPOINTS = {"static", "assets.file", "auth.logout", "auth.set_language"}


def _candidates(school, lessons) -> dict[str, list]:
    s = school
    return {
        "pupil_id": [s.anna.id, s.boris.id, s.vera.id, s.senior.id],
        "page_id": [s.maths5.id, s.maths6.id, s.lit5.id, s.lit10.id],
        "class_id": [s.c5.id, s.c6.id, s.c10.id],
        "lesson_id": [lesson.id for lesson in lessons],
        "attendance_id": list(db.session.scalars(select(Attendance.id))),
        "item_id": list(db.session.scalars(select(PlanItem.id))),
        "subject_id": [s.maths.id, s.lit.id],
        "grade": [5, 6, 10],
        "period_id": [p.id for p in s.builder.periods[:2]],
        "user_id": [db.session.scalar(select(User.id).where(User.username == n))
                    for n in ("anna", "vera", "teacher")],
        "day": ["2026-11-23"], "date": ["2026-11-23"], "week": ["2026-11-16"],
        "key": ["subjects", "classes", "settings", "staff", "pupils", "parents", "sign-ins",
                "curriculum", "exams"],
        "row_id": [s.maths.id, s.c5.id, s.anna.id, s.vera.id, s.boris.id],
        "locale": ["kk"], "filename": ["css/style.css"], "fmt": ["xlsx", "csv"],
        "staff_id": [s.t_staff.id, s.ct_staff.id],
        "person_id": [s.anna.person_id, s.vera.person_id, s.mum.person_id,
                      s.dad2.person_id],
        "guardian_id": list(db.session.scalars(select(Guardian.id))),
        "consent_id": list(db.session.scalars(select(Consent.id))),
        "action": ["disable", "enable"],
        "exam_id": list(db.session.scalars(select(Exam.id))),
        "close_id": [1], "excuse_id": [1], "job_id": [1],  # none in the tiny school: 404s
        "correction_id": list(db.session.scalars(select(Correction.id))),
    }


def _urls(app, school, lessons, method: str) -> list[tuple[str, str]]:
    cands = _candidates(school, lessons)
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or method not in (rule.methods or ()):
            continue
        args = sorted(rule.arguments)
        if any(a not in cands for a in args):
            pytest.fail(f"route walk: no sample values for {rule.rule} ({args}); add them")
        combos = [{}]
        for a in args:
            combos = [dict(c, **{a: v}) for c in combos for v in cands[a]]
        for combo in combos:
            path = rule.rule
            for key, value in combo.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{key}>", str(value), path)
            urls.append((rule.endpoint, path))
    return urls


@pytest.fixture
def lessons(school):
    b = school.builder
    # Wednesday: 3 school days back, so its cells are locked (windows count school days
    # since issue 16; the Friday before would still be open on Monday).
    made = [b.lesson(page, dt.date(2026, 11, 18), topic="Дроби", homework="§ 5")
            for page in (school.maths5, school.maths6, school.lit5, school.lit10)]
    wt = b.work_types["lesson"].id
    db.session.add_all([
        Attendance(lesson_id=made[0].id, pupil_id=school.vera.id, reason="illness"),
        Attendance(lesson_id=made[2].id, pupil_id=school.anna.id),
        Mark(lesson_id=made[0].id, pupil_id=school.vera.id, value=5, work_type_id=wt),
        Mark(lesson_id=made[1].id, pupil_id=school.boris.id, value=3, work_type_id=wt),
        PlanItem(teacher_id=school.t_staff.id, subject_id=school.maths.id, grade=5, number=1,
                 topic="Натуральные числа"),
        Exam(kind="OGE", grade=5, name_ru="Экзамен", name_kk="Емтихан", max_points=20),
    ])
    db.session.flush()
    db.session.add(Correction(  # Vera's (the other family's) mark, asked to change
        kind="cell", page_id=school.maths5.id, lesson_id=made[0].id, pupil_id=school.vera.id,
        entry_date=made[0].date, old_value="5", new_value="4", reason="other", note="Ошибка",
        doc_number="7", doc_date=dt.date(2026, 11, 20), requested_by=school.teacher.id))
    db.session.commit()
    return made


def _journal_rows() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (Mark, Attendance, Lesson, FinalMark, ParentNotice, PlanItem, AuditEvent))


@pytest.mark.parametrize("username", USERS)
def test_get_every_route(app, school, lessons, login, username):
    client = login(username)
    for _endpoint, url in _urls(app, school, lessons, "GET"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (username, url, response.status_code)
            if username in FOREIGN and response.status_code == 200:
                body = _text(response)
                for name in FOREIGN[username]:
                    assert name not in body, (username, url, name)


def _text(response) -> str:
    """A page's text, or a PDF's (a family downloads their own child's extract)."""
    if response.mimetype != "application/pdf":
        return response.get_data(as_text=True)
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


@pytest.mark.parametrize("username", FAMILY)
def test_families_cannot_change_anything(app, school, lessons, login, username):
    client = login(username)
    before = _journal_rows()
    for endpoint, url in _urls(app, school, lessons, "POST"):
        if endpoint.startswith("auth."):
            continue
        response = client.post(url, data={"value": "5", "topic": "x", "homework": "x",
                                           "reason": "illness"})
        assert response.status_code in (302, 303, 400, 403, 404, 405, 422), (url, response)
        assert _journal_rows() == before, (username, url)


def test_anonymous_gets_only_the_sign_in_page(app, school, lessons, client):
    for endpoint, url in _urls(app, school, lessons, "GET"):
        response = client.get(url)
        if endpoint in ("auth.login", "home.health") or endpoint.startswith("diary.public"):
            continue
        assert response.status_code in (302, 404), (url, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")
