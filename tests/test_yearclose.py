"""The year close rules (services/yearclose) on the tiny school: the check and excuses, the
dry run, apply, undo and their refusals."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import (
    AcademicYear,
    AuditEvent,
    Enrolment,
    FinalMark,
    Holiday,
    Lesson,
    Mark,
    MarkExcuse,
    Promotion,
    Pupil,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    YearClose,
)
from services import yearclose
from services.yearclose import YearCloseError

AFTER = dt.date(2027, 6, 3)  # after the tiny school's last quarter (26 May 2027)
ORDER = ("15-у", dt.date(2027, 6, 1))


@pytest.fixture
def closing(school, monkeypatch):
    """The tiny school in June, after the year's end."""
    monkeypatch.setattr("services.clock.today", lambda: AFTER)
    return school


def _year_marks(s, skip=()):
    for page in (s.maths5, s.maths6, s.lit5, s.lit10):
        pupils = db.session.scalars(select(Pupil).where(Pupil.class_id == page.class_id))
        for pupil in pupils:
            if (page.id, pupil.id) not in skip:
                db.session.add(FinalMark(page_id=page.id, pupil_id=pupil.id, kind="year",
                                         value=4))
    db.session.flush()


def test_check_lists_every_missing_year_mark(closing):
    s = closing
    missing = yearclose.check(s.builder.year)
    assert len(missing) == 6  # 5 «А»: 2 pages x 2 pupils; 6 «Б» and 10 «А»: 1 each
    assert {(m.class_name, m.pupil_id) for m in missing} >= {("5 «А»", s.anna.id)}
    _year_marks(s, skip={(s.maths5.id, s.anna.id)})
    missing = yearclose.check(s.builder.year)
    assert [(m.page_id, m.pupil_id) for m in missing] == [(s.maths5.id, s.anna.id)]
    assert missing[0].subject("kk") == "Математика" and missing[0].pupil_name == "Антонова Анна"


def test_no_marks_grades_need_no_year_marks(closing):
    s = closing
    _year_marks(s)
    first = s.builder.school_class(1, "А")
    s.builder.pupil(first, "Первая", "Ира")
    s.builder.page(first, s.maths, s.t_staff)
    assert yearclose.check(s.builder.year) == []
    s.builder.school.no_marks_grades = ""
    assert len(yearclose.check(s.builder.year)) == 1


def test_a_pupil_who_left_before_the_end_needs_no_mark(closing):
    s = closing
    _year_marks(s, skip={(s.maths5.id, s.vera.id), (s.lit5.id, s.vera.id)})
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.pupil_id == s.vera.id))
    enrolment.end_date = dt.date(2027, 5, 25)  # the day before the last quarter ends
    assert yearclose.check(s.builder.year) == []
    enrolment.end_date = dt.date(2027, 5, 26)  # on the page on the last day: needs a mark
    assert len(yearclose.check(s.builder.year)) == 2


def test_an_excuse_removes_the_line_and_is_audited(closing):
    s = closing
    _year_marks(s, skip={(s.maths5.id, s.anna.id)})
    excuse = yearclose.record_excuse(s.deputy, s.maths5, s.anna, "  Arrived in May  ")
    assert excuse.reason == "Arrived in May" and yearclose.check(s.builder.year) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "mark_excuse")) == 1
    yearclose.record_excuse(s.admin, s.maths5, s.anna, "Studied at home")
    assert db.session.scalar(select(func.count()).select_from(MarkExcuse)) == 1
    yearclose.remove_excuse(s.admin, excuse)
    assert len(yearclose.check(s.builder.year)) == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_an_excuse_needs_a_short_reason(closing, reason):
    s = closing
    with pytest.raises(YearCloseError) as error:
        yearclose.record_excuse(s.deputy, s.maths5, s.anna, reason)
    assert error.value.field == "reason"
    assert db.session.scalar(select(func.count()).select_from(MarkExcuse)) == 0


def test_an_excuse_is_refused_off_the_page_or_with_a_mark(closing):
    s = closing
    with pytest.raises(YearCloseError):
        yearclose.record_excuse(s.deputy, s.maths6, s.anna, "not on it")
    _year_marks(s)
    with pytest.raises(YearCloseError):
        yearclose.record_excuse(s.deputy, s.maths5, s.anna, "has one")
    assert db.session.scalar(select(func.count()).select_from(MarkExcuse)) == 0


def test_dry_run_plans_without_writing(closing):
    s = closing
    counts = _counts()
    plan = yearclose.dry_run(s.builder.year, *ORDER, {s.vera.id: ("repeats", "")})
    assert _counts() == counts
    assert plan.counts == {"promoted": 3, "repeats": 1}
    by_pupil = {p.pupil_id: p for p in plan.pupils}
    assert by_pupil[s.anna.id].to_key == (6, "А") and by_pupil[s.vera.id].to_key == (5, "А")
    assert by_pupil[s.senior.id].to_key == (11, "А")
    assert plan.new_year_name == "2027/2028" and plan.new_start == dt.date(2027, 9, 1)
    names = [c.name for c in plan.new_classes]
    assert names == ["5 «А»", "6 «А»", "7 «Б»", "11 «А»"]
    new = {c.name: c for c in plan.new_classes}
    assert new["6 «А»"].class_teacher_id == s.ct_staff.id
    assert new["5 «А»"].class_teacher_id is None  # made for a repeater alone


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (AcademicYear, SchoolClass, Enrolment, Promotion, YearClose, StudyPeriod)}


