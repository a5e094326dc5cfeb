"""Loading a subject page's grid for one period in a fixed number of queries.

Pupils, lessons, marks, attendance, period and year marks and parent notices are each read
with one query whatever the size of the class; marks and attendance come back as plain tuples
(no ORM objects) because a page of 32 pupils x 70 lessons holds thousands of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, or_, select

from extensions import db
from models import (
    Attendance,
    Correction,
    Enrolment,
    FinalMark,
    Lesson,
    Mark,
    ParentNotice,
    Person,
    Pupil,
    School,
    StudyPeriod,
    SubgroupMember,
    SubjectPage,
    SummativeWork,
    WorkType,
)
from services import groups
from services import journal as rules
from services import school as school_service
from services.summative import results as summative_results
from services.summative.results import PageResults


@dataclass
class Row:
    """One pupil's line of the grid: plain dicts keyed by lesson id, strings only.

    Dicts of ints and strings are not tracked by Python's garbage collector, so a 2,240-cell
    grid adds a few dozen tracked objects, not thousands (full collections were the p95).
    """

    pupil: Pupil
    marks: dict[int, str] = field(default_factory=dict)  # "5" or "5/4"
    status: dict[int, str] = field(default_factory=dict)  # "absent" or "late"
    comments: dict[int, str] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)
    average: float | None = None
    predicted: int | str | None = None  # a mark, "na" (too few marks) or None
    period_mark: tuple[int | None, str | None] | None = None
    period_reason: str = ""  # criteria-based: why the teacher gave another mark (issue 21)
    year_mark: tuple[int | None, str | None] | None = None
    notice: bool | None = None
    # When a late correction was applied: per lesson id, and to the period and year marks.
    corrected: dict[int, dt.datetime] = field(default_factory=dict)
    period_corrected: dt.datetime | None = None
    year_corrected: dt.datetime | None = None


def cell_text(row: Row, lesson_id: int, absent: str = "н", late: str = "о") -> str:
    """What a lesson cell shows: "", "н", "5", "5/4", "о5"."""
    text = row.marks.get(lesson_id, "")
    status = row.status.get(lesson_id)
    if status is not None:
        text = (absent if status == "absent" else late) + text
    return text


@dataclass
class Grid:
    """Everything the grid page shows for one page and period."""

    page: SubjectPage
    school: School
    periods: list[StudyPeriod]
    period: StudyPeriod
    lessons: list[Lesson]
    work_types: dict[int, WorkType]
    rows: list[Row]
    is_last_period: bool
    # A criteria-based class (issue 21): its works, points and computed results; None on a
    # classic page, which reads nothing more.
    results: PageResults | None = None

    def column_work_type(self, lesson: Lesson) -> WorkType | None:
        """The work type of a lesson's column: its own, else the school default."""
        if lesson.work_type_id in self.work_types:
            return self.work_types[lesson.work_type_id]
        return default_work_type(self.school, self.work_types.values())


def default_work_type(school: School, work_types) -> WorkType | None:
    """The school's default work type (School.default_work_type_code), else the first one."""
    types = list(work_types)
    return next((w for w in types if w.code == school.default_work_type_code),
                types[0] if types else None)


def page_pupils(page: SubjectPage, start: dt.date, end: dt.date) -> list[Pupil]:
    """Pupils enrolled in the page's class (or in its subgroup: SubgroupMember's dates) at
    any time in [start, end], A-Z. A pupil moved to another group stays listed for the days
    before the move, as a pupil who left the class does."""
    query = (select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
             .join(Person, Person.id == Pupil.person_id)
             .where(Enrolment.class_id == page.class_id, Enrolment.start_date <= end,
                    or_(Enrolment.end_date.is_(None), Enrolment.end_date >= start)))
    if page.subgroup_id is not None:
        query = query.where(groups.member_between(Pupil.id, page.subgroup_id, start, end))
    query = query.order_by(Person.last_name, Person.first_name, Person.patronymic, Pupil.id)
    return list(db.session.scalars(query).unique())


def is_on_page(page: SubjectPage, pupil_id: int, day: dt.date) -> bool:
    """Was the pupil on the page (class, and subgroup if any) on that day? One query."""
    return is_on_page_between(page, pupil_id, day, day)


def is_on_page_between(page: SubjectPage, pupil_id: int, start: dt.date, end: dt.date) -> bool:
    """Was the pupil on the page (class, and subgroup if any) on some day of [start, end]
    (a period: who may get its period mark)? One query."""
    query = select(Enrolment.id).where(
        Enrolment.pupil_id == pupil_id, Enrolment.class_id == page.class_id,
        Enrolment.start_date <= end, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= start))
    if page.subgroup_id is not None:
        query = query.where(groups.member_between(pupil_id, page.subgroup_id, start, end))
    return db.session.scalar(query.limit(1)) is not None


