"""The path of a late correction (001 4.2-4.3, DOMAIN.md 4): ask → approve or reject → apply.

Each step is a function that checks its rule, refuses with the reason (CorrectionError) and
writes nothing when it refuses; none of them commits. Who may take a step is asked of
services.policy; what may be asked is decided here: only a locked entry, only with a
document, only a value the journal accepts. Applying writes through the journal's own save
functions (services.entries), which keep every rule except the edit window, and their audit
row names the correction; each step writes its own audit row, so the cell's history and the
correction's show the whole path.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import AcademicYear, Correction, Lesson, Pupil, StudyPeriod, SubjectPage, User
from services import audit, entries, policy
from services import grid as grid_service
from services import journal as rules
from services import school as school_service
from services.corrections import files
from services.corrections.errors import CorrectionError
from services.entries.common import lenient
from services.journal import JournalError
from services.summative import suggestions

NOTE_MAX = 300
DOC_MAX = 40


@dataclass
class Target:
    """The locked entry a request is about: one lesson cell, or a period or year mark."""

    kind: str  # "cell", "period" or "year"
    page: SubjectPage
    pupil: Pupil
    lesson: Lesson | None = None
    period: StudyPeriod | None = None  # the period of a period mark; the last for a year mark

    @property
    def entry_date(self) -> dt.date:
        """The date being changed: the lesson's, or the last day of the period (or year)."""
        return self.lesson.date if self.lesson is not None else self.period.end_date


@dataclass
class Request:
    """What the requester typed: the new value, the reason and the document."""

    new_value: str
    reason: str
    note: str
    doc_number: str
    doc_date: dt.date | None


def cell_target(lesson: Lesson, pupil: Pupil) -> Target:
    """A lesson cell of a pupil who was on the page (404 otherwise: no probing)."""
    if not grid_service.is_on_page_ever(lesson.page, pupil.id):
        raise CorrectionError(_("This pupil is not on this page on the lesson's date."), 404)
    return Target("cell", lesson.page, pupil, lesson=lesson)


def final_target(page: SubjectPage, pupil: Pupil, kind: str, period: StudyPeriod | None
                 ) -> Target:
    """A period mark (of `period`) or the year mark of a pupil of the page."""
    periods = school_service.periods_of(page.school_class)
    if not periods or not grid_service.is_on_page_ever(page, pupil.id):
        raise CorrectionError(_("This pupil is not on this page on the lesson's date."), 404)
    if kind == "year":
        period = periods[-1]
    elif kind != "period" or period is None or period not in periods:
        raise CorrectionError(_("This study period is not one of this class's periods."), 404)
    return Target(kind, page, pupil, period=period)


def current_value(target: Target) -> str:
    """The entry as stored now, in the journal's own letters (н, о, н/а): what was asked to
    change is compared with what is there when the correction is applied."""
    if target.kind == "cell":
        value, _marks, _att = entries.current_cell(target.lesson.id, target.pupil.id)
        return value.text()
    mark, _notice = entries.stored_final(target.page, target.pupil.id, target.kind,
                                         target.period)
    with force_locale("ru"):
        return rules.final_label(*mark) if mark else ""


def _attendance_only(target: Target, old: str, new: str) -> bool:
    """Does the request change only the cell's attendance, not its marks?"""
    if target.kind != "cell":
        return False
    school = school_service.the_school()
    cls = target.page.school_class
    return rules.parse_cell(new, school, cls).marks == _stored_cell(old, school, cls).marks


def _stored_cell(stored: str, school, school_class=None) -> rules.CellValue:
    """The entry as stored, read leniently. Marking a marked pupil absent in the attendance
    column makes "н4", which parse_cell refuses as typed input (it raised, a 500)."""
    status = {"н": "absent", "о": "late"}.get(stored[:1])
    value = rules.parse_cell(stored[1:] if status else stored, lenient(school), school_class)
    value.status = status
    return value


def _check_open_year(page: SubjectPage) -> None:
    year = db.session.get(AcademicYear, page.school_class.year_id)
    if year is not None and year.closed:
        raise CorrectionError(_("This year is closed: its journal is read-only."), 403)


