"""Small, explicit builders for test data: a school of a few people, not the demo."""
from __future__ import annotations

import datetime as dt
from functools import cache
from types import SimpleNamespace

from werkzeug.security import generate_password_hash

from extensions import db
from models import (
    AcademicYear,
    Consent,
    ConsentText,
    Enrolment,
    Guardian,
    Lesson,
    Person,
    Pupil,
    School,
    SchoolClass,
    Staff,
    StudyPeriod,
    Subject,
    SubjectPage,
    SummativeWork,
    User,
    UserRole,
    WorkPoints,
    WorkType,
)

PASSWORD = "test-password"


@cache
def password_hash() -> str:
    """Hash the test password once: scrypt per user would slow the suite down."""
    return generate_password_hash(PASSWORD, method="scrypt")


class Builder:
    """Creates rows with sensible defaults; every method flushes and returns the object."""

    def __init__(self, today: dt.date):
        self.today = today
        self.school = self._add(School(name="Школа № 1", short_name="Школа № 1"))
        start = dt.date(today.year if today.month >= 8 else today.year - 1, 9, 1)
        self.year = self._add(AcademicYear(name=f"{start.year}/{start.year + 1}", start_date=start,
                                           end_date=dt.date(start.year + 1, 5, 31),
                                           is_current=True))
        self.periods = [self._add(StudyPeriod(year_id=self.year.id, scheme="quarter", number=n,
                                              start_date=s, end_date=e))
                        for n, (s, e) in enumerate(_quarters(start.year), start=1)]
        self.work_types = {
            code: self._add(WorkType(code=code, name_ru=ru, name_kk=kk, weight=w, lock_rule=rule))
            for code, ru, kk, w, rule in (
                ("lesson", "Работа на уроке", "Сабақтағы жұмыс", 3, "current"),
                ("homework", "Домашняя работа", "Үй жұмысы", 1, "current"),
                ("control", "Контрольная работа", "Бақылау жұмысы", 5, "control"),
                ("essay", "Сочинение", "Шығарма", 4, "essay"),
            )}
        self._n = 0

    def _add(self, obj):
        db.session.add(obj)
        db.session.flush()
        return obj

    def person(self, last: str, first: str, sex: str = "f") -> Person:
        self._n += 1
        person = Person(last_name=last, first_name=first, patronymic="", sex=sex)
        person.refresh_search_name()
        return self._add(person)

    def user(self, username: str, person: Person, *roles: str, scope: str | None = None) -> User:
        user = User(username=username, password_hash=password_hash(), person_id=person.id,
                    issued_at=dt.datetime(2026, 8, 25, 9, 0))
        user.roles = [UserRole(role=r, scope=scope if r == "deputy" else None) for r in roles]
        return self._add(user)

    def staff(self, username: str, *roles: str, last: str = "Учителева",
              scope: str | None = None) -> tuple[Staff, User]:
        person = self.person(last, username.capitalize())
        staff = self._add(Staff(person_id=person.id, position=""))
        return staff, self.user(username, person, *roles, scope=scope)

    def school_class(self, grade: int, letter: str = "А", teacher: Staff | None = None,
                     language: str = "ru") -> SchoolClass:
        return self._add(SchoolClass(year_id=self.year.id, grade=grade, letter=letter,
                                     language=language,
                                     period_scheme="quarter" if grade <= 9 else "half",
                                     class_teacher_id=teacher.id if teacher else None))

    def pupil(self, school_class: SchoolClass, last: str, first: str,
              username: str | None = None) -> Pupil:
        person = self.person(last, first)
        pupil = self._add(Pupil(person_id=person.id, class_id=school_class.id,
                                enrolled_on=self.year.start_date, consent_on=self.year.start_date))
        self._add(Enrolment(pupil_id=pupil.id, class_id=school_class.id,
                            start_date=self.year.start_date))
        self.consent(pupil, person)
        if username:
            self.user(username, person, "pupil")
        return pupil

    def consent(self, pupil: Pupil, giver: Person, on: dt.date | None = None) -> Consent:
        """A consent in force for the pupil, recorded by the first user (before any: none)."""
        if getattr(self, "_consent_text", None) is None:
            self._consent_text = self._add(ConsentText(version="test-1", text_ru="Согласие",
                                                       text_kk="Келісім"))
        recorder = db.session.scalar(db.select(db.func.min(User.id)))
        return self._add(Consent(pupil_id=pupil.id, giver_id=giver.id,
                                 text_id=self._consent_text.id,
                                 given_on=on or self.year.start_date, recorded_by=recorder))

    def parent(self, username: str, *children: Pupil) -> User:
        person = self.person("Родителева", username.capitalize())
        for child in children:
            self._add(Guardian(person_id=person.id, pupil_id=child.id, relation="mother"))
        return self.user(username, person, "parent")

    def subject(self, code: str, ru: str, kk: str) -> Subject:
        return self._add(Subject(code=code, name_ru=ru, name_kk=kk))

    def page(self, school_class: SchoolClass, subject: Subject, teacher: Staff) -> SubjectPage:
        return self._add(SubjectPage(class_id=school_class.id, subject_id=subject.id,
                                     teacher_id=teacher.id, hours_per_week=3))

    def lesson(self, page: SubjectPage, day: dt.date, number: int = 1, **kw) -> Lesson:
        return self._add(Lesson(page_id=page.id, date=day, lesson_number=number, **kw))

    def work(self, page: SubjectPage, kind: str, day: dt.date, max_points: int,
             points: dict | None = None, name: str | None = None) -> SummativeWork:
        """A СОР or СОЧ on a criteria-based page, with points by pupil (id or Pupil)."""
        period = next(p for p in self.periods if p.start_date <= day <= p.end_date)
        work = self._add(SummativeWork(page_id=page.id, period_id=period.id, kind=kind,
                                       name=name or f"{kind.upper()} {day:%d.%m}", date=day,
                                       max_points=max_points))
        for pupil, got in (points or {}).items():
            self._add(WorkPoints(work_id=work.id, pupil_id=getattr(pupil, "id", pupil),
                                 points=got))
        return work


