"""The pupil's diary: a week, marks, attendance and homework of one pupil, read in a fixed
number of queries whatever the size of the school, and the record of a family's visit.

Every loader takes the pupil (already authorised by the view) and plain values; none of
them commits. Lessons come from the pupil's class pages (and the subgroups the pupil is in).
"""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Bell,
    DiaryVisit,
    Enrolment,
    ExamResult,
    FinalMark,
    Lesson,
    Mark,
    ParentNotice,
    Person,
    Pupil,
    School,
    SchoolClass,
    Staff,
    StudyPeriod,
    SubgroupMember,
    Subject,
    SubjectPage,
    TimetableSlot,
    User,
)
from services import diary_criteria, groups
from services.cell_history import school_date
from services.corrections.marks import corrected_for_pupil
from services.exams import results_of_pupil as exam_results_of
from services.journal import prediction, weighted_average

# Reasons that excuse an absence; "unexcused" and a reason not yet set do not.
EXCUSED_REASONS = frozenset({"illness", "family", "event", "excused"})
# The homework page looks this far ahead and lists at most this many lessons.
HOMEWORK_DAYS = 28
HOMEWORK_LIMIT = 80
SCHOOL_DAYS = 6  # Monday to Saturday


@dataclass
class MarkEntry:
    value: int
    work_type: str
    comment: str
    date: dt.date
    lesson_id: int = 0
    corrected_on: dt.date | None = None  # a late correction changed it (the school's date)


@dataclass
class LessonEntry:
    date: dt.date
    number: int
    starts: dt.time | None
    ends: dt.time | None
    subject: str
    teacher: str
    page_id: int = 0
    topic: str = ""
    homework: str = ""  # given at this lesson
    homework_due: dt.date | None = None
    due: list[str] = field(default_factory=list)  # homework given earlier, due at this lesson
    room: str = ""
    planned: bool = False  # from the timetable: no lesson row in the journal yet
    marks: list[MarkEntry] = field(default_factory=list)
    works: list[diary_criteria.WorkLine] = field(default_factory=list)  # summative, that day
    absence: str | None = None  # "absent" or "late"
    reason: str | None = None  # shown only when the reader may see it


@dataclass
class Day:
    date: dt.date
    lessons: list[LessonEntry]
    is_today: bool
    # Homework due this day in a subject with no lesson that day (a day the teacher chose).
    due: list[HomeworkItem] = field(default_factory=list)
    # Summative works of a subject with no lesson row that day (subject name, work).
    works: list[tuple[str, diary_criteria.WorkLine]] = field(default_factory=list)


@dataclass
class HomeworkItem:
    subject: str
    text: str
    number: int
    given_on: dt.date | None = None


@dataclass
class Week:
    monday: dt.date
    days: list[Day]
    criteria: bool = False  # a criteria-based class: 10-point FA marks and summative works

    @property
    def saturday(self) -> dt.date:
        return self.monday + dt.timedelta(days=SCHOOL_DAYS - 1)

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the school week shown for a day; on Sunday, the coming week."""
    if day.isoweekday() == 7:
        return day + dt.timedelta(days=1)
    return day - dt.timedelta(days=day.weekday())


def pages_of(pupil: Pupil, school_class: SchoolClass | None = None,
             start: dt.date = dt.date.min, end: dt.date = dt.date.max) -> list[SubjectPage]:
    """The subject pages a pupil learns on: the class's pages and those of the pupil's
    subgroups (the groups the pupil is in on some day of [start, end]), with subject and
    teacher loaded (one query). school_class: a past year's class of the pupil (the
    archive), else the pupil's class now."""
    class_id = school_class.id if school_class is not None else pupil.class_id
    if class_id is None:
        return []
    mine = select(SubgroupMember.subgroup_id).where(
        SubgroupMember.pupil_id == pupil.id,
        or_(SubgroupMember.start_date.is_(None), SubgroupMember.start_date <= end),
        or_(SubgroupMember.end_date.is_(None), SubgroupMember.end_date >= start))
    return list(db.session.scalars(
        select(SubjectPage)
        .where(SubjectPage.class_id == class_id,
               or_(SubjectPage.subgroup_id.is_(None), SubjectPage.subgroup_id.in_(mine)))
        .options(joinedload(SubjectPage.teacher))
        .order_by(SubjectPage.id)).unique())