def is_on_page_ever(page: SubjectPage, pupil_id: int) -> bool:
    """Was the pupil ever on the page (its class, and subgroup if any, at any dates)? One
    query: the picker shows a moved pupil's old cells, read-only after the move."""
    query = select(Enrolment.id).where(Enrolment.pupil_id == pupil_id,
                                       Enrolment.class_id == page.class_id)
    if page.subgroup_id is not None:
        query = query.join(SubgroupMember, and_(SubgroupMember.pupil_id == Enrolment.pupil_id,
                                                SubgroupMember.subgroup_id == page.subgroup_id))
    return db.session.scalar(query.limit(1)) is not None


def on_page_clause(pupil_id: int):
    """EXISTS: the pupil was on the page (class, and subgroup if any) on the lesson's date.

    Correlated with SubjectPage and Lesson of the enclosing query (entries.load_cell).
    """
    return exists().where(
        Enrolment.pupil_id == pupil_id, Enrolment.class_id == SubjectPage.class_id,
        Enrolment.start_date <= Lesson.date,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= Lesson.date),
        or_(SubjectPage.subgroup_id.is_(None),
            groups.member_on(pupil_id, SubjectPage.subgroup_id, Lesson.date)))


def load_grid(page: SubjectPage, period: StudyPeriod, periods: list[StudyPeriod],
              school: School) -> Grid:
    """Read the whole grid: a fixed number of queries whatever the number of pupils and lessons."""
    lessons = list(db.session.scalars(
        select(Lesson).where(Lesson.page_id == page.id, Lesson.date >= period.start_date,
                             Lesson.date <= period.end_date, Lesson.cancelled.is_(False))
        .order_by(Lesson.date, Lesson.lesson_number)))
    work_types = {w.id: w for w in db.session.scalars(
        select(WorkType).order_by(WorkType.position, WorkType.id))}
    pupils = page_pupils(page, period.start_date, period.end_date)
    rows = {p.id: Row(p) for p in pupils}
    lesson_ids = [lesson.id for lesson in lessons]
    weights = {w.id: w.weight for w in work_types.values()}
    _load_cells(lesson_ids, rows, weights, school)
    is_last = bool(periods) and period.id == periods[-1].id
    _load_finals(page, period, is_last, rows)
    _load_corrected(page, period, rows)
    grid = Grid(page=page, school=school, periods=periods, period=period, lessons=lessons,
                work_types=work_types, rows=list(rows.values()), is_last_period=is_last)
    if page.school_class.is_criteria:
        grid.results = summative_results.page_results(page, period, periods, list(rows))
    return grid


def period_averages(page: SubjectPage, lesson: Lesson, pupil_ids: list[int],
                    school: School) -> dict[int, tuple[float | None, int | str | None]]:
    """The average and prediction of some pupils in the period of a lesson: two queries."""
    if not pupil_ids:
        return {}
    periods = school_service.periods_of(page.school_class)
    period = rules.period_of_date(periods, lesson.date)
    if period is None:
        return {}
    marks: dict[int, list[tuple[int, int]]] = {pid: [] for pid in pupil_ids}
    for pupil_id, value, weight in db.session.execute(
            select(Mark.pupil_id, Mark.value, WorkType.weight)
            .join(WorkType, WorkType.id == Mark.work_type_id)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .where(Mark.pupil_id.in_(pupil_ids), Lesson.page_id == page.id,
                   Lesson.date >= period.start_date, Lesson.date <= period.end_date)):
        marks[pupil_id].append((value, weight))
    out = {}
    for pid, pairs in marks.items():
        average = rules.weighted_average(pairs)
        out[pid] = (average, rules.prediction(average, len(pairs), school))
    return out


def lesson_rows(page: SubjectPage, lesson: Lesson, school: School,
                pupils: list[Pupil] | None = None) -> list[Row]:
    """The pupils on the page on the lesson's date (read here unless given), each with that
    lesson's cell only."""
    if pupils is None:
        pupils = page_pupils(page, lesson.date, lesson.date)
    rows = {p.id: Row(p) for p in pupils}
    _load_cells([lesson.id], rows, {}, school)
    return list(rows.values())


