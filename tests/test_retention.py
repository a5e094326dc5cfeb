"""Retention (issue 19, 001 VI): the dry run, the purge by the command and by the page."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    AuditEvent,
    Correction,
    DiaryVisit,
    Exam,
    ExamResult,
    FinalMark,
    Lesson,
    Mark,
    ParentNotice,
    SchoolClass,
    StudyPeriod,
    SummativeWork,
    TimetableSlot,
    WorkPoints,
)
from services import retention
from tests.fragments import status


def past_year(school, start: int, closed: bool = True) -> SimpleNamespace:
    """A school year that began on 1 September of `start`, with one of each kind of row
    for Анна in a 5 «А» of that year."""
    b = school.builder
    year = b._add(AcademicYear(name=f"{start}/{start + 1}", start_date=dt.date(start, 9, 1),
                               end_date=dt.date(start + 1, 5, 31), closed=closed))
    period = b._add(StudyPeriod(year_id=year.id, scheme="quarter", number=1,
                                start_date=dt.date(start, 9, 1), end_date=dt.date(start, 10, 28)))
    cls = b._add(SchoolClass(year_id=year.id, grade=5, letter="А", language="ru",
                             period_scheme="quarter", class_teacher_id=school.ct_staff.id))
    page = b.page(cls, school.maths, school.t_staff)
    lesson = b.lesson(page, dt.date(start, 9, 2), topic="Дроби", homework="№ 5")
    wt = b.work_types["lesson"].id
    anna, user = school.anna.id, school.teacher.id
    rows = [Mark(lesson_id=lesson.id, pupil_id=anna, value=5, work_type_id=wt),
            Attendance(lesson_id=lesson.id, pupil_id=school.vera.id, reason="illness"),
            ParentNotice(page_id=page.id, pupil_id=anna, period_id=period.id,
                         parents_told=True, told_on=dt.date(start, 10, 1), recorded_by=user),
            TimetableSlot(page_id=page.id, weekday=1, lesson_number=1, valid_from=year.start_date,
                          valid_to=year.end_date),
            DiaryVisit(user_id=school.mum.id, pupil_id=anna, at=dt.datetime(start, 9, 3, 10)),
            FinalMark(page_id=page.id, pupil_id=anna, kind="year", value=5),
            FinalMark(page_id=page.id, pupil_id=anna, kind="period", period_id=period.id,
                      value=4),
            Correction(kind="cell", page_id=page.id, lesson_id=lesson.id, pupil_id=anna,
                       entry_date=lesson.date, reason="illness", doc_number="1",
                       doc_date=lesson.date, requested_by=user)]
    for row in rows:
        b._add(row)
    work = b._add(SummativeWork(page_id=page.id, period_id=period.id, kind="sor", name="СОР 1",
                                date=dt.date(start, 9, 20), max_points=10))
    b._add(WorkPoints(work_id=work.id, pupil_id=anna, points=7))
    exam = b._add(Exam(kind="OGE", grade=9, name_ru=f"ОГЭ {start}", name_kk=f"ОГЭ {start}"))
    b._add(ExamResult(exam_id=exam.id, pupil_id=anna, year_id=year.id, mark=5,
                      recorded_by=user))
    db.session.commit()
    return SimpleNamespace(year=year, page=page, lesson=lesson)


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def lessons_of(page) -> int:
    return count(Lesson, page_id=page.id)


def test_dry_run_lists_only_years_past_the_limits(school):
    old, recent = past_year(school, 2019), past_year(school, 2022)
    plan = retention.make_plan()
    assert plan.journal_before == dt.date(2021, 11, 23)
    assert [y.year.name for y in plan.years] == ["2019/2020"]
    item = plan.years[0]
    assert not item.final_too and not item.refused
    assert item.counts == {"lessons": 1, "marks": 1, "works": 1, "attendance": 1, "notices": 1,
                           "timetable": 1, "visits": 1, "family_notices": 0, "messages": 0}
    assert lessons_of(old.page) == lessons_of(recent.page) == 1  # a dry run deletes nothing


def test_purge_deletes_journal_details_and_keeps_final_marks(school):
    old, recent = past_year(school, 2019), past_year(school, 2022)
    audit_rows = count(AuditEvent)
    counts, files = retention.purge(school.admin, retention.make_plan())
    db.session.commit()
    assert counts["lessons"] == 1 and counts["marks"] == 1 and files == []
    assert lessons_of(old.page) == 0
    assert count(Mark) == 1 and count(Attendance) == 1  # the 2022/2023 ones
    assert count(SummativeWork) == 1 and count(WorkPoints) == 1  # the points go with works
    assert count(ParentNotice) == 1 and count(TimetableSlot) == 1 and count(DiaryVisit) == 1
    assert count(FinalMark, page_id=old.page.id) == 2  # kept 25 years
    assert count(ExamResult) == 2 and count(Correction) == 2
    cell = db.session.scalar(select(Correction).where(Correction.page_id == old.page.id))
    assert cell.lesson_id is None  # the change log keeps its row
    assert lessons_of(recent.page) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
    assert count(AuditEvent) == audit_rows + 1
    assert '"lessons": 1' in event.new and "2019/2020" in event.new
    assert retention.make_plan().purgeable == []


def test_final_marks_go_after_25_years(school):
    ancient = past_year(school, 1999)
    item = retention.make_plan().years[0]
    assert item.final_too and item.counts["final_marks"] == 2
    assert item.counts["exam_results"] == 1 and item.counts["corrections"] == 1
    retention.purge(None, retention.make_plan())
    db.session.commit()
    assert count(FinalMark, page_id=ancient.page.id) == 0
    assert count(ExamResult) == 0 and count(Correction) == 0


def test_open_and_current_years_are_never_touched(school):
    past_year(school, 2018, closed=False)
    plan = retention.make_plan()
    assert plan.years[0].refused and plan.purgeable == []
    with pytest.raises(retention.RetentionError):
        retention.purge(school.admin, plan)
    assert count(Lesson) == 1


def test_a_year_reopened_after_the_plan_is_refused(school):
    old = past_year(school, 2019)
    plan = retention.make_plan()
    old.year.closed = False
    db.session.commit()
    with pytest.raises(retention.RetentionError):
        retention.purge(school.admin, plan)
    assert count(Lesson) == 1


def test_command_dry_run_then_purge(app, school):
    past_year(school, 2019)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0 and "2019/2020: 1 marks" in result.output
    assert count(Lesson) == 1
    assert runner.invoke(args=["retention", "--purge"], input="n\n").exit_code != 0
    assert count(Lesson) == 1
    result = runner.invoke(args=["retention", "--purge", "--yes"])
    assert result.exit_code == 0 and "purged" in result.output
    db.session.expire_all()
    assert count(Lesson) == 0 and count(FinalMark) == 2
    assert runner.invoke(args=["retention", "--purge", "--yes"]).exit_code != 0


@pytest.mark.parametrize("who", ["teacher", "ct", "director", "deputy", "secretary", "mum",
                                 "anna"])
def test_page_is_the_administrators(school, login, who):
    past_year(school, 2019)
    client = login(who)
    assert client.get("/retention/").status_code == 403
    assert client.post("/retention/", data={"confirm": "purge"}).status_code == 403
    assert count(Lesson) == 1


def test_page_purges_only_after_the_word(school, login):
    past_year(school, 2019)
    client = login("admin")
    page = client.get("/retention/")
    assert page.status_code == 200 and "2019/2020" in page.text
    for wrong in ("", "yes", "purg"):
        assert status(client.post("/retention/", data={"confirm": wrong})) == 422
    assert count(Lesson) == 1
    done = client.post("/retention/", data={"confirm": " Purge "})
    assert done.status_code == 303
    assert count(Lesson) == 0 and count(FinalMark) == 2
    assert status(client.post("/retention/", data={"confirm": "purge"})) == 422


def test_limits_count_whole_years_back():
    assert retention.years_before(dt.date(2028, 2, 29), 5) == dt.date(2023, 2, 28)
    assert retention.years_before(dt.date(2026, 11, 23), 25) == dt.date(2001, 11, 23)