def _attends(pupil: Pupil):
    """A lesson of a subgroup page is the pupil's only on the days the pupil is in the group
    (moved to another group from a day, the old group's later lessons are not)."""
    return or_(SubjectPage.subgroup_id.is_(None),
               groups.member_on(pupil.id, SubjectPage.subgroup_id, Lesson.date))


def load_classes(pupils: list[Pupil]) -> None:
    """Load the classes of several pupils in one query, so that `pupil.school_class` is
    answered from the session and the child switch costs no query per child."""
    ids = {p.class_id for p in pupils if p.class_id is not None}
    list(db.session.scalars(select(SchoolClass).where(SchoolClass.id.in_(ids))))


def _bells() -> dict[int, Bell]:
    return {b.number: b for b in db.session.scalars(select(Bell))}


def _periods(pupil: Pupil, school_class: SchoolClass | None = None) -> list[StudyPeriod]:
    cls = school_class or pupil.school_class
    if cls is None:
        return []
    return list(db.session.scalars(select(StudyPeriod).where(
        StudyPeriod.year_id == cls.year_id, StudyPeriod.scheme == cls.period_scheme)
        .order_by(StudyPeriod.number)))


def load_week(pupil: Pupil, monday: dt.date, locale: str, today: dt.date,
              show_reason: bool) -> Week:
    """Monday to Saturday for one pupil: journal lessons with topic, the homework given and
    the homework due, marks and absences; days from today on also show timetable lessons not
    yet in the journal; in a criteria-based class, the summative works of the week with the
    pupil's points. Eight queries whatever the data (nine in a criteria-based class)."""
    saturday = monday + dt.timedelta(days=SCHOOL_DAYS - 1)
    pages = {p.id: p for p in pages_of(pupil, start=monday, end=saturday)}
    bells = _bells()
    in_term = [p for p in _periods(pupil) if p.start_date <= saturday and p.end_date >= monday]
    sub_staff, sub_person = aliased(Staff), aliased(Person)
    rows = db.session.execute(
        select(Lesson, sub_person)
        .outerjoin(sub_staff, sub_staff.id == Lesson.substitute_id)
        .outerjoin(sub_person, sub_person.id == sub_staff.person_id)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(Lesson.page_id.in_(list(pages)), Lesson.date.between(monday, saturday),
               _attends(pupil))
        .order_by(Lesson.date, Lesson.lesson_number)).all()
    # A cancelled lesson is not shown, and the timetable must not show it as planned either.
    gone = {(lesson.page_id, lesson.date) for lesson, _ in rows if lesson.cancelled}
    gone |= {(lesson.page_id, lesson.origin_date) for lesson, _ in rows if lesson.origin_date}
    rows = [(lesson, sub) for lesson, sub in rows if not lesson.cancelled]
    lesson_ids = [lesson.id for lesson, _ in rows]
    marks = db.session.scalars(
        select(Mark).where(Mark.pupil_id == pupil.id, Mark.lesson_id.in_(lesson_ids))
        .options(joinedload(Mark.work_type)).order_by(Mark.position))
    absences = {a.lesson_id: a for a in db.session.scalars(select(Attendance).where(
        Attendance.pupil_id == pupil.id, Attendance.lesson_id.in_(lesson_ids)))}
    marks_by_lesson: dict[int, list[MarkEntry]] = defaultdict(list)
    for m in marks:
        marks_by_lesson[m.lesson_id].append(MarkEntry(m.value, m.work_type.name(locale),
                                                      m.comment, monday))
    by_day: dict[dt.date, list[LessonEntry]] = defaultdict(list)
    for lesson, substitute in rows:
        page = pages[lesson.page_id]
        entry = _entry(page, lesson.date, lesson.lesson_number, bells, locale,
                       substitute.short_name if substitute else None)
        entry.topic, entry.homework = lesson.topic, lesson.homework
        entry.homework_due = lesson.homework_due
        entry.marks = marks_by_lesson.get(lesson.id, [])
        for mark in entry.marks:
            mark.date = lesson.date
        absence = absences.get(lesson.id)
        if absence is not None:
            entry.absence = absence.status
            entry.reason = absence.reason if show_reason else None
        by_day[lesson.date].append(entry)
    _add_planned(by_day, pages, bells, locale, monday, max(monday, today), saturday, in_term,
                 gone)
    days = [Day(d, sorted(by_day.get(d, []), key=lambda e: e.number), d == today)
            for d in (monday + dt.timedelta(days=i) for i in range(SCHOOL_DAYS))]
    _attach_due(days, pages, monday, saturday, locale)
    criteria = pupil.school_class is not None and pupil.school_class.is_criteria
    if criteria:
        _attach_works(days, pages, pupil, locale)
    return Week(monday, days, criteria)