def _load_cells(lesson_ids: list[int], rows: dict[int, Row], weights: dict[int, int],
                school: School) -> None:
    """Marks and attendance in two queries, streamed as plain tuples (no ORM objects).

    The hot loop of the page (a row per mark): local dicts, no attribute access per cell.
    """
    conn = db.session.connection()
    marks = {pid: row.marks for pid, row in rows.items()}
    total = dict.fromkeys(rows, 0)
    weight_sum = dict.fromkeys(rows, 0)
    count = dict.fromkeys(rows, 0)
    for lesson_id, pupil_id, value, wt_id, comment in conn.execute(
            select(Mark.lesson_id, Mark.pupil_id, Mark.value, Mark.work_type_id, Mark.comment)
            .where(Mark.lesson_id.in_(lesson_ids))
            # The unique (lesson, pupil, position) index gives this order without a sort.
            .order_by(Mark.lesson_id, Mark.pupil_id, Mark.position)):
        own = marks.get(pupil_id)
        if own is None:
            continue
        text = own.get(lesson_id)
        own[lesson_id] = str(value) if text is None else f"{text}/{value}"
        weight = weights.get(wt_id, 1)
        total[pupil_id] += value * weight
        weight_sum[pupil_id] += weight
        count[pupil_id] += 1
        if comment:
            rows[pupil_id].comments[lesson_id] = comment
    for lesson_id, pupil_id, status, reason in conn.execute(
            select(Attendance.lesson_id, Attendance.pupil_id, Attendance.status,
                   Attendance.reason).where(Attendance.lesson_id.in_(lesson_ids))):
        row = rows.get(pupil_id)
        if row is None:
            continue
        row.status[lesson_id] = status
        if reason:
            row.reasons[lesson_id] = reason
    for pupil_id, row in rows.items():
        # The same sum(mark * weight) / sum(weight) as rules.weighted_average.
        row.average = total[pupil_id] / weight_sum[pupil_id] if weight_sum[pupil_id] else None
        row.predicted = rules.prediction(row.average, count[pupil_id], school)


def _load_finals(page: SubjectPage, period: StudyPeriod, is_last: bool,
                 rows: dict[int, Row]) -> None:
    kinds = [and_(FinalMark.kind == "period", FinalMark.period_id == period.id)]
    if is_last:
        kinds.append(FinalMark.kind == "year")
    for pupil_id, kind, value, special, reason in db.session.execute(
            select(FinalMark.pupil_id, FinalMark.kind, FinalMark.value, FinalMark.special,
                   FinalMark.reason)
            .where(FinalMark.page_id == page.id, or_(*kinds))):
        if pupil_id in rows:
            setattr(rows[pupil_id], "period_mark" if kind == "period" else "year_mark",
                    (value, special))
            if kind == "period":
                rows[pupil_id].period_reason = reason or ""
    for pupil_id, told in db.session.execute(
            select(ParentNotice.pupil_id, ParentNotice.parents_told)
            .where(ParentNotice.page_id == page.id, ParentNotice.period_id == period.id)):
        if pupil_id in rows:
            rows[pupil_id].notice = told


def _load_corrected(page: SubjectPage, period: StudyPeriod, rows: dict[int, Row]) -> None:
    """The applied late corrections the grid marks (issue 17): the period's cells, its period
    marks and the year marks, in one query (services.corrections.marks asks two)."""
    for kind, lesson_id, pupil_id, at in db.session.execute(
            select(Correction.kind, Correction.lesson_id, Correction.pupil_id,
                   Correction.applied_at)
            .where(Correction.page_id == page.id, Correction.status == "applied",
                   or_(Correction.kind == "year", Correction.period_id == period.id,
                       and_(Correction.kind == "cell",
                            Correction.entry_date >= period.start_date,
                            Correction.entry_date <= period.end_date)))
            .order_by(Correction.applied_at)):
        row = rows.get(pupil_id)
        if row is None:
            continue
        if kind == "cell":
            if lesson_id is not None:
                row.corrected[lesson_id] = at
        elif kind == "period":
            row.period_corrected = at
        else:
            row.year_corrected = at


def pick_period(page: SubjectPage, period_id: int | None,
                today: dt.date) -> tuple[list[StudyPeriod], StudyPeriod | None]:
    """The periods of the page's class and the chosen one (default: the one containing today)."""
    periods = school_service.periods_of(page.school_class)
    chosen = next((p for p in periods if p.id == period_id), None) if period_id else None
    if chosen is None:
        chosen = rules.period_of_date(periods, today) or next(
            (p for p in reversed(periods) if p.start_date <= today), periods[0] if periods else None)
    return periods, chosen


def pupil_marks(page: SubjectPage, pupil_id: int, period: StudyPeriod) -> list[tuple[int, int]]:
    """One pupil's (mark, weight) pairs on a page in a period, in one query."""
    rows = db.session.execute(
        select(Mark.value, WorkType.weight).join(WorkType, WorkType.id == Mark.work_type_id)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Mark.pupil_id == pupil_id, Lesson.page_id == page.id,
               Lesson.date >= period.start_date, Lesson.date <= period.end_date))
    return [tuple(r) for r in rows.all()]