@pytest.mark.parametrize("order_no, order_date, field", [
    ("", dt.date(2027, 6, 1), "order_no"), ("   ", dt.date(2027, 6, 1), "order_no"),
    ("1" * 41, dt.date(2027, 6, 1), "order_no"), ("15", None, "order_date"),
    ("15", dt.date(2027, 6, 4), "order_date")])
def test_dry_run_and_apply_need_the_order(closing, order_no, order_date, field):
    s = closing
    _year_marks(s)
    for run in (yearclose.dry_run, lambda *a: yearclose.apply(s.admin, *a)):
        with pytest.raises(YearCloseError) as error:
            run(s.builder.year, order_no, order_date)
        assert error.value.field == field
    assert not s.builder.year.closed


def test_bad_exceptions_are_refused(closing):
    s = closing
    year = s.builder.year
    for exceptions in ({s.anna.id: ("expelled", "")}, {999: ("repeats", "")},
                       {s.anna.id: ("repeats", "x" * 201)}):
        with pytest.raises(YearCloseError) as error:
            yearclose.dry_run(year, *ORDER, exceptions)
        assert error.value.field == "exceptions"
    with pytest.raises(YearCloseError):  # a senior of the last grade cannot be "conditional"
        yearclose.dry_run(year, *ORDER, {s.senior.id: ("conditional", "")}, last_grade=10)
    plan = yearclose.dry_run(year, *ORDER, last_grade=10)
    assert {p.pupil_id: p.outcome for p in plan.pupils}[s.senior.id] == "graduated"


def test_the_year_cannot_close_before_its_last_period_ends(school, monkeypatch):
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2027, 5, 25))
    with pytest.raises(YearCloseError):
        yearclose.dry_run(school.builder.year, "15", dt.date(2027, 5, 20))
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2027, 5, 26))
    assert yearclose.dry_run(school.builder.year, "15", dt.date(2027, 5, 20)).counts


def test_apply_refuses_missing_marks_and_writes_nothing(closing):
    s = closing
    _year_marks(s, skip={(s.lit10.id, s.senior.id)})
    db.session.commit()
    counts = _counts()
    with pytest.raises(YearCloseError, match="1 year mark is missing"), force_locale("en"):
        yearclose.apply(s.admin, s.builder.year, *ORDER)
    db.session.rollback()
    assert _counts() == counts and not db.session.get(AcademicYear, s.builder.year.id).closed
    yearclose.record_excuse(s.deputy, s.lit10, s.senior, "Exempt")
    assert yearclose.apply(s.admin, s.builder.year, *ORDER).state == "applied"


def test_apply_closes_the_year_and_moves_everyone(closing):
    s = closing
    year = s.builder.year
    year.fo_weight, year.sor_weight, year.soch_weight = 25, 25, 50
    s.c5.journal_type = "criteria"  # its marks are in place: the type is the school's choice
    db.session.add(Holiday(year_id=year.id, name="Winter", start_date=dt.date(2026, 12, 29),
                           end_date=dt.date(2027, 1, 11)))
    _year_marks(s)
    close = yearclose.apply(s.admin, year, *ORDER, {s.vera.id: ("repeats", "ill"),
                                                   s.boris.id: ("transferred", "moved away")},
                            last_grade=10)
    db.session.commit()
    new = db.session.get(AcademicYear, close.new_year_id)
    assert year.closed and not year.is_current and new.is_current and not new.closed
    assert (new.name, new.start_date, new.end_date) == (
        "2027/2028", dt.date(2027, 9, 1), dt.date(2028, 5, 31))
    periods = db.session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == new.id)
                                 .order_by(StudyPeriod.number)).all()
    assert [(p.start_date, p.end_date) for p in periods][0] == (dt.date(2027, 9, 1),
                                                               dt.date(2027, 10, 24))
    assert db.session.scalar(select(Holiday.id).where(Holiday.year_id == new.id)) is None
    pages = db.session.scalars(select(SubjectPage)).all()
    assert {p.year_closed_on for p in pages} == {AFTER}
    classes = {c.id: c for c in db.session.scalars(select(SchoolClass)
                                                   .where(SchoolClass.year_id == new.id))}
    anna, vera = db.session.get(Pupil, s.anna.id), db.session.get(Pupil, s.vera.id)
    assert classes[anna.class_id].name == "6 «А»"
    assert classes[anna.class_id].class_teacher_id == s.ct_staff.id
    assert classes[anna.class_id].journal_type == "criteria"  # the new 6 «А» keeps the journal
    assert (new.fo_weight, new.sor_weight, new.soch_weight) == (25, 25, 50)
    assert classes[vera.class_id].name == "5 «А»"
    for leaver in (s.boris, s.senior):
        pupil = db.session.get(Pupil, leaver.id)
        assert pupil.class_id is None and pupil.left_on == year.end_date
    reasons = dict(db.session.execute(select(Enrolment.pupil_id, Enrolment.end_reason)
                                      .where(Enrolment.class_id.in_(
                                          [s.c5.id, s.c6.id, s.c10.id]))).all())
    assert reasons == {s.anna.id: "moved", s.vera.id: "moved", s.boris.id: "transfer",
                       s.senior.id: "graduation"}
    opened = db.session.scalars(select(Enrolment).where(Enrolment.class_id.in_(classes))).all()
    assert {(e.pupil_id, e.start_date, e.order_no) for e in opened} == {
        (s.anna.id, new.start_date, "15-у"), (s.vera.id, new.start_date, "15-у")}
    outcomes = dict(db.session.execute(select(Promotion.pupil_id, Promotion.outcome)).all())
    assert outcomes == {s.anna.id: "promoted", s.vera.id: "repeats",
                        s.boris.id: "transferred", s.senior.id: "graduated"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "pupil.promotion")) == 4
    with pytest.raises(YearCloseError):  # closed once
        yearclose.apply(s.admin, year, *ORDER)


