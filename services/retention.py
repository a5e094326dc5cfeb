"""Retention of the journal (001 VI, 152-ФЗ; DOMAIN.md 4): journal details are kept 5 years,
period and year marks, exam results and the change log 25 years, each counted from the end of
the academic year they belong to. A dry run lists what is past its limit, per year and per
kind; the purge deletes exactly that, children before parents, in the caller's transaction,
and writes one audit row with the counts. The audit trail itself is never purged (it is
append-only in the database).

The current year and every year that is not closed are never touched: they are listed with
the reason, and the purge skips them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, or_, select, update

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Conversation,
    Correction,
    DiaryVisit,
    ExamResult,
    FinalMark,
    Lesson,
    Mark,
    MarkExcuse,
    Message,
    MessageAttachment,
    Notice,
    ParentNotice,
    SchoolClass,
    SubjectPage,
    SummativeWork,
    TimetableSlot,
    User,
)
from services import audit, clock, uploads
from services.corrections import files as correction_files
from services.messages import conversations

JOURNAL_YEARS = 5
FINAL_YEARS = 25

# Deletion order inside each tier: children first (marks and absences before their lessons).
JOURNAL_KINDS = ("family_notices", "marks", "works", "attendance", "notices", "lessons", "timetable",
                 "visits", "messages")
# Kinds counted per year by a window of dates (no page to join): diary visits and the
# conversations whose last message fell in the year.
_WINDOWED = ("visits", "messages")
FINAL_KINDS = ("corrections", "final_marks", "exam_results", "excuses")
KIND_LABELS = {
    "lessons": _l("Lessons (topics and homework)"), "marks": _l("Current marks"),
    "works": _l("Summative works (SAU, SAT) and their points"),
    "attendance": _l("Absences and lateness"), "notices": _l("Notices to parents"),
    "timetable": _l("Timetable lines"), "visits": _l("Diary visits"),
    "family_notices": _l("Journal notices in parents' inboxes"),
    "messages": _l("Conversations (with their messages and files)"),
    "final_marks": _l("Period, year and exam marks"), "exam_results": _l("Exam results"),
    "corrections": _l("Change log (late corrections)"), "excuses": _l("Excused year marks"),
}
_BY_LESSON = {"marks": Mark, "attendance": Attendance}
_BY_PAGE = {"works": SummativeWork, "lessons": Lesson, "notices": ParentNotice, "family_notices": Notice,
            "timetable": TimetableSlot,
            "final_marks": FinalMark, "corrections": Correction, "excuses": MarkExcuse}


class RetentionError(ValueError):
    """A purge the rules refuse; .message is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class YearPlan:
    """One academic year past a limit: what of it may go, or why it may not."""

    year: AcademicYear
    final_too: bool  # also past the 25-year limit
    counts: dict[str, int] = field(default_factory=dict)
    refused: str = ""  # why the purge leaves this year alone ("" when it may go)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def kinds(self) -> tuple[str, ...]:
        return JOURNAL_KINDS + FINAL_KINDS if self.final_too else JOURNAL_KINDS


@dataclass
class Plan:
    """The dry run: the limits' cut-off dates and the years past them, oldest first."""

    today: dt.date
    journal_before: dt.date
    final_before: dt.date
    years: list[YearPlan]

    @property
    def purgeable(self) -> list[YearPlan]:
        return [y for y in self.years if not y.refused and y.total]

    def totals(self) -> dict[str, int]:
        """Rows the purge would delete, per kind (refused years left out)."""
        out: dict[str, int] = {}
        for year in self.purgeable:
            for kind, n in year.counts.items():
                out[kind] = out.get(kind, 0) + n
        return out


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def limits() -> tuple[int, int]:
    """The journal's and the final marks' retention in years: settings RETENTION_JOURNAL_YEARS
    and RETENTION_FINAL_YEARS (some schools keep summary pages 70 years)."""
    config = current_app.config
    return (int(config.get("RETENTION_JOURNAL_YEARS", JOURNAL_YEARS)),
            int(config.get("RETENTION_FINAL_YEARS", FINAL_YEARS)))


def _refusal(year: AcademicYear) -> str:
    if year.is_current:
        return _("the current year is never purged")
    if not year.closed:
        return _("the year is not closed: close it first")
    return ""


def make_plan(today: dt.date | None = None) -> Plan:
    """The dry run: every year that ended before the journal limit, with its counts per kind
    (a fixed number of queries per kind, one per year for diary visits)."""
    today = today or clock.today()
    journal_years, final_years = limits()
    journal_before = years_before(today, journal_years)
    final_before = years_before(today, final_years)
    years = list(db.session.scalars(select(AcademicYear)
                                    .where(AcademicYear.end_date < journal_before)
                                    .order_by(AcademicYear.start_date)))
    plans = [YearPlan(y, y.end_date < final_before, refused=_refusal(y)) for y in years]
    ids = [y.id for y in years]
    for kind in JOURNAL_KINDS + FINAL_KINDS:
        if kind in _WINDOWED:
            continue
        found = dict(db.session.execute(
            _scoped(kind, ids, _year_column(kind), func.count()).group_by(_year_column(kind))
        ).all()) if ids else {}
        for plan in plans:
            if kind in plan.kinds:
                plan.counts[kind] = found.get(plan.year.id, 0)
    for plan in plans:
        plan.counts["visits"] = db.session.scalar(
            select(func.count()).select_from(DiaryVisit).where(
                _visit_window(plan.year, journal_before))) or 0
        plan.counts["messages"] = db.session.scalar(
            select(func.count()).select_from(Conversation).where(
                _visit_window(plan.year, journal_before, Conversation.last_message_at))) or 0
    return Plan(today, journal_before, final_before, plans)


