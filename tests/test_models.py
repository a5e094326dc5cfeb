"""The database refuses bad data by itself, not only through forms."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Attendance, FinalMark, Mark, SchoolClass, User, UserRole, WorkType


def _fails(obj) -> None:
    db.session.add(obj)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def lesson(school):
    lesson = school.builder.lesson(school.maths5, dt.date(2026, 11, 20))
    db.session.commit()
    return lesson


def test_mark_value_range_is_checked(school, lesson):
    wt = school.builder.work_types["lesson"]
    for bad in (0, 11, -1):
        _fails(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=bad, work_type_id=wt.id))


def test_two_marks_per_lesson_at_most_and_not_twice_in_a_place(school, lesson):
    wt = school.builder.work_types["lesson"].id
    db.session.add_all([
        Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=5, position=1, work_type_id=wt),
        Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=4, position=2, work_type_id=wt),
    ])
    db.session.commit()
    _fails(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=3, position=1,
                work_type_id=wt))
    _fails(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=3, position=3,
                work_type_id=wt))


def test_foreign_keys_are_enforced(school, lesson):
    _fails(Mark(lesson_id=lesson.id, pupil_id=99999, value=5,
                work_type_id=school.builder.work_types["lesson"].id))


def test_attendance_status_and_reason_are_checked(school, lesson):
    _fails(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id, status="asleep"))
    _fails(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id, reason="weather"))
    db.session.add(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id, reason="illness"))
    db.session.commit()
    _fails(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id))


def test_final_mark_is_a_number_or_a_special_never_both(school):
    period = school.builder.periods[0]
    base = {"page_id": school.maths5.id, "pupil_id": school.anna.id, "period_id": period.id}
    _fails(FinalMark(**base, value=5, special="na"))
    _fails(FinalMark(**base))
    _fails(FinalMark(**base, special="great"))  # not a special (and fits the column)
    # A period mark needs its period; a year mark must not have one.
    _fails(FinalMark(page_id=school.maths5.id, pupil_id=school.anna.id, kind="period", value=4))
    _fails(FinalMark(**base, kind="year", value=4))


def test_one_year_mark_per_pupil_and_page(school):
    row = {"page_id": school.maths5.id, "pupil_id": school.anna.id, "kind": "year"}
    db.session.add(FinalMark(**row, value=5))
    db.session.commit()
    _fails(FinalMark(**row, value=4))


def test_class_grade_and_work_type_weight_are_checked(school):
    _fails(SchoolClass(year_id=school.builder.year.id, grade=13, letter="А"))
    _fails(SchoolClass(year_id=school.builder.year.id, grade=5, letter="А"))  # duplicate 5 «А»
    _fails(WorkType(code="x", name_ru="x", name_kk="x", weight=11))


def test_roles_are_a_closed_list_and_unique_per_user(school):
    user = db.session.scalar(db.select(User).where(User.username == "teacher"))
    _fails(UserRole(user_id=user.id, role="superuser"))
    _fails(UserRole(user_id=user.id, role="teacher"))


def test_passwords_are_hashed_with_a_kdf(school):
    user = db.session.scalar(db.select(User).where(User.username == "teacher"))
    user.set_password("correct horse battery")
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse" not in user.password_hash
    assert user.check_password("correct horse battery")
    assert not user.check_password("Correct horse battery")


def test_person_names(school):
    assert school.anna.person.short_name == "Антонова А."
    assert school.anna.person.search_name == "антонова анна"


def test_no_marks_grades_setting(school):
    school.builder.school.no_marks_grades = "1, 2"
    assert school.builder.school.no_marks_grade_set() == {1, 2}