@dataclass
class Column:
    """A lesson column as the grid shows it to one user."""

    lesson: Lesson
    work_type: WorkType | None
    lock: int | None  # index into the page's list of lock reasons; None when open
    is_today: bool


def columns(grid: Grid, page_writer: bool, writes_lesson, today: dt.date
            ) -> tuple[list[Column], list[str], int | None]:
    """Lesson columns, the distinct reasons locked ones give, and the index of today's column.

    page_writer: the user writes the whole page; writes_lesson(lesson) is asked only for lessons
    with a substitute. Lock reasons are computed once per kind of window, not per column,
    because a 70-lesson page would otherwise format the same sentence 70 times.
    """
    reasons: list[str] = []
    by_rule: dict[str, int] = {}
    out: list[Column] = []
    current = None
    school, page = grid.school, grid.page
    closed = rules.page_closed(page, today)
    default = default_work_type(school, grid.work_types.values())
    # The window of a column depends only on its work type: work it out once per type.
    windows: dict[int | None, tuple[str, dt.date]] = {}
    for i, lesson in enumerate(grid.lessons):
        wt = grid.work_types.get(lesson.work_type_id, default)
        if lesson.date <= today:
            current = i
        writer = page_writer or (lesson.substitute_id is not None and writes_lesson(lesson))
        if not writer:
            key = "read"
        elif closed or lesson.date > today:
            key = "closed" if closed else "future"
        else:
            wt_id = wt.id if wt is not None else None
            if wt_id not in windows:
                rule = rules.lock_rule_of(wt, page.subject, page.school_class.grade)
                windows[wt_id] = rule, rules.oldest_open(page, today,
                                                         rules.window_days(school, rule))
            rule, oldest_open = windows[wt_id]
            key = None if lesson.date >= oldest_open else rule
        index = None
        if key is not None:
            if key not in by_rule:
                reason = rules.read_only_reason() if key == "read" else rules.lesson_lock(
                    school, page, lesson, wt, today, with_date=False).reason
                by_rule[key] = len(reasons)
                reasons.append(reason)
            index = by_rule[key]
        out.append(Column(lesson, wt, index, False))
    if current is None and out:
        current = 0
    if current is not None:
        out[current].is_today = True
    return out, reasons, current


FIRST_PAINT_COLUMNS = 22  # what a 1280 px screen shows left of today's column, with a margin
AFTER_TODAY = 2  # the grid opens with today's column at the right edge: few columns follow it


def first_window(n_cols: int, today_col: int | None,
                 size: int | None = None) -> tuple[int, int]:
    """The slice [start, end) of lesson columns drawn in the first frame: today's column and
    the ones before it, which the grid opens on (journal.js puts today at the right edge).

    A 32 x 70 grid spends most of its time to screen on styling, laying out and painting
    cells nobody sees yet (issue 11); the columns outside the window follow right after.
    Small pages (up to size + a few columns) are drawn whole.
    """
    size = size or FIRST_PAINT_COLUMNS
    if n_cols <= size + 4:
        return 0, n_cols
    today = today_col if today_col is not None else n_cols - 1
    start = max(0, min(today + 1 + AFTER_TODAY - size, n_cols - size))
    return start, start + size


@dataclass
class WorkColumn:
    """A summative work's column on a criteria-based page (issue 21), among the lessons."""

    work: SummativeWork
    lock: int | None  # index into the page's list of lock reasons; None when open
    is_today: bool = False


def with_works(grid: Grid, cols: list[Column], reasons: list[str], page_writer: bool,
               today: dt.date) -> tuple[list[Column | WorkColumn], int | None]:
    """The lesson columns with the period's works placed by date (after the lessons of their
    day), and the index of today's column in the new list. Appends the works' lock reasons
    to `reasons` (one per distinct sentence)."""
    if grid.results is None:
        return cols, next((i for i, c in enumerate(cols) if c.is_today), None)
    works = list(grid.results.works)
    out: list[Column | WorkColumn] = []
    for col in cols:
        while works and works[0].date < col.lesson.date:
            out.append(_work_column(grid, works.pop(0), reasons, page_writer, today))
        out.append(col)
    out += [_work_column(grid, w, reasons, page_writer, today) for w in works]
    return out, next((i for i, c in enumerate(out) if c.is_today), None)


def _work_column(grid: Grid, work: SummativeWork, reasons: list[str], page_writer: bool,
                 today: dt.date) -> WorkColumn:
    from services.summative.points import work_lock  # points reads this module
    if not page_writer:
        reason = rules.read_only_reason()
    else:
        lock = work_lock(grid.school, grid.page, work.date, today)
        reason = None if lock.open else lock.reason
    if reason is None:
        return WorkColumn(work, None)
    if reason not in reasons:
        reasons.append(reason)
    return WorkColumn(work, reasons.index(reason))
