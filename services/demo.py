"""The demo school behind `flask --app app demo`: a generated school dated relative to today.

build_demo() fills an empty database with a small Russian-language school with a few
Kazakh-language classes: staff, pupils and parents (generated names, never real people),
the curriculum, a timetable, and a journal of lessons, marks and absences from 1 September
up to today (or N school weeks). It is deterministic for a seed and a day. Nothing is
committed here: the caller commits.

The parts: demo_school (plan: curriculum, calendar, timetable), demo_names and demo_topics
(texts), demo_people (staff, pupils, accounts), demo_journal (lessons, marks, absences),
demo_criteria (the criteria-based classes' СОР, СОЧ, points and period marks).
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Bell,
    CurriculumHours,
    Enrolment,
    FinalMark,
    Guardian,
    Holiday,
    Lesson,
    Mark,
    PageTeacher,
    Person,
    Pupil,
    School,
    SchoolClass,
    Staff,
    StudyPeriod,
    Subgroup,
    Subject,
    SubjectPage,
    SummativeRule,
    SummativeWork,
    TimetableSlot,
    User,
    UserRole,
    WorkPoints,
    WorkType,
)
from models.audit import AuditEvent, wipe_audit_trail
from models.users import PASSWORD_METHOD
from services import clock
from services.accounts.passwords import DEMO_PASSWORD
from services.demo_base import ClassInfo, Context, PageInfo, bulk_insert, sync_sequences
from services.demo_corrections import add_corrections
from services.demo_criteria import add_criteria
from services.demo_journal import add_journal
from services.demo_messages import seed_messages
from services.demo_news import seed_news
from services.demo_notices import seed_notices
from services.demo_people import (
    add_consents,
    add_pupils,
    add_staff,
    add_subgroups,
    add_users,
    choose_leaders,
    teacher_of,
)
from services.demo_school import (
    GRADES,
    KAZAKH_GRADES,
    LETTERS,
    SCHOOL_NAME,
    SCHOOL_SHORT_NAME,
    SUBGROUP_FROM_GRADE,
    SUBJECTS,
    WORK_TYPES,
    Bundle,
    Unit,
    bells,
    calendar_for,
    hours,
    parallels,
    timetable,
)

PASSWORD = DEMO_PASSWORD  # the one a real school is refused (services.accounts.passwords)
FIXED_ACCOUNTS = ("admin", "director", "deputy", "secretary", "teacher", "classteacher",
                  "parent", "pupil", "parentkz")
# A parent of a pupil in the criteria-based 7 «Б» (issue 21), named after the build so the
# generated families stay as they were.
CRITERIA_PARENT = ("parentkz", 7, "Б")
_EXPLICIT_IDS = (AcademicYear, Attendance, Bell, Enrolment, FinalMark, Guardian, Lesson, Mark,
                 Person, Pupil, School, SchoolClass, Staff, StudyPeriod, Subgroup, Subject,
                 SubjectPage, SummativeRule, SummativeWork, TimetableSlot, User, UserRole,
                 WorkPoints, WorkType)


def has_data() -> bool:
    """Whether the database already holds a school (demo or real)."""
    return db.session.scalar(select(School.id).limit(1)) is not None


def reset_data() -> None:
    """Delete every row of every table, children before parents. Does not commit."""
    for table in reversed(db.metadata.sorted_tables):
        if table is AuditEvent.__table__:
            wipe_audit_trail(db.session.connection())
        else:
            db.session.execute(table.delete())


def build_demo(pupils: int = 500, weeks: int | None = None, seed: int = 1,
               today: dt.date | None = None) -> dict[str, int]:
    """Build the demo school into the current (empty) database; returns row counts.

    weeks=None gives lessons from 1 September to the end of next week, filled up to today;
    weeks=N gives N school weeks from the start of the year, all filled (for benchmarks).
    Deterministic for a seed and a day. Raises ValueError for fewer than 22 pupils.
    """
    today = today or clock.today()
    if pupils < 2 * len(GRADES):
        raise ValueError("The demo school needs at least 22 pupils.")
    ctx = Context(pupils, weeks, today, random.Random(seed), calendar_for(today),
                  generate_password_hash(PASSWORD, method=PASSWORD_METHOD))
    _add_frame(ctx)
    _plan_classes(ctx)
    bundles = add_staff(ctx)
    choose_leaders(ctx, bundles)
    _add_classes(ctx)
    add_pupils(ctx)
    add_subgroups(ctx, SUBGROUP_FROM_GRADE)
    _add_pages(ctx, bundles)
    add_users(ctx)
    add_consents(ctx)
    _add_timetable(ctx)
    add_journal(ctx)
    add_criteria(ctx)
    _name_criteria_parent()
    sync_sequences(list(_EXPLICIT_IDS))
    ctx.count("correction", add_corrections(today))
    # Issue 20: the parents' journal notices, the school's news and a few conversations.
    ctx.count("notice", seed_notices(today))
    ctx.count("news_item", seed_news(today))
    ctx.count("conversation", seed_messages(today))
    return ctx.counts


def _add_frame(ctx: Context) -> None:
    """The school, the year and its periods, bells, work types and subjects."""
    cal, ids = ctx.calendar, ctx.ids
    bulk_insert(School, [{"id": ids.take(School), "name": SCHOOL_NAME,
                          "short_name": SCHOOL_SHORT_NAME, "is_demo": True}])
    year_id = ids.take(AcademicYear)
    bulk_insert(AcademicYear, [{"id": year_id, "name": cal.name, "start_date": cal.start,
                                "end_date": cal.end, "is_current": True, "closed": False}])
    ctx.year_id = year_id
    periods = []
    for scheme, dates in (("quarter", cal.quarters), ("half", cal.halves)):
        ctx.periods[scheme] = [(ids.take(StudyPeriod), s, e) for s, e in dates]
        periods += [{"id": pid, "year_id": year_id, "scheme": scheme, "number": n,
                     "start_date": s, "end_date": e}
                    for n, (pid, s, e) in enumerate(ctx.periods[scheme], start=1)]
    bulk_insert(StudyPeriod, periods)
    _add_holidays(ctx)
    bulk_insert(Bell, [{"id": ids.take(Bell), "number": n, "starts": s, "ends": e}
                       for n, s, e in bells()])
    types = []
    for position, (code, ru, kk, weight, rule) in enumerate(WORK_TYPES):
        wid = ids.take(WorkType)
        ctx.work_types[code], ctx.work_type_codes[wid] = (wid, weight), code
        ctx.work_type_names[code] = (ru, kk)
        types.append({"id": wid, "code": code, "name_ru": ru, "name_kk": kk, "weight": weight,
                      "lock_rule": rule, "position": position})
    bulk_insert(WorkType, types)
    ctx.subjects = {code: ids.take(Subject) for code, *_rest in SUBJECTS}
    bulk_insert(Subject, [{"id": ctx.subjects[code], "code": code, "name_ru": ru, "name_kk": kk}
                          for code, ru, kk, _h in SUBJECTS])
    ctx.no_marks_grades = db.session.scalar(select(School)).no_marks_grade_set()


def _add_holidays(ctx: Context) -> None:
    """The vacations between the quarters and the public holidays inside them, as a school
    enters them: the lessons the demo writes fall on the school days they leave."""
    cal, rows = ctx.calendar, []
    for (_s, end), (start, _e) in zip(cal.quarters, cal.quarters[1:], strict=False):
        rows.append({"kind": "vacation", "name": "Каникулы", "start_date":
                     end + dt.timedelta(days=1), "end_date": start - dt.timedelta(days=1)})
    rows += [{"kind": "holiday", "name": "Праздник", "start_date": day, "end_date": day}
             for day in sorted(cal.holidays)]
    bulk_insert(Holiday, [{**r, "year_id": ctx.year_id, "grades": ""} for r in rows])


def _plan_classes(ctx: Context) -> None:
    """Classes 1-11 «А», «Б»... (more letters for a big school); some «Б» classes in Kazakh,
    whose marked ones keep the criteria-based journal as Kazakh schools do (issue 21)."""
    for grade in GRADES:
        for letter in LETTERS[:parallels(ctx.pupils)]:
            kazakh = letter == "Б" and grade in KAZAKH_GRADES
            ctx.classes.append(ClassInfo(
                ctx.ids.take(SchoolClass), grade, letter, "kk" if kazakh else "ru",
                "quarter" if grade <= 9 else "half",
                journal="criteria" if kazakh and grade not in ctx.no_marks_grades
                else "classic"))


def _add_classes(ctx: Context) -> None:
    rows = [{"id": c.id, "year_id": ctx.year_id, "grade": c.grade, "letter": c.letter,
             "language": c.language, "period_scheme": c.scheme, "journal_type": c.journal,
             "class_teacher_id": c.leader.id if c.leader else None} for c in ctx.classes]
    ctx.count("school_class", bulk_insert(SchoolClass, rows))


def _add_pages(ctx: Context, bundles: dict[str, list[Bundle]]) -> None:
    """A subject page per class (or subgroup) and subject, with the bundle's teacher."""
    order = {code: n for n, (code, *_rest) in enumerate(SUBJECTS)}
    for spec_bundles in bundles.values():
        for bundle in spec_bundles:
            school_class = ctx.school_class(*bundle.class_key)
            sid, members = school_class.subgroups.get(bundle.subgroup or 0,
                                                      (None, school_class.pupils))
            for subject in bundle.subjects:
                ctx.pages.append(PageInfo(0, school_class, subject, teacher_of(ctx, bundle),
                                          hours(subject, school_class.grade), sid, members))
    ctx.pages.sort(key=lambda p: (p.school_class.grade, p.school_class.letter,
                                  order[p.subject], p.subgroup or 0))
    for page in ctx.pages:
        page.id = ctx.ids.take(SubjectPage)
    ctx.count("subject_page", bulk_insert(SubjectPage, [
        {"id": p.id, "class_id": p.school_class.id, "subgroup_id": p.subgroup,
         "subject_id": ctx.subjects[p.subject], "teacher_id": p.teacher.id,
         "hours_per_week": p.hours, "year_closed_on": None} for p in ctx.pages]))
    bulk_insert(PageTeacher, [{"page_id": p.id, "teacher_id": p.teacher.id,
                               "start_date": ctx.calendar.start, "end_date": None}
                              for p in ctx.pages])
    curriculum = {(p.school_class.grade, p.subject): p.hours for p in ctx.pages}
    bulk_insert(CurriculumHours, [{"year_id": ctx.year_id, "grade": grade,
                                   "subject_id": ctx.subjects[code], "hours": h}
                                  for (grade, code), h in sorted(curriculum.items())])