def _attach_works(days: list[Day], pages: dict[int, SubjectPage], pupil: Pupil,
                  locale: str) -> None:
    """Each summative work on the first lesson of its subject that day, or on the day
    itself when that lesson is not in the journal (one query)."""
    by_date = {d.date: d for d in days}
    for work in diary_criteria.works_of_week(pupil.id, list(pages), days[0].date,
                                             days[-1].date):
        day = by_date[work.date]
        entry = next((e for e in day.lessons if e.page_id == work.page_id), None)
        if entry is not None:
            entry.works.append(work)
        else:
            day.works.append((pages[work.page_id].subject.name(locale), work))


def _attach_due(days: list[Day], pages: dict[int, SubjectPage], monday: dt.date,
                saturday: dt.date, locale: str) -> None:
    """Homework due in the week, on the first lesson of its subject that day (or on the day
    itself when the subject has no lesson then). One query."""
    given = db.session.execute(
        select(Lesson.page_id, Lesson.homework, Lesson.homework_due, Lesson.date,
               Lesson.lesson_number)
        .where(Lesson.page_id.in_(list(pages)), Lesson.homework != "",
               Lesson.cancelled.is_(False), Lesson.homework_due.between(monday, saturday))
        .order_by(Lesson.date, Lesson.lesson_number))
    by_date = {d.date: d for d in days}
    for page_id, text, due, given_on, number in given:
        day = by_date.get(due)
        if day is None:
            continue
        entry = next((e for e in day.lessons if e.page_id == page_id), None)
        if entry is not None:
            entry.due.append(text)
        else:
            day.due.append(HomeworkItem(pages[page_id].subject.name(locale), text, number,
                                        given_on))


def _entry(page: SubjectPage, day: dt.date, number: int, bells: dict[int, Bell], locale: str,
           substitute: str | None = None) -> LessonEntry:
    bell = bells.get(number)
    return LessonEntry(date=day, number=number, starts=bell.starts if bell else None,
                       ends=bell.ends if bell else None, subject=page.subject.name(locale),
                       teacher=substitute or page.teacher.name, page_id=page.id)


def _add_planned(by_day: dict[dt.date, list[LessonEntry]], pages: dict[int, SubjectPage],
                 bells: dict[int, Bell], locale: str, monday: dt.date, first: dt.date,
                 saturday: dt.date, in_term: list[StudyPeriod],
                 gone: set[tuple[int, dt.date]] = frozenset()) -> None:
    """Timetable lessons for days from `first` on that have no journal row yet, on school
    days inside a study period (not in the holidays), unless cancelled or moved away (gone).
    One query."""
    if first > saturday or not in_term:
        return
    slots = db.session.scalars(select(TimetableSlot).where(
        TimetableSlot.page_id.in_(list(pages)), TimetableSlot.valid_from <= saturday,
        TimetableSlot.valid_to >= monday))
    for slot in slots:
        day = monday + dt.timedelta(days=slot.weekday - 1)
        if day < first or not slot.valid_from <= day <= slot.valid_to:
            continue
        if not any(p.contains(day) for p in in_term) or (slot.page_id, day) in gone:
            continue
        if any(e.number == slot.lesson_number or (e.page_id == slot.page_id and not e.planned)
               for e in by_day[day]):
            continue  # the journal already has this lesson (perhaps moved to another hour)
        entry = _entry(pages[slot.page_id], day, slot.lesson_number, bells, locale)
        entry.planned, entry.room = True, slot.room
        by_day[day].append(entry)


# ---- marks -------------------------------------------------------------------------------

