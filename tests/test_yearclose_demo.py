"""The year close on the demo school (issue 16): the check and excuses, the dry run, apply
(old marks readable and unchangeable by every route, every pupil in the right class,
graduates without one, the new year's journal empty) and an undo that restores every row."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, func, select

from app import create_app
from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Enrolment,
    FinalMark,
    Lesson,
    Mark,
    Promotion,
    Pupil,
    School,
    SchoolClass,
    Staff,
    StudyPeriod,
    SubjectPage,
    User,
    WorkType,
    YearClose,
)
from services import demo, yearclose
from tests.conftest import FreshSessionClient
from tests.fragments import status

AFTER = dt.date(2027, 6, 2)  # the demo year 2026/2027 has ended
ORDER = ("42-у", dt.date(2027, 6, 1))
# Rows the close adds for good (its own record, the audit trail) or a sign-in touches.
NOT_RESTORED = {"year_close", "audit_event", "login_attempt", "user", "diary_visit"}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The smallest demo with every grade 1-11, its whole year of lessons filled."""
    path = tmp_path_factory.mktemp("yearclose") / "demo.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        demo.build_demo(pupils=30, today=AFTER)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def app(demo_file, tmp_path, monkeypatch):
    """A copy of the demo for one test, on the school's clock in June."""
    monkeypatch.setattr("services.clock.today", lambda: AFTER)
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_file, path)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    app.test_client_class = FreshSessionClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _year() -> AcademicYear:
    return db.session.scalar(select(AcademicYear).where(AcademicYear.name == "2026/2027"))