def _add_timetable(ctx: Context) -> None:
    """A weekly timetable for the whole year; subgroups of a subject share their cells."""
    units: dict[int, dict[str, list[PageInfo]]] = {c.id: {} for c in ctx.classes}
    for page in ctx.pages:
        units[page.school_class.id].setdefault(page.subject, []).append(page)
    plan = [[Unit(tuple(pages), frozenset(p.teacher.id for p in pages), pages[0].hours)
             for pages in by_subject.values()] for by_subject in units.values()]
    cells, ctx.counts["timetable_clashes"] = timetable(plan, ctx.rng)
    cal, rows = ctx.calendar, []
    ctx.slots = {c.id: {} for c in ctx.classes}
    for pages, weekday, number in sorted(cells, key=lambda c: (c[0][0].id, c[1], c[2])):
        for page in pages:
            rows.append({"id": ctx.ids.take(TimetableSlot), "page_id": page.id,
                         "weekday": weekday, "lesson_number": number, "valid_from": cal.start,
                         "valid_to": cal.end, "room": page.teacher.room})
            ctx.slots[page.school_class.id].setdefault(weekday, []).append((page, number))
    for by_day in ctx.slots.values():
        for cells_of_day in by_day.values():
            cells_of_day.sort(key=lambda c: (c[1], c[0].id))
    ctx.count("timetable_slot", bulk_insert(TimetableSlot, rows))