def test_undo_is_refused_after_a_mark_of_the_new_year(closing):
    s = closing
    _year_marks(s)
    close = yearclose.apply(s.admin, s.builder.year, *ORDER)
    db.session.commit()
    anna = db.session.get(Pupil, s.anna.id)
    page = s.builder.page(anna.school_class, s.maths, s.t_staff)
    lesson = s.builder.lesson(page, dt.date(2027, 9, 2))
    assert yearclose.undo_refusal(close) is None  # a page and a lesson are not entries
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=anna.id, value=5,
                        work_type_id=s.builder.work_types["lesson"].id))
    db.session.flush()
    assert yearclose.undo_refusal(close)
    with pytest.raises(YearCloseError):
        yearclose.undo(s.admin, close)


def test_undo_removes_later_empty_pages_and_lessons(closing):
    s = closing
    _year_marks(s)
    close = yearclose.apply(s.admin, s.builder.year, *ORDER)
    anna = db.session.get(Pupil, s.anna.id)
    page = s.builder.page(anna.school_class, s.maths, s.t_staff)
    s.builder.lesson(page, dt.date(2027, 9, 2))
    yearclose.undo(s.admin, close)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0
    assert db.session.get(Pupil, s.anna.id).class_id == s.c5.id
    assert close.state == "undone" and close.new_year_id is None
    assert yearclose.undo_refusal(close)


def test_undo_into_a_year_opened_beforehand_keeps_that_year(closing):
    s = closing
    _year_marks(s)
    ahead = AcademicYear(name="2027/2028", start_date=dt.date(2027, 9, 1),
                         end_date=dt.date(2028, 5, 31))
    db.session.add(ahead)
    db.session.flush()
    db.session.add(SchoolClass(year_id=ahead.id, grade=1, letter="А"))
    six = SchoolClass(year_id=ahead.id, grade=6, letter="А", class_teacher_id=s.other_staff.id)
    db.session.add(six)
    db.session.commit()
    close = yearclose.apply(s.admin, s.builder.year, *ORDER)
    assert close.new_year_id == ahead.id
    assert db.session.get(Pupil, s.anna.id).class_id == six.id
    yearclose.undo(s.admin, close)
    db.session.commit()
    assert db.session.get(AcademicYear, ahead.id) is not None
    assert {c.name for c in db.session.scalars(select(SchoolClass).where(
        SchoolClass.year_id == ahead.id))} == {"1 «А»", "6 «А»"}
    assert db.session.get(AcademicYear, s.builder.year.id).is_current


def test_undo_is_refused_after_a_new_pupil_or_a_later_close(closing):
    s = closing
    _year_marks(s)
    close = yearclose.apply(s.admin, s.builder.year, *ORDER)
    six = db.session.get(Pupil, s.anna.id).school_class
    newcomer = s.builder.person("Новая", "Нина")
    pupil = Pupil(person_id=newcomer.id, class_id=six.id)
    db.session.add(pupil)
    db.session.flush()
    db.session.add(Enrolment(pupil_id=pupil.id, class_id=six.id, start_date=dt.date(2027, 9, 1)))
    db.session.flush()
    with force_locale("en"):
        assert "enrolled" in yearclose.undo_refusal(close)
    with pytest.raises(YearCloseError):
        yearclose.undo(s.admin, close)
    assert db.session.get(Pupil, s.anna.id).class_id == six.id
    later = YearClose(year_id=close.new_year_id, order_no="1", order_date=AFTER,
                      applied_by=s.admin.id, before={})
    db.session.add(later)
    db.session.flush()
    with force_locale("en"):
        assert "later" in yearclose.undo_refusal(close)