def dump(skip=NOT_RESTORED) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key."""
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name not in skip:
            out[table.name] = [tuple(r) for r in db.session.execute(
                select(table).order_by(*table.primary_key.columns))]
    return out


def _diff(old: dict, new: dict) -> list[str]:
    lines = []
    for name in old:
        gone, added = set(old[name]) - set(new[name]), set(new[name]) - set(old[name])
        lines += [f"{name} - {row}" for row in sorted(gone, key=str)[:3]]
        lines += [f"{name} + {row}" for row in sorted(added, key=str)[:3]]
    return lines


def _unmark_two() -> list[tuple[int, int]]:
    """Take away two year marks (5 «А» and 11 «Б»): the check must find them."""
    gone = []
    for grade, letter in ((5, "А"), (11, "Б")):
        mark = db.session.scalar(
            select(FinalMark).join(SubjectPage, SubjectPage.id == FinalMark.page_id)
            .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
            .where(SchoolClass.grade == grade, SchoolClass.letter == letter,
                   FinalMark.kind == "year").order_by(FinalMark.id).limit(1))
        gone.append((mark.page_id, mark.pupil_id))
        db.session.execute(delete(FinalMark).where(FinalMark.id == mark.id))
    db.session.commit()
    return gone


def _classes_by_pupil() -> dict[int, SchoolClass | None]:
    classes = {c.id: c for c in db.session.scalars(select(SchoolClass))}
    return {p.id: classes.get(p.class_id) for p in db.session.scalars(select(Pupil))}


def test_the_year_closes_and_undoes_to_the_exact_state(app):
    year = _year()
    assert yearclose.check(year) == []
    gone = _unmark_two()
    assert [(m.page_id, m.pupil_id) for m in yearclose.check(year)] == gone
    with pytest.raises(yearclose.YearCloseError):
        yearclose.apply(_user("admin"), year, *ORDER)
    db.session.rollback()
    for page_id, pupil_id in gone:
        yearclose.record_excuse(_user("deputy"), db.session.get(SubjectPage, page_id),
                                db.session.get(Pupil, pupil_id), "Studied at home")
    db.session.commit()
    assert yearclose.check(year) == []

    before_classes = _classes_by_pupil()
    def first_of(name: str) -> int:
        return next(pid for pid, c in before_classes.items() if c and c.name == name)

    pupils_11 = [pid for pid, c in before_classes.items() if c and c.grade == 11]
    repeater, conditional, leaver = first_of("5 «А»"), first_of("9 «Б»"), first_of("6 «А»")
    exceptions = {repeater: ("repeats", "ill for months"), conditional: ("conditional", ""),
                  leaver: ("transferred", "moved to Almaty")}
    rows = dump()
    plan = yearclose.dry_run(year, *ORDER, exceptions)
    assert dump() == rows  # the dry run writes nothing
    assert plan.counts["graduated"] == len(pupils_11) > 0
    assert plan.counts["repeats"] == plan.counts["transferred"] == 1

    close = yearclose.apply(_user("admin"), year, *ORDER, exceptions)
    db.session.commit()
    new_year = db.session.get(AcademicYear, close.new_year_id)
    assert _year().closed and new_year.is_current and new_year.name == "2027/2028"
    after = _classes_by_pupil()
    for pid, old in before_classes.items():
        new = after[pid]
        if old is None:
            assert new is None
        elif pid == repeater:
            assert (new.year_id, new.name) == (new_year.id, old.name)
        elif pid == leaver or old.grade == 11:
            assert new is None and db.session.get(Pupil, pid).left_on == year.end_date
        else:
            assert (new.year_id, new.grade, new.letter) == (new_year.id, old.grade + 1, old.letter)
            assert new.language == old.language and new.class_teacher_id == old.class_teacher_id
    assert after[first_of("9 «А»")].period_scheme == "half"  # 10th grades follow half-years
    assert db.session.scalar(select(Promotion.outcome).where(
        Promotion.pupil_id == conditional)) == "conditional"
    assert db.session.scalar(select(func.count()).select_from(SubjectPage).where(
        SubjectPage.year_closed_on.is_(None))) == 0
    new_pages = select(SubjectPage.id).join(SchoolClass, SchoolClass.id == SubjectPage.class_id) \
        .where(SchoolClass.year_id == new_year.id)
    assert db.session.scalar(select(func.count()).select_from(new_pages.subquery())) == 0
    assert db.session.scalar(select(func.count()).select_from(StudyPeriod).where(
        StudyPeriod.year_id == new_year.id)) == 6

    yearclose.undo(_user("admin"), close)
    db.session.commit()
    restored = dump()
    assert _diff(rows, restored) == [] and restored == rows
    assert db.session.get(YearClose, close.id).state == "undone"


def _login(client, username: str):
    client.post("/logout")
    response = client.post("/login", data={"username": username, "password": demo.PASSWORD})
    assert response.status_code == 302, username
    return client


def _teacher_page() -> tuple[SubjectPage, Lesson, Mark]:
    """A page of the demo's "teacher" in a grade with marks, a lesson of it and a mark."""
    staff = db.session.scalar(select(Staff).where(Staff.person_id == _user("teacher").person_id))
    mark, lesson, page = db.session.execute(
        select(Mark, Lesson, SubjectPage).join(Lesson, Lesson.id == Mark.lesson_id)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(SubjectPage.teacher_id == staff.id, SubjectPage.subgroup_id.is_(None))
        .order_by(Lesson.date.desc()).limit(1)).one()
    return page, lesson, mark