def _quarters(y: int) -> list[tuple[dt.date, dt.date]]:
    return [(dt.date(y, 9, 1), dt.date(y, 10, 24)), (dt.date(y, 11, 5), dt.date(y, 12, 28)),
            (dt.date(y + 1, 1, 12), dt.date(y + 1, 3, 21)),
            (dt.date(y + 1, 3, 30), dt.date(y + 1, 5, 26))]


def tiny_school(today: dt.date) -> SimpleNamespace:
    """Two classes, their teachers, two families and leadership: enough for every role.

    5 «А»: class teacher `ct` (teaches literature there); `teacher` teaches maths in 5 «А»
    and 6 «Б». Parent `mum` has Анна (5 «А», user `anna`) and Борис (6 «Б»); parent `dad2`
    has Вера (5 «А»), another family. 10 «А» is a senior class nobody above teaches.
    """
    b = Builder(today)
    ct_staff, ct = b.staff("ct", "teacher", last="Классная")
    t_staff, teacher = b.staff("teacher", "teacher", last="Предметникова")
    other_staff, other = b.staff("other", "teacher", last="Другая")
    _, admin = b.staff("admin", "admin", last="Админова")
    _, director = b.staff("director", "director", last="Директорова")
    _, deputy = b.staff("deputy", "deputy", last="Завучева")
    _, deputy_primary = b.staff("deputy1", "deputy", last="Начальная", scope="primary")
    _, secretary = b.staff("secretary", "secretary", last="Секретарева")
    c5 = b.school_class(5, "А", teacher=ct_staff)
    c6 = b.school_class(6, "Б", teacher=other_staff)
    c10 = b.school_class(10, "А")
    anna = b.pupil(c5, "Антонова", "Анна", username="anna")
    vera = b.pupil(c5, "Васильева", "Вера", username="vera")
    boris = b.pupil(c6, "Антонов", "Борис")
    senior = b.pupil(c10, "Старшая", "Галина")
    mum = b.parent("mum", anna, boris)
    dad2 = b.parent("dad2", vera)
    maths = b.subject("maths", "Математика", "Математика")
    lit = b.subject("lit", "Литература", "Әдебиет")
    maths5 = b.page(c5, maths, t_staff)
    maths6 = b.page(c6, maths, t_staff)
    lit5 = b.page(c5, lit, ct_staff)
    lit10 = b.page(c10, lit, other_staff)
    db.session.commit()
    return SimpleNamespace(**{k: v for k, v in locals().items() if k != "b"}, builder=b)


def criteria_school(today: dt.date) -> SimpleNamespace:
    """The tiny school with 6 «Б» made a Kazakh-language criteria-based class (issue 21):
    `teacher` teaches maths there (3 hours a week: a СОЧ each quarter) and Борис (child of
    `mum`) is its pupil. Nothing else changes; add works with s.builder.work(...)."""
    s = tiny_school(today)
    s.c6.language, s.c6.journal_type = "kk", "criteria"
    db.session.commit()
    return s
