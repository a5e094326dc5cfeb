"""Readiness before the year (issue 16, 001 5.5): what is missing, each line linked to where
it is fixed; the 10-day window; who may see it; a fixed number of queries."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import CurriculumHours, PlanItem, TimetableSlot
from services import readiness
from tests.conftest import TODAY
from tests.test_diary_privacy import count_queries

DAY = dt.timedelta(days=1)


def check(school, today=TODAY):
    year = school.builder.year
    return readiness.check(year, [school.c5, school.c6, school.c10], today)


def test_classes_without_a_class_teacher(school):
    assert [c.id for c in check(school).no_class_teacher] == [school.c10.id]


def test_pages_without_a_plan_of_their_teacher_for_the_grade(school):
    db.session.add(PlanItem(teacher_id=school.t_staff.id, subject_id=school.maths.id, grade=5,
                            number=1, topic="Натуральные числа"))
    db.session.flush()
    missing = {p.id for p in check(school).no_plan}
    assert school.maths5.id not in missing
    assert school.maths6.id in missing  # the plan is for grade 5, not 6
    assert {school.lit5.id, school.lit10.id} <= missing


def test_a_page_whose_teacher_has_left_is_listed_once(school):
    school.other_staff.left_on = TODAY
    report = check(school)
    assert [p.id for p in report.teacher_gone] == [school.lit10.id]
    assert school.lit10.id not in {p.id for p in report.no_plan}


def test_curriculum_subjects_without_a_page(school):
    year = school.builder.year
    for grade, subject in ((5, school.maths), (5, school.lit), (6, school.lit)):
        db.session.add(CurriculumHours(year_id=year.id, grade=grade, subject_id=subject.id,
                                       hours=3))
    db.session.add(CurriculumHours(year_id=year.id, grade=10, subject_id=school.maths.id,
                                   hours=0))  # no hours: nothing is due
    db.session.flush()
    assert [(c.id, s.id) for c, s in check(school).no_page] == [(school.c6.id, school.lit.id)]


@pytest.mark.parametrize("valid_from,valid_to,listed", [
    (dt.date(2026, 9, 1), dt.date(2027, 5, 31), False),
    (dt.date(2026, 11, 5), dt.date(2026, 11, 5), False),    # touches the quarter
    (dt.date(2026, 9, 1), dt.date(2026, 11, 4), True),      # ends before it
    (dt.date(2026, 12, 29), dt.date(2027, 5, 31), True),    # starts after it
])
def test_a_class_without_a_timetable_in_the_period_under_way(school, valid_from, valid_to,
                                                              listed):
    db.session.add(TimetableSlot(page_id=school.maths5.id, weekday=1, lesson_number=1,
                                 valid_from=valid_from, valid_to=valid_to))
    db.session.flush()
    classes = {c.id: p for c, p in check(school).no_timetable}
    assert (school.c5.id in classes) is listed
    assert school.c6.id in classes


def test_the_timetable_of_the_next_period_is_due_10_days_before_it(school):
    b = school.builder
    db.session.add(TimetableSlot(page_id=school.maths5.id, weekday=1, lesson_number=1,
                                 valid_from=b.periods[1].start_date,
                                 valid_to=b.periods[1].end_date))
    db.session.flush()
    third = b.periods[2].start_date  # 12 January
    assert school.c5.id not in {c.id for c, _p in check(school, third - 11 * DAY).no_timetable}
    due = {c.id: p for c, p in check(school, third - 10 * DAY).no_timetable}
    assert due[school.c5.id].id == b.periods[2].id


def test_pupils_without_birth_date_consent_or_parent_account(school):
    school.anna.person.birth_date = dt.date(2015, 3, 1)
    school.vera.person.birth_date = dt.date(2015, 4, 1)
    school.vera.consent_on = None
    db.session.flush()
    gaps = {g.pupil_id: g for g in check(school).pupils}
    assert school.anna.id not in gaps  # card, consent and mum's account
    vera = gaps[school.vera.id]
    assert (vera.no_card, vera.no_consent, vera.no_parent_account) == (False, True, False)
    senior = gaps[school.senior.id]  # no birth date, no parent at all
    assert (senior.no_card, senior.no_consent, senior.no_parent_account) == (True, False, True)


def test_the_window_starts_10_days_before_the_year(school):
    start = school.builder.year.start_date
    assert not check(school, start - 11 * DAY).counting
    assert check(school, start - 10 * DAY).counting


def test_the_page_for_leadership_with_links_and_a_deputys_level(school, login, app):
    for who in ("teacher", "mum", "secretary"):
        assert login(who).get("/readiness/").status_code == 403
    html = login("admin").get("/readiness/").text
    assert f"/admin/classes/{school.c10.id}/edit" in html
    assert f"/people/pupils/{school.senior.id}" in html
    assert f"/accounts/classes/{school.c10.id}" in html
    assert f"/plan/{school.lit.id}/10?teacher={school.other_staff.id}" in html
    if "timetable.grid" in app.view_functions:  # the timetable screens of issue 16
        assert f"/timetable/classes/{school.c5.id}?period={school.builder.periods[1].id}" in html
    primary = login("deputy1").get("/readiness/").text
    assert f"/admin/classes/{school.c10.id}/edit" not in primary


def test_before_the_window_the_page_says_when_it_counts(school, login, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2026, 8, 1))
    html = login("deputy").get("/readiness/").text
    assert "22" in html and "notice" in html
    assert f"/admin/classes/{school.c10.id}/edit" in html  # still shows the list


def test_the_page_runs_a_fixed_number_of_queries(school, login):
    client = login("admin")
    client.get("/readiness/")
    with count_queries() as small:
        client.get("/readiness/")
    b = school.builder
    for n in range(5):
        cls = b.school_class(7, f"Б{n}")
        for k in range(4):
            b.pupil(cls, f"Новенькая{n}", f"Ученица{k}")
        b.page(cls, school.maths, school.t_staff)
    db.session.commit()
    with count_queries() as large:
        assert "7 «Б4»" in client.get("/readiness/").text
    assert len(small) == len(large), (len(small), len(large))