def test_old_marks_stay_readable_and_no_route_changes_them(app):
    page, lesson, mark = _teacher_page()
    period = db.session.scalar(select(StudyPeriod).where(
        StudyPeriod.year_id == page.school_class.year_id,
        StudyPeriod.scheme == page.school_class.period_scheme).order_by(
        StudyPeriod.number.desc()).limit(1))
    school = db.session.scalar(select(School))
    # Long edit windows: only the closed year can refuse these saves.
    school.lock_days_current = school.lock_days_control = school.lock_days_essay = 60
    school.lock_days_final = 60
    yearclose.apply(_user("admin"), _year(), *ORDER)
    db.session.commit()
    journal = ("mark", "attendance", "final_mark", "lesson")
    rows = {k: v for k, v in dump().items() if k in journal}
    client = _login(app.test_client(), "teacher")
    grid = client.get(f"/journal/pages/{page.id}?period={period.id}")
    name = db.session.get(Pupil, mark.pupil_id).person.last_name
    assert grid.status_code == 200 and name in grid.get_data(as_text=True)
    pupil, value = str(mark.pupil_id), str(mark.value)
    other_type = db.session.scalar(select(WorkType.id).where(
        WorkType.id != (lesson.work_type_id or 0), WorkType.code != "lesson").limit(1))
    posts = [
        (f"/journal/lessons/{lesson.id}/cell", {"pupil": pupil, "value": "2", "old": value}),
        (f"/journal/lessons/{lesson.id}/attendance", {"absent": [pupil]}),
        (f"/journal/lessons/{lesson.id}/fill", {"value": "5"}),
        (f"/lessons/{lesson.id}/marks", {f"cell-{pupil}": "2", f"old-{pupil}": value}),
        (f"/lessons/{lesson.id}", {"topic": "Rewritten", "homework": "new"}),
        (f"/journal/pages/{page.id}/final", {"pupil": pupil, "kind": "year",
                                             "period": str(period.id), "value": "2"}),
        (f"/journal/pages/{page.id}/final", {"pupil": pupil, "kind": "period",
                                             "period": str(period.id), "value": "2"}),
        (f"/journal/lessons/{lesson.id}/work-type", {"work_type": str(other_type)}),
        (f"/journal/pages/{page.id}/finals?period={period.id}", {f"year-{pupil}": "2",
                                                                 f"period-{pupil}": "2"}),
        (f"/pages/{page.id}/lessons/new", {"day": "2027-05-25", "number": "8"}),
    ]
    for url, data in posts:
        answer = client.post(url, data=data, headers={"HX-Request": "true"})
        assert status(answer) in (403, 409, 422), (url, status(answer))
    assert {k: v for k, v in dump().items() if k in journal} == rows
    _reasons_refused(app, rows)
    deputy = _login(app.test_client(), "deputy")
    assert deputy.get(f"/journal/pages/{page.id}?period={period.id}").status_code == 200


def _reasons_refused(app, rows) -> None:
    """The class teacher cannot give the old year's absences a reason either."""
    staff = db.session.scalar(select(Staff).where(
        Staff.person_id == _user("classteacher").person_id))
    absence, day, class_id = db.session.execute(
        select(Attendance, Lesson.date, SchoolClass.id).join(Lesson, Lesson.id ==
                                                             Attendance.lesson_id)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .where(SchoolClass.class_teacher_id == staff.id, Attendance.status == "absent")
        .limit(1)).one()
    client = _login(app.test_client(), "classteacher")
    for url, data in ((f"/classes/{class_id}/attendance/{absence.id}", {"reason": "family"}),
                      (f"/classes/{class_id}/attendance/day",
                       {"reason": "family", "pupil_id": absence.pupil_id, "day": str(day)})):
        answer = client.post(url, data=data, headers={"HX-Request": "true"})
        assert status(answer) in (400, 403, 409, 422), (url, status(answer))
    assert {k: v for k, v in dump().items() if k in rows} == rows


def test_undo_is_refused_once_the_new_year_has_attendance(app):
    close = yearclose.apply(_user("admin"), _year(), *ORDER)
    db.session.commit()
    pupil = db.session.scalar(select(Pupil).where(Pupil.class_id.is_not(None)).limit(1))
    teacher = db.session.scalar(select(Staff.id).limit(1))
    page = SubjectPage(class_id=pupil.class_id, subject_id=1, teacher_id=teacher)
    db.session.add(page)
    db.session.flush()
    lesson = Lesson(page_id=page.id, date=dt.date(2027, 9, 1))
    db.session.add(lesson)
    db.session.flush()
    assert yearclose.undo_refusal(close) is None
    db.session.add(Attendance(lesson_id=lesson.id, pupil_id=pupil.id))
    db.session.commit()
    with force_locale("en"):
        assert "no longer be undone" in yearclose.undo_refusal(close)
    with pytest.raises(yearclose.YearCloseError):
        yearclose.undo(_user("admin"), close)
    assert db.session.get(Enrolment, close.before["created"]["enrolments"][0]) is not None