def _check_locked(target: Target, stored: str, new: str, today: dt.date) -> None:
    """Only a locked entry is corrected; an open one is changed in the journal itself."""
    school = school_service.the_school()
    if target.kind == "cell":
        if target.lesson.cancelled:
            raise CorrectionError(_("This lesson was cancelled: it takes no entries."))
        if target.lesson.date > today:
            raise CorrectionError(_("This lesson has not taken place yet."))
        cls = target.page.school_class
        old = _stored_cell(stored, school, cls)
        wanted = rules.parse_cell(new, school, cls)
        wt = entries.column_work_type(target.lesson, school)
        parts = [(wanted.marks != old.marks, True), (wanted.status != old.status, False)]
        for changed, marks in parts:
            if changed and rules.lesson_lock(school, target.page, target.lesson, wt, today,
                                             marks=marks).open:
                raise CorrectionError(_("This entry can still be changed in the journal: "
                                        "a correction is only for a locked one."))
        return
    periods = school_service.periods_of(target.page.school_class)
    end = target.period.end_date if target.kind == "period" else periods[-1].end_date
    if rules.final_lock(school, target.page, end, today).open:
        raise CorrectionError(_("This entry can still be changed in the journal: a "
                                "correction is only for a locked one."))


def _check_value(target: Target, new: str) -> str:
    """The new value parsed by the journal's rules and written back in its own letters."""
    school = school_service.the_school()
    try:
        if target.kind == "cell":
            value = rules.parse_cell(new, school, target.page.school_class)
            if value.marks and rules.is_no_marks_grade(school, target.page.school_class.grade):
                raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are "
                                     "entered.", grade=target.page.school_class.grade))
            return value.text()
        mark = rules.parse_final(new, school)
        if target.kind == "period" and target.page.school_class.is_criteria and (
                refusal := suggestions.half_year_refusal(target.page, target.period)):
            raise JournalError(refusal)
        with force_locale("ru"):
            return rules.final_label(*mark) if mark != (None, None) else ""
    except JournalError as error:
        raise CorrectionError(error.message) from error


def doc_number(text: str) -> str:
    """The document's number as the change log prints it after its own "№": "№ 15" → "15"."""
    return text.strip().lstrip("№").strip(" .:")


def _check_request(data: Request, today: dt.date) -> None:
    if data.reason not in ("illness", "retake", "other"):
        raise CorrectionError(_("Choose the reason: illness, a retake or another documented "
                                "cause."))
    if data.reason == "other" and not data.note.strip():
        raise CorrectionError(_("Describe the cause: it goes into the change log."))
    if len(data.note.strip()) > NOTE_MAX:
        raise CorrectionError(_("The explanation is at most %(n)d characters.", n=NOTE_MAX))
    number = doc_number(data.doc_number)
    if not number:
        raise CorrectionError(_("Give the protocol number of the retake.") if
                              data.reason == "retake" else
                              _("Give the number of the document (a certificate, an order)."))
    if len(number) > DOC_MAX:
        raise CorrectionError(_("The document number is at most %(n)d characters.", n=DOC_MAX))
    if data.doc_date is None:
        raise CorrectionError(_("Give the date of the document."))
    if data.doc_date > today:
        raise CorrectionError(_("The document's date cannot be in the future."))


def request(user: User, target: Target, data: Request, upload, today: dt.date) -> Correction:
    """Ask for a correction of a locked entry. Checks who asks (the subject teacher, the class
    teacher for an absence, a deputy of the level), that the entry is locked, the new value,
    the reason and the document, then stores the attachment (if any) and the request."""
    _check_open_year(target.page)
    new = _check_value(target, data.new_value)
    old = current_value(target)  # read once: every check below compares with it
    only_attendance = _attendance_only(target, old, new)
    if not policy.can_request_correction(user, target.page, attendance_only=only_attendance):
        raise CorrectionError(_("Only the subject teacher (the class teacher for absences) or "
                                "a deputy director of this level asks for a correction."), 403)
    _check_locked(target, old, new, today)
    if new == old:
        raise CorrectionError(_("The entry already holds this value."))
    _check_request(data, today)
    waiting = waiting_request(target)
    if waiting is not None:
        raise CorrectionError(_("A request for this entry is already waiting (№ %(n)d).",
                                n=waiting), 409)
    attachment = files.check(upload)
    row = Correction(
        kind=target.kind, page_id=target.page.id, pupil_id=target.pupil.id,
        lesson_id=target.lesson.id if target.lesson else None,
        period_id=target.period.id if target.kind == "period" else None,
        entry_date=target.entry_date, old_value=old, new_value=new, reason=data.reason,
        note=data.note.strip(), doc_number=doc_number(data.doc_number), doc_date=data.doc_date,
        requested_by=user.id, requested_role=audit.acting_role(user, target.page, target.lesson),
        status="pending")
    if attachment is not None:
        row.file_key = files.store(attachment)
        row.file_name, row.file_type = attachment.name, attachment.mime
        row.file_size = len(attachment.data)
    db.session.add(row)
    try:
        db.session.flush()
    except Exception:
        files.remove(row.file_key)  # no request, no file: nothing is kept of a refusal
        raise
    _audit(user, row, "request", old, new)
    return row


