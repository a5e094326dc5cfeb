"""The parent's notice inbox (issue 20): counts, a page of notices newest first, and what each
says, read live from the journal (a notice copies nothing: a corrected mark shows corrected).

Only the recipient reads or marks a notice: every function here takes the user and filters by
their id, so a forged id finds nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update

from extensions import db
from models import (
    Attendance,
    FinalMark,
    Lesson,
    Mark,
    Notice,
    Person,
    Pupil,
    StudyPeriod,
    Subject,
    SubjectPage,
    SummativeWork,
    User,
    WorkPoints,
    WorkType,
)
from services import absences, clock
from services import journal as rules
from services.school import period_name
from services.summative.schedule import kind_label

PER_PAGE = 30


@dataclass
class Item:
    """One notice as shown: to the parent in the app, or in a letter (no health data)."""

    id: int
    kind: str
    pupil_id: int
    child: str  # the child's first name
    text: str  # what happened, one line in the current language
    subject: str
    # The lesson's date (the diary's day); None for a period mark and a work's points, which
    # link to the period's marks instead.
    day: dt.date | None
    period_id: int | None
    mark: str  # the mark as written ("5", "осв."), a work's points ("12/15"), "" for others
    reason: str  # the absence's reason, only where the viewer may see health data
    seen: bool
    created_at: dt.datetime
    gone: bool  # its entry left the journal since (the notice is kept until it is read)
    work: str = ""  # a summative work's kind ("SAU", "SAT") for its points' notice


@dataclass
class InboxPage:
    items: list[Item]
    page: int
    has_next: bool


def _mine(user_id: int, pupil_id: int | None):
    where = [Notice.user_id == user_id]
    if pupil_id is not None:
        where.append(Notice.pupil_id == pupil_id)
    return where


def unseen_subquery(user_id: int):
    """The count of a user's unseen notices, for a statement that asks more (the badge)."""
    return (select(func.count(Notice.id))
            .where(Notice.user_id == user_id, Notice.seen_at.is_(None)).scalar_subquery())


def unseen_count(user_id: int, pupil_id: int | None = None) -> int:
    """How many notices this user has not marked seen: one query on the inbox index."""
    return db.session.scalar(select(func.count(Notice.id)).where(
        *_mine(user_id, pupil_id), Notice.seen_at.is_(None))) or 0


def unseen_by_child(user_id: int) -> dict[int, int]:
    """Unseen notices per child of this user: one query."""
    return dict(db.session.execute(
        select(Notice.pupil_id, func.count(Notice.id))
        .where(Notice.user_id == user_id, Notice.seen_at.is_(None))
        .group_by(Notice.pupil_id)).all())


def page_of(user: User, pupil_id: int | None = None, page: int = 1,
            health: bool = True) -> InboxPage:
    """A page of the user's notices (one child's when given), newest first: a fixed number
    of queries whatever the page holds. health: show absence reasons (see describe)."""
    page = max(1, page)
    rows = list(db.session.scalars(
        select(Notice).where(*_mine(user.id, pupil_id)).order_by(Notice.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)))
    return InboxPage(describe(rows[:PER_PAGE], health=health), page, len(rows) > PER_PAGE)


def own_notice(user: User, notice_id: int) -> Notice | None:
    """The notice if this user is its recipient; None otherwise (the caller answers 404)."""
    return db.session.scalar(select(Notice).where(Notice.id == notice_id,
                                                  Notice.user_id == user.id))