@dataclass
class SubjectMarks:
    subject_id: int
    name: str
    marks: list[MarkEntry] = field(default_factory=list)
    average: float | None = None
    predicted: int | str | None = None  # a mark, "na" (too few marks) or None
    # The teacher told the family the period mark may be below the predicted one (001 3.2.4).
    notice_on: dt.date | None = None
    period_marks: dict[int, FinalMark] = field(default_factory=dict)
    year_mark: FinalMark | None = None
    # Period id, or "year" -> the date a late correction changed that mark.
    corrected: dict[int | str, dt.date] = field(default_factory=dict)
    exam_mark: FinalMark | None = None
    # A criteria-based class: the summative results of each page of the subject.
    criteria: list[diary_criteria.CriteriaResult] = field(default_factory=list)

    @property
    def average_2dp(self) -> float | None:
        """The weighted average as shown (two decimals), the figure the prediction uses."""
        return None if self.average is None else round(self.average + 1e-9, 2)


@dataclass
class MarksReport:
    periods: list[StudyPeriod]
    period: StudyPeriod | None
    subjects: list[SubjectMarks]
    # Final attestation results of the year (001 II 2.3), shown with the year marks.
    exams: list[ExamResult] = field(default_factory=list)
    # A criteria-based class: no averages nor predictions (a 10-point FA is not a 5-point
    # mark); each subject's criteria results instead.
    criteria: bool = False


def periods_of_pupil(pupil: Pupil, school_class: SchoolClass | None = None
                     ) -> list[StudyPeriod]:
    """The study periods the pupil's class follows this year, or those of a past year's
    class of the pupil (one query)."""
    return _periods(pupil, school_class)


def classes_of_pupil(pupil: Pupil) -> list[SchoolClass]:
    """The pupil's class in each year at this school, oldest first (the last class of a
    year where the pupil moved), with the years loaded: the diary's archive. One query."""
    by_year: dict[int, SchoolClass] = {}
    for school_class in db.session.scalars(
            select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
            .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
            .where(Enrolment.pupil_id == pupil.id)
            .order_by(AcademicYear.start_date, Enrolment.start_date, Enrolment.id)
            .options(joinedload(SchoolClass.year))).unique():
        by_year[school_class.year_id] = school_class
    return list(by_year.values())


def pick_period(periods: list[StudyPeriod], period_id: int | None,
                today: dt.date) -> StudyPeriod | None:
    """The asked period (None if it is not one of these: the view answers 404), or by
    default the period containing today, else the last one begun, else the first."""
    if period_id is not None:
        return next((p for p in periods if p.id == period_id), None)
    begun = [p for p in periods if p.start_date <= today]
    return begun[-1] if begun else (periods[0] if periods else None)


def load_marks(pupil: Pupil, period: StudyPeriod | None, periods: list[StudyPeriod],
               locale: str, school_class: SchoolClass | None = None) -> MarksReport:
    """Every mark of the period per subject with the weighted average and predicted mark,
    the period marks of the whole year, the year and exam marks, the teachers' notices of a
    lower period mark, the dates of late corrections. Six queries. In a criteria-based
    class no average nor prediction, but each work's points, the percentages and the
    suggested mark (diary_criteria: a fixed number more)."""
    school = db.session.scalar(select(School).limit(1)) or School(round_up_from=0.5,
                                                                   min_marks_for_period=0)
    cls = school_class or pupil.school_class
    criteria = cls is not None and cls.is_criteria
    pages = pages_of(pupil, school_class)
    subjects: dict[int, SubjectMarks] = {}
    for page in pages:
        subjects.setdefault(page.subject_id,
                            SubjectMarks(page.subject_id, page.subject.name(locale)))
    weights: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if period is not None:
        rows = db.session.execute(
            select(Mark, Lesson.date, Subject).join(Lesson, Lesson.id == Mark.lesson_id)
            .join(SubjectPage, SubjectPage.id == Lesson.page_id)
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .where(Mark.pupil_id == pupil.id,
                   Lesson.date.between(period.start_date, period.end_date))
            .options(joinedload(Mark.work_type))
            .order_by(Lesson.date, Lesson.lesson_number, Mark.position))
        for mark, day, subject in rows:
            row = subjects.setdefault(subject.id, SubjectMarks(subject.id, subject.name(locale)))
            row.marks.append(MarkEntry(mark.value, mark.work_type.name(locale), mark.comment,
                                       day, mark.lesson_id))
            weights[subject.id].append((mark.value, mark.work_type.weight))
    if criteria and period is not None:
        _attach_criteria(pupil, pages, period, periods, subjects)
    elif not criteria:
        for subject_id, row in subjects.items():
            row.average = weighted_average(weights[subject_id])
            row.predicted = prediction(row.average, len(weights[subject_id]), school)
    _attach_finals(pupil, subjects, periods, locale, school_class)
    if periods:
        _attach_corrections(pupil, subjects, periods)
    if period is not None and not criteria:  # a criteria class has no such notice
        _attach_notices(pupil, period, subjects)
    return MarksReport(periods, period, sorted(subjects.values(), key=lambda s: s.name),
                       exams=exam_results_of(pupil), criteria=criteria)