# -- the fixed accounts, as the command prints them -------------------------------------------

def _name_criteria_parent() -> None:
    """Give the first parent (by user id) of the first pupil of the criteria-based class its
    fixed user name. Nothing when the class is not there (a tiny demo)."""
    username, grade, letter = CRITERIA_PARENT
    user_id = db.session.scalar(
        select(User.id).join(Guardian, Guardian.person_id == User.person_id)
        .join(Pupil, Pupil.id == Guardian.pupil_id)
        .join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(SchoolClass.grade == grade, SchoolClass.letter == letter,
               SchoolClass.journal_type == "criteria", UserRole.role == "parent")
        .order_by(Pupil.id, User.id).limit(1))
    if user_id is not None:
        db.session.execute(update(User).where(User.id == user_id).values(username=username))


@dataclass(frozen=True)
class DemoAccount:
    """A fixed demo account: its user name, roles and who it is."""

    username: str
    roles: str
    who: str


def demo_accounts() -> list[DemoAccount]:
    """The fixed demo accounts present in the database, in a stable order."""
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_(FIXED_ACCOUNTS)))}
    return [DemoAccount(name, ", ".join(sorted(users[name].role_names)), _who(users[name]))
            for name in FIXED_ACCOUNTS if name in users]


def _who(user: User) -> str:
    person = user.person
    if user.has_role("parent"):
        children = db.session.scalars(select(Pupil).join(Guardian, Guardian.pupil_id == Pupil.id)
                                      .where(Guardian.person_id == person.id)
                                      .order_by(Pupil.id)).all()
        names = ", ".join(f"{c.person.full_name} ({_class_name(c.school_class)})"
                          for c in children)
        return f"{person.full_name}, parent of {names}"
    if user.has_role("pupil"):
        pupil = db.session.scalar(select(Pupil).where(Pupil.person_id == person.id))
        return f"{person.full_name}, pupil of {_class_name(pupil.school_class if pupil else None)}"
    staff = db.session.scalar(select(Staff).where(Staff.person_id == person.id))
    text = f"{person.full_name}, {staff.position if staff else ''}".rstrip(", ")
    return text + _teaching(staff) if staff is not None and user.has_role("teacher") else text


def _teaching(staff: Staff) -> str:
    led = db.session.scalars(select(SchoolClass).where(SchoolClass.class_teacher_id == staff.id))
    pages = db.session.scalars(select(SubjectPage).where(SubjectPage.teacher_id == staff.id)
                               .order_by(SubjectPage.class_id, SubjectPage.subject_id))
    by_subject: dict[str, list[str]] = {}
    for page in pages:
        names = by_subject.setdefault(page.subject.name_ru, [])
        if page.school_class.name not in names:
            names.append(page.school_class.name)
    text = "".join(f"; class teacher of {c.name}" for c in led)
    return text + "".join(f"; {s}: {', '.join(n)}" for s, n in by_subject.items())


def _class_name(school_class: SchoolClass | None) -> str:
    return school_class.name if school_class is not None else "no class"