def _year_column(kind: str):
    return ExamResult.year_id if kind == "exam_results" else SchoolClass.year_id


def _scoped(kind: str, year_ids: list[int], *columns) -> Select:
    """A select of `columns` over the rows of one kind that belong to the given years."""
    if kind == "exam_results":
        return select(*columns).select_from(ExamResult).where(ExamResult.year_id.in_(year_ids))
    if kind in _BY_LESSON:
        model = _BY_LESSON[kind]
        query = (select(*columns).select_from(model).join(Lesson, Lesson.id == model.lesson_id)
                 .join(SubjectPage, SubjectPage.id == Lesson.page_id))
    else:
        model = _BY_PAGE[kind]
        query = (select(*columns).select_from(model)
                 .join(SubjectPage, SubjectPage.id == model.page_id))
    return (query.join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
            .where(SchoolClass.year_id.in_(year_ids)))


def _visit_window(year: AcademicYear, journal_before: dt.date, column=DiaryVisit.at):
    """Diary visits (or what `column` dates) of a year: from its first day to the next
    year's first (the summer goes with the year before), never later than the journal
    limit's cut-off."""
    next_start = db.session.scalar(select(func.min(AcademicYear.start_date))
                                   .where(AcademicYear.start_date > year.start_date))
    until = min(next_start or journal_before, journal_before)
    start = dt.datetime.combine(year.start_date, dt.time.min)
    return (column >= start) & (column < dt.datetime.combine(until, dt.time.min))


def _model(kind: str):
    return ExamResult if kind == "exam_results" else _BY_LESSON.get(kind) or _BY_PAGE[kind]


def _delete_kind(kind: str, year_ids: list[int]) -> None:
    model = _model(kind)
    if kind == "lessons":
        # The change log keeps its rows 25 years; a cell's request forgets its lesson.
        db.session.execute(update(Correction).where(
            Correction.lesson_id.in_(_scoped("lessons", year_ids, Lesson.id)))
            .values(lesson_id=None).execution_options(synchronize_session=False))
    db.session.execute(delete(model).where(model.id.in_(_scoped(kind, year_ids, model.id)))
                       .execution_options(synchronize_session=False))


def purge(user: User | None, plan: Plan) -> tuple[dict[str, int], list[str]]:
    """Delete what the plan lists for the years that may go, in the caller's transaction,
    and write one audit row with the counts. Returns the counts per kind and the keys of the
    change log's attached files, to remove once the transaction is committed.

    Raises RetentionError when nothing may be purged, or when a year of the plan has become
    the current one or been reopened since the plan was made."""
    years = plan.purgeable
    if not years:
        raise RetentionError(_("Nothing is past the retention limits."))
    for item in years:
        db.session.refresh(item.year)
        if _refusal(item.year):
            raise RetentionError(_("The year %(name)s is open: nothing was deleted.",
                                   name=item.year.name))
    journal_ids = [y.year.id for y in years]
    final_ids = [y.year.id for y in years if y.final_too]
    files = list(db.session.scalars(_scoped("corrections", final_ids, Correction.file_key)
                                    .where(Correction.file_key.is_not(None)))) if final_ids else []
    for kind in JOURNAL_KINDS:
        if kind == "visits":
            db.session.execute(delete(DiaryVisit).where(or_(*(
                _visit_window(y.year, plan.journal_before) for y in years))))
        elif kind == "messages":
            files += _delete_conversations(years, plan.journal_before)
        else:
            _delete_kind(kind, journal_ids)
    for kind in FINAL_KINDS if final_ids else ():
        _delete_kind(kind, final_ids)
    counts = plan.totals()
    audit.record(user, "retention", None, "purge",
                 {"years": ", ".join(y.year.name for y in years), **counts})
    return counts, files


def _delete_conversations(years: list[YearPlan], journal_before: dt.date) -> list[str]:
    """Delete the conversations of the years (their members, messages and attachments go by
    the foreign keys); the keys of the attachments' files, to remove after the commit."""
    window = or_(*(_visit_window(y.year, journal_before, Conversation.last_message_at)
                   for y in years))
    ids = select(Conversation.id).where(window)
    keys = list(db.session.scalars(
        select(MessageAttachment.stored_name).join(Message, Message.id ==
                                                   MessageAttachment.message_id)
        .where(Message.conversation_id.in_(ids))))
    db.session.execute(delete(Conversation).where(Conversation.id.in_(ids))
                       .execution_options(synchronize_session=False))
    return [MESSAGE_FILE + key for key in keys]


# A message attachment's key among the files to remove (the others are the change log's).
MESSAGE_FILE = "message:"


def remove_files(keys: list[str]) -> None:
    """Remove the change log's and the messages' attachments of purged rows (after the
    commit)."""
    for key in keys:
        if key.startswith(MESSAGE_FILE):
            uploads.remove(conversations.AREA, key[len(MESSAGE_FILE):])
        else:
            correction_files.remove(key)
