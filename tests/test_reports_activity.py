"""Report 6 of issue 18, activity: sign-ins and journal entries per staff member in a month,
families' diary visits per class and week and the "never visited" list, counted by hand on
the tiny school in the school's time zone (Asia/Almaty, UTC+5); who may read them; PDF and
XLSX read back."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from models import AuditEvent, DiaryVisit, Enrolment, LoginAttempt, User
from services.reports import activity, filters
from tests.sql import count_queries

UTC = dt.datetime


def _user(name):
    return db.session.scalar(db.select(User).where(User.username == name))


@pytest.fixture
def month(school):
    """November 2026 (weeks 01.11, 02-08, 09-15, 16-22, 23-29, 30.11), instants in UTC:

    sign-ins: ct three (one on 31.10 20:00 UTC = 1 November at the school), a failure and one
      on 30.11 19:30 UTC (= 1 December at the school) not counted; teacher one, typed "Teacher ".
    entries: teacher two cells and a period mark in November, a cell in October, an absence
      reason (not a journal entry); ct one attendance column.
    visits: Анна herself on 17 and 18 November (week 16-22); mum opens Анна's diary on
      22.11 20:00 UTC (= 23 November, week 23-29) and Борис's only in October. Вера never;
      Галина (10 «А») never; Дарья (5 «А», left on 10 November) never, but she has left.
    """
    s = school
    ct, teacher, mum, anna = (_user(n) for n in ("ct", "teacher", "mum", "anna"))
    for name, at, ok in (("ct", UTC(2026, 10, 31, 20), True), ("ct", UTC(2026, 11, 5, 8), True),
                         ("ct", UTC(2026, 11, 20, 8), True), ("ct", UTC(2026, 11, 20, 7), False),
                         ("ct", UTC(2026, 11, 30, 19, 30), True),
                         ("teacher", UTC(2026, 11, 2, 9), True)):
        db.session.add(LoginAttempt(username=name, address="127.0.0.1", at=at, ok=ok))
    for user, action, at in ((teacher, "journal.cell", UTC(2026, 11, 3, 9)),
                             (teacher, "journal.cell", UTC(2026, 11, 4, 9)),
                             (teacher, "journal.period_mark", UTC(2026, 11, 30, 10)),
                             (teacher, "journal.cell", UTC(2026, 10, 30, 9)),
                             (ct, "absence.reason", UTC(2026, 11, 4, 9)),
                             (ct, "journal.attendance", UTC(2026, 11, 16, 9))):
        db.session.add(AuditEvent(user_id=user.id, action=action, object_type="lesson", at=at))
    for user, pupil, at in ((anna, s.anna, UTC(2026, 11, 17, 10)),
                            (anna, s.anna, UTC(2026, 11, 18, 10)),
                            (mum, s.anna, UTC(2026, 11, 22, 20)),
                            (mum, s.boris, UTC(2026, 10, 5, 10))):
        db.session.add(DiaryVisit(user_id=user.id, pupil_id=pupil.id, at=at))
    darya = s.builder.pupil(s.c5, "Грачёва", "Дарья")
    db.session.scalar(db.select(Enrolment).where(Enrolment.pupil_id == darya.id)).end_date = \
        dt.date(2026, 11, 10)
    db.session.commit()


def _build(app, name, query="", **args):
    with app.test_request_context(f"/reports/activity?{query}"), force_locale("en"):
        return activity.build(_user(name), filters.read(args))


def test_staff_sign_ins_and_entries_by_hand(app, school, month):
    staff, weekly, never = _build(app, "deputy")
    assert staff.title == "User activity: November 2026"
    rows = {r[1]: r[2:4] for r in staff.rows}
    assert rows["ct"] == [3, 1] and rows["teacher"] == [1, 3] and rows["deputy"] == [0, 0]
    assert len(staff.rows) == 8 and "anna" not in rows and "mum" not in rows
    assert staff.totals[0][2:4] == [4, 4]
    october = _build(app, "deputy", "month=2026-10")[0]
    assert {r[1]: r[2:4] for r in october.rows}["teacher"] == [0, 1]


def test_weekly_visits_and_never_visited_by_hand(app, school, month):
    _staff, weekly, never = _build(app, "deputy")
    heads = [c.header for c in weekly.columns]
    assert heads[2:8] == ["01.11–01.11", "02.11–08.11", "09.11–15.11", "16.11–22.11",
                          "23.11–29.11", "30.11–30.11"]
    assert weekly.rows == [["5 «А»", 3, 0, 0, 0, 1, 1, 0, 1, 1],
                           ["6 «Б»", 1, 0, 0, 0, 0, 0, 0, 0, 0],
                           ["10 «А»", 1, 0, 0, 0, 0, 0, 0, 0, 1]]
    assert weekly.totals == [["Total", 5, 0, 0, 0, 1, 1, 0, 1, 2]]
    assert never.rows == [[1, "5 «А»", "Васильева В."], [2, "10 «А»", "Старшая Г."]]
    october = _build(app, "deputy", "month=2026-10")
    assert october[1].rows[1][-2:] == [1, 0]  # Борис's diary opened in October
    assert [r[2] for r in october[2].rows] == ["Антонова А.", "Васильева В.", "Грачёва Д.",
                                               "Старшая Г."]  # Дарья was still in 5 «А»


def test_bad_month_is_the_current_one(app, school, month):
    for query in ("month=2026-13", "month=x", "month=²⁰²⁶-11", "month=99999-01"):
        assert _build(app, "deputy", query)[0].title == "User activity: November 2026"


def test_class_teacher_gets_their_class_only_and_no_staff_figures(app, school, month):
    sheets = _build(app, "ct")
    assert [s.title for s in sheets] == ["Diary visits by week: November 2026",
                                         "Never visited the diary"]
    assert [r[0] for r in sheets[0].rows] == ["5 «А»"]
    assert sheets[1].rows == [[1, "5 «А»", "Васильева В."]]


def test_everyone_visited_and_no_classes_say_why(app, school, month):
    db.session.add(DiaryVisit(user_id=_user("vera").id, pupil_id=school.vera.id,
                              at=UTC(2026, 9, 1, 10)))
    db.session.commit()
    never = _build(app, "ct")[1]
    assert never.rows == [] and "Every family" in never.empty
    weekly = _build(app, "other", **{"class": str(school.c5.id)})[0]
    assert weekly.rows == [] and "No class" in weekly.empty


def test_fixed_number_of_queries(app, school, month):
    user = _user("deputy")
    _build(app, "deputy")  # the school's time zone is read once, then cached
    with count_queries() as small:
        _build(app, "deputy")
    b = school.builder
    for n in range(5):
        pupil = b.pupil(school.c6, "Новикова", f"Ника{n}")
        db.session.add(DiaryVisit(user_id=user.id, pupil_id=pupil.id, at=UTC(2026, 11, 9, 9)))
    db.session.commit()
    with count_queries() as big:
        _build(app, "deputy")
    assert len(big) == len(small)


@pytest.mark.parametrize("who", ["teacher", "secretary", "mum", "anna"])
def test_refused_to_subject_teachers_and_families(login, school, month, who):
    client = login(who)
    for url in ("/reports/activity", "/reports/activity.pdf", "/reports/activity.xlsx"):
        assert client.get(url).status_code == 403, (who, url)


def test_class_teacher_of_another_class_sees_only_theirs(login, school, month):
    page = login("other").get(f"/reports/activity?class={school.c5.id}&month=2026-11")
    assert page.status_code == 200 and "Васильева" not in page.text
    page = login("other").get("/reports/activity?month=2026-11")
    assert "6 «Б»" in page.text and "Васильева" not in page.text
    assert "Предметникова" not in page.text  # no staff figures for a class teacher


def test_pdf_in_russian_and_kazakh_and_xlsx(login, school, month):
    client = login("deputy")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get("/reports/activity.pdf?month=2026-11").data)).pages)
    assert "ноябрь 2026" in text.lower() and "Васильева" in text and "Классная" in text
    client.post("/language/kk")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get("/reports/activity.pdf?month=2026-11").data)).pages)
    assert "қараша 2026" in text.lower() and "Старшая" in text
    book = load_workbook(io.BytesIO(client.get("/reports/activity.xlsx?month=2026-11").data))
    staff, weekly, never = book.worksheets
    logins = {staff.cell(r, 2).value: staff.cell(r, 3).value for r in range(2, staff.max_row)}
    assert logins["ct"] == 3 and logins["teacher"] == 1
    assert [c.value for c in weekly[2]] == ["5 «А»", 3, 0, 0, 0, 1, 1, 0, 1, 1]
    assert never.cell(2, 3).value == "Васильева В." and never.max_row == 3