def _attach_criteria(pupil: Pupil, pages: list[SubjectPage], period: StudyPeriod,
                     periods: list[StudyPeriod], subjects: dict[int, SubjectMarks]) -> None:
    """Each page's summative results on its subject; a pupil moved between subgroups of a
    subject sees the pages they have results on (the other group's is empty for them)."""
    found = diary_criteria.subject_results(pupil.id, pages, period, periods)
    for page in pages:
        subjects[page.subject_id].criteria.append(found[page.id])
    for row in subjects.values():
        if len(row.criteria) > 1:
            row.criteria = [r for r in row.criteria if r.has_results] or row.criteria[:1]


def _attach_finals(pupil: Pupil, subjects: dict[int, SubjectMarks],
                   periods: list[StudyPeriod], locale: str,
                   school_class: SchoolClass | None = None) -> None:
    """Period marks of this year's periods, the year and the exam marks (one query)."""
    cls = school_class or pupil.school_class
    if cls is None:
        return
    period_ids = {p.id for p in periods}
    rows = db.session.execute(
        select(FinalMark, Subject).join(SubjectPage, SubjectPage.id == FinalMark.page_id)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .where(FinalMark.pupil_id == pupil.id, SchoolClass.year_id == cls.year_id))
    for final, subject in rows:
        row = subjects.setdefault(subject.id, SubjectMarks(subject.id, subject.name(locale)))
        if final.kind == "period" and final.period_id in period_ids:
            row.period_marks[final.period_id] = final
        elif final.kind == "year":
            row.year_mark = final
        elif final.kind == "exam":
            row.exam_mark = final


def _attach_corrections(pupil: Pupil, subjects: dict[int, SubjectMarks],
                        periods: list[StudyPeriod]) -> None:
    """"Corrected on 3 March" beside the marks a late correction changed (one query): the
    family sees the note, never the request or the trail (DOMAIN.md 9)."""
    fixed = corrected_for_pupil(pupil.id, periods[0].start_date, periods[-1].end_date)
    if not fixed:
        return
    for row in subjects.values():
        for mark in row.marks:
            at = fixed.get(("cell", mark.lesson_id, None))
            if at is not None:
                mark.corrected_on = school_date(at)
        keys: list[tuple[int | str, tuple]] = [
            (period_id, ("period", period_id, final.page_id))
            for period_id, final in row.period_marks.items()]
        if row.year_mark is not None:
            keys.append(("year", ("year", None, row.year_mark.page_id)))
        for key, fix in keys:
            if fix in fixed:
                row.corrected[key] = school_date(fixed[fix])


def _attach_notices(pupil: Pupil, period: StudyPeriod, subjects: dict[int, SubjectMarks]) -> None:
    """The dates teachers told the family of a lower period mark in this period (one query)."""
    rows = db.session.execute(
        select(SubjectPage.subject_id, ParentNotice.told_on)
        .join(SubjectPage, SubjectPage.id == ParentNotice.page_id)
        .where(ParentNotice.pupil_id == pupil.id, ParentNotice.period_id == period.id,
               ParentNotice.parents_told))
    for subject_id, told_on in rows:
        if subject_id in subjects:
            subjects[subject_id].notice_on = told_on


