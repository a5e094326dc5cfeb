"""The demo school generator (services/demo.py) and the `flask --app app demo` command."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select

from app import create_app
from extensions import db
from models import (
    AcademicYear,
    Attendance,
    FinalMark,
    Guardian,
    Lesson,
    Mark,
    Person,
    Pupil,
    School,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    TimetableSlot,
    User,
    WorkType,
)
from services import demo
from services.demo_names import KK_FEMALE, KK_MALE, RU_FEMALE, RU_MALE
from services.journal import predicted_mark
from tests.conftest import TODAY, database_url

COUNTED = (School, SchoolClass, Person, Pupil, Guardian, User, SubjectPage, TimetableSlot,
           Lesson, Mark, Attendance, FinalMark)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One small demo school built on TODAY (a Monday in the second quarter), shared."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": database_url(path)})
    with app.app_context():
        db.create_all()
        demo.build_demo(pupils=60, today=TODAY)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def built(demo_app):
    """An app context of the shared demo school, for one test."""
    with demo_app.app_context():
        yield demo_app
        db.session.remove()


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _pupil_of(user: User) -> Pupil:
    return db.session.scalar(select(Pupil).where(Pupil.person_id == user.person_id))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_fixed_accounts_have_their_roles_and_one_password(built):
    expected = {"admin": "admin", "director": "director", "deputy": "deputy",
                "secretary": "secretary", "teacher": "teacher", "classteacher": "teacher",
                "parent": "parent", "pupil": "pupil"}
    for username, role in expected.items():
        user = _user(username)
        assert user is not None and user.role_names == {role}, username
        assert user.locale is None and user.active
    assert _user("deputy").role_scope("deputy") is None
    assert _user("pupil").check_password(demo.PASSWORD)
    hashes = db.session.scalars(select(User.password_hash).distinct()).all()
    assert len(hashes) == 1  # hashed once, shared by every generated account
    scoped = db.session.scalars(select(User).where(User.username != "deputy")).all()
    assert any(u.role_scope("deputy") == "primary" for u in scoped)


def test_family_teacher_and_class_teacher_meet_in_the_pupils_class(built):
    pupil = _pupil_of(_user("pupil"))
    klass = pupil.school_class
    assert (klass.grade, klass.letter, klass.language, klass.period_scheme) == \
        (7, "А", "ru", "quarter")
    children = db.session.scalars(select(Pupil).join(Guardian, Guardian.pupil_id == Pupil.id)
                                  .where(Guardian.person_id == _user("parent").person_id)).all()
    assert pupil in children and len(children) == 2
    assert len({c.class_id for c in children}) == 2
    teacher_pages = _pages_of("teacher")
    assert klass.id in {p.class_id for p in teacher_pages}
    assert len({p.class_id for p in teacher_pages}) >= 3
    classteacher_pages = _pages_of("classteacher")
    assert klass.id in {p.class_id for p in classteacher_pages}
    assert klass.class_teacher.person_id == _user("classteacher").person_id


def _pages_of(username: str) -> list[SubjectPage]:
    person_id = _user(username).person_id
    return db.session.scalars(select(SubjectPage)
                              .where(SubjectPage.teacher.has(person_id=person_id))).all()


def test_every_class_has_a_class_teacher_and_pupils(built):
    classes = db.session.scalars(select(SchoolClass)).all()
    assert len(classes) == 22
    assert all(c.class_teacher_id is not None for c in classes)
    assert {(c.grade, c.letter) for c in classes if c.language == "kk"} == \
        {(1, "Б"), (4, "Б"), (7, "Б"), (10, "Б")}
    assert {c.period_scheme for c in classes if c.grade >= 10} == {"half"}
    assert _count(Pupil) == 60
    assert db.session.scalar(select(func.count()).select_from(Pupil)
                             .where(Pupil.consent_on.is_(None))) == 0


def test_names_follow_the_class_language(built):
    rows = db.session.execute(select(Person, SchoolClass.language, SchoolClass.grade)
                              .join(Pupil, Pupil.person_id == Person.id)
                              .join(SchoolClass, SchoolClass.id == Pupil.class_id)).all()
    for person, language, grade in rows:
        names = (KK_MALE + KK_FEMALE) if language == "kk" else (RU_MALE + RU_FEMALE)
        assert person.first_name in names, person.full_name
        assert person.search_name == person.full_name.casefold()
        age = (dt.date(TODAY.year, 9, 1) - person.birth_date).days / 365.25
        assert grade + 5.9 < age < grade + 7.1
        if language == "ru" and person.sex == "f":
            assert not person.last_name.endswith(("ов", "ев", "ин")), person.full_name
            assert person.patronymic.endswith("на")


def test_grade_one_keeps_attendance_only(built):
    grade1 = (select(Lesson.id).join(SubjectPage, SubjectPage.id == Lesson.page_id)
              .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
              .where(SchoolClass.grade == 1))
    assert db.session.scalar(select(func.count()).where(Mark.lesson_id.in_(grade1))) == 0
    assert db.session.scalar(select(func.count()).select_from(Lesson)
                             .where(Lesson.id.in_(grade1), Lesson.homework != "")) == 0
    assert db.session.scalar(select(func.count()).where(Attendance.lesson_id.in_(grade1))) > 0


def test_lessons_are_dated_relative_to_today(built):
    year = db.session.scalar(select(AcademicYear))
    assert (year.name, year.start_date, year.is_current) == ("2026/2027", dt.date(2026, 9, 1), True)
    first, last = db.session.execute(select(func.min(Lesson.date), func.max(Lesson.date))).one()
    assert first == dt.date(2026, 9, 1) and last == dt.date(2026, 12, 4)  # Friday of next week
    assert db.session.scalar(select(func.count()).select_from(Lesson)
                             .where(Lesson.date > TODAY, Lesson.topic != "")) == 0
    assert db.session.scalar(select(func.count()).select_from(Lesson)
                             .where(Lesson.date == TODAY, Lesson.topic != "")) > 0
    assert db.session.scalar(select(func.max(Lesson.date)).join(Mark)) <= TODAY
    autumn = db.session.scalar(select(func.count()).select_from(Lesson).where(
        Lesson.date.between(dt.date(2026, 10, 26), dt.date(2026, 11, 4))))
    assert autumn == 0  # holidays
    this_week = db.session.scalars(select(Attendance.reason).join(Lesson).where(
        Lesson.date >= TODAY, Attendance.status == "absent")).all()
    assert set(this_week) <= {None}
    assert "illness" in db.session.scalars(select(Attendance.reason)).all()


def test_one_subject_per_cell_and_english_in_subgroups(built):
    cells = db.session.execute(
        select(SubjectPage.class_id, TimetableSlot.weekday, TimetableSlot.lesson_number,
               func.count(func.distinct(SubjectPage.subject_id)))
        .join(SubjectPage, SubjectPage.id == TimetableSlot.page_id)
        .group_by(SubjectPage.class_id, TimetableSlot.weekday, TimetableSlot.lesson_number)).all()
    assert cells and max(c[3] for c in cells) == 1
    english = db.session.scalars(select(SubjectPage)
                                 .where(SubjectPage.subject.has(code="english"))).all()
    assert english and all(p.subgroup_id is not None for p in english)


def test_period_marks_are_rounded_weighted_averages(built):
    q1 = db.session.scalar(select(StudyPeriod).where(StudyPeriod.scheme == "quarter",
                                                     StudyPeriod.number == 1))
    # Classic classes only: a criteria-based class's marks come from its works
    # (tests/test_demo_criteria.py).
    finals = db.session.scalars(select(FinalMark).join(SubjectPage).join(SchoolClass).where(
        FinalMark.period_id == q1.id, SchoolClass.journal_type == "classic")
        .order_by(FinalMark.id).limit(40)).all()
    assert finals
    for final in finals:
        marks = db.session.execute(
            select(Mark.value, WorkType.weight).join(WorkType, WorkType.id == Mark.work_type_id)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .where(Mark.pupil_id == final.pupil_id, Lesson.page_id == final.page_id,
                   Lesson.date.between(q1.start_date, q1.end_date))).all()
        if not marks:
            assert final.special == "na"
            continue
        average = sum(v * w for v, w in marks) / sum(w for _v, w in marks)
        assert final.value == predicted_mark(average)
    assert db.session.scalar(select(func.count()).select_from(FinalMark)
                             .where(FinalMark.period_id != q1.id)) == 0  # Q2 has not ended


def test_build_refuses_a_tiny_school(app):
    with pytest.raises(ValueError):
        demo.build_demo(pupils=5, today=TODAY)


def _counts() -> dict[str, int]:
    return {m.__tablename__: _count(m) for m in COUNTED}


def test_command_refuses_data_resets_and_skips(app):
    runner = app.test_cli_runner()
    args = ["demo", "--pupils", "30", "--weeks", "2", "--seed", "3"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "demo-password" in first.output and "classteacher" in first.output
    counts, usernames = _counts(), sorted(db.session.scalars(select(User.username)))
    assert counts["pupil"] == 30 and counts["lesson"] > 0

    refused = runner.invoke(args=args)
    assert refused.exit_code == 1 and "--reset" in refused.output

    skipped = runner.invoke(args=["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "already has data" in skipped.output
    assert "pupil" in skipped.output and _counts() == counts

    again = runner.invoke(args=[*args, "--reset"])
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert _counts() == counts
    assert sorted(db.session.scalars(select(User.username))) == usernames

    both = runner.invoke(args=["demo", "--reset", "--if-empty"])
    assert both.exit_code == 2


def test_command_migrates_an_empty_database(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp_path / "new.sqlite3")})
    result = app.test_cli_runner().invoke(args=["demo", "--pupils", "22", "--weeks", "1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        assert demo.has_data()
        accounts = app.test_cli_runner().invoke(args=["demo", "--accounts"])
        assert [a.username for a in demo.demo_accounts()] == list(demo.FIXED_ACCOUNTS)
    assert accounts.exit_code == 0 and "director" in accounts.output


def test_the_demo_calendar_holds_its_vacations_and_its_lessons_fall_on_school_days(built):
    """The demo enters its vacations and holidays as a school would (issue 16), and the
    lessons it writes are all on school days of services.calendar."""
    from models import CurriculumHours, Holiday, PageTeacher
    from services.calendar import load_calendar

    year = db.session.scalar(select(AcademicYear))
    calendar = load_calendar(year)
    assert db.session.scalar(select(func.count()).select_from(Holiday).where(
        Holiday.kind == "vacation")) == 3
    days = db.session.scalars(select(Lesson.date).distinct()).all()
    assert days and all(calendar.is_school_day(day) for day in days)
    autumn = db.session.scalar(select(Holiday).order_by(Holiday.start_date))
    assert not calendar.is_school_day(autumn.start_date + dt.timedelta(days=2))
    pages = db.session.scalar(select(func.count()).select_from(SubjectPage))
    assert db.session.scalar(select(func.count()).select_from(PageTeacher)) == pages
    assert db.session.scalar(select(func.count()).select_from(CurriculumHours)) > 11
