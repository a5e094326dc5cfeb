"""After the year close: the closed year stays readable by those who read it before (a
teacher's old pages, read-only; leadership by year), and the family keeps the child's old
diary, a graduate's too; another family's child's old diary stays refused."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from extensions import db
from models import FinalMark, Mark, Pupil, StudyPeriod
from services import yearclose
from tests.fragments import status

AFTER = dt.date(2027, 6, 3)


@pytest.fixture
def closed(school, monkeypatch):
    """The tiny school with a May mark and year marks, its year closed in June."""
    monkeypatch.setattr("services.clock.today", lambda: AFTER)
    s = school
    # A family with a child still at school: parents of a pupil who left keep their account
    # only while another child of theirs is at school (001 III 3.1, services.accounts.access).
    s.gran = s.builder.parent("gran", s.senior, s.vera)
    lesson = s.builder.lesson(s.maths5, dt.date(2027, 5, 20))
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=s.anna.id, value=3,
                        work_type_id=s.builder.work_types["lesson"].id, comment="старый урок"))
    for page in (s.maths5, s.maths6, s.lit5, s.lit10):
        for pupil in db.session.scalars(select(Pupil).where(Pupil.class_id == page.class_id)):
            db.session.add(FinalMark(page_id=page.id, pupil_id=pupil.id, kind="year",
                                     value=4 if pupil.id != s.senior.id else 5))
    db.session.commit()
    s.close = yearclose.apply(s.admin, s.builder.year, "15-у", dt.date(2027, 6, 1),
                              last_grade=10)  # the tiny school's 10 «А» graduates
    db.session.commit()
    s.q4 = s.builder.periods[-1]
    return s


def test_a_parent_reads_the_old_diary_by_year_and_by_period(closed, login):
    s = closed
    client = login("mum")
    now = client.get(f"/diary/{s.anna.id}/marks")
    assert status(now) == 200 and "старый урок" not in now.get_data(as_text=True)
    assert "2026/2027" in now.get_data(as_text=True)  # the year switch
    for query in (f"year={s.builder.year.id}", f"period={s.q4.id}"):
        old = client.get(f"/diary/{s.anna.id}/marks?{query}").get_data(as_text=True)
        assert "старый урок" in old and "5 «А»" in old, query
    absences = client.get(f"/diary/{s.anna.id}/attendance?year={s.builder.year.id}")
    assert status(absences) == 200


def test_a_graduate_keeps_the_diary_of_the_last_year(closed, login):
    s = closed
    assert db.session.get(Pupil, s.senior.id).class_id is None
    page = login("gran").get(f"/diary/{s.senior.id}/marks")
    assert status(page) == 200 and "10 «А»" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "?year={year}", "?period={period}"])
def test_another_family_cannot_read_the_old_diary(closed, login, query):
    s = closed
    url = f"/diary/{s.anna.id}/marks" + query.format(year=s.builder.year.id, period=s.q4.id)
    assert status(login("dad2").get(url)) == 404
    assert status(login("gran").get(url)) == 404


@pytest.mark.parametrize("query", ["?year=99999", "?year=²", "?period=99999", "?period=x"])
def test_a_year_or_period_the_child_was_not_in_is_not_found(closed, login, query):
    assert status(login("mum").get(f"/diary/{closed.anna.id}/marks{query}")) == 404


def test_a_year_the_child_was_not_at_school_is_not_found(closed, login):
    s = closed
    new_year = s.close.new_year_id
    # Галина graduated: she has no class in the new year.
    assert status(login("gran").get(f"/diary/{s.senior.id}/marks?year={new_year}")) == 404
    periods = db.session.scalars(select(StudyPeriod.id).where(
        StudyPeriod.year_id == new_year)).all()
    assert status(login("gran").get(f"/diary/{s.senior.id}/marks?period={periods[0]}")) == 404


def test_a_teacher_finds_the_old_pages_by_year_read_only(closed, login):
    s = closed
    client = login("teacher")
    now = client.get("/journal/").get_data(as_text=True)
    assert f"/journal/pages/{s.maths5.id}\"" not in now
    old = client.get(f"/journal/?year={s.builder.year.id}").get_data(as_text=True)
    assert f"/journal/pages/{s.maths5.id}\"" in old
    assert status(client.get(f"/journal/pages/{s.maths5.id}")) == 200
    assert status(client.get("/journal/?year=99999")) == 404


def test_leadership_lists_the_closed_years_classes(closed, login):
    s = closed
    page = login("deputy").get(f"/journal/?year={s.builder.year.id}").get_data(as_text=True)
    assert f"/journal/pages/{s.lit10.id}\"" in page