# ---- attendance and homework -------------------------------------------------------------

@dataclass
class MissedLesson:
    date: dt.date
    number: int
    subject: str
    status: str
    reason: str | None


@dataclass
class SubjectAttendance:
    name: str
    excused: int = 0
    unexcused: int = 0
    late: int = 0


@dataclass
class AttendanceReport:
    missed: list[MissedLesson]
    subjects: list[SubjectAttendance]
    total: SubjectAttendance


def load_attendance(pupil: Pupil, period: StudyPeriod, locale: str,
                    show_reason: bool) -> AttendanceReport:
    """Lessons missed or arrived late for in the period, per subject and in total.
    An absence counts as excused only with an excusing reason. One query."""
    rows = db.session.execute(
        select(Attendance, Lesson.date, Lesson.lesson_number, Subject)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .where(Attendance.pupil_id == pupil.id,
               Lesson.date.between(period.start_date, period.end_date))
        .order_by(Lesson.date.desc(), Lesson.lesson_number))
    missed: list[MissedLesson] = []
    per_subject: dict[int, SubjectAttendance] = {}
    total = SubjectAttendance("")
    for absence, day, number, subject in rows:
        name = subject.name(locale)
        missed.append(MissedLesson(day, number, name, absence.status,
                                   absence.reason if show_reason else None))
        row = per_subject.setdefault(subject.id, SubjectAttendance(name))
        kind = ("late" if absence.status == "late" else
                "excused" if absence.reason in EXCUSED_REASONS else "unexcused")
        for counter in (row, total):
            setattr(counter, kind, getattr(counter, kind) + 1)
    return AttendanceReport(missed, sorted(per_subject.values(), key=lambda s: s.name), total)


def load_homework(pupil: Pupil, today: dt.date, locale: str
                  ) -> list[tuple[dt.date, list[HomeworkItem]]]:
    """Homework by the day it is due, from today on (HOMEWORK_DAYS ahead): what was given on
    Friday for Monday is there all weekend. Homework without a due day (given before due
    days were kept) counts as due on its lesson's day. Two queries."""
    pages = {p.id: p for p in pages_of(pupil)}
    due = func.coalesce(Lesson.homework_due, Lesson.date)
    lessons = db.session.scalars(
        select(Lesson).join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(Lesson.page_id.in_(list(pages)), Lesson.homework != "", _attends(pupil),
               Lesson.cancelled.is_(False),
               due.between(today, today + dt.timedelta(days=HOMEWORK_DAYS)))
        .order_by(due, Lesson.date, Lesson.lesson_number).limit(HOMEWORK_LIMIT))
    grouped: dict[dt.date, list[HomeworkItem]] = defaultdict(list)
    for lesson in lessons:
        grouped[lesson.homework_due or lesson.date].append(HomeworkItem(
            pages[lesson.page_id].subject.name(locale), lesson.homework, lesson.lesson_number,
            lesson.date))
    return sorted(grouped.items())


# A family reading the diary is noted once per child in this many seconds (per server
# process), not at every page: a parent paging through weeks wrote a row per click, and under
# load those writes queued behind the teachers' saves. "Who read it, and when" is the same.
VISIT_EVERY_SECONDS = 300
_last_visit: dict[tuple[str, int, int], float] = {}


def forget_visits() -> None:
    """Start counting afresh (the tests: on PostgreSQL every test has the same database URL
    and restarts the ids)."""
    _last_visit.clear()


def visit_due(user: User, pupil: Pupil, now: float | None = None) -> bool:
    """Whether this look at the child's diary is to be recorded (and note it as recorded)."""
    now = time.monotonic() if now is None else now
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], user.id, pupil.id)
    if now - _last_visit.get(key, -VISIT_EVERY_SECONDS) < VISIT_EVERY_SECONDS:
        return False
    if len(_last_visit) > 100_000:  # a bound on the memory, whatever the school's size
        _last_visit.clear()
    _last_visit[key] = now
    return True


def record_visit(user: User, pupil: Pupil) -> DiaryVisit:
    """Note that a parent or pupil opened this child's diary: who, which child, when."""
    visit = DiaryVisit(user_id=user.id, pupil_id=pupil.id)
    db.session.add(visit)
    return visit