def mark_seen(user: User, notice_ids: Iterable[int] | None = None,
              pupil_id: int | None = None) -> int:
    """Mark the user's notices seen: the given ones, else all (of one child when given).
    Notices of other users are never touched. Returns how many changed."""
    where = [*_mine(user.id, pupil_id), Notice.seen_at.is_(None)]
    if notice_ids is not None:
        where.append(Notice.id.in_(sorted(set(notice_ids))))
    result = db.session.execute(update(Notice).where(*where)
                                .values(seen_at=clock.utcnow())
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


# -- what a notice says ------------------------------------------------------------------------

def describe(notices: list[Notice], health: bool = False) -> list[Item]:
    """Each notice's display data, read from the journal in at most seven queries.

    health=True adds the absence's reason (illness is health data: DOMAIN.md 9). Parents may
    see it in the app; anything that leaves the app (e-mail, push) is described without it.
    """
    if not notices:
        return []
    locale = str(get_locale() or "ru")
    data = _Data(notices, health)
    return [_item(n, data, locale) for n in notices]


class _Data:
    """The journal rows the notices name, each kind read in one query."""

    def __init__(self, notices: list[Notice], health: bool):
        pupils = {n.pupil_id for n in notices}
        lessons = {n.lesson_id for n in notices if n.lesson_id}
        marks = {n.mark_id for n in notices if n.mark_id}
        pages = {n.page_id for n in notices if n.page_id}
        periods = {n.period_id for n in notices if n.period_id}
        self.names = dict(db.session.execute(
            select(Pupil.id, Person.first_name).join(Person, Person.id == Pupil.person_id)
            .where(Pupil.id.in_(pupils))).all())
        self.lessons = {r.id: r for r in db.session.execute(
            select(Lesson.id, Lesson.date, Lesson.homework, Lesson.homework_due, Subject)
            .join(SubjectPage, SubjectPage.id == Lesson.page_id)
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .where(Lesson.id.in_(lessons)))} if lessons else {}
        self.marks = {r.id: r for r in db.session.execute(
            select(Mark.id, Mark.value, WorkType).join(WorkType, WorkType.id == Mark.work_type_id)
            .where(Mark.id.in_(marks)))} if marks else {}
        absent = {(n.lesson_id, n.pupil_id) for n in notices if n.kind == "absence"}
        self.absences = {(r.lesson_id, r.pupil_id): r.reason for r in db.session.execute(
            select(Attendance.lesson_id, Attendance.pupil_id, Attendance.reason).where(
                Attendance.lesson_id.in_({a for a, _p in absent}),
                Attendance.pupil_id.in_({p for _a, p in absent}),
                Attendance.status == "absent"))} if absent else {}
        self.health = health
        self._finals(pages, periods, pupils)
        self._works({n.work_id for n in notices if n.work_id}, pupils)

    def _finals(self, pages: set[int], periods: set[int], pupils: set[int]) -> None:
        self.subjects = dict(db.session.execute(
            select(SubjectPage.id, Subject).join(Subject, Subject.id == SubjectPage.subject_id)
            .where(SubjectPage.id.in_(pages))).all()) if pages else {}
        self.periods = {p.id: p for p in db.session.scalars(
            select(StudyPeriod).where(StudyPeriod.id.in_(periods)))} if periods else {}
        self.finals = {(r.page_id, r.period_id, r.pupil_id): rules.final_label(r.value, r.special)
                       for r in db.session.execute(
                           select(FinalMark.page_id, FinalMark.period_id, FinalMark.pupil_id,
                                  FinalMark.value, FinalMark.special)
                           .where(FinalMark.page_id.in_(pages), FinalMark.kind == "period",
                                  FinalMark.period_id.in_(periods),
                                  FinalMark.pupil_id.in_(pupils)))} if pages and periods else {}

    def _works(self, works: set[int], pupils: set[int]) -> None:
        """The summative works named, with the pupils' points (None: cleared since)."""
        rows = list(db.session.execute(
            select(SummativeWork.id, SummativeWork.kind, SummativeWork.name,
                   SummativeWork.date, SummativeWork.max_points, SummativeWork.period_id,
                   WorkPoints.pupil_id, WorkPoints.points)
            .outerjoin(WorkPoints, and_(WorkPoints.work_id == SummativeWork.id,
                                        WorkPoints.pupil_id.in_(pupils)))
            .where(SummativeWork.id.in_(works)))) if works else []
        self.works = {r.id: r for r in rows}
        self.points = {(r.id, r.pupil_id): r.points for r in rows if r.pupil_id is not None}


def _item(n: Notice, data: _Data, locale: str) -> Item:
    lesson = data.lessons.get(n.lesson_id) if n.lesson_id else None
    subject = lesson.Subject if lesson else data.subjects.get(n.page_id)
    item = Item(n.id, n.kind, n.pupil_id, data.names.get(n.pupil_id, ""), "",
                subject.name(locale) if subject else "", lesson.date if lesson else None,
                n.period_id, "", "", n.seen_at is not None, n.created_at, False)
    if n.work_id:
        _points_text(item, n, data)
    elif n.kind in ("absence", "homework", "mark", "low_mark"):
        _lesson_text(item, n, lesson, data, locale)
    else:
        _period_text(item, n, data)
    return item


def _lesson_text(item: Item, n: Notice, lesson, data: _Data, locale: str) -> None:
    if lesson is None:
        item.gone, item.text = True, _("This entry is no longer in the journal.")
        return
    day = format_date(lesson.date, "d MMMM")
    if n.kind == "absence":
        reason = data.absences.get((n.lesson_id, n.pupil_id), False)
        item.gone = reason is False
        if data.health and reason:
            item.reason = str(absences.REASON_LABELS.get(reason, ""))
        item.text = _("Absent from %(subject)s on %(date)s", subject=item.subject, date=day)
    elif n.kind == "homework":
        item.gone = not lesson.homework
        item.text = _("Homework in %(subject)s on %(date)s: %(text)s", subject=item.subject,
                      date=day, text=lesson.homework)
    else:
        mark = data.marks.get(n.mark_id)
        item.gone = mark is None
        item.mark = str(mark.value) if mark else ""
        item.text = _("Mark %(mark)s in %(subject)s on %(date)s (%(work)s)", mark=item.mark,
                      subject=item.subject, date=day,
                      work=mark.WorkType.name(locale) if mark else "")


def _points_text(item: Item, n: Notice, data: _Data) -> None:
    """A pupil's points of a СОР/СОЧ: "SAU «Fractions» 12/15 in Mathematics on 23 November"."""
    work = data.works.get(n.work_id)
    points = data.points.get((n.work_id, n.pupil_id))
    item.gone = points is None
    if work is None:  # removed with its notices by the foreign key; a race at most
        item.text = _("This entry is no longer in the journal.")
        return
    item.work, item.period_id = kind_label(work.kind), work.period_id
    item.mark = "" if points is None else f"{points}/{work.max_points}"
    item.text = _("%(work)s «%(name)s» %(points)s in %(subject)s on %(date)s",
                  work=item.work, name=work.name, points=item.mark or "—",
                  subject=item.subject, date=format_date(work.date, "d MMMM"))


def _period_text(item: Item, n: Notice, data: _Data) -> None:
    period = data.periods.get(n.period_id)
    name = period_name(period) if period else ""
    if n.kind == "period":
        item.mark = data.finals.get((n.page_id, n.period_id, n.pupil_id), "")
        item.gone = not item.mark
        item.text = _("%(subject)s: %(mark)s for %(period)s", subject=item.subject,
                      mark=item.mark, period=name)
    else:
        item.text = _("%(subject)s: the teacher warns that the mark for %(period)s may be "
                      "below the predicted one", subject=item.subject, period=name)