def waiting_request(target: Target) -> int | None:
    """A request for the same entry still pending or approved: one at a time."""
    query = select(Correction.id).where(
        Correction.page_id == target.page.id, Correction.pupil_id == target.pupil.id,
        Correction.kind == target.kind, Correction.status.in_(("pending", "approved")))
    if target.kind == "cell":
        query = query.where(Correction.lesson_id == target.lesson.id)
    elif target.kind == "period":
        query = query.where(Correction.period_id == target.period.id)
    return db.session.scalar(query.limit(1))


def decide(user: User, row: Correction, approve: bool, note: str) -> None:
    """The director or a deputy of the class's level approves or rejects a pending request;
    never their own; a rejection says why."""
    if row.status != "pending":
        raise CorrectionError(_("This request has already been decided."), 409)
    _check_open_year(row.page)  # a closed year is an archive: nothing is decided there
    if row.requested_by == user.id:
        raise CorrectionError(_("You asked for this correction: another deputy or the "
                                "director decides it."), 403)
    if not policy.can_decide_correction(user, row):
        raise CorrectionError(_("Class %(name)s is not in your level: a deputy of its level or "
                                "the director decides this request.",
                                name=row.page.school_class.name), 403)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise CorrectionError(_("The comment is at most %(n)d characters.", n=NOTE_MAX))
    if not approve and not note:
        raise CorrectionError(_("Say why the request is rejected: the teacher reads it."))
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_note = user.id, _now(), note
    _audit(user, row, "approve" if approve else "reject", "", note)


def apply(user: User, row: Correction, today: dt.date) -> None:
    """Enter an approved correction into the journal, in one step: a deputy of the level or
    the administrator (on the deputy's order). The entry must still hold what it held when
    the request was made."""
    if row.status == "rejected":
        raise CorrectionError(_("This request was rejected: it cannot be applied."), 409)
    if row.status == "applied":
        raise CorrectionError(_("This correction has already been applied."), 409)
    if row.status != "approved":
        raise CorrectionError(_("This request is not approved yet."), 409)
    if not policy.can_apply_correction(user, row):
        raise CorrectionError(_("A deputy director of this level or the administrator enters "
                                "an approved correction."), 403)
    _check_open_year(row.page)
    target = _target_of(row)
    now = current_value(target)
    if now != row.old_value:
        raise CorrectionError(_("The entry has changed since the request (it now holds "
                                "%(now)s): ask for a new correction.", now=now or "—"), 409)
    try:
        _write(user, row, target, today)
    except JournalError as error:
        raise CorrectionError(error.message, error.status) from error
    row.status, row.applied_by, row.applied_at = "applied", user.id, _now()
    _audit(user, row, "apply", row.old_value, row.new_value)


def _write(user: User, row: Correction, target: Target, today: dt.date) -> None:
    if row.kind == "cell":
        cell = entries.load_cell(row.lesson_id, row.pupil_id, user.person_id)
        entries.save_cell(user, cell, row.pupil_id, row.new_value, row.old_value, today,
                          correction=row)
        return
    school = school_service.the_school()
    periods = school_service.periods_of(target.page.school_class)
    entries.save_final(user, school, target.page, row.pupil_id, row.kind, target.period,
                       periods[-1], row.new_value, row.old_value, today, correction=row)


def _target_of(row: Correction) -> Target:
    if row.kind == "cell":
        if row.lesson is None:
            raise CorrectionError(_("This lesson does not exist any more."), 404)
        return Target("cell", row.page, row.pupil, lesson=row.lesson)
    periods = school_service.periods_of(row.page.school_class)
    return Target(row.kind, row.page, row.pupil,
                  period=row.period if row.kind == "period" else periods[-1])


def _audit(user: User, row: Correction, step: str, old: str, new: str) -> None:
    """One row per step, written as the journal writes a cell (the entry's old and new
    values; a decision's comment): the request itself holds the reason and the document."""
    role = audit.acting_role(user, row.page, row.lesson)
    audit.write_rows([audit.journal_row(
        user, f"correction.{step}", "correction", row.id, row.pupil_id, old, new,
        page=row.page, lesson=row.lesson, role=role, correction_id=row.id)])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
